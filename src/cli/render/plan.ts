import type { Plan, Refusal } from '../../assign/plan.js';
import type { Simulation } from '../../assign/simulate.js';
import type { Colors } from '../io.js';

export function renderRefusals(refusals: readonly Refusal[], c: Colors): string {
  const seen = new Set<string>();
  return refusals.map((x) => {
    // The reasons of a group once, under its first refusal.
    const why = x.reasons !== undefined && x.reasons.length > 0 && !seen.has(x.reasons.join()) ? (seen.add(x.reasons.join()), `\n    ${c.dim(`why shared: ${x.reasons.join('; ')}`)}`) : '';
    return `${c.red('refused')} ${x.why}${why}${x.hint ? `\n    ${c.dim(`→ ${x.hint}`)}` : ''}`;
  }).join('\n');
}

export function renderPlan(p: Plan, sim: Simulation | null, c: Colors): string {
  const lines = [c.bold(`Plan: ${p.devices.map((d) => d.bdf).join(', ')} → ${p.driver} (groups ${p.groups.join(', ')})`)];
  for (const w of p.warnings) lines.push(c.yellow(`warning: ${w}`));
  if (p.steps.length === 0) lines.push(c.green(`Ready: every device is already on ${p.driver} in a viable group — nothing to do.`));
  p.steps.forEach((s, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${s.text}`));
  if (sim) {
    const path = sim.via === 'cdev' ? 'the vfio device cdev path: /dev/iommu, /dev/vfio/devices/vfioN, BIND_IOMMUFD, IOAS_ALLOC, ATTACH_IOMMUFD_PT'
      : 'the VFIO group path: /dev/vfio/vfio, /dev/vfio/N, SET_CONTAINER, SET_IOMMU, GET_DEVICE_FD';
    lines.push('', c.bold(`Simulated on kernel ${sim.kernel} (dmaown model), then opened through ${path}:`));
    if (sim.modelNote) lines.push(c.dim(`  ${sim.modelNote}`));
    if (sim.viaEvidence) lines.push(c.dim(`  vfio cdev on this host: ${sim.viaEvidence}`));
    if (sim.failedStep) {
      const f = sim.failedStep;
      lines.push(c.red(`  step ${f.seq + 1} fails: ${f.text}`), `    ${f.failure.errno}: ${f.failure.why}`);
      if (f.failure.calls?.length) lines.push(`    kernel path: ${f.failure.calls.join(' → ')}`);
      lines.push('    the steps before it are rolled back');
    }
    if (sim.note) lines.push(c.yellow(`  ${sim.note}`));
    for (const g of sim.groups) {
      lines.push(g.viable ? c.green(`  group ${g.id} becomes viable: no member counts as a kernel DMA user, and user space can own it`)
        : c.red(`  group ${g.id} stays non-viable${g.blockers.length ? `: ${g.blockers.join(', ')}` : ''}`));
      if (g.vfio) lines.push(c.dim(`    ${g.vfio}`));
    }
  }
  return `${lines.join('\n')}\n`;
}
