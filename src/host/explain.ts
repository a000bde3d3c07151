import type { HostDescription, PciDeviceDesc } from '../model/host-description.js';
import { pciDeviceGroup, type GroupReason } from '../model/pci/device-group.js';
import { pciTopologyFromHost } from '../model/pci/host-topology.js';
import { pciForEachDmaAlias, ridName } from '../model/pci/requester-id.js';
import { pciAcsEnabled, pciAcsPathEnabled, REQ_ACS_FLAGS } from '../model/pci/acs.js';
import { PCI_EXP_TYPE_RC_END, pciKindName, pciPcieType } from '../model/pci/config.js';
import { bdfKey } from './sys-path.js';
import { aliasesOutsideGroups, type AliasOutsideGroup } from './alias-outside.js';
import { iommuPlatformFor } from '../model/iommu/platform.js';

/** One IOMMU group (as the kernel formed it, or as predicted) with the reasons its members share it. */
export interface GroupExplanation {
  /** The kernel's group id, or null for a predicted group the kernel does not have. */
  readonly group: number | null;
  /** PCI members in the kernel's group, sorted. */
  readonly members: readonly string[];
  /** The predicted group containing these members, sorted (empty when the prediction is unknown). */
  readonly predicted: readonly string[];
  readonly matches: boolean;
  /** False when short config space left some ACS answer unknown. */
  readonly certain: boolean;
  /** Sentences a user can act on. */
  readonly reasons: readonly string[];
}

export interface HostExplanation {
  /** 'kernel-groups': prediction for the functions the kernel put in groups; 'hypothetical': no groups exist, predicted as if an IOMMU were on. */
  readonly scope: 'kernel-groups' | 'hypothetical';
  /** Every PCI function the prediction places in a group with certainty, each group sorted; groups sorted by first member. */
  readonly predicted: readonly (readonly string[])[];
  /** The kernel's PCI groups, same form. */
  readonly kernel: readonly (readonly string[])[];
  /** Functions whose group cannot be predicted (config space incomplete), with why. */
  readonly unknown: readonly { readonly bdf: string; readonly why: string }[];
  /** Multi-device groups (kernel's, and predicted ones that differ), explained. */
  readonly groups: readonly GroupExplanation[];
  /** Where prediction and kernel disagree, in words. */
  readonly mismatches: readonly string[];
  /**
   * Functions the platform leaves in no group although a driver probed them: on arm-smmu-v3 the second of
   * two functions sharing a stream ID (`arm_smmu_insert_master()`), predicted from the requester IDs; and
   * the kernel's own list (bound to a driver, no group) to compare with. Empty on platforms that group at
   * enumeration.
   */
  readonly outside: { readonly predicted: readonly string[]; readonly kernel: readonly string[]; readonly why: readonly AliasOutsideGroup[] };
}

/** '0000:00:1c.4' → '00:1c.4' (domain 0000 omitted, as lspci prints it). */
export function shortBdf(bdf: string): string {
  return bdf.startsWith('0000:') ? bdf.slice(5) : bdf;
}

function list(items: readonly string[]): string {
  const s = items.map(shortBdf);
  return s.length <= 1 ? (s[0] ?? '') : `${s.slice(0, -1).join(', ')} and ${s[s.length - 1] ?? ''}`;
}

/** A sorted copy (by bdfKey; a single function needs no sort). */
const sortBdfs = (a: readonly string[]): string[] => (a.length < 2 ? a.slice() : [...a].sort((x, y) => bdfKey(x) - bdfKey(y)));

/**
 * Sorts groups in place by the bdfKey of their first member (an empty group: last), as a comparator on
 * those keys would — the sort is stable — but reads each key once instead of once per comparison, and
 * leaves groups already in that order (the usual case: they were formed in bus order) as they are.
 */
function sortByFirst<T extends readonly string[]>(groups: T[]): T[] {
  const keys = groups.map((g) => bdfKey(g[0] ?? ''));
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as number) <= (keys[i] as number);
  if (sorted) return groups;
  const keyed = groups.map((g, i) => ({ key: keys[i] as number, g }));
  keyed.sort((a, b) => a.key - b.key);
  for (let i = 0; i < keyed.length; i++) groups[i] = (keyed[i] as { g: T }).g;
  return groups;
}

