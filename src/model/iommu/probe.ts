/**
 * A device joining or leaving an IOMMU group at runtime (hot-add / hot-remove, spec §2.10, §5.7):
 * L attaches the newcomer to the default domain even in a vfio-owned group (and vfio WARNs
 * "Device added to live group"); O1/O2 attach the current domain when the group is owned; 6.x always
 * the current domain. On removal the group is freed when empty (6.12 WARNs unless unowned and on the
 * default domain).
 *
 * L with intel-iommu (conformance/5.10/S15, QEMU q35 + intel-iommu, 5.10.0-46): a device removed while its
 * group is attached to a vfio container's domain leaves its `device_domain_info` behind in that domain.
 * Re-added by a rescan, `iommu_probe_device()` fails (the new default domain cannot take the device:
 * `dmar_insert_one_dev_info()` finds the old info for the same bus/devfn → `domain_add_dev_info()` -EBUSY →
 * err_release) and the device stays without an IOMMU group; when the group is later detached from that
 * domain the kernel oopses in `__dmar_remove_one_dev_info()`. [UNSURE of the mechanism: the effects are the
 * trace's; the stale-info explanation is ours, from intel-iommu.c of 5.10.]
 * A conventional PCI function behind a PCIe-to-PCI bridge, whose requester ID is the bridge's
 * (`pci_for_each_dma_alias()`), leaves nothing behind (conformance/5.10/S24, issue 13 divergence 2): re-added
 * by a rescan it joins the bridge's group again — attached to the default domain while the group is in
 * vfio's (`iommu_probe_device()` 5.10), vfio WARNs "Device added to live group" (`vfio_iommu_group_notifier()`
 * ADD_DEVICE, vfio.c:648), the autoprobed driver binds and BOUND_DRIVER hits the BUG_ON (vfio.c:698): the
 * writer of `rescan` dies ('oops'); the later UNSET_CONTAINER detaches cleanly. [UNSURE of why the alias
 * spares the dev_info: the effects are the two traces'.]
 */
import type { Device } from '../base/device.js';
import { allocDomain, iommuGroupHeld, type DomainType, type IommuGroup } from './group.js';
import { enter, fail, printk, type KernelState } from '../kernel-state.js';
import { err, ok, type Outcome } from '../errno.js';
import { iommuGroupNotify } from './notifier.js';

function defaultTypeFor(k: KernelState): DomainType {
  for (const g of k.groups.values()) {
    const d = g.defaultDomain === null ? undefined : k.domains.get(g.defaultDomain);
    if (d) return d.type;
  }
  return 'DMA';
}

/** `ida_alloc(&iommu_group_ida)` in `iommu_group_alloc()`: the lowest free group id. O(freed ids). */
export function iommuGroupAllocId(k: KernelState): number {
  let best: number | null = null;
  for (const id of k.freeGroupIds) if (best === null || id < best) best = id;
  if (best !== null) { k.freeGroupIds.delete(best); return best; }
  return k.next.group++;
}

/** `ida_free()`: a group id becomes free again. */
export function iommuGroupFreeId(k: KernelState, id: number): void {
  if (id < k.next.group) k.freeGroupIds.add(id);
}

/**
 * `iommu_probe_device()` → `iommu_group_add_device()` for a hot-added device into group `gid` (chosen by
 * the caller; a new id makes a new group). L + intel-iommu with a stale dev_info for this BDF: -EBUSY,
 * the device stays without a group.
 */
export function iommuProbeDevice(k: KernelState, dev: Device, gid: number): Outcome<IommuGroup> {
  enter(k, `iommu_probe_device: group ${gid}`);
  const stale = k.dmarStaleDevInfo.get(dev.name);
  if (stale !== undefined && k.domains.has(stale) && ![...k.groups.values()].some((x) => x.defaultDomain === stale)) {
    if (!k.groups.has(gid)) iommuGroupFreeId(k, gid);
    return fail(k, 'intel_iommu_attach_device', 'EBUSY',
      `${dev.name}: dmar_insert_one_dev_info found the device_domain_info it left in domain ${stale} when it was removed; iommu_probe_device → err_release, no IOMMU group`);
  }
  let g = k.groups.get(gid);
  if (!g) {
    const type = defaultTypeFor(k);
    const def = allocDomain(k, type, `group ${gid} default domain`);
    g = { id: gid, devices: [], defaultDomain: def, blockingDomain: null, domain: def, ownerCnt: 0, owner: null,
      pasidArray: new Map(), reservedRegions: [], name: null, fake: false };
    k.groups.set(gid, g);
    k.freeGroupIds.delete(gid);
    if (gid >= k.next.group) k.next.group = gid + 1;
  }
  g.devices.push(dev.name);
  dev.group = gid;
  enter(k, 'iommu_group_add_device');
  if (!k.profile.dmaOwnership && g.domain !== g.defaultDomain) {
    printk(k, `${dev.name}: attached to the default domain of group ${gid}, whose other members are in ${g.domain === null ? 'no domain' : `domain ${g.domain}`} (L: iommu_probe_device attaches the default domain unconditionally)`);
  }
  iommuGroupNotify(k, 'IOMMU_GROUP_NOTIFY_ADD_DEVICE', dev);
  return ok(g);
}

