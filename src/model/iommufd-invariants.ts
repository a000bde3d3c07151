/**
 * iommufd invariants, checked after every step in tests (with src/model/invariants.ts): ownership of a
 * group owned by an iommufd_ctx is exactly its bound devices; one domain per igroup, the group's current
 * domain; every HWPT is on its IOAS; vfio's bindings point at live objects.
 */
import type { KernelState } from './kernel-state.js';
import { iommufdCookie } from './iommufd/main.js';

export function iommufdCheckInvariants(k: KernelState): string[] {
  const out: string[] = [];
  for (const ctx of k.iommufd.ctxs.values()) {
    const bound = new Map<number, number>();
    for (const o of ctx.objects.values()) {
      if (o.type === 'DEVICE') {
        bound.set(o.group, (bound.get(o.group) ?? 0) + 1);
        if (!ctx.groups.has(o.group)) out.push(`iommufd_ctx ${ctx.id}: device ${o.id} (${o.dev}) has no igroup ${o.group}`);
      } else if (o.type === 'HWPT_PAGING') {
        const io = ctx.objects.get(o.ioas);
        if (io?.type !== 'IOAS') out.push(`iommufd_ctx ${ctx.id}: HWPT ${o.id} on missing IOAS ${o.ioas}`);
        else if (!io.iopt.domains.includes(o.id)) out.push(`iommufd_ctx ${ctx.id}: HWPT ${o.id} is not in IOAS ${o.ioas}'s domains`);
        if (!k.domains.has(o.domain)) out.push(`iommufd_ctx ${ctx.id}: HWPT ${o.id} has no domain`);
      }
    }
    for (const [gid, n] of bound) {
      const g = k.groups.get(gid);
      if (!g || g.owner !== iommufdCookie(ctx.id) || g.ownerCnt !== n) {
        out.push(`iommufd_ctx ${ctx.id}: ${n} device(s) bound in group ${gid} but owner=${g?.owner ?? '?'} owner_cnt=${g?.ownerCnt ?? '?'}`);
      }
    }
    for (const ig of ctx.groups.values()) {
      if (!bound.has(ig.id)) out.push(`iommufd_ctx ${ctx.id}: igroup ${ig.id} without bound devices`);
      if ((ig.hwpt === null) !== (ig.deviceList.length === 0)) out.push(`iommufd_ctx ${ctx.id}: igroup ${ig.id} hwpt=${ig.hwpt} with ${ig.deviceList.length} attached device(s)`);
      const hw = ig.hwpt === null ? undefined : ctx.objects.get(ig.hwpt);
      if (ig.hwpt !== null && (hw?.type !== 'HWPT_PAGING' || k.groups.get(ig.id)?.domain !== hw.domain)) {
        out.push(`iommufd_ctx ${ctx.id}: igroup ${ig.id} attached to HWPT ${ig.hwpt} but group ${ig.id} is not on its domain`);
      }
    }
  }
  const gets = new Map<number, number>();
  for (const vg of k.vfioGroups.values()) if (vg.iommufd !== null) gets.set(vg.iommufd, (gets.get(vg.iommufd) ?? 0) + 1);
  for (const f of k.vfioCdevFiles.values()) if (f.ctx !== null) gets.set(f.ctx, (gets.get(f.ctx) ?? 0) + 1);
  for (const ctx of k.iommufd.ctxs.values()) {
    if (ctx.ctxGets !== (gets.get(ctx.id) ?? 0)) out.push(`iommufd_ctx ${ctx.id}: ctxGets=${ctx.ctxGets} but ${gets.get(ctx.id) ?? 0} vfio group(s)/cdev file(s) hold it`);
  }
  for (const v of k.vfioIommufdDevs.values()) {
    const ctx = k.iommufd.ctxs.get(v.ctx);
    if (!ctx) out.push(`vfio device ${v.dev}: bound to a released iommufd_ctx ${v.ctx}`);
    else if (v.idev !== 0 && ctx.objects.get(v.idev)?.type !== 'DEVICE') out.push(`vfio device ${v.dev}: device object ${v.idev} is gone`);
  }
  return out;
}
