import type { ReplayReport } from '../../conform/replay.js';
import type { Colors } from '../io.js';

/** One block per trace: a pass line, or every mismatching step with both answers and the model's reasoning. */
export function renderReplay(r: ReplayReport, c: Colors): string {
  const head = `${r.failed === 0 ? c.green('PASS') : c.red('FAIL')} ${r.file} — ${r.kernel}, ${r.steps.length} steps`;
  const lines = [head];
  for (const s of r.steps) {
    if (s.match) continue;
    const what = s.step.call === 'ioctl' ? `ioctl ${s.step.fd} ${s.step.request}` : `${s.step.call} ${s.step.path ?? s.step.fd ?? s.step.id ?? ''}`;
    lines.push(`  step ${s.index}: ${what}${s.step.data !== undefined ? ` <- ${JSON.stringify(s.step.data)}` : ''}`);
    lines.push(`    ${s.mismatch ?? ''}`);
    if (s.why !== undefined) lines.push(`    model: ${s.why}`);
    if (s.calls.length > 0) lines.push(`    path:  ${s.calls.join(' → ')}`);
    if (s.step.note !== undefined) lines.push(`    trace note: ${s.step.note}`);
  }
  return `${lines.join('\n')}\n`;
}