/** Entries sorted by their numeric key (stable), left as they are when already in order. */
function byNumber<V>(entries: [number, V][]): [number, V][] {
  for (let i = 1; i < entries.length; i++) {
    if ((entries[i - 1] as [number, V])[0] > (entries[i] as [number, V])[0]) return entries.sort((a, b) => a[0] - b[0]);
  }
  return entries;
}

/** Turns the reason chains of a group's members into sentences, one per cause. */
export function describeReasons(reasons: readonly GroupReason[], group: number | null, kindOf: (bdf: string) => string): string[] {
  const out: string[] = [];
  const gname = group === null ? 'one group' : `group ${group}`;
  const by = <K extends GroupReason['kind']>(kind: K, key: (r: Extract<GroupReason, { kind: K }>) => string) => {
    const m = new Map<string, Extract<GroupReason, { kind: K }>[]>();
    for (const r of reasons) {
      if (r.kind !== kind) continue;
      const rr = r as Extract<GroupReason, { kind: K }>;
      const k = key(rr);
      m.set(k, [...(m.get(k) ?? []), rr]);
    }
    return m;
  };
  for (const [bridge, rs] of by('bridge-alias', (r) => r.bridge)) {
    const devs = sortBdfs([...new Set(rs.map((r) => r.device))]);
    const conventional = devs.every((d) => kindOf(d).startsWith('conventional'));
    const many = devs.length > 1;
    out.push(`${list(devs)} ${many ? 'are' : 'is a'} ${conventional ? 'conventional PCI device' : 'device'}${many ? 's' : ''} behind ${rs[0]?.bridgeKind ?? 'bridge'} ${shortBdf(bridge)}, which takes ${many ? 'their' : 'its'} requester ID, so ${many ? 'they share' : 'it shares'} ${gname} with it`);
  }
  for (const [, rs] of by('acs-path', (r) => `${r.bridge}|${r.blocker}`)) {
    const r0 = rs[0];
    if (!r0) continue;
    const devs = sortBdfs([...new Set(rs.map((r) => r.device))]);
    const share = `so ${list(devs)} below it ${devs.length > 1 ? 'share' : 'shares'} ${gname} with it`;
    const acs = r0.unknown ? `${r0.why} (prediction unknown)` : r0.why;
    if (r0.blocker === r0.bridge) out.push(`${shortBdf(r0.bridge)} (${r0.blockerKind}) ${acs}, ${share}`);
    else out.push(`the path above ${shortBdf(r0.bridge)} is not isolated: ${shortBdf(r0.blocker)} (${r0.blockerKind}) ${acs}, ${share}`);
  }
  const mf = reasons.filter((r): r is Extract<GroupReason, { kind: 'function-alias' }> => r.kind === 'function-alias');
  if (mf.length > 0) {
    const slots = new Map<string, Set<string>>();
    for (const r of mf) {
      const slot = r.device.slice(0, r.device.lastIndexOf('.'));
      const s = slots.get(slot) ?? new Set<string>();
      s.add(r.device).add(r.sibling);
      slots.set(slot, s);
    }
    for (const [slot, fns] of slots) {
      const r0 = mf.find((r) => r.device.startsWith(slot));
      const why = r0 === undefined ? '' : ` (${shortBdf(r0.device)} ${r0.why}${r0.unknown ? '; prediction unknown' : ''})`;
      out.push(`${list(sortBdfs([...fns]))} are functions of one multifunction device (slot ${shortBdf(slot)}) without ACS isolation between them${why}, so they share ${gname}`);
    }
  }
  for (const r of reasons) {
    if (r.kind === 'dma-alias-quirk') out.push(`${shortBdf(r.device)} also issues DMA as ${shortBdf(r.alias)} (kernel DMA-alias quirk), so they share ${gname}`);
    if (r.kind === 'real-dma-dev') out.push(`${shortBdf(r.device)} is behind VMD controller ${shortBdf(r.via)}, which issues its DMA, so it shares ${gname} with it`);
  }
  return out;
}

/**
 * Predicts the IOMMU group partition of a host by running pci_device_group() function by function in
 * bus order (as the kernel's probe does), compares it with the kernel's groups and explains every
 * multi-device group. Functions with incomplete config space are reported as unknown, not guessed.
 */
