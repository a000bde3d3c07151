/**
 * The canonical key of a kernel state: equal for two states that differ only in numbering — descriptors,
 * container, domain, iommufd context and object ids, vfio device indexes (vfioN), blocked-call ids — and,
 * given an order of the group's members, only in which of two interchangeable members is which.
 *
 * The key is a complete description of the state under that renaming: every object is reached from stable
 * roots (devices in the given order, iommu groups by number) and gets its canonical number at first
 * encounter; objects no root reaches (an open container no group uses) are sorted by their own canonical
 * description, so equal descriptions are interchangeable. Equal keys therefore mean isomorphic states; the
 * kernel log and call record are output and left out, as are the allocators' next-id counters (the kernel's
 * ida/xarray allocation depends on them only for the numbers it hands out). Lists the kernel treats as sets
 * (a group's member list, a vfio group's devices) are written sorted. The fields no op of verify changes
 * (modules, the topology, the driver registry: snapshot.ts STATIC_FIELDS) are left out too.
 */
import type { KernelState } from '../model/index.js';

/** Canonical numbers of one id space, given at first encounter. Small: a linear list beats a Map here. */
class Renamer {
  private readonly ids: number[] = [];
  constructor(private readonly prefix: string) {}
  name(id: number | null | undefined): string {
    if (id === null || id === undefined) return '-';
    let n = this.ids.indexOf(id);
    if (n < 0) { n = this.ids.length; this.ids.push(id); }
    return this.prefix + n;
  }
  has(id: number): boolean { return this.ids.includes(id); }
}

/** A domain's text without its numbers, per domain record (records are replaced, never changed). */
const domainText = new WeakMap<object, string>();

function sortedText(list: string[]): string {
  return list.length < 2 ? list.join(',') : list.sort().join(',');
}

const digits = /\d+/g;

