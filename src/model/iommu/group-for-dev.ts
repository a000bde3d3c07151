/**
 * `struct iommu_ops` (include/linux/iommu.h), the callbacks the IOMMU driver of the host registers at boot
 * (kernel-build.ts; iommu/intel, iommu/amd), and `iommu_group_get_for_dev()`, which asks the driver's
 * `device_group()` which group a device added while the kernel runs (hot-add, rescan) joins.
 */
import type { Device } from '../base/device.js';
import type { KernelState } from '../kernel-state.js';
import type { IommuGroup } from './group.js';
import { iommuGroupAllocId } from './probe.js';

/** The `iommu_ops` callbacks the model calls. */
export interface IommuOps {
  /** `ops->device_group(dev)`: the existing group `dev` joins, or null for a new one. */
  readonly deviceGroup: (k: KernelState, dev: Device) => number | null;
  /**
   * `ops->release_device(dev)` as the device leaves group `g` (`held`: a holder outside its devices keeps the
   * group): what the driver leaves behind.
   */
  readonly releaseDevice?: (k: KernelState, dev: Device, g: IommuGroup, held: boolean) => void;
}

declare module '../kernel-state.js' {
  interface KernelOps {
    /** The IOMMU driver's `iommu_ops` (`iommu_device_register()`). */
    readonly iommu: IommuOps;
  }
}

/** The group a hot-added device gets: the existing one `ops->device_group()` finds, else a new id (lowest free). */
export function iommuGroupGetForDev(k: KernelState, dev: Device): { readonly gid: number } {
  return { gid: k.ops.iommu.deviceGroup(k, dev) ?? iommuGroupAllocId(k) };
}