export function explainHost(host: HostDescription): HostExplanation {
  const pci = host.pci;
  const hasGroups = pci.some((d) => d.iommuGroup !== null);
  const scope = hasGroups ? 'kernel-groups' : 'hypothetical';
  const assigned = new Map<string, number>();
  const view = pciTopologyFromHost(host, assigned);
  const reasonsOf = new Map<string, readonly GroupReason[]>();
  const uncertain = new Map<string, string>();
  let next = 0;
  for (let i = 0; i < pci.length; i++) {
    const d = pci[i] as PciDeviceDesc;
    if (hasGroups && d.iommuGroup === null) continue;
    const r = pciDeviceGroup(view, d.bdf);
    const id = r.joins ?? next++;
    assigned.set(d.bdf, id);
    reasonsOf.set(d.bdf, r.reasons);
    if (!r.certain) {
      const dev = view.device(d.bdf);
      uncertain.set(d.bdf, dev?.config.problems[0] ?? r.reasons.find((x) => 'unknown' in x && x.unknown)?.kind ?? 'ACS unknown');
    }
  }
  const predGroups = new Map<number, string[]>();
  assigned.forEach((id, bdf) => {
    const members = predGroups.get(id);
    if (members) members.push(bdf); else predGroups.set(id, [bdf]);
  });
  const uncertainGroups = new Set<number>();
  uncertain.forEach((_why, bdf) => { uncertainGroups.add(assigned.get(bdf) as number); });
  const unknown: { bdf: string; why: string }[] = [];
  const predicted: string[][] = [];
  // The sorted predicted group of each certain prediction, by its id.
  const predSorted = new Map<number, string[]>();
  predGroups.forEach((members, id) => {
    if (uncertainGroups.has(id)) {
      for (const m of members) unknown.push({ bdf: m, why: uncertain.get(m) ?? `shares a predicted group with ${list([...uncertain.keys()].filter((u) => assigned.get(u) === id))}, whose ACS is unknown` });
    } else {
      const sorted = sortBdfs(members);
      predicted.push(sorted);
      predSorted.set(id, sorted);
    }
  });
  sortByFirst(predicted);
  unknown.sort((a, b) => bdfKey(a.bdf) - bdfKey(b.bdf));

  const kernelGroups = new Map<number, string[]>();
  for (let i = 0; i < pci.length; i++) {
    const d = pci[i] as PciDeviceDesc;
    if (d.iommuGroup === null) continue;
    const members = kernelGroups.get(d.iommuGroup);
    if (members) members.push(d.bdf); else kernelGroups.set(d.iommuGroup, [d.bdf]);
  }
  // Each kernel group's members sorted once: for `kernel` and for the group's explanation.
  kernelGroups.forEach((raw, id) => { kernelGroups.set(id, sortBdfs(raw)); });
  const kernel = sortByFirst([...kernelGroups.values()]);
  // The predicted group (sorted) holding a function, when that prediction is certain.
  const predOf = (bdf: string): string[] | undefined => {
    const id = assigned.get(bdf);
    return id === undefined ? undefined : predSorted.get(id);
  };
  const kindOf = (bdf: string): string => {
    const c = view.device(bdf)?.config;
    return c === undefined ? 'device' : c.pcie === null && c.capsKnown ? 'conventional PCI device' : 'device';
  };

  const groups: GroupExplanation[] = [];
  const mismatches: string[] = [];
  for (const [id, members] of byNumber([...kernelGroups])) {
    const pred = predOf(members[0] as string) ?? [];
    const certain = members.every((m) => !uncertainGroups.has(assigned.get(m) ?? -1));
    const matches = certain && pred.length === members.length && pred.every((m, i) => m === members[i]);
    if (certain && !matches) {
      mismatches.push(`kernel group ${id} {${list(members)}} differs from the prediction {${list(pred)}}${host.cmdline.some((c) => c.startsWith('pcie_acs_override')) ? ' (pcie_acs_override= is set: an out-of-tree patch overrides ACS)' : ''}`);
    }
    if (members.length < 2 && matches) continue;
    const reasons = describeReasons(members.flatMap((m) => reasonsOf.get(m) ?? []), id, kindOf);
    if (!certain) reasons.push(`prediction unknown for ${list(members.filter((m) => uncertain.has(m)))}: ${uncertain.get(members.find((m) => uncertain.has(m)) ?? '') ?? 'ACS unknown'} — read config space as root`);
    groups.push({ group: id, members, predicted: pred, matches, certain, reasons });
  }
  if (!hasGroups) {
    for (const p of predicted) {
      if (p.length < 2) continue;
      groups.push({ group: null, members: [], predicted: p, matches: false, certain: true, reasons: describeReasons(p.flatMap((m) => reasonsOf.get(m) ?? []), null, kindOf) });
    }
  }
  return { scope, predicted, kernel, unknown, groups, mismatches, outside: outsideGroups(host, hasGroups, mismatches) };
}

