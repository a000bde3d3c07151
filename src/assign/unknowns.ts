import { shortBdf, type GroupExplanation, type HostExplanation } from '../host/explain.js';
import type { Blocker, DeviceView, GroupView, HostView } from './inspect.js';

/** What an imported paste did not say, per BDF (from the capture's `partial` section). */
export interface UnknownFacts {
  readonly driver: ReadonlySet<string>;
  readonly group: ReadonlySet<string>;
  readonly config: ReadonlySet<string>;
  /** The pastes the host came from, for messages: 'groups.txt + lspci-nnk.txt'. */
  readonly source: string;
}

/**
 * Marks a view built from an import where the pastes were silent: a member whose driver is unknown
 * has role 'unknown' (never "unbound"), its group is not assignable and its ownership is unknown, with
 * a blocker that says which fact is missing. Devices keep the list of their unknown facts.
 */
export function markUnknown(view: HostView, u: UnknownFacts): HostView {
  const dev = (d: DeviceView): DeviceView => {
    const unknown = [u.driver.has(d.bdf) ? 'driver' : null, u.group.has(d.bdf) ? 'group' : null, u.config.has(d.bdf) ? 'config' : null]
      .filter((x): x is string => x !== null);
    if (unknown.length === 0) return d;
    return unknown.includes('driver')
      ? { ...d, unknown, role: 'unknown', driver: null, blocks: false, exempt: null }
      : { ...d, unknown };
  };
  const groups = view.groups.map((g): GroupView => {
    const devices = g.devices.map(dev);
    const unknown = devices.filter((d) => d.role === 'unknown');
    if (unknown.length === 0) return devices.some((d, i) => d !== g.devices[i]) ? { ...g, devices } : g;
    const blockers: Blocker[] = [...g.blockers, ...unknown.map((d): Blocker => ({
      bdf: d.bdf, driver: null, kind: 'unknown',
      why: `which driver ${d.bdf} is bound to is unknown: ${u.source} does not say`,
    }))];
    return { ...g, devices, blockers, assignable: false, ownership: g.ownership === 'user' ? 'user' : g.ownership === 'kernel' ? 'kernel' : 'unknown' };
  });
  return { ...view, groups, ungrouped: view.ungrouped.map(dev) };
}

/**
 * An explanation of an imported host where the pastes did not show the topology above some functions
 * (no `lspci -tv`, no bridge bus numbers): their groups' predictions are not made from guessed
 * parents. Those groups become uncertain, their reasons say what is missing, and they are no
 * mismatch (a guessed placement proves nothing about the kernel).
 */
export function explainUnknownTopology(x: HostExplanation, unknownParent: ReadonlySet<string>): HostExplanation {
  if (unknownParent.size === 0) return x;
  const affected = new Set<number>();
  const groups = x.groups.map((g): GroupExplanation => {
    const missing = [...g.members, ...g.predicted].filter((b) => unknownParent.has(b));
    if (missing.length === 0) return g;
    if (g.group !== null) affected.add(g.group);
    const list = [...new Set(missing)].map(shortBdf).join(', ');
    return {
      ...g, certain: false, matches: false,
      reasons: [`why these devices share the group is unknown: the paste does not show which bridge ${list} sit${missing.length === 1 ? 's' : ''} behind (paste \`lspci -tv\` or \`lspci -vvv\` as root too)`],
    };
  });
  const unknown = [...x.unknown];
  for (const b of unknownParent) if (!unknown.some((u) => u.bdf === b)) unknown.push({ bdf: b, why: 'parent bridge not in the paste' });
  return {
    ...x, groups, unknown,
    predicted: x.predicted.filter((p) => !p.some((b) => unknownParent.has(b))),
    mismatches: x.mismatches.filter((m) => ![...affected].some((id) => m.startsWith(`kernel group ${id} {`))),
  };
}
