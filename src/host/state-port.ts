import { spawnSync } from 'node:child_process';
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Errno, type Result } from '../model/errno.js';
import { fsErrno } from './fs-errno.js';
import { INPUT_LIMITS, readInputText } from './input-file.js';
import { shown } from './shown.js';

/**
 * The port through which dmaown keeps its own state: the state directory (/var/lib/dmaown), its lock
 * and its journals (append-only JSON lines). Every call answers with an errno value, never an
 * exception: a missing journal (ENOENT), an unreadable one (EACCES, EISDIR, EIO) and one that may not
 * be trusted (EPERM) are different answers. Adapters: a directory (`dirStatePort`, the live host and
 * tests' temporary directories) and memory (`memoryStatePort`, with injected faults).
 */
export interface StatePort {
  /** The state directory, for messages. */
  readonly dir: string;
  /**
   * Check the state directory and its `journals/`: real directories (no link) owned by this user with
   * mode 0700 — anyone else able to write there could plant a journal restore would act on. With
   * `create`, missing ones are made that way. Errors: ENOENT (missing, not created), EPERM (refused).
   */
  prepare(create: boolean): Result<void>;
  /** Take the state lock; answers its release. Errors: EBUSY while another process holds it (naming its pid). */
  lock(): Result<() => void>;
  /** The file names in `journals/`, sorted; an empty list when the directory does not exist. */
  listJournals(): Result<string[]>;
  /** Where journal `name` of this state directory lives. */
  journalPath(name: string): string;
  /**
   * A journal's text: a regular file of at most 16 MiB owned by this user and writable by no one else;
   * `noFollow`: the last component may not be a symbolic link (the state directory's own journals).
   */
  readJournal(path: string, opts?: { readonly noFollow?: boolean }): Result<string>;
  /**
   * Append `line` (one JSON line, without its newline) and make it durable (fsync) before answering.
   * `create`: the file must not exist yet (O_EXCL), never through a link; otherwise it must exist.
   */
  appendJournal(path: string, line: string, opts?: { readonly create?: boolean }): Result<void>;
}

/** The exit status flock(1) is asked to answer when another process holds the lock. */
const BUSY = 75;

/**
 * A StatePort over a directory. The lock is an flock(2) lock on `DIR/lock`, held on an open file
 * description of this process and released by the kernel when the process ends, however it ends — no
 * stale lock, no takeover race. Node has no flock(), so flock(1) of util-linux takes it on a duplicate
 * of our descriptor (fd 3 of the child) and exits: the lock belongs to the open file description,
 * which our descriptor keeps. The lock file is opened O_NOFOLLOW|O_NONBLOCK and must be a regular file
 * of ours (a link, a FIFO or a planted file is refused, never followed, never waited on). Journals are
 * created O_EXCL|O_NOFOLLOW and appended O_APPEND|O_NOFOLLOW, each line fsync'd.
 */
