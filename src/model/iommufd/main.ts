/**
 * `/dev/iommu` (drivers/iommu/iommufd/main.c, 6.12): one `iommufd_ctx` per open, its object table, the
 * ioctl dispatch table, and IOMMU_DESTROY. Every object has one lifecycle: `iommufdObjectAlloc` takes
 * the lowest free id ≥ 1 (the ctx's xarray is XA_FLAGS_ALLOC1; ids are reused after destroy), the
 * creator either finishes or calls `iommufdObjectAbort`, and destruction needs `users == 1`.
 *
 * `users` is computed from the references the other objects hold rather than stored, so it cannot
 * drift: an IOAS is used by each HWPT on it, a HWPT by each attached device, a DEVICE by the driver that
 * bound it (always, until unbind) and by its attachment. The ctx itself lives while its file is open,
 * a device is bound to it, or a vfio group holds it (`iommufd_ctx_get`); then `iommufd_fops_release`
 * destroys the remaining objects leaf first.
 *
 * Table of contents: main.ts (ctx, objects, dispatch) · ioas.ts (IOAS ioctls) · io-pagetable.ts (IOVA
 * space) · hw-pagetable.ts (HWPT_PAGING) · device.ts (bind, igroup, attach/replace/detach).
 */
import { err, type Errno, ModelBug, ok, type Outcome, type Result } from '../errno.js';
import { allocFd, fdArg, type FileOps, type IoctlHandler, type IoctlOut, type OpenFile } from '../file-table.js';
import { enter, fail, type KernelState } from '../kernel-state.js';
import { VFIO_API_VERSION, type VfioContainerIoctl } from '../vfio-uapi.js';
import type { IoPagetable } from './io-pagetable.js';
import { iommufdIoasAllocIoctl, iommufdIoasDestroy, iommufdIoasIovaRanges, iommufdIoasMap, iommufdIoasUnmap } from './ioas.js';
import { iommufdHwptAlloc, iommufdHwptPagingDestroy } from './hw-pagetable.js';
import { iommufdDeviceDestroy } from './device.js';
import { ucmdId } from './ucmd.js';

declare module '../kernel-state.js' {
  interface KernelState {
    /** iommufd contexts (`struct iommufd_ctx` of each /dev/iommu open). */
    readonly iommufd: IommufdState;
  }
}


export { outU64, ucmdFlags, ucmdId, ucmdU64 } from './ucmd.js';

export interface IommufdIoas {
  readonly type: 'IOAS';
  readonly id: number;
  readonly iopt: IoPagetable;
}

export interface IommufdHwptPaging {
  readonly type: 'HWPT_PAGING';
  readonly id: number;
  readonly ioas: number;
  /** The iommu_domain (id in KernelState.domains). */
  readonly domain: number;
  /** Created by attach to an IOAS (destroyed with its last device), not by IOMMU_HWPT_ALLOC. */
  readonly autoDomain: boolean;
}

export interface IommufdDevice {
  readonly type: 'DEVICE';
  readonly id: number;
  /** Device name (BDF). */
  readonly dev: string;
  /** Its iommu group id (the igroup key). */
  readonly group: number;
}

export type IommufdObject = IommufdIoas | IommufdHwptPaging | IommufdDevice;
export type IommufdObjType = IommufdObject['type'];

/** `struct iommufd_group` (per ctx and iommu group): the one HWPT the group is attached to, and the attached devices. */
export interface IommufdGroup {
  readonly id: number;
  hwpt: number | null;
  /** Attached DEVICE ids (`device_list`), attach order. */
  readonly deviceList: number[];
}

export interface IommufdCtx {
  readonly id: number;
  readonly objects: Map<number, IommufdObject>;
  readonly groups: Map<number, IommufdGroup>;
  /** `ictx->vfio_ioas`: the compat IOAS used by the vfio group path. */
  vfioIoas: number | null;
  noIommuMode: boolean;
  /** The /dev/iommu file is still open. */
  fileOpen: boolean;
  /** `iommufd_ctx_get()` references held by vfio groups (`group->iommufd`) and vfio cdev files (`df->iommufd`). */
  ctxGets: number;
}

export interface IommufdState {
  readonly ctxs: Map<number, IommufdCtx>;
}

