// The capture port as it was before the table (main 7cb0277), kept as the reference the new port is
// compared with (capture-scan.test.ts). Not used outside tests.
import { err, ok, type Errno, type Result } from '../../model/errno.js';
import type { SysfsPort } from '../port.js';
import type { CaptureEntry, SysfsCapture } from '../read-capture.js';

/** A node is the capture entry itself (no copy per entry); implied directories share DIR. */
type Node = CaptureEntry;
const DIR: Node = { dir: true };
const isDir = (n: Node): n is { readonly dir: true } => typeof n !== 'string' && 'dir' in n;
const isLink = (n: Node): n is { readonly link: string } => typeof n !== 'string' && 'link' in n;
const isHex = (n: Node): n is { readonly hex: string } => typeof n !== 'string' && 'hex' in n;
const isError = (n: Node): n is { readonly error: Errno } => typeof n !== 'string' && 'error' in n;

/** Linux follows at most 40 symbolic links per lookup (MAXSYMLINKS); more is ELOOP. */
const MAX_SYMLINKS = 40;

interface Resolved {
  readonly key: string;
  readonly node: Node;
}

/**
 * An in-memory, read-only `SysfsPort` over a `sysfs-capture/1`. Lookups behave as on sysfs: links are
 * followed component by component relative to their directory (so `bus/pci/devices/X/config` reaches
 * `devices/pci0000:00/.../config`), directories are implied by entry keys, `{ error }` entries answer
 * with their errno, more than 40 links → ELOOP, `write` → EROFS.
 * It also answers `/proc/cmdline` and `/proc/sys/kernel/osrelease` from the capture's `cmdline` and
 * `kernel`, so `describeHost` reads every source the same way.
 */
