import { err, ok, type Errno, type Result } from '../model/errno.js';
import { pciConfigKeptLength } from '../model/pci/config.js';
import { tableFromEntries, tableOf } from './capture-entries.js';
import { DIR, ERROR, HEX, IMPLIED, LINK, STR, type CaptureTable } from './capture-table.js';
import type { SysfsPort } from './port.js';
import type { SysfsCapture } from './read-capture.js';

/** Linux follows at most 40 symbolic links per lookup (MAXSYMLINKS); more is ELOOP. */
const MAX_SYMLINKS = 40;
const SLASH = 0x2f, DOT = 0x2e;

/**
 * An in-memory, read-only `SysfsPort` over a `sysfs-capture/1`. Lookups behave as on sysfs: links are
 * followed component by component relative to their directory (so `bus/pci/devices/X/config` reaches
 * `devices/pci0000:00/.../config`), directories are implied by entry keys, `{ error }` entries answer
 * with their errno, more than 40 links → ELOOP, `write` → EROFS.
 * It also answers `/proc/cmdline` and `/proc/sys/kernel/osrelease` from the capture's `cmdline` and
 * `kernel`, so `describeHost` reads every source the same way.
 * A capture read by `readCaptureFile` brings its node table (capture-table.ts); any other is indexed once.
 */
export function capturePort(capture: SysfsCapture): SysfsPort {
  return openCapturePort(capture).port;
}

/** A capture's port, and the way to free its node table once nothing will read through it again. */
export interface CapturePortHandle {
  readonly port: SysfsPort;
  /**
   * Lets go of the table (CaptureTable.release): every later call of `port` throws — our bug, as a
   * command that reads /sys again after the host is described must not release it. Config bytes the
   * port already answered stay valid.
   */
  release(): void;
}

/** `capturePort`, releasable. */
export function openCapturePort(capture: SysfsCapture): CapturePortHandle {
  const t = tableOf(capture) ?? tableFromEntries(capture.entries);
  const proc = new Map<string, string>([
    ['/proc/cmdline', `${capture.cmdline.join(' ')}\n`],
    ['/proc/sys/kernel/osrelease', `${capture.kernel}\n`],
  ]);
  const isDir = (n: number): boolean => t.kind[n] === DIR || t.kind[n] === IMPLIED;
  const errOf = (path: string, n: number, what = ''): Result<never> => {
    const e = t.text(n) as Errno;
    return err(e, `${path}: ${what}could not be read when captured (${e})`);
  };

  // The directory the last lookup went through (path text up to its last '/', and node): describe
  // reads a device's attributes one after another, so the next path usually starts with it.
  const last = { dir: '\u0000', node: 0, clean: false };
  /** The node of `path` (a lookup that answers, as most do, makes no Result), or the walk's error. */
  const lookup = (path: string, followLast: boolean): number | Result<never> => {
    const d = last.dir;
    if (path.length > d.length && path.startsWith(d)) {
      const s = d.length;
      if (path.indexOf('/', s) < 0 && !(path.charCodeAt(s) === DOT && (path.length - s === 1 || (path.length - s === 2 && path.charCodeAt(s + 1) === DOT)))) {
        const nm = t.names.find(path, s, path.length);
        const c = nm < 0 ? -1 : t.child(last.node, nm);
        if (c >= 0 && (t.kind[c] !== LINK || !followLast)) return c;
        // Not there (a group's `name` on older kernels): the walk's answer, when the path is as it keys.
        if (c < 0 && last.clean) return err('ENOENT', `${path}: /sys/${path.slice(5)} is not in the capture`);
      }
    }
    const n = resolve(t, path, followLast, last);
    if (n >= 0) return n;
    const r = walk(t, path, followLast);
    return r.ok ? r.value : r;
  };

  function fileNode(path: string): number | Result<never> {
    const n = lookup(path, true);
    if (typeof n !== 'number') return n;
    if (isDir(n)) return err('EISDIR', `${path}: is a directory`);
    if (t.kind[n] === ERROR) return errOf(path, n);
    return n;
  }

  const released = (path: string): never => {
    throw new Error(`${path}: this capture's /sys was released once the host was described (a command that reads it later keeps its port)`);
  };

  const port: SysfsPort = {
    read(path) {
      if (t.released) released(path);
      const p = proc.get(path);
      if (p !== undefined) return ok(p);
      const n = fileNode(path);
      if (typeof n !== 'number') return n;
      if (t.kind[n] === STR) return ok(t.text(n));
      if (t.kind[n] === HEX) return ok(latin1(t.hexBytes(t.val[n] as number)));
      return err('EIO', `${path}: unexpected node`);
    },
    readBytes(path) {
      if (t.released) released(path);
      const p = proc.get(path);
      if (p !== undefined) return ok(new TextEncoder().encode(p));
      const n = fileNode(path);
      if (typeof n !== 'number') return n;
      if (t.kind[n] === STR) return ok(new TextEncoder().encode(t.text(n)));
      if (t.kind[n] === HEX) return ok(t.hexBytes(t.val[n] as number));
      return err('EIO', `${path}: unexpected node`);
    },
    readBytesCompact(path) {
      if (t.released) released(path);
      if (!proc.has(path)) {
        const n = fileNode(path);
        if (typeof n !== 'number') return n;
        // Config space: the bytes the table keeps, never the full-size copy.
        if (t.kind[n] === HEX) return ok(t.hexKept(t.val[n] as number));
      }
      // Text (and /proc): as readBytes answers it, without its trailing zero bytes.
      const b = port.readBytes(path);
      if (!b.ok) return b;
      return ok({ bytes: b.value.subarray(0, pciConfigKeptLength(b.value)), size: b.value.length });
    },
    readLink(path) {
      if (t.released) released(path);
      const n = lookup(path, false);
      if (typeof n !== 'number') return n;
      if (t.kind[n] === LINK) return ok(t.text(n));
      if (t.kind[n] === ERROR) return errOf(path, n);
      return err('EINVAL', `${path}: not a symbolic link`);
    },
    list(path) {
      if (t.released) released(path);
      const n = lookup(path, true);
      if (typeof n !== 'number') return n;
      if (t.kind[n] === ERROR) return errOf(path, n);
      if (!isDir(n)) return err('ENOTDIR', `${path}: not a directory`);
      return ok(t.childNames(n));
    },
    write(path) {
      if (t.released) released(path);
      return err('EROFS', `${path}: a capture is read-only`);
    },
  };
  return { port, release: () => t.release() };
}

