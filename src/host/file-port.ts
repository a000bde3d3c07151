import { closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readdirSync, readSync, realpathSync, renameSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { err, ok, type Result } from '../model/errno.js';
import { fsErrno } from './fs-errno.js';

/**
 * The port through which the host tool reads and writes ordinary files of a host's root — boot
 * persistence (/etc/driverctl.d, /etc/modprobe.d), /etc/os-release, the presence of a boot service.
 * Paths are absolute ('/etc/...'); an adapter maps them below its root. Every call answers with an
 * errno value, never an exception: a missing file (ENOENT) and an unreadable one (EACCES, EISDIR, EIO)
 * are different answers, and callers must never take the second for the first.
 */
export interface FilePort {
  /** The file's bytes. ENOENT when absent; any other errno when it exists but cannot be read. */
  read(path: string): Result<Uint8Array>;
  /** Names in a directory, sorted. ENOENT when the directory is absent. */
  list(path: string): Result<string[]>;
  /** Replace the file's content (creating it and its directory, mode 0644). */
  write(path: string, data: Uint8Array): Result<void>;
  /** Remove a regular file. ENOENT when it is already absent. */
  remove(path: string): Result<void>;
  /** What the port writes into, for messages ('/' for the live host). */
  readonly root: string;
}

const MAX_FILE = 1 << 20;

/** The file's text, or ENOENT/EACCES/…; EFBIG-like files over 1 MiB are EINVAL (persistence files are lines). */
export function readText(port: FilePort, path: string): Result<string> {
  const r = port.read(path);
  if (!r.ok) return r;
  if (r.value.length > MAX_FILE) return err('EINVAL', `${path}: ${r.value.length} bytes, more than a configuration file holds`);
  return ok(Buffer.from(r.value).toString('utf8'));
}

/**
 * A FilePort over a directory (`root`: '/' for the live host, a temporary directory in tests, an image
 * being built). '..' components are refused (EINVAL). Writes go to a temporary file in the same
 * directory, fsync'd, then renamed over the target, so a crash leaves the old or the new content.
 * Writes are refused (EROFS) unless `allowWrites`. Confined to the root: every path read, listed,
 * written or removed must resolve inside it (EPERM otherwise — a link in the tree pointing out is
 * never followed out), a file written or removed is never a symbolic link itself, the temporary file
 * is created exclusively (O_EXCL|O_NOFOLLOW), only regular files of at most 1 MiB are read, and a
 * FIFO is never opened for a blocking read.
 */
export function dirFilePort(root: string, opts: { readonly allowWrites?: boolean } = {}): FilePort {
  const map = (path: string): Result<string> => {
    // eslint-disable-next-line no-control-regex
    if (!path.startsWith('/') || path.split('/').includes('..') || /[\u0000-\u001f]/.test(path)) return err('EINVAL', `${JSON.stringify(path)}: not an absolute path without '..'`);
    return ok(join(root, path));
  };
  function run<T>(path: string, f: (p: string) => T): Result<T> {
    const p = map(path);
    if (!p.ok) return p;
    try { return ok(f(p.value)); } catch (e) { return err(fsErrno(e), `${join(root, path)}: ${e instanceof Error ? e.message : String(e)}`); }
  }
  const writable = (path: string): Result<void> => (opts.allowWrites === true ? ok(undefined)
    : err('EROFS', `${join(root, path)}: this file port was opened read-only`));
  // Confinement: whatever links the tree holds, what is read or written resolves inside the root.
  const realRoot = (): string => realpathSync(root);
  const within = (real: string): void => {
    const r = realRoot();
    if (real !== r && !real.startsWith(r === '/' ? '/' : `${r}/`)) throw fail('EPERM', `resolves to ${real}, outside the root ${r}: refused`);
  };
  /** The directory that will hold `p`, created as needed one level at a time, each level checked to resolve inside the root. */
  const parentDir = (p: string, create: boolean): string => {
    const d = dirname(p);
    let real: string;
    try { real = realpathSync(d); } catch (e) {
      if (fsErrno(e) !== 'ENOENT' || !create || d === dirname(d)) throw e;
      const up = parentDir(d, true);
      mkdirSync(join(up, basename(d)), { mode: 0o755 });
      real = realpathSync(join(up, basename(d)));
    }
    within(real);
    return real;
  };
  /** The target of a write or removal: in a checked directory, and itself no symbolic link and no directory. */
  const target = (p: string, create: boolean): string => {
    const t = join(parentDir(p, create), basename(p));
    let st;
    try { st = lstatSync(t); } catch (e) { if (fsErrno(e) === 'ENOENT') return t; throw e; }
    if (st.isSymbolicLink()) throw fail('EPERM', 'is a symbolic link: never written or removed through one');
    if (st.isDirectory()) throw fail('EISDIR', 'is a directory');
    if (!st.isFile()) throw fail('EINVAL', 'not a regular file');
    return t;
  };
  return {
    root,
    read: (path) => run(path, (p) => {
      within(realpathSync(p));
      const fd = openSync(p, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        const st = fstatSync(fd);
        if (st.isDirectory()) throw fail('EISDIR', 'is a directory');
        if (!st.isFile()) throw fail('EINVAL', 'not a regular file');
        if (st.size > MAX_FILE) throw fail('EINVAL', `${st.size} bytes, more than a configuration file holds`);
        const b = new Uint8Array(st.size + 1);
        let n = 0;
        for (let got = 1; got > 0 && n < b.length; n += got) got = readSync(fd, b, n, b.length - n, null);
        if (n > MAX_FILE) throw fail('EINVAL', 'grew past what a configuration file holds');
        return b.slice(0, n);
      } finally { closeSync(fd); }
    }),
    list: (path) => run(path, (p) => { within(realpathSync(p)); return readdirSync(p).sort(); }),
    write(path, data) {
      const w = writable(path);
      if (!w.ok) return w;
      return run(path, (p) => {
        const t = target(p, true);
        const tmp = `${t}.dmaown-tmp`;
        try { if (lstatSync(tmp).isFile()) unlinkSync(tmp); } catch { /* none left by a crash */ }
        const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
        try { writeSync(fd, data); fsyncSync(fd); } finally { closeSync(fd); }
        renameSync(tmp, t);
      });
    },
    remove(path) {
      const w = writable(path);
      if (!w.ok) return w;
      return run(path, (p) => {
        const t = target(p, false);
        unlinkSync(t);
      });
    },
  };
}

function fail(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * A FilePort over an in-memory map (tests, dry runs on captures): `unreadable` paths answer EACCES to
 * read and remove, as a file whose permissions forbid it would.
 */
export function memoryFilePort(files: Record<string, string> = {}, opts: { readonly unreadable?: readonly string[]; readonly root?: string } = {}): FilePort & { readonly files: Map<string, Uint8Array> } {
  const m = new Map<string, Uint8Array>(Object.entries(files).map(([k, v]) => [k, new TextEncoder().encode(v)]));
  const bad = new Set(opts.unreadable ?? []);
  return {
    root: opts.root ?? '(memory)',
    files: m,
    read: (p) => (bad.has(p) ? err('EACCES', `${p}: Permission denied`) : m.has(p) ? ok(m.get(p)!) : err('ENOENT', `${p}: no such file`)),
    list(p) {
      const prefix = p.endsWith('/') ? p : `${p}/`;
      const names = [...new Set([...m.keys(), ...bad].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length).split('/')[0]!))];
      return names.length > 0 ? ok(names.sort()) : err('ENOENT', `${p}: no such directory`);
    },
    write: (p, d) => { if (bad.has(p)) return err('EACCES', `${p}: Permission denied`); m.set(p, d.slice()); return ok(undefined); },
    remove: (p) => (bad.has(p) ? err('EACCES', `${p}: Permission denied`) : m.delete(p) ? ok(undefined) : err('ENOENT', `${p}: no such file`)),
  };
}
