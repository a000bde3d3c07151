import type { Command } from 'commander';
import type { Plan, Refusal } from '../../assign/plan.js';
import type { Simulation } from '../../assign/simulate.js';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { answerNoGroups, hostJson, loadView, missingDevices, selectionOf, type HostOptions, type Viewed } from '../host-options.js';

export interface PlanOptions extends HostOptions {
  readonly persist?: boolean | string;
  readonly persistRoot?: string;
  readonly allowGroupMember?: string[];
  readonly driver?: string;
  readonly force?: boolean;
  readonly via?: string;
}

export type Planned =
  | { readonly kind: 'plan'; readonly viewed: Viewed; readonly plan: Plan; readonly simulated: Simulation }
  | { readonly kind: 'refused'; readonly viewed: Viewed; readonly refusals: readonly Refusal[] }
  | { readonly kind: 'error'; readonly code: number; readonly why: string }
  | { readonly kind: 'no-groups'; readonly viewed: Viewed };

/** Parse, load, plan and simulate — shared by `plan` and `apply BDF...`. */
export async function planFor(bdfs: readonly string[], o: PlanOptions, io: CliIo): Promise<Planned> {
  const { parseBdfs } = await import('../../assign/bdf.js');
  const p = parseBdfs(bdfs), a = parseBdfs(o.allowGroupMember ?? []);
  if (!p.ok) return { kind: 'error', code: EXIT.usage, why: p.why };
  if (!a.ok) return { kind: 'error', code: EXIT.usage, why: a.why };
  const { userDriverProblem } = await import('../../assign/plan.js');
  const badDriver = userDriverProblem(o.driver ?? 'vfio-pci');
  if (badDriver !== null) return { kind: 'error', code: EXIT.usage, why: badDriver };
  const via = o.via ?? 'group';
  if (via !== 'group' && via !== 'cdev') return { kind: 'error', code: EXIT.usage, why: `--via ${via}: choose group (/dev/vfio/N) or cdev (/dev/vfio/devices/vfioN with /dev/iommu)` };
  const sel = selectionOf(o);
  if (typeof sel === 'string') return { kind: 'error', code: EXIT.usage, why: sel };
  const r = await loadView(o, io, sel, readsSysfsLater(via, o));
  if (!r.ok) return { kind: 'error', code: EXIT.usage, why: r.why };
  if (r.value.diagnosis !== null) return { kind: 'no-groups', viewed: r.value };
  const missing = missingDevices(r.value, [...p.value, ...a.value]);
  if (missing !== null) return { kind: 'error', code: EXIT.usage, why: missing };
  const { makePlan } = await import('../../assign/plan.js');
  const m = makePlan(r.value.view, p.value, { driver: o.driver ?? 'vfio-pci', allowGroupMembers: a.value, force: o.force === true, via, why: r.value.why });
  if (!m.ok) return { kind: 'refused', viewed: r.value, refusals: m.refusals };
  return simulated(r.value, m.plan);
}

/**
 * Whether a plan reads the host's /sys after the view: --via cdev asks it for the vfio cdev
 * (cdevSupportOf), --persist for the drivers' module links, --yes writes through it.
 */
export function readsSysfsLater(via: string, o: PlanOptions): boolean {
  return via === 'cdev' || (o.persist !== undefined && o.persist !== false) || o.yes === true;
}

/** Simulate a plan on the model through its `via` path; --via cdev first needs a host with the vfio cdev. */
export async function simulated(viewed: Viewed, plan: Plan): Promise<Planned> {
  let viaEvidence: string | undefined;
  if (plan.via === 'cdev') {
    const { cdevSupportOf } = await import('../../assign/cdev-support.js');
    const s = await cdevSupportOf(viewed.loaded);
    if (!s.ok) return { kind: 'refused', viewed, refusals: [{ bdf: '', code: 'no-cdev', why: `--via cdev: ${s.why}`, hint: 'use --via group: the same sysfs steps, and user space opens /dev/vfio/N' }] };
    viaEvidence = s.why;
  }
  const { simulatePlan } = await import('../../assign/simulate.js');
  const sim = await simulatePlan(viewed.loaded.host, plan);
  return { kind: 'plan', viewed, plan, simulated: viaEvidence === undefined ? sim : { ...sim, viaEvidence } };
}

