/**
 * /sys/bus/B: `devices/*` links, `drivers/D/{bind,unbind,new_id,remove_id}` plus device links,
 * `drivers_probe`, `drivers_autoprobe`, PCI's `rescan`. Writes go to the driver core.
 */
import type { BusType } from '../base/device.js';
import { driverKey } from '../base/driver-registry.js';
import { bindStore, driversProbeStore, unbindStore } from '../base/dd.js';
import type { KernelState } from '../kernel-state.js';
import { newIdStore, removeIdStore } from '../pci/dynid.js';
import { rescanStore } from '../pci/hotplug.js';
import { dir, link, text, type SysNode } from '../kernfs.js';
import { ok, type Outcome } from '../errno.js';

const BUSES: readonly BusType[] = ['pci', 'platform', 'amba', 'fsl-mc', 'cdx'];

function busesPresent(k: KernelState): BusType[] {
  return [...k.buses].sort() as BusType[];
}

const wo = (write: (data: string) => Outcome): SysNode => ({ kind: 'file', write });

export function busNode(k: KernelState, parts: readonly string[]): SysNode | null {
  if (parts.length === 0) return dir(() => busesPresent(k));
  const bus = parts[0] as BusType;
  if (!BUSES.includes(bus) || !busesPresent(k).includes(bus)) return null;
  const [, area, name, leaf, extra] = parts;
  if (area === undefined) return dir(() => ['devices', 'drivers', 'drivers_autoprobe', 'drivers_probe', ...(bus === 'pci' ? ['rescan'] : [])]);
  if (area === 'rescan' && name === undefined) return bus === 'pci' ? wo((data) => rescanStore(k, data)) : null;
  if (area === 'drivers_probe' && name === undefined) return wo((data) => driversProbeStore(k, bus, data.trim()));
  if (area === 'drivers_autoprobe' && name === undefined) return text('1\n');
  if (area === 'devices') {
    if (name === undefined) return dir(() => [...k.devices.values()].filter((d) => d.bus === bus && !d.dead).map((d) => d.name).sort());
    const dev = k.devices.get(name);
    return dev && dev.bus === bus && !dev.dead && leaf === undefined ? link(`../../../${dev.path}`) : null;
  }
  if (area !== 'drivers') return null;
  if (name === undefined) return dir(() => [...k.drivers.values()].filter((d) => d.bus === bus).map((d) => d.name).sort());
  const drv = k.drivers.get(driverKey(bus, name));
  if (!drv || extra !== undefined) return null;
  const files = bus === 'pci' ? ['bind', 'new_id', 'remove_id', 'uevent', 'unbind'] : ['bind', 'uevent', 'unbind'];
  const bound = (): string[] => [...k.devices.values()].filter((d) => d.bus === bus && d.driver === drv.name && d.driverSysfs).map((d) => d.name);
  if (leaf === undefined) return dir(() => [...files, ...bound()].sort());
  switch (leaf) {
    case 'bind': return wo((data) => bindStore(k, drv, data.trim()));
    case 'unbind': return wo((data) => unbindStore(k, drv, data.trim()));
    case 'uevent': return wo(() => (ok()));
    case 'new_id': return bus === 'pci' ? wo((data) => newIdStore(k, drv, data)) : null;
    case 'remove_id': return bus === 'pci' ? wo((data) => removeIdStore(k, drv, data)) : null;
    default: {
      const dev = k.devices.get(leaf);
      return dev && dev.bus === bus && dev.driver === drv.name && dev.driverSysfs ? link(`../../../../${dev.path}`) : null;
    }
  }
}
