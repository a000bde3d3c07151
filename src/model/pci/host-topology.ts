import type { HostDescription, PciDeviceDesc } from '../host-description.js';
import type { AcsContext } from './acs-quirks.js';
import { pciAcsPathEnabled, REQ_ACS_FLAGS } from './acs.js';
import { pciConfigParse, pciConfigSize } from './config.js';
import type { PciFunctionView, PciTopologyView } from './device-group.js';
import { dmaAliasQuirks, parseBdf } from './dma-alias.js';

const ROOT_COMPONENT = /^pci([0-9a-f]{4,8}):([0-9a-f]{2})$/;

/** Where a function sits, from its sysfs path (devices/pci0000:00/0000:00:1c.0/0000:03:00.0). */
export interface Placement {
  readonly parent: string | null;
  readonly onRootBus: boolean;
  /** VMD: the endpoint that owns the PCI domain this function is in (pci_real_dma_dev), else null. */
  readonly realDmaDev: string | null;
}

export function pciPlacement(d: PciDeviceDesc): Placement {
  // The components of d.path are read in place (no split): this runs once per function per view.
  const path = d.path;
  const last = path.lastIndexOf('/');
  const parentComp = last < 0 ? '' : path.slice(path.lastIndexOf('/', last - 1) + 1, last);
  let realDmaDev: string | null = null;
  // VMD: a root bus component below the first one ('pci10000:00' inside an endpoint's directory). Only
  // components after the second '/' count, and every one that can match starts with 'pci'.
  const first = path.indexOf('/');
  const second = first < 0 ? -1 : path.indexOf('/', first + 1);
  for (let at = second < 0 ? -1 : path.indexOf('/pci', second); at >= 0; at = path.indexOf('/pci', at + 1)) {
    const end = path.indexOf('/', at + 1);
    if (!ROOT_COMPONENT.test(path.slice(at + 1, end < 0 ? undefined : end))) continue;
    const above = path.slice(path.lastIndexOf('/', at - 1) + 1, at);
    if (parseBdf(above) !== null) realDmaDev = above;
    break;
  }
  const root = parentComp.startsWith('pci') ? ROOT_COMPONENT.exec(parentComp) : null;
  if (root) {
    const me = parseBdf(d.bdf);
    return { parent: null, onRootBus: me !== null && parseInt(root[2] as string, 16) === me.bus, realDmaDev };
  }
  return { parent: parseBdf(parentComp) !== null ? parentComp : null, onRootBus: false, realDmaDev };
}

/** One function as pci_device_group() sees it, given `pdev->multifunction` and its placement (`p`: its parsed BDF). */
export function pciFunctionView(d: PciDeviceDesc, multifunction: boolean, pl: Placement = pciPlacement(d), config = pciConfigParse(d.config, pciConfigSize(d)), p = parseBdf(d.bdf)): PciFunctionView {
  const alias = dmaAliasQuirks(d.vendor, d.device, p?.slot ?? 0, p?.fn ?? 0, config.pcie !== null);
  return {
    bdf: d.bdf, vendor: d.vendor, device: d.device, config, multifunction, onRootBus: pl.onRootBus,
    dmaAliasDevfns: alias.dmaAliasDevfns, pcieBridgeAlias: alias.pcieBridgeAlias,
  };
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
    const config = pciConfigParse(d.config, pciConfigSize(d));
    const pl = pciPlacement(d);
    devs.set(d.bdf, pciFunctionView(d, (config.multifunctionBit ?? false) || (p.fn > 0 && d.physfn === null), pl, config, p));
    places.set(d.bdf, pl);
    const key = d.bdf.slice(0, d.bdf.lastIndexOf(':'));
    let list = buses.get(key);
    if (!list) buses.set(key, (list = []));
    list.push(d.bdf);
  }
  const ivrs = host.iommus.some((n) => n.startsWith('ivhd')) || host.pci.some((d) => d.vendor === 0x1022 && d.class === 0x080600);
  // Config space of a description never changes: each bridge's ACS path is asked once, not once per function below it.
  const acsPaths = new Map<string, ReturnType<typeof pciAcsPathEnabled>>();
  const view: PciTopologyView & { readonly order: readonly string[] } = {
    ctx: ctx ?? { ivrs },
    order: host.pci.map((d) => d.bdf),
    device: (bdf) => devs.get(bdf),
    parentBridge: (bdf) => places.get(bdf)?.parent ?? null,
    devicesOnBus: (bdf) => buses.get(bdf.slice(0, bdf.lastIndexOf(':'))) ?? [],
    group: (bdf) => groups.get(bdf) ?? null,
    realDmaDev: (bdf) => places.get(bdf)?.realDmaDev ?? bdf,
    acsPathEnabled: (bdf) => {
      let v = acsPaths.get(bdf);
      if (v === undefined) acsPaths.set(bdf, (v = pciAcsPathEnabled(view, bdf, REQ_ACS_FLAGS, view.ctx)));
      return v;
    },
  };
  return view;
}
