import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { err, ok, type Result } from '../model/errno.js';
import { fsErrno } from './fs-errno.js';
import type { SysfsPort } from './port.js';

export interface LivePortOptions {
  /** Directory that '/sys' maps to (default '/sys'; `--sysfs-root DIR`). */
  readonly sysRoot?: string;
  /** Directory that '/proc' maps to; default '/proc' for the real /sys, none (ENOENT) for another root. */
  readonly procRoot?: string | null;
  /** Directory that '/dev' maps to; default '/dev' for the real /sys, none for another root. */
  readonly devRoot?: string | null;
  /** Writes are refused with EROFS unless this is true. */
  readonly allowWrites?: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function decode(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    let s = '';
    for (const x of b) s += String.fromCharCode(x);
    return s;
  }
}

/**
 * A `SysfsPort` over a live directory tree with synchronous node:fs. '/sys/x' maps to `sysRoot/x`
 * ('/proc/x', '/dev/x' to their roots). fs errors become errno values here, at the edge, each kept
 * distinct (EACCES, ENOENT, ELOOP, ENOTDIR, EISDIR, EIO, ...). One syscall per call.
 */
export function livePort(opts: LivePortOptions = {}): SysfsPort {
  const sysRoot = opts.sysRoot ?? '/sys';
  const real = opts.sysRoot === undefined || opts.sysRoot === '/sys';
  const procRoot = opts.procRoot === undefined ? (real ? '/proc' : null) : opts.procRoot;
  const devRoot = opts.devRoot === undefined ? (real ? '/dev' : null) : opts.devRoot;
  const map = (path: string): string | null => {
    if (path.split('/').includes('..')) return null;
    if (path === '/sys' || path.startsWith('/sys/')) return sysRoot + path.slice(4);
    if (procRoot !== null && (path === '/proc' || path.startsWith('/proc/'))) return procRoot + path.slice(5);
    if (devRoot !== null && (path === '/dev' || path.startsWith('/dev/'))) return devRoot + path.slice(4);
    return null;
  };
  const fail = (path: string, e: unknown): Result<never> =>
    err(fsErrno(e), `${path}: ${e instanceof Error ? e.message : String(e)}`);
  function run<T>(path: string, f: (p: string) => T): Result<T> {
    const p = map(path);
    if (p === null) return err('ENOENT', `${path}: outside the roots this port maps (/sys${procRoot ? ', /proc' : ''}${devRoot ? ', /dev' : ''})`);
    try {
      return ok(f(p));
    } catch (e) {
      return fail(path, e);
    }
  }
  return {
    read: (path) => run(path, (p) => decode(readFileSync(p))),
    readBytes: (path) => run(path, (p) => new Uint8Array(readFileSync(p))),
    readLink: (path) => run(path, (p) => readlinkSync(p)),
    list: (path) => run(path, (p) => readdirSync(p).sort()),
    write(path, data) {
      if (opts.allowWrites !== true) return err('EROFS', `${path}: this port was opened read-only (pass allowWrites to apply changes)`);
      return run(path, (p) => {
        const fd = openSync(p, 'w');
        try {
          writeSync(fd, data);
        } finally {
          closeSync(fd);
        }
      });
    },
  };
}
