import type { HostDescription } from '../model/host-description.js';
import type { DeviceView, GroupView, HostView } from './inspect.js';
import { makePlan, type Plan, type Refusal } from './plan.js';
import { simulatePlan, type Simulation } from './simulate.js';
import type { GroupReasons } from './why.js';

/**
 * `dmaown check`: can these devices be handed to user space? Answered group by group, because the
 * IOMMU group is the unit of ownership, and by the same path `plan` takes — the plan is made and run
 * on the simulated kernel, so a "yes" here is a plan that simulates to a viable group:
 *   ready                the devices are on the user-space driver in a viable group: nothing to do
 *   needs-rebind         a plan moving only the named devices (loading the driver if needed) makes it viable
 *   needs-group-members  other members must leave their kernel drivers too (--allow-group-member each);
 *                        the plan with that consent simulates to a viable group
 *   refused              a bridge, an SR-IOV PF with VFs, a host-critical device, a group in use, no
 *                        group, no driver module — or the simulation fails (its blocker is named)
 *   unknown              an imported paste lacks a fact the verdict needs (a member's driver, the group)
 */
export type Verdict = 'ready' | 'needs-rebind' | 'needs-group-members' | 'refused' | 'unknown';

export interface GroupCheck {
  readonly group: number | null;
  readonly requested: readonly string[];
  readonly verdict: Verdict;
  readonly blockers: GroupView['blockers'];
  /** needs-group-members: the members that must be allowed (`--allow-group-member`). */
  readonly consent: readonly string[];
  /** Members of this group the user already allowed (`--allow-group-member`). */
  readonly allowed: readonly string[];
  readonly exempt: readonly { readonly bdf: string; readonly driver: string | null; readonly why: string }[];
  readonly critical: readonly { readonly bdf: string; readonly why: readonly string[] }[];
  readonly refusals: readonly Refusal[];
  /** Why the group's devices share it (empty for a single-device group). */
  readonly reasons: readonly string[];
  /** The simulation that decided (null when the plan was refused before simulating). */
  readonly simulated: Simulation | null;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly groups: readonly GroupCheck[];
}

export interface CheckOptions {
  readonly driver?: string;
  /** Members the user consents to move too (`--allow-group-member`). */
  readonly allowGroupMembers?: readonly string[];
  readonly why?: GroupReasons;
}

/** A failed simulation as a refusal naming the step or the member that still blocks. */
function simulationRefusal(sim: Simulation, bdf: string): Refusal {
  const f = sim.failedStep;
  if (f) return { bdf, code: 'simulation', why: `the simulated kernel fails step ${f.seq + 1} (${f.text}): ${f.failure.errno}: ${f.failure.why}`, hint: null };
  const blocked = sim.groups.filter((g) => !g.viable);
  if (sim.note) return { bdf, code: 'simulation', why: sim.note, hint: null };
  return { bdf, code: 'simulation', why: `after the plan the simulated kernel still keeps user space out: ${blocked.map((g) => `group ${g.id}: ${g.blockers.join(', ') || g.vfio || 'not viable'}`).join('; ')}`, hint: null };
}

export async function checkDevices(view: HostView, host: HostDescription, bdfs: readonly string[], opts: CheckOptions = {}): Promise<CheckResult> {
  const groupOf = new Map<string, GroupView>();
  for (const g of view.groups) for (const d of g.devices) groupOf.set(d.bdf, g);
  const buckets = new Map<number | null, string[]>();
  for (const b of bdfs) {
    const id = groupOf.get(b)?.id ?? null;
    buckets.set(id, [...(buckets.get(id) ?? []), b]);
  }
  const groups: GroupCheck[] = [];
  const base = { driver: opts.driver ?? 'vfio-pci', allowGroupMembers: opts.allowGroupMembers ?? [], ...(opts.why ? { why: opts.why } : {}) };
  for (const [id, requested] of [...buckets].sort((a, b) => (a[0] ?? -1) - (b[0] ?? -1))) {
    const g = view.groups.find((x) => x.id === id);
    let r = makePlan(view, requested, base);
    const members = !r.ok ? r.refusals.filter((x) => x.code === 'group-member').map((x) => x.bdf) : [];
    const onlyMembers = !r.ok && members.length === r.refusals.length;
    if (onlyMembers) r = makePlan(view, requested, { ...base, allowGroupMembers: [...base.allowGroupMembers, ...members] });
    let refusals: readonly Refusal[] = r.ok ? [] : r.refusals;
    let verdict: Verdict = refusals.some((x) => x.code === 'unknown') ? 'unknown' : 'refused', simulated: Simulation | null = null;
    if (r.ok) {
      const plan: Plan = r.plan;
      simulated = await simulatePlan(host, plan);
      if (!simulated.ok) refusals = [simulationRefusal(simulated, requested[0] ?? '')];
      else verdict = plan.steps.length === 0 ? 'ready' : onlyMembers ? 'needs-group-members' : 'needs-rebind';
    }
    const all: readonly DeviceView[] = g?.devices ?? [];
    groups.push({
      group: id, requested, verdict, blockers: g?.blockers ?? [], consent: onlyMembers ? members : [], refusals, simulated,
      allowed: (opts.allowGroupMembers ?? []).filter((b) => g?.devices.some((d) => d.bdf === b) === true),
      reasons: id !== null && opts.why ? opts.why(id) : [],
      exempt: all.filter((d) => !d.blocks && d.role !== 'unknown').map((d) => ({ bdf: d.bdf, driver: d.driver, why: d.exempt ?? '' })),
      critical: all.filter((d) => d.critical.length > 0).map((d) => ({ bdf: d.bdf, why: d.critical })),
    });
  }
  return { ok: groups.every((g) => g.verdict === 'ready' || g.verdict === 'needs-rebind'), groups };
}
