import type { HostExplanation } from '../../host/explain.js';
import { shortBdf } from '../../host/explain.js';
import type { Colors } from '../io.js';

/** Text form of `dmaown explain`: each multi-device group, its members and why they share it. */
export function renderExplain(x: HostExplanation, c: Colors, alone: string | null = null): string {
  const lines: string[] = [];
  if (alone !== null) lines.push(alone);
  if (x.scope === 'hypothetical') {
    lines.push(c.yellow('This host has no IOMMU groups; this is how the kernel would group it with an IOMMU on.'));
  }
  if (x.groups.length === 0 && alone === null) lines.push('Every IOMMU group holds one PCI function: nothing shares a group.');
  for (const g of x.groups) {
    const title = g.group === null ? 'predicted group (the kernel has none like it)' : `IOMMU group ${g.group}`;
    const state = !g.certain ? c.yellow('prediction uncertain') : g.matches ? c.green('prediction matches the kernel') : c.red('prediction differs');
    lines.push(`${c.bold(title)}: ${g.members.map(shortBdf).join(' ')}  (${state})`);
    for (const r of g.reasons) lines.push(`  - ${r}`);
    if (!g.matches && g.predicted.length > 0) lines.push(`  predicted members: ${g.predicted.map(shortBdf).join(' ')}`);
  }
  for (const m of x.mismatches) lines.push(c.red(`mismatch: ${m}`));
  if (x.unknown.length > 0) {
    lines.push(c.yellow(`Cannot predict ${x.unknown.length} function(s) — config space incomplete (run as root for the full 256/4096 bytes):`));
    for (const u of x.unknown.slice(0, 20)) lines.push(`  ${shortBdf(u.bdf)}: ${u.why}`);
    if (x.unknown.length > 20) lines.push(`  … and ${x.unknown.length - 20} more`);
  }
  return `${lines.join('\n')}\n`;
}
