import type { Command } from 'commander';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { answerNoGroups, hostJson, loadView, selectionOf } from '../host-options.js';
import { addPlanOptions, planFor, readsSysfsLater, simulated, type PlanOptions, type Planned } from './plan.js';
import { addPersistOptions, persistFor, persistMethod, type PersistChoice, type PersistOptions } from './persist-options.js';

export interface ApplyOptions extends PlanOptions, PersistOptions {
  readonly yes?: boolean;
  readonly stateDir?: string;
}

export const DEFAULT_STATE_DIR = '/var/lib/dmaown';

/**
 * A plan file written by `dmaown plan --json`: untrusted. Parsed against its schema for what it asks
 * (devices, driver, VFIO path), planned again on the host as it is now — every refusal and guard of
 * `plan` — and accepted only when the fresh steps are the file's steps; the fresh plan is simulated.
 */
async function planFromFile(file: string, o: ApplyOptions, io: CliIo): Promise<Planned> {
  const { readInputText, INPUT_LIMITS } = await import('../../host/input-file.js');
  const { parseJsonInput } = await import('../../host/json-depth.js');
  const { parsePlanFile, planDifferences } = await import('../../assign/plan-file.js');
  const text = readInputText(file, { what: 'plan file', maxBytes: INPUT_LIMITS.plan });
  if (!text.ok) return { kind: 'error', code: EXIT.usage, why: text.errno === 'ENOENT' ? `${text.why}, and ${JSON.stringify(file)} is not a PCI address either` : text.why };
  const doc = parseJsonInput(text.value, file);
  if (!doc.ok) return { kind: 'error', code: EXIT.usage, why: doc.why };
  const req = parsePlanFile(doc.value, file);
  if (!req.ok) return { kind: 'error', code: EXIT.usage, why: req.why };
  const sel = selectionOf(o);
  if (typeof sel === 'string') return { kind: 'error', code: EXIT.usage, why: sel };
  const r = await loadView(o, io, sel, readsSysfsLater(req.value.via, o));
  if (!r.ok) return { kind: 'error', code: EXIT.usage, why: r.why };
  const { missingDevices } = await import('../host-options.js');
  const missing = missingDevices(r.value, req.value.devices.map((d) => d.bdf));
  if (missing !== null) return { kind: 'error', code: EXIT.usage, why: `${file}: ${missing}` };
  const changed = (why: string): Planned => ({ kind: 'refused', viewed: r.value, refusals: [{ bdf: '', code: 'in-use', why: `host changed since the plan, or the plan file was edited: ${why}`, hint: 'make a new plan' }] });
  if (req.value.kernel !== r.value.view.kernel) return changed(`kernel is ${r.value.view.kernel}, the plan was made for ${req.value.kernel}`);
  const { makePlan } = await import('../../assign/plan.js');
  const m = makePlan(r.value.view, req.value.devices.filter((d) => d.requested).map((d) => d.bdf), {
    driver: req.value.driver, via: req.value.via, force: o.force === true, why: r.value.why,
    allowGroupMembers: req.value.devices.filter((d) => !d.requested).map((d) => d.bdf),
  });
  if (!m.ok) return { kind: 'refused', viewed: r.value, refusals: m.refusals };
  const diff = planDifferences(req.value, m.plan);
  if (diff.length > 0) return changed(diff.join('; '));
  return simulated(r.value, m.plan);
}

/**
 * Test hook for the kill and concurrency tests, which run `dmaown apply` as real processes:
 * DMAOWN_TEST_SIGNAL_AT="N:SIGKILL" (or SIGSTOP) makes this process send itself that signal right
 * after journal line N is on disk — a kill (or a pause, holding the lock) at an exact point.
 */
function signalAt(sink: import('../../assign/journal.js').JournalSink, spec: string | undefined): import('../../assign/journal.js').JournalSink {
  const m = spec === undefined ? null : /^(\d{1,4}):(SIGKILL|SIGSTOP)$/.exec(spec);
  if (!m) return sink;
  let n = 0;
  return { append(line) { const r = sink.append(line); if (++n === Number(m[1])) process.kill(process.pid, m[2] as NodeJS.Signals); return r; } };
}

/** One argument that is not a PCI address is a plan file; `apply 02:00.0` never reads a file of that name. */
async function isPlanFile(args: readonly string[]): Promise<boolean> {
  if (args.length !== 1) return false;
  const { parseBdf } = await import('../../assign/bdf.js');
  return !parseBdf(args[0] ?? '').ok;
}

/**
 * `dmaown apply PLAN|BDF...`: a dry run unless --yes. With --yes: the state-directory lock is taken
 * first (an unfinished journal refuses the apply), then the plan is made or re-checked and simulated
 * under the lock, every action and its inverse is journalled before it runs, each step is verified,
 * and any failure rolls the host back.
 */