export function dirStatePort(dir: string): StatePort {
  const journals = join(dir, 'journals');
  const me = (fallback: number): number => process.geteuid?.() ?? fallback;
  const dirProblem = (st: import('node:fs').Stats): string | null => {
    if (st.isSymbolicLink()) return 'is a symbolic link';
    if (!st.isDirectory()) return 'is not a directory';
    if (st.uid !== me(st.uid)) return `is owned by uid ${st.uid}, not by uid ${me(st.uid)} (chown ${me(st.uid)})`;
    if ((st.mode & 0o077) !== 0) return `has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, not 0700 (chmod 700)`;
    return null;
  };
  return {
    dir,
    prepare(create) {
      for (const d of [dir, journals]) {
        let st;
        try { st = lstatSync(d); } catch (e) {
          if (fsErrno(e) !== 'ENOENT') return err(fsErrno(e), `state directory ${shown(d)} cannot be examined (${fsErrno(e)})`);
          if (!create) return err('ENOENT', `no journal in ${dir}: the state directory ${shown(d)} does not exist (no apply has run with it)`);
          try { mkdirSync(d, { recursive: true, mode: 0o700 }); st = lstatSync(d); } catch (e2) {
            return err(fsErrno(e2), `cannot create state directory ${shown(d)} (${fsErrno(e2)})`);
          }
        }
        const problem = dirProblem(st);
        if (problem !== null) return err('EPERM', `state directory ${shown(d)} ${problem}: refused (anyone who can write there can make restore act on a planted journal)`);
      }
      return ok(undefined);
    },
    lock() {
      const prepared = this.prepare(true);
      if (!prepared.ok) return prepared;
      const path = join(dir, 'lock');
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
      if (st.uid !== me(st.uid) || (st.mode & 0o022) !== 0) return fail(err('EPERM', `lock ${shown(path)} is not a file of this user writable only by it: refused`));
      const r = spawnSync('flock', ['--nonblock', '--conflict-exit-code', String(BUSY), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd], timeout: 10_000 });
      if (r.error) return fail(err('ENOENT', `flock(1) from util-linux is needed to take the lock (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); install util-linux`));
      if (r.status === BUSY) return fail(err('EBUSY', `${path} is held by another dmaown (${holderOf(fd)}): wait for it to finish`));
      if (r.status !== 0) return fail(err('EIO', `flock(1) could not lock ${path} (exit ${r.status}: ${r.stderr.toString().trim().slice(0, 200)})`));
      try {
        ftruncateSync(fd, 0);
        writeSync(fd, `pid ${process.pid}\n`, 0);
      } catch { /* the pid is informational only */ }
      let held = true;
      return ok(() => { if (held) { held = false; closeSync(fd); } });
    },
    listJournals() {
      try { return ok(readdirSync(journals).sort()); } catch (e) {
        return fsErrno(e) === 'ENOENT' ? ok([]) : err(fsErrno(e), `${journals} cannot be listed (${fsErrno(e)})`);
      }
    },
    journalPath: (name) => join(journals, name),
    readJournal: (path, opts = {}) => readInputText(path, { what: 'journal', maxBytes: INPUT_LIMITS.journal, noFollow: opts.noFollow === true, trusted: true }),
    appendJournal(path, line, opts = {}) {
      const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW | (opts.create === true ? constants.O_CREAT | constants.O_EXCL : 0);
      let fd: number;
      try { fd = openSync(path, flags, 0o600); } catch (e) {
        const code = fsErrno(e);
        return err(code, `journal ${shown(path)} ${code === 'EEXIST' ? 'already exists' : code === 'ELOOP' ? 'is a symbolic link' : `cannot be opened for writing (${code})`}`);
      }
      try { writeSync(fd, `${line}\n`); fsyncSync(fd); return ok(undefined); } catch (e) {
        return err(fsErrno(e), `journal ${shown(path)} cannot be written (${fsErrno(e)}: ${e instanceof Error ? e.message : String(e)})`);
      } finally { closeSync(fd); }
    },
  };
}

function holderOf(fd: number): string {
  try {
    const b = Buffer.alloc(64);
    const n = readSync(fd, b, 0, 64, 0);
    const m = /^pid (\d{1,10})\n/.exec(b.toString('latin1', 0, n));
    return m ? `pid ${m[1]}` : 'pid unknown';
  } catch { return 'pid unknown'; }
}

/** Faults a memory state port answers: `lock` busy, and an errno per journal path for reads or appends. */
export interface StateFaults {
  readonly lockBusy?: boolean;
  readonly read?: Readonly<Record<string, Errno>>;
  /** Append fails on this path from its Nth line on (0: the first). */
  readonly append?: Readonly<Record<string, { readonly errno: Errno; readonly fromLine: number }>>;
}

/** A StatePort in memory (tests, simulations): `files` maps journal paths to their text. */
export function memoryStatePort(faults: StateFaults = {}, dir = '(memory)'): StatePort & { readonly files: Map<string, string> } {
  const files = new Map<string, string>();
  let locked = false;
  const prefix = `${dir}/journals/`;
  return {
    dir, files,
    prepare: () => ok(undefined),
    lock() {
      if (locked || faults.lockBusy === true) return err('EBUSY', `${dir}/lock is held by another dmaown (pid unknown): wait for it to finish`);
      locked = true;
      return ok(() => { locked = false; });
    },
    listJournals: () => ok([...files.keys()].filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)).sort()),
    journalPath: (name) => `${prefix}${name}`,
    readJournal(path) {
      const f = faults.read?.[path];
      if (f !== undefined) return err(f, `journal ${path} cannot be read (${f})`);
      const t = files.get(path);
      return t === undefined ? err('ENOENT', `journal ${path} does not exist`) : ok(t);
    },
    appendJournal(path, line, opts = {}) {
      const cur = files.get(path);
      if (opts.create === true && cur !== undefined) return err('EEXIST', `journal ${path} already exists`);
      if (opts.create !== true && cur === undefined) return err('ENOENT', `journal ${path} does not exist`);
      const f = faults.append?.[path];
      const n = cur === undefined || cur === '' ? 0 : cur.split('\n').length - 1;
      if (f !== undefined && n >= f.fromLine) return err(f.errno, `journal ${path} cannot be written (${f.errno})`);
      files.set(path, `${cur ?? ''}${line}\n`);
      return ok(undefined);
    },
  };
}
