import type { HostDescription, PciDeviceDesc } from '../model/host-description.js';
import { dmaRule, groupMemberViability, isDriverManagedDma, type DmaRule, type MemberViability } from '../model/index.js';
import type { DmaHolder } from '../host/processes.js';
import type { CriticalDevices } from '../host/critical.js';
import type { ModuleState } from '../host/evidence.js';
import type { PciNames } from './pci-ids.js';
import { compareBdf } from './bdf.js';
import { pciConfigSize } from '../model/pci/config.js';
import { infrastructureKind } from './function-kind.js';
import { hostModel, type HostModel } from './host-model.js';
import { aliasesOutsideGroups } from '../host/alias-outside.js';
import { aliasOutsideDiagnosis, type Diagnosis } from './diagnosis.js';
import { noGroupReasons, type NoGroup } from './no-group.js';

/**
 * The host as `dmaown` reports it: every IOMMU group with its members, each member's role, the
 * group's ownership and whether it can be handed to user space now (and if not, who blocks it).
 * Who blocks is asked of the simulated kernel of the host's version (`groupMemberViability`): the
 * same state the ownership calls and the plan's simulation read. Plain data — the CLI renders it and
 * `--json` prints it.
 */

/** kernel-dma: bound to a driver that counts as a kernel DMA-API user; driver-managed: driver_managed_dma; unknown: an imported paste does not say (see unknowns.ts). */
export type Role = 'kernel-dma' | 'driver-managed' | 'unbound' | 'unknown';


export interface DeviceView {
  readonly bdf: string;
  readonly vendor: number;
  readonly device: number;
  readonly class: number;
  readonly subsystemVendor: number;
  readonly subsystemDevice: number;
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
  /** Host plumbing (bridge, host bridge, IOMMU, SMBus, dummy function, ...), or null for an endpoint. */
  readonly infrastructure: string | null;
  readonly resetMethod: readonly string[] | null;
  readonly sriovNumvfs: number | null;
  readonly physfn: string | null;
  readonly bootVga: boolean | null;
  /** Why taking this device would cut the host off (default-route NIC, mounted disk, ...). */
  readonly critical: readonly string[];
  /** Facts an imported paste did not carry ('driver', 'group', 'config'); absent on real hosts and captures. */
  readonly unknown?: readonly string[];
  /** A function in no group on a platform that groups at probe (arm-smmu-v3): why, and what to do (no-group.ts). */
  readonly noGroup?: NoGroup;
}

/** unknown: a capture or a sample cannot show which process holds a group's VFIO files. */
export type Ownership = 'kernel' | 'user' | 'idle' | 'unknown';

export interface Blocker {
  readonly bdf: string;
  readonly driver: string | null;
  /** dma-alias: a device in no group that issues DMA with a member's requester ID and has a kernel driver (`aliasesOutsideGroups`). */
  readonly kind: 'kernel-driver' | 'in-use' | 'unknown' | 'dma-alias';
  readonly why: string;
  /** dma-alias: the device, the shared ID, the kernel log line, what to do. */
  readonly diagnosis?: Diagnosis;
}

export interface GroupView {
  readonly id: number;
  readonly type: string | null;
  readonly devices: readonly DeviceView[];
  readonly ownership: Ownership;
  readonly holders: readonly DmaHolder[];
  readonly assignable: boolean;
  readonly blockers: readonly Blocker[];
  /** At least one endpoint function: a group a user could pass through. */
  readonly endpoint: boolean;
}

export interface HostView {
  readonly kernel: string;
  /** The profile's DMA rule as outputs name it (`dmaRule()` of src/model/profiles.ts). */
  readonly era: DmaRule;
  /** `pcie_acs_override=...` from the kernel command line (the out-of-tree patch), or null. */
  readonly acsOverride: string | null;
  /** The model ran this host under another release's rules (older than 5.10), and why. */
  readonly modelNote: string | null;
  readonly groups: readonly GroupView[];
  /** PCI devices without an IOMMU group. */
  readonly ungrouped: readonly DeviceView[];
  /** Registered PCI drivers (/sys/bus/pci/drivers). */
  readonly drivers: readonly string[];
  /** Module name → loaded/builtin/available/absent for the modules looked at; null: not known (a capture without evidence). */
  readonly modules: Readonly<Record<string, ModuleState>> | null;
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
  /** Module states (`HostEvidence.modules`); default unknown. */
  readonly modules?: Readonly<Record<string, ModuleState>> | null;
  /** The host's simulated kernel (built here when absent; tests). */
  readonly model?: HostModel;
}

