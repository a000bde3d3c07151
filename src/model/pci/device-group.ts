import { pciAcsEnabled, pciAcsPathEnabled, REQ_ACS_FLAGS } from './acs.js';
import type { AcsContext, AcsSubject } from './acs-quirks.js';
import { PCI_EXP_TYPE_DOWNSTREAM, PCI_EXP_TYPE_PCIE_BRIDGE, PCI_EXP_TYPE_PCI_BRIDGE, PCI_EXP_TYPE_ROOT_PORT, PCI_EXP_TYPE_UPSTREAM, pciKindName } from './config.js';
import { parseBdf, type DmaAliasFlags } from './dma-alias.js';

/** A PCI function as group formation sees it. */
export interface PciFunctionView extends AcsSubject, DmaAliasFlags {
  /** PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT: the IOMMU translates at this bridge; aliasing stops here. */
  readonly xlateRoot?: boolean;
}

/**
 * What pci_device_group() may look at: device lookup, the bridge above a function (`bus->self`,
 * virtual buses skipped; null on a root bus), the functions on the same bus, and current groups.
 * The simulated kernel implements it over its state; explain.ts over a HostDescription.
 */
export interface PciTopologyView {
  readonly ctx: AcsContext;
  device(bdf: string): PciFunctionView | undefined;
  parentBridge(bdf: string): string | null;
  devicesOnBus(bdf: string): readonly string[];
  group(bdf: string): number | null;
  /** pci_real_dma_dev(): the function whose requester ID is really used (VMD endpoint), default itself. */
  realDmaDev?(bdf: string): string;
  /**
   * `pci_acs_path_enabled(bdf, NULL, REQ_ACS_FLAGS)` remembered per function, offered by a view whose
   * config space never changes (a host description): the same answer as asking pciAcsPathEnabled.
   */
  acsPathEnabled?(bdf: string): ReturnType<typeof pciAcsPathEnabled>;
}

/** One step of the reason chain, as data; explain.ts turns it into sentences. */
export type GroupReason =
  | { readonly kind: 'real-dma-dev'; readonly device: string; readonly via: string }
  | { readonly kind: 'bridge-alias'; readonly device: string; readonly bridge: string; readonly bridgeKind: string }
  | { readonly kind: 'acs-path'; readonly device: string; readonly bridge: string; readonly blocker: string; readonly blockerKind: string; readonly why: string; readonly unknown: boolean }
  | { readonly kind: 'dma-alias-quirk'; readonly device: string; readonly alias: string }
  | { readonly kind: 'function-alias'; readonly device: string; readonly sibling: string; readonly why: string; readonly unknown: boolean };

export interface PciDeviceGroupResult {
  /** The existing group the device joins, or null: iommu_group_alloc() (a new group). */
  readonly joins: number | null;
  /** The function whose group is joined. */
  readonly via: string | null;
  /** Why the device is not alone, in the order the kernel discovered it. */
  readonly reasons: readonly GroupReason[];
  /** False when some ACS answer was unknown (short config space) and was taken as "not isolated". */
  readonly certain: boolean;
}

/**
 * pci_device_group() (drivers/iommu/iommu.c, same in 5.10–6.12) for one function being probed:
 * (1) DMA aliases up the bus (PCIe-to-PCI bridges take the requester ID), (2) climb while the path
 * above is not ACS-isolated, (3) existing groups of DMA-alias peers, (4) of multifunction siblings
 * without ACS, (5) else a new group. Cost: O(path length + functions on the bus).
 */
