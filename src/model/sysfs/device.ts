/**
 * Attributes of a device directory (drivers/pci/pci-sysfs.c, drivers/base/core.c): ids, class,
 * `driver_override` ("(null)\n" when unset; writable, under device_lock), the `driver` and
 * `iommu_group` links (relative, their depth follows the device's path), reset_method, SR-IOV files,
 * `remove` (write-only, pci/hotplug.ts), and the description's other attributes verbatim.
 */
import type { Device } from '../base/device.js';
import { enter, fail, type KernelState } from '../kernel-state.js';
import { blockOnDeviceLock, blockShowOnDeviceLock } from '../base/pending.js';
import { removeStore } from '../pci/hotplug.js';
import { ok, type Outcome } from '../errno.js';
import { kernfsGetTargetPath, link, text, type SysNode } from '../kernfs.js';

const hex = (v: number, digits: number): string => `0x${v.toString(16).padStart(digits, '0')}\n`;

/** '../' × the device directory's depth below /sys: the prefix of every link the device shows. */
export function upToSys(dev: Device): string {
  return '../'.repeat(dev.path.split('/').filter(Boolean).length);
}

export function deviceAttrs(k: KernelState, dev: Device): Record<string, SysNode> {
  const out: Record<string, SysNode> = {};
  const p = dev.pci;
  if (p) {
    for (const [name, value] of Object.entries(p.attrs)) out[name] = text(value);
    out['vendor'] = text(hex(p.vendor, 4));
    out['device'] = text(hex(p.device, 4));
    out['subsystem_vendor'] = text(hex(p.subsystemVendor, 4));
    out['subsystem_device'] = text(hex(p.subsystemDevice, 4));
    out['class'] = text(hex(p.class, 6));
    out['revision'] = text(hex(p.revision, 2));
    if (k.profile.resetMethodAttr && p.resetMethod !== null && p.resetMethod.length > 0) out['reset_method'] = text(`${p.resetMethod.join(' ')}\n`);
    else delete out['reset_method'];
    if (p.bootVga !== null) out['boot_vga'] = text(p.bootVga ? '1\n' : '0\n');
    if (p.sriovTotalvfs !== null) {
      out['sriov_totalvfs'] = text(`${p.sriovTotalvfs}\n`);
      out['sriov_numvfs'] = { kind: 'file', read: () => lockedShow(k, dev, 'sriov_numvfs') };
    }
    const pf = p.physfn === null ? undefined : k.devices.get(p.physfn);
    if (pf) out['physfn'] = link(kernfsGetTargetPath(dev.path, pf.path));
  }
  if (p) out['remove'] = { kind: 'file', write: (data) => removeStore(k, dev, data) };
  out['driver_override'] = {
    kind: 'file',
    read: () => lockedShow(k, dev, 'driver_override'),
    write: (data) => driverOverrideStore(k, dev, data),
  };
  if (dev.driver !== null && dev.driverSysfs) out['driver'] = link(`${upToSys(dev)}bus/${dev.bus}/drivers/${dev.driver}`);
  else delete out['driver'];
  if (dev.group !== null) out['iommu_group'] = link(`${upToSys(dev)}kernel/iommu_groups/${dev.group}`);
  else delete out['iommu_group'];
  return out;
}

/**
 * The `show` methods of the attributes that take `device_lock(dev)` to read, and what they print:
 * `driver_override_show()` (drivers/pci/pci-sysfs.c 5.10 … 6.12.y before the generic driver_override: device_lock
 * around the scnprintf / sysfs_emit of `pdev->driver_override`, "(null)" when unset; 6.12.117+: drivers/base/bus.c,
 * a spinlock only — `driverOverrideLock` in profiles.ts) and `sriov_numvfs_show()` (drivers/pci/iov.c,
 * device_lock since 5.9 "Serialize sysfs sriov_numvfs reads vs writes"). The other attributes the model
 * shows (ids, class, revision, reset_method, boot_vga, sriov_totalvfs, enable, numa_node, iommu_group/type)
 * read without it.
 */