/** PCI header type from config byte 0x0e (bit 7 is the multifunction flag); the class when config is short. */
export function headerType(d: PciDeviceDesc): number {
  if (pciConfigSize(d) > 0x0e) return (d.config[0x0e] ?? 0) & 0x7f;
  return d.class >> 8 === 0x0604 || d.class >> 8 === 0x0609 ? 1 : d.class >> 8 === 0x0607 ? 2 : 0;
}

/** A vfio bus driver: vfio-pci or one of its variant drivers (they register a vfio device; user space opens it). */
export function isVfioDriver(driver: string | null): boolean {
  return driver !== null && (driver === 'vfio-pci' || driver.endsWith('-vfio-pci') || driver.endsWith('_vfio_pci'));
}

function deviceView(d: PciDeviceDesc, v: MemberViability | undefined, names: PciNames, critical: CriticalDevices): DeviceView {
  const role: Role = d.driver === null ? 'unbound' : isDriverManagedDma(d.driver) ? 'driver-managed' : 'kernel-dma';
  const hdr = headerType(d);
  return {
    bdf: d.bdf, vendor: d.vendor, device: d.device, class: d.class, subsystemVendor: d.subsystemVendor, subsystemDevice: d.subsystemDevice,
    vendorName: names.vendor(d.vendor), deviceName: names.device(d.vendor, d.device), className: names.className(d.class),
    driver: d.driver, driverOverride: d.driverOverride, role,
    blocks: v?.blocks ?? false, exempt: v === undefined ? (d.iommuGroup === null ? 'no IOMMU group' : null) : v.blocks ? null : v.why,
    bridge: hdr !== 0, infrastructure: infrastructureKind(d.class, hdr),
    resetMethod: d.resetMethod, sriovNumvfs: d.sriovNumvfs, physfn: d.physfn, bootVga: d.bootVga, critical: critical[d.bdf] ?? NONE,
  };
}

/** The empty list every device without a critical use, and every group nobody holds, shares (frozen: never filled). */
const NONE: readonly never[] = Object.freeze([]);

/** The model's verdict on member `bdf` (the last one of that name, as a map of them would keep). */
function verdictOf(verdicts: readonly MemberViability[], bdf: string): MemberViability | undefined {
  for (let i = verdicts.length - 1; i >= 0; i--) if ((verdicts[i] as MemberViability).name === bdf) return verdicts[i];
  return undefined;
}

/** The holders of group `id`: its /dev/vfio/N, or a member's device cdev. */
function heldBy(holders: readonly DmaHolder[], id: number, devices: readonly DeviceView[]): DmaHolder[] {
  const bdfs = new Set(devices.map((d) => d.bdf));
  return holders.filter((h) => h.group === id || (h.bdf !== null && bdfs.has(h.bdf)));
}

