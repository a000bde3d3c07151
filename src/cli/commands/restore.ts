import type { Command } from 'commander';
import type { Journal } from '../../assign/journal.js';
import type { AssignPort } from '../../assign/actions.js';
import type { StatePort } from '../../host/state-port.js';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { selectionOf, type HostOptions } from '../host-options.js';
import { DEFAULT_STATE_DIR } from './apply.js';

export interface RestoreOptions extends HostOptions {
  readonly stateDir?: string;
  readonly force?: boolean;
  readonly discard?: boolean;
  readonly persistRoot?: string;
}

/** The root of the journal's persistence files: --persist-root, else the one the journal recorded; null when neither says. */
function persistRootOf(j: Journal, o: RestoreOptions): string | null {
  if (o.persistRoot !== undefined) return o.persistRoot;
  for (const e of j.entries) if (e.phase === 'persist' && typeof e.root === 'string') return e.root;
  return null;
}

/** Without --yes: what restore would write, and what differs now; nothing is written, no lock taken. */
async function dryRun(path: string, j: Journal, port: AssignPort, o: RestoreOptions, io: CliIo, state: string): Promise<number> {
  const c = colorsFor(io, o.color);
  const { previewRestore } = await import('../../assign/restore.js');
  const p = { ...previewRestore(port, j), state };
  // Everything already as the journal recorded it: say so, and list no steps.
  const planned = p.remaining.length === 0 ? [] : p.planned;
  if (o.json) {
    printJson(io, { schema: 'dmaown-restore/1', journal: path, dryRun: true, ok: p.remaining.length === 0, state: p.state, steps: [], planned, remaining: p.remaining, files: p.files });
    return EXIT.ok;
  }
  io.out(`journal ${path} (${p.state})\n`);
  io.out(p.remaining.length > 0 ? `Differs from the journal's record now: ${p.remaining.join('; ')}\n` : "Every device already matches the journal's record: no step to replay.\n");
  if (planned.length > 0) io.out(`Would replay, in this order:\n${planned.map((t, i) => `  ${String(i + 1).padStart(2)}. ${t}`).join('\n')}\n`);
  for (const f of p.files) io.out(`Would restore ${f} under ${persistRootOf(j, o) ?? '/'} (its previous content, or removed if dmaown created it)\n`);
  io.out(c.dim('Dry run: nothing was written. Add --yes to restore.\n'));
  return EXIT.ok;
}

/** The journal to use: the one named, or the state directory's default (unfinished first). */
async function chooseJournal(journalArg: string | undefined, state: StatePort, io: CliIo): Promise<{ path: string; journal: Journal } | { code: number; why: string }> {
  const { readJournalFile } = await import('../../assign/journal.js');
  if (journalArg !== undefined) {
    const j = readJournalFile(state, journalArg);
    return j.ok ? { path: journalArg, journal: j.value } : { code: EXIT.usage, why: j.why };
  }
  const { listJournals, defaultJournal } = await import('../../assign/state-dir.js');
  const p = state.prepare(false);
  if (!p.ok) return { code: EXIT.usage, why: p.why };
  const files = listJournals(state);
  if (!files.ok) return { code: EXIT.usage, why: files.why };
  for (const f of files.value) if (!f.journal.ok) io.err(`dmaown restore: warning: skipping ${f.journal.why}\n`);
  const d = defaultJournal(files.value);
  if (d === null || !d.journal.ok) return { code: EXIT.usage, why: `no usable journal in ${state.dir}` };
  return { path: d.path, journal: d.journal.value };
}

/**
 * `dmaown restore [JOURNAL]`: every device of the journal (default: the unfinished journal of the
 * state directory, else the newest applied one) back on its original driver with its original
 * driver_override, persisted files undone. The journal is untrusted: it must be a file of root's
 * that asks only to undo what it did, written on this host; from an earlier boot only its
 * persistence files are restored (unless --force). A dry run unless --yes.
 */
