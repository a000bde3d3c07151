/**
 * What each driver's probe() and remove() do in the model (`call_driver_probe()`, `device_remove()`):
 * pcieport and shpchp (pci/shpchp.ts) refuse devices that are not their kind of bridge (-ENODEV), vfio drivers register
 * a vfio device, and a test may inject a probe failure (KernelOptions.probeErrors).
 */
import type { Device } from './device.js';
import type { DeviceDriver } from './driver-registry.js';
import { enter, fail, type KernelState } from '../kernel-state.js';
import { PCI_EXP_TYPE, pciPcieType } from '../pci/caps.js';
import { shpcProbe } from '../pci/shpchp.js';
import type { Outcome } from '../uapi.js';
import { vfioPciProbe, vfioPciRemove, vfioRemoveWait } from '../vfio/pci.js';

const OK: Outcome = { ok: true, value: undefined };
const PORT_TYPES: ReadonlySet<number> = new Set([PCI_EXP_TYPE.ROOT_PORT, PCI_EXP_TYPE.UPSTREAM, PCI_EXP_TYPE.DOWNSTREAM, PCI_EXP_TYPE.RC_EC]);

/** `call_driver_probe()` (drivers/base/dd.c): the driver's probe() — injected errors, pcieport's port check (ENODEV), shpchp, vfio-pci/vfio-platform. */
export function callDriverProbe(k: KernelState, dev: Device, drv: DeviceDriver): Outcome {
  enter(k, `call_driver_probe: ${drv.name}`);
  const injected = k.opts.probeErrors[`${drv.name}@${dev.name}`] ?? k.opts.probeErrors[drv.name];
  if (injected) return fail(k, `${drv.name} probe`, injected, `${drv.name} probe() of ${dev.name} returned -${injected}`);
  const cfgKnown = dev.pci !== null && dev.pci.config.length >= 0x40;
  switch (drv.kind) {
    case 'pcieport': {
      const t = dev.pci ? pciPcieType(dev.pci) : null;
      if (cfgKnown && (t === null || !PORT_TYPES.has(t))) {
        return fail(k, 'pcie_portdrv_probe', 'ENODEV', `${dev.name} is not a PCIe root/upstream/downstream port`);
      }
      return OK;
    }
    case 'shpchp':
      return shpcProbe(k, dev);
    case 'vfio-pci':
    case 'vfio-platform':
      return vfioPciProbe(k, dev, drv);
    default:
      return OK;
  }
}

/** What drv->remove() must wait for before it can return, or null (vfio: open device fds, §4.5/§5.6). */
export function driverRemoveReady(k: KernelState, dev: Device, drv: DeviceDriver): { ready: () => boolean; why: string } | null {
  if (drv.kind !== 'vfio-pci' && drv.kind !== 'vfio-platform') return null;
  return vfioRemoveWait(k, dev);
}

/** `device_remove()` (drivers/base/dd.c) → the driver's remove(): vfio drivers unregister the vfio device (`vfio_unregister_group_dev()`). */
export function callDriverRemove(k: KernelState, dev: Device, drv: DeviceDriver): void {
  enter(k, `device_remove: ${drv.name}`);
  if (drv.kind === 'vfio-pci' || drv.kind === 'vfio-platform') vfioPciRemove(k, dev);
}
