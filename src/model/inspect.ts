/**
 * Read-only inspection of a simulated kernel for tools and tests: a group's ownership (`ownerCnt`,
 * `owner`, which domain is current), a device's driver, a vfio group's state. Plain data copies.
 */
import type { Kernel } from './uapi.js';

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
