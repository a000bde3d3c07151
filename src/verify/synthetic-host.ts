/**
 * The synthetic group of `dmaown verify --devices N [--bridge]` (the abstraction of ../shared/spin/ownership.pml):
 * one IOMMU group of N devices, all without a driver. With `bridge`, device 0 is a PCIe root port (type 1
 * header, class 0x060400: pcieport and pci-stub may bind it, a normal-header driver may not) and the others
 * are endpoints; without, all N are endpoints. Endpoints are Intel 82540EM Ethernet functions (8086:100e, the
 * e1000 of the QEMU guests the conformance traces were recorded on), so e1000 — a DMA-API driver — matches
 * them by id. pci-stub and vfio-pci match every member through their `ids=` module parameters, as a host
 * configured with `vfio-pci.ids=` / `pci-stub.ids=` does: a bind needs no driver_override, so the state has
 * exactly the variables of the Promela model.
 */
import type { HostDescription, PciDeviceDesc } from '../model/host-description.js';

export const SYNTHETIC_GROUP = 1;
export const MAX_SYNTHETIC_DEVICES = 32;
export const ENDPOINT_ID = { vendor: 0x8086, device: 0x100e } as const;
export const BRIDGE_ID = { vendor: 0x1b36, device: 0x000c } as const;
/** Registered PCI drivers, in registration order (the order drivers_probe tries them). */
export const SYNTHETIC_DRIVERS: readonly string[] = ['e1000', 'pci-stub', 'vfio-pci', 'pcieport'];

function configSpace(vendor: number, device: number, cls: number, hdr: number, bus: number, pcieType: number | null): Uint8Array {
  const c = new Uint8Array(256);
  const w16 = (o: number, v: number): void => { c[o] = v & 0xff; c[o + 1] = (v >> 8) & 0xff; };
  w16(0, vendor); w16(2, device); w16(4, 0x0007); w16(6, 0x0010);
  c[9] = cls & 0xff; c[10] = (cls >> 8) & 0xff; c[11] = (cls >> 16) & 0xff;
  c[0x0e] = hdr;
  c[0x34] = 0x40;
  c[0x40] = 0x01; c[0x41] = pcieType === null ? 0 : 0x50; w16(0x42, 0x0003);
  if (pcieType !== null) { c[0x50] = 0x10; c[0x51] = 0; w16(0x52, 0x0002 | (pcieType << 4)); }
  if (hdr === 1) { c[0x18] = bus; c[0x19] = bus + 1; c[0x1a] = bus + 1; }
  return c;
}

/** BDF of synthetic device `i` (0-based): the bridge 0000:00:1c.0, endpoints 0000:01:DD.0. */
export function syntheticBdf(i: number, bridge: boolean): string {
  if (bridge && i === 0) return '0000:00:1c.0';
  const n = bridge ? i - 1 : i;
  return `0000:01:${n.toString(16).padStart(2, '0')}.0`;
}

/** The host of a synthetic group on kernel `release`. `n` must be 1..MAX_SYNTHETIC_DEVICES (the caller checks). */
export function syntheticHost(n: number, bridge: boolean, release: string): HostDescription {
  const pci: PciDeviceDesc[] = [];
  const root = '0000:00:1c.0';
  for (let i = 0; i < n; i++) {
    const bdf = syntheticBdf(i, bridge);
    const isBridge = bridge && i === 0;
    const id = isBridge ? BRIDGE_ID : ENDPOINT_ID;
    const cls = isBridge ? 0x060400 : 0x020000;
    pci.push({
      bdf, path: isBridge ? `devices/pci0000:00/${bdf}` : bridge ? `devices/pci0000:00/${root}/${bdf}` : `devices/pci0000:00/0000:00:1c.0/${bdf}`,
      vendor: id.vendor, device: id.device, subsystemVendor: 0x8086, subsystemDevice: 0x001e, class: cls, revision: 0,
      config: configSpace(id.vendor, id.device, cls, isBridge ? 1 : 0, isBridge ? 0 : 1, isBridge ? 0x4 : null),
      driver: null, driverOverride: null, iommuGroup: SYNTHETIC_GROUP, resetMethod: isBridge ? null : ['pm'], bootVga: null,
      sriovTotalvfs: null, sriovNumvfs: null, physfn: null, attrs: { numa_node: '-1\n', enable: '0\n' },
    });
  }
  const ids = (list: string[]): string => list.join(',');
  const endpointId = `${hex4(ENDPOINT_ID.vendor)}:${hex4(ENDPOINT_ID.device)}`;
  const bridgeId = `${hex4(BRIDGE_ID.vendor)}:${hex4(BRIDGE_ID.device)}`;
  return {
    kernel: release,
    cmdline: [`vfio-pci.ids=${endpointId}`, `pci-stub.ids=${ids(bridge ? [endpointId, bridgeId] : [endpointId])}`],
    pci, other: [],
    groups: [{ id: SYNTHETIC_GROUP, type: 'DMA', reservedRegions: [], name: null }],
    pciDrivers: [...SYNTHETIC_DRIVERS], iommus: ['dmar0'],
  };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