export async function runApply(args: readonly string[], o: ApplyOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const sel = selectionOf(o);
  if (typeof sel === 'string') { io.err(`dmaown apply: ${sel}\n`); return EXIT.usage; }
  if (o.yes && (sel.kind === 'capture' || sel.kind === 'sample')) {
    io.err(`dmaown apply: ${sel.kind === 'capture' ? sel.file : `sample ${sel.name}`} is a capture, not a host: nothing can be written (use it for dry runs)\n`);
    return EXIT.usage;
  }
  if (o.yes && o.persist !== undefined && o.persist !== false && sel.kind !== 'live' && o.persistRoot === undefined) {
    io.err(`dmaown apply: --persist on --sysfs-root ${sel.kind === 'sysfs-root' ? sel.root : ''} needs --persist-root DIR: without it the files would go to this machine's /etc\n`);
    return EXIT.usage;
  }
  let unlock: (() => void) | null = null;
  const stateDir = o.stateDir ?? DEFAULT_STATE_DIR;
  if (o.yes) {
    const { takeLock, listJournals, blockingJournals } = await import('../../assign/state-dir.js');
    const { dirStatePort } = await import('../../host/state-port.js');
    const state = dirStatePort(stateDir);
    const l = takeLock(state);
    if (!l.ok) { io.err(`dmaown apply: ${l.errno}: ${l.why}\n`); return l.errno === 'EBUSY' ? EXIT.negative : EXIT.usage; }
    unlock = l.value;
    const files = listJournals(state);
    const blocking = files.ok ? blockingJournals(files.value) : [files.why];
    if (blocking.length > 0) {
      unlock();
      io.err(`dmaown apply: refused, nothing written: the state directory has a journal that is not finished:\n${blocking.map((b) => `  ${b}`).join('\n')}\n  → put the host back with \`dmaown restore JOURNAL --yes\`, or, once you have checked the devices yourself, \`dmaown restore JOURNAL --discard\`\n`);
      return EXIT.negative;
    }
  }
  try {
    return await applyUnderLock(args, o, io, c, stateDir);
  } finally { unlock?.(); }
}

async function applyUnderLock(args: readonly string[], o: ApplyOptions, io: CliIo, c: ReturnType<typeof colorsFor>, stateDir: string): Promise<number> {
  const x = (await isPlanFile(args)) ? await planFromFile(args[0] ?? '', o, io) : await planFor(args, o, io);
  if (x.kind === 'error') { io.err(`dmaown apply: ${x.why}\n`); return x.code; }
  if (x.kind === 'no-groups') return (await answerNoGroups(x.viewed, o, io, { schema: 'dmaown-apply/1', dryRun: !o.yes, refusals: [], plan: null, simulated: null, result: null, journal: null })) ?? EXIT.negative;
  const { renderPlan, renderRefusals } = await import('../render/plan.js');
  const width = (await import('../render/fit.js')).proseWidth(o.wide, io.columns, io.env);
  if (x.kind === 'refused') {
    if (o.json) printJson(io, { schema: 'dmaown-apply/1', host: hostJson(x.viewed), dryRun: !o.yes, refusals: x.refusals, plan: null, simulated: null, result: null, journal: null });
    else io.out(`${renderRefusals(x.refusals, c, width)}\n`);
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
      io.out(renderPlan(x.plan, x.simulated, c, width));
      if (persist) io.out(`\n${(await import('../render/persist.js')).renderPersist(persist.plan, persist.root, c)}`);
      io.out(good ? c.dim('\nDry run: nothing was written. Add --yes to apply.\n')
        : c.red(refusedPersist ? '\nThe persistence is refused: nothing will be applied.\n' : '\nThe simulation fails: nothing will be applied.\n'));
    }
    return good ? EXIT.ok : EXIT.negative;
  }
  const loaded = x.viewed.loaded;
  const { fileSink } = await import('../../assign/journal.js');
  const { dirStatePort } = await import('../../host/state-port.js');
  const state = dirStatePort(stateDir);
  const { applyPlan } = await import('../../assign/apply.js');
  const { hostIdentity } = await import('../../assign/host-identity.js');
  const created = new Date().toISOString();
  const id = `${created.replace(/[:.]/g, '-')}-${process.pid}`;
  const journal = state.journalPath(`${id}.jsonl`);
  const res = applyPlan(loaded.port, x.plan, {
    sink: signalAt(fileSink(state, journal, { create: true }), io.env['DMAOWN_TEST_SIGNAL_AT']), id, created, host: hostIdentity(loaded.files, loaded.host),
    persist: persist ? { files: persist.files, changes: persist.plan.changes } : null,
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
    if (o.updateInitramfs !== true || loaded.kind !== 'live' || persist.root !== '/') io.out(`Not run: ${cmd.join(' ')}${o.updateInitramfs === true ? ' (not this host\'s root)' : ' (add --update-initramfs to run it)'}\n`);
    else {
      const { runCommand } = await import('../../host/command.js');
      const r = runCommand(cmd);
      io.out(r.ok ? `ran ${cmd.join(' ')}\n` : c.red(`${cmd.join(' ')} failed: ${r.why}\n`));
      if (!r.ok) return EXIT.negative;
    }
  }
  return res.ok ? EXIT.ok : EXIT.negative;
}

export function defineApply(cmd: Command, io: CliIo, done: (code: number) => void): void {
  addPersistOptions(addPlanOptions(cmd.argument('<plan-or-bdf...>', 'a plan file from `dmaown plan --json` (re-checked against the host now), or PCI devices')))
    .option('--yes', 'really write to /sys (default: dry run)')
    .option('--state-dir <dir>', 'journal and lock directory (root-owned, mode 0700)', DEFAULT_STATE_DIR)
    .action(async (args: string[], _o: unknown, self: Command) => { done(await runApply(args, self.optsWithGlobals<ApplyOptions>(), io)); });
}
