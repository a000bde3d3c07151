/**
 * `struct vfio_group` and the group character device `/dev/vfio/N` (spec §4.4, §5.1–5.6, §6.4):
 * open, GET_STATUS, SET_CONTAINER, UNSET_CONTAINER, GET_DEVICE_FD and release, per profile.
 * L: viability walk, no claim. O1+: `iommu_group_claim_dma_owner()` at SET_CONTAINER (cookie: container
 * file in O1, the vfio_group in O2+). F+: an iommufd instead of a container (device claims at GET_DEVICE_FD).
 */
import type { VfioGroupIoctl } from '../vfio-uapi.js';
import { enter, fail, type KernelState } from '../kernel-state.js';
import { allocFd, fdArg, type FileOps, type IoctlOut, type OpenFile } from '../file-table.js';
import { iommuGroupDmaOwnerClaimed, getGroup, iommuGroupGet, iommuGroupPut } from '../iommu/group.js';
import { vfioGroupViable } from './notifier.js';
import { containerAttachGroup, containerDetachGroup, vfioContainerCookie, type VfioContainer } from './container.js';
import { openVfioDeviceFile } from './device.js';
import { ok, type Outcome } from '../errno.js';
import { vfioDfGroupOpenIommufd, vfioGroupPutIommufd, vfioGroupSetIommufd } from './iommufd.js';
import { iommuGroupReleaseEmpty } from '../iommu/probe.js';

declare module '../kernel-state.js' {
  interface KernelState {
    /** vfio groups by iommu group id: `vfio.group_list`, the groups a new vfio device can join. */
    readonly vfioGroups: Map<number, VfioGroup>;
    /**
     * 6.1+: vfio groups taken off `vfio.group_list` by `vfio_device_remove_group()` (last device gone) that an
     * open group fd still holds, by that fd. A new device of the same iommu group creates a new vfio group.
     */
    readonly deadVfioGroups: Map<number, VfioGroup>;
    readonly containers: Map<number, VfioContainer>;
    /** `vfio_device->index` (6.1+, `vfio.device_ida`): device name → N of `vfio-dev/vfioN` (and C's /dev/vfio/devices/vfioN). */
    readonly vfioDevIndex: Map<string, number>;
    /** The reverse of `vfioDevIndex`: N → device name. */
    readonly vfioDevByIndex: Map<number, string>;
    /** Indexes given back to `vfio.device_ida` below `next.vfioDevice`; the lowest is taken first. */
    readonly freeVfioDevIndexes: Set<number>;
  }
}


export interface VfioGroup {
  /** The iommu group id: the N of /dev/vfio/N (or noiommu-N). */
  readonly id: number;
  /** O2+: null once the last vfio device is gone (`ca5f21b25749`): the open fd answers ENODEV. */
  iommuGroup: number | null;
  readonly noiommu: boolean;
  /** Registered vfio devices (BDFs). */
  readonly devices: string[];
  /** L: devices mid-unbind (`unbound_list`), still counted viable. */
  readonly unboundList: Set<string>;
  /** Device fds open per device. */
  readonly openDevices: Map<string, number>;
  /** The group fd (`opened` / `opened_file`), or null. */
  openedFd: number | null;
  /** The group fd was closed but device fds keep its file alive (6.1+: they hold a reference). */
  fdClosed: boolean;
  container: number | null;
  /** F+: iommufd ctx id when the group was given an iommufd at SET_CONTAINER. */
  iommufd: number | null;
  /** `container_users`: 1 for the container + 1 per open device fd. */
  containerUsers: number;
  /** C: devices of this group opened through their cdev. */
  cdevDeviceOpenCnt: number;
}

export function vfioGroupNode(vg: VfioGroup): string {
  return vg.noiommu ? `noiommu-${vg.id}` : String(vg.id);
}

