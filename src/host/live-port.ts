import { spawnSync } from 'node:child_process';
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, writeSync } from 'node:fs';
import { dirname, basename } from 'node:path';
import { err, ok, type Result } from '../model/errno.js';
import { fsErrno } from './fs-errno.js';
import { pciConfigKeptLength } from '../model/pci/config.js';
import type { SysfsPort } from './port.js';

export interface LivePortOptions {
  /** Directory that '/sys' maps to (default '/sys'; `--sysfs-root DIR`). */
  readonly sysRoot?: string;
  /** Directory that '/proc' maps to; default '/proc' for the real /sys, none (ENOENT) for another root. */
  readonly procRoot?: string | null;
  /** Directory that '/dev' maps to; default '/dev' for the real /sys, none for another root. */
  readonly devRoot?: string | null;
  /** Directory that '/lib/modules' maps to; default '/lib/modules' for the real /sys, none for another root. */
  readonly modulesRoot?: string | null;
  /** Directories '/boot' and '/etc' map to (read-only, for hostRootPort()); none by default. */
  readonly bootRoot?: string | null;
  readonly etcRoot?: string | null;
  /** Writes are refused with EROFS unless this is true. */
  readonly allowWrites?: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** A '..' path component. */
const DOTDOT_RE = /(^|\/)\.\.(\/|$)/;
function decode(b: Uint8Array): string {
  // Attributes are short ASCII: one latin1 slice, no decoder (the same string for bytes below 0x80).
  let ascii = true;
  for (let i = 0; i < b.length; i++) if ((b[i] as number) >= 0x80) { ascii = false; break; }
  if (ascii) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
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
/**
 * The most a sysfs attribute read may return: config space is 4096 bytes, text attributes a page; a
 * tree's 1 GiB "config" is refused (EOVERFLOW) instead of read — and `scratch` never grows past it.
 */
export const MAX_ATTRIBUTE = 1 << 20;
/** The smallest page size: kernfs serves an attribute at most a page per read(2). */
const PAGE = 4096;

const NOT_LISTED = (_p: string): boolean => false;

function fsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The file's bytes as a view into `scratch`: valid until the next call. Opened with O_NONBLOCK (a FIFO
 * is never waited on) and checked with fstat on the descriptor: only a regular file is read (a FIFO or
 * device is EINVAL), and at most MAX_ATTRIBUTE bytes. When the fstat happens: `regular(p)` (the directory
 * listing just said so, d_type; asked only when a check is due) — never; a /sys attribute
 * read without a listing (`sysfs`) — only if it answered nothing, filled the buffer or reached `max`
 * (a directory fails the read itself with EISDIR); anything else (/proc, /etc) — before reading. The
 * same answers with one syscall fewer per attribute, bounded the same way: the one difference is a FIFO
 * another process keeps writing into, whose bytes are read (at most MAX_ATTRIBUTE) and parsed like
 * any attribute's text.
 */
function readWhole(p: string, sysfs = false, regular: (p: string) => boolean = NOT_LISTED, max = MAX_ATTRIBUTE): Uint8Array {
  const fd = openSync(p, constants.O_RDONLY | constants.O_NONBLOCK);
  let checked = false;
  const check = (): void => {
    if (checked) return;
    checked = true;
    // Asked only now, when the answer matters (most reads never need it).
    if (regular(p)) return;
    const st = fstatSync(fd);
    if (st.isDirectory()) throw fsError('EISDIR', 'is a directory');
    if (!st.isFile()) throw fsError('EINVAL', 'not a regular file (a sysfs attribute is one)');
    if (st.size > MAX_ATTRIBUTE) throw fsError('EOVERFLOW', `${st.size} bytes, more than a sysfs attribute holds (${MAX_ATTRIBUTE})`);
  };
  try {
    if (!sysfs) check();
    let n = 0;
    for (;;) {
      const want = Math.min(scratch.length, max) - n;
      const got = readSync(fd, scratch, n, want, null);
      if (got === 0) {
        if (n === 0) check();
        return scratch.subarray(0, n);
      }
      n += got;
      // All the caller takes (config space: PCI_CFG_SPACE_EXP_SIZE): no read(2) to find the end.
      if (n >= max) {
        check();
        return scratch.subarray(0, n);
      }
      // sysfs answers at most a page per read(2), all it has when less: a shorter read is the end
      // (and a tree's regular file reads short only at its end) — one read(2) instead of two.
      if (sysfs && got < Math.min(want, PAGE)) return scratch.subarray(0, n);
      if (n < scratch.length) continue;
      check();
      if (scratch.length >= MAX_ATTRIBUTE) throw fsError('EOVERFLOW', `more than ${MAX_ATTRIBUTE} bytes, more than a sysfs attribute holds`);
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
 * distinct (EACCES, ENOENT, ELOOP, ENOTDIR, EISDIR, EIO, ...). One syscall per call, except `read`/`readBytes`: open, read until the end (or `max` bytes), close.
 */
export function livePort(opts: LivePortOptions = {}): SysfsPort {
  const sysRoot = opts.sysRoot ?? '/sys';
  const real = opts.sysRoot === undefined || opts.sysRoot === '/sys';
  const procRoot = opts.procRoot === undefined ? (real ? '/proc' : null) : opts.procRoot;
  const devRoot = opts.devRoot === undefined ? (real ? '/dev' : null) : opts.devRoot;
  const modulesRoot = opts.modulesRoot === undefined ? (real ? '/lib/modules' : null) : opts.modulesRoot;
  const roots: readonly (readonly [string, string | null])[] = [
    ['/sys', sysRoot], ['/proc', procRoot], ['/dev', devRoot], ['/lib/modules', modulesRoot],
    ['/boot', opts.bootRoot ?? null], ['/etc', opts.etcRoot ?? null],
  ];
  const map = (path: string): string | null => {
    if (path.includes('..') && DOTDOT_RE.test(path)) return null;
    // Nearly every path a reader asks for is under /sys: no template string per call.
    if (path.startsWith('/sys/')) return sysRoot + path.slice(4);
    for (const [prefix, dir] of roots) if (dir !== null && (path === prefix || path.startsWith(`${prefix}/`))) return dir + path.slice(prefix.length);
    return null;
  };
  const isSys = (path: string): boolean => path.startsWith('/sys/');
  const maxOf = (max: number | undefined): number => (max === undefined ? MAX_ATTRIBUTE : Math.max(1, Math.min(max, MAX_ATTRIBUTE)));
  // The regular files of the directory listed last (readers list a device or group, then read its attributes).
  let lastDir = '';
  let lastRegular: string[] = [];
  const listedRegular = (p: string): boolean =>
    p.startsWith(lastDir) && lastDir !== '' && p.indexOf('/', lastDir.length) < 0 && lastRegular.includes(p.slice(lastDir.length));
  const fail = (path: string, e: unknown): Result<never> =>
    err(fsErrno(e), `${path}: ${e instanceof Error ? e.message : String(e)}`);
  function run<T>(path: string, f: (p: string) => T): Result<T> {
    const p = map(path);
    if (p === null) return err('ENOENT', `${path}: outside the roots this port maps (${roots.filter(([, d]) => d !== null).map(([x]) => x).join(', ')})`);
    try {
      return ok(f(p));
    } catch (e) {
      return fail(path, e);
    }
  }
  const modprobe = (args: readonly string[]): Result<void> => {
    const name = args[args.length - 1] ?? '';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) return err('EINVAL', `modprobe ${JSON.stringify(name.slice(0, 80))}: not a module name`);
    // An argument vector, never a shell string; bounded in time and output.
    const r = spawnSync('modprobe', args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 16, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) return err(fsErrno(r.error), `modprobe ${args.join(' ')}: ${r.error.message}`);
    if (r.status !== 0) return err('EIO', `modprobe ${args.join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().slice(0, 300)}`);
    return ok(undefined);
  };
  const modules = real && opts.allowWrites === true
    ? { loadModule: (name: string) => modprobe([name]), unloadModule: (name: string) => modprobe(['-r', name]) } : {};
  return {
    ...modules,
    read: (path) => run(path, (p) => decode(readWhole(p, isSys(path), listedRegular))),
    readBytes: (path, max) => run(path, (p) => readWhole(p, isSys(path), listedRegular, maxOf(max)).slice()),
    readBytesCompact: (path, max) => run(path, (p) => {
      const b = readWhole(p, isSys(path), listedRegular, maxOf(max));
      return { bytes: b.slice(0, pciConfigKeptLength(b)), size: b.length };
    }),
    readLink: (path) => run(path, (p) => readlinkSync(p)),
    // One lstat(2), no exception when absent (a thrown ENOENT costs twice the syscall).
    exists: (path) => {
      const p = map(path);
      try {
        return p !== null && lstatSync(p, { throwIfNoEntry: false }) !== undefined;
      } catch {
        return true;
      }
    },
    list: (path) => run(path, (p) => {
      const entries = readdirSync(p, { withFileTypes: true });
      lastDir = `${p}/`;
      lastRegular = [];
      const names: string[] = new Array<string>(entries.length);
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i] as (typeof entries)[number];
        names[i] = e.name;
        if (e.isFile()) lastRegular.push(e.name);
      }
      return names.sort();
    }),
    write(path, data) {
      if (opts.allowWrites !== true) return err('EROFS', `${path}: this port was opened read-only (pass allowWrites to apply changes)`);
      // The host tool writes sysfs attributes only; /proc, /dev, /etc are read through this port, never written.
      if (!path.startsWith('/sys/')) return err('EPERM', `${path}: only /sys attributes are written through this port`);
      return run(path, (p) => {
        const fd = real ? openSync(p, constants.O_WRONLY | constants.O_TRUNC) : openConfined(p, sysRoot);
        try {
          writeSync(fd, data);
        } finally {
          closeSync(fd);
        }
      });
    },
  };
}

/**
 * Open a file of a tree (--sysfs-root) for a write that cannot leave the tree: the links on the way are
 * resolved (a tree has sysfs's bus/pci/devices links) and the directory reached must still be inside
 * the tree's /sys; the file itself is opened with O_NOFOLLOW (a link there is ELOOP), never created
 * (sysfs has no file creation: ENOENT), never waited on (O_NONBLOCK), and must be a regular file.
 */
function openConfined(p: string, sysRoot: string): number {
  const root = realpathSync(sysRoot);
  const dir = realpathSync(dirname(p));
  if (dir !== root && !dir.startsWith(`${root}/`)) throw fsError('EPERM', `resolves to ${dir}, outside the tree ${root}: refused`);
  const fd = openSync(`${dir}/${basename(p)}`, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  if (!fstatSync(fd).isFile()) { closeSync(fd); throw fsError('EINVAL', 'not a regular file: refused'); }
  return fd;
}

/** What the host layer reads of a whole host root: /proc, /sys, /dev, /boot, /etc (processes, critical devices, cdev support, host identity). */
export type HostReader = Pick<SysfsPort, 'read' | 'readLink' | 'list'>;

/**
 * The read side of a host below `root` ('/' for this machine, a tree's directory): '/sys', '/proc',
 * '/dev', '/lib/modules', '/boot' and '/etc' map below it, read with the same bounded, errno-valued
 * calls as `livePort` (a FIFO or a directory where a file should be is an error, never a wait).
 * Read-only: its `write` answers EROFS.
 */
export function hostRootPort(root: string): SysfsPort {
  const at = (d: string): string => (root === '/' ? `/${d}` : `${root.replace(/\/+$/, '')}/${d}`);
  return livePort({ sysRoot: at('sys'), procRoot: at('proc'), devRoot: at('dev'), modulesRoot: at('lib/modules'), bootRoot: at('boot'), etcRoot: at('etc') });
}
