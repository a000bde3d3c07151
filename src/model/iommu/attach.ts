/**
 * Domain attach/detach (drivers/iommu/iommu.c, spec §2.9) and PASID attachments (§2.11). None of these
 * check ownership; callers (VFIO type1, iommufd, a kernel driver with a private domain) claim first.
 */
import type { Device } from '../base/device.js';
import { allocDomain, describeDomain, getGroup, iommuGroupSetCoreDomain, iommuGroupSetDomain, type DomainType, type IommuGroup } from './group.js';
import { enter, fail, type KernelState } from '../kernel-state.js';
import { dmarStaleDetach } from './probe.js';
import { ok, type Outcome } from '../errno.js';

/**
 * `iommu_attach_group()`. L: -EBUSY if the group has a default domain and is not on it. O1+: -EBUSY if
 * the current domain is set and is neither the default nor the blocking domain.
 */
export function iommuAttachGroup(k: KernelState, domain: number, g: IommuGroup): Outcome {
  const fn = 'iommu_attach_group';
  enter(k, fn);
  if (!k.profile.dmaOwnership) {
    if (g.defaultDomain !== null && g.domain !== g.defaultDomain) {
      return fail(k, fn, 'EBUSY', `group ${g.id} is on ${describeDomain(k, g.domain)}, not its default domain`);
    }
  } else if (g.domain !== null && g.domain !== g.defaultDomain && g.domain !== g.blockingDomain) {
    return fail(k, fn, 'EBUSY', `group ${g.id} is on ${describeDomain(k, g.domain)}`);
  }
  return iommuGroupSetDomain(k, g, domain);
}

/**
 * `iommu_detach_group()`. L: back to the default domain (intel-iommu may oops on a removed device's
 * stale dev_info, iommu/probe.ts: the group still ends on its default domain). O1+:
 * `__iommu_group_set_core_domain` (blocking while owned). Never fails otherwise.
 */
export function iommuDetachGroup(k: KernelState, g: IommuGroup): Outcome {
  enter(k, 'iommu_detach_group');
  if (!k.profile.dmaOwnership) {
    const oops = dmarStaleDetach(k, g, g.domain);
    g.domain = g.defaultDomain;
    return oops ?? OK;
  }
  const r = iommuGroupSetCoreDomain(k, g);
  if (!r.ok) g.domain = g.owner !== null ? g.blockingDomain : g.defaultDomain;
  return OK;
}

const OK: Outcome = ok();

/**
 * `iommu_attach_device()` with a fresh domain of `type` (a kernel driver's private domain, scenario 20):
 * no group → -ENODEV; a group with other members → -EINVAL (singleton rule); then as attach_group.
 * `api: 'iommu_attach_group'` models a driver that replaces the group's domain internally (AMD GPU, scenario 21).
 */
export function iommuAttachDevice(k: KernelState, dev: Device, type: DomainType, api: 'iommu_attach_device' | 'iommu_attach_group'): Outcome {
  enter(k, api);
  if (dev.group === null) return fail(k, api, 'ENODEV', `${dev.name} has no IOMMU group`);
  const g = getGroup(k, dev.group);
  if (api === 'iommu_attach_device' && g.devices.length !== 1) {
    return fail(k, api, 'EINVAL', `group ${g.id} has ${g.devices.length} devices; iommu_attach_device needs a singleton group`);
  }
  const id = allocDomain(k, type, `${dev.driver ?? 'kernel'} private domain`);
  const r = iommuAttachGroup(k, id, g);
  if (!r.ok) k.domains.delete(id);
  return r;
}

/** `iommu_detach_device()`: WARN unless singleton and on that domain; then as detach_group. */
export function iommuDetachDevice(k: KernelState, dev: Device): Outcome {
  enter(k, 'iommu_detach_device');
  if (dev.group === null) return fail(k, 'iommu_detach_device', 'ENODEV', `${dev.name} has no IOMMU group`);
  const g = getGroup(k, dev.group);
  if (g.devices.length !== 1 || g.domain === g.defaultDomain || g.domain === g.blockingDomain) {
    return fail(k, 'iommu_detach_device', 'EINVAL', `WARN_ON: group ${g.id} is not a singleton on a private domain`);
  }
  const old = g.domain;
  iommuDetachGroup(k, g);
  if (old !== null) k.domains.delete(old);
  return ok();
}

/** F+ `iommu_attach_device_pasid()`: no group → -ENODEV; PASID already used in the group → -EBUSY. */
export function iommuAttachDevicePasid(k: KernelState, dev: Device, pasid: number): Outcome {
  const fn = 'iommu_attach_device_pasid';
  enter(k, fn);
  if (!k.profile.pasidArray) return fail(k, fn, 'EOPNOTSUPP', `no PASID attach API before 6.2 (${k.profile.release})`);
  if (dev.group === null) return fail(k, fn, 'ENODEV', `${dev.name} has no IOMMU group`);
  const g = getGroup(k, dev.group);
  const key = String(pasid);
  if (g.pasidArray.has(key)) return fail(k, fn, 'EBUSY', `group ${g.id}: PASID ${pasid} already attached`);
  g.pasidArray.set(key, allocDomain(k, 'unmanaged', `${dev.driver ?? 'kernel'} PASID ${pasid} domain`));
  return ok();
}

/** `iommu_detach_device_pasid()` (drivers/iommu/iommu.c, 6.2+): takes `pasid` out of the group's `pasid_array`. */
export function iommuDetachDevicePasid(k: KernelState, dev: Device, pasid: number): Outcome {
  const fn = 'iommu_detach_device_pasid';
  enter(k, fn);
  const g = dev.group === null ? undefined : k.groups.get(dev.group);
  const d = g?.pasidArray.get(String(pasid));
  if (!g || d === undefined) return fail(k, fn, 'ENOENT', `${dev.name}: PASID ${pasid} is not attached`);
  g.pasidArray.delete(String(pasid));
  k.domains.delete(d);
  return ok();
}
