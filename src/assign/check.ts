import type { DeviceView, GroupView, HostView } from './inspect.js';
import { makePlan, type Refusal } from './plan.js';
import type { GroupReasons } from './why.js';

/**
 * `dmaown check`: can these devices be handed to user space? Answered group by group, because the
 * IOMMU group is the unit of ownership.
 *   assignable           the group is viable now and the devices are on a vfio driver
 *   needs-rebind         a plan moving only the named devices makes it viable
 *   needs-group-members  other members must leave their kernel drivers (--allow-group-member)
 *   refused              a bridge, an SR-IOV PF with VFs, a host-critical device, a group in use, no group
 *   unknown              an imported paste lacks a fact the verdict needs (a member's driver, the group)
 */
export type Verdict = 'assignable' | 'needs-rebind' | 'needs-group-members' | 'refused' | 'unknown';

export interface GroupCheck {
  readonly group: number | null;
  readonly requested: readonly string[];
  readonly verdict: Verdict;
  readonly blockers: GroupView['blockers'];
  readonly exempt: readonly { readonly bdf: string; readonly driver: string | null; readonly why: string }[];
  readonly critical: readonly { readonly bdf: string; readonly why: readonly string[] }[];
  readonly refusals: readonly Refusal[];
  /** Why the group's devices share it (empty for a single-device group). */
  readonly reasons: readonly string[];
}

export interface CheckResult {
  readonly ok: boolean;
  readonly groups: readonly GroupCheck[];
}

/** `why` gives the reasons a group is shared; it is asked only for the groups checked. */
export function checkDevices(view: HostView, bdfs: readonly string[], why?: GroupReasons): CheckResult {
  const groupOf = new Map<string, GroupView>();
  for (const g of view.groups) for (const d of g.devices) groupOf.set(d.bdf, g);
  const buckets = new Map<number | null, string[]>();
  for (const b of bdfs) {
    const id = groupOf.get(b)?.id ?? null;
    buckets.set(id, [...(buckets.get(id) ?? []), b]);
  }
  const groups: GroupCheck[] = [];
  for (const [id, requested] of [...buckets].sort((a, b) => (a[0] ?? -1) - (b[0] ?? -1))) {
    const g = view.groups.find((x) => x.id === id);
    const r = makePlan(view, requested, why ? { why } : {});
    const refusals = r.ok ? [] : r.refusals;
    const onlyMembers = refusals.length > 0 && refusals.every((x) => x.code === 'group-member');
    const writes = r.ok ? r.plan.steps.filter((s) => s.action.op !== 'verify').length : 1;
    const verdict: Verdict = refusals.some((x) => x.code === 'unknown') ? 'unknown' : refusals.length === 0 ? (writes === 0 && g?.assignable ? 'assignable' : 'needs-rebind')
      : onlyMembers ? 'needs-group-members' : 'refused';
    const members: readonly DeviceView[] = g?.devices ?? [];
    groups.push({
      group: id, requested, verdict, blockers: g?.blockers ?? [], refusals,
      reasons: id !== null && why ? why(id) : [],
      exempt: members.filter((d) => !d.blocks && d.role !== 'unknown').map((d) => ({ bdf: d.bdf, driver: d.driver, why: d.exempt ?? '' })),
      critical: members.filter((d) => d.critical.length > 0).map((d) => ({ bdf: d.bdf, why: d.critical })),
    });
  }
  return { ok: groups.every((g) => g.verdict === 'assignable' || g.verdict === 'needs-rebind'), groups };
}
