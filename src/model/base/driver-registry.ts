/**
 * Registered drivers (`struct device_driver` + `struct pci_driver`): id tables, dynamic ids (new_id),
 * `driver_managed_dma`, and `pci_match_device()` with driver_override (spec §3.4, §3.5).
 * vfio-pci and pci-stub have no static ids: they match only via driver_override or new_id.
 * A driver the model does not know matches the vendor:device of the devices the host had bound to it.
 */
import type { BusType, Device } from './device.js';
import type { KernelState } from '../kernel-state.js';

declare module '../kernel-state.js' {
  interface KernelState {
    /** Registered drivers, key `${bus}/${name}` (e.g. 'pci/e1000'). */
    readonly drivers: Map<string, DeviceDriver>;
  }
}


export interface PciId {
  readonly vendor?: number;
  readonly device?: number;
  readonly subvendor?: number;
  readonly subdevice?: number;
  /** Class code and mask (`PCI_DEVICE_CLASS`). */
  readonly class?: number;
  readonly classMask?: number;
  /** 5.14+: entry matches only via driver_override. */
  readonly overrideOnly?: boolean;
}

/** What the driver's probe() does in the model. */
export type DriverKind = 'vfio-pci' | 'vfio-platform' | 'pcieport' | 'shpchp' | 'pci-stub' | 'generic';

export interface DeviceDriver {
  readonly name: string;
  readonly bus: BusType;
  readonly kind: DriverKind;
  /** O1+: the bus driver struct's `driver_managed_dma`. */
  readonly driverManagedDma: boolean;
  readonly idTable: readonly PciId[];
  /** `pci_driver->dynids` (new_id). */
  readonly dynids: PciId[];
  /** Non-PCI buses: device names this driver matches (from the host description). */
  readonly names: Set<string>;
}

const E1000 = [0x1000, 0x1001, 0x1004, 0x1008, 0x1009, 0x100c, 0x100d, 0x100e, 0x100f, 0x1010, 0x1011, 0x1012, 0x1013,
  0x1014, 0x1015, 0x1016, 0x1017, 0x1018, 0x1019, 0x101a, 0x101d, 0x101e, 0x1026, 0x1027, 0x1028, 0x1075, 0x1076,
  0x1077, 0x1078, 0x1079, 0x107a, 0x107b, 0x107c, 0x108a, 0x1099, 0x10b5, 0x2e6e];
const E1000E = [0x105e, 0x105f, 0x1060, 0x107d, 0x107e, 0x107f, 0x108b, 0x108c, 0x1096, 0x1098, 0x109a, 0x10a4, 0x10a5,
  0x10b9, 0x10ba, 0x10bb, 0x10bc, 0x10bd, 0x10bf, 0x10c0, 0x10c2, 0x10c3, 0x10c4, 0x10c5, 0x10cb, 0x10cc, 0x10cd,
  0x10ce, 0x10d3, 0x10d5, 0x10d9, 0x10da, 0x10de, 0x10df, 0x10e5, 0x10ea, 0x10eb, 0x10ef, 0x10f0, 0x10f5, 0x10f6,
  0x1501, 0x1502, 0x1503, 0x150c, 0x153a, 0x153b, 0x1559, 0x155a, 0x156f, 0x1570, 0x15a0, 0x15a1, 0x15a2, 0x15a3,
  0x15b7, 0x15b8, 0x15b9, 0x15bb, 0x15bc, 0x15bd, 0x15be, 0x15d6, 0x15d7, 0x15d8, 0x15e3, 0x0d4c, 0x0d4d, 0x0d4e,
  0x0d4f, 0x0d53, 0x0d55, 0x15f4, 0x15f5, 0x15f9, 0x15fa, 0x15fb, 0x15fc, 0x1a1c, 0x1a1d, 0x1a1e, 0x1a1f];
const intel = (ids: number[]): PciId[] => ids.map((device) => ({ vendor: 0x8086, device }));
const cls = (c: number, mask: number, vendor?: number): PciId => (vendor === undefined ? { class: c, classMask: mask } : { vendor, class: c, classMask: mask });

