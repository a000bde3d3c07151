import type { DeviceView, GroupView, HostView } from '../assign/inspect.js';
import type { GroupReasons } from '../assign/why.js';

/** JSON shapes of the outputs (schema/*.schema.json describe them). Ids as lspci prints them: 4/6 hex digits. */
const h = (n: number, w: number): string => n.toString(16).padStart(w, '0');

export function deviceJson(d: DeviceView): Record<string, unknown> {
  return {
    bdf: d.bdf, vendor: h(d.vendor, 4), device: h(d.device, 4), class: h(d.class, 6),
    vendorName: d.vendorName, deviceName: d.deviceName, className: d.className,
    driver: d.driver, driverOverride: d.driverOverride, role: d.role, blocks: d.blocks, exempt: d.exempt,
    bridge: d.bridge, resetMethod: d.resetMethod, sriovNumvfs: d.sriovNumvfs, physfn: d.physfn,
    bootVga: d.bootVga, critical: d.critical, ...(d.unknown !== undefined ? { unknown: d.unknown } : {}),
  };
}

/** `reasons`: why the group's devices share it (empty for single-device groups). */
export function groupJson(g: GroupView, why: GroupReasons): Record<string, unknown> {
  return {
    id: g.id, type: g.type, ownership: g.ownership, holders: g.holders, assignable: g.assignable,
    blockers: g.blockers, reasons: why(g.id), devices: g.devices.map(deviceJson),
  };
}

export function viewJson(v: HostView, why: GroupReasons): Record<string, unknown> {
  return {
    groups: v.groups.map((g) => groupJson(g, why)), ungrouped: v.ungrouped.map(deviceJson),
    iommufdHolders: v.iommufdHolders, holdersSeen: v.holdersSeen,
  };
}
