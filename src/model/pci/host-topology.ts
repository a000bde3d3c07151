import type { HostDescription, PciDeviceDesc } from '../host-description.js';
import type { AcsContext } from './acs-quirks.js';
import { pciConfigParse } from './config.js';
import type { PciFunctionView, PciTopologyView } from './device-group.js';
import { dmaAliasQuirks, parseBdf } from './dma-alias.js';

const BDF_COMPONENT = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;
const ROOT_COMPONENT = /^pci([0-9a-f]{4,8}):([0-9a-f]{2})$/;

/** Where a function sits, from its sysfs path (devices/pci0000:00/0000:00:1c.0/0000:03:00.0). */
export interface Placement {
  readonly parent: string | null;
  readonly onRootBus: boolean;
  /** VMD: the endpoint that owns the PCI domain this function is in (pci_real_dma_dev), else null. */
  readonly realDmaDev: string | null;
}

export function pciPlacement(d: PciDeviceDesc): Placement {
  const comps = d.path.split('/');
  const parentComp = comps[comps.length - 2] ?? '';
  const root = ROOT_COMPONENT.exec(parentComp);
  const me = parseBdf(d.bdf);
  let realDmaDev: string | null = null;
  const rootIdx = comps.findIndex((c, i) => i > 1 && ROOT_COMPONENT.test(c));
  if (rootIdx > 0) {
    const above = comps[rootIdx - 1] ?? '';
    if (BDF_COMPONENT.test(above)) realDmaDev = above;
  }
  if (root) {
    return { parent: null, onRootBus: me !== null && parseInt(root[2] as string, 16) === me.bus, realDmaDev };
  }
  return { parent: BDF_COMPONENT.test(parentComp) ? parentComp : null, onRootBus: false, realDmaDev };
}

/** One function as pci_device_group() sees it, given `pdev->multifunction` and its placement. */
export function pciFunctionView(d: PciDeviceDesc, multifunction: boolean, pl: Placement = pciPlacement(d), config = pciConfigParse(d.config)): PciFunctionView {
  const p = parseBdf(d.bdf);
  const alias = dmaAliasQuirks(d.vendor, d.device, p?.slot ?? 0, p?.fn ?? 0, config.pcie !== null);
  return { bdf: d.bdf, vendor: d.vendor, device: d.device, config, multifunction, onRootBus: pl.onRootBus, ...alias };
}

/**
 * Builds the PciTopologyView of a HostDescription: config parsed once per function, bus membership
 * indexed once. `group` answers from `groups` (a map the caller fills while predicting), so the same
 * view serves a whole-host prediction and a hot-add. O(functions).
 */
export function pciTopologyFromHost(host: HostDescription, groups: Map<string, number>, ctx?: AcsContext): PciTopologyView & { readonly order: readonly string[] } {
  const devs = new Map<string, PciFunctionView>();
  const places = new Map<string, Placement>();
  const buses = new Map<string, string[]>();
  for (const d of host.pci) {
    const p = parseBdf(d.bdf);
    if (p === null) continue;
    const config = pciConfigParse(d.config);
    const pl = pciPlacement(d);
    devs.set(d.bdf, pciFunctionView(d, (config.multifunctionBit ?? false) || (p.fn > 0 && d.physfn === null), pl, config));
    places.set(d.bdf, pl);
    const key = d.bdf.slice(0, d.bdf.lastIndexOf(':'));
    let list = buses.get(key);
    if (!list) buses.set(key, (list = []));
    list.push(d.bdf);
  }
  const ivrs = host.iommus.some((n) => n.startsWith('ivhd')) || host.pci.some((d) => d.vendor === 0x1022 && d.class === 0x080600);
  return {
    ctx: ctx ?? { ivrs },
    order: host.pci.map((d) => d.bdf),
    device: (bdf) => devs.get(bdf),
    parentBridge: (bdf) => places.get(bdf)?.parent ?? null,
    devicesOnBus: (bdf) => buses.get(bdf.slice(0, bdf.lastIndexOf(':'))) ?? [],
    group: (bdf) => groups.get(bdf) ?? null,
    realDmaDev: (bdf) => places.get(bdf)?.realDmaDev ?? bdf,
  };
}
