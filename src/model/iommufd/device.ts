/**
 * DEVICE objects and their igroups (drivers/iommu/iommufd/device.c, 6.12): `iommufd_device_bind()` claims
 * DMA ownership of the device's group with the ctx as cookie (shared by every device of the group bound
 * to the same ctx); attach/replace/detach move the group between HWPTs. One domain per group: the first
 * device of an igroup attaches the whole group, later devices must name the same HWPT (else EINVAL), and
 * the last one to leave puts the group back on the blocking domain (it stays owned until unbind).
 *
 * Lock order of the kernel, written once: ioas->mutex → igroup->lock → group->mutex.
 */
import { err, ModelBug, ok, type Result } from '../errno.js';
import type { Device } from '../base/device.js';
import { iommuAttachGroup, iommuDetachGroup } from '../iommu/attach.js';
import { getGroup, iommuDeviceClaimDmaOwner, iommuDeviceReleaseDmaOwner, iommuGroupSetDomain } from '../iommu/group.js';
import { enter, type KernelState } from '../kernel-state.js';
import { iommufdHwptPagingAlloc } from './hw-pagetable.js';
import { ioptRemoveReservedIova, ioptTableEnforceDevResvRegions } from './io-pagetable.js';
import {
  iommufdCookie, iommufdGetObject, iommufdObjectAlloc, iommufdObjectRemove,
  type IommufdCtx, type IommufdDevice, type IommufdGroup, type IommufdHwptPaging, type IommufdIoas,
} from './main.js';

/**
 * `iommufd_device_bind(ictx, dev, &id)`: no iommu group → ENODEV; then `iommu_device_claim_dma_owner(dev,
 * ictx)` → EPERM (kernel driver in the group or another owner), EBUSY (non-default domain, PASIDs),
 * EINVAL (C: RESV_DIRECT member); success: a DEVICE object (lowest free id) in the group's igroup.
 * Not modelled: the IOMMU_CAP_CACHE_COHERENCY (EINVAL) and isolated-MSI (EPERM) checks — the model's
 * IOMMU has both.
 */
export function iommufdDeviceBind(k: KernelState, ctx: IommufdCtx, dev: Device): Result<IommufdDevice> {
  enter(k, `iommufd_device_bind: ${dev.name} to iommufd_ctx ${ctx.id}`);
  if (dev.group === null) return err('ENODEV', `${dev.name} has no IOMMU group`);
  const gid = dev.group;
  const claim = iommuDeviceClaimDmaOwner(k, dev, iommufdCookie(ctx.id));
  if (!claim.ok) return err(claim.errno === 'oops' || claim.errno === 'blocked' ? 'EINVAL' : claim.errno, claim.why);
  if (!ctx.groups.has(gid)) ctx.groups.set(gid, { id: gid, hwpt: null, deviceList: [] });
  return ok(iommufdObjectAlloc(ctx, (id): IommufdDevice => ({ type: 'DEVICE', id, dev: dev.name, group: gid })));
}

/** `iommufd_device_unbind()`: the driver drops its reference and the DEVICE is destroyed. Caller: detached first. */
export function iommufdDeviceUnbind(k: KernelState, ctx: IommufdCtx, idev: IommufdDevice): void {
  enter(k, `iommufd_device_unbind: device ${idev.id} (${idev.dev})`);
  const r = iommufdObjectRemove(k, ctx, idev.id, 1);
  if (!r.ok) throw new ModelBug(`iommufd_device_unbind: ${r.why}`);
}

/** `iommufd_device_destroy()`: release this device's share of DMA ownership; the igroup goes with its last device. */
export function iommufdDeviceDestroy(k: KernelState, ctx: IommufdCtx, idev: IommufdDevice): void {
  const dev = k.devices.get(idev.dev);
  if (dev) iommuDeviceReleaseDmaOwner(k, dev);
  const still = [...ctx.objects.values()].some((o) => o.type === 'DEVICE' && o.group === idev.group);
  const ig = ctx.groups.get(idev.group);
  if (!still && ig) {
    if (ig.hwpt !== null || ig.deviceList.length > 0) throw new ModelBug(`iommufd_group_release: igroup ${ig.id} still attached`);
    ctx.groups.delete(idev.group);
  }
}

function igroupOf(ctx: IommufdCtx, idev: IommufdDevice): IommufdGroup {
  const ig = ctx.groups.get(idev.group);
  if (!ig) throw new ModelBug(`device ${idev.id} has no igroup`);
  return ig;
}

function ioasOf(ctx: IommufdCtx, hwpt: IommufdHwptPaging): IommufdIoas {
  const io = ctx.objects.get(hwpt.ioas);
  if (io?.type !== 'IOAS') throw new ModelBug(`HWPT ${hwpt.id}: IOAS ${hwpt.ioas} is gone`);
  return io;
}

