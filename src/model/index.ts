/**
 * src/model — the simulated kernel. Pure: no I/O, no clock, no randomness, no dependencies.
 *
 * Table of contents, lowest floor first (folders mirror the kernel tree; a floor imports only floors below it,
 * upward calls go through the tables kernel-build.ts registers — docs/kernel-objects.md, floors.test.ts):
 *   errno.ts, host-description.ts, profiles.ts, vfio-uapi.ts, kernel-state.ts, kernfs.ts, file-table.ts
 *                the ground: errors and results, the host, versions, VFIO constants, shared state, sysfs nodes, fds
 *   base/        drivers/base: struct device, drivers (registry), dd.c (really_probe, bind/unbind, autoprobe),
 *                the bus_type / bus notifier / device_driver tables, blocked calls (pending.ts)
 *   iommu/       drivers/iommu: struct iommu_group and the ownership API, attach/detach, probe (devices
 *                joining/leaving groups), the group notifier, iommu_ops and iommu_group_get_for_dev()
 *   pci/         drivers/pci: config space and caps, ACS and quirks, DMA aliases, pci_device_group(), probe,
 *                dynamic ids, remove/rescan/hot-add, the buses' dma_configure, pcieport, shpchp
 *   iommu/intel/, iommu/amd/, iommu/arm/   the IOMMU drivers' iommu_ops; of_iommu_configure (arm-smmu-v3)
 *   iommufd/     drivers/iommu/iommufd: /dev/iommu objects
 *   vfio/        drivers/vfio: groups, containers, device fds and cdevs, the vfio-dev class, the L notifier
 *   vfio/pci/    drivers/vfio/pci: vfio-pci (and vfio-platform)
 *   sysfs/       the /sys and /dev view
 *   uapi.ts, file-ops.ts   the syscall surface; FILE_OPS, the per-file-type ioctl/release table
 *   kernel-build.ts, kernel.ts   buildKernelState() ("boot": registers the tables) and createKernel(): the syscall layer
 *   invariants.ts, iommufd-invariants.ts   checkInvariants()
 *   inspect.ts           read-only views for tools and tests
 */
export { createKernel } from './kernel.js';
export { buildKernelState } from './kernel-build.js';
export { dmaRule, kernelVersion, profileFor, type DmaRule, type KernelVersion, type Profile, type ProfileLabel } from './profiles.js';
export type { Kernel, KernelOptions, SysResult, SysErrno, Outcome, HotAddOptions, StatInfo, VfioIommuType } from './uapi.js';
export { VFIO_IOMMU_TYPES, VFIO_API_VERSION } from './uapi.js';
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
export { err, ok, isErrno, ModelBug, ERRNO_NAMES, ERRNO_NUMBER, type Errno, type Failure, type Result, type Success } from './errno.js';
