/**
 * vfio-pci (and variants, vfio-platform) probe and remove (spec §4.5, §5.6, §5.8, §5.9):
 * refusals (non-normal header → -EINVAL, PF with VFs enabled → -EBUSY, no IOMMU group → -EINVAL unless
 * noiommu mode), registration into a vfio group, and `vfio_unregister_group_dev()`'s waits:
 * device fds must close; L additionally waits, for the last device, until the group leaves its container.
 */
import { iommuGroupAllocId, iommuGroupFreeId } from '../../iommu/probe.js';
import { enter, fail, printk, type KernelState } from '../../kernel-state.js';
import type { Device } from '../../base/device.js';
import { pciBusOf } from '../../pci/probe.js';
import type { DeviceDriver } from '../../base/driver-registry.js';
import type { DriverOps } from '../../base/driver-probe.js';
import type { VfioDeviceOps } from '../device.js';
import { PCI_HEADER_TYPE_NORMAL, pciConfigResetMethods } from '../../pci/caps.js';
import { pciConfigSize } from '../../pci/config.js';
import { ok, type Outcome } from '../../errno.js';
import { vfioGroupAddDevice, vfioGroupPut, vfioGroupRemoveLast } from '../group.js';
import { vfioCdevFilesOpen } from '../cdev.js';
import { vfioDeviceRelease, vfioInitDevice } from '../device-class.js';

/** `vfio_pci_probe()` / `vfio_pci_core_register_device()` + `vfio_register_group_dev()`. */
export function vfioPciProbe(k: KernelState, dev: Device, drv: DeviceDriver): Outcome {
  const fn = drv.kind === 'vfio-pci' ? 'vfio_pci_probe' : 'vfio_platform_probe';
  enter(k, fn);
  if (dev.pci) {
    if (dev.hdrType !== PCI_HEADER_TYPE_NORMAL) return fail(k, fn, 'EINVAL', `${dev.name} has header type ${dev.hdrType} (not a normal device: bridges cannot be assigned)`);
    if ((dev.sriovNumvfs ?? 0) > 0) {
      printk(k, `${drv.name} ${dev.name}: Cannot bind to PF with SR-IOV enabled`);
      return fail(k, fn, 'EBUSY', `${dev.name} is an SR-IOV PF with ${dev.sriovNumvfs} VFs enabled`);
    }
  }
  let gid = dev.group;
  let noiommu = false;
  if (gid === null) {
    if (!k.opts.noiommuMode) return fail(k, 'vfio_group_find_or_alloc', 'EINVAL', `${dev.name} has no IOMMU group (and vfio noiommu mode is off)`);
    gid = allocNoiommuGroup(k, dev);
    noiommu = true;
  } else {
    noiommu = k.groups.get(gid)?.fake ?? false;
  }
  enter(k, 'vfio_register_group_dev');
  const vg = vfioGroupAddDevice(k, gid, dev.name, noiommu);
  vfioInitDevice(k, dev.name);
  void vg;
  return ok();
}

/** `vfio_noiommu_group_alloc()`: a fake iommu group named 'vfio-noiommu'; taints the kernel. */
function allocNoiommuGroup(k: KernelState, dev: Device): number {
  const id = iommuGroupAllocId(k);
  k.groups.set(id, { id, devices: [dev.name], defaultDomain: null, blockingDomain: null, domain: null, ownerCnt: 0, owner: null,
    pasidArray: new Map(), reservedRegions: [], name: 'vfio-noiommu', fake: true });
  dev.group = id;
  printk(k, `vfio-pci ${dev.name}: Adding kernel taint for vfio-noiommu group on device`);
  k.taint.push('TAINT_USER: vfio-noiommu');
  enter(k, `vfio_noiommu_group_alloc: group ${id}`);
  return id;
}

function deviceFdsOpen(k: KernelState, dev: Device): number {
  const cdev = vfioCdevFilesOpen(k, dev.name);
  return dev.group === null ? cdev : (k.vfioGroups.get(dev.group)?.openDevices.get(dev.name) ?? 0) + cdev;
}

/** What remove() must wait for, or null: open device fds; L, last device: the group leaving its container. */
export function vfioRemoveWait(k: KernelState, dev: Device): { ready: () => boolean; why: string } | null {
  const vg = dev.group === null ? undefined : k.vfioGroups.get(dev.group);
  if (!vg) return null;
  const ready = (): boolean => vfioRemoveReady(k, dev);
  if (ready()) return null;
  if (k.profile.vfioGroupNotifier) vg.unboundList.add(dev.name);
  const why = deviceFdsOpen(k, dev) > 0
    ? `vfio_unregister_group_dev: ${deviceFdsOpen(k, dev)} device fd(s) of ${dev.name} still open`
    : `vfio_del_group_dev: last device of vfio group ${vg.id}; waiting until the group leaves container ${vg.container}`;
  if (deviceFdsOpen(k, dev) > 0) printk(k, `vfio-pci ${dev.name}: Relaying device request to user (#0)`);
  return { ready, why };
}