function resvRegions(k: KernelState, idev: IommufdDevice) {
  return getGroup(k, idev.group).reservedRegions;
}

/**
 * `iommufd_hw_pagetable_attach()`: the igroup is on another HWPT → EINVAL; the device's reserved regions
 * collide with a mapping of the IOAS → EADDRINUSE; the first device attaches the group
 * (`iommu_attach_group`: blocking → HWPT domain); later devices only join the list.
 */
export function iommufdHwPagetableAttach(k: KernelState, ctx: IommufdCtx, hwpt: IommufdHwptPaging, idev: IommufdDevice): Result {
  const ig = igroupOf(ctx, idev);
  if (ig.hwpt !== null && ig.hwpt !== hwpt.id) {
    return err('EINVAL', `group ${ig.id} is attached to HWPT ${ig.hwpt}; every device of a group shares one domain (not HWPT ${hwpt.id})`);
  }
  const iopt = ioasOf(ctx, hwpt).iopt;
  const resv = ioptTableEnforceDevResvRegions(iopt, idev.dev, resvRegions(k, idev));
  if (!resv.ok) return err(resv.errno, `IOAS ${hwpt.ioas}: ${resv.why}`);
  if (ig.deviceList.length === 0) {
    const a = iommuAttachGroup(k, hwpt.domain, getGroup(k, ig.id));
    if (!a.ok) {
      ioptRemoveReservedIova(iopt, `device ${idev.dev}`);
      return err(a.errno === 'oops' || a.errno === 'blocked' ? 'EINVAL' : a.errno, a.why);
    }
    ig.hwpt = hwpt.id;
  }
  ig.deviceList.push(idev.id);
  enter(k, `iommufd_hw_pagetable_attach: device ${idev.id} (${idev.dev}) → HWPT ${hwpt.id}`);
  return ok();
}

/** `iommufd_hw_pagetable_detach()`: leave the igroup; the last device detaches the group (→ blocking). Answers the HWPT left. */
export function iommufdHwPagetableDetach(k: KernelState, ctx: IommufdCtx, idev: IommufdDevice): number {
  const ig = igroupOf(ctx, idev);
  const hwptId = ig.hwpt;
  const obj = hwptId === null ? undefined : ctx.objects.get(hwptId);
  if (hwptId === null || obj?.type !== 'HWPT_PAGING') throw new ModelBug(`device ${idev.id} is not attached`);
  ig.deviceList.splice(ig.deviceList.indexOf(idev.id), 1);
  if (ig.deviceList.length === 0) {
    iommuDetachGroup(k, getGroup(k, ig.id));
    ig.hwpt = null;
  }
  ioptRemoveReservedIova(ioasOf(ctx, obj).iopt, `device ${idev.dev}`);
  enter(k, `iommufd_hw_pagetable_detach: device ${idev.id} (${idev.dev}) from HWPT ${hwptId}`);
  return hwptId;
}

/** `iommufd_hw_pagetable_put()`: an auto-domain HWPT is destroyed once nothing uses it. */
function iommufdHwPagetablePut(k: KernelState, ctx: IommufdCtx, hwptId: number): void {
  const o = ctx.objects.get(hwptId);
  if (o?.type === 'HWPT_PAGING' && o.autoDomain) iommufdObjectRemove(k, ctx, hwptId);
}

/**
 * `iommufd_device_do_replace()`: the group is not attached, or this device is not → EINVAL; same HWPT →
 * nothing; else reserve every attached device's regions in the new IOAS (EADDRINUSE) and switch the
 * group's domain directly (`iommu_group_replace_domain`, no blocking domain in between). Answers the old HWPT.
 */
function doReplace(k: KernelState, ctx: IommufdCtx, idev: IommufdDevice, hwpt: IommufdHwptPaging): Result<number | null> {
  const ig = igroupOf(ctx, idev);
  if (ig.hwpt === null) return err('EINVAL', `group ${ig.id} is not attached: nothing to replace`);
  if (!ig.deviceList.includes(idev.id)) return err('EINVAL', `device ${idev.id} (${idev.dev}) is not attached`);
  if (ig.hwpt === hwpt.id) return ok(null);
  const old = ctx.objects.get(ig.hwpt) as IommufdHwptPaging;
  const newIopt = ioasOf(ctx, hwpt).iopt;
  const moved = old.ioas !== hwpt.ioas;
  const devs = ig.deviceList.map((id) => ctx.objects.get(id) as IommufdDevice);
  if (moved) {
    for (const d of devs) {
      const r = ioptTableEnforceDevResvRegions(newIopt, d.dev, resvRegions(k, d));
      if (!r.ok) {
        for (const u of devs) ioptRemoveReservedIova(newIopt, `device ${u.dev}`);
        return err(r.errno, `IOAS ${hwpt.ioas}: ${r.why}`);
      }
    }
  }
  const s = iommuGroupSetDomain(k, getGroup(k, ig.id), hwpt.domain);
  if (!s.ok) {
    if (moved) for (const u of devs) ioptRemoveReservedIova(newIopt, `device ${u.dev}`);
    return err(s.errno === 'oops' || s.errno === 'blocked' ? 'EINVAL' : s.errno, s.why);
  }
  if (moved) for (const u of devs) ioptRemoveReservedIova(ioasOf(ctx, old).iopt, `device ${u.dev}`);
  ig.hwpt = hwpt.id;
  enter(k, `iommufd_device_do_replace: group ${ig.id} HWPT ${old.id} → ${hwpt.id}`);
  return ok(old.id);
}