export function pciDeviceGroup(view: PciTopologyView, bdf: string): PciDeviceGroupResult {
  const reasons: GroupReason[] = [];
  let certain = true;
  const done = (joins: number | null, via: string | null): PciDeviceGroupResult => ({ joins, via, reasons, certain });

  // 1. pci_for_each_dma_alias(pdev, get_pci_alias_or_group): the last visited device, or its group.
  let pdev = view.realDmaDev?.(bdf) ?? bdf;
  if (pdev !== bdf) reasons.push({ kind: 'real-dma-dev', device: bdf, via: pdev });
  let g = pdev === bdf ? null : view.group(pdev);
  if (g !== null) return done(g, pdev);
  for (let br = view.parentBridge(pdev); br !== null; br = view.parentBridge(br)) {
    const b = view.device(br);
    if (b === undefined || b.xlateRoot === true) break;
    const t = b.config.pcie?.type;
    if (b.config.pcie !== null) {
      if (t === PCI_EXP_TYPE_ROOT_PORT || t === PCI_EXP_TYPE_UPSTREAM || t === PCI_EXP_TYPE_DOWNSTREAM) continue;
      if (t !== PCI_EXP_TYPE_PCI_BRIDGE && t !== PCI_EXP_TYPE_PCIE_BRIDGE) continue;
    } else if (!b.config.capsKnown) {
      certain = false; // cannot tell a PCIe port (no alias) from a conventional bridge (alias)
      continue;
    }
    reasons.push({ kind: 'bridge-alias', device: bdf, bridge: br, bridgeKind: pciKindName(b.config) });
    pdev = br;
    g = view.group(br);
    if (g !== null) return done(g, br);
  }

  // 2. Climb to the point where ACS isolates the path to the root.
  for (let br = view.parentBridge(pdev); br !== null; br = view.parentBridge(br)) {
    const v = view.acsPathEnabled?.(br) ?? pciAcsPathEnabled(view, br, REQ_ACS_FLAGS, view.ctx);
    if (v.enabled === true) break;
    if (v.enabled === 'unknown') certain = false;
    const blocker = v.blocker ?? br;
    reasons.push({
      kind: 'acs-path', device: pdev, bridge: br, blocker, why: v.why, unknown: v.enabled === 'unknown',
      blockerKind: pciKindName((view.device(blocker) ?? view.device(br))?.config ?? null),
    });
    pdev = br;
    g = view.group(br);
    if (g !== null) return done(g, br);
  }

  // 3./4. Existing groups of DMA-alias peers and of non-isolated functions in the same slot.
  const devfns = new Set<number>();
  const ctx: Search = { view, reasons, devfns, uncertain: () => { certain = false; } };
  const a = getPciAliasGroup(ctx, pdev) ?? getPciFunctionAliasGroup(ctx, pdev);
  if (a !== null) return done(a.group, a.via);
  return done(null, null);
}

interface Search {
  readonly view: PciTopologyView;
  readonly reasons: GroupReason[];
  readonly devfns: Set<number>;
  readonly uncertain: () => void;
}

/** pci_devs_are_dma_aliases(): either function's dma_alias_mask names the other. */
function areDmaAliases(a: PciFunctionView, aDevfn: number, b: PciFunctionView, bDevfn: number): boolean {
  return a.dmaAliasDevfns.includes(bDevfn) || b.dmaAliasDevfns.includes(aDevfn);
}

/** get_pci_alias_group(): the group of `pdev` or of any same-bus DMA alias of it (recursively). */
function getPciAliasGroup(s: Search, pdev: string): { group: number; via: string } | null {
  const p = parseBdf(pdev);
  if (p === null || s.devfns.has(p.devfn)) return null;
  s.devfns.add(p.devfn);
  const g = s.view.group(pdev);
  if (g !== null) return { group: g, via: pdev };
  const me = s.view.device(pdev);
  if (me === undefined) return null;
  const bus = s.view.devicesOnBus(pdev);
  for (let i = 0; i < bus.length; i++) {
    const tmp = bus[i] as string;
    if (tmp === pdev) continue;
    const t = s.view.device(tmp);
    if (t === undefined || (t.dmaAliasDevfns.length === 0 && me.dmaAliasDevfns.length === 0)) continue;
    const tp = parseBdf(tmp);
    if (t === undefined || tp === null || !areDmaAliases(me, p.devfn, t, tp.devfn)) continue;
    const r = getPciAliasGroup(s, tmp) ?? getPciFunctionAliasGroup(s, tmp);
    if (r !== null) {
      s.reasons.push({ kind: 'dma-alias-quirk', device: pdev, alias: tmp });
      return r;
    }
  }
  return null;
}

/** get_pci_function_alias_group(): a multifunction device without ACS joins a same-slot function without ACS. */
function getPciFunctionAliasGroup(s: Search, pdev: string): { group: number; via: string } | null {
  const me = s.view.device(pdev), p = parseBdf(pdev);
  if (me === undefined || p === null || !me.multifunction) return null;
  const mine = pciAcsEnabled(me, REQ_ACS_FLAGS, s.view.ctx);
  if (mine.enabled === true) return null;
  const bus = s.view.devicesOnBus(pdev);
  for (let i = 0; i < bus.length; i++) {
    const tmp = bus[i] as string;
    const t = s.view.device(tmp), tp = parseBdf(tmp);
    if (tmp === pdev || t === undefined || tp === null || tp.slot !== p.slot) continue;
    const theirs = pciAcsEnabled(t, REQ_ACS_FLAGS, s.view.ctx);
    if (theirs.enabled === true) continue;
    const r = getPciAliasGroup(s, tmp);
    if (r !== null) {
      const unknown = mine.enabled === 'unknown' || theirs.enabled === 'unknown';
      if (unknown) s.uncertain();
      s.reasons.push({ kind: 'function-alias', device: pdev, sibling: tmp, why: mine.why, unknown });
      return r;
    }
  }
  return null;
}
