/**
 * HWPT_PAGING — a hardware page table, i.e. an iommu_domain mirroring one IOAS
 * (drivers/iommu/iommufd/hw_pagetable.c, 6.12). Created automatically when a device attaches to an
 * IOAS (`autoDomain`, destroyed with its last device) or explicitly by IOMMU_HWPT_ALLOC (lives until
 * IOMMU_DESTROY). Joining the IOAS (`iopt_table_add_domain`) raises its iova_alignment to the domain's
 * smallest page and reserves what lies outside the domain's aperture.
 */
import { err, ok, type Result } from '../errno.js';
import type { IoctlOut } from '../file-table.js';
import { allocDomain } from '../iommu/group.js';
import { enter, type KernelState } from '../kernel-state.js';
import { iommufdHwPagetableAttach, iommufdHwPagetableDetach } from './device.js';
import { ioptTableAddDomain, ioptTableRemoveDomain } from './io-pagetable.js';
import {
  iommufdGetObject, iommufdObjectAbort, iommufdObjectAlloc, ucmdFlags, ucmdId,
  type IommufdCtx, type IommufdDevice, type IommufdHwptPaging, type IommufdIoas,
} from './main.js';

/** Intel VT-d second-stage domains: smallest page 4 KiB. */
export const DOMAIN_PGSIZE = 4096n;
/** The domain aperture's last IOVA: 48-bit [UNSURE: the IOMMU's address width (QEMU `aw-bits`, the host's MGAW) decides]. */
export const DOMAIN_APERTURE_END = (1n << 48n) - 1n;

/** IOMMU_HWPT_ALLOC flag names (uapi bit order). */
export const IOMMU_HWPT_ALLOC_FLAGS = ['NEST_PARENT', 'DIRTY_TRACKING', 'PASID'] as const;

function abort(k: KernelState, ctx: IommufdCtx, hwpt: IommufdHwptPaging): void {
  k.domains.delete(hwpt.domain);
  iommufdObjectAbort(ctx, hwpt.id);
}

/**
 * `iommufd_hwpt_paging_alloc()`: a new HWPT (lowest free id) with a fresh unmanaged domain on `ioas`.
 * With `immediateAttach` the device attaches first (as auto-domain creation does), then the domain joins
 * the IOAS; any failure aborts the object (its id is free again) and undoes the attach.
 */
export function iommufdHwptPagingAlloc(k: KernelState, ctx: IommufdCtx, ioas: IommufdIoas, idev: IommufdDevice,
  immediateAttach: boolean, autoDomain: boolean): Result<IommufdHwptPaging> {
  const hwpt = iommufdObjectAlloc(ctx, (id): IommufdHwptPaging => ({
    type: 'HWPT_PAGING', id, ioas: ioas.id, autoDomain,
    domain: allocDomain(k, 'unmanaged', `iommufd HWPT ${id} (iommufd_ctx ${ctx.id}, IOAS ${ioas.id})`),
  }));
  enter(k, `iommufd_hwpt_paging_alloc: HWPT ${hwpt.id} on IOAS ${ioas.id}${autoDomain ? ' (auto domain)' : ''}`);
  if (immediateAttach) {
    const a = iommufdHwPagetableAttach(k, ctx, hwpt, idev);
    if (!a.ok) { abort(k, ctx, hwpt); return a; }
  }
  const r = ioptTableAddDomain(ioas.iopt, hwpt.id, DOMAIN_PGSIZE, DOMAIN_APERTURE_END);
  if (!r.ok) {
    if (immediateAttach) iommufdHwPagetableDetach(k, ctx, idev);
    abort(k, ctx, hwpt);
    return err(r.errno, `IOAS ${ioas.id}: ${r.why}`);
  }
  return ok(hwpt);
}

/** `iommufd_hwpt_paging_destroy()`: the domain leaves its IOAS and is freed. Caller: users reached 1. */
export function iommufdHwptPagingDestroy(k: KernelState, ctx: IommufdCtx, hwpt: IommufdHwptPaging): void {
  enter(k, `iommufd_hwpt_paging_destroy: HWPT ${hwpt.id}`);
  const ioas = ctx.objects.get(hwpt.ioas);
  if (ioas?.type === 'IOAS') ioptTableRemoveDomain(ioas.iopt, hwpt.id, () => DOMAIN_PGSIZE);
  k.domains.delete(hwpt.domain);
}

/**
 * IOMMU_HWPT_ALLOC {dev_id, pt_id, flags?} → {id}: a manual HWPT on IOAS `pt_id` for device `dev_id`.
 * Flags → EOPNOTSUPP [the model offers no nesting or dirty tracking]; unknown device → ENOENT; `pt_id`
 * unknown, or not an IOAS (a HWPT parent needs nesting data) → EINVAL; then `iopt_table_add_domain` errors.
 */
export function iommufdHwptAlloc(k: KernelState, ctx: IommufdCtx, arg: Readonly<Record<string, unknown>>): Result<IoctlOut> {
  const { set, unknown } = ucmdFlags(arg, IOMMU_HWPT_ALLOC_FLAGS);
  if (unknown.length > 0 || set.size > 0) return err('EOPNOTSUPP', `IOMMU_HWPT_ALLOC flags ${[...set, ...unknown].join(', ')} not supported by the model's IOMMU`);
  const idev = iommufdGetObject(ctx, ucmdId(arg, 'dev_id') ?? 0, 'DEVICE');
  if (!idev.ok) return idev;
  const pt = iommufdGetObject(ctx, ucmdId(arg, 'pt_id') ?? 0, 'ANY');
  if (!pt.ok) return err('EINVAL', pt.why);
  if (pt.value.type !== 'IOAS') return err('EINVAL', `pt_id ${pt.value.id} is a ${pt.value.type}, not an IOAS (nested HWPTs need driver data)`);
  const r = iommufdHwptPagingAlloc(k, ctx, pt.value, idev.value, false, false);
  return r.ok ? ok({ id: r.value.id, out_hwpt_id: r.value.id }) : r;
}
