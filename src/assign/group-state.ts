import { isVfioDriver, type GroupView, type HostView } from './inspect.js';
import { planRefusals, type Refusal } from './plan.js';

/**
 * One word per group for the listing, from the user's side of the passthrough job:
 *   ready          viable, and an endpoint is already on a vfio driver: a VMM can open it now
 *   in-use         a process holds the group's VFIO files (user-owned)
 *   free           viable, nothing on a kernel driver, nothing yet on vfio: assignable now by binding only
 *   needs-rebind   endpoints (or other members) are on kernel drivers; a plan moving the whole group is not refused
 *   refused        such a plan is refused: a host-critical member, a bridge on a DMA driver, an SR-IOV PF with VFs, ...
 *   infrastructure no endpoint function: bridges, ports, host bridges, IOMMU, dummy functions (not listed by default)
 *   unknown        an imported paste does not say which driver a member has (nothing else blocks)
 */
export type GroupState = 'ready' | 'in-use' | 'free' | 'needs-rebind' | 'refused' | 'infrastructure' | 'unknown';

export interface GroupStatus {
  readonly state: GroupState;
  /** The endpoint functions a user would hand over (the plan's devices). */
  readonly endpoints: readonly string[];
  /** needs-rebind / refused: the refusals of the whole-group plan (group-member consent excluded). */
  readonly refusals: readonly Refusal[];
}

/** The refusals of every state but needs-rebind and refused (frozen: shared by every group). */
const NO_REFUSALS: readonly Refusal[] = Object.freeze([]);

export function groupStatus(view: HostView, g: GroupView, driver = 'vfio-pci'): GroupStatus {
  const endpoints: string[] = [];
  for (const d of g.devices) if (d.infrastructure === null) endpoints.push(d.bdf);
  if (endpoints.length === 0) return { state: 'infrastructure', endpoints, refusals: NO_REFUSALS };
  if (g.holders.length > 0) return { state: 'in-use', endpoints, refusals: NO_REFUSALS };
  if (!g.assignable && g.blockers.every((b) => b.kind === 'unknown')) return { state: 'unknown', endpoints, refusals: NO_REFUSALS };
  if (g.assignable) {
    const onVfio = g.devices.some((d) => d.infrastructure === null && isVfioDriver(d.driver));
    return { state: onVfio ? 'ready' : 'free', endpoints, refusals: NO_REFUSALS };
  }
  // The plan sees only this group (and the host's drivers and modules): O(group), not O(host) per group.
  // Only the plan's refusals are needed (planRefusals: makePlan's checks without building its steps).
  const all = planRefusals({ ...view, groups: [g], ungrouped: [] }, endpoints, { driver, allowGroupMembers: g.devices.map((d) => d.bdf) });
  const refusals = all.filter((x) => x.code !== 'group-member' && x.code !== 'driver-unavailable' && x.code !== 'unknown');
  return { state: refusals.length > 0 ? 'refused' : 'needs-rebind', endpoints, refusals };
}
