import type { Colors } from '../io.js';
import { expectedViolation, pathNames, type VerifyRun } from '../../verify/verify.js';

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

/** One run as text: what was explored, the counts, a line per property, the counterexamples' ops. */
export function renderVerifyRun(r: VerifyRun, c: Colors, written: ReadonlyMap<string, string>): string {
  const s = r.result;
  const what = r.synthetic ? `synthetic group of ${r.devices.length} device(s)` : `${r.source}: IOMMU group ${r.group} (${r.devices.join(', ')})`;
  const out: string[] = [c.bold(`${what} — kernel ${r.kernel} (${r.profile})`)];
  out.push(`  ${s.states} states, ${s.transitions} transitions, depth ${s.depth}, ${secs(s.ms)}${s.complete ? '' : c.yellow(` — incomplete: ${s.stopped ?? ''}`)}`);
  if (s.projection) {
    out.push(`  as ownership.pml's variables: ${s.projection.states} states, ${s.projection.transitions} transitions as pan counts them`
      + (s.projection.exact ? '' : c.red(` (projection not exact: ${s.projection.mismatch ?? ''})`)));
  }
  for (const p of s.properties) {
    if (p.holds) { out.push(`  ${p.name.padEnd(10)} ${s.complete ? c.green('holds') : c.yellow('no violation within the bound')}`); continue; }
    const exp = expectedViolation(r.profile, p.name) ? ' (expected before 5.19: the BUG_ON the ownership series removed)' : '';
    out.push(`  ${p.name.padEnd(10)} ${c.red('VIOLATED')}${exp}: ${p.message ?? ''}`);
    out.push(`             shortest path, ${p.path?.length ?? 0} op(s): ${pathNames(p.path ?? []).join(', ')}`);
    const file = written.get(p.name);
    if (file !== undefined) out.push(`             trace: ${file} (dmaown conform ${file})`);
  }
  return `${out.join('\n')}\n`;
}
