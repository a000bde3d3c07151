import type { DmaHolder } from '../../host/processes.js';
import type { GroupView, HostView } from '../../assign/inspect.js';
import type { GroupReasons } from '../../assign/why.js';
import type { Colors } from '../io.js';
import { deviceLine, shortBdf } from './device.js';

export function eraText(v: HostView): string {
  return v.era === 'ownership'
    ? 'DMA ownership rules of 5.19+: a bound driver without driver_managed_dma blocks the group'
    : 'legacy VFIO viability of 5.10-5.18: only unbound, bridges, pci-stub and vfio drivers are allowed';
}

/** `qemu-system-x86[4242] /dev/vfio/7`, `cloud-hypervisor[200] /dev/vfio/devices/vfio0 (01:00.0)`. */
export function holderText(h: DmaHolder): string {
  return `${h.comm}[${h.pid}] ${h.path}${h.bdf !== null ? ` (${shortBdf(h.bdf)})` : ''}`;
}

export function groupHeader(g: GroupView, c: Colors): string {
  const own = g.ownership === 'user' ? c.magenta(`user-owned (${g.holders.map(holderText).join(', ')})`)
    : g.ownership === 'kernel' ? 'kernel-owned' : g.ownership === 'unknown' ? 'owner unknown' : 'idle';
  const known = g.blockers.filter((b) => b.kind !== 'unknown');
  const unknown = g.blockers.filter((b) => b.kind === 'unknown');
  const verdict = g.assignable ? c.green('can be handed to user space now')
    : known.length > 0 ? c.red(`blocked by ${known.map((b) => b.kind === 'in-use' ? 'a process' : `${shortBdf(b.bdf)} (${b.driver})`).join(', ')}`)
      : c.yellow(`unknown: ${[
        ...(g.devices.some((d) => d.role === 'unknown') ? [`the driver of ${g.devices.filter((d) => d.role === 'unknown').map((d) => shortBdf(d.bdf)).join(', ')} is not in the paste`] : []),
        ...(unknown.some((b) => / may have members /.test(b.why)) ? ['the pasted listing is partial (group numbers missing)'] : []),
      ].join('; ')}`);
  return `${c.bold(`IOMMU group ${g.id}`)}  ${own}  ${verdict}`;
}

/** One line under a multi-device group: why its devices share it. */
export function whyLine(reasons: readonly string[], c: Colors): string | null {
  return reasons.length > 0 ? c.dim(`  why shared: ${reasons.join('; ')}`) : null;
}

/** Who holds /dev/iommu, and which groups through it; and how much of /proc was seen. */
export function holderLines(v: HostView): string[] {
  const out = v.iommufdHolders.map((h) => h.groups.length > 0
    ? `/dev/iommu held by ${h.comm}[${h.pid}], which also holds group ${h.groups.join(', ')} (user-owned through iommufd)`
    : `/dev/iommu held by ${h.comm}[${h.pid}] with no VFIO group or device file open: an iommufd context alone owns no IOMMU group`);
  if (v.holdersSeen === 'some') out.push('Not root: open /dev/vfio and /dev/iommu files of other users\' processes are not seen (owners may be missing).');
  if (v.holdersSeen === 'none') out.push('Owners by process are not known here (no /proc: a capture or a sample).');
  return out;
}

export function renderStatus(v: HostView, label: string, c: Colors, why: GroupReasons = () => []): string {
  const lines = [c.bold(`${label}: kernel ${v.kernel}`), c.dim(eraText(v)), ''];
  for (const g of v.groups) {
    lines.push(groupHeader(g, c));
    const w = g.devices.length > 1 ? whyLine(why(g.id), c) : null;
    if (w !== null) lines.push(w);
    for (const d of g.devices) lines.push(deviceLine(d, c));
  }
  const groupUnknown = v.ungrouped.filter((d) => d.unknown?.includes('group'));
  const noGroup = v.ungrouped.filter((d) => !d.unknown?.includes('group'));
  if (noGroup.length) {
    lines.push(c.bold('Devices without an IOMMU group'));
    for (const d of noGroup) lines.push(deviceLine(d, c));
  }
  if (groupUnknown.length) {
    lines.push(c.bold(c.yellow('Devices whose IOMMU group is unknown (not in the pasted output)')));
    for (const d of groupUnknown) lines.push(deviceLine(d, c));
  }
  const ok = v.groups.filter((g) => g.assignable).length;
  const unknown = v.groups.filter((g) => !g.assignable && g.blockers.every((b) => b.kind === 'unknown')).length;
  lines.push('', `${v.groups.length} groups, ${ok} can be handed to user space now, ${v.groups.length - ok - unknown} blocked${unknown > 0 ? `, ${unknown} unknown (a member's driver is not in the paste)` : ''}.`);
  for (const l of holderLines(v)) lines.push(c.dim(l));
  return `${lines.join('\n')}\n`;
}
