/**
 * Path arithmetic for sysfs links, the way the kernel's VFS resolves them: a relative target is taken
 * from the directory holding the link; '.' and '..' are folded. Paths here are relative to /sys
 * ('devices/pci0000:00/0000:00:05.0'); a result that would leave /sys is null.
 */
export function resolveLinkTarget(linkPath: string, target: string): string | null {
  // One pass over the target's components on a string (no arrays): three links per function are resolved.
  let out: string;
  let i: number;
  if (target.charCodeAt(0) === 47 /* '/' */) {
    if (!target.startsWith('/sys/')) return null;
    out = '';
    i = 5;
  } else {
    out = linkDir(linkPath);
    i = 0;
  }
  const n = target.length;
  while (i <= n) {
    let j = target.indexOf('/', i);
    if (j < 0) j = n;
    const len = j - i;
    if (len === 2 && target.charCodeAt(i) === 46 && target.charCodeAt(i + 1) === 46) {
      if (out === '') return null;
      const k = out.lastIndexOf('/');
      out = k < 0 ? '' : out.slice(0, k);
    } else if (len > 1 || (len === 1 && target.charCodeAt(i) !== 46 /* '.' */)) {
      const c = target.slice(i, j);
      out = out === '' ? c : `${out}/${c}`;
    }
    i = j + 1;
  }
  return out;
}

/** The directory holding a link, its empty components dropped ('.' and '..' kept as they are). */
function linkDir(linkPath: string): string {
  if (linkPath.charCodeAt(0) !== 47 && !linkPath.includes('//') && linkPath.charCodeAt(linkPath.length - 1) !== 47) {
    const k = linkPath.lastIndexOf('/');
    return k < 0 ? '' : linkPath.slice(0, k);
  }
  const dir = linkPath.split('/').filter((c) => c !== '');
  dir.pop();
  return dir.join('/');
}

/** Last path component: the driver name of a `driver` link, the group id of an `iommu_group` link. */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** A PCI device name: domain (4 or more hex digits, VMD domains are 10000+), bus, device, function. */
export const BDF_RE = /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$/;

/** A lowercase hex digit's value, or -1. */
function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
}

/**
 * Numeric sort key for a BDF, so that VMD domains (10000:) sort after 0000: as the kernel enumerates;
 * Number.MAX_SAFE_INTEGER for a name BDF_RE does not match. Parsed by character (no regex, no
 * substrings): sorting 50k functions asks for it ~1.6M times.
 */
export function bdfKey(bdf: string): number {
  const n = bdf.length;
  const bad = Number.MAX_SAFE_INTEGER;
  // DOMAIN(4-8):BB:DD.F — the separators sit at fixed places from the end.
  if (n < 12 || n > 16 || bdf.charCodeAt(n - 8) !== 58 || bdf.charCodeAt(n - 5) !== 58 || bdf.charCodeAt(n - 2) !== 46) return bad;
  let domain = 0;
  for (let i = 0; i < n - 8; i++) {
    const h = hexDigit(bdf.charCodeAt(i));
    if (h < 0) return bad;
    domain = domain * 16 + h;
  }
  const b1 = hexDigit(bdf.charCodeAt(n - 7)), b0 = hexDigit(bdf.charCodeAt(n - 6));
  const d1 = bdf.charCodeAt(n - 4) - 48, d0 = hexDigit(bdf.charCodeAt(n - 3));
  const f = bdf.charCodeAt(n - 1) - 48;
  if (b1 < 0 || b0 < 0 || d1 < 0 || d1 > 1 || d0 < 0 || f < 0 || f > 7) return bad;
  return domain * 65536 + (b1 * 16 + b0) * 256 + (d1 * 16 + d0) * 8 + f;
}