export function iommufdStateInit(): IommufdState {
  return { ctxs: new Map() };
}

/** The owner cookie `iommufd_device_bind()` claims with: the `iommufd_ctx`. */
export function iommufdCookie(ctxId: number): string {
  return `iommufd_ctx ${ctxId}`;
}

export function getCtx(k: KernelState, id: number): IommufdCtx {
  const c = k.iommufd.ctxs.get(id);
  if (!c) throw new ModelBug(`iommufd_ctx ${id} does not exist`);
  return c;
}

/** `_iommufd_object_alloc()` + finalize: the lowest free id ≥ 1 (xa_alloc on an ALLOC1 xarray). */
export function iommufdObjectAlloc<T extends IommufdObject>(ctx: IommufdCtx, make: (id: number) => T): T {
  let id = 1;
  while (ctx.objects.has(id)) id++;
  const obj = make(id);
  ctx.objects.set(id, obj);
  return obj;
}

/** `iommufd_object_abort()`: the id goes back to the xarray. */
export function iommufdObjectAbort(ctx: IommufdCtx, id: number): void {
  ctx.objects.delete(id);
}

/** `iommufd_get_object()`: unknown id, or not of `type` → ENOENT. */
export function iommufdGetObject<T extends IommufdObjType>(ctx: IommufdCtx, id: number, type: T | 'ANY'): Result<Extract<IommufdObject, { type: T }>> {
  const obj = ctx.objects.get(id);
  if (!obj || (type !== 'ANY' && obj.type !== type)) {
    return err('ENOENT', `iommufd_ctx ${ctx.id}: no ${type === 'ANY' ? 'object' : type} with id ${id}${obj ? ` (id ${id} is a ${obj.type})` : ''}`);
  }
  return ok(obj as Extract<IommufdObject, { type: T }>);
}

/** `obj->users`: 1 for the xarray plus the references other objects and drivers hold. */
export function iommufdObjectUsers(k: KernelState, ctx: IommufdCtx, obj: IommufdObject): number {
  switch (obj.type) {
    case 'IOAS': {
      let n = 1;
      for (const o of ctx.objects.values()) if (o.type === 'HWPT_PAGING' && o.ioas === obj.id) n++;
      return n;
    }
    case 'HWPT_PAGING': {
      let n = 1;
      for (const g of ctx.groups.values()) if (g.hwpt === obj.id) n += g.deviceList.length;
      return n;
    }
    case 'DEVICE':
      return 2 + (ctx.groups.get(obj.group)?.deviceList.includes(obj.id) ? 1 : 0);
  }
}

function usersWhy(ctx: IommufdCtx, obj: IommufdObject): string {
  if (obj.type === 'DEVICE') return `device ${obj.id} (${obj.dev}) is bound by its driver until unbind`;
  if (obj.type === 'IOAS') {
    const hw = [...ctx.objects.values()].filter((o) => o.type === 'HWPT_PAGING' && o.ioas === obj.id).map((o) => o.id);
    return `IOAS ${obj.id} is used by HWPT ${hw.join(', ')}`;
  }
  const devs = [...ctx.groups.values()].filter((g) => g.hwpt === obj.id).flatMap((g) => g.deviceList);
  return `HWPT ${obj.id} has attached device(s) ${devs.join(', ')}`;
}

/** `iommufd_object_ops[]` (main.c): each object type's `destroy`, keyed by the type the compiler checks. */
const IOMMUFD_OBJECT_OPS: { readonly [T in IommufdObject['type']]: (k: KernelState, ctx: IommufdCtx, obj: Extract<IommufdObject, { type: T }>) => void } = {
  IOAS: iommufdIoasDestroy,
  HWPT_PAGING: iommufdHwptPagingDestroy,
  DEVICE: iommufdDeviceDestroy,
};

/** `iommufd_object_ops[obj->type].destroy(obj)` for an object of any type. */
function objectDestroy<T extends IommufdObject['type']>(k: KernelState, ctx: IommufdCtx, obj: Extract<IommufdObject, { type: T }>): void {
  const destroy: (k: KernelState, ctx: IommufdCtx, obj: Extract<IommufdObject, { type: T }>) => void = IOMMUFD_OBJECT_OPS[obj.type as T];
  destroy(k, ctx, obj);
}

