import type { Command } from 'commander';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { hostJson, loadView, missingDevices, selectionOf, type HostOptions } from '../host-options.js';
import { DEFAULT_STATE_DIR } from './apply.js';
import { persistFiles } from './persist-options.js';

export interface ReleaseOptions extends HostOptions {
  readonly stateDir?: string;
  readonly persistRoot?: string;
}

/**
 * `dmaown release BDF...`: give devices back to the kernel whoever bound them, and remove the
 * persistence that would bind them again at boot. Planned, simulated on the model of this kernel,
 * then — with --yes — journaled, verified and rolled back on failure exactly like `apply`;
 * `dmaown restore JOURNAL` undoes it.
 */
export async function runRelease(bdfs: readonly string[], o: ReleaseOptions, io: CliIo): Promise<number> {
  if (o.yes !== true) return releaseUnderLock(bdfs, o, io, DEFAULT_STATE_DIR);
  // As apply: the lock first, an unfinished journal refuses, then plan and simulate under the lock.
  const stateDir = o.stateDir ?? DEFAULT_STATE_DIR;
  const { takeLock, listJournals, blockingJournals } = await import('../../assign/state-dir.js');
  const sel = selectionOf(o);
  if (typeof sel !== 'string' && (sel.kind === 'capture' || sel.kind === 'sample')) {
    io.err(`dmaown release: ${sel.kind === 'capture' ? sel.file : `sample ${sel.name}`} is a capture, not a host: nothing can be written (use it for dry runs)\n`);
    return EXIT.usage;
  }
  const { dirStatePort } = await import('../../host/state-port.js');
  const state = dirStatePort(stateDir);
  const l = takeLock(state);
  if (!l.ok) { io.err(`dmaown release: ${l.errno}: ${l.why}\n`); return l.errno === 'EBUSY' ? EXIT.negative : EXIT.usage; }
  try {
    const listed = listJournals(state);
    const blocking = listed.ok ? blockingJournals(listed.value) : [listed.why];
    if (blocking.length > 0) {
      io.err(`dmaown release: refused, nothing written: the state directory has a journal that is not finished:\n${blocking.map((b) => `  ${b}`).join('\n')}\n  → dmaown restore JOURNAL --yes (or --discard once you have checked the devices)\n`);
      return EXIT.negative;
    }
    return await releaseUnderLock(bdfs, o, io, stateDir);
  } finally { l.value(); }
}

