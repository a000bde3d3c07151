/**
 * /sys/kernel/iommu_groups/N: `devices/*` links, `type` (the *default* domain type; writable from 5.11,
 * spec §7.4), `reserved_regions`, `name`.
 */
import { allocDomain, type DomainType } from '../iommu/group.js';
import { enter, fail, printk, type KernelState } from '../kernel-state.js';
import { ok, type Outcome } from '../errno.js';
import { dir, link, text, type SysNode } from '../kernfs.js';

function typeString(k: KernelState, gid: number): string {
  const g = k.groups.get(gid);
  const d = g?.defaultDomain === null || g === undefined ? undefined : k.domains.get(g.defaultDomain as number);
  if (!d) return 'unknown';
  return d.type === 'DMA-FQ' && !k.profile.dmaFq ? 'DMA' : d.type;
}

export function groupNode(k: KernelState, parts: readonly string[]): SysNode | null {
  if (parts.length === 0) return dir(() => ['iommu_groups']);
  if (parts.length === 1) return dir(() => [...k.groups.keys()].map(String).sort());
  const gid = Number(parts[1]);
  const g = /^\d+$/.test(parts[1] ?? '') ? k.groups.get(gid) : undefined;
  if (!g) return null;
  const attr = parts[2];
  if (attr === undefined) return dir(() => ['devices', 'reserved_regions', 'type', ...(g.name !== null ? ['name'] : [])].sort());
  if (attr === 'devices') {
    if (parts.length === 3) return dir(() => [...g.devices].sort());
    const dev = parts.length === 4 && g.devices.includes(parts[3] ?? '') ? k.devices.get(parts[3] ?? '') : undefined;
    return dev ? link(`../../../../${dev.path}`) : null;
  }
  if (parts.length !== 3) return null;
  if (attr === 'type') return { kind: 'file', read: () => (ok(`${typeString(k, gid)}\n`)), write: (d) => iommuGroupStoreType(k, gid, d) };
  if (attr === 'name' && g.name !== null) return text(`${g.name}\n`);
  if (attr === 'reserved_regions') {
    const h = (v: bigint): string => `0x${v.toString(16).padStart(16, '0')}`;
    return text(g.reservedRegions.map((r) => `${h(r.start)} ${h(r.end)} ${r.type}\n`).join(''));
  }
  return null;
}

const TYPES: Readonly<Record<string, DomainType | 'auto'>> = { identity: 'identity', DMA: 'DMA', 'DMA-FQ': 'DMA-FQ', auto: 'auto' };

/**
 * `iommu_group_store_type()`: no CAP_SYS_ADMIN+RAWIO → EACCES; no default domain or unknown word → EINVAL.
 * 5.11–6.3: more than one device → EINVAL; device bound → EBUSY (except DMA→DMA-FQ).
 * 6.4+: DMA→DMA-FQ always; else empty group or owner_cnt != 0 → EPERM.
 */
export function iommuGroupStoreType(k: KernelState, gid: number, data: string): Outcome {
  const fn = 'iommu_group_store_type';
  enter(k, fn);
  const g = k.groups.get(gid);
  if (!g) return fail(k, fn, 'ENOENT', `group ${gid} is gone`);
  if (k.profile.groupTypeStore === 'none') return fail(k, fn, 'EACCES', `group type is read-only before 5.11 (${k.profile.release})`);
  if (!k.opts.capSysRawio) return fail(k, fn, 'EACCES', 'needs CAP_SYS_ADMIN and CAP_SYS_RAWIO');
  const cur = g.defaultDomain === null ? undefined : k.domains.get(g.defaultDomain);
  if (!cur) return fail(k, fn, 'EINVAL', `group ${gid} has no default domain`);
  const word = data.trim();
  let req = TYPES[word];
  if (!req || (req === 'DMA-FQ' && !k.profile.dmaFq)) return fail(k, fn, 'EINVAL', `unknown domain type ${JSON.stringify(word)}`);
  if (req === 'auto') req = cur.type;
  const fq = req === 'DMA-FQ' && cur.type === 'DMA';
  if (k.profile.groupTypeStore === 'singleton') {
    if (g.devices.length !== 1) {
      printk(k, 'Cannot change default domain: Group has more than one device');
      return fail(k, fn, 'EINVAL', `group ${gid} has ${g.devices.length} devices (only single-device groups before 6.4)`);
    }
    const dev = k.devices.get(g.devices[0] ?? '');
    if (dev?.driver && !fq) {
      printk(k, 'Device is still bound to driver');
      return fail(k, fn, 'EBUSY', `${dev.name} is still bound to ${dev.driver}`);
    }
  } else if (!fq && (g.devices.length === 0 || g.ownerCnt !== 0)) {
    return fail(k, fn, 'EPERM', g.devices.length === 0 ? `group ${gid} is empty` : `group ${gid}: owner_cnt=${g.ownerCnt}; unbind its drivers first`);
  }
  if (req === cur.type) return ok();
  const old = g.defaultDomain;
  const id = allocDomain(k, req, `group ${gid} default domain`);
  if (g.domain === old) g.domain = id;
  g.defaultDomain = id;
  if (old !== null) k.domains.delete(old);
  return ok();
}