/** `vfio_group_find_or_alloc()` + add the device (vfio_register_group_dev). */
export function vfioGroupAddDevice(k: KernelState, gid: number, bdf: string, noiommu: boolean): VfioGroup {
  let vg = k.vfioGroups.get(gid);
  if (!vg) {
    enter(k, `vfio_create_group: /dev/vfio/${noiommu ? 'noiommu-' : ''}${gid}`);
    vg = { id: gid, iommuGroup: gid, noiommu, devices: [], unboundList: new Set(), openDevices: new Map(), openedFd: null,
      fdClosed: false, container: null, iommufd: null, containerUsers: 0, cdevDeviceOpenCnt: 0 };
    k.vfioGroups.set(gid, vg);
    iommuGroupGet(k, gid);
  }
  vg.devices.push(bdf);
  return vg;
}

/**
 * `vfio_group_put()` (5.10 vfio.c; 6.1+ the group's last reference): drop the vfio group object once nothing
 * references it — from `vfio.group_list` if it is still there, or (6.1+) as the dead group its fd held.
 */
export function vfioGroupPut(k: KernelState, vg: VfioGroup): Outcome | null {
  if (vg.devices.length !== 0 || vg.openedFd !== null || vg.container !== null || vg.iommufd !== null) return null;
  if (k.vfioGroups.get(vg.id) !== vg) return null;
  k.vfioGroups.delete(vg.id);
  iommuGroupPut(k, vg.id);
  return iommuGroupReleaseEmpty(k, vg.iommuGroup);
}

/** open(/dev/vfio/N): no capability for noiommu → EPERM; already open → EBUSY; old container still attached → EBUSY; C: cdev in use → EBUSY. */
export function vfioGroupFopsOpen(k: KernelState, vg: VfioGroup): Outcome<number> {
  const fn = 'vfio_group_fops_open';
  enter(k, fn);
  if (k.profile.vfioStrictGroupLifetime && vg.iommuGroup === null) return fail(k, fn, 'ENODEV', `vfio group ${vg.id} has no devices any more`);
  if (vg.noiommu && !k.opts.capSysRawio) return fail(k, fn, 'EPERM', `/dev/vfio/noiommu-${vg.id} needs CAP_SYS_RAWIO`);
  if (vg.openedFd !== null) return fail(k, fn, 'EBUSY', `vfio group ${vg.id} is already open (fd ${vg.openedFd}${vg.fdClosed ? ', kept alive by open device fds' : ''})`);
  if (vg.container !== null) return fail(k, fn, 'EBUSY', `vfio group ${vg.id} is still attached to container ${vg.container} (device fds open)`);
  if (k.profile.vfioCdevExclusion && vg.cdevDeviceOpenCnt > 0) return fail(k, fn, 'EBUSY', `vfio group ${vg.id}: ${vg.cdevDeviceOpenCnt} device(s) opened through /dev/vfio/devices`);
  const fd = allocFd(k, { kind: 'vfio-group', id: vg.id });
  vg.openedFd = fd;
  vg.fdClosed = false;
  return ok(fd);
}

/** The vfio group behind group fd `fd`: a dead one (6.1+, off `vfio.group_list`) it still holds, else the listed one. */
export function vfioGroupOfFd(k: KernelState, fd: number, file: OpenFile): VfioGroup | undefined {
  return k.deadVfioGroups.get(fd) ?? k.vfioGroups.get(file.id);
}

function gone(k: KernelState, vg: VfioGroup, fn: string): Outcome<never> | null {
  if (k.profile.vfioStrictGroupLifetime && vg.iommuGroup === null) return fail(k, fn, 'ENODEV', `vfio group ${vg.id}: its iommu_group is gone (last vfio device unbound)`);
  return null;
}

/**
 * VFIO_GROUP_GET_STATUS. `argsz` (optional; absent = the full struct) below minsz (8) → EINVAL before anything else
 * (`vfio_group_ioctl_get_status()` group.c 6.x, the same check in 5.10 `vfio_group_fops_unl_ioctl()`).
 * L: VIABLE from the viability walk. O1+: container (or iommufd) → both flags, else VIABLE iff owner_cnt == 0.
 */
