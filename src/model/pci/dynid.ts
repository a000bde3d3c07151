/**
 * `new_id` / `remove_id` (drivers/pci/pci-driver.c): dynamic ids of a PCI driver. new_id parses
 * "vendor device [subvendor subdevice class class_mask driver_data]" (hex); fewer than 2 fields → EINVAL;
 * without all 7 fields an id the driver already matches → EEXIST; then `driver_attach()` autoprobes.
 */
import type { DeviceDriver, PciId } from '../base/driver-registry.js';
import { pciIdKnown } from '../base/driver-registry.js';
import { driverAttach } from '../base/dd.js';
import { enter, fail, type KernelState } from '../kernel-state.js';
import { ok, type Outcome } from '../errno.js';

/**
 * `sscanf(buf, "%x %x %x %x %x %x %lx", …)`: each `%x` skips white space, takes an optional 0x and the longest run
 * of hex digits, and the scan stops at the first conversion that finds none (so "8086 10d3zz" is 2 fields and
 * "8086,10d3" is 1). Returns the values scanned.
 */
export function sscanfHex(data: string, max: number): number[] {
  const nums: number[] = [];
  const re = /\s*(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)/y;
  let at = 0;
  while (nums.length < max) {
    re.lastIndex = at;
    const m = re.exec(data);
    if (!m) break;
    nums.push(parseInt(m[1] ?? '', 16) >>> 0);
    at = re.lastIndex;
    if (nums.length < max && !/^\s/.test(data.slice(at, at + 1))) break;
  }
  return nums;
}

function parseId(data: string): { id: PciId; fields: number } | null {
  const nums = sscanfHex(data, 7);
  if (nums.length < 2) return null;
  const [vendor, device, subvendor, subdevice, cls, classMask] = nums;
  const any = (v: number | undefined): number | undefined => (v === undefined || v === 0xffffffff ? undefined : v);
  const id: PciId = {
    vendor: any(vendor), device: any(device), subvendor: any(subvendor), subdevice: any(subdevice),
    ...(cls !== undefined && classMask ? { class: cls, classMask } : {}),
  };
  return { id, fields: nums.length };
}

/** `new_id_store()` (drivers/pci/pci-driver.c): unparsable → EINVAL; already matched (fewer than 7 fields) → EEXIST; else `pci_add_dynid()` and `driver_attach()`. */
export function newIdStore(k: KernelState, drv: DeviceDriver, data: string): Outcome {
  enter(k, 'new_id_store');
  const parsed = parseId(data);
  if (!parsed) return fail(k, 'new_id_store', 'EINVAL', `cannot parse ${JSON.stringify(data)} as "vendor device [...]"`);
  if (parsed.fields !== 7 && pciIdKnown(drv, parsed.id)) return fail(k, 'new_id_store', 'EEXIST', `${drv.name} already matches ${data.trim()}`);
  enter(k, 'pci_add_dynid');
  drv.dynids.push(parsed.id);
  const r = driverAttach(k, drv);
  if (!r.ok && r.errno === 'oops') return r;
  return ok();
}

/** `remove_id_store()` (drivers/pci/pci-driver.c): unparsable → EINVAL; no such dynamic id → ENODEV. */
export function removeIdStore(k: KernelState, drv: DeviceDriver, data: string): Outcome {
  enter(k, 'remove_id_store');
  const parsed = parseId(data);
  if (!parsed) return fail(k, 'remove_id_store', 'EINVAL', `cannot parse ${JSON.stringify(data)}`);
  const i = drv.dynids.findIndex((d) => d.vendor === parsed.id.vendor && d.device === parsed.id.device
    && d.subvendor === parsed.id.subvendor && d.subdevice === parsed.id.subdevice);
  if (i < 0) return fail(k, 'remove_id_store', 'ENODEV', `${drv.name} has no dynamic id ${data.trim()}`);
  drv.dynids.splice(i, 1);
  return ok();
}