type DoAttach = (k: KernelState, ctx: IommufdCtx, idev: IommufdDevice, hwpt: IommufdHwptPaging) => Result<number | null>;

const doAttach: DoAttach = (k, ctx, idev, hwpt) => {
  const r = iommufdHwPagetableAttach(k, ctx, hwpt, idev);
  return r.ok ? ok(null) : r;
};

/**
 * `iommufd_device_auto_get_domain()`: try the IOAS's auto-domain HWPTs in creation order (EINVAL means
 * "incompatible, try the next"); else make a new one (attach: immediately; replace: then replace).
 */
function autoGetDomain(k: KernelState, ctx: IommufdCtx, idev: IommufdDevice, ioas: IommufdIoas, attach: boolean): Result<{ ptId: number; destroy: number | null }> {
  const fn: DoAttach = attach ? doAttach : doReplace;
  for (const o of [...ctx.objects.values()]) {
    if (o.type !== 'HWPT_PAGING' || !o.autoDomain || o.ioas !== ioas.id) continue;
    const r = fn(k, ctx, idev, o);
    if (r.ok) return ok({ ptId: o.id, destroy: r.value });
    if (r.errno !== 'EINVAL') return r;
  }
  const h = iommufdHwptPagingAlloc(k, ctx, ioas, idev, attach, true);
  if (!h.ok) return h;
  if (attach) return ok({ ptId: h.value.id, destroy: null });
  const r = fn(k, ctx, idev, h.value);
  if (!r.ok) {
    iommufdObjectRemove(k, ctx, h.value.id);
    return r;
  }
  return ok({ ptId: h.value.id, destroy: r.value });
}

/** `iommufd_device_change_pt()`: `ptId` unknown → ENOENT; a HWPT → use it; an IOAS → auto domain; else EINVAL. */
function changePt(k: KernelState, ctx: IommufdCtx, idev: IommufdDevice, ptId: number, attach: boolean): Result<number> {
  const pt = iommufdGetObject(ctx, ptId, 'ANY');
  if (!pt.ok) return pt;
  let out: Result<{ ptId: number; destroy: number | null }>;
  if (pt.value.type === 'HWPT_PAGING') {
    const hw = pt.value;
    const r = (attach ? doAttach : doReplace)(k, ctx, idev, hw);
    out = r.ok ? ok({ ptId: hw.id, destroy: r.value }) : r;
  } else if (pt.value.type === 'IOAS') {
    out = autoGetDomain(k, ctx, idev, pt.value, attach);
  } else {
    return err('EINVAL', `pt_id ${ptId} is a ${pt.value.type}, neither an IOAS nor a HWPT`);
  }
  if (!out.ok) return out;
  if (out.value.destroy !== null) iommufdHwPagetablePut(k, ctx, out.value.destroy);
  return ok(out.value.ptId);
}

/** `iommufd_device_attach(idev, &pt_id)`: attach to a HWPT, or to an IOAS through an auto domain. Answers the HWPT id. */
export function iommufdDeviceAttach(k: KernelState, ctx: IommufdCtx, idev: IommufdDevice, ptId: number): Result<number> {
  enter(k, `iommufd_device_attach: device ${idev.id} pt_id ${ptId}`);
  return changePt(k, ctx, idev, ptId, true);
}

/** `iommufd_device_replace(idev, &pt_id)` (6.6+): as detach + attach, without passing through the blocking domain; fails changing nothing. */
export function iommufdDeviceReplace(k: KernelState, ctx: IommufdCtx, idev: IommufdDevice, ptId: number): Result<number> {
  enter(k, `iommufd_device_replace: device ${idev.id} pt_id ${ptId}`);
  return changePt(k, ctx, idev, ptId, false);
}

/** `iommufd_device_detach(idev)`: back to blocked DMA; an auto-domain HWPT left unused is destroyed. */
export function iommufdDeviceDetach(k: KernelState, ctx: IommufdCtx, idev: IommufdDevice): void {
  enter(k, `iommufd_device_detach: device ${idev.id}`);
  iommufdHwPagetablePut(k, ctx, iommufdHwPagetableDetach(k, ctx, idev));
}
