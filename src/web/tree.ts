import { stratify, type HierarchyNode } from 'd3-hierarchy';
import type { HostDescription, PciDeviceDesc } from '../model/host-description.js';
import { pciConfigParse, pciConfigSize, pciKindName } from '../model/pci/config.js';
import { pciPlacement } from '../model/pci/host-topology.js';

/**
 * The PCI topology as a tree, the way `lspci -tv` shows it: root complexes (the `pciDDDD:BB`
 * directories of /sys/devices), below them the functions on the root bus, below each bridge what is
 * behind it — and below an SR-IOV PF its VFs (a "VF fan"), whatever bus the VFs sit on.
 *
 * Built with d3-hierarchy's `stratify` (parent ids → hierarchy, with its checks for missing parents,
 * cycles and a single root); the nodes come out in pre-order, which is the report's row order.
 */
export type NodeKind =
  | 'root-complex' | 'root-port' | 'switch-upstream' | 'switch-downstream' | 'pci-bridge' | 'bridge'
  | 'endpoint' | 'vf' | 'rciep';

export interface TreeNode {
  /** A BDF, or the root complex's directory name ('pci0000:00'). */
  readonly id: string;
  /** Index of the parent in the pre-order list, -1 for a root complex. */
  readonly parent: number;
  readonly depth: number;
  readonly kind: NodeKind;
  /** 'PCIe root port', 'conventional PCI device', ... (from config space). */
  readonly kindName: string;
  /** Number of nodes below this one. */
  readonly size: number;
  /** Collapsed when the page opens (large hosts: switches and VF fans). */
  readonly collapsed: boolean;
}

/** Hosts with more functions than this open with switches and VF fans collapsed. */
export const COLLAPSE_ABOVE = 256;

const ROOT_COMPONENT = /^pci[0-9a-f]{4,8}:[0-9a-f]{2}$/;
const HOST = '\u0000host';

function kindOf(d: PciDeviceDesc, type: number | null, headerType: number | null): NodeKind {
  if (d.physfn !== null) return 'vf';
  switch (type) {
    case 4: return 'root-port';
    case 5: return 'switch-upstream';
    case 6: return 'switch-downstream';
    case 7: case 8: return 'pci-bridge';
    case 9: return 'rciep';
    default: break;
  }
  if (headerType === 1 || headerType === 2 || d.class >> 8 === 0x0604 || d.class >> 8 === 0x0609) return 'bridge';
  return 'endpoint';
}

/** The root complex directory a function sits under (the last pciDDDD:BB component of its path). */
function rootComplexOf(d: PciDeviceDesc): string | null {
  const comps = d.path.split('/');
  for (let i = comps.length - 2; i >= 0; i--) if (ROOT_COMPONENT.test(comps[i] ?? '')) return comps[i] ?? null;
  return null;
}

interface Row { readonly id: string; readonly parent: string | null; readonly dev: PciDeviceDesc | null }

/** The topology of `host` in pre-order (children sorted by id), with the default collapse state. */
export function pciTree(host: HostDescription, opts: { readonly collapseAbove?: number } = {}): TreeNode[] {
  const byBdf = new Map(host.pci.map((d) => [d.bdf, d]));
  const rows: Row[] = [{ id: HOST, parent: null, dev: null }];
  const complexes = new Set<string>();
  for (const d of host.pci) {
    let parent: string;
    const pl = pciPlacement(d);
    if (d.physfn !== null && byBdf.has(d.physfn) && d.physfn !== d.bdf) parent = d.physfn;
    else if (pl.parent !== null && byBdf.has(pl.parent) && pl.parent !== d.bdf) parent = pl.parent;
    else {
      parent = rootComplexOf(d) ?? `pci${d.bdf.slice(0, d.bdf.indexOf(':', 5))}`;
      complexes.add(parent);
    }
    rows.push({ id: d.bdf, parent, dev: d });
  }
  for (const c of complexes) rows.push({ id: c, parent: HOST, dev: null });
  const root = safeStratify(rows);
  root.sort((a, b) => (a.id ?? '') < (b.id ?? '') ? -1 : (a.id ?? '') > (b.id ?? '') ? 1 : 0);
  root.count();
  const collapse = host.pci.length > (opts.collapseAbove ?? COLLAPSE_ABOVE);
  const out: TreeNode[] = [];
  const index = new Map<HierarchyNode<Row>, number>();
  root.eachBefore((n) => {
    if (n.data.id === HOST) return;
    const d = n.data.dev;
    const c = d === null ? null : pciConfigParse(d.config, pciConfigSize(d));
    const kind: NodeKind = d === null ? 'root-complex' : kindOf(d, c?.pcie?.type ?? null, c?.headerType ?? null);
    const parentIdx = n.parent && n.parent.data.id !== HOST ? index.get(n.parent) ?? -1 : -1;
    index.set(n, out.length);
    const hasChildren = (n.children?.length ?? 0) > 0;
    const fan = hasChildren && (n.children ?? []).every((k) => k.data.dev?.physfn === n.data.id);
    out.push({
      id: n.data.id, parent: parentIdx, depth: n.depth - 1, kind,
      kindName: d === null ? 'PCI root complex' : d.physfn !== null ? 'SR-IOV VF' : pciKindName(c),
      size: (n.value ?? 1) - 1,
      collapsed: collapse && hasChildren && (kind === 'switch-upstream' || fan),
    });
  });
  return out;
}

/**
 * stratify() throws on a cycle or a missing parent; a capture is hostile, so a function whose parent
 * chain does not reach the host is re-attached to its root complex (or the host) before stratifying.
 */
function safeStratify(rows: readonly Row[]): HierarchyNode<Row> {
  const parentOf = new Map(rows.map((r) => [r.id, r.parent]));
  const fixed = rows.map((r): Row => {
    if (r.parent === null) return r;
    const seen = new Set<string>([r.id]);
    let p: string | null | undefined = r.parent;
    while (p !== null && p !== undefined && p !== HOST && !seen.has(p)) { seen.add(p); p = parentOf.get(p); }
    return p === HOST ? r : { ...r, parent: HOST };
  });
  // Duplicate ids (a capture listing a BDF twice cannot reach here: the host layer keys by BDF).
  return stratify<Row>().id((r) => r.id).parentId((r) => r.parent)(fixed);
}
