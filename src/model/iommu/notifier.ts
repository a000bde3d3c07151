/**
 * The IOMMU group notifier (5.10 drivers/iommu/iommu.c; removed in 5.18): `iommu_bus_notifier()`, on every bus
 * chain, forwards a bound driver to the device's group chain as IOMMU_GROUP_NOTIFY_BOUND_DRIVER, and
 * `iommu_group_add_device()` sends IOMMU_GROUP_NOTIFY_ADD_DEVICE. VFIO registers its `vfio_iommu_group_notifier()`
 * there (kernel-build.ts, on the profiles that have it), so the IOMMU core names no VFIO function.
 */
import { ok, type Outcome } from '../errno.js';
import type { KernelState } from '../kernel-state.js';
import type { Device } from '../base/device.js';
import type { BusNotifyAction } from '../base/bus.js';

/** The `IOMMU_GROUP_NOTIFY_*` actions the model sends. */
export type IommuGroupNotifyAction = 'IOMMU_GROUP_NOTIFY_ADD_DEVICE' | 'IOMMU_GROUP_NOTIFY_BOUND_DRIVER';

/** A `notifier_block` on a group's chain; fails only with 'oops' (a BUG_ON kills the calling task). */
export type IommuGroupNotifier = (k: KernelState, action: IommuGroupNotifyAction, dev: Device) => Outcome;

declare module '../kernel-state.js' {
  interface KernelOps {
    /**
     * `group->notifier`. VFIO registers one block per vfio group (`iommu_group_register_notifier()`); the model
     * registers it once and the callee finds the device's vfio group itself.
     */
    readonly iommuGroupNotifiers: readonly IommuGroupNotifier[];
  }
}

/** `blocking_notifier_call_chain(&group->notifier, action, dev)` for a device in a group. */
export function iommuGroupNotify(k: KernelState, action: IommuGroupNotifyAction, dev: Device): Outcome {
  for (const nb of k.ops.iommuGroupNotifiers) {
    const r = nb(k, action, dev);
    if (!r.ok) return r;
  }
  return ok();
}

/** `iommu_bus_notifier()` (5.10): BUS_NOTIFY_BOUND_DRIVER of a device in a group → IOMMU_GROUP_NOTIFY_BOUND_DRIVER. */
export function iommuBusNotifier(k: KernelState, action: BusNotifyAction, dev: Device): Outcome {
  if (dev.group === null || action !== 'BUS_NOTIFY_BOUND_DRIVER') return ok();
  return iommuGroupNotify(k, 'IOMMU_GROUP_NOTIFY_BOUND_DRIVER', dev);
}
