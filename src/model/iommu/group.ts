/**
 * `struct iommu_group` and the DMA-ownership API of drivers/iommu/iommu.c (spec §1.1, §1.3, §2.1–2.8):
 * two fields, `owner_cnt` and `owner`, and a few small symmetric functions. Checks run in the kernel's
 * order for the profile and nothing is changed before every check has passed.
 *
 * Owner cookies are strings compared by identity ('container file 3', 'vfio_group 1', 'iommufd_ctx 2').
 */
import { ModelBug, ok, type Outcome } from '../errno.js';
import type { ReservedRegion } from '../host-description.js';
import type { Device } from '../base/device.js';
import { enter, fail, printk, type KernelState } from '../kernel-state.js';

declare module '../kernel-state.js' {
  interface KernelState {
    readonly groups: Map<number, IommuGroup>;
    readonly domains: Map<number, IommuDomain>;
    /** Group ids given back to `iommu_group_ida` below `next.group`; `iommu_group_alloc()` takes the lowest. */
    readonly freeGroupIds: Set<number>;
    /**
     * References on a group held from outside its devices (`iommu_group_get()` by `vfio_create_group()`): a
     * group emptied of devices while held is freed only when the last holder lets go. By group id; absent = 0.
     */
    readonly iommuGroupRefs: Map<number, number>;
    /** IOMMU hardware units (/sys/class/iommu). */
    readonly iommus: string[];
    /**
     * L with intel-iommu: a `device_domain_info` a hot-removed device left in the (non-default) domain its
     * group was attached to, by BDF → domain id (conformance/5.10/S15; see iommu/probe.ts).
     */
    readonly dmarStaleDevInfo: Map<string, number>;
  }
}


/** `iommu_domain->type` as sysfs spells it. */
export type DomainType = 'DMA' | 'DMA-FQ' | 'identity' | 'blocked' | 'unmanaged';

export interface IommuDomain {
  readonly id: number;
  readonly type: DomainType;
  /** Who allocated it: 'default domain', 'blocking domain', 'vfio type1 (container 1)', 'amdgpu private domain'. */
  readonly label: string;
}

export interface IommuGroup {
  readonly id: number;
  /** Member device names, in join order (`group->devices`). */
  readonly devices: string[];
  defaultDomain: number | null;
  blockingDomain: number | null;
  domain: number | null;
  ownerCnt: number;
  owner: string | null;
  /** F+: `group->pasid_array`: key `${device}/${pasid}` → domain id. */
  readonly pasidArray: Map<string, number>;
  reservedRegions: readonly ReservedRegion[];
  /** The `name` attribute ('vfio-noiommu' for vfio's fake groups), or null. */
  readonly name: string | null;
  /** A vfio noiommu fake group: no IOMMU ops, never claimed. */
  readonly fake: boolean;
}

/** `__iommu_domain_alloc()` (drivers/iommu/iommu.c): a new domain of `type`; `label` says whose it is in messages. */
export function allocDomain(k: KernelState, type: DomainType, label: string): number {
  const id = k.next.domain++;
  k.domains.set(id, { id, type, label });
  return id;
}

/**
 * `iommu_group_get()` by a holder outside the group's devices (5.10–6.0 `vfio_create_group()`, 6.1+
 * `vfio_group_find_or_alloc()`): while a reference is held, a group emptied of devices is not freed.
 */
export function iommuGroupGet(k: KernelState, id: number): void {
  k.iommuGroupRefs.set(id, (k.iommuGroupRefs.get(id) ?? 0) + 1);
}

/** `iommu_group_put()`: gives back a reference `iommuGroupGet` took (the holder frees an emptied group itself: iommu/probe.ts `iommuGroupReleaseEmpty`). */
export function iommuGroupPut(k: KernelState, id: number): void {
  const n = (k.iommuGroupRefs.get(id) ?? 0) - 1;
  if (n < 0) throw new ModelBug(`iommu_group_put of group ${id} without a reference`);
  if (n === 0) k.iommuGroupRefs.delete(id); else k.iommuGroupRefs.set(id, n);
}

