import type { Plan, Refusal } from '../../assign/plan.js';
import type { Simulation } from '../../assign/simulate.js';
import type { Colors } from '../io.js';

export function renderRefusals(refusals: readonly Refusal[], c: Colors): string {
  return refusals.map((x) => `${c.red('refused')} ${x.why}${x.hint ? `\n    ${c.dim(`→ ${x.hint}`)}` : ''}`).join('\n');
}

export function renderPlan(p: Plan, sim: Simulation | null, c: Colors): string {
  const lines = [c.bold(`Plan: ${p.devices.map((d) => d.bdf).join(', ')} → ${p.driver} (groups ${p.groups.join(', ')})`)];
  for (const w of p.warnings) lines.push(c.yellow(`warning: ${w}`));
  p.steps.forEach((s, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${s.text}`));
  if (sim) {
    lines.push('', c.bold(`Simulated on kernel ${sim.kernel} (${sim.engine === 'model' ? 'dmaown model' : 'driver-binding twin'}):`));
    if (sim.failedStep) {
      const f = sim.failedStep;
      lines.push(c.red(`  step ${f.seq + 1} fails: ${f.text}`), `    ${f.failure.errno}: ${f.failure.why}`);
      if (f.failure.calls?.length) lines.push(`    kernel path: ${f.failure.calls.join(' → ')}`);
      lines.push('    the steps before it are rolled back');
    }
    if (sim.note) lines.push(c.yellow(`  ${sim.note}`));
    for (const g of sim.groups) {
      lines.push(g.viable ? c.green(`  group ${g.id} becomes viable: no member counts as a kernel DMA user`)
        : c.red(`  group ${g.id} stays non-viable${g.blockers.length ? `: ${g.blockers.join(', ')}` : ''}`));
      if (g.vfio) lines.push(c.dim(`    ${g.vfio}`));
    }
  }
  return `${lines.join('\n')}\n`;
}
