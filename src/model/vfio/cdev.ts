/**
 * The vfio device cdev `/dev/vfio/devices/vfioN` (drivers/vfio/device_cdev.c, C: 6.6+ with
 * CONFIG_VFIO_DEVICE_CDEV): open takes only a registration reference; VFIO_DEVICE_BIND_IOMMUFD opens
 * the device on an iommufd (the DMA-ownership claim); ATTACH/DETACH_IOMMUFD_PT move it between page
 * tables. Until BIND succeeds every other ioctl answers EINVAL (`df->access_granted`).
 *
 * Group path vs cdev path, "only one path will claim DMA ownership": BIND blocks the group
 * (`vfio_device_block_group`: EBUSY while /dev/vfio/N is open), and a bound cdev makes
 * open(/dev/vfio/N) EBUSY (`cdev_device_open_cnt`, checked in vfio/group.ts).
 */
import type { VfioDeviceIoctl } from '../vfio-uapi.js';
import { ModelBug, ok, type Outcome } from '../errno.js';
import { fdArg, allocFd, type FileOps, type IoctlOut, type OpenFile } from '../file-table.js';
import { enter, fail, type KernelState } from '../kernel-state.js';
import { vfioGroupPut, type VfioGroup } from './group.js';
import { vfioDeviceGetInfo } from './device.js';
import { iommufdCtxFromFd, iommufdCtxPut, ucmdFlags, ucmdId } from '../iommufd/main.js';
import {
  vfioIommufdPhysicalAttachIoas, vfioIommufdPhysicalBind, vfioIommufdPhysicalDetachIoas, vfioIommufdPhysicalUnbind, type VfioDeviceFile,
} from './iommufd.js';

/** `vfio_device_fops_cdev_open()`: a registration reference (device removal waits for the file); no ownership yet. */
export function vfioDeviceFopsCdevOpen(k: KernelState, vg: VfioGroup, devName: string): Outcome<number> {
  enter(k, 'vfio_device_fops_cdev_open');
  const fd = allocFd(k, { kind: 'vfio-cdev', id: vg.id, device: devName });
  k.vfioCdevFiles.set(fd, { dev: devName, group: vg.id, ctx: null, accessGranted: false });
  return ok(fd);
}

function dfOf(k: KernelState, fd: number): VfioDeviceFile {
  const df = k.vfioCdevFiles.get(fd);
  if (!df) throw new ModelBug(`cdev fd ${fd} has no vfio_device_file`);
  return df;
}

/**
 * VFIO_DEVICE_BIND_IOMMUFD {iommufd, flags?} → {devid} (`vfio_df_ioctl_bind_iommufd`): flags or a negative
 * iommufd → EINVAL; group fd open → EBUSY; already bound → EINVAL; bad iommufd → EBADF / EBADFD; device
 * already open → EINVAL; then `iommufd_device_bind` (EPERM other owner or kernel driver in the group,
 * EBUSY, EINVAL RESV_DIRECT, ENODEV).
 */
function bindIommufd(k: KernelState, fd: number, _file: OpenFile, arg: Readonly<Record<string, unknown>>): Outcome<IoctlOut> {
  const fn = 'vfio_df_ioctl_bind_iommufd';
  enter(k, fn);
  const df = dfOf(k, fd);
  const ifd = fdArg(arg['iommufd']);
  const { set, unknown } = ucmdFlags(arg, []);
  if (set.size > 0 || unknown.length > 0 || ifd === null || ifd < 0) return fail(k, fn, 'EINVAL', `flags must be 0 and iommufd a descriptor (got ${String(arg['iommufd'])})`);
  const vg = k.vfioGroups.get(df.group);
  if (!vg) return fail(k, fn, 'ENODEV', `vfio group ${df.group} is gone`);
  if (vg.openedFd !== null) return fail(k, 'vfio_device_block_group', 'EBUSY', `/dev/vfio/${vg.id} is open (fd ${vg.openedFd}): the group path owns group ${vg.id}`);
  if (df.accessGranted) return fail(k, fn, 'EINVAL', `${df.dev} is already bound through this file`);
  const c = iommufdCtxFromFd(k, ifd);
  if (!c.ok) return fail(k, 'iommufd_ctx_from_fd', c.errno, c.why);
  if (k.vfioIommufdDevs.has(df.dev)) return fail(k, 'vfio_df_open', 'EINVAL', `${df.dev} is already open through another file (open_count != 0)`);
  const b = vfioIommufdPhysicalBind(k, c.value, df.dev, vg.noiommu, true);
  if (!b.ok) return fail(k, 'vfio_iommufd_physical_bind', b.errno, b.why);
  b.value.openCount = 1;
  k.vfioIommufdDevs.set(df.dev, b.value);
  df.ctx = c.value;
  const ctx = k.iommufd.ctxs.get(c.value);
  if (ctx) ctx.ctxGets++;
  df.accessGranted = true;
  vg.cdevDeviceOpenCnt++;
  return ok({ devid: b.value.idev });
}