const LOCKED_SHOW: Readonly<Record<string, (dev: Device) => string>> = {
  driver_override: (dev) => `${dev.driverOverride ?? '(null)'}\n`,
  sriov_numvfs: (dev) => `${dev.sriovNumvfs ?? 0}\n`,
};

/**
 * Read a device_lock'ed attribute: while another task holds the lock (an unbind blocked in vfio-pci's remove()
 * until the device fds close, or the 5.10 task killed by the vfio BUG_ON that never released it), the read
 * sleeps — 'blocked', completed by a later `wait` once the lock is released, or never after the BUG.
 */
function lockedShow(k: KernelState, dev: Device, attr: string): Outcome<string> {
  const spin = attr === 'driver_override' && k.profile.driverOverrideLock === 'spinlock';
  if (dev.lockHolder !== null && !spin) {
    return blockShowOnDeviceLock(k, `${attr}_show: waiting for device_lock(${dev.name}) held by ${dev.lockHolder}`, dev.name, attr);
  }
  enter(k, `${attr}_show`);
  return ok((LOCKED_SHOW[attr] as (d: Device) => string)(dev));
}

/**
 * A woken `show` (base/pending.ts): read `attr` of `device` again — a device removed meanwhile answers ENODEV, as
 * kernfs does for an attribute whose node was deactivated under the sleeping reader.
 */
export function deviceAttrShow(k: KernelState, device: string, attr: string): Outcome<string> {
  const dev = k.devices.get(device);
  if (!dev || dev.dead || !(attr in LOCKED_SHOW)) return fail(k, `${attr}_show`, 'ENODEV', `${device} is gone`);
  return lockedShow(k, dev, attr);
}

/**
 * `driver_override_store()` (pci-sysfs.c; `driver_set_override()` drivers/base/driver.c from 5.19): ≥ PAGE_SIZE-1
 * bytes → EINVAL; the value ends at the first newline (5.10 `strchr`, 6.x `strnchr(s, len, '\n')`) or NUL
 * (`strlen`); empty (or "\n", 6.x `cp == s`) clears. Takes device_lock — except with the generic
 * driver_override of 6.12.117+ (`__device_set_driver_override()`, drivers/base/dd.c: a spinlock; profiles.ts).
 */
export function driverOverrideStore(k: KernelState, dev: Device, data: string): Outcome {
  if (dev.lockHolder !== null && k.profile.driverOverrideLock === 'device_lock') {
    return blockOnDeviceLock(k, `driver_override_store: waiting for device_lock(${dev.name}) held by ${dev.lockHolder}`, dev.name,
      { kind: 'store', device: dev.name, attr: 'driver_override', data });
  }
  enter(k, 'driver_override_store');
  if (data.length >= 4095) return fail(k, 'driver_override_store', 'EINVAL', `${data.length} bytes is longer than PAGE_SIZE - 1`);
  const v = data.split('\0')[0]?.split('\n')[0] ?? '';
  dev.driverOverride = v === '' ? null : v;
  return ok();
}

/** A device attribute's store by device name, for a store that slept on the device lock (KernelOps.deviceAttrStore). */
export function deviceAttrStore(k: KernelState, device: string, attr: string, data: string): Outcome {
  const dev = k.devices.get(device);
  if (!dev) return fail(k, `${attr}_store`, 'ENODEV', `${device} is gone`);
  return deviceAttrWrite(k, dev, attr, data) ?? fail(k, `${attr}_store`, 'ENOENT', `${device} has no attribute ${attr}`);
}

export function deviceAttrWrite(k: KernelState, dev: Device, attr: string, data: string): Outcome | null {
  const n = deviceAttrs(k, dev)[attr];
  if (!n || n.kind !== 'file' || !n.write) return null;
  return n.write(data);
}
