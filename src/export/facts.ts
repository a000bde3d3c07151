import type { DeviceView, GroupView, HostView, Ownership } from '../assign/inspect.js';
import type { DmaHolder } from '../host/processes.js';
import type { ModuleState } from '../host/evidence.js';
import { isVfioDriver } from '../assign/inspect.js';
import { groupStatus, type GroupState } from '../assign/group-state.js';

/**
 * What every export format says about a host, derived once from the HostView of
 * `src/assign/inspect.ts` and the group states of `src/assign/group-state.ts` — the same verdicts
 * `dmaown status` prints — plus the no-groups diagnosis. Formats (prometheus, nfd, kubevirt, ansible)
 * only render these facts, so the four files never disagree with each other or with `status`.
 *
 * - viable: no member blocks user ownership under this kernel's rule (the simulated kernel's verdict);
 *   a group held open by a VM is viable (in use, not blocked); a member whose driver an imported paste
 *   does not show makes viability unknown, reported as not viable.
 * - state: status's word for the group — ready, in-use, free, needs-rebind, refused, infrastructure,
 *   unknown.
 * - owner: kernel / user (a process holds /dev/vfio/N or a cdev) / idle / unknown (a capture cannot
 *   show who holds a group with a vfio device).
 */
export type { GroupState };
export type Owner = Ownership;
export const GROUP_STATES: readonly GroupState[] = ['ready', 'in-use', 'free', 'needs-rebind', 'refused', 'infrastructure', 'unknown'];

/** vfio-pci's module: loaded, built in, available for this kernel, absent — or unknown (a capture without module evidence). */
export type VfioPciModule = ModuleState | 'unknown';

export interface GroupFacts {
  readonly id: number;
  /** 'endpoint': at least one endpoint function; 'infrastructure': bridges, ports, host bridges, dummy functions only. */
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

function groupFacts(view: HostView, g: GroupView): GroupFacts {
  // groupStatus plans the whole group with makePlan, which indexes every device of the view it is
  // given: with the whole host that is O(devices) per group (23 s of CPU at 10k functions). A view
  // holding only this group gives the same answer (the plan names only this group's members).
  const own: HostView = { ...view, groups: [g], ungrouped: [] };
  return {
    id: g.id, kind: g.endpoint ? 'endpoint' : 'infrastructure',
    viable: g.blockers.every((b) => b.kind === 'in-use' || b.kind === 'dma-alias'), // dma-alias: the kernel's rule cannot see it; dmaown refuses (state)
    state: groupStatus(own, g).state, owner: g.ownership, holders: g.holders, devices: g.devices,
  };
}

/** vfio-pci's module state: the host's module evidence, else what /sys/bus/pci/drivers shows. */
function vfioPciModule(view: HostView): VfioPciModule {
  const m = view.modules?.['vfio_pci'];
  if (m !== undefined) return m;
  return view.drivers.includes('vfio-pci') ? 'loaded' : 'unknown';
}

/** The facts of one export, from the host view and what the kernel command line says. */
export function hostFacts(input: FactsInput): HostFacts {
  const { view, cmdline } = input;
  const names = input.groupNames ?? new Map<number, string | null>();
  const noiommuGroups = view.groups.filter((g) => names.get(g.id) === 'vfio-noiommu').length;
  const noIommu = noiommuGroups > 0 || cmdline.some((w) => /^vfio\.enable_unsafe_noiommu_mode=(1|y|Y)$/.test(w));
  return {
    kernel: view.kernel, era: view.era, source: input.source,
    iommuEnabled: view.groups.length > noiommuGroups,
    groups: view.groups.map((g) => groupFacts(view, g)),
    ungrouped: view.ungrouped,
    acsOverride: view.acsOverride === null ? null : view.acsOverride.replace(/^pcie_acs_override=/, ''),
    noIommu,
    vfioPci: vfioPciModule(view),
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
