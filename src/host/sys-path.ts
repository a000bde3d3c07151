/**
 * Path arithmetic for sysfs links, the way the kernel's VFS resolves them: a relative target is taken
 * from the directory holding the link; '.' and '..' are folded. Paths here are relative to /sys
 * ('devices/pci0000:00/0000:00:05.0'); a result that would leave /sys is null.
 */
export function resolveLinkTarget(linkPath: string, target: string): string | null {
  let rel = target;
  const parts: string[] = [];
  if (rel.startsWith('/')) {
    if (!rel.startsWith('/sys/')) return null;
    rel = rel.slice(5);
  } else {
    const dir = linkPath.split('/').filter((c) => c !== '');
    dir.pop();
    parts.push(...dir);
  }
  for (const c of rel.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else {
      parts.push(c);
    }
  }
  return parts.join('/');
}

/** Last path component: the driver name of a `driver` link, the group id of an `iommu_group` link. */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** A PCI device name: domain (4 or more hex digits, VMD domains are 10000+), bus, device, function. */
export const BDF_RE = /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$/;

/** Numeric sort key for a BDF, so that VMD domains (10000:) sort after 0000: as the kernel enumerates. */
export function bdfKey(bdf: string): number {
  const m = BDF_RE.exec(bdf);
  if (!m) return Number.MAX_SAFE_INTEGER;
  return parseInt(m[1] as string, 16) * 65536 + parseInt(m[2] as string, 16) * 256 +
    parseInt(m[3] as string, 16) * 8 + parseInt(m[4] as string, 16);
}
