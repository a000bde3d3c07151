import type { GroupView, HostView } from '../assign/inspect.js';
import { makePlan, type Plan, type Refusal } from '../assign/plan.js';
import { simulatePlan, type Simulation } from '../assign/simulate.js';
import type { HostDescription } from '../model/host-description.js';

/**
 * The plan that hands devices to user space, as the page shows it: the steps, warnings and
 * refusals of `makePlan()`, the CLI commands that make and apply it, and the outcome of
 * `simulatePlan()` on the model of the host's kernel (null when not simulated).
 */
export interface PlanData {
  readonly devices: readonly string[];
  readonly allow: readonly string[];
  /** `dmaown plan … --allow-group-member … <source options>`: the same plan, from a terminal. */
  readonly command: string;
  /** The command that performs it on the host itself (never run by the page). */
  readonly applyCommand: string;
  readonly driver: string;
  readonly steps: readonly string[];
  readonly warnings: readonly string[];
  readonly refusals: readonly { readonly bdf: string; readonly code: string; readonly why: string; readonly hint: string | null }[];
  readonly sim: SimData | null;
}

export interface SimData {
  readonly ok: boolean;
  readonly kernel: string;
  readonly via: string;
  /** The outcome in sentences: the failed step with its errno and kernel path, each group's viability, the VFIO proof. */
  readonly lines: readonly string[];
}

const short = (bdf: string): string => (bdf.startsWith('0000:') ? bdf.slice(5) : bdf);

export function commandsFor(devices: readonly string[], allow: readonly string[], sourceArgs: readonly string[]): { command: string; applyCommand: string } {
  const args = [...devices.map(short), ...allow.flatMap((a) => ['--allow-group-member', short(a)])];
  const live = sourceArgs.length === 0;
  return {
    command: ['dmaown', 'plan', ...args, ...sourceArgs].join(' '),
    applyCommand: `${live ? '' : 'on that host: '}sudo dmaown apply ${args.join(' ')} --yes`,
  };
}

export function simData(sim: Simulation): SimData {
  const lines: string[] = [];
  if (sim.failedStep) {
    const f = sim.failedStep;
    lines.push(`step ${f.seq + 1} fails: ${f.text} — ${f.failure.errno}: ${f.failure.why}`);
    if (f.failure.calls?.length) lines.push(`kernel path: ${f.failure.calls.join(' → ')}`);
    lines.push('the steps before it are rolled back');
  }
  if (sim.note) lines.push(sim.note);
  for (const g of sim.groups) {
    lines.push(g.viable ? `group ${g.id} becomes viable: no member counts as a kernel DMA user, and user space can own it`
      : `group ${g.id} stays non-viable${g.blockers.length ? `: ${g.blockers.join(', ')}` : ''}`);
    if (g.vfio) lines.push(g.vfio);
  }
  return { ok: sim.ok, kernel: sim.kernel, via: sim.via, lines };
}

function refusalData(r: readonly Refusal[]): PlanData['refusals'] {
  return r.map((x) => ({ bdf: x.bdf, code: x.code, why: x.why, hint: x.hint }));
}

/** Plan (and, with `simulate`, simulate) handing `devices` and the consented `allow` members to vfio-pci. */
export async function planData(host: HostDescription, view: HostView, devices: readonly string[], allow: readonly string[],
  sourceArgs: readonly string[], simulate: boolean): Promise<PlanData> {
  const m = makePlan(view, devices, { allowGroupMembers: allow });
  const plan: Plan | null = m.ok ? m.plan : null;
  const shown = m.ok ? m.plan : m.partial;
  const sim = plan !== null && simulate ? simData(await simulatePlan(host, plan)) : null;
  return {
    devices, allow, ...commandsFor(devices, allow, sourceArgs), driver: shown?.driver ?? 'vfio-pci',
    steps: m.ok ? m.plan.steps.map((s) => s.text) : [], warnings: shown?.warnings ?? [],
    refusals: m.ok ? [] : refusalData(m.refusals), sim,
  };
}

/**
 * The plan for a whole group, made on a view holding that group alone (makePlan is O(view), and a
 * report makes one per group): its first endpoint requested, every other blocking endpoint allowed.
 */
export async function groupPlan(host: HostDescription, view: HostView, g: GroupView, sourceArgs: readonly string[], simulate: boolean): Promise<PlanData | null> {
  const first = g.devices.find((d) => d.infrastructure === null);
  if (first === undefined) return null;
  const allow = g.devices.filter((d) => d.bdf !== first.bdf && d.blocks && !d.bridge).map((d) => d.bdf);
  const one: HostView = { ...view, groups: [g], ungrouped: [] };
  return planData(host, one, [first.bdf], allow, sourceArgs, simulate);
}
