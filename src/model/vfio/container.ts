/**
 * `struct vfio_container` and `/dev/vfio/vfio` (spec §4.4, §5.3–5.4): GET_API_VERSION, CHECK_EXTENSION,
 * SET_IOMMU, and attaching/detaching groups (type1 backend: one IOMMU domain per container).
 */
import { enter, fail, type KernelState } from '../kernel-state.js';
import type { FileOps, IoctlOut, OpenFile } from '../file-table.js';
import { allocDomain, getGroup, iommuGroupClaimDmaOwner, iommuGroupReleaseDmaOwner } from '../iommu/group.js';
import { iommuAttachGroup, iommuDetachGroup } from '../iommu/attach.js';
import { ok, type Outcome } from '../errno.js';
import { VFIO_API_VERSION, VFIO_IOMMU_TYPES, type VfioContainerIoctl, type VfioIommuType } from '../vfio-uapi.js';
import type { VfioGroup } from './group.js';

export interface VfioContainer {
  readonly id: number;
  /** Member vfio groups (iommu group ids). */
  readonly groups: number[];
  iommuDriver: VfioIommuType | null;
  /** type1: the container's IOMMU domain. */
  domain: number | null;
  noiommu: boolean;
  /** The container fd is still open. */
  open: boolean;
}

/** open(/dev/vfio/vfio) — `vfio_fops_open()` (drivers/vfio/container.c): a new, empty container. */
export function vfioContainerOpen(k: KernelState): number {
  const id = k.next.container++;
  k.containers.set(id, { id, groups: [], iommuDriver: null, domain: null, noiommu: false, open: true });
  return id;
}

/** The owner cookie SET_CONTAINER claims with: O1 the container `struct file`, O2+ the `struct vfio_group`. */
export function vfioContainerCookie(k: KernelState, cf: OpenFile, vg: VfioGroup): string {
  return k.profile.vfioCookie === 'container' ? `container file ${cf.id}` : `vfio_group ${vg.id}`;
}

function backendSupports(k: KernelState, c: VfioContainer | null, type: string): boolean {
  if (!(type in VFIO_IOMMU_TYPES)) return false;
  const noiommuBackend = type === 'VFIO_NOIOMMU_IOMMU';
  if (noiommuBackend && !k.opts.noiommuMode) return false;
  if (type === 'VFIO_SPAPR_TCE_IOMMU') return false;
  if (c && c.groups.length > 0 && c.noiommu !== noiommuBackend) return false;
  return true;
}

/**
 * type1/noiommu `attach_group`: type1 attaches the group to the container's domain. A group with no devices
 * (emptied by a PCI remove while its fd stayed open, 5.10–6.0) → EIO: `vfio_iommu_type1_attach_group()` always
 * allocates a domain first, from a member's bus — 5.10/5.19 `iommu_domain_alloc(bus)` with `bus` still NULL
 * after `iommu_group_for_each_dev(…, vfio_bus_type)`, 6.0+ `vfio_iommu_domain_alloc()` never called — and
 * `if (!domain->domain)` answers `ret = -EIO` (drivers/vfio/vfio_iommu_type1.c).
 */
function backendAttachGroup(k: KernelState, c: VfioContainer, vg: VfioGroup): Outcome {
  if (c.iommuDriver === 'VFIO_NOIOMMU_IOMMU' || vg.iommuGroup === null) return ok();
  enter(k, 'vfio_iommu_type1_attach_group');
  const g = getGroup(k, vg.iommuGroup);
  if (g.devices.length === 0) return fail(k, 'vfio_iommu_type1_attach_group', 'EIO', `iommu group ${g.id} has no devices: no bus to allocate a domain from`);
  if (c.domain === null) c.domain = allocDomain(k, 'unmanaged', `vfio type1 domain (container ${c.id})`);
  return iommuAttachGroup(k, c.domain, getGroup(k, vg.iommuGroup));
}

/** `vfio_container_attach_group()` / 5.10 `vfio_group_set_container()` body after the fd checks. */
export function containerAttachGroup(k: KernelState, cid: number, vg: VfioGroup, cookie: string): Outcome {
  const fn = 'vfio_container_attach_group';
  enter(k, fn);
  const c = k.containers.get(cid);
  if (!c) return fail(k, fn, 'EINVAL', `container ${cid} is gone`);
  if (vg.noiommu && !k.opts.capSysRawio) return fail(k, fn, 'EPERM', `noiommu group ${vg.id} needs CAP_SYS_RAWIO`);
  if (c.groups.length > 0 && c.noiommu !== vg.noiommu) return fail(k, fn, 'EPERM', `container ${cid} holds ${c.noiommu ? 'noiommu' : 'IOMMU-backed'} groups; group ${vg.id} cannot mix with them`);
  const claims = k.profile.dmaOwnership && !vg.noiommu && vg.iommuGroup !== null;
  if (claims) {
    const r = iommuGroupClaimDmaOwner(k, getGroup(k, vg.iommuGroup as number), cookie);
    if (!r.ok) return r;
  }
  if (c.iommuDriver !== null) {
    const r = backendAttachGroup(k, c, vg);
    if (!r.ok) {
      if (claims) iommuGroupReleaseDmaOwner(k, getGroup(k, vg.iommuGroup as number));
      return r;
    }
  }
  vg.container = cid;
  vg.containerUsers = 1;
  c.noiommu = vg.noiommu;
  c.groups.push(vg.id);
  return ok();
}

/**
 * `vfio_group_detach_container()`: backend detach (→ blocking while owned), release the claim, leave the
 * container. Answers 'oops' when the backend detach hit one (L intel-iommu, iommu/probe.ts); the
 * bookkeeping is finished anyway, as later closes of the group and container succeed on the real kernel.
 */
