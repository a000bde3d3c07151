/**
 * IOAS — an I/O address space (drivers/iommu/iommufd/ioas.c, 6.12): IOMMU_IOAS_ALLOC, MAP, UNMAP,
 * IOVA_RANGES, and the compat IOAS the vfio group path creates (vfio_compat.c). Each checks its
 * arguments in the kernel's order: flags (EOPNOTSUPP), overflow (EOVERFLOW), permissions (EINVAL),
 * then the IOAS lookup (ENOENT), then the io_pagetable.
 */
import { err, ok, type Result } from '../errno.js';
import type { IoctlOut } from '../file-table.js';
import { enter, type KernelState } from '../kernel-state.js';
import {
  ULONG_MAX, ioptInitTable, ioptIovaRanges, ioptMapUserPages, ioptUnmapAll, ioptUnmapIova,
} from './io-pagetable.js';
import {
  iommufdGetObject, iommufdObjectAlloc, outU64, ucmdFlags, ucmdId, ucmdU64, type IommufdCtx, type IommufdIoas,
} from './main.js';

/** IOMMU_IOAS_MAP flag names, bit order of include/uapi/linux/iommufd.h. */
export const IOMMU_IOAS_MAP_FLAGS = ['FIXED_IOVA', 'WRITEABLE', 'READABLE'] as const;

/** The user_va assumed when a call does not give one: page aligned, lowest set bit PAGE_SIZE (an mmap()ed buffer). */
const DEFAULT_USER_VA = 0x7ffff7ff1000n;

/** `iommufd_ioas_alloc()`: an empty IOAS with the lowest free id. */
export function iommufdIoasAlloc(ctx: IommufdCtx): IommufdIoas {
  return iommufdObjectAlloc(ctx, (id) => ({ type: 'IOAS', id, iopt: ioptInitTable() }));
}

/** `iommufd_ioas_destroy()`: unmap everything. (HWPTs on it hold it, so none is left.) */
export function iommufdIoasDestroy(k: KernelState, _ctx: IommufdCtx, ioas: IommufdIoas): void {
  enter(k, `iommufd_ioas_destroy: IOAS ${ioas.id}`);
  ioptUnmapAll(ioas.iopt);
}

/** IOMMU_IOAS_ALLOC {flags} → {id}: flags ≠ 0 → EOPNOTSUPP. */
export function iommufdIoasAllocIoctl(k: KernelState, ctx: IommufdCtx, arg: Readonly<Record<string, unknown>>): Result<IoctlOut> {
  const f = ucmdU64(arg, 'flags');
  if (f !== 0n && !(Array.isArray(arg['flags']) && arg['flags'].length === 0)) return err('EOPNOTSUPP', `IOMMU_IOAS_ALLOC flags ${String(arg['flags'])} must be 0`);
  const ioas = iommufdIoasAlloc(ctx);
  enter(k, `iommufd_ioas_alloc: IOAS ${ioas.id}`);
  return ok({ id: ioas.id, out_ioas_id: ioas.id });
}

/**
 * IOMMU_IOAS_MAP {ioas_id, flags, iova?, length, user_va?} → {iova}. Unknown flag → EOPNOTSUPP; iova or
 * length ≥ ULONG_MAX → EOVERFLOW; neither READABLE nor WRITEABLE → EINVAL; no such IOAS → ENOENT; then
 * `iopt_map_user_pages` (EINVAL alignment or reserved range, EEXIST overlap, ENOSPC, EOVERFLOW).
 * `user_va` defaults to a page-aligned address whose lowest set bit is PAGE_SIZE [UNSURE: a recorder's
 * mmap address decides the allocated IOVA's alignment in the kernel; see `iopt_alloc_iova`].
 */
export function iommufdIoasMap(k: KernelState, ctx: IommufdCtx, arg: Readonly<Record<string, unknown>>): Result<IoctlOut> {
  const { set, unknown } = ucmdFlags(arg, IOMMU_IOAS_MAP_FLAGS);
  if (unknown.length > 0) return err('EOPNOTSUPP', `IOMMU_IOAS_MAP flags ${unknown.join(', ')} unknown`);
  const iova = ucmdU64(arg, 'iova'), length = ucmdU64(arg, 'length');
  const userVa = arg['user_va'] === undefined ? DEFAULT_USER_VA : ucmdU64(arg, 'user_va');
  if (iova === null || length === null || userVa === null) return err('EINVAL', 'iova, length and user_va must be unsigned integers');
  if (iova >= ULONG_MAX || length >= ULONG_MAX) return err('EOVERFLOW', 'iova or length is ULONG_MAX or more');
  if (!set.has('READABLE') && !set.has('WRITEABLE')) return err('EINVAL', 'IOMMU_IOAS_MAP needs READABLE and/or WRITEABLE');
  const io = iommufdGetObject(ctx, ucmdId(arg, 'ioas_id') ?? 0, 'IOAS');
  if (!io.ok) return io;
  const r = ioptMapUserPages(io.value.iopt, set.has('FIXED_IOVA') ? iova : null, userVa, length,
    { readable: set.has('READABLE'), writeable: set.has('WRITEABLE') });
  if (!r.ok) return err(r.errno, `IOAS ${io.value.id}: ${r.why}`);
  enter(k, `iopt_map_user_pages: IOAS ${io.value.id} iova 0x${r.value.toString(16)} length 0x${length.toString(16)}`);
  return ok({ iova: outU64(r.value) });
}