/** Whether a holder outside the group's devices references group `id`. */
export function iommuGroupHeld(k: KernelState, id: number): boolean {
  return k.iommuGroupRefs.has(id);
}

export function getGroup(k: KernelState, id: number): IommuGroup {
  const g = k.groups.get(id);
  if (!g) throw new ModelBug(`iommu group ${id} does not exist`);
  return g;
}

export function describeDomain(k: KernelState, id: number | null): string {
  if (id === null) return 'no domain';
  const d = k.domains.get(id);
  return d ? `${d.label} (${d.type})` : `domain ${id}`;
}

/** Why a group is busy, naming the owner or the kernel users: `group 1: owner_cnt=1 (0000:00:05.1 bound to e1000)`. */
export function describeOwnership(k: KernelState, g: IommuGroup): string {
  if (g.owner !== null) return `group ${g.id} owned by ${g.owner} (owner_cnt=${g.ownerCnt})`;
  const users: string[] = [];
  for (const name of g.devices) {
    const d = k.devices.get(name);
    if (!d || d.defaultDomainUses === 0) continue;
    const managed = d.driver !== null && (k.drivers.get(`${d.bus}/${d.driver}`)?.driverManagedDma ?? false);
    if (d.driver !== null && !managed) users.push(`${d.name} bound to ${d.driver}`);
    else users.push(`${d.name} ${d.driver === null ? 'with no driver' : `now on ${d.driver}`}: count leaked by an earlier bind`);
  }
  return `group ${g.id}: owner_cnt=${g.ownerCnt}${users.length ? ` (${users.join(', ')})` : ''}`;
}

/** `iommu_is_default_domain()` (6.0+): current == default, or both identity (AMD GPU case, 2380f1e8195e). */
export function iommuIsDefaultDomain(k: KernelState, g: IommuGroup): boolean {
  if (g.domain === g.defaultDomain) return true;
  const def = g.defaultDomain === null ? undefined : k.domains.get(g.defaultDomain);
  const cur = g.domain === null ? undefined : k.domains.get(g.domain);
  return def?.type === 'identity' && cur?.type === 'identity';
}

/** `dev->iommu->require_direct` (C+): the group reports an IOMMU_RESV_DIRECT region (e.g. Intel RMRR). */
export function requireDirect(g: IommuGroup): boolean {
  return g.reservedRegions.some((r) => r.type === 'direct');
}

/**
 * `__iommu_group_set_domain()`: attach every member to `domain`. C+: a `require_direct` member refuses the
 * blocking domain with -EINVAL (`__iommu_device_set_domain`). Changes nothing on failure.
 */
export function iommuGroupSetDomain(k: KernelState, g: IommuGroup, domain: number | null): Outcome {
  if (g.domain === domain) return ok();
  if (k.profile.requireDirect && domain !== null && domain === g.blockingDomain && requireDirect(g) && g.devices.length > 0) {
    const dev = g.devices[0] ?? '?';
    printk(k, `${dev}: Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping. Contact your platform vendor.`);
    return fail(k, '__iommu_device_set_domain', 'EINVAL', `group ${g.id}: ${dev} requires direct mapping (IOMMU_RESV_DIRECT) and refuses the blocking domain`);
  }
  g.domain = domain;
  return ok();
}

/** `__iommu_group_set_core_domain()` (O1+): blocking domain while owned, else the default domain. */
export function iommuGroupSetCoreDomain(k: KernelState, g: IommuGroup): Outcome {
  return iommuGroupSetDomain(k, g, g.owner !== null ? g.blockingDomain : g.defaultDomain);
}

function pasidBusy(k: KernelState, g: IommuGroup): boolean {
  return k.profile.pasidArray && g.pasidArray.size > 0;
}

/**
 * `iommu_device_use_default_domain()` — a kernel DMA-API driver is about to bind (bus dma_configure).
 * No group → 0. ≥6.13: no default domain → -EPROBE_DEFER. owner_cnt != 0 and (owner set, or the current
 * domain is not the default one (6.0–6.5: `iommu_is_default_domain`), or F+ PASIDs attached) → -EBUSY.
 * Success: owner_cnt++.
 */