function destroyObject(k: KernelState, ctx: IommufdCtx, obj: IommufdObject): void {
  ctx.objects.delete(obj.id);
  if (ctx.vfioIoas === obj.id) ctx.vfioIoas = null;
  objectDestroy(k, ctx, obj);
}

/**
 * `iommufd_object_remove()`: remove `id` if only the xarray uses it. Unknown id → ENOENT; in use → EBUSY.
 * `held` counts references the caller itself holds and gives up (a driver's unbind, a detach's put).
 */
export function iommufdObjectRemove(k: KernelState, ctx: IommufdCtx, id: number, held = 0): Result {
  const obj = ctx.objects.get(id);
  if (!obj) return err('ENOENT', `iommufd_ctx ${ctx.id}: no object with id ${id}`);
  if (iommufdObjectUsers(k, ctx, obj) - held !== 1) return err('EBUSY', usersWhy(ctx, obj));
  destroyObject(k, ctx, obj);
  return ok();
}

/** The references that keep a ctx alive: its open file, each bound device, each vfio group and cdev file given it. */
export function iommufdCtxRefs(_k: KernelState, ctx: IommufdCtx): number {
  let n = (ctx.fileOpen ? 1 : 0) + ctx.ctxGets;
  for (const o of ctx.objects.values()) if (o.type === 'DEVICE') n++;
  return n;
}

/** `iommufd_ctx_put()`: when the last reference goes, `iommufd_fops_release()` destroys every object, leaves first. */
export function iommufdCtxPut(k: KernelState, ctxId: number): void {
  const ctx = k.iommufd.ctxs.get(ctxId);
  if (!ctx || iommufdCtxRefs(k, ctx) > 0) return;
  enter(k, `iommufd_fops_release: iommufd_ctx ${ctxId}`);
  while (ctx.objects.size > 0) {
    const leaf = [...ctx.objects.values()].find((o) => iommufdObjectUsers(k, ctx, o) === 1);
    if (!leaf) throw new ModelBug(`iommufd_fops_release: iommufd_ctx ${ctxId} has objects that are never leaves`);
    destroyObject(k, ctx, leaf);
  }
  if (ctx.groups.size > 0) throw new ModelBug(`iommufd_fops_release: iommufd_ctx ${ctxId} still has igroups`);
  k.iommufd.ctxs.delete(ctxId);
}

/** open(/dev/iommu) — `iommufd_fops_open()`: a new ctx (the owner cookie of everything bound to it). */
export function iommufdFopsOpen(k: KernelState): Outcome<number> {
  enter(k, 'iommufd_fops_open');
  const id = k.next.iommufdCtx++;
  k.iommufd.ctxs.set(id, { id, objects: new Map(), groups: new Map(), vfioIoas: null, noIommuMode: false, fileOpen: true, ctxGets: 0 });
  return ok(allocFd(k, { kind: 'iommufd', id }));
}

/** `iommufd_ctx_from_fd()`: not open → EBADF; not /dev/iommu → EBADFD. */
export function iommufdCtxFromFd(k: KernelState, fdValue: unknown): Result<number> {
  const fd = fdArg(fdValue);
  const f = fd === null ? undefined : k.files.get(fd);
  if (!f) return err('EBADF', `fd ${String(fdValue)} is not open`);
  if (f.kind !== 'iommufd') return err('EBADFD', `fd ${fd} is a ${f.kind}, not /dev/iommu`);
  return ok(f.id);
}

export type Ucmd = (k: KernelState, ctx: IommufdCtx, arg: Readonly<Record<string, unknown>>) => Result<IoctlOut>;

/** IOMMU_DESTROY {id}: `iommufd_object_remove(ictx, NULL, id, 0)` — ENOENT, EBUSY. */
function iommufdDestroy(k: KernelState, ctx: IommufdCtx, arg: Readonly<Record<string, unknown>>): Result<IoctlOut> {
  const id = ucmdId(arg, 'id');
  if (id === null) return err('ENOENT', `id ${String(arg['id'])} is not an object id`);
  const r = iommufdObjectRemove(k, ctx, id);
  return r.ok ? ok({}) : r;
}

