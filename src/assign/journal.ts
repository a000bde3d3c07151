import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '../model/errno.js';
import type { Action } from './actions.js';
import type { PlanDevice } from './plan.js';

/**
 * The apply journal (`dmaown-journal/1`): JSON lines, appended and fsync'd. Line 1 is the header
 * (what the devices were bound to before); then, for every step, a `begin` line with the action and
 * its inverse written BEFORE the action runs, and a `done`/`failed` line after it. `restore` needs
 * nothing else: a kill at any point leaves a journal from which the host can be put back.
 */
export interface JournalHeader {
  readonly format: 'dmaown-journal/1';
  readonly id: string;
  readonly created: string;
  readonly kernel: string;
  readonly driver: string;
  readonly devices: readonly PlanDevice[];
}

export type JournalEntry =
  | { readonly seq: number; readonly phase: 'begin'; readonly action: Action; readonly inverse: readonly Action[] }
  | { readonly seq: number; readonly phase: 'done' }
  | { readonly seq: number; readonly phase: 'failed'; readonly errno: string; readonly why: string }
  /**
   * A persistence file about to be written (`content`) or removed (`content: null`): `previous` is its
   * exact content before (base64 when `encoding` says so — older journals hold text), null when absent.
   */
  | { readonly phase: 'persist'; readonly file: string; readonly previous: string | null; readonly encoding?: 'base64'; readonly content?: string | null; readonly root?: string }
  | { readonly phase: 'complete' | 'rolled-back' | 'restored' | 'restore-incomplete'; readonly note?: string };

export interface Journal {
  readonly header: JournalHeader;
  readonly entries: readonly JournalEntry[];
}

/** Where journal lines go. The file store is the real one; tests may keep lines in memory. */
export interface JournalSink {
  append(line: JournalHeader | JournalEntry): void;
}

export function memorySink(): JournalSink & { lines: (JournalHeader | JournalEntry)[] } {
  const lines: (JournalHeader | JournalEntry)[] = [];
  return { lines, append: (l) => { lines.push(JSON.parse(JSON.stringify(l)) as JournalHeader | JournalEntry); } };
}

/** A journal file, each line written and fsync'd before the step it announces runs. */
export function fileSink(path: string): JournalSink {
  return {
    append(line) {
      const fd = openSync(path, 'a', 0o600);
      try { writeSync(fd, `${JSON.stringify(line)}\n`); fsyncSync(fd); } finally { closeSync(fd); }
    },
  };
}

/** Parse journal text; a torn last line (killed mid-write) is ignored. Errors: EINVAL when not a journal. */
export function parseJournal(text: string): Result<Journal> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const parsed: unknown[] = [];
  for (const [i, l] of lines.entries()) {
    try { parsed.push(JSON.parse(l)); } catch {
      if (i === lines.length - 1) break;
      return err('EINVAL', `journal line ${i + 1} is not JSON`);
    }
  }
  const header = parsed[0] as JournalHeader | undefined;
  if (!header || header.format !== 'dmaown-journal/1') return err('EINVAL', 'not a dmaown-journal/1 file');
  return ok({ header, entries: parsed.slice(1) as JournalEntry[] });
}

/** A journal is finished when it ends with complete (then restore undoes it on request) or rolled-back/restored. */
export function journalState(j: Journal): 'applied' | 'rolled-back' | 'restored' | 'interrupted' {
  for (let i = j.entries.length - 1; i >= 0; i--) {
    const e = j.entries[i]!;
    if (e.phase === 'complete') return 'applied';
    if (e.phase === 'rolled-back') return 'rolled-back';
    if (e.phase === 'restored') return 'restored';
  }
  return 'interrupted';
}

/** The undo list: inverses of every step that began (done or not), last step first. */
export function undoList(j: Journal): Action[] {
  const out: Action[] = [];
  for (const e of [...j.entries].reverse()) if (e.phase === 'begin') out.push(...e.inverse);
  return out;
}

export function journalDir(stateDir: string): string {
  return join(stateDir, 'journals');
}

/** Newest journal file of the state directory, or ENOENT. */
export function latestJournal(stateDir: string): Result<string> {
  try {
    const names = readdirSync(journalDir(stateDir)).filter((n) => n.endsWith('.jsonl')).sort();
    const last = names[names.length - 1];
    return last ? ok(join(journalDir(stateDir), last)) : err('ENOENT', `no journal in ${journalDir(stateDir)}`);
  } catch (e) {
    return err('ENOENT', `no journal in ${journalDir(stateDir)} (${(e as Error).message})`);
  }
}

export function readJournalFile(path: string): Result<Journal> {
  try { return parseJournal(readFileSync(path, 'utf8')); } catch (e) {
    return err((e as { code?: string }).code === 'EACCES' ? 'EACCES' : 'ENOENT', `${path}: ${(e as Error).message}`);
  }
}

/**
 * The state-directory lock: `lock` created with O_EXCL holding our pid. A lock whose pid is gone
 * (the holder was killed) is taken over. Errors: EBUSY when another live dmaown holds it.
 */
export function takeLock(stateDir: string, pid = process.pid): Result<() => void> {
  mkdirSync(journalDir(stateDir), { recursive: true, mode: 0o700 });
  const path = join(stateDir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return ok(() => { try { unlinkSync(path); } catch { /* already gone */ } });
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') return err('EACCES', `cannot create ${path}: ${(e as Error).message}`);
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (holder && holder !== pid && alive(holder)) return err('EBUSY', `${path} is held by pid ${holder}`);
      unlinkSync(path);
    }
  }
  return err('EBUSY', `${path}: could not take the lock`);
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as { code?: string }).code === 'EPERM'; }
}