function granted(k: KernelState, fd: number, fn: string): Outcome<never> | null {
  return dfOf(k, fd).accessGranted ? null : fail(k, fn, 'EINVAL', 'no VFIO_DEVICE_BIND_IOMMUFD yet on this file (access not granted)');
}

/** VFIO_DEVICE_ATTACH_IOMMUFD_PT {pt_id, flags?} → {pt_id}: not bound → EINVAL; flags → EINVAL; then attach/replace (ENOENT, EINVAL, EADDRINUSE). */
function attachPt(k: KernelState, fd: number, _file: OpenFile, arg: Readonly<Record<string, unknown>>): Outcome<IoctlOut> {
  const fn = 'vfio_df_ioctl_attach_pt';
  enter(k, fn);
  const g = granted(k, fd, fn);
  if (g) return g;
  const { set, unknown } = ucmdFlags(arg, []);
  if (set.size > 0 || unknown.length > 0) return fail(k, fn, 'EINVAL', `flags ${unknown.join(', ')} (PASID attach is not modelled)`);
  const vdev = k.vfioIommufdDevs.get(dfOf(k, fd).dev);
  if (!vdev) return fail(k, fn, 'EINVAL', 'device not bound');
  const r = vfioIommufdPhysicalAttachIoas(k, vdev, ucmdId(arg, 'pt_id') ?? 0);
  return r.ok ? ok({ pt_id: r.value }) : fail(k, 'vfio_iommufd_physical_attach_ioas', r.errno, r.why);
}

/** VFIO_DEVICE_DETACH_IOMMUFD_PT {flags?}: not bound → EINVAL; flags → EINVAL; detaching a detached device is a no-op. */
function detachPt(k: KernelState, fd: number, _file: OpenFile, arg: Readonly<Record<string, unknown>>): Outcome<IoctlOut> {
  const fn = 'vfio_df_ioctl_detach_pt';
  enter(k, fn);
  const g = granted(k, fd, fn);
  if (g) return g;
  const { set, unknown } = ucmdFlags(arg, []);
  if (set.size > 0 || unknown.length > 0) return fail(k, fn, 'EINVAL', `flags ${unknown.join(', ')} (PASID detach is not modelled)`);
  const vdev = k.vfioIommufdDevs.get(dfOf(k, fd).dev);
  if (vdev) vfioIommufdPhysicalDetachIoas(k, vdev);
  return ok({});
}

/** VFIO_DEVICE_GET_INFO on a cdev: EINVAL before BIND, then as on a group-path device fd. */
function getInfo(k: KernelState, fd: number, file: OpenFile): Outcome<IoctlOut> {
  const g = granted(k, fd, 'vfio_device_fops_unl_ioctl');
  if (g) return g;
  return vfioDeviceGetInfo(k, fd, file);
}

/** `vfio_device_fops_release()` of a cdev: unbind if bound (`vfio_df_unbind_iommufd`), unblock the group, drop the registration. */
function release(k: KernelState, fd: number, file: OpenFile): void {
  enter(k, 'vfio_device_fops_release (cdev)');
  const df = k.vfioCdevFiles.get(fd);
  k.vfioCdevFiles.delete(fd);
  const vg = k.vfioGroups.get(file.id);
  if (df?.accessGranted) {
    const vdev = k.vfioIommufdDevs.get(df.dev);
    if (vdev) vfioIommufdPhysicalUnbind(k, vdev);
    if (vg) vg.cdevDeviceOpenCnt--;
  }
  if (df?.ctx != null) {
    const ctx = k.iommufd.ctxs.get(df.ctx);
    if (ctx) ctx.ctxGets--;
    iommufdCtxPut(k, df.ctx);
  }
  if (vg) vfioGroupPut(k, vg);
}

/** Open cdev files of `devName`: each holds a registration reference that `vfio_unregister_group_dev()` waits for. */
export function vfioCdevFilesOpen(k: KernelState, devName: string): number {
  let n = 0;
  for (const f of k.vfioCdevFiles.values()) if (f.dev === devName) n++;
  return n;
}

/** `vfio_device_fops` of a /dev/vfio/devices/vfioN file. */
export const VFIO_CDEV_FOPS: FileOps<VfioDeviceIoctl> = {
  ioctls: {
    VFIO_DEVICE_BIND_IOMMUFD: bindIommufd,
    VFIO_DEVICE_ATTACH_IOMMUFD_PT: attachPt,
    VFIO_DEVICE_DETACH_IOMMUFD_PT: detachPt,
    VFIO_DEVICE_GET_INFO: getInfo,
  },
  release,
};
