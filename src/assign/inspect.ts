import type { HostDescription, PciDeviceDesc } from '../model/host-description.js';
import type { DmaHolder } from '../host/processes.js';
import type { CriticalDevices } from '../host/critical.js';
import { dmaEra, exemption, isDriverManagedDma, type DmaEra } from './dma-rules.js';
import type { PciNames } from './pci-ids.js';
import { compareBdf } from './bdf.js';

/**
 * The host as `dmaown` reports it: every IOMMU group with its members, each member's role, the
 * group's ownership and whether it can be handed to user space now (and if not, who blocks it).
 * Plain data — the CLI renders it and `--json` prints it.
 */

/** kernel-dma: bound to a driver that counts as a kernel DMA-API user; driver-managed: driver_managed_dma; unknown: an imported paste does not say (see unknowns.ts). */
export type Role = 'kernel-dma' | 'driver-managed' | 'unbound' | 'unknown';

export interface DeviceView {
  readonly bdf: string;
  readonly vendor: number;
  readonly device: number;
  readonly class: number;
  readonly vendorName: string | null;
  readonly deviceName: string | null;
  readonly className: string | null;
  readonly driver: string | null;
  readonly driverOverride: string | null;
  readonly role: Role;
  /** True when this member keeps the group from being claimed by user space under this kernel's rule. */
  readonly blocks: boolean;
  /** Why the member does not block (unbound, driver_managed_dma, bridge header, ...), or null. */
  readonly exempt: string | null;
  /** Non-normal header type: a bridge or root port, never moved to vfio-pci. */
  readonly bridge: boolean;
  readonly resetMethod: readonly string[] | null;
  readonly sriovNumvfs: number | null;
  readonly physfn: string | null;
  readonly bootVga: boolean | null;
  /** Why taking this device would cut the host off (default-route NIC, mounted disk, ...). */
  readonly critical: readonly string[];
  /** Facts an imported paste did not carry ('driver', 'group', 'config'); absent on real hosts and captures. */
  readonly unknown?: readonly string[];
}

export type Ownership = 'kernel' | 'user' | 'idle' | 'unknown';

export interface Blocker {
  readonly bdf: string;
  readonly driver: string | null;
  readonly kind: 'kernel-driver' | 'in-use' | 'unknown';
  readonly why: string;
}

export interface GroupView {
  readonly id: number;
  readonly type: string | null;
  readonly devices: readonly DeviceView[];
  readonly ownership: Ownership;
  readonly holders: readonly DmaHolder[];
  readonly assignable: boolean;
  readonly blockers: readonly Blocker[];
}

export interface HostView {
  readonly kernel: string;
  readonly era: DmaEra;
  readonly groups: readonly GroupView[];
  /** PCI devices without an IOMMU group. */
  readonly ungrouped: readonly DeviceView[];
  /** Registered PCI drivers (/sys/bus/pci/drivers). */
  readonly drivers: readonly string[];
  /**
   * Processes holding /dev/iommu, each with the groups it holds through /dev/vfio/N or a device cdev.
   * An iommufd context alone owns nothing: ownership comes with VFIO_DEVICE_BIND_IOMMUFD (or
   * GET_DEVICE_FD on a group set to the iommufd), so `groups: []` is a bare holder.
   */
  readonly iommufdHolders: readonly IommufdHolder[];
  /** Whose open files were seen: all processes, only some (not root: EACCES), none (a capture has no /proc). */
  readonly holdersSeen: HoldersSeen;
}

export type HoldersSeen = 'all' | 'some' | 'none';

export interface IommufdHolder extends DmaHolder {
  readonly groups: readonly number[];
}

export interface InspectInput {
  readonly host: HostDescription;
  readonly names: PciNames;
  readonly holders?: readonly DmaHolder[];
  readonly critical?: CriticalDevices;
  readonly holdersSeen?: HoldersSeen;
}