/** The canonical key of `k` with the devices named by their position in `order` (every device of the state). */
export function canonicalKey(k: KernelState, order: readonly string[]): string {
  const dn = (name: string): string => { const i = order.indexOf(name); return i < 0 ? `?${name}` : `d${i}`; };
  const doms = new Renamer('D'), conts = new Renamer('C'), fds = new Renamer('F'), ctxs = new Renamer('X');
  const out: string[] = [];
  const dom = (id: number | null): string => {
    if (id === null) return '-';
    const seen = doms.has(id);
    const n = doms.name(id);
    if (seen) return n;
    const d = k.domains.get(id);
    if (!d) return `${n}(gone)`;
    let text = domainText.get(d);
    if (text === undefined) { text = `(${d.type},${d.label.replace(digits, '#')})`; domainText.set(d, text); }
    return n + text;
  };
  const holder = (h: string | null): string => (h === null ? '-' : h.startsWith('task killed') ? 'dead' : 'held');
  for (const name of order) {
    const d = k.devices.get(name);
    if (!d) { out.push('absent'); continue; }
    out.push(`${d.driver ?? '-'}|${d.driverSysfs ? 1 : 0}|${d.driverOverride ?? '-'}|${d.group ?? '-'}|${d.defaultDomainUses}|${holder(d.lockHolder)}|${d.sriovNumvfs ?? '-'}|${d.dead ? 1 : 0}|${d.multifunction ? 1 : 0}|${k.vfioDevIndex.has(name) ? 'v' : ''}`);
  }
  const cookie = (owner: string | null): string => {
    if (owner === null) return '-';
    const m = /^(container file|vfio_group|iommufd_ctx) (\d+)$/.exec(owner);
    if (!m) return owner.replace(digits, '#');
    const id = Number(m[2]);
    return m[1] === 'container file' ? `cf:${conts.name(id)}` : m[1] === 'iommufd_ctx' ? `ctx:${ctxs.name(id)}` : `vg:${id}`;
  };
  for (const g of k.groups.size < 2 ? k.groups.values() : [...k.groups.values()].sort((a, b) => a.id - b.id)) {
    const pasids = g.pasidArray.size === 0 ? [] : [...g.pasidArray].map(([key, v]) => `${dn(key.slice(0, key.indexOf('/')))}${key.slice(key.indexOf('/'))}=${dom(v)}`).sort();
    out.push(`G${g.id}:${sortedText(g.devices.map(dn))}|${dom(g.defaultDomain)}|${dom(g.blockingDomain)}|${dom(g.domain)}|${g.ownerCnt}|${cookie(g.owner)}|${pasids.join(',')}|${g.fake ? 1 : 0}`);
  }
  const vgroup = (vg: KernelState['vfioGroups'] extends Map<number, infer V> ? V : never): string => {
    const open: string[] = [];
    for (const [dv, n] of vg.openDevices) open.push(`${dn(dv)}*${n}`);
    const unbound: string[] = [];
    for (const dv of vg.unboundList) unbound.push(dn(dv));
    return `${vg.iommuGroup ?? '-'}|${vg.noiommu ? 1 : 0}|${sortedText(vg.devices.map(dn))}|${sortedText(unbound)}|${sortedText(open)}`
      + `|${fds.name(vg.openedFd)}|${vg.fdClosed ? 1 : 0}|${conts.name(vg.container)}|${ctxs.name(vg.iommufd)}|${vg.containerUsers}|${vg.cdevDeviceOpenCnt}`;
  };
  for (const vg of k.vfioGroups.size < 2 ? k.vfioGroups.values() : [...k.vfioGroups.values()].sort((a, b) => a.id - b.id)) out.push(`V${vg.id}:${vgroup(vg)}`);
  // Dead vfio groups (6.1+) are held by a group fd: named with it.
  const dead = k.deadVfioGroups.size === 0 ? [] : [...k.deadVfioGroups].map(([fd, vg]) => ({ fd, text: `${vg.id}:${vgroup({ ...vg, openedFd: null })}` }))
    .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  for (const x of dead) out.push(`DV${fds.name(x.fd)}:${x.text}`);
  const container = (id: number): string => {
    const c = k.containers.get(id);
    return c ? `${c.groups.slice().sort((a, b) => a - b).join(',')}|${c.iommuDriver ?? '-'}|${dom(c.domain)}|${c.noiommu ? 1 : 0}|${c.open ? 1 : 0}` : 'gone';
  };
  // Containers reached so far in encounter order, then the others by description.
  const reached: number[] = [];
  for (const id of k.containers.keys()) if (conts.has(id)) reached.push(id);
  reached.sort((a, b) => Number(conts.name(a).slice(1)) - Number(conts.name(b).slice(1)));
  for (const id of reached) out.push(`${conts.name(id)}=${container(id)}`);
  const rest = [...k.containers.keys()].filter((id) => !conts.has(id)).map((id) => ({ id, text: container(id) }))
    .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  for (const r of rest) out.push(`${conts.name(r.id)}=${r.text}`);
  iommufdPart(k, out, dn, dom, ctxs);
  // Descriptors: those reached first, then the rest by what they hold.
  const fileText = (fd: number): string => {
    const f = k.files.get(fd);
    if (!f) return 'gone';
    const id = f.kind === 'vfio-container' ? conts.name(f.id) : f.kind === 'iommufd' ? ctxs.name(f.id) : String(f.id);
    const cdev = k.vfioCdevFiles.get(fd);
    const cd = cdev ? `|${dn(cdev.dev)}|${ctxs.name(cdev.ctx)}|${cdev.accessGranted ? 1 : 0}` : '';
    return `${f.kind}|${id}|${f.device === undefined ? '-' : dn(f.device)}${cd}`;
  };
  const reachedFds = [...k.files.keys()].filter((fd) => fds.has(fd)).sort((a, b) => Number(fds.name(a).slice(1)) - Number(fds.name(b).slice(1)));
  for (const fd of reachedFds) out.push(`${fds.name(fd)}=${fileText(fd)}`);
  const restFds = [...k.files.keys()].filter((fd) => !fds.has(fd)).map((fd) => ({ fd, text: fileText(fd) }))
    .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  for (const r of restFds) out.push(`${fds.name(r.fd)}=${r.text}`);
  // Blocked calls by what they are (data: wait and redo name devices and drivers), not by their ids.
  const pend = k.pending.size === 0 ? [] : [...k.pending.values()].map((p) => {
    const part = (x: Record<string, unknown>): string => Object.keys(x).sort().map((f) => {
      const v = x[f];
      return `${f}=${typeof v === 'function' ? 'closure' : f === 'device' && typeof v === 'string' ? dn(v) : String(v)}`;
    }).join(',');
    return `${part(p.wait as unknown as Record<string, unknown>)}>${part(p.redo as unknown as Record<string, unknown>)}|${p.result === null ? 'waiting' : p.result.ok ? 'ok' : p.result.errno}`;
  }).sort();
  out.push(`P:${pend.join(';')}`);
  const refs: string[] = [];
  for (const [g, n] of k.iommuGroupRefs) refs.push(`${g}*${n}`);
  out.push(`T:${sortedText([...k.taint])}|L:${holder(k.pciRescanRemoveLock)}|R:${sortedText(refs)}`);
  return out.join('\n');
}

