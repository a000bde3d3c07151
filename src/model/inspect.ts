/**
 * Read-only inspection of a simulated kernel for tools and tests: a group's ownership (`ownerCnt`,
 * `owner`, which domain is current), a device's driver, a vfio group's state. Plain data copies.
 */
import type { Kernel } from './uapi.js';
import { vfioDevViability } from './vfio/notifier.js';

export type DomainKind = 'default' | 'blocking' | 'user' | 'private' | 'none';

export interface GroupView {
  readonly id: number;
  readonly devices: readonly string[];
  readonly ownerCnt: number;
  readonly owner: string | null;
  /** Which domain the group is on now. */
  readonly domain: DomainKind;
  /** The current domain's type ('DMA-FQ', 'blocked', 'unmanaged', 'identity'), or null. */
  readonly domainType: string | null;
  readonly defaultDomainType: string | null;
  readonly pasids: number;
}

export interface VfioGroupView {
  readonly id: number;
  readonly devices: readonly string[];
  readonly open: boolean;
  readonly container: number | null;
  readonly iommufd: number | null;
  readonly containerUsers: number;
  /** O2+: false once the last vfio device was unbound (open fd answers ENODEV). */
  readonly hasIommuGroup: boolean;
  readonly openDeviceFds: number;
  /** On `vfio.group_list` (a new vfio device of the group joins it); 6.1+: false for a dead group an fd still holds. */
  readonly onGroupList: boolean;
}

export function inspectGroup(kernel: Kernel, id: number): GroupView | null {
  const k = kernel.state;
  const g = k.groups.get(id);
  if (!g) return null;
  const cur = g.domain === null ? undefined : k.domains.get(g.domain);
  const def = g.defaultDomain === null ? undefined : k.domains.get(g.defaultDomain);
  let domain: DomainKind = 'none';
  if (g.domain !== null) {
    if (g.domain === g.defaultDomain) domain = 'default';
    else if (g.domain === g.blockingDomain) domain = 'blocking';
    else domain = cur?.label.startsWith('vfio') || cur?.label.startsWith('iommufd') ? 'user' : 'private';
  }
  return {
    id, devices: [...g.devices], ownerCnt: g.ownerCnt, owner: g.owner, domain,
    domainType: cur?.type ?? null, defaultDomainType: def?.type ?? null, pasids: g.pasidArray.size,
  };
}

export function inspectDevice(kernel: Kernel, name: string): { driver: string | null; driverOverride: string | null; group: number | null; locked: string | null } | null {
  const d = kernel.state.devices.get(name);
  return d ? { driver: d.driver, driverOverride: d.driverOverride, group: d.group, locked: d.lockHolder } : null;
}

export function inspectVfioGroup(kernel: Kernel, id: number): VfioGroupView | null {
  const k = kernel.state;
  const vg = k.vfioGroups.get(id) ?? [...k.deadVfioGroups.values()].find((d) => d.id === id);
  if (!vg) return null;
  let fds = 0;
  for (const n of vg.openDevices.values()) fds += n;
  return {
    id, devices: [...vg.devices], open: vg.openedFd !== null, container: vg.container, iommufd: vg.iommufd,
    containerUsers: vg.containerUsers, hasIommuGroup: vg.iommuGroup !== null, openDeviceFds: fds,
    onGroupList: k.vfioGroups.get(id) === vg,
  };
}

/** Kernel log lines (dmesg) the model printed, oldest first. */
export function kernelLog(kernel: Kernel): readonly string[] {
  return kernel.state.log;
}

/** One member of a group, judged by the rule this kernel applies when user space asks to own the group. */
export interface MemberViability {
  readonly name: string;
  readonly driver: string | null;
  /** True when this member keeps user space from owning the group. */
  readonly blocks: boolean;
  /** Why it blocks, or why it does not (unbound, driver_managed_dma, bridge header, ...). */
  readonly why: string;
  /** The kernel function whose rule decided. */
  readonly fn: string;
}

/**
 * Who keeps user space from owning group `id`, by the rule of this kernel's profile — the same state
 * the ownership calls read, so a report and a simulation cannot disagree:
 * - O1+ (5.19+): `iommu_group_claim_dma_owner()` fails with EPERM while `owner_cnt` holds counts taken by
 *   `iommu_device_use_default_domain()` from a bus `dma_configure` (drivers without `driver_managed_dma`);
 * - L (5.10–5.18): `vfio_group_viable()` → `vfio_dev_viable()` for each member: unbound (or on the
 *   vfio group's unbound_list), a non-normal header, `vfio_driver_allowed[]` (pci-stub), or a registered
 *   vfio device of the group. Returns null for an unknown group.
 */
export function groupMemberViability(kernel: Kernel, id: number): MemberViability[] | null {
  const k = kernel.state;
  const g = k.groups.get(id);
  if (!g) return null;
  const vg = k.vfioGroups.get(id) ?? null;
  const out: MemberViability[] = [];
  for (const name of g.devices) {
    const dev = k.devices.get(name);
    if (!dev) continue;
    const driver = dev.driver;
    if (k.profile.dmaOwnership) {
      const fn = 'iommu_group_claim_dma_owner';
      if (dev.defaultDomainUses > 0) {
        out.push({ name, driver, blocks: true, fn, why: `${name} is bound to ${driver ?? '?'}, which does not set driver_managed_dma: iommu_device_use_default_domain() counted it (group ${id}: owner_cnt=${g.ownerCnt})` });
      } else if (driver === null) out.push({ name, driver, blocks: false, fn, why: 'unbound' });
      else out.push({ name, driver, blocks: false, fn, why: `${driver} sets driver_managed_dma` });
      continue;
    }
    const v = vfioDevViability(vg, dev);
    out.push({ name, driver, blocks: v.blocks, fn: 'vfio_dev_viable', why: v.blocks
      ? `${name} is bound to ${driver ?? '?'}, which vfio_dev_viable() does not allow (not unbound, a bridge, pci-stub or a vfio device)` : v.why });
  }
  return out;
}
