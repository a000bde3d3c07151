import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
 * Writes are refused (EROFS) unless `allowWrites`.
 */
export function dirFilePort(root: string, opts: { readonly allowWrites?: boolean } = {}): FilePort {
  const map = (path: string): Result<string> => {
    if (!path.startsWith('/') || path.split('/').includes('..')) return err('EINVAL', `${path}: not an absolute path without '..'`);
    return ok(join(root, path));
  };
  function run<T>(path: string, f: (p: string) => T): Result<T> {
    const p = map(path);
    if (!p.ok) return p;
    try { return ok(f(p.value)); } catch (e) { return err(fsErrno(e), `${join(root, path)}: ${e instanceof Error ? e.message : String(e)}`); }
  }
  const writable = (path: string): Result<void> => (opts.allowWrites === true ? ok(undefined)
    : err('EROFS', `${join(root, path)}: this file port was opened read-only`));
  return {
    root,
    read: (path) => run(path, (p) => {
      const st = lstatSync(p);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL' });
      return new Uint8Array(readFileSync(p));
    }),
    list: (path) => run(path, (p) => readdirSync(p).sort()),
    write(path, data) {
      const w = writable(path);
      if (!w.ok) return w;
      return run(path, (p) => {
        mkdirSync(dirname(p), { recursive: true, mode: 0o755 });
        const tmp = `${p}.dmaown-tmp`;
        const fd = openSync(tmp, 'w', 0o644);
        try { writeSync(fd, data); fsyncSync(fd); } finally { closeSync(fd); }
        renameSync(tmp, p);
      });
    },
    remove(path) {
      const w = writable(path);
      if (!w.ok) return w;
      return run(path, (p) => {
        if (lstatSync(p).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
        unlinkSync(p);
      });
    },
  };
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