function getStatus(k: KernelState, fd: number, file: OpenFile, arg: Readonly<Record<string, unknown>>): Outcome<IoctlOut> {
  const fn = 'vfio_group_ioctl_get_status';
  enter(k, fn);
  const argsz = arg['argsz'];
  if (typeof argsz === 'number' && argsz < 8) return fail(k, fn, 'EINVAL', `argsz ${argsz} < minsz 8 (struct vfio_group_status)`);
  const vg = vfioGroupOfFd(k, fd, file);
  if (!vg) return fail(k, fn, 'ENODEV', `vfio group ${file.id} is gone`);
  const g = gone(k, vg, fn);
  if (g) return g;
  const flags: string[] = [];
  if (!k.profile.dmaOwnership) {
    const why = vfioGroupViable(k, vg);
    if (why === null) flags.push('VIABLE');
    else enter(k, `vfio_group_viable: not viable (${why})`);
    if (vg.container !== null) flags.push('CONTAINER_SET');
  } else if (vg.container !== null || vg.iommufd !== null) {
    flags.push('VIABLE', 'CONTAINER_SET');
  } else if (vg.iommuGroup === null || !iommuGroupDmaOwnerClaimed(getGroup(k, vg.iommuGroup))) {
    flags.push('VIABLE');
  } else {
    enter(k, `iommu_group_dma_owner_claimed: true (owner_cnt=${getGroup(k, vg.iommuGroup).ownerCnt})`);
  }
  return ok({ flags });
}

/** VFIO_GROUP_SET_CONTAINER {fd}: see spec §4.4 (L) and §5.3 (O1+), §6.4 (iommufd, F+). */
function setContainer(k: KernelState, fd: number, file: OpenFile, arg: Readonly<Record<string, unknown>>): Outcome<IoctlOut> {
  const fn = 'vfio_group_ioctl_set_container';
  enter(k, fn);
  const vg = vfioGroupOfFd(k, fd, file);
  if (!vg) return fail(k, fn, 'ENODEV', `vfio group ${file.id} is gone`);
  const cfd = fdArg(arg['fd']);
  const p = k.profile;
  if (!p.vfioContainerAttachGroup) {
    if (cfd === null || cfd < 0) return fail(k, fn, 'EINVAL', `container fd ${String(arg['fd'])} is negative or missing`);
    if (vg.containerUsers !== 0) return fail(k, fn, 'EINVAL', `vfio group ${vg.id} already has a container (container_users=${vg.containerUsers})`);
    if (vg.noiommu && !k.opts.capSysRawio) return fail(k, fn, 'EPERM', `noiommu group ${vg.id} needs CAP_SYS_RAWIO`);
  }
  const cf = cfd === null ? undefined : k.files.get(cfd);
  if (!cf) return fail(k, fn, 'EBADF', `fd ${String(arg['fd'])} is not open`);
  if (p.vfioContainerAttachGroup) {
    if (vg.container !== null || vg.iommufd !== null) return fail(k, fn, 'EINVAL', `vfio group ${vg.id} already has a ${vg.container !== null ? `container (${vg.container})` : 'iommufd'}`);
    const g = p.vfioStrictGroupLifetime ? gone(k, vg, fn) : null;
    if (g) return g;
  }
  if (cf.kind === 'vfio-container') {
    const r = containerAttachGroup(k, cf.id, vg, vfioContainerCookie(k, cf, vg));
    return r.ok ? ok({}) : r;
  }
  if (cf.kind === 'iommufd' && p.deviceClaim && k.opts.iommufd) {
    const r = vfioGroupSetIommufd(k, vg, cf.id);
    return r.ok ? ok({}) : r;
  }
  return p.deviceClaim ? fail(k, fn, 'EBADFD', `fd ${cfd} is neither a VFIO container nor an iommufd`)
    : fail(k, fn, 'EINVAL', `fd ${cfd} is not a VFIO container (/dev/vfio/vfio)`);
}

