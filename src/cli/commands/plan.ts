import type { Command } from 'commander';
import type { Plan, Refusal } from '../../assign/plan.js';
import type { Simulation } from '../../assign/simulate.js';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { hostJson, loadView, selectionOf, type HostOptions, type Viewed } from '../host-options.js';

export interface PlanOptions extends HostOptions {
  readonly allowGroupMember?: string[];
  readonly driver?: string;
  readonly force?: boolean;
}

export type Planned =
  | { readonly kind: 'plan'; readonly viewed: Viewed; readonly plan: Plan; readonly simulated: Simulation }
  | { readonly kind: 'refused'; readonly viewed: Viewed; readonly refusals: readonly Refusal[] }
  | { readonly kind: 'error'; readonly code: number; readonly why: string };

/** Parse, load, plan and simulate — shared by `plan` and `apply BDF...`. */
export async function planFor(bdfs: readonly string[], o: PlanOptions, io: CliIo): Promise<Planned> {
  const { parseBdfs } = await import('../../assign/bdf.js');
  const p = parseBdfs(bdfs), a = parseBdfs(o.allowGroupMember ?? []);
  if (!p.ok) return { kind: 'error', code: EXIT.usage, why: p.why };
  if (!a.ok) return { kind: 'error', code: EXIT.usage, why: a.why };
  const sel = selectionOf(o);
  if (typeof sel === 'string') return { kind: 'error', code: EXIT.usage, why: sel };
  const r = await loadView(o, io, sel);
  if (!r.ok) return { kind: 'error', code: EXIT.usage, why: r.why };
  const { makePlan } = await import('../../assign/plan.js');
  const m = makePlan(r.value.view, p.value, { driver: o.driver ?? 'vfio-pci', allowGroupMembers: a.value, force: o.force === true });
  if (!m.ok) return { kind: 'refused', viewed: r.value, refusals: m.refusals };
  const { simulatePlan } = await import('../../assign/simulate.js');
  return { kind: 'plan', viewed: r.value, plan: m.plan, simulated: await simulatePlan(r.value.loaded.host, m.plan) };
}

export function planJson(x: Planned): Record<string, unknown> {
  if (x.kind === 'error') return {};
  if (x.kind === 'refused') return { schema: 'dmaown-plan/1', host: hostJson(x.viewed), refusals: x.refusals, steps: [], simulated: null };
  return { schema: 'dmaown-plan/1', host: hostJson(x.viewed), ...x.plan, refusals: [], simulated: x.simulated };
}

/** `dmaown plan BDF...`: the ordered steps, simulated on this host's kernel version before they are shown. */
export async function runPlan(bdfs: readonly string[], o: PlanOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const x = await planFor(bdfs, o, io);
  if (x.kind === 'error') { io.err(`dmaown plan: ${x.why}\n`); return x.code; }
  const { renderPlan, renderRefusals } = await import('../render/plan.js');
  if (o.json) printJson(io, planJson(x));
  else if (x.kind === 'refused') io.out(`${renderRefusals(x.refusals, c)}\n`);
  else io.out(renderPlan(x.plan, x.simulated, c));
  return x.kind === 'plan' && x.simulated.ok ? EXIT.ok : EXIT.negative;
}

export function addPlanOptions(cmd: Command): Command {
  return cmd
    .option('--allow-group-member <bdf>', 'also take this member of the group from its driver (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--driver <name>', 'user-space driver to bind', 'vfio-pci')
    .option('--force', 'plan host-critical devices too (the NIC you are logged in through, a mounted disk, ...)');
}

export function definePlan(cmd: Command, io: CliIo, done: (code: number) => void): void {
  addPlanOptions(cmd.argument('<bdf...>', 'PCI devices to hand to user space'))
    .action(async (bdfs: string[], _o: unknown, self: Command) => { done(await runPlan(bdfs, self.optsWithGlobals<PlanOptions>(), io)); });
}
