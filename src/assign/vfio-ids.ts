import type { HostDescription, PciDeviceDesc } from '../model/host-description.js';

/**
 * vfio-pci's `ids=` module parameter (drivers/vfio/pci/vfio_pci.c, `vfio_pci_fill_ids()`): a comma
 * list of "vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]" in hex, each added as a dynamic
 * id with `pci_add_dynid()` when the module loads — so it takes every device on the host with those
 * ids, not one device. Written on the kernel command line as `vfio-pci.ids=` (or `vfio_pci.ids=`), in
 * /etc/modprobe.d as `options vfio-pci ids=`.
 */
export interface VfioId {
  readonly vendor: number;
  readonly device: number;
  readonly subvendor: number | null;
  readonly subdevice: number | null;
  /** As written ("10de:1f06"). */
  readonly text: string;
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** Parse an ids= value; entries that vfio_pci_fill_ids() would skip ("invalid id string") are left out. */
export function parseVfioIds(value: string): VfioId[] {
  const out: VfioId[] = [];
  for (const text of value.split(',')) {
    const f = text.split(':');
    if (f.length < 2 || f.some((x) => !/^[0-9a-fA-F]{1,8}$/.test(x))) continue;
    const n = f.map((x) => parseInt(x, 16));
    const any = (v: number | undefined): number | null => (v === undefined || v === 0xffffffff ? null : v);
    out.push({ vendor: n[0]!, device: n[1]!, subvendor: any(n[2]), subdevice: any(n[3]), text });
  }
  return out;
}

/** The ids= of `vfio-pci.ids=` / `vfio_pci.ids=` words of a kernel command line. */
export function cmdlineVfioIds(cmdline: readonly string[]): { word: string; ids: VfioId[] }[] {
  return cmdline.filter((w) => /^vfio[-_]pci\.ids=/.test(w)).map((word) => ({ word, ids: parseVfioIds(word.slice(word.indexOf('=') + 1)) }));
}

export function vfioIdMatches(id: VfioId, d: PciDeviceDesc): boolean {
  return id.vendor === d.vendor && id.device === d.device
    && (id.subvendor === null || id.subvendor === d.subsystemVendor) && (id.subdevice === null || id.subdevice === d.subsystemDevice);
}

/** Another device an id-based method would also take. */
export interface AlsoTaken {
  readonly bdf: string;
  /** The device of the request whose ids it shares. */
  readonly like: string;
  readonly driver: string | null;
  /** Same subsystem ids too (the ids cannot tell them apart). */
  readonly identical: true;
}

export interface IdChoice {
  /** The ids= entries, one per distinct id (subsystem ids added where they tell the devices apart). */
  readonly ids: readonly string[];
  /** Other devices with the same vendor:device and subsystem ids: the ids take them too. */
  readonly alsoTaken: readonly AlsoTaken[];
  /** Devices for which subsystem ids were added, and why. */
  readonly narrowed: readonly string[];
}

/**
 * Choose the ids= entries for `bdfs`: "vendor:device" when no other device of the host has those ids;
 * "vendor:device:subvendor:subdevice" when another device shares vendor:device but not the subsystem
 * ids; and when another device is identical down to the subsystem ids, no id can tell them apart, so it
 * is reported in `alsoTaken`.
 */
export function chooseVfioIds(host: HostDescription, bdfs: readonly string[]): IdChoice {
  const mine = new Set(bdfs);
  const ids: string[] = [], alsoTaken: AlsoTaken[] = [], narrowed: string[] = [];
  for (const b of bdfs) {
    const d = host.pci.find((x) => x.bdf === b);
    if (!d) continue;
    const others = host.pci.filter((x) => !mine.has(x.bdf) && x.vendor === d.vendor && x.device === d.device);
    const same = others.filter((x) => x.subsystemVendor === d.subsystemVendor && x.subsystemDevice === d.subsystemDevice);
    let id = `${hex4(d.vendor)}:${hex4(d.device)}`;
    if (others.length > 0 && same.length < others.length) {
      id = `${id}:${hex4(d.subsystemVendor)}:${hex4(d.subsystemDevice)}`;
      narrowed.push(`${b}: ${others.filter((x) => !same.includes(x)).map((x) => x.bdf).join(', ')} share${others.length - same.length === 1 ? 's' : ''} ${hex4(d.vendor)}:${hex4(d.device)} with other subsystem ids, so the entry names the subsystem ids too (${id})`);
    }
    for (const x of same) if (!alsoTaken.some((a) => a.bdf === x.bdf)) alsoTaken.push({ bdf: x.bdf, like: b, driver: x.driver, identical: true });
    if (!ids.includes(id)) ids.push(id);
  }
  return { ids, alsoTaken, narrowed };
}
