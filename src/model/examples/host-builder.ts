/**
 * A fluent builder of `HostDescription`s for tests, with plausible config space (normal header PCIe
 * endpoint with PM + PCIe capabilities; `.bridge()` a PCIe-to-PCI bridge, `.pcieport()` a root port):
 *
 *   host('6.1.0-56-amd64').group(7, ['0000:01:00.0', '0000:01:00.1']).bound('0000:01:00.1', 'snd_hda_intel').build()
 */
import type { HostDescription, IommuGroupDesc, PciDeviceDesc, ReservedRegion } from '../host-description.js';

interface DevSpec {
  bdf: string; vendor: number; device: number; class: number; hdr: number; pcieType: number | null;
  driver: string | null; override: string | null; group: number | null; parent: string | null;
  resetMethod: string[] | null; noCaps: boolean; sriov: [number, number] | null; physfn: string | null; shpc: boolean;
  /** Header type bit 7; default: set when the slot has more than one function. */
  multifunction?: boolean;
}

function config(d: DevSpec, multifunction: boolean): Uint8Array {
  const c = new Uint8Array(256);
  const w16 = (o: number, v: number): void => { c[o] = v & 0xff; c[o + 1] = (v >> 8) & 0xff; };
  w16(0, d.vendor); w16(2, d.device); w16(4, 0x0007); w16(6, 0x0010);
  c[8] = 0; c[9] = d.class & 0xff; c[10] = (d.class >> 8) & 0xff; c[11] = (d.class >> 16) & 0xff;
  c[0x0e] = d.hdr | ((d.multifunction ?? multifunction) ? 0x80 : 0);
  if (d.noCaps) { w16(6, 0); return c; }
  c[0x34] = 0x40;
  c[0x40] = 0x01; c[0x41] = 0x50; w16(0x42, 0x0003);
  if (d.pcieType !== null) { c[0x50] = 0x10; c[0x51] = d.shpc ? 0x60 : 0; w16(0x52, 0x0002 | (d.pcieType << 4)); }
  else c[0x41] = d.shpc ? 0x60 : 0;
  if (d.shpc) { c[0x60] = 0x0c; c[0x61] = 0; }
  if (d.hdr === 1) {
    const bus = parseInt(d.bdf.slice(5, 7), 16);
    c[0x18] = bus; c[0x19] = bus + 1; c[0x1a] = bus + 1;
  }
  return c;
}

export class HostBuilder {
  private readonly devs = new Map<string, DevSpec>();
  private readonly groups = new Map<number, IommuGroupDesc>();
  private readonly drivers = new Set<string>(['e1000', 'e1000e', 'pcieport', 'pci-stub', 'vfio-pci', 'shpchp', 'snd_hda_intel']);
  private readonly cmd: string[] = [];
  constructor(private release: string) {}

  /** A PCI device (created on first mention). Defaults: Intel 8086:10d3 Ethernet (e1000e), PCIe endpoint. */
  device(bdf: string, o: Partial<Pick<DevSpec, 'vendor' | 'device' | 'class' | 'parent' | 'resetMethod' | 'noCaps' | 'multifunction'>> = {}): this {
    const d = this.devs.get(bdf) ?? { bdf, vendor: 0x8086, device: 0x10d3, class: 0x020000, hdr: 0, pcieType: 0, driver: null,
      override: null, group: null, parent: null, resetMethod: ['pm'], noCaps: false, sriov: null, physfn: null, shpc: false };
    Object.assign(d, o);
    this.devs.set(bdf, d);
    return this;
  }

  /** IOMMU group `id` with these members (default domain type DMA-FQ, an MSI reserved region). */
  group(id: number, bdfs: readonly string[], type = 'DMA-FQ'): this {
    if (!this.groups.has(id)) {
      this.groups.set(id, { id, type, name: null, reservedRegions: [{ start: 0xfee00000n, end: 0xfeefffffn, type: 'msi' }] });
    }
    for (const b of bdfs) { this.device(b); (this.devs.get(b) as DevSpec).group = id; }
    return this;
  }

  reserved(id: number, regions: readonly ReservedRegion[]): this {
    const g = this.groups.get(id);
    if (g) this.groups.set(id, { ...g, reservedRegions: [...g.reservedRegions, ...regions] });
    return this;
  }

  bound(bdf: string, driver: string): this {
    this.device(bdf);
    (this.devs.get(bdf) as DevSpec).driver = driver;
    this.drivers.add(driver);
    return this;
  }

  override(bdf: string, driver: string): this {
    this.device(bdf);
    (this.devs.get(bdf) as DevSpec).override = driver;
    return this;
  }