export function planJson(x: Planned): Record<string, unknown> {
  if (x.kind === 'error') return {};
  if (x.kind === 'no-groups') return { schema: 'dmaown-plan/1', host: hostJson(x.viewed), diagnosis: x.viewed.diagnosis, refusals: [], steps: [], simulated: null };
  if (x.kind === 'refused') return { schema: 'dmaown-plan/1', host: hostJson(x.viewed), refusals: x.refusals, steps: [], simulated: null };
  return { schema: 'dmaown-plan/1', host: hostJson(x.viewed), ...x.plan, refusals: [], simulated: x.simulated };
}

/** `dmaown plan BDF...`: the ordered steps, simulated on this host's kernel version before they are shown. */
export async function runPlan(bdfs: readonly string[], o: PlanOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const x = await planFor(bdfs, o, io);
  if (x.kind === 'error') { io.err(`dmaown plan: ${x.why}\n`); return x.code; }
  if (x.kind === 'no-groups') return (await answerNoGroups(x.viewed, o, io, { schema: 'dmaown-plan/1', refusals: [], steps: [], simulated: null })) ?? EXIT.negative;
  const { renderPlan, renderRefusals } = await import('../render/plan.js');
  const width = (await import('../render/fit.js')).proseWidth(o.wide, io.columns, io.env);
  // --persist: the files (or kernel parameter) apply would write, shown here too; nothing is written.
  const { persistFor, persistMethod } = await import('./persist-options.js');
  const m = persistMethod(o);
  if (!m.ok) { io.err(`dmaown plan: ${m.why}\n`); return EXIT.usage; }
  const persist = x.kind === 'plan' && m.value !== null ? await persistFor(x.viewed, m.value, x.plan.driver, x.plan.devices, { ...o, yes: false }) : null;
  if (typeof persist === 'string') { io.err(`dmaown plan: ${persist}\n`); return EXIT.usage; }
  if (o.json) printJson(io, persist ? { ...planJson(x), persist: persist.plan } : planJson(x));
  else if (x.kind === 'refused') io.out(`${renderRefusals(x.refusals, c, width)}\n`);
  else {
    const { acsOverrideWarning } = await import('../render/status.js');
    const acs = acsOverrideWarning(x.viewed.view);
    if (acs !== null) io.out(`${c.yellow(`warning: ${acs}`)}\n`);
    io.out(renderPlan(x.plan, x.simulated, c, width));
    if (persist) io.out(`\n${(await import('../render/persist.js')).renderPersist(persist.plan, persist.root, c)}`);
  }
  return x.kind === 'plan' && x.simulated.ok && (persist?.plan.refusals.length ?? 0) === 0 ? EXIT.ok : EXIT.negative;
}

export function addPlanOptions(cmd: Command): Command {
  return cmd
    .option('--allow-group-member <bdf>', 'also take this member of the group from its driver (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--driver <name>', 'user-space driver to bind', 'vfio-pci')
    .option('--force', 'plan host-critical devices too (the NIC you are logged in through, a mounted disk, ...)')
    .option('--via <path>', 'how user space will open the devices, and so how the simulation proves the plan: group (/dev/vfio/N + container) or cdev (/dev/iommu + /dev/vfio/devices/vfioN, 6.6+)', 'group');
}

export function definePlan(cmd: Command, io: CliIo, done: (code: number) => void): void {
  addPlanOptions(cmd.argument('<bdf...>', 'PCI devices to hand to user space'))
    .option('--persist [method]', 'also show the boot persistence apply --persist would write: driverctl (default), modprobe or cmdline')
    .option('--persist-root <dir>', 'read existing persistence files below this root (default: / on this host, an empty root elsewhere)')
    .action(async (bdfs: string[], _o: unknown, self: Command) => { done(await runPlan(bdfs, self.optsWithGlobals<PlanOptions>(), io)); });
}
