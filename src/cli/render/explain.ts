import type { HostExplanation } from '../../host/explain.js';
import { shortBdf } from '../../host/explain.js';
import type { Colors } from '../io.js';
import { hang } from './fit.js';

/** Text form of `dmaown explain`: each multi-device group, its members and why they share it. */
export function renderExplain(x: HostExplanation, c: Colors, alone: string | null = null, width = Infinity): string {
  const lines: string[] = [];
  if (alone !== null) for (const l of alone.split('\n')) lines.push(...hang(l, width));
  if (x.scope === 'hypothetical') {
    lines.push(c.yellow('This host has no IOMMU groups; this is how the kernel would group it with an IOMMU on.'));
  }
  if (x.groups.length === 0 && alone === null) lines.push('Every IOMMU group holds one PCI function: nothing shares a group.');
  for (const g of x.groups) {
    const title = g.group === null ? 'predicted group (the kernel has none like it)' : `IOMMU group ${g.group}`;
    const [said, paint] = !g.certain ? ['prediction uncertain', c.yellow] : g.matches ? ['prediction matches the kernel', c.green] : ['prediction differs', c.red];
    // Title and members wrapped; the verdict after them, or on a line of its own when it does not fit.
    const head = hang(`${title}: ${g.members.map(shortBdf).join(' ')}`, width);
    head[0] = `${c.bold(title)}${(head[0] ?? '').slice(title.length)}`;
    const last = head.length - 1;
    if ((head[last] ?? '').length + said.length + 4 <= width) head[last] = `${head[last] ?? ''}  (${paint(said)})`;
    else head.push(`  (${paint(said)})`);
    lines.push(...head);
    for (const r of g.reasons) lines.push(...hang(`  - ${r}`, width));
    if (!g.matches && g.predicted.length > 0) lines.push(`  predicted members: ${g.predicted.map(shortBdf).join(' ')}`);
  }
  for (const w of x.outside.why) {
    lines.push(...hang(`In no IOMMU group: ${shortBdf(w.bdf)} (${w.driver ?? 'no driver'}) issues DMA with requester ID ${w.ridName} (${w.rid}) like ${shortBdf(w.member)} of group ${w.group}` +
      ` (via ${shortBdf(w.via)}); the IOMMU cannot tell them apart${w.logLine === null ? '' : `; the kernel logged "${w.driver ?? 'pci'} ${w.bdf}: ${w.logLine}" (dmesg | grep 'already in tree')`}`, width));
  }
  for (const m of x.mismatches) lines.push(...hang(`mismatch: ${m}`, width).map((l) => c.red(l)));
  if (x.unknown.length > 0) {
    lines.push(c.yellow(`Cannot predict ${x.unknown.length} function(s) — config space incomplete (run as root for the full 256/4096 bytes):`));
    for (const u of x.unknown.slice(0, 20)) lines.push(...hang(`  ${shortBdf(u.bdf)}: ${u.why}`, width));
    if (x.unknown.length > 20) lines.push(`  … and ${x.unknown.length - 20} more`);
  }
  return `${lines.join('\n')}\n`;
}
