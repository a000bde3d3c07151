import { closeSync, openSync, readdirSync, readlinkSync, readSync, writeSync } from 'node:fs';
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
 * Reads a whole file with open + read(s) + close into one reused buffer: no fstat (sysfs reports 4096
 * for every attribute anyway) and no per-file allocation besides the result. Reads until read(2)
 * answers 0: a short read is not the end everywhere (kernfs answers a binary attribute a page at a time).
 */
let scratch = new Uint8Array(65536);
/** The file's bytes as a view into `scratch`: valid until the next call. */
function readWhole(p: string): Uint8Array {
  const fd = openSync(p, 'r');
  try {
    let n = 0;
    for (;;) {
      const got = readSync(fd, scratch, n, scratch.length - n, null);
      if (got === 0) return scratch.subarray(0, n);
      n += got;
      if (n < scratch.length) continue;
      const bigger = new Uint8Array(scratch.length * 2);
      bigger.set(scratch);
      scratch = bigger;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A `SysfsPort` over a live directory tree with synchronous node:fs. '/sys/x' maps to `sysRoot/x`
 * ('/proc/x', '/dev/x' to their roots). fs errors become errno values here, at the edge, each kept
 * distinct (EACCES, ENOENT, ELOOP, ENOTDIR, EISDIR, EIO, ...). One syscall per call, except `read`/`readBytes`: open, read until the end, close.
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
    read: (path) => run(path, (p) => decode(readWhole(p))),
    readBytes: (path) => run(path, (p) => readWhole(p).slice()),
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