function iommufdPart(k: KernelState, out: string[], dn: (n: string) => string, dom: (id: number | null) => string, ctxs: Renamer): void {
  const st = k.iommufd;
  if (st.ctxs.size === 0 && k.vfioIommufdDevs.size === 0) return;
  for (const fd of k.files.keys()) { const f = k.files.get(fd); if (f?.kind === 'iommufd') ctxs.name(f.id); }
  const order = [...st.ctxs.keys()].filter((id) => ctxs.has(id)).sort((a, b) => Number(ctxs.name(a).slice(1)) - Number(ctxs.name(b).slice(1)));
  const unreached = [...st.ctxs.keys()].filter((id) => !ctxs.has(id));
  for (const id of [...order, ...unreached]) {
    const ctx = st.ctxs.get(id);
    if (!ctx) continue;
    const objs = new Renamer('o');
    // DEVICE objects by device position, then IOAS, then HWPT by what they hold.
    const devices = [...ctx.objects.values()].filter((o) => o.type === 'DEVICE').sort((a, b) => (dn(a.type === 'DEVICE' ? a.dev : '') < dn(b.type === 'DEVICE' ? b.dev : '') ? -1 : 1));
    for (const o of devices) objs.name(o.id);
    const ioasText = (o: { iopt: unknown }): string => JSON.stringify(o.iopt, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)).replace(digits, '#');
    const ioas = [...ctx.objects.values()].filter((o) => o.type === 'IOAS').map((o) => ({ o, t: o.type === 'IOAS' ? ioasText(o) : '' })).sort((a, b) => (a.t < b.t ? -1 : 1));
    for (const x of ioas) objs.name(x.o.id);
    const hwpts = [...ctx.objects.values()].filter((o) => o.type === 'HWPT_PAGING').map((o) => ({ o, t: o.type === 'HWPT_PAGING' ? `${objs.name(o.ioas)}|${o.autoDomain ? 1 : 0}` : '' })).sort((a, b) => (a.t < b.t ? -1 : 1));
    for (const x of hwpts) objs.name(x.o.id);
    const text: string[] = [];
    for (const o of ctx.objects.values()) {
      if (o.type === 'DEVICE') text.push(`${objs.name(o.id)}:DEV:${dn(o.dev)}:${o.group}`);
      else if (o.type === 'IOAS') text.push(`${objs.name(o.id)}:IOAS:${ioasText(o)}`);
      else text.push(`${objs.name(o.id)}:HWPT:${objs.name(o.ioas)}:${dom(o.domain)}:${o.autoDomain ? 1 : 0}`);
    }
    const groups = [...ctx.groups.values()].map((g) => `${g.id}:${objs.name(g.hwpt)}:${g.deviceList.map((d) => objs.name(d)).join(',')}`).sort();
    const vdevs = [...k.vfioIommufdDevs.values()].filter((v) => v.ctx === id).map((v) => `${dn(v.dev)}:${objs.name(v.idev)}:${v.attached ? 1 : 0}:${v.openCount}:${v.cdev ? 1 : 0}`).sort();
    out.push(`${ctxs.name(id)}:${text.sort().join(';')}|${groups.join(';')}|${vdevs.join(';')}|${objs.name(ctx.vfioIoas)}|${ctx.noIommuMode ? 1 : 0}|${ctx.fileOpen ? 1 : 0}|${ctx.ctxGets}`);
  }
}
