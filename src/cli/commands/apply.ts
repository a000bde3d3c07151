import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Plan } from '../../assign/plan.js';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { hostJson, loadView, selectionOf } from '../host-options.js';
import { addPlanOptions, planFor, simulated, type PlanOptions, type Planned } from './plan.js';
import { addPersistOptions, persistFor, persistMethod, type PersistChoice, type PersistOptions } from './persist-options.js';

export interface ApplyOptions extends PlanOptions, PersistOptions {
  readonly yes?: boolean;
  readonly stateDir?: string;
}

export const DEFAULT_STATE_DIR = '/var/lib/dmaown';

/** A plan file written by `dmaown plan --json`, checked against the host as it is now. */
async function planFromFile(file: string, o: ApplyOptions, io: CliIo): Promise<Planned> {
  let plan: Plan;
  try { plan = JSON.parse(readFileSync(file, 'utf8')) as Plan; } catch (e) {
    return { kind: 'error', code: EXIT.usage, why: `${file}: ${(e as Error).message}` };
  }
  if (plan.format !== 'dmaown-plan/1' || !Array.isArray(plan.steps) || plan.steps.length === 0) {
    return { kind: 'error', code: EXIT.usage, why: `${file}: not a dmaown-plan/1 with steps (write one with dmaown plan --json)` };
  }
  const sel = selectionOf(o);
  if (typeof sel === 'string') return { kind: 'error', code: EXIT.usage, why: sel };
  const r = await loadView(o, io, sel);
  if (!r.ok) return { kind: 'error', code: EXIT.usage, why: r.why };
  const { matchesOriginal } = await import('../../assign/apply.js');
  const changed = plan.kernel !== r.value.view.kernel ? [`kernel is ${r.value.view.kernel}, the plan was made for ${plan.kernel}`]
    : matchesOriginal(r.value.loaded.port, plan.devices);
  if (changed.length > 0) {
    return { kind: 'refused', viewed: r.value, refusals: changed.map((why) => ({ bdf: '', code: 'in-use' as const, why: `host changed since the plan: ${why}`, hint: 'make a new plan' })) };
  }
  return simulated(r.value, plan);
}

/**
 * `dmaown apply PLAN|BDF...`: a dry run unless --yes. With --yes: the simulation must succeed, the
 * state-directory lock is taken, every action and its inverse is journalled before it runs, each
 * step is verified, and any failure rolls the host back.
 */