/** IOMMU_VFIO_IOAS {op: GET|SET|CLEAR, ioas_id}: the compat IOAS of the vfio path. GET without one → ENODEV. */
function iommufdVfioIoas(_k: KernelState, ctx: IommufdCtx, arg: Readonly<Record<string, unknown>>): Result<IoctlOut> {
  const op = arg['op'];
  if (op === 'IOMMU_VFIO_IOAS_GET' || op === 0) {
    return ctx.vfioIoas === null ? err('ENODEV', `iommufd_ctx ${ctx.id} has no compat IOAS`) : ok({ ioas_id: ctx.vfioIoas });
  }
  if (op === 'IOMMU_VFIO_IOAS_SET' || op === 1) {
    const io = iommufdGetObject(ctx, ucmdId(arg, 'ioas_id') ?? 0, 'IOAS');
    if (!io.ok) return io;
    ctx.vfioIoas = io.value.id;
    return ok({});
  }
  if (op === 'IOMMU_VFIO_IOAS_CLEAR' || op === 2) { ctx.vfioIoas = null; return ok({}); }
  return err('EOPNOTSUPP', `IOMMU_VFIO_IOAS op ${String(op)}`);
}

/** The ioctls of /dev/iommu (include/uapi/linux/iommufd.h), and the VFIO compat ioctls the ctx answers. */
export type IommufdIoctl =
  | 'IOMMU_DESTROY' | 'IOMMU_IOAS_ALLOC' | 'IOMMU_IOAS_IOVA_RANGES' | 'IOMMU_IOAS_MAP' | 'IOMMU_IOAS_UNMAP'
  | 'IOMMU_HWPT_ALLOC' | 'IOMMU_VFIO_IOAS' | Extract<VfioContainerIoctl, 'VFIO_GET_API_VERSION' | 'VFIO_CHECK_EXTENSION'>;

/** `iommufd_ioctl_ops[]`. */
const IOMMUFD_IOCTL_OPS: Readonly<Record<IommufdIoctl, Ucmd>> = {
  IOMMU_DESTROY: iommufdDestroy,
  IOMMU_IOAS_ALLOC: iommufdIoasAllocIoctl,
  IOMMU_IOAS_IOVA_RANGES: iommufdIoasIovaRanges,
  IOMMU_IOAS_MAP: iommufdIoasMap,
  IOMMU_IOAS_UNMAP: iommufdIoasUnmap,
  IOMMU_HWPT_ALLOC: iommufdHwptAlloc,
  IOMMU_VFIO_IOAS: iommufdVfioIoas,
  VFIO_GET_API_VERSION: () => ok({ ret: VFIO_API_VERSION }),
  VFIO_CHECK_EXTENSION: (_k, _c, a) => ok({ ret: ['VFIO_TYPE1_IOMMU', 'VFIO_TYPE1v2_IOMMU', 'VFIO_UNMAP_ALL'].includes(String(a['extension'])) ? 1 : 0 }),
};

function dispatch(name: IommufdIoctl, op: Ucmd): IoctlHandler {
  return (k: KernelState, _fd: number, file: OpenFile, arg: Readonly<Record<string, unknown>>): Outcome<IoctlOut> => {
    const fn = `iommufd_fops_ioctl: ${name}`;
    enter(k, fn);
    const ctx = getCtx(k, file.id);
    const r = op(k, ctx, arg);
    return r.ok ? r : fail(k, fn, r.errno, r.why);
  };
}

/** Every entry of `iommufd_ioctl_ops` behind `iommufd_fops_ioctl()`. */
function dispatchTable(ops: Readonly<Record<IommufdIoctl, Ucmd>>): Record<IommufdIoctl, IoctlHandler> {
  const out = {} as Record<IommufdIoctl, IoctlHandler>;
  for (const name of Object.keys(ops) as IommufdIoctl[]) out[name] = dispatch(name, ops[name]);
  return out;
}

/** `iommufd_fops` of /dev/iommu: every ioctl through `iommufd_ioctl_ops`. */
export const IOMMUFD_FOPS: FileOps<IommufdIoctl> = {
  ioctls: dispatchTable(IOMMUFD_IOCTL_OPS),
  release(k, _fd, file) {
    const ctx = k.iommufd.ctxs.get(file.id);
    if (!ctx) return;
    ctx.fileOpen = false;
    iommufdCtxPut(k, ctx.id);
  },
};
