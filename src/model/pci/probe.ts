/**
 * Setting up and adding a PCI function (drivers/pci/probe.c): `pci_setup_device()` fills the `struct pci_dev`
 * bits from config space, `pci_device_add()` adds it to the driver core and to its bus's device list.
 */
import type { PciDeviceDesc } from '../host-description.js';
import type { KernelState } from '../kernel-state.js';
import { deviceAdd, sysRelative, type Device } from '../base/device.js';
import { pciHdrType } from './caps.js';
import { pciConfigSize } from './config.js';

declare module '../kernel-state.js' {
  interface KernelState {
    /** PCI devices per bus ('0000:04'), `bus->devices`, for the bus-reset probe and pci_device_group(). */
    readonly pciBuses: Map<string, Set<string>>;
    /** PCI functions removed through sysfs `remove` but still in the hardware: `/sys/bus/pci/rescan` finds them again. */
    readonly pciRemoved: Map<string, PciDeviceDesc>;
  }
}

/** A PCI device as found at boot (`hotplug`: as `pci_device_add()` sees a function before `pci_scan_slot()` marks it). */
export function deviceFromPci(d: PciDeviceDesc, hotplug = false): Device {
  const mfBit = pciConfigSize(d) > 0x0e && ((d.config[0x0e] ?? 0) & 0x80) !== 0;
  const fn = Number.parseInt(d.bdf.slice(d.bdf.lastIndexOf('.') + 1), 10);
  return {
    name: d.bdf, bus: 'pci', path: sysRelative(d.path), pci: d, hdrType: pciHdrType(d),
    multifunction: mfBit || (!hotplug && fn > 0 && d.physfn === null),
    driver: d.driver, driverSysfs: d.driver !== null, driverOverride: d.driverOverride, group: d.iommuGroup, defaultDomainUses: 0,
    lockHolder: null, sriovNumvfs: d.sriovNumvfs, dead: false,
  };
}

/** '0000:04:00.0' → '0000:04' (domain:bus). */
export function pciBusOf(bdf: string): string {
  return bdf.slice(0, bdf.lastIndexOf(':'));
}

/**
 * The bookkeeping of `pci_device_add()`: `device_add()`, and the function joins its bus's device list
 * (`bus->devices`). `known`: as `deviceAdd`'s.
 */
export function pciDeviceListAdd(k: KernelState, dev: Device, known?: string): void {
  deviceAdd(k, dev, known);
  pciBusListAdd(k, dev);
}

/** The function joins its bus's device list (`bus->devices`, `pci_device_add()`). */
export function pciBusListAdd(k: KernelState, dev: Device): void {
  const bus = pciBusOf(dev.name);
  let set = k.pciBuses.get(bus);
  if (!set) k.pciBuses.set(bus, (set = new Set()));
  set.add(dev.name);
}
