import type { DeviceView, GroupView, HostView } from '../assign/inspect.js';
import type { GroupReasons } from '../assign/why.js';
import type { GroupState } from '../assign/group-state.js';
import type { HostDescription } from '../model/host-description.js';
import { iommuSummary, type IommuSummary } from './iommu-summary.js';
import { groupPlan, type PlanData } from './plan-data.js';
import { rowText, shownText } from './row-text.js';
import { pciTree, type TreeNode } from './tree.js';
import { groupVerdict, verdictLabel, verdictText, VERDICTS, type GroupVerdict, type Verdict } from './verdict.js';

/**
 * Everything the page shows, as plain JSON embedded in it: the header facts, the tree in pre-order
 * (each node with its device's details), and per group its verdict, blockers, why its members share
 * it (the explain chain) and the plan that would hand it to user space with its simulated outcome.
 */
export interface ReportInput {
  /** 'sample desktop-gpu', a capture path, 'this host'. */
  readonly label: string;
  readonly kind: 'live' | 'sysfs-root' | 'capture' | 'sample' | 'paste';
  /** The CLI options that select this host again (`--sample desktop-gpu`), for the commands shown. */
  readonly sourceArgs: readonly string[];
  readonly host: HostDescription;
  readonly view: HostView;
  readonly why: GroupReasons;
  /** Why this host has no IOMMU groups (null when it has some). */
  readonly diagnosis: string | null;
  readonly note: string | null;
}

export interface ReportOptions {
  /** Simulate at most this many group plans (each builds the model of the whole host), groups with a display controller first. Default: all on small hosts, 16 above 256 functions. */
  readonly simulateLimit?: number;
  /** Collapse switches and VF fans above this many functions (default 256). */
  readonly collapseAbove?: number;
  /** Set for `dmaown serve`: the page offers the what-if. */
  readonly live?: boolean;
}

export interface DeviceData {
  readonly vendor: string; readonly device: string; readonly class: string;
  readonly vendorName: string | null; readonly deviceName: string | null; readonly className: string | null;
  readonly driver: string | null; readonly driverOverride: string | null;
  readonly role: DeviceView['role']; readonly blocks: boolean; readonly exempt: string | null;
  readonly resetMethod: readonly string[] | null; readonly bootVga: boolean | null;
  readonly sriovNumvfs: number | null; readonly sriovTotalvfs: number | null; readonly physfn: string | null;
  readonly critical: readonly string[];
  /** Host plumbing (bridge or port, host bridge, SMBus, …), or null for an endpoint a user could pass through. */
  readonly infrastructure: string | null;
}

/** A tree row as the page draws it: the layout's node (tree.ts) plus its group, verdict and text. */
export interface NodeData extends TreeNode {
  readonly group: number | null;
  /** The group's verdict ('nogroup' without one), for the row's colour. */
  readonly verdict: Verdict | 'nogroup';
  /** Marked ✖: this device blocks its group. */
  readonly blocker: boolean;
  readonly hasKids: boolean;
  /** The row's text as shown (clipped). */
  readonly text: string;
  readonly dev: DeviceData | null;
}

export interface GroupData {
  readonly id: number;
  readonly type: string | null;
  readonly verdict: Verdict;
  /** The state `dmaown status` gives this group (assign/group-state.ts). */
  readonly state: GroupState;
  readonly verdictText: string;
  /** Short form for the box: '✖ blocked by nvidia +3'. */
  readonly label: string;
  readonly members: readonly string[];
  readonly endpoints: readonly string[];
  readonly blockers: readonly { readonly bdf: string; readonly driver: string | null; readonly kind: string; readonly why: string }[];
  readonly ownership: string;
  /** Why the members share the group, one sentence per cause (empty for a group of one). */
  readonly reasons: readonly string[];
  readonly plan: PlanData | null;
}

export interface ReportData {
  readonly format: 'dmaown-report/1';
  readonly label: string;
  readonly kind: ReportInput['kind'];
  readonly note: string | null;
  readonly sourceArgs: readonly string[];
  readonly kernel: string;
  readonly era: string;
  readonly iommu: IommuSummary;
  readonly diagnosis: string | null;
  readonly acsOverride: string | null;
  readonly totals: Readonly<Record<Verdict, number>> & { readonly functions: number; readonly groups: number };
  readonly nodes: readonly NodeData[];
  readonly groups: readonly GroupData[];
  readonly simulated: { readonly done: number; readonly limit: number };
  readonly live: boolean;
}

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');

export const ACS_OVERRIDE_WARNING = 'pcie_acs_override= is set: an out-of-tree kernel patch tells the kernel that devices are isolated when the hardware does not say so. '
  + 'These groups do not reflect hardware isolation: a device handed to a VM can still reach its neighbours (and what they can reach) by peer-to-peer DMA.';

