import type { Result } from '../model/errno.js';
import type { IommuGroupDesc, OtherDeviceDesc, ReservedRegion, ReservedRegionType } from '../model/host-description.js';
import type { HostWarning } from './describe-pci.js';
import type { SysfsPort } from './port.js';
import { baseName, resolveLinkTarget } from './sys-path.js';

const REGION_TYPES: ReadonlySet<string> = new Set(['direct', 'direct-relaxable', 'reserved', 'msi']);
const OTHER_BUSES: ReadonlySet<string> = new Set(['platform', 'amba', 'fsl-mc', 'cdx']);
const REGION_RE = /^0x([0-9a-fA-F]{1,16}) 0x([0-9a-fA-F]{1,16}) (\S+)$/;

/** Parses `/sys/kernel/iommu_groups/N/reserved_regions` (iommu_group_show_resv_regions: "0x%016llx 0x%016llx %s"). */
export function parseReservedRegions(text: string, path: string, warn: (w: HostWarning) => void): ReservedRegion[] {
  const out: ReservedRegion[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = REGION_RE.exec(line);
    if (!m || !REGION_TYPES.has(m[3] as string)) {
      warn({ path, message: `unparsable reserved region line ${JSON.stringify(line.slice(0, 60))}` });
      continue;
    }
    out.push({ start: BigInt(`0x${m[1] as string}`), end: BigInt(`0x${m[2] as string}`), type: m[3] as ReservedRegionType });
  }
  return out;
}

/** What the group directories say: the groups, group membership by device path, non-PCI members. */
export interface GroupsRead {
  readonly groups: IommuGroupDesc[];
  /** Device directory (relative to /sys) → group id, from kernel/iommu_groups/N/devices/*. */
  readonly memberOf: Map<string, number>;
  readonly other: OtherDeviceDesc[];
}

/**
 * What reading one group yields, in order: a warning, the group itself, or a member link resolved to
 * a device directory (relative to /sys). A member is settled (checked against earlier groups, read as
 * a non-PCI device when it is not a PCI function) by `settleGroups`, in the same order: the steps of
 * several groups can be read apart (another thread) and settled in group order with the same result.
 */
export type GroupStep =
  | { readonly w: HostWarning }
  | { readonly g: IommuGroupDesc }
  | { readonly m: { readonly id: number; readonly name: string; readonly linkPath: string; readonly target: string } };

const GROUPS_ROOT = '/sys/kernel/iommu_groups';

/** The group ids under /sys/kernel/iommu_groups, ascending; null when there is no such directory (a host without IOMMU groups). */
export function listIommuGroups(port: SysfsPort, warn: (w: HostWarning) => void): number[] | null {
  const ids = port.list(GROUPS_ROOT);
  if (!ids.ok) {
    if (ids.errno !== 'ENOENT') warn({ path: GROUPS_ROOT, message: `cannot list IOMMU groups (${ids.errno}: ${ids.why})` });
    return null;
  }
  return ids.value.filter((n) => {
    if (/^[0-9]+$/.test(n)) return true;
    warn({ path: `${GROUPS_ROOT}/${n}`, message: `ignoring non-numeric group directory ${n}` });
    return false;
  }).map((n) => parseInt(n, 10)).sort((a, b) => a - b);
}

/**
 * Reads group `id`: its type, reserved_regions and name, one listing of its devices/ directory and a
 * readlink per member. The group directory itself is listed only when neither type nor
 * reserved_regions can be read (5.10 has no type; every kernel since 4.11 has reserved_regions): then,
 * as always, a group that vanished is warned about, and the attributes it lists are read.
 */