/**
 * The node `path` names in the common case — under /sys, every component found, no link to follow on
 * the way, no '.' or '..' — walked over the path string itself (its last directory left in `last`);
 * -1 for anything else, which takes the component walk.
 */
function resolve(t: CaptureTable, path: string, followLast: boolean, last: { dir: string; node: number; clean: boolean }): number {
  if (!path.startsWith('/sys/') && path !== '/sys') return -1;
  const len = path.length;
  let n = 0;
  let s = 4;
  while (s < len && path.charCodeAt(s) === SLASH) s++;
  while (s < len) {
    let e = path.indexOf('/', s);
    if (e < 0) e = len;
    if (path.charCodeAt(s) === DOT && (e - s === 1 || (e - s === 2 && path.charCodeAt(s + 1) === DOT))) return -1;
    const nm = t.names.find(path, s, e);
    const c = nm < 0 ? -1 : t.child(n, nm);
    if (c < 0) return -1;
    let next = e;
    while (next < len && path.charCodeAt(next) === SLASH) next++;
    const end = next === len;
    const k = t.kind[c];
    if (k === LINK ? !end || followLast : !end && k !== DIR && k !== IMPLIED) return -1;
    if (end && e === len && s > 5) {
      last.dir = path.slice(0, s);
      last.node = n;
      // No empty component: a path in it names its key as the walk spells it.
      last.clean = last.dir.indexOf('//') < 0;
    }
    n = c;
    s = next;
  }
  return n;
}

/** Component by component, links followed relative to their directory, as the VFS does. */
function walk(t: CaptureTable, path: string, followLast: boolean): Result<number> {
  if (!path.startsWith('/sys/') && path !== '/sys') return err('ENOENT', `${path}: not under /sys in this capture`);
  const todo = path.slice(5).split('/').filter((c) => c !== '' && c !== '.');
  const cur: string[] = [];
  let links = 0;
  let node = 0;
  while (todo.length > 0) {
    const comp = todo.shift() as string;
    if (comp === '.') continue;
    if (comp === '..') {
      if (cur.length === 0) return err('ENOENT', `${path}: leads above /sys`);
      cur.pop();
      node = t.parent[node] as number;
      continue;
    }
    const key = cur.length === 0 ? comp : `${cur.join('/')}/${comp}`;
    const nm = t.names.find(comp, 0, comp.length);
    const next = nm < 0 ? -1 : t.child(node, nm);
    if (next < 0) return err('ENOENT', `${path}: /sys/${key} is not in the capture`);
    const last = todo.length === 0;
    const k = t.kind[next];
    if (k === LINK && (!last || followLast)) {
      if (++links > MAX_SYMLINKS) return err('ELOOP', `${path}: too many levels of symbolic links at /sys/${key}`);
      let target = t.text(next);
      if (target.startsWith('/')) {
        if (!target.startsWith('/sys/')) return err('ENOENT', `${path}: /sys/${key} points outside /sys (${target})`);
        cur.length = 0;
        node = 0;
        target = target.slice(5);
      }
      todo.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
      continue;
    }
    if (!last && k !== DIR && k !== IMPLIED) {
      if (k === ERROR) return err(t.text(next) as Errno, `${path}: /sys/${key} could not be read when captured (${t.text(next)})`);
      return err('ENOTDIR', `${path}: /sys/${key} is not a directory`);
    }
    cur.push(comp);
    node = next;
  }
  return ok(node);
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}
