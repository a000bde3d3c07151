import Table from 'cli-table3';
import type { CheckResult } from '../../assign/check.js';
import type { Colors } from '../io.js';
import { shortBdf } from './device.js';

export function renderCheck(r: CheckResult, c: Colors): string {
  const t = new Table({ head: ['group', 'devices', 'verdict', 'blockers', 'exempt members', 'host-critical'], style: { head: [], border: [] }, wordWrap: true, colWidths: [7, 12, 21, 30, 30, 24] });
  for (const g of r.groups) {
    const v = g.verdict === 'assignable' || g.verdict === 'needs-rebind' ? c.green(g.verdict) : g.verdict === 'unknown' ? c.yellow(g.verdict) : c.red(g.verdict);
    t.push([
      g.group === null ? '-' : String(g.group), g.requested.map(shortBdf).join('\n'), v,
      g.blockers.map((b) => `${shortBdf(b.bdf)} ${b.driver ?? b.kind}`).join('\n') || '-',
      g.exempt.map((e) => `${shortBdf(e.bdf)} ${e.driver ?? 'unbound'}`).join('\n') || '-',
      g.critical.map((x) => `${shortBdf(x.bdf)}: ${x.why.join('; ')}`).join('\n') || '-',
    ]);
  }
  const lines = [t.toString()];
  for (const g of r.groups) if (g.group !== null && g.reasons.length > 0) lines.push(`group ${g.group}: ${c.dim(`why shared: ${g.reasons.join('; ')}`)}`);
  for (const g of r.groups) for (const x of g.refusals) lines.push(`${c.red('✗')} ${x.why}${x.hint ? `\n    ${c.dim(`→ ${x.hint}`)}` : ''}`);
  lines.push(r.ok ? c.green('These devices can be assigned (run `dmaown plan` with the same devices).')
    : r.groups.some((g) => g.verdict === 'unknown') ? c.yellow('Unknown: the pasted output lacks facts this verdict needs (see above).') : c.red('Not assignable as asked.'));
  return `${lines.join('\n')}\n`;
}