/**
 * The functions a probe-time platform (arm-smmu-v3) leaves outside every group, predicted and as the kernel
 * shows them; a disagreement is a mismatch. Two functions sharing a stream ID both in groups would also be
 * one (the SMMU cannot hold an ID twice).
 */
function outsideGroups(host: HostDescription, hasGroups: boolean, mismatches: string[]): HostExplanation['outside'] {
  const platform = iommuPlatformFor(host);
  if (!hasGroups || !platform.exclusiveStreamIds) return { predicted: [], kernel: [], why: [] };
  const why = aliasesOutsideGroups(host);
  const predicted = sortBdfs([...new Set(why.map((w) => w.bdf))]);
  const kernel = sortBdfs(host.pci.filter((d) => d.iommuGroup === null && d.driver !== null).map((d) => d.bdf));
  for (const b of kernel.filter((x) => !predicted.includes(x))) {
    mismatches.push(`${shortBdf(b)} is bound to ${host.pci.find((d) => d.bdf === b)?.driver} yet in no IOMMU group, and shares no requester ID with a group member: ${platform.driver} should have given it a group at probe`);
  }
  const view = pciTopologyFromHost(host, new Map());
  const ids = new Map<number, string[]>();
  for (const d of host.pci) {
    if (d.iommuGroup === null) continue;
    for (const a of pciForEachDmaAlias(view, d.bdf)?.ids ?? []) ids.set(a.rid, [...(ids.get(a.rid) ?? []), d.bdf]);
  }
  for (const [rid, holders] of ids) {
    if (holders.length > 1) mismatches.push(`${list(holders)} are all in IOMMU groups with stream ID ${rid} (${ridName(rid)}): ${platform.driver} gives a stream ID to one device only`);
  }
  return { predicted, kernel, why };
}

/**
 * Why a function is alone in its IOMMU group — the conditions under which pci_device_group() finds
 * nothing to join: no conventional bridge above it takes its requester ID; every bridge from its
 * parent up to the root bus passes pci_acs_enabled() (pci_acs_path_enabled, REQ_ACS_FLAGS), naming
 * the quirk when one decides; and its function isolates itself from its slot siblings (or has none).
 */
export function whyAlone(host: HostDescription, bdf: string): string[] {
  const view = pciTopologyFromHost(host, new Map());
  const dev = view.device(bdf);
  if (dev === undefined) return [];
  const out: string[] = [];
  const me = shortBdf(bdf);
  const parent = view.parentBridge(bdf);
  if (parent === null) {
    out.push(pciPcieType(dev.config) === PCI_EXP_TYPE_RC_END
      ? `${me} is a root complex integrated endpoint: no bridge above it can take its requester ID or route its traffic around the IOMMU`
      : `${me} sits on the root bus: no bridge above it`);
  } else {
    const path: string[] = [];
    for (let br: string | null = parent; br !== null; br = view.parentBridge(br)) {
      const b = view.device(br);
      if (b === undefined) break;
      path.push(`${shortBdf(br)} (${pciKindName(b.config)}) ${pciAcsEnabled(b, REQ_ACS_FLAGS, view.ctx).why}`);
      if (b.onRootBus) break;
    }
    const v = pciAcsPathEnabled(view, parent, REQ_ACS_FLAGS, view.ctx);
    if (v.enabled === true) out.push(`every bridge from ${shortBdf(parent)} up to the root isolates ${me} with ACS: ${path.join('; ')}`);
    else out.push(`the path above ${me} is ${v.enabled === 'unknown' ? 'of unknown ACS' : 'not ACS-isolated'} (${v.why}), yet the kernel gave it its own group`);
  }
  const slot = bdf.slice(0, bdf.lastIndexOf('.'));
  const siblings = host.pci.filter((d) => d.bdf !== bdf && d.bdf.startsWith(`${slot}.`));
  if (siblings.length > 0) out.push(`${me} shares slot ${shortBdf(slot)} with ${list(siblings.map((d) => d.bdf))}, and its function ${pciAcsEnabled(dev, REQ_ACS_FLAGS, view.ctx).why}`);
  return out;
}