export function iommuDeviceUseDefaultDomain(k: KernelState, dev: Device): Outcome {
  if (dev.group === null) {
    enter(k, 'iommu_device_use_default_domain');
    return ok();
  }
  const g = getGroup(k, dev.group);
  const fn = 'iommu_device_use_default_domain';
  if (k.profile.useDefaultDomainProbeDefer && g.defaultDomain === null) {
    return fail(k, fn, 'EPROBE_DEFER', `group ${g.id} has no default domain yet`);
  }
  if (g.ownerCnt !== 0) {
    if (g.owner !== null) return fail(k, fn, 'EBUSY', describeOwnership(k, g));
    const notDefault = k.profile.iommuIsDefaultDomain ? !iommuIsDefaultDomain(k, g) : g.domain !== g.defaultDomain;
    if (notDefault) {
      return fail(k, fn, 'EBUSY', `group ${g.id}: current domain is ${describeDomain(k, g.domain)}, not the default domain, and owner_cnt=${g.ownerCnt} (${describeOwnership(k, g).replace(/^group \d+: /, '')})`);
    }
    if (pasidBusy(k, g)) return fail(k, fn, 'EBUSY', `group ${g.id}: ${g.pasidArray.size} PASID attachment(s) in pasid_array`);
  }
  enter(k, `${fn}: group ${g.id} owner_cnt ${g.ownerCnt} -> ${g.ownerCnt + 1}`);
  g.ownerCnt++;
  dev.defaultDomainUses++;
  return ok();
}

/** `iommu_device_unuse_default_domain()` — the kernel driver unbinds (dma_cleanup): owner_cnt--. WARN (ModelBug) on owner_cnt 0. */
export function iommuDeviceUnuseDefaultDomain(k: KernelState, dev: Device): void {
  if (dev.group === null) return;
  const g = getGroup(k, dev.group);
  if (g.ownerCnt === 0) throw new ModelBug(`iommu_device_unuse_default_domain: group ${g.id} owner_cnt is 0 (${dev.name})`);
  if (pasidBusy(k, g)) {
    printk(k, `WARNING: iommu_device_unuse_default_domain: group ${g.id} has PASID attachments; owner_cnt not dropped`);
    return;
  }
  enter(k, `iommu_device_unuse_default_domain: group ${g.id} owner_cnt ${g.ownerCnt} -> ${g.ownerCnt - 1}`);
  g.ownerCnt--;
  if (dev.defaultDomainUses > 0) dev.defaultDomainUses--;
}

/** `__iommu_take_dma_ownership()`: busy domain/PASID → -EBUSY; blocking domain attached; owner set; owner_cnt++. */
function iommuTakeDmaOwnership(k: KernelState, g: IommuGroup, owner: string, fn: string): Outcome {
  if (g.domain !== null && g.domain !== g.defaultDomain) {
    return fail(k, fn, 'EBUSY', `group ${g.id}: current domain is ${describeDomain(k, g.domain)}, not the default domain`);
  }
  if (pasidBusy(k, g)) return fail(k, fn, 'EBUSY', `group ${g.id}: ${g.pasidArray.size} PASID attachment(s) in pasid_array`);
  const allocated = g.blockingDomain === null;
  if (allocated) g.blockingDomain = allocDomain(k, 'blocked', `group ${g.id} blocking domain`);
  const set = iommuGroupSetDomain(k, g, g.blockingDomain);
  if (!set.ok) {
    if (allocated && g.blockingDomain !== null) { k.domains.delete(g.blockingDomain); g.blockingDomain = null; }
    return set;
  }
  g.owner = owner;
  g.ownerCnt++;
  enter(k, `${fn}: group ${g.id} owner=${owner} owner_cnt=${g.ownerCnt}, domain=blocking`);
  return ok();
}

/**
 * `iommu_group_claim_dma_owner()` — exclusive, group-centric claim (VFIO container path, §2.3).
 * F+: NULL owner → -EINVAL. owner_cnt != 0 → -EPERM. Non-default current domain / PASIDs → -EBUSY.
 * C+: require_direct member → -EINVAL.
 */
