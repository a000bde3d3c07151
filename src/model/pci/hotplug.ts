/**
 * PCI devices coming and going while the kernel runs (drivers/pci/probe.c, remove.c, pci-sysfs.c):
 * `pci_device_add()` (IOMMU group chosen by `pci_device_group()` at `device_add()` time, before
 * `pci_scan_slot()` marks functions > 0 multifunction), `pci_bus_add_device()` (autoprobe),
 * `pci_stop_and_remove_bus_device()` (children first, driver released, IOMMU group left), and the sysfs
 * files that drive them: `/sys/bus/pci/devices/X/remove` and `/sys/bus/pci/rescan`.
 */
import type { PciDeviceDesc } from '../host-description.js';
import type { Device } from '../base/device.js';
import { deviceFromPci, pciBusOf, pciDeviceListAdd } from './probe.js';
import { deviceInitialProbe, deviceReleaseDriver } from '../base/dd.js';
import { iommuGroupGetForDev } from '../iommu/group-for-dev.js';
import { iommuProbeDevice, iommuReleaseDevice } from '../iommu/probe.js';
import { enter, fail, printk, type KernelState } from '../kernel-state.js';
import { blockOnRescanRemoveLock, runPendingRedo } from '../base/pending.js';
import { pciStdEnableAcs } from './acs-enable.js';
import { pciConfigSize } from './config.js';
import { ok, type Outcome } from '../errno.js';

const OK: Outcome = ok();

/**
 * `pci_device_add()` + `pci_bus_add_device()` for a function found at runtime. `group`: undefined →
 * `pci_device_group()` decides; a number → that group (a test's override); null → no IOMMU. An IOMMU
 * probe failure leaves the device without a group, as `iommu_probe_device()` does; the driver core
 * still probes it.
 */
export function pciDeviceAdd(k: KernelState, desc: PciDeviceDesc, group?: number | null): Outcome {
  enter(k, 'pci_device_add');
  if (k.devices.has(desc.bdf)) return fail(k, 'device_add', 'EEXIST', `${desc.bdf} already exists`);
  k.pciRemoved.delete(desc.bdf);
  // pci_init_capabilities() → pci_acs_init() → pci_enable_acs(), once an IOMMU driver called pci_request_acs()
  // (x86: before enumeration; arm-smmu-v3: at the first probe, so by now on any host with a group).
  const acsRequested = k.platform.driver !== 'none' && (k.platform.groupAt === 'enumeration' || k.groups.size > 0);
  const config = acsRequested ? pciStdEnableAcs(desc.config, pciConfigSize(desc)) : desc.config;
  if (config !== desc.config) enter(k, 'pci_enable_acs → pci_std_enable_acs');
  const dev = deviceFromPci({ ...desc, config, driver: null, iommuGroup: null }, true);
  pciDeviceListAdd(k, dev);
  // x86 (groupAt 'enumeration'): the bus notifier's iommu_probe_device(). arm-smmu-v3 ('probe'): no fwspec yet,
  // arm_smmu_probe_device() says -ENODEV; the group comes at the first driver probe (iommu/arm/of-iommu.ts).
  if (group !== null && (group !== undefined || k.platform.groupAt === 'enumeration')) {
    const gid = group ?? iommuGroupGetForDev(k, dev).gid;
    const r = iommuProbeDevice(k, dev, gid);
    if (!r.ok) printk(k, `${dev.name}: iommu_probe_device failed: ${r.why}`);
  }
  // pci_scan_slot(): every function > 0 it finds is multifunction, set after pci_device_add() returned.
  if (Number.parseInt(dev.name.slice(-1), 10) > 0 && desc.physfn === null) dev.multifunction = true;
  enter(k, 'pci_bus_add_device');
  return deviceInitialProbe(k, dev);
}

/** Devices directly below `dev` in the device tree (its subordinate bus), via the path index. */
function children(k: KernelState, dev: Device): Device[] {
  const out: Device[] = [];
  for (const c of k.pathChildren.get(dev.path) ?? []) {
    const name = k.pathIndex.get(`${dev.path}/${c}`);
    const d = name === undefined ? undefined : k.devices.get(name);
    if (d) out.push(d);
  }
  return out;
}

function forget(k: KernelState, dev: Device, unplugged: boolean): void {
  dev.dead = true;
  iommuReleaseDevice(k, dev);
  k.devices.delete(dev.name);
  k.pathIndex.delete(dev.path);
  const parts = dev.path.split('/');
  k.pathChildren.get(parts.slice(0, -1).join('/'))?.delete(parts[parts.length - 1] ?? '');
  k.pathChildren.delete(dev.path);
  k.pciBuses.get(pciBusOf(dev.name))?.delete(dev.name);
  if (dev.pci && !unplugged) k.pciRemoved.set(dev.name, { ...dev.pci, driver: null, driverOverride: null, iommuGroup: null });
}

/**
 * `pci_stop_and_remove_bus_device()`: the devices below first, then this one: release the driver (vfio-pci
 * may block until its fds close: the removal finishes when it wakes), leave the IOMMU group, vanish from
 * sysfs. Unless `unplugged` (surprise removal), the hardware stays: a rescan finds the function again.
 */