/** VFIO_GROUP_UNSET_CONTAINER: none → EINVAL; device fds open (container_users > 1) → EBUSY. */
function unsetContainer(k: KernelState, fd: number, file: OpenFile): Outcome<IoctlOut> {
  const fn = 'vfio_group_ioctl_unset_container';
  enter(k, fn);
  const vg = vfioGroupOfFd(k, fd, file);
  if (!vg) return fail(k, fn, 'ENODEV', `vfio group ${file.id} is gone`);
  if (vg.container === null && vg.iommufd === null) return fail(k, fn, 'EINVAL', `vfio group ${vg.id} has no container`);
  if (vg.container !== null) {
    if (vg.containerUsers !== 1) return fail(k, fn, 'EBUSY', `vfio group ${vg.id}: container_users=${vg.containerUsers} (${vg.containerUsers - 1} device fd(s) open)`);
    vg.containerUsers = 0;
    const r = containerDetachGroup(k, vg);
    if (!r.ok) return r;
  }
  // 6.12 group.c: no busy check for an iommufd; open device fds keep their own binding and ctx reference.
  if (vg.iommufd !== null) vfioGroupPutIommufd(k, vg);
  return ok({});
}

export function openDeviceCount(vg: VfioGroup): number {
  let n = 0;
  for (const c of vg.openDevices.values()) n += c;
  return n;
}

/** VFIO_GROUP_GET_DEVICE_FD {name}: L checks container+backend+viability first; O1+ look the name up first. */
function getDeviceFd(k: KernelState, fd: number, file: OpenFile, arg: Readonly<Record<string, unknown>>): Outcome<IoctlOut> {
  const fn = 'vfio_group_ioctl_get_device_fd';
  enter(k, fn);
  const vg = vfioGroupOfFd(k, fd, file);
  if (!vg) return fail(k, fn, 'ENODEV', `vfio group ${file.id} is gone`);
  const name = typeof arg['name'] === 'string' ? arg['name'] : '';
  const noBackend = (): Outcome<never> | null => {
    if (vg.iommufd !== null && k.profile.deviceClaim) return null;
    if (vg.container === null || vg.containerUsers === 0) return fail(k, fn, 'EINVAL', `vfio group ${vg.id} is not in a container`);
    const c = k.containers.get(vg.container);
    if (!c || c.iommuDriver === null) return fail(k, fn, 'EINVAL', `container ${vg.container} has no IOMMU backend (VFIO_SET_IOMMU not done)`);
    return null;
  };
  const lookup = (): Outcome<never> | null => (vg.devices.includes(name) && !vg.unboundList.has(name) ? null
    : fail(k, 'vfio_device_get_from_name', 'ENODEV', `${JSON.stringify(name)} is not a vfio device of group ${vg.id}`));
  if (!k.profile.dmaOwnership) {
    const nb = noBackend();
    if (nb) return nb;
    const why = vfioGroupViable(k, vg);
    if (why !== null) return fail(k, fn, 'EINVAL', `vfio group ${vg.id} is not viable: ${why}`);
    if (vg.noiommu && !k.opts.capSysRawio) return fail(k, fn, 'EPERM', 'noiommu needs CAP_SYS_RAWIO');
    const l = lookup();
    if (l) return l;
  } else {
    const l = lookup();
    if (l) return l;
    const nb = noBackend();
    if (nb) return nb;
    if (vg.noiommu && !k.opts.capSysRawio) return fail(k, fn, 'EPERM', 'noiommu needs CAP_SYS_RAWIO');
  }
  if (vg.iommufd !== null && vg.container === null) {
    const r = vfioDfGroupOpenIommufd(k, vg, name);
    if (!r.ok) return r;
  }
  if (vg.container !== null) vg.containerUsers++;
  const dfd = openVfioDeviceFile(k, vg, name, 'vfio-device');
  return ok({ fd: dfd });
}