/**
 * Whether vfio's remove() of `dev` may return now, read from the state each time (the wait is data, base/pending.ts):
 * no device fd of it open, and (L) when it is the last device of its vfio group, the group out of its container
 * (5.10 `vfio_del_group_dev()`: `list_empty(&group->device_list)` then `wait_event(container_q, !group->container)`).
 */
export function vfioRemoveReady(k: KernelState, dev: Device): boolean {
  const vg = dev.group === null ? undefined : k.vfioGroups.get(dev.group);
  if (!vg) return true;
  if (deviceFdsOpen(k, dev) > 0) return false;
  const last = vg.devices.length === 1 && vg.devices[0] === dev.name;
  return !(k.profile.vfioLastDeviceUnbind === 'wait-container' && last && vg.container !== null);
}

/** `vfio_unregister_group_dev()` once nothing is open: leave the vfio group (O2+: the last device forces the container off). */
export function vfioPciRemove(k: KernelState, dev: Device): void {
  enter(k, 'vfio_unregister_group_dev');
  vfioDeviceRelease(k, dev.name);
  if (dev.group === null) return;
  const vg = k.vfioGroups.get(dev.group);
  if (!vg) return;
  vg.unboundList.delete(dev.name);
  const i = vg.devices.indexOf(dev.name);
  if (i >= 0) vg.devices.splice(i, 1);
  if (vg.devices.length === 0) {
    if (k.profile.vfioLastDeviceUnbind === 'force-release') vfioGroupRemoveLast(k, vg);
    vfioGroupPut(k, vg);
  }
  const g = k.groups.get(dev.group);
  if (g?.fake) {
    k.groups.delete(g.id);
    iommuGroupFreeId(k, g.id);
    dev.group = null;
  }
}

/**
 * `vdev->reset_works` (`pci_probe_reset_function()`): from the `reset_method` attribute when the host shows
 * it; before 5.15 (no attribute) from config space: FLR, AF FLR, PM reset without NoSoftRst, or a bus reset
 * (not on a root bus, alone on its bus). From 5.15 an absent attribute means no reset method.
 */
export function vfioPciResetWorks(k: KernelState, dev: Device): boolean {
  const p = dev.pci;
  if (!p) return false;
  if (p.resetMethod !== null) return p.resetMethod.length > 0;
  if (k.profile.resetMethodAttr && pciConfigSize(p) >= 0x40) return false;
  if (pciConfigResetMethods(p).length > 0) return true;
  const onRootBus = dev.path.split('/').filter(Boolean).length <= 3;
  const alone = (k.pciBuses.get(pciBusOf(dev.name))?.size ?? 0) === 1;
  return !onRootBus && alone;
}

/** The `pci_driver` vfio-pci registers (`vfio_pci_driver`), and vfio-platform's `platform_driver`: probe, remove, and what remove() waits for. */
export const VFIO_PCI_DRIVER: DriverOps = { probe: vfioPciProbe, remove: vfioPciRemove, removeWait: vfioRemoveWait, removeReady: vfioRemoveReady };

/** `VFIO_PCI_NUM_REGIONS` / `VFIO_PCI_NUM_IRQS` (vfio.h). */
export const VFIO_PCI_NUM_REGIONS = 9;
export const VFIO_PCI_NUM_IRQS = 5;

/** `vfio_pci_ops` / vfio-platform's `vfio_platform_ops`: VFIO_DEVICE_GET_INFO — PCI: flags PCI (+RESET when a reset method works), 9 regions, 5 irqs. */
export const VFIO_PCI_DEVICE_OPS: Readonly<Record<'vfio-pci' | 'vfio-platform', VfioDeviceOps>> = {
  'vfio-pci': {
    getInfo(k, dev) {
      const flags = vfioPciResetWorks(k, dev) ? ['RESET', 'PCI'] : ['PCI'];
      return ok({ flags, num_regions: VFIO_PCI_NUM_REGIONS, num_irqs: VFIO_PCI_NUM_IRQS });
    },
  },
  'vfio-platform': { getInfo: () => (ok({ flags: ['PLATFORM'], num_regions: 0, num_irqs: 0 })) },
};