export function containerDetachGroup(k: KernelState, vg: VfioGroup): Outcome {
  enter(k, 'vfio_group_detach_container');
  const c = vg.container === null ? undefined : k.containers.get(vg.container);
  const g = vg.iommuGroup === null ? undefined : k.groups.get(vg.iommuGroup);
  let detached: Outcome = ok();
  if (c && c.iommuDriver !== null && c.iommuDriver !== 'VFIO_NOIOMMU_IOMMU' && g) {
    enter(k, 'vfio_iommu_type1_detach_group');
    detached = iommuDetachGroup(k, g);
  }
  if (k.profile.dmaOwnership && g && !vg.noiommu && g.owner !== null) iommuGroupReleaseDmaOwner(k, g);
  vg.container = null;
  if (!c) return detached;
  c.groups.splice(c.groups.indexOf(vg.id), 1);
  if (c.groups.length === 0) {
    if (c.domain !== null) k.domains.delete(c.domain);
    c.domain = null;
    c.iommuDriver = null;
    if (!c.open) k.containers.delete(c.id);
  }
  return detached;
}

function apiVersion(k: KernelState): Outcome<IoctlOut> {
  enter(k, 'vfio_fops_unl_ioctl: VFIO_GET_API_VERSION');
  return ok({ ret: VFIO_API_VERSION });
}

/** VFIO_CHECK_EXTENSION {extension}: 1 if a backend (or the set one) supports it, else 0. */
function checkExtension(k: KernelState, _fd: number, file: OpenFile, arg: Readonly<Record<string, unknown>>): Outcome<IoctlOut> {
  enter(k, 'vfio_ioctl_check_extension');
  const c = k.containers.get(file.id) ?? null;
  const ext = String(arg['extension'] ?? '');
  if (c && c.iommuDriver !== null) {
    const same = c.iommuDriver === 'VFIO_NOIOMMU_IOMMU' ? ext === 'VFIO_NOIOMMU_IOMMU' : ext === 'VFIO_TYPE1_IOMMU' || ext === 'VFIO_TYPE1v2_IOMMU';
    return ok({ ret: same ? 1 : 0 });
  }
  return ok({ ret: backendSupports(k, c, ext) ? 1 : 0 });
}

/** VFIO_SET_IOMMU {type}: no groups or already set → EINVAL; no backend for the type → ENODEV; attach errors propagate. */
function setIommu(k: KernelState, _fd: number, file: OpenFile, arg: Readonly<Record<string, unknown>>): Outcome<IoctlOut> {
  const fn = 'vfio_ioctl_set_iommu';
  enter(k, fn);
  const c = k.containers.get(file.id);
  if (!c) return fail(k, fn, 'EINVAL', `container ${file.id} is gone`);
  if (c.groups.length === 0) return fail(k, fn, 'EINVAL', `container ${c.id} has no groups (SET_CONTAINER first)`);
  if (c.iommuDriver !== null) return fail(k, fn, 'EINVAL', `container ${c.id} already uses ${c.iommuDriver}`);
  const type = String(arg['type'] ?? '');
  if (!backendSupports(k, c, type)) return fail(k, fn, 'ENODEV', `no VFIO IOMMU backend for ${type} in container ${c.id}${c.noiommu ? ' (noiommu container)' : ''}`);
  c.iommuDriver = type as VfioIommuType;
  for (const gid of c.groups) {
    const vg = k.vfioGroups.get(gid);
    if (!vg) continue;
    const r = backendAttachGroup(k, c, vg);
    if (!r.ok) {
      for (const prev of c.groups) {
        if (prev === gid) break;
        const g = k.groups.get(prev);
        if (g) iommuDetachGroup(k, g);
      }
      if (c.domain !== null) k.domains.delete(c.domain);
      c.domain = null;
      c.iommuDriver = null;
      return r;
    }
  }
  return ok({});
}

/**
 * `vfio_fops_unl_ioctl()` `default:` (drivers/vfio/container.c 6.x, vfio.c 5.10): `ret = -EINVAL` unless a driver
 * is set, whose ioctl answers an unknown request with -ENOTTY (`vfio_iommu_type1_ioctl`, `vfio_noiommu_ioctl`).
 */
function unknownContainerIoctl(k: KernelState, _fd: number, file: OpenFile, request: string): Outcome<IoctlOut> {
  const c = k.containers.get(file.id);
  if (!c || c.iommuDriver === null) return fail(k, 'vfio_fops_unl_ioctl', 'EINVAL', `${request}: container ${file.id} has no IOMMU driver to pass it to (VFIO_SET_IOMMU first)`);
  const fn = c.iommuDriver === 'VFIO_NOIOMMU_IOMMU' ? 'vfio_noiommu_ioctl' : 'vfio_iommu_type1_ioctl';
  return fail(k, fn, 'ENOTTY', `${request} is not an ioctl of the ${c.iommuDriver} backend (not modelled)`);
}

/** `vfio_fops` of /dev/vfio/vfio. */
export const VFIO_CONTAINER_FOPS: FileOps<VfioContainerIoctl> = {
  ioctls: { VFIO_GET_API_VERSION: apiVersion, VFIO_CHECK_EXTENSION: checkExtension, VFIO_SET_IOMMU: setIommu },
  unknownIoctl: unknownContainerIoctl,
  release(k, _fd, file) {
    enter(k, 'vfio_fops_release');
    const c = k.containers.get(file.id);
    if (!c) return;
    c.open = false;
    if (c.groups.length === 0) k.containers.delete(c.id);
  },
};
