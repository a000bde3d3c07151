/**
 * VFIO's side of iommufd (drivers/vfio/iommufd.c, the iommufd parts of drivers/vfio/group.c and
 * vfio_main.c; 6.12, same rules 6.2+): a vfio device bound to an iommufd (`vdev->iommufd_device`,
 * `iommufd_attached`), and the group path that gives a vfio group an iommufd instead of a container.
 *
 * Group path (F+): VFIO_GROUP_SET_CONTAINER(iommufd) only makes sure the ctx has a compat IOAS — no
 * ownership claim; the first GET_DEVICE_FD of a device binds it (`iommufd_device_bind`: the claim, errors
 * such as EPERM come out of the ioctl) and attaches it to the compat IOAS; its last close unbinds it.
 */
import { err, ok, type Outcome, type Result } from '../errno.js';
import { enter, fail, type KernelState } from '../kernel-state.js';
import type { VfioGroup } from './group.js';
import { getCtx, iommufdCtxPut, type IommufdCtx, type IommufdDevice } from '../iommufd/main.js';
import { iommufdVfioCompatIoasCreate, iommufdVfioCompatIoasGetId, iommufdVfioCompatSetNoIommu } from '../iommufd/ioas.js';
import { iommufdDeviceAttach, iommufdDeviceBind, iommufdDeviceDetach, iommufdDeviceReplace, iommufdDeviceUnbind } from '../iommufd/device.js';

declare module '../kernel-state.js' {
  interface KernelState {
    /** vfio devices bound to an iommufd (`vdev->iommufd_device`), by device name. */
    readonly vfioIommufdDevs: Map<string, VfioIommufdDevice>;
    /** Open /dev/vfio/devices/vfioN files (`struct vfio_device_file`), by fd. */
    readonly vfioCdevFiles: Map<number, VfioDeviceFile>;
  }
}

/** A vfio device opened on an iommufd: `vdev->iommufd_device` and friends. */
export interface VfioIommufdDevice {
  readonly dev: string;
  readonly ctx: number;
  /** The DEVICE object id (`devid`); 0 (IOMMUFD_INVALID_ID) for a noiommu device, which binds nothing. */
  readonly idev: number;
  attached: boolean;
  /** `device->open_count` of the iommufd opens (group path: one per device fd; cdev: 1). */
  openCount: number;
  /** Opened through /dev/vfio/devices/vfioN (`device->cdev_opened`). */
  readonly cdev: boolean;
}

/** `struct vfio_device_file` of a cdev open: `df->iommufd`, `df->access_granted`. */
export interface VfioDeviceFile {
  readonly dev: string;
  /** The vfio group (iommu group id) of the device. */
  readonly group: number;
  ctx: number | null;
  accessGranted: boolean;
}

function idevOf(ctx: IommufdCtx, vdev: VfioIommufdDevice): IommufdDevice | undefined {
  const o = ctx.objects.get(vdev.idev);
  return o?.type === 'DEVICE' ? o : undefined;
}

/** `vfio_iommufd_physical_bind()` (→ `iommufd_device_bind`); noiommu: CAP_SYS_RAWIO or EPERM, nothing bound. */
export function vfioIommufdPhysicalBind(k: KernelState, ctxId: number, devName: string, noiommu: boolean, cdev: boolean): Result<VfioIommufdDevice> {
  const dev = k.devices.get(devName);
  if (!dev) return err('ENODEV', `${devName} is gone`);
  if (noiommu) {
    if (!k.opts.capSysRawio) return err('EPERM', `noiommu device ${devName} needs CAP_SYS_RAWIO`);
    return ok({ dev: devName, ctx: ctxId, idev: 0, attached: false, openCount: 0, cdev });
  }
  const b = iommufdDeviceBind(k, getCtx(k, ctxId), dev);
  if (!b.ok) return b;
  return ok({ dev: devName, ctx: ctxId, idev: b.value.id, attached: false, openCount: 0, cdev });
}

/** `vfio_iommufd_physical_attach_ioas()`: attach, or (6.6+) replace when already attached. Answers the HWPT id. */
export function vfioIommufdPhysicalAttachIoas(k: KernelState, vdev: VfioIommufdDevice, ptId: number): Result<number> {
  const ctx = getCtx(k, vdev.ctx);
  const idev = idevOf(ctx, vdev);
  if (!idev) return err('EINVAL', `${vdev.dev} has no iommufd device (noiommu)`);
  const r = vdev.attached ? iommufdDeviceReplace(k, ctx, idev, ptId) : iommufdDeviceAttach(k, ctx, idev, ptId);
  if (r.ok) vdev.attached = true;
  return r;
}