/**
 * IOMMU_IOAS_UNMAP {ioas_id, iova, length} → {length: bytes unmapped}. No such IOAS → ENOENT; iova 0 with
 * length U64_MAX unmaps everything (even nothing); else EOVERFLOW, EINVAL (length 0), ENOENT (nothing
 * there, or a mapping only partly inside: mappings are never split).
 */
export function iommufdIoasUnmap(k: KernelState, ctx: IommufdCtx, arg: Readonly<Record<string, unknown>>): Result<IoctlOut> {
  const io = iommufdGetObject(ctx, ucmdId(arg, 'ioas_id') ?? 0, 'IOAS');
  if (!io.ok) return io;
  const iova = ucmdU64(arg, 'iova'), length = ucmdU64(arg, 'length');
  if (iova === null || length === null) return err('EINVAL', 'iova and length must be unsigned integers');
  let unmapped: bigint;
  if (iova === 0n && length === ULONG_MAX) {
    unmapped = ioptUnmapAll(io.value.iopt);
  } else {
    if (iova >= ULONG_MAX || length >= ULONG_MAX) return err('EOVERFLOW', 'iova or length is ULONG_MAX or more');
    const r = ioptUnmapIova(io.value.iopt, iova, length);
    if (!r.ok) return err(r.errno, `IOAS ${io.value.id}: ${r.why}`);
    unmapped = r.value;
  }
  enter(k, `iopt_unmap_iova: IOAS ${io.value.id} unmapped 0x${unmapped.toString(16)} bytes`);
  return ok({ length: outU64(unmapped) });
}

/**
 * IOMMU_IOAS_IOVA_RANGES {ioas_id} → {num_iovas, allowed_iovas: [{start, last}], out_iova_alignment}: the
 * IOVA ranges not reserved by an attached device's reserved regions (e.g. the MSI window) or a domain's
 * aperture. No such IOAS → ENOENT. (The kernel's EMSGSIZE for a short user array is not modelled.)
 */
export function iommufdIoasIovaRanges(_k: KernelState, ctx: IommufdCtx, arg: Readonly<Record<string, unknown>>): Result<IoctlOut> {
  const io = iommufdGetObject(ctx, ucmdId(arg, 'ioas_id') ?? 0, 'IOAS');
  if (!io.ok) return io;
  const ranges = ioptIovaRanges(io.value.iopt).map((r) => ({ start: outU64(r.start), last: outU64(r.last) }));
  return ok({ num_iovas: ranges.length, allowed_iovas: ranges, out_iova_alignment: outU64(io.value.iopt.iovaAlignment) });
}

/**
 * `iommufd_vfio_compat_ioas_create()` (6.3+; 6.2 `iommufd_vfio_compat_ioas_id`): VFIO_GROUP_SET_CONTAINER
 * with an iommufd makes sure the ctx has a compat IOAS, allocating one (the lowest free id) if not.
 */
export function iommufdVfioCompatIoasCreate(k: KernelState, ctx: IommufdCtx): void {
  if (ctx.vfioIoas !== null && ctx.objects.get(ctx.vfioIoas)?.type === 'IOAS') return;
  const ioas = iommufdIoasAlloc(ctx);
  ctx.vfioIoas = ioas.id;
  enter(k, `iommufd_vfio_compat_ioas_create: IOAS ${ioas.id}`);
}

/** `iommufd_vfio_compat_set_no_iommu()`: a noiommu vfio group; a compat IOAS already there → EINVAL. */
export function iommufdVfioCompatSetNoIommu(ctx: IommufdCtx): Result {
  if (ctx.vfioIoas !== null) return err('EINVAL', `iommufd_ctx ${ctx.id} already has compat IOAS ${ctx.vfioIoas}`);
  ctx.noIommuMode = true;
  return ok();
}

/** `iommufd_vfio_compat_ioas_get_id()`: the compat IOAS, or ENODEV (none, or destroyed by the user). */
export function iommufdVfioCompatIoasGetId(ctx: IommufdCtx): Result<number> {
  return ctx.vfioIoas === null ? err('ENODEV', `iommufd_ctx ${ctx.id} has no compat IOAS (IOMMU_DESTROY'ed?)`) : ok(ctx.vfioIoas);
}