export async function runRestore(journalArg: string | undefined, o: RestoreOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const stateDir = o.stateDir ?? DEFAULT_STATE_DIR;
  const { dirStatePort } = await import('../../host/state-port.js');
  const store = dirStatePort(stateDir);
  const chosen = await chooseJournal(journalArg, store, io);
  if ('code' in chosen) { io.err(`dmaown restore: ${chosen.why}\n`); return chosen.code; }
  const { path } = chosen;
  let j = chosen.journal;
  const { fileSink } = await import('../../assign/journal.js');
  const { takeLock } = await import('../../assign/state-dir.js');
  if (o.discard) {
    const l = takeLock(store);
    if (!l.ok) { io.err(`dmaown restore: ${l.errno}: ${l.why}\n`); return l.errno === 'EBUSY' ? EXIT.negative : EXIT.usage; }
    let w;
    try { w = fileSink(store, path).append({ phase: 'discarded', note: 'discarded by dmaown restore --discard: the devices were not touched' }); } finally { l.value(); }
    if (!w.ok) { io.err(`dmaown restore: ${w.errno}: ${w.why}: the journal was not marked discarded\n`); return EXIT.usage; }
    io.out(`journal ${path} discarded: nothing was restored; a new apply is no longer blocked by it.\n`);
    return EXIT.ok;
  }
  const sel = selectionOf(o);
  if (typeof sel === 'string' || (sel.kind !== 'live' && sel.kind !== 'sysfs-root')) {
    io.err('dmaown restore: restore writes to a host: use this host or --sysfs-root\n');
    return EXIT.usage;
  }
  const { loadHost } = await import('../../assign/source.js');
  const h = await loadHost(sel, { writable: o.yes === true });
  if (!h.ok) { io.err(`dmaown restore: ${h.errno}: ${h.why}\n`); return EXIT.usage; }
  const { checkIdsOnHost } = await import('../../assign/journal-check.js');
  const idsOk = checkIdsOnHost(j, (b) => h.value.host.pci.find((d) => d.bdf === b), path);
  if (!idsOk.ok) { io.err(`dmaown restore: ${idsOk.why}\n`); return EXIT.usage; }
  const { hostIdentity, compareIdentity } = await import('../../assign/host-identity.js');
  const v = compareIdentity(j.header.host, hostIdentity(h.value.files, h.value.host));
  if (v.kind === 'other-host') {
    if (!o.force) { io.err(`dmaown restore: refused, nothing written: ${v.why}\n  → restore it on the host that wrote it (or --force if you know better)\n`); return EXIT.negative; }
    io.err(`dmaown restore: warning: ${v.why}; going on because of --force\n`);
  } else if (v.kind === 'earlier-boot') {
    io.err(`dmaown restore: warning: ${v.why}${o.force ? '; replaying the driver steps too because of --force' : '; restoring only the persistence files (--force replays the driver steps too)'}\n`);
    if (!o.force) j = { header: { ...j.header, devices: [] }, entries: j.entries.filter((e) => e.phase === 'persist') };
  } else if (v.kind === 'unknown') io.err(`dmaown restore: warning: ${v.why}\n`);
  const persistRoot = persistRootOf(j, o) ?? (sel.kind === 'live' ? '/' : null);
  if (persistRoot === null && j.entries.some((e) => e.phase === 'persist')) {
    io.err(`dmaown restore: ${path} restores persistence files but records no persistence root; on --sysfs-root that would be this machine's /etc: name it with --persist-root\n`);
    return EXIT.usage;
  }
  if (h.value.files !== null) {
    const { scanDmaHolders } = await import('../../host/processes.js');
    const { restoreBlockers } = await import('../../assign/restore.js');
    const held = restoreBlockers(j.header.devices, scanDmaHolders(h.value.files).holders);
    if (held.length > 0) {
      io.err(`dmaown restore: refused, nothing written:\n${held.map((x) => `  ${x}`).join('\n')}\n  → stop those processes (or close the devices), then run restore again\n`);
      return EXIT.negative;
    }
  }
  const { journalState } = await import('../../assign/journal.js');
  const state = journalState(chosen.journal);
  if (o.yes !== true) return dryRun(path, j, h.value.port, o, io, state);
  const l = takeLock(store);
  if (!l.ok) { io.err(`dmaown restore: ${l.errno}: ${l.why}\n`); return l.errno === 'EBUSY' ? EXIT.negative : EXIT.usage; }
  try {
    const { restoreJournal } = await import('../../assign/restore.js');
    const { dirFilePort } = await import('../../host/file-port.js');
    const r = { ...restoreJournal(h.value.port, j, fileSink(store, path), dirFilePort(persistRoot ?? '/', { allowWrites: true })), state };
    if (o.json) printJson(io, { schema: 'dmaown-restore/1', journal: path, dryRun: false, ...r });
    else {
      io.out(`journal ${path} (${r.state})\n`);
      for (const s of r.steps) if (!s.skipped) io.out(`${s.ok ? c.green('ok  ') : c.red('FAIL')} ${s.text}${s.failure ? `: ${s.failure.errno} ${s.failure.why}` : ''}\n`);
      for (const f of r.fileSteps) io.out(`${f.ok ? c.green('ok  ') : c.red('FAIL')} ${f.what} ${f.path}${f.why ? `: ${f.why}` : ''}\n`);
      io.out(r.ok ? c.green(r.steps.every((s) => s.skipped) && r.fileSteps.every((f) => f.what === 'already') ? "Everything already matched the journal's record: nothing was written.\n" : 'Every device is back on its original driver.\n') : c.red(`Still different: ${r.remaining.join('; ')}\n`));
    }
    return r.ok ? EXIT.ok : EXIT.negative;
  } finally { l.value(); }
}

export function defineRestore(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.argument('[journal]', 'journal file (default: the unfinished journal of the state directory, else the newest applied one)')
    .option('--state-dir <dir>', 'journal and lock directory (root-owned, mode 0700)', DEFAULT_STATE_DIR)
    .option('--yes', 'really write to /sys (default: dry run — show what would be restored)')
    .option('--force', 'restore a journal written on another host, or replay the driver steps of one from an earlier boot')
    .option('--persist-root <dir>', "where the journal's persistence files live (default: the root the journal recorded)")
    .option('--discard', 'mark the journal finished without touching the host (after checking the devices yourself): it no longer blocks apply')
    .action(async (journal: string | undefined, _o: unknown, self: Command) => { done(await runRestore(journal, self.optsWithGlobals<RestoreOptions>(), io)); });
}