export function referenceCapturePort(capture: SysfsCapture): SysfsPort {
  // The capture's own entries are the node table (no copy per entry: at 50k functions a capture has
  // a million); directories implied by keys live beside them. A prototype-less dictionary answers
  // only its own keys, so a capture built elsewhere with a prototype is copied once into one.
  let entries: Record<string, CaptureEntry> = capture.entries as Record<string, CaptureEntry>;
  if (Object.getPrototypeOf(entries) !== null) entries = Object.assign(Object.create(null) as Record<string, CaptureEntry>, entries);
  const implied = new Map<string, Node>([['', DIR]]);
  const nodes = { get: (key: string): Node | undefined => entries[key] ?? implied.get(key) };
  const children = new Map<string, Set<string>>();
  children.set('', new Set());
  const addChild = (dir: string, name: string): void => {
    let set = children.get(dir);
    if (!set) children.set(dir, (set = new Set()));
    set.add(name);
  };
  // Object.keys, not Object.entries: entries() allocates a pair per entry.
  for (const key of Object.keys(entries)) {
    let slash = key.lastIndexOf('/');
    let child = key;
    while (true) {
      const parent = slash < 0 ? '' : child.slice(0, slash);
      const name = slash < 0 ? child : child.slice(slash + 1);
      const known = children.get(parent)?.has(name) ?? false;
      addChild(parent, name);
      if (known || parent === '') break;
      if (entries[parent] === undefined) implied.set(parent, DIR);
      child = parent;
      slash = child.lastIndexOf('/');
    }
  }
  const proc = new Map<string, string>([
    ['/proc/cmdline', `${capture.cmdline.join(' ')}\n`],
    ['/proc/sys/kernel/osrelease', `${capture.kernel}\n`],
  ]);

  // A key whose every ancestor is a directory resolves without a component walk (the common case).
  // Only a non-directory with entries below it (a link or file captured with children) can make a
  // key indirect; captures normally have none, and then no key needs checking.
  const blocked = [...children.keys()].some((k) => !isDir(nodes.get(k) ?? DIR));
  const direct = (key: string): boolean => {
    if (!blocked) return true;
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
      const a = nodes.get(key.slice(0, i));
      if (a === undefined || !isDir(a)) return false;
    }
    return true;
  };

  function resolve(path: string, followLast: boolean): Result<Resolved> {
    if (!path.startsWith('/sys/') && path !== '/sys') return err('ENOENT', `${path}: not under /sys in this capture`);
    const fast = path.slice(5);
    const n = nodes.get(fast);
    if (n !== undefined && (!followLast || !isLink(n)) && direct(fast)) return ok({ key: fast, node: n });
    const todo = path.slice(5).split('/').filter((c) => c !== '' && c !== '.');
    const cur: string[] = [];
    let links = 0;
    let node: Node = DIR;
    while (todo.length > 0) {
      const comp = todo.shift() as string;
      if (comp === '.') continue;
      if (comp === '..') {
        if (cur.length === 0) return err('ENOENT', `${path}: leads above /sys`);
        cur.pop();
        node = nodes.get(cur.join('/')) ?? DIR;
        continue;
      }
      const key = cur.length === 0 ? comp : `${cur.join('/')}/${comp}`;
      const next = nodes.get(key);
      if (next === undefined) return err('ENOENT', `${path}: /sys/${key} is not in the capture`);
      const last = todo.length === 0;
      if (isLink(next) && (!last || followLast)) {
        if (++links > MAX_SYMLINKS) return err('ELOOP', `${path}: too many levels of symbolic links at /sys/${key}`);
        let target = next.link;
        if (target.startsWith('/')) {
          if (!target.startsWith('/sys/')) return err('ENOENT', `${path}: /sys/${key} points outside /sys (${target})`);
          cur.length = 0;
          target = target.slice(5);
        }
        todo.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
        continue;
      }
      if (!last && !isDir(next)) {
        if (isError(next)) return err(next.error, `${path}: /sys/${key} could not be read when captured (${next.error})`);
        return err('ENOTDIR', `${path}: /sys/${key} is not a directory`);
      }
      cur.push(comp);
      node = next;
    }
    return ok({ key: cur.join('/'), node });
  }

  function fileNode(path: string): Result<Resolved> {
    const r = resolve(path, true);
    if (!r.ok) return r;
    const n = r.value.node;
    if (isDir(n)) return err('EISDIR', `${path}: is a directory`);
    if (isError(n)) return err(n.error, `${path}: could not be read when captured (${n.error})`);
    return r;
  }

  return {
    read(path) {
      const p = proc.get(path);
      if (p !== undefined) return ok(p);
      const r = fileNode(path);
      if (!r.ok) return r;
      const n = r.value.node;
      if (typeof n === 'string') return ok(n);
      if (isHex(n)) return ok(latin1(hexToBytes(n.hex)));
      return err('EIO', `${path}: unexpected node`);
    },
    readBytes(path) {
      const p = proc.get(path);
      if (p !== undefined) return ok(new TextEncoder().encode(p));
      const r = fileNode(path);
      if (!r.ok) return r;
      const n = r.value.node;
      if (typeof n === 'string') return ok(new TextEncoder().encode(n));
      if (isHex(n)) return ok(hexToBytes(n.hex));
      return err('EIO', `${path}: unexpected node`);
    },
    readLink(path) {
      const r = resolve(path, false);
      if (!r.ok) return r;
      const n = r.value.node;
      if (isLink(n)) return ok(n.link);
      if (isError(n)) return err(n.error, `${path}: could not be read when captured (${n.error})`);
      return err('EINVAL', `${path}: not a symbolic link`);
    },
    list(path) {
      const r = resolve(path, true);
      if (!r.ok) return r;
      const n = r.value.node;
      if (isError(n)) return err(n.error, `${path}: could not be read when captured (${n.error})`);
      if (!isDir(n)) return err('ENOTDIR', `${path}: not a directory`);
      return ok([...(children.get(r.value.key) ?? [])].sort());
    },
    write(path) {
      return err('EROFS', `${path}: a capture is read-only`);
    },
  };
}

function nibble(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1));
  return out;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