/** `iommu_release_device()`: leave the group; an empty group is freed. */
export function iommuReleaseDevice(k: KernelState, dev: Device): void {
  if (dev.group === null) return;
  const g = k.groups.get(dev.group);
  dev.group = null;
  if (!g) return;
  enter(k, `iommu_release_device: group ${g.id}`);
  const heldByVfio = iommuGroupHeld(k, g.id);
  k.ops.iommu.releaseDevice?.(k, dev, g, heldByVfio);
  g.devices.splice(g.devices.indexOf(dev.name), 1);
  if (g.devices.length > 0) return;
  if (k.profile.groupFreeDeviceWarn && (g.ownerCnt !== 0 || g.domain !== g.defaultDomain)) {
    printk(k, `WARNING: __iommu_group_free_device: group ${g.id} emptied with owner_cnt=${g.ownerCnt}`);
  }
  if (!heldByVfio) iommuGroupFree(k, g);
}

function iommuGroupFree(k: KernelState, g: IommuGroup): void {
  for (const d of [g.defaultDomain, g.blockingDomain]) if (d !== null) k.domains.delete(d);
  k.groups.delete(g.id);
  iommuGroupFreeId(k, g.id);
}

/**
 * `iommu_group_release()` of a group emptied while a vfio group held it, when that vfio group lets go (5.10
 * `vfio_group_release()` → `iommu_group_put()`; 5.19/6.0 the same at the last `vfio_group_put()`): the group
 * and its default domain are freed. L + intel-iommu (conformance/5.10/S26): the removed devices left their
 * `device_domain_info` in that default domain, and `domain_exit()` → `__dmar_remove_one_dev_info()` oopses
 * (NULL pointer dereference) in the task that dropped the last reference — the close of the group fd.
 * [UNSURE of the mechanism, as for S15; not modelled: that oops leaves device_domain_lock held, and the
 * recorded guest hung in the next intel-iommu operation (a rescan).]
 */
export function iommuGroupReleaseEmpty(k: KernelState, gid: number | null): Outcome | null {
  const g = gid === null ? undefined : k.groups.get(gid);
  if (!g || g.devices.length > 0) return null;
  enter(k, `iommu_group_release: group ${g.id}`);
  let oops: Outcome | null = null;
  for (const [bdf, d] of k.dmarStaleDevInfo) {
    if (d !== g.defaultDomain) continue;
    k.dmarStaleDevInfo.delete(bdf);
    if (oops) continue;
    const msg = `BUG: kernel NULL pointer dereference in __dmar_remove_one_dev_info: freeing the default domain of group ${g.id} ` +
      `walked the device_domain_info ${bdf} left there when it was removed`;
    printk(k, msg);
    enter(k, 'domain_exit → __dmar_remove_one_dev_info: oops');
    oops = err('oops', msg);
  }
  iommuGroupFree(k, g);
  return oops;
}

/**
 * The L + intel-iommu oops of conformance/5.10/S15: detaching group `g` from `domain` walks a
 * `device_domain_info` a removed device left there. Returns the oops, or null.
 */
export function dmarStaleDetach(k: KernelState, g: IommuGroup, domain: number | null): Outcome | null {
  if (domain === null || k.dmarStaleDevInfo.size === 0) return null;
  for (const [bdf, d] of k.dmarStaleDevInfo) {
    if (d !== domain) continue;
    k.dmarStaleDevInfo.delete(bdf);
    const msg = `BUG: kernel NULL pointer dereference in __dmar_remove_one_dev_info: detaching group ${g.id} from domain ${domain} ` +
      `walked the device_domain_info ${bdf} left there when it was removed`;
    printk(k, msg);
    enter(k, '__dmar_remove_one_dev_info: oops');
    return err('oops', msg);
  }
  return null;
}