  /**
   * A PCIe-to-PCI bridge (type 1 header, class 0x060400, PCIe type PCI_BRIDGE; with an SHPC capability):
   * ASMedia ASM1083 (1b21:1080), whose slots shpchp can register. For QEMU's pcie-pci-bridge, whose slots
   * acpiphp owns (pci/shpchp.ts), pass `{ vendor: 0x1b36, device: 0x000e }`.
   */
  bridge(bdf: string, o: { vendor?: number; device?: number } = {}): this {
    this.device(bdf, { class: 0x060400, vendor: o.vendor ?? 0x1b21, device: o.device ?? 0x1080 });
    Object.assign(this.devs.get(bdf) as DevSpec, { hdr: 1, pcieType: 0x7, shpc: true, resetMethod: null });
    return this;
  }

  /** A PCIe root port (type 1 header, class 0x060400). */
  pcieport(bdf: string): this {
    this.device(bdf, { class: 0x060400, vendor: 0x1b36, device: 0x000c });
    Object.assign(this.devs.get(bdf) as DevSpec, { hdr: 1, pcieType: 0x4, resetMethod: null });
    return this;
  }

  /** An SR-IOV PF with `numvfs` of `totalvfs` VFs enabled. */
  sriov(bdf: string, totalvfs: number, numvfs: number): this {
    this.device(bdf);
    (this.devs.get(bdf) as DevSpec).sriov = [totalvfs, numvfs];
    return this;
  }

  driver(name: string): this { this.drivers.add(name); return this; }
  withoutDriver(name: string): this { this.drivers.delete(name); return this; }
  cmdline(...words: string[]): this { this.cmd.push(...words); return this; }
  kernel(release: string): this { this.release = release; return this; }

  /** The PciDeviceDesc for one device as build() would produce it (for hotAdd). */
  pciDesc(bdf: string): PciDeviceDesc {
    this.device(bdf);
    const all = this.build();
    return all.pci.find((p) => p.bdf === bdf) as PciDeviceDesc;
  }

  build(): HostDescription {
    const slots = new Map<string, number>();
    for (const b of this.devs.keys()) slots.set(b.slice(0, -2), (slots.get(b.slice(0, -2)) ?? 0) + 1);
    const pathOf = (d: DevSpec): string => {
      if (d.parent) return `${pathOf(this.devs.get(d.parent) ?? { ...d, parent: null, bdf: d.parent })}/${d.bdf}`;
      const bus = d.bdf.slice(5, 7);
      return bus === '00' ? `devices/pci0000:00/${d.bdf}` : `devices/pci0000:00/0000:00:1c.0/${d.bdf}`;
    };
    const pci: PciDeviceDesc[] = [...this.devs.values()].map((d) => ({
      bdf: d.bdf, path: pathOf(d), vendor: d.vendor, device: d.device, subsystemVendor: 0x1af4, subsystemDevice: 0x1100,
      class: d.class, revision: 0, config: config(d, (slots.get(d.bdf.slice(0, -2)) ?? 0) > 1), driver: d.driver,
      driverOverride: d.override, iommuGroup: d.group, resetMethod: d.resetMethod, bootVga: null,
      sriovTotalvfs: d.sriov ? d.sriov[0] : null, sriovNumvfs: d.sriov ? d.sriov[1] : null, physfn: d.physfn,
      attrs: { numa_node: '-1\n', enable: d.driver ? '1\n' : '0\n' },
    }));
    return {
      kernel: this.release, cmdline: [...this.cmd], pci, other: [], groups: [...this.groups.values()],
      pciDrivers: [...this.drivers].sort(), iommus: ['dmar0'],
    };
  }
}

export function host(release = '6.1.0-56-amd64'): HostBuilder {
  return new HostBuilder(release);
}

/** The q35 guest of ../shared/conformance: {00:05.0, 00:05.1} share group 1 (e1000), 04:00.0 alone in group 8 behind root port 00:08.0. */
export function q35Like(release: string): HostBuilder {
  return host(release)
    .device('0000:00:05.0', { vendor: 0x8086, device: 0x100e, resetMethod: null, noCaps: true })
    .device('0000:00:05.1', { vendor: 0x8086, device: 0x100e, resetMethod: null, noCaps: true })
    .group(1, ['0000:00:05.0', '0000:00:05.1']).bound('0000:00:05.0', 'e1000').bound('0000:00:05.1', 'e1000')
    .pcieport('0000:00:08.0').group(5, ['0000:00:08.0']).bound('0000:00:08.0', 'pcieport')
    .device('0000:04:00.0', { parent: '0000:00:08.0', resetMethod: ['pm', 'bus'] }).group(8, ['0000:04:00.0']).bound('0000:04:00.0', 'e1000e');
}
