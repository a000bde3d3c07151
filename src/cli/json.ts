import type { DeviceView, GroupView, HostView } from '../assign/inspect.js';
import type { GroupReasons } from '../assign/why.js';
import type { GroupStatus } from '../assign/group-state.js';

/** JSON shapes of the outputs (schema/*.schema.json describe them). Ids as lspci prints them: 4/6 hex digits. */
const h = (n: number, w: number): string => n.toString(16).padStart(w, '0');

export function deviceJson(d: DeviceView): Record<string, unknown> {
  const o: Record<string, unknown> = {
    bdf: d.bdf, vendor: h(d.vendor, 4), device: h(d.device, 4), class: h(d.class, 6),
    vendorName: d.vendorName, deviceName: d.deviceName, className: d.className,
    driver: d.driver, driverOverride: d.driverOverride, role: d.role, blocks: d.blocks, exempt: d.exempt,
    bridge: d.bridge, infrastructure: d.infrastructure, resetMethod: d.resetMethod, sriovNumvfs: d.sriovNumvfs, physfn: d.physfn,
    bootVga: d.bootVga, critical: d.critical,
  };
  if (d.unknown !== undefined) o['unknown'] = d.unknown;
  if (d.noGroup !== undefined) o['noGroup'] = d.noGroup;
  return o;
}

/** `reasons`: why the group's devices share it (empty for single-device groups). */
export function groupJson(g: GroupView, why: GroupReasons, s?: GroupStatus): Record<string, unknown> {
  const o: Record<string, unknown> = { id: g.id, type: g.type, ownership: g.ownership, holders: g.holders, assignable: g.assignable, endpoint: g.endpoint };
  if (s) { o['state'] = s.state; o['refusals'] = s.refusals; }
  o['blockers'] = g.blockers;
  o['reasons'] = why(g.id);
  o['devices'] = g.devices.map(deviceJson);
  return o;
}

export function viewJson(v: HostView, why: GroupReasons, states: readonly GroupStatus[]): Record<string, unknown> {
  const totals: Record<string, number> = { endpointGroups: 0, infrastructureGroups: 0, ready: 0, 'in-use': 0, free: 0, 'needs-rebind': 0, refused: 0, unknown: 0 };
  for (const s of states) {
    if (s.state === 'infrastructure') totals['infrastructureGroups']! += 1;
    else { totals['endpointGroups']! += 1; totals[s.state]! += 1; }
  }
  return {
    groups: v.groups.map((g, i) => groupJson(g, why, states[i])), ungrouped: v.ungrouped.map(deviceJson), totals,
    drivers: v.drivers, modules: v.modules,
    iommufdHolders: v.iommufdHolders, holdersSeen: v.holdersSeen,
  };
}