/** Build the report of every group (sorted by id) from a host description. Throws only if the model cannot boot the host and none was given. */
export function inspectHost(input: InspectInput): HostView {
  const { host, names } = input;
  const holders = input.holders ?? [], critical = input.critical ?? {};
  const holdersSeen = input.holdersSeen ?? (input.holders ? 'all' : 'none');
  let model = input.model;
  if (!model) {
    const m = hostModel(host);
    if (!m.ok) throw new Error(m.why);
    model = m.value;
  }
  const era = dmaRule(model.profile);
  const byGroup = new Map<number, PciDeviceDesc[]>();
  for (const d of host.pci) {
    if (d.iommuGroup === null) continue;
    const list = byGroup.get(d.iommuGroup);
    if (list) list.push(d); else byGroup.set(d.iommuGroup, [d]);
  }
  // Devices outside every group that share a requester ID with a member: part of that group's isolation
  // question while they have a kernel driver (pci-stub does no DMA). O(functions × depth), once per host.
  const aliasBlockers = new Map<number, Blocker[]>();
  for (const a of aliasesOutsideGroups(host)) {
    if (a.driver === null || a.driver === 'pci-stub') continue;
    const diagnosis = aliasOutsideDiagnosis(a);
    const list = aliasBlockers.get(a.group) ?? [];
    list.push({ bdf: a.bdf, driver: a.driver, kind: 'dma-alias', diagnosis,
      why: `${a.bdf} (${a.driver}) is in no IOMMU group yet issues DMA as requester ID ${a.ridName}, as ${a.member} of this group does: the group's domain would translate its DMA too${a.logLine === null ? '' : ` (kernel log: "${a.logLine}")`}` });
    aliasBlockers.set(a.group, list);
  }
  const groups = [...host.groups].sort((a, b) => a.id - b.id).map((g): GroupView => {
    // Most groups hold one to a few members: their verdicts are looked up in the list, a map only for large ones.
    const list = groupMemberViability(model.kernel, g.id) ?? [];
    const byName = list.length > 8 ? new Map(list.map((v) => [v.name, v])) : null;
    const verdict = (bdf: string): MemberViability | undefined => (byName !== null ? byName.get(bdf) : verdictOf(list, bdf));
    const members = byGroup.get(g.id) ?? [];
    const devices = members.map((d) => deviceView(d, verdict(d.bdf), names, critical));
    if (devices.length > 1) devices.sort((a, b) => compareBdf(a.bdf, b.bdf));
    const held = holders.length === 0 ? NONE : heldBy(holders, g.id, devices);
    const blockers: Blocker[] = [];
    for (const d of devices) {
      if (d.blocks) blockers.push({ bdf: d.bdf, driver: d.driver, kind: 'kernel-driver' as const, why: verdict(d.bdf)?.why ?? '' });
    }
    for (const h of held) {
      blockers.push({ bdf: h.bdf ?? devices[0]?.bdf ?? '', driver: null, kind: 'in-use',
        why: h.bdf !== null ? `${h.path} (the vfio cdev of ${h.bdf}) is held open by ${h.comm} (pid ${h.pid})` : `${h.path} is held open by ${h.comm} (pid ${h.pid})` });
    }
    const aliased = aliasBlockers.get(g.id);
    if (aliased !== undefined) blockers.push(...aliased);
    // Only a group with a vfio device has /dev/vfio/N or a device cdev to hold: elsewhere "idle" is certain.
    const ownership: Ownership = held.length > 0 ? 'user' : devices.some((d) => d.role === 'kernel-dma') ? 'kernel'
      : holdersSeen === 'none' && devices.some((d) => isVfioDriver(d.driver)) ? 'unknown' : 'idle';
    return {
      id: g.id, type: g.type, devices, ownership, holders: held, assignable: blockers.length === 0, blockers,
      endpoint: devices.some((d) => d.infrastructure === null),
    };
  });
  const noGroup = noGroupReasons(host);
  const ungrouped = host.pci.filter((d) => d.iommuGroup === null).map((d) => {
    const v = deviceView(d, undefined, names, critical), n = noGroup.get(d.bdf);
    return n === undefined ? v : { ...v, noGroup: n };
  });
  const iommufdHolders = holders.filter((h) => h.path === '/dev/iommu').map((h): IommufdHolder => ({
    ...h, groups: [...new Set(holders.filter((x) => x.pid === h.pid && x.group !== null).map((x) => x.group as number))].sort((a, b) => a - b),
  }));
  return { kernel: host.kernel, era, acsOverride: host.cmdline.find((p) => p.startsWith('pcie_acs_override=')) ?? null, modelNote: model.note, groups, ungrouped, drivers: host.pciDrivers, modules: input.modules ?? null, iommufdHolders, holdersSeen };
}