function deviceData(v: DeviceView, d: HostDescription['pci'][number]): DeviceData {
  return {
    vendor: hex(v.vendor, 4), device: hex(v.device, 4), class: hex(v.class, 6),
    vendorName: v.vendorName, deviceName: v.deviceName, className: v.className,
    driver: v.driver, driverOverride: v.driverOverride, role: v.role, blocks: v.blocks, exempt: v.exempt,
    resetMethod: v.resetMethod, bootVga: v.bootVga, sriovNumvfs: v.sriovNumvfs, sriovTotalvfs: d.sriovTotalvfs, physfn: v.physfn,
    critical: v.critical, infrastructure: v.infrastructure,
  };
}

/** Build the report's data. Plans are made per group on that group alone (O(group)); simulations build the host's model each. */
export async function reportData(input: ReportInput, opts: ReportOptions = {}): Promise<ReportData> {
  const { host, view } = input;
  const tree = pciTree(host, opts.collapseAbove === undefined ? {} : { collapseAbove: opts.collapseAbove });
  const views = new Map<string, DeviceView>();
  for (const g of view.groups) for (const d of g.devices) views.set(d.bdf, d);
  for (const d of view.ungrouped) views.set(d.bdf, d);
  const descs = new Map(host.pci.map((d) => [d.bdf, d]));
  const gv = new Map<number, GroupVerdict>(view.groups.map((g) => [g.id, groupVerdict(view, g)]));
  const verdicts = new Map([...gv].map(([id, v]) => [id, v.verdict]));
  const parents = new Set(tree.map((n) => n.parent));
  const nodes = tree.map((n, i): NodeData => {
    const v = views.get(n.id), d = descs.get(n.id);
    const dev = v && d ? deviceData(v, d) : null;
    const group = d?.iommuGroup ?? null;
    const verdict = group === null ? 'nogroup' : verdicts.get(group) ?? 'nogroup';
    const blocker = dev !== null && dev.blocks && (verdict === 'held' || verdict === 'blocked');
    const hasKids = parents.has(i);
    return { ...n, group, verdict, blocker, hasKids, text: shownText(rowText(n.id, n.kindName, dev), hasKids, blocker), dev };
  });
  const limit = opts.simulateLimit ?? (host.pci.length > (opts.collapseAbove ?? 256) ? 16 : Number.MAX_SAFE_INTEGER);
  // Which group plans to simulate when not all can be: those with a display controller (what people
  // pass through most) first, then by group id.
  const endpointsOf = (g: GroupView) => g.devices.filter((d) => d.infrastructure === null);
  const simulated = new Set(view.groups.filter((g) => verdicts.get(g.id) !== 'infrastructure')
    .map((g, i) => ({ g, key: (endpointsOf(g).some((d) => d.class >> 16 === 0x03) ? 0 : 1e9) + i }))
    .sort((a, b) => a.key - b.key).slice(0, limit).map((x) => x.g.id));
  let done = 0;
  const totals = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  const groups: GroupData[] = [];
  for (const g of view.groups) {
    const v = gv.get(g.id) as GroupVerdict;
    totals[v.verdict]++;
    const plan = v.verdict === 'infrastructure' ? null : await groupPlan(host, view, g, input.sourceArgs, simulated.has(g.id));
    if (plan?.sim) done++;
    groups.push(groupData(g, v, input.why, plan));
  }
  const acs = view.acsOverride;
  return {
    format: 'dmaown-report/1', label: input.label, kind: input.kind, note: input.note, sourceArgs: input.sourceArgs,
    kernel: host.kernel, era: view.era, iommu: iommuSummary(host), diagnosis: input.diagnosis,
    acsOverride: acs === null ? null : `${acs}: ${ACS_OVERRIDE_WARNING}`,
    totals: { ...totals, functions: host.pci.length, groups: view.groups.length }, nodes, groups,
    simulated: { done, limit: limit === Number.MAX_SAFE_INTEGER ? -1 : limit }, live: opts.live === true,
  };
}

function groupData(g: GroupView, v: GroupVerdict, why: GroupReasons, plan: PlanData | null): GroupData {
  return {
    id: g.id, type: g.type, verdict: v.verdict, state: v.status.state, verdictText: verdictText(g, v), label: verdictLabel(g, v),
    members: g.devices.map((d) => d.bdf), endpoints: v.status.endpoints,
    blockers: g.blockers.map((b) => ({ bdf: b.bdf, driver: b.driver, kind: b.kind, why: b.why })),
    ownership: g.ownership, reasons: g.devices.length > 1 ? why(g.id) : [], plan,
  };
}
