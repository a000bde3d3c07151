import type { DeviceView, GroupView, HostView } from '../assign/inspect.js';
import type { DmaHolder } from '../host/processes.js';
import { isVfioDriver } from '../assign/inspect.js';

/**
 * What every export format says about a host, derived once from the HostView of
 * `src/assign/inspect.ts` (the same view `dmaown status` prints) plus the kernel command line and the
 * no-groups diagnosis. Formats (prometheus, nfd, kubevirt, ansible) only render these facts, so the
 * four files never disagree about a group.
 *
 * - viable: no member is bound to a driver that keeps user space from claiming the group under this
 *   kernel's rule (a group held open by a VM is viable: it is in use, not blocked).
 * - state: 'ready' — viable and every endpoint function already on a vfio driver; 'assignable' —
 *   viable (or blocked only by holders) but some endpoint still needs rebinding; 'blocked' — a member's
 *   kernel driver blocks it.
 * - owner: kernel / user (a process holds /dev/vfio/N or a cdev) / idle / unknown (nobody's open files
 *   were seen, as on a capture, and no kernel DMA user decides it).
 */
export type GroupState = 'ready' | 'assignable' | 'blocked';
export type Owner = 'kernel' | 'user' | 'idle' | 'unknown';
export const OWNERS: readonly Owner[] = ['kernel', 'user', 'idle', 'unknown'];
export const GROUP_STATES: readonly GroupState[] = ['ready', 'assignable', 'blocked'];

/** vfio-pci as a driver the kernel has (registered in /sys/bus/pci/drivers) or not. */
export type VfioPciModule = 'loaded' | 'not-loaded';

export interface GroupFacts {
  readonly id: number;
  /** 'endpoint': at least one function that is not a bridge; 'infrastructure': bridges and root ports only. */
  readonly kind: 'endpoint' | 'infrastructure';
  readonly viable: boolean;
  readonly state: GroupState;
  readonly owner: Owner;
  readonly holders: readonly DmaHolder[];
  readonly devices: readonly DeviceView[];
}

export interface NoGroups {
  readonly cause: string;
  readonly advice: string;
}

export interface HostFacts {
  readonly kernel: string;
  readonly era: HostView['era'];
  /** Where the facts come from: 'this host', a capture path, 'sample desktop-gpu'. */
  readonly source: string;
  /** IOMMU groups exist and at least one is not a VFIO no-IOMMU group. */
  readonly iommuEnabled: boolean;
  readonly groups: readonly GroupFacts[];
  readonly ungrouped: readonly DeviceView[];
  /** The value of pcie_acs_override= on the kernel command line, or null. */
  readonly acsOverride: string | null;
  /** VFIO no-IOMMU mode: vfio.enable_unsafe_noiommu_mode=1 or a group named vfio-noiommu. */
  readonly noIommu: boolean;
  readonly vfioPci: VfioPciModule;
  readonly holdersSeen: HostView['holdersSeen'];
  /** Why there are no groups (the host layer's diagnosis), or null when there are groups. */
  readonly noGroups: NoGroups | null;
  /** Unix time of the export, in seconds. */
  readonly time: number;
}

export interface FactsInput {
  readonly view: HostView;
  readonly cmdline: readonly string[];
  /** Group names (the iommu_groups/N/name attribute) by id; 'vfio-noiommu' marks no-IOMMU groups. */
  readonly groupNames?: ReadonlyMap<number, string | null>;
  readonly source: string;
  readonly noGroups: NoGroups | null;
  readonly now: Date;
}

const isEndpoint = (d: DeviceView): boolean => !d.bridge && d.class >> 16 !== 0x06;

function groupFacts(g: GroupView, holdersSeen: HostView['holdersSeen']): GroupFacts {
  const viable = g.blockers.every((b) => b.kind !== 'kernel-driver');
  const endpoints = g.devices.filter(isEndpoint);
  const ready = viable && endpoints.length > 0 && endpoints.every((d) => d.driver !== null && isVfioDriver(d.driver));
  const owner: Owner = g.ownership === 'idle' && holdersSeen === 'none' ? 'unknown' : g.ownership;
  return {
    id: g.id, kind: endpoints.length > 0 ? 'endpoint' : 'infrastructure', viable,
    state: ready ? 'ready' : viable ? 'assignable' : 'blocked', owner, holders: g.holders, devices: g.devices,
  };
}

/** The facts of one export, from the host view and what the kernel command line says. */
export function hostFacts(input: FactsInput): HostFacts {
  const { view, cmdline } = input;
  const acs = cmdline.find((w) => w.startsWith('pcie_acs_override='));
  const names = input.groupNames ?? new Map<number, string | null>();
  const noiommuGroups = view.groups.filter((g) => names.get(g.id) === 'vfio-noiommu').length;
  const noIommu = noiommuGroups > 0 || cmdline.some((w) => /^vfio\.enable_unsafe_noiommu_mode=(1|y|Y)$/.test(w));
  return {
    kernel: view.kernel, era: view.era, source: input.source,
    iommuEnabled: view.groups.length > noiommuGroups,
    groups: view.groups.map((g) => groupFacts(g, view.holdersSeen)),
    ungrouped: view.ungrouped,
    acsOverride: acs === undefined ? null : acs.slice('pcie_acs_override='.length),
    noIommu,
    vfioPci: view.drivers.includes('vfio-pci') ? 'loaded' : 'not-loaded',
    holdersSeen: view.holdersSeen,
    noGroups: view.groups.length === 0 ? input.noGroups : null,
    time: Math.floor(input.now.getTime() / 1000),
  };
}

/** A device is ready when it is on a vfio driver in a viable group. */
export function deviceReady(d: DeviceView, g: GroupFacts | null): boolean {
  return g !== null && g.viable && d.driver !== null && isVfioDriver(d.driver);
}

/** Lower-case hex, zero-padded: ids as sysfs and lspci -n print them. */
export const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