export function iommuGroupClaimDmaOwner(k: KernelState, g: IommuGroup, owner: string | null): Outcome {
  const fn = 'iommu_group_claim_dma_owner';
  if (owner === null) {
    if (k.profile.pasidArray) return fail(k, fn, 'EINVAL', 'NULL owner cookie (WARN_ON)');
    throw new ModelBug('iommu_group_claim_dma_owner with a NULL cookie: no caller in tree does this before 6.2');
  }
  if (g.ownerCnt !== 0) return fail(k, fn, 'EPERM', describeOwnership(k, g));
  return iommuTakeDmaOwnership(k, g, owner, fn);
}

/** `__iommu_release_dma_ownership()`: owner NULL, owner_cnt 0, default domain back (must not fail). */
function iommuReleaseDmaOwnership(k: KernelState, g: IommuGroup, fn: string): void {
  g.owner = null;
  g.ownerCnt = 0;
  g.domain = g.defaultDomain;
  enter(k, `${fn}: group ${g.id} released, domain=default`);
}

/** `iommu_group_release_dma_owner()` (§2.4). WARN (ModelBug) if not owned. */
export function iommuGroupReleaseDmaOwner(k: KernelState, g: IommuGroup): void {
  const fn = 'iommu_group_release_dma_owner';
  if (g.ownerCnt === 0 || g.owner === null) throw new ModelBug(`${fn}: group ${g.id} is not user-owned (owner_cnt=${g.ownerCnt})`);
  if (pasidBusy(k, g)) {
    printk(k, `WARNING: ${fn}: group ${g.id} has PASID attachments; not released`);
    return;
  }
  iommuReleaseDmaOwnership(k, g, fn);
}

/**
 * `iommu_device_claim_dma_owner()` (F+, §2.5) — shared, device-centric claim (iommufd).
 * NULL owner → -EINVAL; no group → -ENODEV; owned by another cookie or kernel users → -EPERM;
 * same cookie → owner_cnt++; else take ownership as the group claim does.
 */
export function iommuDeviceClaimDmaOwner(k: KernelState, dev: Device, owner: string | null): Outcome {
  const fn = 'iommu_device_claim_dma_owner';
  if (!k.profile.deviceClaim) throw new ModelBug(`${fn} does not exist before 6.2`);
  if (owner === null) return fail(k, fn, 'EINVAL', 'NULL owner cookie (WARN_ON)');
  if (dev.group === null) return fail(k, fn, 'ENODEV', `${dev.name} has no IOMMU group`);
  const g = getGroup(k, dev.group);
  if (g.ownerCnt !== 0) {
    if (g.owner !== owner) return fail(k, fn, 'EPERM', describeOwnership(k, g));
    g.ownerCnt++;
    enter(k, `${fn}: group ${g.id} owner_cnt -> ${g.ownerCnt} (same owner ${owner})`);
    return ok();
  }
  return iommuTakeDmaOwnership(k, g, owner, fn);
}

/** `iommu_device_release_dma_owner()` (F+, §2.6): owner_cnt-- if > 1, else full release. */
export function iommuDeviceReleaseDmaOwner(k: KernelState, dev: Device): void {
  const fn = 'iommu_device_release_dma_owner';
  if (dev.group === null) return;
  const g = getGroup(k, dev.group);
  if (g.ownerCnt > 1) {
    g.ownerCnt--;
    enter(k, `${fn}: group ${g.id} owner_cnt -> ${g.ownerCnt}`);
    return;
  }
  if (g.owner === null) throw new ModelBug(`${fn}: group ${g.id} is not user-owned`);
  if (pasidBusy(k, g)) {
    printk(k, `WARNING: ${fn}: group ${g.id} has PASID attachments; not released`);
    return;
  }
  iommuReleaseDmaOwnership(k, g, fn);
}

/** `iommu_group_dma_owner_claimed()` (O1+): owner_cnt != 0 — true for kernel users and user owners alike. */
export function iommuGroupDmaOwnerClaimed(g: IommuGroup): boolean {
  return g.ownerCnt !== 0;
}