/** PCI header type from config byte 0x0e (bit 7 is the multifunction flag); the class when config is short. */
export function headerType(d: PciDeviceDesc): number {
  const b = d.config[0x0e];
  if (b !== undefined) return b & 0x7f;
  return d.class >> 8 === 0x0604 || d.class >> 8 === 0x0609 ? 1 : d.class >> 8 === 0x0607 ? 2 : 0;
}

export function deviceView(d: PciDeviceDesc, era: DmaEra, names: PciNames, critical: CriticalDevices): DeviceView {
  const ex = exemption(era, { driver: d.driver, headerType: headerType(d) });
  const role: Role = d.driver === null ? 'unbound' : isDriverManagedDma(d.driver) ? 'driver-managed' : 'kernel-dma';
  return {
    bdf: d.bdf, vendor: d.vendor, device: d.device, class: d.class,
    vendorName: names.vendor(d.vendor), deviceName: names.device(d.vendor, d.device), className: names.className(d.class),
    driver: d.driver, driverOverride: d.driverOverride, role, blocks: ex === null, exempt: ex,
    bridge: headerType(d) !== 0, resetMethod: d.resetMethod, sriovNumvfs: d.sriovNumvfs, physfn: d.physfn,
    bootVga: d.bootVga, critical: critical[d.bdf] ?? [],
  };
}

/** Build the report of every group (sorted by id) from a host description. */
export function inspectHost(input: InspectInput): HostView {
  const { host, names } = input;
  const holders = input.holders ?? [], critical = input.critical ?? {};
  const era = dmaEra(host.kernel);
  // One pass over the devices: members per group (filtering the host per group would be O(groups × devices)).
  const members = new Map<number, DeviceView[]>();
  for (const d of host.pci) {
    if (d.iommuGroup === null) continue;
    const list = members.get(d.iommuGroup);
    const v = deviceView(d, era, names, critical);
    if (list) list.push(v); else members.set(d.iommuGroup, [v]);
  }
  const groups = [...host.groups].sort((a, b) => a.id - b.id).map((g): GroupView => {
    const devices = (members.get(g.id) ?? []).sort((a, b) => compareBdf(a.bdf, b.bdf));
    const bdfs = new Set(devices.map((d) => d.bdf));
    const held = holders.filter((h) => h.group === g.id || (h.bdf !== null && bdfs.has(h.bdf)));
    const blockers: Blocker[] = devices.filter((d) => d.blocks).map((d) => ({
      bdf: d.bdf, driver: d.driver, kind: 'kernel-driver' as const,
      why: era === 'ownership'
        ? `${d.bdf} is bound to ${d.driver}, which does not set driver_managed_dma (iommu_device_use_default_domain: owner_cnt > 0)`
        : `${d.bdf} is bound to ${d.driver}, which vfio_dev_viable() does not allow (not a bridge, pci-stub or vfio driver)`,
    }));
    for (const h of held) {
      blockers.push({ bdf: h.bdf ?? devices[0]?.bdf ?? '', driver: null, kind: 'in-use',
        why: h.bdf !== null ? `${h.path} (the vfio cdev of ${h.bdf}) is held open by ${h.comm} (pid ${h.pid})` : `${h.path} is held open by ${h.comm} (pid ${h.pid})` });
    }
    const ownership: Ownership = held.length > 0 ? 'user' : devices.some((d) => d.role === 'kernel-dma') ? 'kernel' : 'idle';
    return { id: g.id, type: g.type, devices, ownership, holders: held, assignable: blockers.length === 0, blockers };
  });
  const ungrouped = host.pci.filter((d) => d.iommuGroup === null).map((d) => deviceView(d, era, names, critical));
  const iommufdHolders = holders.filter((h) => h.path === '/dev/iommu').map((h): IommufdHolder => ({
    ...h, groups: [...new Set(holders.filter((x) => x.pid === h.pid && x.group !== null).map((x) => x.group as number))].sort((a, b) => a - b),
  }));
  return { kernel: host.kernel, era, groups, ungrouped, drivers: host.pciDrivers, iommufdHolders, holdersSeen: input.holdersSeen ?? (input.holders ? 'all' : 'none') };
}