export function pciStopAndRemoveBusDevice(k: KernelState, dev: Device, unplugged = false): Outcome {
  enter(k, `pci_stop_and_remove_bus_device: ${dev.name}`);
  for (const c of children(k, dev)) {
    const r = pciStopAndRemoveBusDevice(k, c, unplugged);
    if (!r.ok) return r;
  }
  const r = deviceReleaseDriver(k, dev);
  if (!r.ok && r.errno === 'blocked' && r.id !== undefined) {
    const p = k.pending.get(r.id);
    if (p && p.redo.kind === 'fn') {
      const retry = p.redo.retry;
      p.redo = { kind: 'fn', retry: () => { const x = retry(); if (x.ok) forget(k, dev, unplugged); return x; } };
    }
    return r;
  }
  if (r.ok) forget(k, dev, unplugged);
  return r;
}

/** `kstrtoul(buf, 0, &val)` as the PCI sysfs stores parse their argument; null for EINVAL. */
function kstrtoul(data: string): number | null {
  const s = data.endsWith('\n') ? data.slice(0, -1) : data;
  if (/^0x[0-9a-f]+$/i.test(s)) return parseInt(s, 16);
  if (/^0[0-7]*$/.test(s)) return parseInt(s, 8);
  if (/^[1-9][0-9]*$/.test(s)) return parseInt(s, 10);
  return null;
}

/**
 * Run `body` under `pci_lock_rescan_remove()` (the mutex `remove_store()` → `pci_stop_and_remove_bus_device_locked()`
 * and `rescan_store()` take, drivers/pci/pci-sysfs.c 5.10–6.12): held → the store sleeps until it is free. The
 * holder keeps it while its call sleeps (a removal waiting in vfio-pci's remove()) and forever if it dies
 * in a BUG (5.10: a rescan whose autoprobe hit vfio's BUG_ON, conformance/5.10/S24).
 */
function underRescanRemoveLock(k: KernelState, what: string, body: () => Outcome): Outcome {
  if (k.pciRescanRemoveLock !== null) {
    return blockOnRescanRemoveLock(k, `${what}: waiting for pci_rescan_remove_lock held by ${k.pciRescanRemoveLock}`,
      () => underRescanRemoveLock(k, what, body));
  }
  k.pciRescanRemoveLock = what;
  const r = body();
  settleRescanRemoveLock(k, r, what);
  return r;
}

function settleRescanRemoveLock(k: KernelState, r: Outcome, what: string): void {
  if (r.ok || (r.errno !== 'blocked' && r.errno !== 'oops')) { k.pciRescanRemoveLock = null; return; }
  if (r.errno === 'oops') { k.pciRescanRemoveLock = `task killed by kernel BUG in ${what}`; return; }
  const p = r.id === undefined ? undefined : k.pending.get(r.id);
  if (p) {
    // The sleeping removal still holds the mutex: it is released when the removal's redo returns (a closure: this path is not data yet).
    const inner = p.redo;
    p.redo = { kind: 'fn', retry: () => { const x = runPendingRedo(k, inner) as Outcome; settleRescanRemoveLock(k, x, what); return x; } };
  }
}

/** `remove_store()` (pci-sysfs.c): not a number → EINVAL; non-zero → remove the device (and what is below it) under pci_rescan_remove_lock. */
export function removeStore(k: KernelState, dev: Device, data: string): Outcome {
  enter(k, 'remove_store');
  const v = kstrtoul(data);
  if (v === null) return fail(k, 'remove_store', 'EINVAL', `${JSON.stringify(data)} is not a number`);
  if (v === 0) return OK;
  return underRescanRemoveLock(k, `remove of ${dev.name}`, () => (dev.dead ? OK : pciStopAndRemoveBusDevice(k, dev)));
}

/**
 * `rescan_store()` (bus attribute, pci-sysfs.c): not a number → EINVAL; non-zero → `pci_rescan_bus()` of every
 * root bus: each removed function comes back, parents before children, in bus/devfn order.
 */
export function rescanStore(k: KernelState, data: string): Outcome {
  enter(k, 'rescan_store');
  const v = kstrtoul(data);
  if (v === null) return fail(k, 'rescan_store', 'EINVAL', `${JSON.stringify(data)} is not a number`);
  if (v === 0) return OK;
  return underRescanRemoveLock(k, 'rescan', () => pciRescanBuses(k));
}

/** `pci_rescan_bus()` of every root bus: each removed function comes back, parents before children. */
function pciRescanBuses(k: KernelState): Outcome {
  enter(k, 'pci_rescan_bus');
  const depth = (d: PciDeviceDesc): number => d.path.split('/').length;
  const found = [...k.pciRemoved.values()].sort((a, b) => depth(a) - depth(b) || (a.bdf < b.bdf ? -1 : a.bdf > b.bdf ? 1 : 0));
  for (const d of found) {
    const parent = d.path.split('/').slice(0, -1).join('/').replace(/^\/?(sys\/)?/, '');
    if (!/\/pci[0-9a-f]{4,8}:[0-9a-f]{2}$/.test(parent) && !k.pathIndex.has(parent)) continue;
    const r = pciDeviceAdd(k, d);
    if (!r.ok && (r.errno === 'oops' || r.errno === 'blocked')) return r;
  }
  return OK;
}