export function readIommuGroup(port: SysfsPort, id: number, step: (s: GroupStep) => void): void {
  const warn = (w: HostWarning): void => step({ w });
  const dir = `${GROUPS_ROOT}/${id}`;
  const unreadable = (name: string, errno: string): void => warn({ path: `${dir}/${name}`, message: `group ${id}: ${name} unreadable (${errno})` });
  let type = port.read(`${dir}/type`);
  let regions = port.read(`${dir}/reserved_regions`);
  let has: ((name: string) => boolean) | null = null;
  if (!type.ok && !regions.ok) {
    const attrs = port.list(dir);
    if (!attrs.ok) {
      warn({ path: dir, message: `group ${id} vanished or is unreadable (${attrs.errno})` });
      return;
    }
    const listed = new Set(attrs.value);
    has = (name) => listed.has(name);
    // Listed now: read again what the listing names (the first answers may predate it).
    if (listed.has('type')) type = port.read(`${dir}/type`);
    if (listed.has('reserved_regions')) regions = port.read(`${dir}/reserved_regions`);
  }
  const text = (name: string, r: Result<string>): string | null => {
    if (r.ok) return r.value;
    if (r.errno !== 'ENOENT' || (has !== null && has(name))) unreadable(name, r.errno);
    return null;
  };
  const typeText = text('type', type);
  const regionsText = text('reserved_regions', regions);
  // `name` exists only for a group named by iommu_group_set_name() (vfio-noiommu, fsl_pamu): asked
  // whether it exists first where the port can say so without an error.
  const namePath = `${dir}/name`;
  const nameText = (has === null ? port.exists?.(namePath) ?? true : has('name')) ? text('name', port.read(namePath)) : null;
  step({ g: {
    id,
    type: typeText === null ? null : typeText.trim(),
    reservedRegions: regionsText === null ? [] : parseReservedRegions(regionsText, `${dir}/reserved_regions`, warn),
    name: nameText === null ? null : nameText.trim(),
  } });
  const members = has === null || has('devices') ? port.list(`${dir}/devices`) : null;
  if (members !== null && !members.ok) {
    if (members.errno !== 'ENOENT' || has !== null) warn({ path: `${dir}/devices`, message: `group ${id}: members unreadable (${members.errno})` });
    return;
  }
  for (const m of members?.value ?? []) {
    const linkPath = `kernel/iommu_groups/${id}/devices/${m}`;
    const l = port.readLink(`/sys/${linkPath}`);
    const target = l.ok ? resolveLinkTarget(linkPath, l.value) : null;
    if (target === null) {
      warn({ path: `/sys/${linkPath}`, message: `group ${id}: member link ${m} unreadable or dangling` });
      continue;
    }
    step({ m: { id, name: m, linkPath, target } });
  }
}

/**
 * Settles the steps of the groups read (in group order): group membership by device path, a warning
 * for a device listed by two groups, and the members that are not PCI devices (`isPci(path)` false)
 * read as `OtherDeviceDesc`.
 */
export function settleGroups(port: SysfsPort, steps: Iterable<GroupStep>, isPci: (path: string) => boolean, warn: (w: HostWarning) => void): GroupsRead {
  const groups: IommuGroupDesc[] = [];
  const memberOf = new Map<string, number>();
  const other: OtherDeviceDesc[] = [];
  for (const s of steps) {
    if ('w' in s) { warn(s.w); continue; }
    if ('g' in s) { groups.push(s.g); continue; }
    const { id, name, linkPath, target } = s.m;
    const already = memberOf.get(target);
    if (already !== undefined && already !== id) {
      warn({ path: `/sys/${linkPath}`, message: `group ${id}: member ${name} is also listed in group ${already} — a device is in exactly one IOMMU group; this host's groups cannot be trusted` });
    }
    memberOf.set(target, id);
    if (!isPci(target)) {
      const o = readOtherDevice(port, target, id, warn);
      if (o) other.push(o);
    }
  }
  return { groups, memberOf, other };
}

/**
 * Reads /sys/kernel/iommu_groups: per group its attributes and one listing of its devices/ directory (readIommuGroup).
 * Members that are not PCI devices (`isPci(path)` false) are read as `OtherDeviceDesc`.
 * No iommu_groups directory is not an error: it is a host without IOMMU groups.
 */
export function readIommuGroups(port: SysfsPort, isPci: (path: string) => boolean, warn: (w: HostWarning) => void): GroupsRead {
  const ids = listIommuGroups(port, warn);
  const steps: GroupStep[] = [];
  for (const id of ids ?? []) readIommuGroup(port, id, (s) => steps.push(s));
  return settleGroups(port, steps, isPci, warn);
}

function readOtherDevice(port: SysfsPort, dir: string, group: number, warn: (w: HostWarning) => void): OtherDeviceDesc | null {
  const abs = `/sys/${dir}`;
  const sub = port.readLink(`${abs}/subsystem`);
  const bus = sub.ok ? baseName(sub.value) : null;
  if (bus === null || !OTHER_BUSES.has(bus)) {
    warn({ path: abs, message: `group ${group}: member ${baseName(dir)} on bus ${bus ?? '(unknown)'} is not modelled` });
    return null;
  }
  const drv = port.readLink(`${abs}/driver`);
  const ov = port.read(`${abs}/driver_override`);
  const override = ov.ok ? ov.value.replace(/\n$/, '') : null;
  return {
    bus: bus as OtherDeviceDesc['bus'],
    name: baseName(dir),
    path: dir,
    driver: drv.ok ? baseName(drv.value) : null,
    driverOverride: override === null || override === '' || override === '(null)' ? null : override,
    iommuGroup: group,
  };
}
