import { err, ok, type Result } from '../model/errno.js';
import type { StatePort } from '../host/state-port.js';
import { parseJsonInput } from '../host/json-depth.js';
import type { Action } from './actions.js';
import type { HostIdentity } from './host-identity.js';
import { checkAuthority, parseEntry, parseHeader } from './journal-check.js';
import type { PlanDevice } from './plan.js';

/**
 * The apply journal (`dmaown-journal/1`): JSON lines, appended and fsync'd. Line 1 is the header
 * (what the devices were bound to before, and which host and boot it was written on); then, for
 * every step, a `begin` line with the action and its inverse written BEFORE the action runs, and a
 * `done`/`failed` line after it. `restore` needs nothing else: a kill at any point leaves a journal
 * from which the host can be put back. A journal read back is untrusted input (journal-check.ts).
 */
export interface JournalHeader {
  readonly format: 'dmaown-journal/1';
  readonly id: string;
  readonly created: string;
  readonly kernel: string;
  readonly driver: string;
  readonly devices: readonly PlanDevice[];
  /** The host and boot the journal was written on (absent in journals of earlier versions). */
  readonly host?: HostIdentity;
}

export type JournalEntry =
  | { readonly seq: number; readonly phase: 'begin'; readonly action: Action; readonly inverse: readonly Action[] }
  /** `skipped`: the step found nothing to do (remove_id of an id that was not there): its inverse must not run. */
  | { readonly seq: number; readonly phase: 'done'; readonly skipped?: true }
  | { readonly seq: number; readonly phase: 'failed'; readonly errno: string; readonly why: string }
  /**
   * A persistence file about to be written (`content`) or removed (`content: null`): `previous` is its
   * exact content before (base64 when `encoding` says so — older journals hold text), null when absent.
   */
  | { readonly phase: 'persist'; readonly file: string; readonly previous: string | null; readonly encoding?: 'base64'; readonly content?: string | null; readonly root?: string }
  | { readonly phase: 'complete' | 'rolled-back' | 'restored' | 'restore-incomplete' | 'discarded'; readonly note?: string };

export interface Journal {
  readonly header: JournalHeader;
  readonly entries: readonly JournalEntry[];
}

/**
 * Where journal lines go: a journal file of the state port, or memory (simulations, tests). `append`
 * answers only once the line is durable; an error (the disk full, the file gone) is a value the caller
 * must act on — apply never performs a step whose `begin` line could not be written.
 */
export interface JournalSink {
  append(line: JournalHeader | JournalEntry): Result<void>;
}

export function memorySink(): JournalSink & { lines: (JournalHeader | JournalEntry)[] } {
  const lines: (JournalHeader | JournalEntry)[] = [];
  return { lines, append: (l) => { lines.push(JSON.parse(JSON.stringify(l)) as JournalHeader | JournalEntry); return ok(undefined); } };
}

/**
 * A journal file of the state port, each line written and fsync'd before the step it announces runs.
 * `create`: the first line creates the file exclusively (never an existing file, never through a link).
 */
export function fileSink(state: StatePort, path: string, opts: { readonly create?: boolean } = {}): JournalSink {
  let first = opts.create === true;
  return {
    append(line) {
      const r = state.appendJournal(path, JSON.stringify(line), { create: first });
      if (r.ok) first = false;
      return r;
    },
  };
}

/**
 * Parse journal text against the schema and check what it may undo (journal-check.ts); a torn last
 * line (killed mid-write) is ignored. `where` names the file. Errors: EINVAL for a malformed line,
 * EPERM for an entry asking for more than the journal did.
 */
export function parseJournal(text: string, where = 'journal'): Result<Journal> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length > 100_000) return err('EINVAL', `${where}: ${lines.length} lines, more than a journal has`);
  const values: unknown[] = [];
  for (const [i, l] of lines.entries()) {
    const v = parseJsonInput(l, `${where}: line ${i + 1}`, 16);
    if (!v.ok) {
      if (i === lines.length - 1 && i > 0) break;
      return v;
    }
    values.push(v.value);
  }
  const header = parseHeader(values[0], where);
  if (!header.ok) return header;
  const entries: JournalEntry[] = [];
  for (let i = 1; i < values.length; i++) {
    const e = parseEntry(values[i], `${where}: line ${i + 1}`);
    if (!e.ok) return e;
    entries.push(e.value);
  }
  const j = { header: header.value, entries };
  const a = checkAuthority(j, where);
  return a.ok ? ok(j) : a;
}

/** A journal is finished when it ends with complete (then restore undoes it on request) or rolled-back/restored. */
export function journalState(j: Journal): 'applied' | 'rolled-back' | 'restored' | 'interrupted' | 'discarded' {
  for (let i = j.entries.length - 1; i >= 0; i--) {
    const e = j.entries[i]!;
    if (e.phase === 'complete') return 'applied';
    if (e.phase === 'rolled-back') return 'rolled-back';
    if (e.phase === 'restored') return 'restored';
    if (e.phase === 'discarded') return 'discarded';
  }
  return 'interrupted';
}

/**
 * Unfinished: the host may be between states — an apply killed mid-way, a rollback or a restore that
 * did not finish. A new apply is refused until it is restored or discarded.
 */
export function journalUnfinished(j: Journal): boolean {
  for (let i = j.entries.length - 1; i >= 0; i--) {
    const e = j.entries[i]!;
    if (e.phase === 'restore-incomplete') return true;
    if (e.phase === 'rolled-back') return e.note === 'rollback incomplete';
    if (e.phase === 'complete' || e.phase === 'restored' || e.phase === 'discarded') return false;
  }
  return true;
}

/** The undo list: inverses of every step that began (done or not), last step first. */
export function undoList(j: Journal): Action[] {
  const out: Action[] = [];
  const skipped = new Set(j.entries.flatMap((e) => (e.phase === 'done' && e.skipped === true ? [e.seq] : [])));
  for (const e of [...j.entries].reverse()) if (e.phase === 'begin' && !skipped.has(e.seq)) out.push(...e.inverse);
  return out;
}

/**
 * Read (through the state port) and check a journal file: a regular file of at most 16 MiB, owned by
 * this user and writable by no one else, no symbolic link when it is one of the state directory's own.
 */
export function readJournalFile(state: StatePort, path: string, opts: { readonly noFollow?: boolean } = {}): Result<Journal> {
  const t = state.readJournal(path, opts);
  return t.ok ? parseJournal(t.value, path) : t;
}
