/**
 * src/model — the simulated kernel. Pure: no I/O, no clock, no randomness, no dependencies.
 *
 * Table of contents (folders mirror the kernel tree; docs/kernel-objects.md draws the floors):
 *   errno.ts, profiles.ts, host-description.ts, uapi.ts, kernel-state.ts   the ground every floor stands on
 *   base/        drivers/base: struct device, drivers (registry), dd.c (really_probe, bind/unbind, autoprobe),
 *                bus dma_configure / dma_cleanup, blocked calls (pending.ts)
 *   pci/         drivers/pci: config space and caps, ACS and quirks, DMA aliases, pci_device_group(),
 *                dynamic ids, remove/rescan/hot-add, shpchp
 *   iommu/       drivers/iommu: struct iommu_group and the ownership API, attach/detach, probe (devices
 *                joining/leaving groups), the group a new device gets
 *   iommufd/     drivers/iommu/iommufd: /dev/iommu objects
 *   vfio/        drivers/vfio: groups, containers, device fds and cdevs, vfio-pci, the vfio-dev class, the L notifier
 *   sysfs/       the /sys and /dev view
 *   file-table.ts, file-ops.ts   open files and FILE_OPS, the per-file-type ioctl/release table
 *   kernel-build.ts, kernel.ts   buildKernelState() ("boot") and createKernel(): the syscall layer
 *   invariants.ts        checkInvariants()
 *   inspect.ts           read-only views for tools and tests
 */
export { createKernel } from './kernel.js';
export { buildKernelState } from './kernel-build.js';
export { profileFor, type Profile, type ProfileLabel } from './profiles.js';
export type { Kernel, KernelOptions, SysResult, SysErrno, Outcome, HotAddOptions, StatInfo, VfioIommuType } from './uapi.js';
export { VFIO_IOCTLS, VFIO_IOMMU_TYPES, VFIO_API_VERSION } from './uapi.js';
export { checkInvariants } from './invariants.js';
export { inspectGroup, inspectDevice, inspectVfioGroup, kernelLog, groupMemberViability, type GroupView, type VfioGroupView, type DomainKind, type MemberViability } from './inspect.js';
export type { FileOps, FileOpsTable, FileKind, IoctlHandler, OpenFile } from './file-table.js';
export { FILE_OPS } from './file-ops.js';
export { isDriverManagedDma } from './base/driver-registry.js';
export {
  iommuDeviceUseDefaultDomain, iommuDeviceUnuseDefaultDomain, iommuGroupClaimDmaOwner, iommuGroupReleaseDmaOwner,
  iommuDeviceClaimDmaOwner, iommuDeviceReleaseDmaOwner, iommuGroupDmaOwnerClaimed,
} from './iommu/group.js';
export type { KernelState } from './kernel-state.js';
export { err, ok, ModelBug, ERRNO_NUMBER, type Errno, type Result } from './errno.js';