/** `vfio_iommufd_physical_detach_ioas()`: nothing if not attached. */
export function vfioIommufdPhysicalDetachIoas(k: KernelState, vdev: VfioIommufdDevice): void {
  const ctx = getCtx(k, vdev.ctx);
  const idev = idevOf(ctx, vdev);
  if (!idev || !vdev.attached) return;
  iommufdDeviceDetach(k, ctx, idev);
  vdev.attached = false;
}

/** `vfio_iommufd_physical_unbind()`: detach, then unbind (release this device's claim). */
export function vfioIommufdPhysicalUnbind(k: KernelState, vdev: VfioIommufdDevice): void {
  enter(k, `vfio_iommufd_physical_unbind: ${vdev.dev}`);
  vfioIommufdPhysicalDetachIoas(k, vdev);
  const ctx = getCtx(k, vdev.ctx);
  const idev = idevOf(ctx, vdev);
  if (idev) iommufdDeviceUnbind(k, ctx, idev);
  k.vfioIommufdDevs.delete(vdev.dev);
  iommufdCtxPut(k, vdev.ctx);
}

/** VFIO_GROUP_SET_CONTAINER with an iommufd (F+): compat IOAS (or noiommu mode); `group->iommufd` takes a ctx reference. */
export function vfioGroupSetIommufd(k: KernelState, vg: VfioGroup, ctxId: number): Outcome {
  const ctx = getCtx(k, ctxId);
  if (vg.noiommu) {
    const r = iommufdVfioCompatSetNoIommu(ctx);
    if (!r.ok) return fail(k, 'iommufd_vfio_compat_set_no_iommu', r.errno, r.why);
  } else {
    iommufdVfioCompatIoasCreate(k, ctx);
  }
  vg.iommufd = ctxId;
  ctx.ctxGets++;
  return ok();
}

/** The vfio group lets go of its iommufd (UNSET_CONTAINER, group release, last device removed): `iommufd_ctx_put`. */
export function vfioGroupPutIommufd(k: KernelState, vg: VfioGroup): void {
  const id = vg.iommufd;
  vg.iommufd = null;
  if (id === null) return;
  const ctx = k.iommufd.ctxs.get(id);
  if (ctx) ctx.ctxGets--;
  iommufdCtxPut(k, id);
}

/**
 * `vfio_df_group_open()` with `group->iommufd`: the first open of the device binds it to the ctx and
 * attaches it to the compat IOAS (`vfio_iommufd_compat_attach_ioas`; none → ENODEV); a failed attach
 * unbinds again. noiommu: CAP_SYS_RAWIO and no compat IOAS, else EPERM; nothing bound.
 */
export function vfioDfGroupOpenIommufd(k: KernelState, vg: VfioGroup, devName: string): Outcome {
  const fn = 'vfio_df_group_open';
  const ctxId = vg.iommufd;
  if (ctxId === null) return ok();
  const cur = k.vfioIommufdDevs.get(devName);
  if (cur) { cur.openCount++; return ok(); }
  enter(k, `${fn}: first open of ${devName} on iommufd_ctx ${ctxId}`);
  const ctx = getCtx(k, ctxId);
  if (vg.noiommu && ctx.vfioIoas !== null) return fail(k, fn, 'EPERM', `noiommu group ${vg.id}: iommufd_ctx ${ctxId} has a compat IOAS (translation expected)`);
  const b = vfioIommufdPhysicalBind(k, ctxId, devName, vg.noiommu, false);
  if (!b.ok) return fail(k, 'vfio_iommufd_bind', b.errno, b.why);
  const vdev = b.value;
  k.vfioIommufdDevs.set(devName, vdev);
  vdev.openCount = 1;
  if (!vg.noiommu) {
    const io = iommufdVfioCompatIoasGetId(ctx);
    const a = io.ok ? vfioIommufdPhysicalAttachIoas(k, vdev, io.value) : io;
    if (!a.ok) {
      vfioIommufdPhysicalUnbind(k, vdev);
      return fail(k, 'vfio_iommufd_compat_attach_ioas', a.errno, a.why);
    }
  }
  return ok();
}

/** `vfio_df_group_close()`: the last close of a device opened on an iommufd unbinds it. No-op otherwise. */
export function vfioDfGroupCloseIommufd(k: KernelState, devName: string): void {
  const vdev = k.vfioIommufdDevs.get(devName);
  if (!vdev || vdev.cdev) return;
  if (--vdev.openCount > 0) return;
  vfioIommufdPhysicalUnbind(k, vdev);
}
