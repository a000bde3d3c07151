import type { GroupView, HostView } from '../../assign/inspect.js';
import type { Colors } from '../io.js';
import { deviceLine, shortBdf } from './device.js';

export function eraText(v: HostView): string {
  return v.era === 'ownership'
    ? 'DMA ownership rules of 5.19+: a bound driver without driver_managed_dma blocks the group'
    : 'legacy VFIO viability of 5.10-5.18: only unbound, bridges, pci-stub and vfio drivers are allowed';
}

export function groupHeader(g: GroupView, c: Colors): string {
  const own = g.ownership === 'user' ? c.magenta(`user-owned (${g.holders.map((h) => `${h.comm}[${h.pid}] ${h.path}`).join(', ')})`)
    : g.ownership === 'kernel' ? 'kernel-owned' : 'idle';
  const verdict = g.assignable ? c.green('can be handed to user space now')
    : c.red(`blocked by ${g.blockers.map((b) => b.kind === 'in-use' ? 'a process' : `${shortBdf(b.bdf)} (${b.driver})`).join(', ')}`);
  return `${c.bold(`IOMMU group ${g.id}`)}  ${own}  ${verdict}`;
}

export function renderStatus(v: HostView, label: string, c: Colors): string {
  const lines = [c.bold(`${label}: kernel ${v.kernel}`), c.dim(eraText(v)), ''];
  for (const g of v.groups) {
    lines.push(groupHeader(g, c));
    for (const d of g.devices) lines.push(deviceLine(d, c));
  }
  if (v.ungrouped.length) {
    lines.push(c.bold('Devices without an IOMMU group'));
    for (const d of v.ungrouped) lines.push(deviceLine(d, c));
  }
  const ok = v.groups.filter((g) => g.assignable).length;
  lines.push('', `${v.groups.length} groups, ${ok} can be handed to user space now, ${v.groups.length - ok} blocked.`);
  return `${lines.join('\n')}\n`;
}
