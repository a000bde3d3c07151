/**
 * `struct io_pagetable` (drivers/iommu/iommufd/io_pagetable.c, 6.12): the IOVA space of one IOAS —
 * mapped areas, reserved ranges (each with an owner: a device's reserved regions, a domain's aperture),
 * the domains that mirror the areas, and `iova_alignment` (1 until a domain with a larger minimum page
 * size joins). Pages and pinning are not modelled: user memory is assumed valid and writable.
 *
 * All IOVAs are u64 as bigint. Functions check before they change anything, except where the kernel
 * does not (`iopt_unmap_iova_range` unmaps area by area and may stop half way; noted there).
 */
import { err, ok, type Result } from '../errno.js';
import type { ReservedRegion } from '../host-description.js';

export const ULONG_MAX = (1n << 64n) - 1n;
export const PAGE_SIZE = 4096n;

export interface IovaRange {
  readonly start: bigint;
  readonly last: bigint;
}

export interface IoptArea extends IovaRange {
  readonly writeable: boolean;
  readonly readable: boolean;
}

export interface IoptReserved extends IovaRange {
  /** Whose reservation: `device 0000:00:05.0` (its reserved regions) or `hwpt 3` (its domain's aperture). */
  readonly owner: string;
}

export interface IoPagetable {
  /** Sorted by start; never overlapping. */
  readonly areas: IoptArea[];
  readonly reserved: IoptReserved[];
  iovaAlignment: bigint;
  /** HWPT object ids whose domains mirror this table (`iopt->domains`). */
  readonly domains: number[];
}

/** `iopt_init_table()`: no areas, no reservations, alignment 1. */
export function ioptInitTable(): IoPagetable {
  return { areas: [], reserved: [], iovaAlignment: 1n, domains: [] };
}

const overlaps = (a: IovaRange, start: bigint, last: bigint): boolean => a.start <= last && start <= a.last;
const align = (x: bigint, a: bigint): bigint => ((x + a - 1n) / a) * a;
const hex = (v: bigint): string => `0x${v.toString(16)}`;

export function describeRange(start: bigint, last: bigint): string {
  return `[${hex(start)}, ${hex(last)}]`;
}

function roundupPowOfTwo(v: bigint): bigint {
  let p = 1n;
  while (p < v) p <<= 1n;
  return p;
}

/** 1 << __ffs64(v): the largest power of two dividing v (v != 0). */
function lowestBit(v: bigint): bigint {
  return v & -v;
}

/** `iopt_reserve_iova()`: reserve [start, last] for `owner`. Reservations may overlap each other; a mapped area there → EADDRINUSE. */
export function ioptReserveIova(iopt: IoPagetable, start: bigint, last: bigint, owner: string): Result {
  const area = iopt.areas.find((a) => overlaps(a, start, last));
  if (area) return err('EADDRINUSE', `IOVA ${describeRange(start, last)} (${owner}) overlaps the mapping at ${describeRange(area.start, area.last)}`);
  iopt.reserved.push({ start, last, owner });
  return ok();
}

/** `iopt_remove_reserved_iova()`: drop every reservation of `owner`. */
export function ioptRemoveReservedIova(iopt: IoPagetable, owner: string): void {
  for (let i = iopt.reserved.length - 1; i >= 0; i--) if (iopt.reserved[i]?.owner === owner) iopt.reserved.splice(i, 1);
}

/**
 * `iopt_table_enforce_dev_resv_regions()`: reserve the device's reserved regions (all but
 * direct-relaxable) with the device as owner. All or nothing: EADDRINUSE if one overlaps a mapping.
 */
export function ioptTableEnforceDevResvRegions(iopt: IoPagetable, dev: string, regions: readonly ReservedRegion[]): Result {
  const owner = `device ${dev}`;
  for (const r of regions) {
    if (r.type === 'direct-relaxable') continue;
    const res = ioptReserveIova(iopt, r.start, r.end, owner);
    if (!res.ok) {
      ioptRemoveReservedIova(iopt, owner);
      return err(res.errno, `${res.why}: ${dev} reserves it as ${r.type}`);
    }
  }
  return ok();
}