/** Static id tables of the drivers the traces and scenarios use (abridged from their MODULE_DEVICE_TABLEs). */
const KNOWN: Readonly<Record<string, { kind?: DriverKind; ids: readonly PciId[] }>> = {
  e1000: { ids: intel(E1000) },
  e1000e: { ids: intel(E1000E) },
  pcieport: { kind: 'pcieport', ids: [cls(0x060400, 0xffffff), cls(0x060401, 0xffffff)] },
  shpchp: { kind: 'shpchp', ids: [cls(0x060400, 0xffffff)] },
  snd_hda_intel: { ids: [cls(0x040300, 0xffff00), cls(0x040380, 0xffffff, 0x1002), cls(0x040380, 0xffffff, 0x10de)] },
  nvidia: { ids: [cls(0x030000, 0xffff00, 0x10de), cls(0x030200, 0xffff00, 0x10de)] },
  nouveau: { ids: [cls(0x030000, 0xff0000, 0x10de)] },
  amdgpu: { ids: [cls(0x030000, 0xffff00, 0x1002), cls(0x038000, 0xffff00, 0x1002)] },
  xhci_hcd: { ids: [cls(0x0c0330, 0xffffff)] },
  ehci_pci: { ids: [cls(0x0c0320, 0xffffff)] },
  ahci: { ids: [cls(0x010601, 0xffffff)] },
  nvme: { ids: [cls(0x010802, 0xffffff)] },
  'pci-stub': { kind: 'pci-stub', ids: [] },
  'vfio-pci': { kind: 'vfio-pci', ids: [] },
};

const MANAGED_DMA = new Set(['pci-stub', 'pcieport', 'vfio-pci', 'vfio-platform', 'vfio-amba', 'vfio-fsl-mc', 'vfio-cdx']);

/** `driver_managed_dma` for a driver name: pci-stub, pcieport, vfio-pci and every vfio-pci variant, vfio bus drivers. */
export function isDriverManagedDma(name: string): boolean {
  return MANAGED_DMA.has(name) || name.endsWith('-vfio-pci') || name.endsWith('_vfio_pci');
}

function kindOf(bus: BusType, name: string): DriverKind {
  const known = bus === 'pci' ? KNOWN[name]?.kind : undefined;
  if (known) return known;
  if (bus === 'pci' && (name.endsWith('-vfio-pci') || name.endsWith('_vfio_pci'))) return 'vfio-pci';
  if (bus !== 'pci' && name.startsWith('vfio-')) return 'vfio-platform';
  return 'generic';
}

/**
 * Build a driver; `bootDevices` are the devices the host description shows bound to it. vfio-pci and
 * pci-stub have no static ids, so a boot device bound to one without a driver_override naming it was
 * matched by a dynamic id (`ids=` at module load, or new_id): its vendor:device becomes a dynid, which
 * remove_id can take away. `dynids` are the module's `ids=` parameter (`vfioPciFillIds`).
 */
export function createDriver(bus: BusType, name: string, bootDevices: readonly Device[], dynids: readonly PciId[] = []): DeviceDriver {
  const ids: PciId[] = bus === 'pci' ? [...(KNOWN[name]?.ids ?? [])] : [];
  const kind = kindOf(bus, name);
  const dyn: PciId[] = [...dynids];
  const names = new Set<string>();
  const seen = new Set<string>();
  for (const d of bootDevices) {
    if (d.pci) {
      const key = idKey(d.pci);
      if (seen.has(key)) continue;
      seen.add(key);
      if (kind === 'vfio-pci' || kind === 'pci-stub') {
        if (d.driverOverride !== name && !dyn.some((id) => idMatches(id, d))) dyn.push({ vendor: d.pci.vendor, device: d.pci.device });
      } else if (!ids.some((id) => idMatches(id, d))) ids.push({ vendor: d.pci.vendor, device: d.pci.device });
    } else names.add(d.name);
  }
  return { name, bus, kind, driverManagedDma: isDriverManagedDma(name), idTable: ids, dynids: dyn, names };
}

