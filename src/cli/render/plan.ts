import type { Plan, Refusal } from '../../assign/plan.js';
import type { Simulation } from '../../assign/simulate.js';
import type { Colors } from '../io.js';
import { hang } from './fit.js';

/** Lines collected for a renderer: each wrapped to the width (hanging indent) before it is coloured. */
function linesTo(width: number): { lines: string[]; add: (s: string, paint?: (t: string) => string) => void } {
  const lines: string[] = [];
  return { lines, add: (s, paint = (t) => t) => { for (const l of hang(s, width)) lines.push(paint(l)); } };
}

export function renderRefusals(refusals: readonly Refusal[], c: Colors, width = Infinity): string {
  const seen = new Set<string>();
  const { lines, add } = linesTo(width);
  for (const x of refusals) {
    // `refused` in red, the reason after it plain: wrap the whole line, then paint the word.
    const [first = '', ...rest] = hang(`refused ${x.why}`, width);
    lines.push(`${c.red('refused')}${first.slice('refused'.length)}`, ...rest);
    // The reasons of a group once, under its first refusal.
    if (x.reasons !== undefined && x.reasons.length > 0 && !seen.has(x.reasons.join())) {
      seen.add(x.reasons.join());
      add(`    why shared: ${x.reasons.join('; ')}`, c.dim);
    }
    if (x.hint) add(`    → ${x.hint}`, c.dim);
  }
  return lines.join('\n');
}

export function renderPlan(p: Plan, sim: Simulation | null, c: Colors, width = Infinity): string {
  const { lines, add } = linesTo(width);
  add(`Plan: ${p.devices.map((d) => d.bdf).join(', ')} → ${p.driver} (groups ${p.groups.join(', ')})`, c.bold);
  for (const w of p.warnings) add(`warning: ${w}`, c.yellow);
  if (p.steps.length === 0) add(`Ready: every device is already on ${p.driver} in a viable group — nothing to do.`, c.green);
  p.steps.forEach((s, i) => add(`  ${String(i + 1).padStart(2)}. ${s.text}`));
  if (sim) {
    const path = sim.via === 'cdev' ? 'the vfio device cdev path: /dev/iommu, /dev/vfio/devices/vfioN, BIND_IOMMUFD, IOAS_ALLOC, ATTACH_IOMMUFD_PT'
      : 'the VFIO group path: /dev/vfio/vfio, /dev/vfio/N, SET_CONTAINER, SET_IOMMU, GET_DEVICE_FD';
    lines.push('');
    add(`Simulated on kernel ${sim.kernel} (dmaown model), then opened through ${path}:`, c.bold);
    if (sim.modelNote) add(`  ${sim.modelNote}`, c.dim);
    if (sim.viaEvidence) add(`  vfio cdev on this host: ${sim.viaEvidence}`, c.dim);
    if (sim.failedStep) {
      const f = sim.failedStep;
      add(`  step ${f.seq + 1} fails: ${f.text}`, c.red);
      add(`    ${f.failure.errno}: ${f.failure.why}`);
      if (f.failure.calls?.length) add(`    kernel path: ${f.failure.calls.join(' → ')}`);
      add('    the steps before it are rolled back');
    }
    if (sim.note) add(`  ${sim.note}`, c.yellow);
    for (const g of sim.groups) {
      if (g.viable) add(`  group ${g.id} becomes viable: no member counts as a kernel DMA user, and user space can own it`, c.green);
      else add(`  group ${g.id} stays non-viable${g.blockers.length ? `: ${g.blockers.join(', ')}` : ''}`, c.red);
      if (g.vfio) add(`    ${g.vfio}`, c.dim);
    }
  }
  return `${lines.join('\n')}\n`;
}