/** `iopt_check_iova()` for a fixed IOVA: misaligned → EINVAL; wraps → EOVERFLOW; reserved → EINVAL; mapped → EEXIST. */
function ioptCheckIova(iopt: IoPagetable, iova: bigint, length: bigint): Result {
  if (iova % iopt.iovaAlignment !== 0n) return err('EINVAL', `IOVA ${hex(iova)} is not aligned to iova_alignment ${hex(iopt.iovaAlignment)}`);
  const last = iova + length - 1n;
  if (last > ULONG_MAX) return err('EOVERFLOW', `IOVA ${hex(iova)} + length ${hex(length)} wraps`);
  const res = iopt.reserved.find((r) => overlaps(r, iova, last));
  if (res) return err('EINVAL', `IOVA ${describeRange(iova, last)} overlaps the reserved range ${describeRange(res.start, res.last)} (${res.owner})`);
  const area = iopt.areas.find((a) => overlaps(a, iova, last));
  if (area) return err('EEXIST', `IOVA ${describeRange(iova, last)} overlaps the mapping at ${describeRange(area.start, area.last)}`);
  return ok();
}

/** The holes of the union of `used` inside [lo, hi], lowest first. */
function holes(used: readonly IovaRange[], lo: bigint, hi: bigint): IovaRange[] {
  const sorted = used.filter((u) => overlaps(u, lo, hi)).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: IovaRange[] = [];
  let cur = lo;
  for (const u of sorted) {
    if (u.start > cur) out.push({ start: cur, last: u.start - 1n });
    if (u.last + 1n > cur) cur = u.last + 1n;
    if (cur > hi) return out;
  }
  if (cur <= hi) out.push({ start: cur, last: hi });
  return out;
}

/**
 * `iopt_alloc_iova()`: the lowest hole in [PAGE_SIZE, ULONG_MAX - PAGE_SIZE] (never IOVA 0) that fits
 * `length` at alignment min(roundup_pow_of_two(length), lowest set bit of uptr) keeping uptr's page offset.
 * length 0 or ≥ ULONG_MAX/2 → EOVERFLOW; that alignment below iova_alignment → EINVAL; no hole → ENOSPC.
 */
function ioptAllocIova(iopt: IoPagetable, uptr: bigint, length: bigint): Result<bigint> {
  if (length === 0n || length >= ULONG_MAX / 2n) return err('EOVERFLOW', `length ${hex(length)} cannot be allocated`);
  const pageOffset = uptr % PAGE_SIZE;
  const want = roundupPowOfTwo(length);
  const alignment = uptr === 0n ? want : (want < lowestBit(uptr) ? want : lowestBit(uptr));
  if (alignment < iopt.iovaAlignment) return err('EINVAL', `allocation alignment ${hex(alignment)} is below iova_alignment ${hex(iopt.iovaAlignment)}`);
  for (const h of holes([...iopt.reserved, ...iopt.areas], PAGE_SIZE, ULONG_MAX - PAGE_SIZE)) {
    if (h.last - h.start < length - 1n) continue;
    const start = align(h.start, alignment) | pageOffset;
    if (start <= h.last && h.last - start >= length - 1n) return ok(start);
  }
  return err('ENOSPC', `no free IOVA range of ${hex(length)} bytes`);
}

/**
 * `iopt_map_user_pages()`: map `length` bytes of user memory at `iova` (fixed) or at an allocated IOVA
 * (`iova === null`). length 0 → EINVAL; length not a multiple of iova_alignment → EINVAL; then the
 * fixed/allocated checks above; uptr's page offset misaligned → EINVAL. Answers the IOVA used.
 */
export function ioptMapUserPages(iopt: IoPagetable, iova: bigint | null, uptr: bigint, length: bigint, prot: { readable: boolean; writeable: boolean }): Result<bigint> {
  if (length === 0n || length > ULONG_MAX - PAGE_SIZE) return err('EINVAL', `length ${hex(length)} is 0 or too large (iopt_alloc_pages)`);
  if (uptr + length > ULONG_MAX) return err('EOVERFLOW', `user_va ${hex(uptr)} + length wraps`);
  if (length % iopt.iovaAlignment !== 0n) return err('EINVAL', `length ${hex(length)} is not a multiple of iova_alignment ${hex(iopt.iovaAlignment)}`);
  let at: bigint;
  if (iova === null) {
    const a = ioptAllocIova(iopt, uptr, length);
    if (!a.ok) return a;
    at = a.value;
  } else {
    const c = ioptCheckIova(iopt, iova, length);
    if (!c.ok) return c;
    at = iova;
  }
  if ((uptr % PAGE_SIZE) % iopt.iovaAlignment !== 0n) return err('EINVAL', `user_va page offset ${hex(uptr % PAGE_SIZE)} is not aligned to iova_alignment`);
  const area: IoptArea = { start: at, last: at + length - 1n, ...prot };
  const i = iopt.areas.findIndex((a) => a.start > at);
  iopt.areas.splice(i < 0 ? iopt.areas.length : i, 0, area);
  return ok(at);
}