/** `vfio_group_fops_release()` proper: the container held only by the group is detached (claim released). */
function groupFileRelease(k: KernelState, vg: VfioGroup): Outcome | null {
  enter(k, 'vfio_group_fops_release');
  if (vg.container !== null && vg.containerUsers > 0) {
    vg.containerUsers--;
    if (vg.containerUsers === 0) containerDetachGroup(k, vg);
  }
  if (openDeviceCount(vg) === 0) vfioGroupPutIommufd(k, vg);
  if (vg.openedFd !== null && k.deadVfioGroups.get(vg.openedFd) === vg) k.deadVfioGroups.delete(vg.openedFd);
  vg.openedFd = null;
  vg.fdClosed = false;
  return vfioGroupPut(k, vg);
}

/** close() of the group fd. 6.1+: open device fds hold the group file, so its release waits for them. */
function release(k: KernelState, fd: number, file: OpenFile): Outcome | void {
  const vg = vfioGroupOfFd(k, fd, file);
  if (!vg || vg.openedFd !== fd) return;
  if (k.profile.vfioStrictGroupLifetime && openDeviceCount(vg) > 0) {
    enter(k, 'fput: group file still referenced by device fds');
    vg.fdClosed = true;
    return;
  }
  return groupFileRelease(k, vg) ?? undefined;
}

/** A device fd of `vg` was released: drop its container user; finish a group release it was holding up. */
export function vfioGroupDeviceClosed(k: KernelState, vg: VfioGroup): void {
  if (vg.container !== null && vg.containerUsers > 0) {
    vg.containerUsers--;
    if (vg.containerUsers === 0) containerDetachGroup(k, vg);
  }
  if (openDeviceCount(vg) === 0 && vg.fdClosed) groupFileRelease(k, vg);
  else vfioGroupPut(k, vg);
}

/**
 * O2+ `vfio_device_remove_group()` for the last device: force the container off, drop the iommu_group
 * (`group->iommu_group = NULL`: the group fd answers ENODEV). 6.1+ (strict lifetime, `ca5f21b25749`;
 * 6.1 drivers/vfio/vfio_main.c, 6.2+ drivers/vfio/group.c): `refcount_dec_and_mutex_lock(&group->drivers)`
 * then `list_del(&group->vfio_next)` and `cdev_device_del()` — the group leaves `vfio.group_list` and
 * /dev/vfio/N goes, so the next vfio device of this iommu group creates a new vfio group
 * (`vfio_group_find_or_alloc()` → `vfio_create_group()`) while an open fd stays on the dead one.
 */
export function vfioGroupRemoveLast(k: KernelState, vg: VfioGroup): void {
  enter(k, 'vfio_device_remove_group');
  if (vg.container !== null) {
    vg.containerUsers = 0;
    containerDetachGroup(k, vg);
  }
  vfioGroupPutIommufd(k, vg);
  vg.iommuGroup = null;
  if (k.profile.vfioStrictGroupLifetime && k.vfioGroups.get(vg.id) === vg) {
    enter(k, `list_del: vfio group ${vg.id} leaves vfio.group_list`);
    k.vfioGroups.delete(vg.id);
    iommuGroupPut(k, vg.id);
    if (vg.openedFd !== null) k.deadVfioGroups.set(vg.openedFd, vg);
  }
}

/** `vfio_group_fops` of /dev/vfio/N. */
export const VFIO_GROUP_FOPS: FileOps<VfioGroupIoctl> = {
  ioctls: {
    VFIO_GROUP_GET_STATUS: getStatus,
    VFIO_GROUP_SET_CONTAINER: setContainer,
    VFIO_GROUP_UNSET_CONTAINER: unsetContainer,
    VFIO_GROUP_GET_DEVICE_FD: getDeviceFd,
  },
  release,
};