async function releaseUnderLock(bdfs: readonly string[], o: ReleaseOptions, io: CliIo, stateDir: string): Promise<number> {
  const c = colorsFor(io, o.color);
  const fail = (why: string, code: number = EXIT.usage): number => { io.err(`dmaown release: ${why}\n`); return code; };
  const { parseBdfs } = await import('../../assign/bdf.js');
  const p = parseBdfs(bdfs);
  if (!p.ok) return fail(p.why);
  const sel = selectionOf(o);
  if (typeof sel === 'string') return fail(sel);
  // --yes writes through the port (a capture is refused above).
  const v = await loadView(o, io, sel, o.yes === true);
  if (!v.ok) return fail(v.why);
  const missing = missingDevices(v.value, p.value);
  if (missing !== null) return fail(missing);
  const f = await persistFiles(v.value, o);
  if (typeof f === 'string') return fail(f);
  const { makeRelease, simulateReleaseOn } = await import('../../assign/release.js');
  const r = makeRelease(v.value.view, v.value.loaded.host, p.value, f.files);
  if (!r.ok) return fail(`${r.errno}: ${r.why}`);
  const { renderRefusals } = await import('../render/plan.js');
  const base = { schema: 'dmaown-release/1', host: hostJson(v.value) };
  if (!r.value.ok) {
    if (o.json) printJson(io, { ...base, dryRun: !o.yes, refusals: r.value.refusals, plan: null, files: [], notes: [], simulated: null, result: null, journal: null });
    else io.out(`${renderRefusals(r.value.refusals, c, (await import('../render/fit.js')).proseWidth(o.wide, io.columns, io.env))}\n`);
    return EXIT.negative;
  }
  const rel = r.value.release;
  const { modelKernel } = await import('../../assign/simulate.js');
  const k = await modelKernel(v.value.loaded.host);
  const sim = typeof k === 'string' ? { ok: false, kernel: v.value.view.kernel, steps: [], drivers: [], note: `the model could not build this host (${k}); the release is not proven` } : simulateReleaseOn(k, rel);
  const out = { ...base, refusals: [], plan: rel.plan, files: rel.files, notes: rel.notes, simulated: sim };
  if (!o.yes || !sim.ok) {
    if (o.json) printJson(io, { ...out, dryRun: true, result: null, journal: null });
    else {
      io.out(await renderRelease(rel, sim, f.root, c));
      io.out(sim.ok ? c.dim('\nDry run: nothing was written. Add --yes to release.\n') : c.red('\nThe simulation fails: nothing will be released.\n'));
    }
    return sim.ok ? EXIT.ok : EXIT.negative;
  }
  if (v.value.loaded.kind !== 'live' && v.value.loaded.kind !== 'sysfs-root') return fail(`${v.value.loaded.label} is a capture, not a host: nothing can be written (use it for dry runs)`);
  const { fileSink } = await import('../../assign/journal.js');
  const { dirStatePort } = await import('../../host/state-port.js');
  const state = dirStatePort(stateDir);
  const { applyPlan } = await import('../../assign/apply.js');
  const { hostIdentity } = await import('../../assign/host-identity.js');
  const created = new Date().toISOString();
  const id = `${created.replace(/[:.]/g, '-')}-${process.pid}-release`;
  const journal = state.journalPath(`${id}.jsonl`);
  {
    const res = applyPlan(v.value.loaded.port, rel.plan, {
      sink: fileSink(state, journal, { create: true }), id, created, host: hostIdentity(v.value.loaded.files, v.value.loaded.host),
      persist: { files: f.files, changes: rel.files },
    });
    if (o.json) printJson(io, { ...out, dryRun: false, result: res, journal });
    else {
      for (const s of res.steps) if (!s.skipped) io.out(`${s.ok ? c.green('ok  ') : c.red('FAIL')} ${s.text}${s.failure ? `\n      ${s.failure.errno}: ${s.failure.why}` : ''}\n`);
      for (const x of res.files) io.out(`${x.ok ? c.green('ok  ') : c.red('FAIL')} ${x.what} ${x.path}${x.why ? `: ${x.why}` : ''}\n`);
      io.out(res.ok ? c.green(`Released. Journal: ${journal}\nUndo with: dmaown restore ${journal}\n`)
        : c.red(`Failed; rolled back${res.restored ? ': every device is back on its user-space driver' : ' INCOMPLETELY — run dmaown restore'}. Journal: ${journal}\n`));
      for (const n of rel.notes) io.out(c.dim(`note: ${n}\n`));
    }
    return res.ok ? EXIT.ok : EXIT.negative;
  }
}

async function renderRelease(rel: import('../../assign/release.js').Release, sim: { ok: boolean; kernel: string; drivers: readonly { bdf: string; driver: string | null }[]; steps: readonly { ok: boolean; text: string; failure?: { errno: string; why: string } }[]; note?: string }, root: string, c: import('../io.js').Colors): Promise<string> {
  const { renderChanges } = await import('../render/persist.js');
  const lines = [c.bold(`Release: ${rel.plan.devices.map((d) => d.bdf).join(', ') || '(no device on a user-space driver)'}`)];
  for (const w of rel.plan.warnings) lines.push(c.yellow(`warning: ${w}`));
  rel.plan.steps.forEach((s, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${s.text}`));
  if (rel.files.length > 0) lines.push(c.bold('Boot persistence that binds them:'), ...renderChanges(rel.files, root));
  if (rel.plan.steps.length > 0) {
    lines.push('', c.bold(`Simulated on kernel ${sim.kernel} (dmaown model):`));
    if (sim.note) lines.push(c.yellow(`  ${sim.note}`));
    for (const s of sim.steps) if (!s.ok) lines.push(c.red(`  fails: ${s.text}: ${s.failure?.errno}: ${s.failure?.why}`));
    for (const d of sim.drivers) lines.push(`  ${d.bdf} → ${d.driver ?? 'no driver (none of the loaded drivers matches it)'}`);
  }
  for (const n of rel.notes) lines.push(c.dim(`note: ${n}`));
  return `${lines.join('\n')}\n`;
}

export function defineRelease(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.argument('<bdf...>', 'PCI devices to give back to their kernel drivers')
    .option('--yes', 'really write to /sys and remove the persistence files (default: dry run)')
    .option('--state-dir <dir>', 'journal and lock directory', DEFAULT_STATE_DIR)
    .option('--persist-root <dir>', 'the root the persistence files live under (default: / on this host; required with --yes on any other host)')
    .action(async (bdfs: string[], _o: unknown, self: Command) => { done(await runRelease(bdfs, self.optsWithGlobals<ReleaseOptions>(), io)); });
}
