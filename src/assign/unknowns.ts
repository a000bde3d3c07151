import { shortBdf, type GroupExplanation, type HostExplanation } from '../host/explain.js';
import type { Blocker, DeviceView, GroupView, HostView } from './inspect.js';

/** What an imported paste did not say, per BDF (from the capture's `partial` section). */
export interface UnknownFacts {
  readonly driver: ReadonlySet<string>;
  readonly group: ReadonlySet<string>;
  readonly config: ReadonlySet<string>;
  /** The pastes the host came from, for messages: 'groups.txt + lspci-nnk.txt'. */
  readonly source: string;
  /** Group numbers the pastes skip (a filtered listing): every listed group may be incomplete. */
  readonly missingGroups?: readonly number[];
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
    const cut = (u.missingGroups ?? []).length > 0;
    if (unknown.length === 0 && !cut) return devices.some((d, i) => d !== g.devices[i]) ? { ...g, devices } : g;
    const blockers: Blocker[] = [...g.blockers, ...unknown.map((d): Blocker => ({
      bdf: d.bdf, driver: null, kind: 'unknown',
      why: `which driver ${d.bdf} is bound to is unknown: ${u.source} does not say`,
    }))];
    if (cut) {
      blockers.push({ bdf: devices[0]?.bdf ?? '', driver: null, kind: 'unknown',
        why: `group ${g.id} may have members ${u.source} does not show: the listing skips ${(u.missingGroups ?? []).length} group number(s) below the highest` });
    }
    return { ...g, devices, blockers, assignable: false, ownership: g.ownership === 'user' ? 'user' : g.ownership === 'kernel' ? 'kernel' : 'unknown' };
  });
  return { ...view, groups, ungrouped: view.ungrouped.map(dev) };
}

/**
 * An explanation of an imported host where the pastes did not show what a prediction needs: the
 * topology above some functions (no `lspci -tv`, no bridge bus numbers), or their vendor:device ids
 * (plain `lspci -vvv`; the kernel's ACS quirks and DMA aliases are keyed by ids). Those groups become
 * uncertain, their reasons say what is missing, and they are no mismatch (a guess proves nothing).
 */
export function explainUnknowns(x: HostExplanation, unknown: { readonly parent: ReadonlySet<string>; readonly ids: ReadonlySet<string> }): HostExplanation {
  if (unknown.parent.size === 0 && unknown.ids.size === 0) return x;
  const affected = new Set<number>();
  const list = (bs: readonly string[]): string => [...new Set(bs)].map(shortBdf).join(', ');
  const groups = x.groups.map((g): GroupExplanation => {
    const all = [...g.members, ...g.predicted];
    const noParent = all.filter((b) => unknown.parent.has(b));
    const noIds = all.filter((b) => unknown.ids.has(b));
    if (noParent.length === 0 && noIds.length === 0) return g;
    if (g.group !== null) affected.add(g.group);
    // Reasons from a guessed topology are dropped; with known topology but unknown ids they stand, with the caveat.
    const reasons: string[] = noParent.length > 0 ? [] : [...g.reasons];
    if (noParent.length > 0) reasons.push(`why these devices share the group is unknown: the paste does not show which bridge ${list(noParent)} sit${new Set(noParent).size === 1 ? 's' : ''} behind (paste \`lspci -tv\` or \`lspci -vvv\` as root too)`);
    if (noIds.length > 0) reasons.push(`prediction unknown: the paste does not give the vendor:device ids of ${list(noIds)}, which the kernel's ACS quirks and DMA aliases go by (paste \`lspci -nn\` or the group listing too)`);
    return { ...g, certain: false, matches: false, reasons };
  });
  const unknownList = [...x.unknown];
  for (const b of unknown.parent) if (!unknownList.some((u) => u.bdf === b)) unknownList.push({ bdf: b, why: 'parent bridge not in the paste' });
  for (const b of unknown.ids) if (!unknownList.some((u) => u.bdf === b)) unknownList.push({ bdf: b, why: 'vendor:device ids not in the paste' });
  return {
    ...x, groups, unknown: unknownList,
    predicted: x.predicted.filter((p) => !p.some((b) => unknown.parent.has(b) || unknown.ids.has(b))),
    mismatches: x.mismatches.filter((m) => ![...affected].some((id) => m.startsWith(`kernel group ${id} {`))),
  };
}
