import { err, type Result } from '../model/errno.js';
import type { StatePort } from '../host/state-port.js';
import { journalState, journalUnfinished, readJournalFile, type Journal } from './journal.js';

/**
 * The state directory's policy: which journals block a new apply, which one restore takes. The
 * directory itself, its lock and its files are reached only through a `StatePort` (src/host).
 */
export interface JournalFile {
  readonly path: string;
  readonly journal: Result<Journal>;
}

/**
 * Take the state lock (the state directory is checked, and created 0700 when missing, first).
 * Errors: the port's — EBUSY while another process holds it, EPERM for a directory or lock refused.
 */
export function takeLock(state: StatePort): Result<() => void> {
  return state.lock();
}

/** Every *.jsonl of the state directory's journals, oldest first (names start with the ISO time), each read and checked. */
export function listJournals(state: StatePort): Result<JournalFile[]> {
  const names = state.listJournals();
  if (!names.ok) return err(names.errno, names.why);
  return { ok: true, value: names.value.filter((n) => n.endsWith('.jsonl')).map((n) => {
    const path = state.journalPath(n);
    return { path, journal: readJournalFile(state, path, { noFollow: true }) };
  }) };
}

/** A journal that blocks a new apply: unfinished, or unreadable (then nobody can tell what it did). */
export function blockingJournals(files: readonly JournalFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    if (!f.journal.ok) out.push(`${f.path} cannot be used (${f.journal.why})`);
    else if (journalUnfinished(f.journal.value)) out.push(`${f.path} is unfinished (${journalState(f.journal.value)})`);
  }
  return out;
}

/** The journal restore takes by default: the newest unfinished one, else the newest applied one, else the newest. */
export function defaultJournal(files: readonly JournalFile[]): JournalFile | null {
  const good = files.filter((f) => f.journal.ok);
  const rev = [...good].reverse();
  return rev.find((f) => f.journal.ok && journalUnfinished(f.journal.value))
    ?? rev.find((f) => f.journal.ok && journalState(f.journal.value) === 'applied')
    ?? rev[0] ?? null;
}