/**
 * A key equal for two functions exactly when their vendor, device, class, subsystem vendor and subsystem
 * device are: six UTF-16 units when every id is in range (16 bits, class 24), else the decimal ids
 * joined by ':' (at least nine characters, so the two forms never meet).
 */
function idKey(p: { readonly vendor: number; readonly device: number; readonly class: number; readonly subsystemVendor: number; readonly subsystemDevice: number }): string {
  const u16 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffff;
  if (u16(p.vendor) && u16(p.device) && u16(p.subsystemVendor) && u16(p.subsystemDevice) && Number.isInteger(p.class) && p.class >= 0 && p.class <= 0xffffff) {
    return String.fromCharCode(p.vendor, p.device, p.class >> 16, p.class & 0xffff, p.subsystemVendor, p.subsystemDevice);
  }
  return `${p.vendor}:${p.device}:${p.class}:${p.subsystemVendor}:${p.subsystemDevice}`;
}

/**
 * `vfio_pci_fill_ids()` (drivers/vfio/pci/vfio_pci.c, 4.x–6.x) / pci-stub's `pci_stub_init()`: the
 * module's `ids=` parameter — "vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]", comma
 * separated — each added with `pci_add_dynid()`; an entry that does not parse is skipped (the kernel
 * logs "invalid id string"). From the kernel command line: `vfio-pci.ids=` / `vfio_pci.ids=`.
 */
export function vfioPciFillIds(cmdline: readonly string[], module: string): PciId[] {
  const out: PciId[] = [];
  const key = `${module.replace(/-/g, '_')}.ids=`;
  for (const w of cmdline) {
    if (!w.replace(/-/g, '_').startsWith(key)) continue;
    for (const entry of w.slice(w.indexOf('=') + 1).split(',')) {
      const f = entry.split(':');
      if (f.length < 2 || f.some((x) => !/^[0-9a-fA-F]{1,8}$/.test(x))) continue;
      const n = f.map((x) => parseInt(x, 16));
      const any = (v: number | undefined): number | undefined => (v === undefined || v === 0xffffffff ? undefined : v);
      out.push({ vendor: any(n[0]), device: any(n[1]), subvendor: any(n[2]), subdevice: any(n[3]),
        ...(n[4] !== undefined && n[5] ? { class: n[4], classMask: n[5] } : {}) });
    }
  }
  return out;
}

function idMatches(id: PciId, dev: Device): boolean {
  const p = dev.pci;
  if (!p) return false;
  if (id.vendor !== undefined && id.vendor !== p.vendor) return false;
  if (id.device !== undefined && id.device !== p.device) return false;
  if (id.subvendor !== undefined && id.subvendor !== p.subsystemVendor) return false;
  if (id.subdevice !== undefined && id.subdevice !== p.subsystemDevice) return false;
  if (id.class !== undefined && ((p.class ^ id.class) & (id.classMask ?? 0xffffff)) !== 0) return false;
  return true;
}

/**
 * `pci_match_device()` / `platform_match()`: driver_override naming another driver → no match; then
 * dynamic ids, then the static table (override_only entries only via override), then a dummy match
 * when driver_override names this driver.
 */
export function driverMatchDevice(_k: KernelState, drv: DeviceDriver, dev: Device): boolean {
  if (drv.bus !== dev.bus) return false;
  if (dev.driverOverride !== null) return dev.driverOverride === drv.name;
  if (dev.bus !== 'pci') return drv.names.has(dev.name);
  if (drv.dynids.some((id) => idMatches(id, dev))) return true;
  return drv.idTable.some((id) => !id.overrideOnly && idMatches(id, dev));
}

/** Does `id` already match an entry of the driver's tables (new_id's -EEXIST check)? */
export function pciIdKnown(drv: DeviceDriver, id: PciId): boolean {
  const same = (a: PciId): boolean => a.vendor === id.vendor && a.device === id.device
    && (a.subvendor ?? -1) === (id.subvendor ?? -1) && (a.subdevice ?? -1) === (id.subdevice ?? -1);
  return drv.dynids.some(same) || drv.idTable.some(same);
}

export function driverKey(bus: BusType, name: string): string {
  return `${bus}/${name}`;
}
