import { spawnSync } from 'node:child_process';
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '../model/errno.js';
import { fsErrno } from '../host/fs-errno.js';
import { shown } from '../host/shown.js';
import { journalDir, journalState, journalUnfinished, readJournalFile, type Journal } from './journal.js';

/**
 * The state directory (/var/lib/dmaown): journals and the lock. It must be a real directory (not a
 * link) owned by the user running dmaown (root) with mode 0700 — anyone else able to write there
 * could plant a journal that `restore` would act on. Created that way when missing.
 */
export function prepareStateDir(stateDir: string, opts: { readonly create: boolean }): Result<void> {
  for (const dir of [stateDir, journalDir(stateDir)]) {
    let st;
    try { st = lstatSync(dir); } catch (e) {
      if (fsErrno(e) !== 'ENOENT') return err(fsErrno(e), `state directory ${shown(dir)} cannot be examined (${fsErrno(e)})`);
      if (!opts.create) return err('ENOENT', `no journal in ${stateDir}: the state directory ${shown(dir)} does not exist (no apply has run with it)`);
      try { mkdirSync(dir, { recursive: true, mode: 0o700 }); st = lstatSync(dir); } catch (e2) {
        return err(fsErrno(e2), `cannot create state directory ${shown(dir)} (${fsErrno(e2)})`);
      }
    }
    const problem = dirProblem(st);
    if (problem !== null) return err('EPERM', `state directory ${shown(dir)} ${problem}: refused (anyone who can write there can make restore act on a planted journal)`);
  }
  return ok(undefined);
}

function dirProblem(st: import('node:fs').Stats): string | null {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a directory';
  const me = process.geteuid?.() ?? st.uid;
  if (st.uid !== me) return `is owned by uid ${st.uid}, not by uid ${me} (chown ${me})`;
  if ((st.mode & 0o077) !== 0) return `has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, not 0700 (chmod 700)`;
  return null;
}

/** The exit status flock(1) is asked to answer when another process holds the lock. */
const BUSY = 75;

/**
 * The state-directory lock: an flock(2) lock on `DIR/lock`, held on an open file description of this
 * process and released by the kernel when the process ends, however it ends — no stale lock, no
 * takeover race. Node has no flock(), so flock(1) of util-linux takes it on a duplicate of our
 * descriptor (fd 3 of the child) and exits: the lock belongs to the open file description, which
 * our descriptor keeps. The lock file is opened with O_NOFOLLOW and O_NONBLOCK and must be a regular
 * file of ours (a link, a FIFO or a planted file is refused, never followed, never waited on).
 * Answers the release function. Errors: EBUSY while another process holds it (naming its pid).
 */
export function takeLock(stateDir: string): Result<() => void> {
  const prepared = prepareStateDir(stateDir, { create: true });
  if (!prepared.ok) return prepared;
  const path = join(stateDir, 'lock');
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  } catch (e) {
    const code = fsErrno(e);
    return err(code, `lock ${shown(path)} ${code === 'ELOOP' ? 'is a symbolic link' : `cannot be opened (${code})`}: refused`);
  }
  const fail = (r: Result<never>): Result<never> => { closeSync(fd); return r; };
  const st = fstatSync(fd);
  if (!st.isFile()) return fail(err('EPERM', `lock ${shown(path)} is not a regular file: refused`));
  if (st.uid !== (process.geteuid?.() ?? st.uid) || (st.mode & 0o022) !== 0) return fail(err('EPERM', `lock ${shown(path)} is not a file of this user writable only by it: refused`));
  const r = spawnSync('flock', ['--nonblock', '--conflict-exit-code', String(BUSY), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd], timeout: 10_000 });
  if (r.error) return fail(err('ENOENT', `flock(1) from util-linux is needed to take the lock (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); install util-linux`));
  if (r.status === BUSY) return fail(err('EBUSY', `${path} is held by another dmaown (${holderOf(fd)}): wait for it to finish`));
  if (r.status !== 0) return fail(err('EIO', `flock(1) could not lock ${path} (exit ${r.status}: ${r.stderr.toString().trim().slice(0, 200)})`));
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, `pid ${process.pid}\n`, 0);
  } catch { /* informational only */ }
  let held = true;
  return ok(() => { if (held) { held = false; closeSync(fd); } });
}

function holderOf(fd: number): string {
  try {
    const b = Buffer.alloc(64);
    const n = readSync(fd, b, 0, 64, 0);
    const m = /^pid (\d{1,10})\n/.exec(b.toString('latin1', 0, n));
    return m ? `pid ${m[1]}` : 'pid unknown';
  } catch { return 'pid unknown'; }
}

export interface JournalFile {
  readonly path: string;
  readonly journal: Result<Journal>;
}

/** Every *.jsonl of the state directory's journals, oldest first (names start with the ISO time), each read and checked. */
export function listJournals(stateDir: string): Result<JournalFile[]> {
  let names: string[];
  try { names = readdirSync(journalDir(stateDir)); } catch (e) {
    return fsErrno(e) === 'ENOENT' ? ok([]) : err(fsErrno(e), `${journalDir(stateDir)} cannot be listed (${fsErrno(e)})`);
  }
  return ok(names.filter((n) => n.endsWith('.jsonl')).sort().map((n) => {
    const path = join(journalDir(stateDir), n);
    return { path, journal: readJournalFile(path, { noFollow: true }) };
  }));
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
