import type { Command } from 'commander';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { selectionOf, type HostOptions } from '../host-options.js';
import { DEFAULT_STATE_DIR } from './apply.js';

export interface RestoreOptions extends HostOptions {
  readonly stateDir?: string;
  readonly persistRoot?: string;
}

/** The root of the journal's persistence files: --persist-root, else the one the journal recorded ('/' for older journals). */
function persistRootOf(j: import('../../assign/journal.js').Journal, o: RestoreOptions): string {
  if (o.persistRoot !== undefined) return o.persistRoot;
  for (const e of j.entries) if (e.phase === 'persist' && typeof e.root === 'string') return e.root;
  return '/';
}

/** Without --yes: what restore would write, and what differs now; nothing is written, no lock taken. */
async function dryRun(path: string, j: import('../../assign/journal.js').Journal, port: import('../../assign/actions.js').AssignPort, o: RestoreOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const { previewRestore } = await import('../../assign/restore.js');
  const p = previewRestore(port, j);
  if (o.json) {
    printJson(io, { schema: 'dmaown-restore/1', journal: path, dryRun: true, ok: p.remaining.length === 0, state: p.state, steps: [], planned: p.planned, remaining: p.remaining, files: p.files });
    return EXIT.ok;
  }
  io.out(`journal ${path} (${p.state})\n`);
  io.out(p.remaining.length > 0 ? `Differs from the journal's record now: ${p.remaining.join('; ')}\n` : "Every device already matches the journal's record.\n");
  if (p.planned.length > 0) io.out(`Would replay, in this order:\n${p.planned.map((t, i) => `  ${String(i + 1).padStart(2)}. ${t}`).join('\n')}\n`);
  for (const f of p.files) io.out(`Would restore ${f} under ${persistRootOf(j, o)} (its previous content, or removed if dmaown created it)\n`);
  io.out(c.dim('Dry run: nothing was written. Add --yes to restore.\n'));
  return EXIT.ok;
}

/**
 * `dmaown restore [JOURNAL]`: every device of the journal (default: the newest in the state
 * directory) back on its original driver with its original driver_override, persisted files undone.
 * Works after a completed apply and after one that was killed mid-way. A dry run unless --yes:
 * without it, what would be replayed and what differs now, and nothing is written.
 */
export async function runRestore(journalArg: string | undefined, o: RestoreOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const stateDir = o.stateDir ?? DEFAULT_STATE_DIR;
  const { latestJournal, readJournalFile, fileSink, takeLock } = await import('../../assign/journal.js');
  const path = journalArg ?? (() => { const l = latestJournal(stateDir); return l.ok ? l.value : null; })();
  if (path === null) { io.err(`dmaown restore: no journal in ${stateDir}\n`); return EXIT.usage; }
  const j = readJournalFile(path);
  if (!j.ok) { io.err(`dmaown restore: ${j.why}\n`); return EXIT.usage; }
  const sel = selectionOf(o);
  if (typeof sel === 'string' || (sel.kind !== 'live' && sel.kind !== 'sysfs-root')) {
    io.err('dmaown restore: restore writes to a host: use this host or --sysfs-root\n');
    return EXIT.usage;
  }
  const { loadHost } = await import('../../assign/source.js');
  const h = await loadHost(sel, { writable: o.yes === true });
  if (!h.ok) { io.err(`dmaown restore: ${h.errno}: ${h.why}\n`); return EXIT.usage; }
  if (h.value.root !== null) {
    const { scanDmaHolders, liveReader } = await import('../../host/processes.js');
    const { restoreBlockers } = await import('../../assign/restore.js');
    const held = restoreBlockers(j.value.header.devices, scanDmaHolders(liveReader(h.value.root)).holders);
    if (held.length > 0) {
      io.err(`dmaown restore: refused, nothing written:\n${held.map((x) => `  ${x}`).join('\n')}\n  → stop those processes (or close the devices), then run restore again\n`);
      return EXIT.negative;
    }
  }
  if (o.yes !== true) return dryRun(path, j.value, h.value.port, o, io);
  const l = takeLock(stateDir);
  if (!l.ok) { io.err(`dmaown restore: ${l.errno}: ${l.why}\n`); return EXIT.negative; }
  try {
    const { restoreJournal } = await import('../../assign/restore.js');
    const { dirFilePort } = await import('../../host/file-port.js');
    const r = restoreJournal(h.value.port, j.value, fileSink(path), dirFilePort(persistRootOf(j.value, o), { allowWrites: true }));
    if (o.json) printJson(io, { schema: 'dmaown-restore/1', journal: path, dryRun: false, ...r });
    else {
      io.out(`journal ${path} (${r.state})\n`);
      for (const s of r.steps) if (!s.skipped) io.out(`${s.ok ? c.green('ok  ') : c.red('FAIL')} ${s.text}${s.failure ? `: ${s.failure.errno} ${s.failure.why}` : ''}\n`);
      for (const f of r.fileSteps) io.out(`${f.ok ? c.green('ok  ') : c.red('FAIL')} ${f.what} ${f.path}${f.why ? `: ${f.why}` : ''}\n`);
      io.out(r.ok ? c.green('Every device is back on its original driver.\n') : c.red(`Still different: ${r.remaining.join('; ')}\n`));
    }
    return r.ok ? EXIT.ok : EXIT.negative;
  } finally { l.value(); }
}

export function defineRestore(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.argument('[journal]', 'journal file (default: the newest in the state directory)')
    .option('--state-dir <dir>', 'journal and lock directory', DEFAULT_STATE_DIR)
    .option('--yes', 'really write to /sys (default: dry run — show what would be restored)')
    .option('--persist-root <dir>', "where the journal's persistence files live (default: the root the journal recorded)")
    .action(async (journal: string | undefined, _o: unknown, self: Command) => { done(await runRestore(journal, self.optsWithGlobals<RestoreOptions>(), io)); });
}
