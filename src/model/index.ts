/**
 * src/model — the simulated kernel. Pure: no I/O, no clock, no randomness, no dependencies.
 *
 * Table of contents:
 *   profiles.ts          kernel versions → behaviour flags (L, O1, O2, F, C)
 *   uapi.ts              the syscall surface: Kernel, SysResult, KernelOptions, ioctl names
 *   kernel.ts            createKernel(): sysfs, /dev, fds, blocked calls, events
 *   file-ops.ts          FILE_OPS: the per-file-type ioctl/release table a kernel is built with
 *   iommu-group.ts       struct iommu_group, owner_cnt/owner and the ownership API
 *   iommu-attach.ts      attach/detach of domains, PASID attachments
 *   iommu-probe.ts       devices joining/leaving groups (hot-add/remove)
 *   driver-core.ts       really_probe, bind/unbind/drivers_probe, autoprobe
 *   bus-dma.ts           bus dma_configure / dma_cleanup
 *   driver-registry.ts   drivers, id tables, driver_override, driver_managed_dma
 *   vfio-*.ts            vfio-pci, vfio groups, containers, device fds, the L notifier
 *   sysfs*.ts            the /sys and /dev view
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
