/**
 * L only (5.10–5.18, drivers/vfio/vfio.c): the iommu group notifier vfio registers per vfio group, and the
 * viability walk (spec §4.2, §4.3). The exact BUG condition: a driver finishes binding (BOUND_DRIVER) to
 * a device of an IOMMU group whose vfio_group has container_users > 0, and the device is not viable.
 */
import type { Device } from '../base/device.js';
import { enter, printk, type KernelState } from '../kernel-state.js';
import { getGroup } from '../iommu/group.js';
import { PCI_HEADER_TYPE_NORMAL } from '../pci/caps.js';
import type { VfioGroup } from './group.js';
import { err, ok, type Outcome } from '../errno.js';
import type { IommuGroupNotifyAction } from '../iommu/notifier.js';

/** `vfio_driver_allowed[]` (5.10; `vfio_driver_whitelist` before). */
const VFIO_DRIVER_ALLOWED: ReadonlySet<string> = new Set(['pci-stub']);

/**
 * `vfio_dev_viable()`: on the unbound_list, driverless, a non-normal PCI header (any bridge, any driver),
 * an allowed driver (pci-stub), or a registered vfio device of this group. `vg` null: the group has no
 * vfio_group yet (no member is a vfio device). Returns whether the device blocks, and why (or why not).
 */
export function vfioDevViability(vg: VfioGroup | null, dev: Device): { readonly blocks: boolean; readonly why: string } {
  if (dev.driver === null || vg?.unboundList.has(dev.name)) return { blocks: false, why: 'unbound' };
  if (dev.pci && dev.hdrType !== PCI_HEADER_TYPE_NORMAL) return { blocks: false, why: 'bridge (non-normal header type; exempt before 5.19)' };
  if (VFIO_DRIVER_ALLOWED.has(dev.driver)) return { blocks: false, why: `${dev.driver} (vfio_driver_allowed)` };
  if (vg?.devices.includes(dev.name)) return { blocks: false, why: `${dev.driver} (a vfio device of this group)` };
  return { blocks: true, why: `${dev.name} bound to ${dev.driver}` };
}

/** `vfio_dev_viable()` as the notifier and the viability walk use it: why the device is not viable, or null. */
export function vfioDevViable(_k: KernelState, vg: VfioGroup, dev: Device): string | null {
  const v = vfioDevViability(vg, dev);
  return v.blocks ? v.why : null;
}

/** `vfio_group_viable()`: every device of the iommu group viable (walks all members). Returns the first offender or null. */
export function vfioGroupViable(k: KernelState, vg: VfioGroup): string | null {
  enter(k, 'vfio_group_viable');
  if (vg.iommuGroup === null) return null;
  for (const name of getGroup(k, vg.iommuGroup).devices) {
    const dev = k.devices.get(name);
    const why = dev ? vfioDevViable(k, vg, dev) : null;
    if (why) return why;
  }
  return null;
}

/** BUS_NOTIFY_BOUND_DRIVER → `vfio_iommu_group_notifier`: `BUG_ON(vfio_group_nb_verify(group, dev))`. */
export function vfioNotifyBoundDriver(k: KernelState, dev: Device): Outcome {
  if (!k.profile.vfioGroupNotifier || dev.group === null) return ok();
  const vg = k.vfioGroups.get(dev.group);
  if (!vg) return ok();
  enter(k, 'vfio_iommu_group_notifier: IOMMU_GROUP_NOTIFY_BOUND_DRIVER');
  if (vg.containerUsers === 0) return ok();
  const why = vfioDevViable(k, vg, dev);
  if (why === null) return ok();
  const msg = `kernel BUG at drivers/vfio/vfio.c: vfio_group_nb_verify: ${why} in iommu group ${dev.group}, ` +
    `whose vfio_group is in use by user space (container_users=${vg.containerUsers}); the driver is bound and doing DMA in a user-owned group`;
  printk(k, msg);
  enter(k, 'BUG_ON(vfio_group_nb_verify)');
  return err('oops', msg);
}

/** IOMMU_GROUP_NOTIFY_ADD_DEVICE → `vfio_group_nb_add_dev`: dev_WARN "Device added to live group N!" when in use. */
export function vfioNotifyAddDevice(k: KernelState, dev: Device): void {
  if (!k.profile.vfioGroupNotifier || dev.group === null) return;
  const vg = k.vfioGroups.get(dev.group);
  if (!vg || vg.containerUsers === 0) return;
  enter(k, 'vfio_group_nb_add_dev');
  printk(k, `WARNING: ${dev.name}: Device added to live group ${dev.group}!`);
}


/**
 * `vfio_iommu_group_notifier()` (5.10 drivers/vfio/vfio.c): the block VFIO registers on the IOMMU group
 * notifier chain (iommu/notifier.ts) of the profiles that have it (`vfioGroupNotifier`).
 */
export function vfioIommuGroupNotifier(k: KernelState, action: IommuGroupNotifyAction, dev: Device): Outcome {
  switch (action) {
    case 'IOMMU_GROUP_NOTIFY_ADD_DEVICE':
      vfioNotifyAddDevice(k, dev);
      return ok();
    case 'IOMMU_GROUP_NOTIFY_BOUND_DRIVER':
      return vfioNotifyBoundDriver(k, dev);
  }
}