/**
 * `iopt_unmap_iova()` / `iopt_unmap_iova_range()`: unmap every area inside [iova, iova+length-1].
 * length 0 → EINVAL; wraps → EOVERFLOW; nothing mapped there → ENOENT. An area that sticks out of the
 * range → ENOENT — after the lower areas were already unmapped, as the kernel's loop does. Answers bytes unmapped.
 */
export function ioptUnmapIova(iopt: IoPagetable, iova: bigint, length: bigint): Result<bigint> {
  if (length === 0n) return err('EINVAL', 'length 0');
  const last = iova + length - 1n;
  if (last > ULONG_MAX) return err('EOVERFLOW', `IOVA ${hex(iova)} + length ${hex(length)} wraps`);
  return unmapRange(iopt, iova, last);
}

function unmapRange(iopt: IoPagetable, start: bigint, last: bigint): Result<bigint> {
  let unmapped = 0n;
  for (;;) {
    const i = iopt.areas.findIndex((a) => overlaps(a, start, last));
    const area = iopt.areas[i];
    if (!area) break;
    if (area.start < start || area.last > last) {
      return err('ENOENT', `the mapping ${describeRange(area.start, area.last)} is not inside ${describeRange(start, last)} (mappings are never split)`);
    }
    iopt.areas.splice(i, 1);
    unmapped += area.last - area.start + 1n;
  }
  return unmapped === 0n ? err('ENOENT', `nothing is mapped in ${describeRange(start, last)}`) : ok(unmapped);
}

/** `iopt_unmap_all()`: unmap everything; an empty table is success. */
export function ioptUnmapAll(iopt: IoPagetable): bigint {
  let n = 0n;
  for (const a of iopt.areas) n += a.last - a.start + 1n;
  iopt.areas.length = 0;
  return n;
}

/**
 * `iopt_table_add_domain()`: a domain with minimum page size `pgsize` and aperture [0, apertureEnd] joins.
 * pgsize > PAGE_SIZE → EINVAL; an existing area not aligned to the new alignment → EADDRINUSE; an area
 * outside the aperture → EADDRINUSE (the aperture is reserved with owner `hwpt N`).
 */
export function ioptTableAddDomain(iopt: IoPagetable, hwptId: number, pgsize: bigint, apertureEnd: bigint): Result {
  const alignment = pgsize > iopt.iovaAlignment ? pgsize : iopt.iovaAlignment;
  if (alignment > PAGE_SIZE) return err('EINVAL', `domain page size ${hex(pgsize)} exceeds PAGE_SIZE`);
  if (alignment !== iopt.iovaAlignment) {
    const bad = iopt.areas.find((a) => a.start % alignment !== 0n || (a.last + 1n - a.start) % alignment !== 0n);
    if (bad) return err('EADDRINUSE', `the mapping at ${describeRange(bad.start, bad.last)} is not aligned to the domain's page size ${hex(alignment)}`);
  }
  if (apertureEnd !== ULONG_MAX) {
    const r = ioptReserveIova(iopt, apertureEnd + 1n, ULONG_MAX, `hwpt ${hwptId}`);
    if (!r.ok) return err(r.errno, `${r.why}: outside the domain aperture`);
  }
  iopt.iovaAlignment = alignment;
  iopt.domains.push(hwptId);
  return ok();
}

/** `iopt_table_remove_domain()`: drop the domain, its aperture reservation, and recompute iova_alignment. */
export function ioptTableRemoveDomain(iopt: IoPagetable, hwptId: number, pgsizeOf: (hwpt: number) => bigint): void {
  const i = iopt.domains.indexOf(hwptId);
  if (i >= 0) iopt.domains.splice(i, 1);
  ioptRemoveReservedIova(iopt, `hwpt ${hwptId}`);
  let a = 1n;
  for (const d of iopt.domains) if (pgsizeOf(d) > a) a = pgsizeOf(d);
  iopt.iovaAlignment = a;
}

/** IOMMU_IOAS_IOVA_RANGES: the holes of the reserved ranges over the whole u64 space. */
export function ioptIovaRanges(iopt: IoPagetable): IovaRange[] {
  return holes(iopt.reserved, 0n, ULONG_MAX);
}