export async function runApply(args: readonly string[], o: ApplyOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const first = args[0] ?? '';
  const x = args.length === 1 && (first.endsWith('.json') || existsSync(first)) ? await planFromFile(first, o, io) : await planFor(args, o, io);
  if (x.kind === 'error') { io.err(`dmaown apply: ${x.why}\n`); return x.code; }
  const { renderPlan, renderRefusals } = await import('../render/plan.js');
  if (x.kind === 'refused') {
    if (o.json) printJson(io, { schema: 'dmaown-apply/1', host: hostJson(x.viewed), dryRun: !o.yes, refusals: x.refusals, plan: null, simulated: null, result: null, journal: null });
    else io.out(`${renderRefusals(x.refusals, c)}\n`);
    return EXIT.negative;
  }
  const method = persistMethod(o);
  if (!method.ok) { io.err(`dmaown apply: ${method.why}\n`); return EXIT.usage; }
  let persist: PersistChoice | null = null;
  if (method.value !== null) {
    const p = await persistFor(x.viewed, method.value, x.plan.driver, x.plan.devices, o);
    if (typeof p === 'string') { io.err(`dmaown apply: ${p}\n`); return EXIT.usage; }
    persist = p;
  }
  const refusedPersist = (persist?.plan.refusals.length ?? 0) > 0;
  const base = { schema: 'dmaown-apply/1', host: hostJson(x.viewed), refusals: [], plan: x.plan, simulated: x.simulated, persist: persist?.plan ?? null };
  if (!o.yes || !x.simulated.ok || refusedPersist) {
    const good = x.simulated.ok && !refusedPersist;
    if (o.json) printJson(io, { ...base, dryRun: true, result: null, journal: null });
    else {
      io.out(renderPlan(x.plan, x.simulated, c));
      if (persist) io.out(`\n${(await import('../render/persist.js')).renderPersist(persist.plan, persist.root, c)}`);
      io.out(good ? c.dim('\nDry run: nothing was written. Add --yes to apply.\n')
        : c.red(refusedPersist ? '\nThe persistence is refused: nothing will be applied.\n' : '\nThe simulation fails: nothing will be applied.\n'));
    }
    return good ? EXIT.ok : EXIT.negative;
  }
  const kind = x.viewed.loaded.kind;
  if (kind !== 'live' && kind !== 'sysfs-root') {
    io.err(`dmaown apply: ${x.viewed.loaded.label} is a capture, not a host: nothing can be written (use it for dry runs)\n`);
    return EXIT.usage;
  }
  const { takeLock, fileSink, journalDir } = await import('../../assign/journal.js');
  const { applyPlan } = await import('../../assign/apply.js');
  const stateDir = o.stateDir ?? DEFAULT_STATE_DIR;
  let unlock: () => void;
  try {
    const l = takeLock(stateDir);
    if (!l.ok) { io.err(`dmaown apply: ${l.errno}: ${l.why}\n`); return EXIT.negative; }
    unlock = l.value;
  } catch (e) { io.err(`dmaown apply: cannot use state directory ${stateDir}: ${(e as Error).message}\n`); return EXIT.usage; }
  const created = new Date().toISOString();
  const id = `${created.replace(/[:.]/g, '-')}-${process.pid}`;
  const journal = join(journalDir(stateDir), `${id}.jsonl`);
  try {
    const res = applyPlan(x.viewed.loaded.port, x.plan, {
      sink: fileSink(journal), id, created, persist: persist ? { files: persist.files, changes: persist.plan.changes } : null,
    });
    if (o.json) printJson(io, { ...base, dryRun: false, result: res, journal });
    else {
      for (const s of res.steps) io.out(`${s.ok ? c.green('ok  ') : c.red('FAIL')} ${s.text}${s.failure ? `\n      ${s.failure.errno}: ${s.failure.why}` : ''}\n`);
      if (res.ok) io.out(c.green(`Applied. Journal: ${journal}\nUndo with: dmaown restore ${journal}\n`));
      else io.out(c.red(`Failed; rolled back${res.restored ? ': every device is back on its original driver' : ' INCOMPLETELY — run dmaown restore'}. Journal: ${journal}\n`));
      for (const f of res.files) io.out(`${f.ok ? c.green('ok  ') : c.red('FAIL')} ${f.what} ${f.path}${f.why ? `: ${f.why}` : ''}\n`);
      for (const k of persist?.plan.kernelParams ?? []) io.out(`Add this kernel parameter yourself (dmaown never edits boot loader files): ${k}\n`);
    }
    if (res.ok && persist?.plan.initramfs) {
      const cmd = persist.plan.initramfs.argv;
      if (o.updateInitramfs !== true || x.viewed.loaded.kind !== 'live' || persist.root !== '/') io.out(`Not run: ${cmd.join(' ')}${o.updateInitramfs === true ? ' (not this host\'s root)' : ' (add --update-initramfs to run it)'}\n`);
      else {
        const { runCommand } = await import('../../host/command.js');
        const r = runCommand(cmd);
        io.out(r.ok ? `ran ${cmd.join(' ')}\n` : c.red(`${cmd.join(' ')} failed: ${r.why}\n`));
        if (!r.ok) return EXIT.negative;
      }
    }
    return res.ok ? EXIT.ok : EXIT.negative;
  } finally { unlock(); }
}

export function defineApply(cmd: Command, io: CliIo, done: (code: number) => void): void {
  addPersistOptions(addPlanOptions(cmd.argument('<plan-or-bdf...>', 'a plan file from `dmaown plan --json`, or PCI devices')))
    .option('--yes', 'really write to /sys (default: dry run)')
    .option('--state-dir <dir>', 'journal and lock directory', DEFAULT_STATE_DIR)
    .action(async (args: string[], _o: unknown, self: Command) => { done(await runApply(args, self.optsWithGlobals<ApplyOptions>(), io)); });
}
