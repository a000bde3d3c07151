/**
 * `new_id` / `remove_id` (drivers/pci/pci-driver.c): dynamic ids of a PCI driver. new_id parses
 * "vendor device [subvendor subdevice class class_mask driver_data]" (hex); fewer than 2 fields → EINVAL;
 * without all 7 fields an id the driver already matches → EEXIST; then `driver_attach()` autoprobes.
 */
import type { DeviceDriver, PciId } from './driver-registry.js';
import { pciIdKnown } from './driver-registry.js';
import { driverAttach } from './driver-core.js';
import { enter, fail, type KernelState } from './kernel-state.js';
import type { Outcome } from './uapi.js';

function parseId(data: string): { id: PciId; fields: number } | null {
  const words = data.trim().split(/\s+/).filter(Boolean);
  const nums: number[] = [];
  for (const w of words.slice(0, 7)) {
    if (!/^(0x)?[0-9a-fA-F]+$/.test(w)) break;
    nums.push(parseInt(w, 16));
  }
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
  return { ok: true, value: undefined };
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
  return { ok: true, value: undefined };
}
