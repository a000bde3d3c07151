import Table from 'cli-table3';
import type { CheckResult, GroupCheck } from '../../assign/check.js';
import type { DeviceView, HostView } from '../../assign/inspect.js';
import type { Colors } from '../io.js';
import { deviceName, shortBdf } from './device.js';
import { cut, wrap } from './fit.js';

const VERDICT: Readonly<Record<GroupCheck['verdict'], string>> = {
  unknown: 'unknown: the pasted output lacks a fact this verdict needs',
  ready: 'ready: nothing to do', 'needs-rebind': 'assignable: a plan moves them', 'needs-group-members': 'assignable with the other members', refused: 'refused',
};

/** What happens to one member of a checked group. */
function memberPart(g: GroupCheck, d: DeviceView): string {
  if (g.requested.includes(d.bdf)) return 'requested';
  if (g.consent.includes(d.bdf)) return `must leave ${d.driver}`;
  if (g.allowed.includes(d.bdf)) return `allowed to leave ${d.driver ?? 'unbound'}`;
  if (d.blocks) return `blocks (${d.driver})`;
  return d.exempt ?? 'stays';
}

/** A table per check naming every member of each group: BDF, ids, name, driver, what happens to it. */
export function renderCheck(r: CheckResult, v: HostView, c: Colors, width: number): string {
  const w = Number.isFinite(width) ? width : 200;
  const nameW = Math.max(16, w - 6 - 19 - 16 - 26 - 2);
  const none = { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '' };
  const t = new Table({ head: ['group', 'device', 'name', 'driver', 'in this check'], chars: none, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 1 }, wordWrap: true, colWidths: [6, 19, nameW, 16, 26] });
  for (const g of r.groups) {
    const members = g.group === null ? [] : (v.groups.find((x) => x.id === g.group)?.devices ?? []);
    const shown = members.length > 0 ? members : g.requested.map((b) => v.ungrouped.find((d) => d.bdf === b)).filter((d): d is DeviceView => d !== undefined);
    shown.forEach((d, i) => {
      t.push([i === 0 ? String(g.group ?? '-') : '', `${shortBdf(d.bdf)} ${d.vendor.toString(16).padStart(4, '0')}:${d.device.toString(16).padStart(4, '0')}`,
        cut(deviceName(d), nameW - 1), d.driver ?? '-', memberPart(g, d)]);
    });
  }
  const lines = [t.toString()];
  for (const g of r.groups) {
    const head = `group ${g.group ?? '(none)'}: `;
    const verdict = g.verdict === 'refused' ? c.red(VERDICT[g.verdict]) : g.verdict === 'unknown' ? c.yellow(VERDICT[g.verdict]) : c.green(VERDICT[g.verdict]);
    lines.push(`${head}${verdict}`);
    if (g.consent.length > 0) lines.push(...wrap(`  consent needed: ${g.consent.map((b) => `--allow-group-member ${shortBdf(b)}`).join(' ')}`, w, '    '));
    if (g.reasons.length > 0) lines.push(...wrap(`  why shared: ${g.reasons.join('; ')}`, w, '    ').map((l) => c.dim(l)));
    for (const x of g.refusals) {
      lines.push(...wrap(`  ${c.red('✗')} ${x.why}`, w, '    '));
      if (x.hint) lines.push(...wrap(`    → ${x.hint}`, w, '      ').map((l) => c.dim(l)));
    }
    for (const x of g.critical) lines.push(c.yellow(`  host-critical: ${shortBdf(x.bdf)}: ${x.why.join('; ')}`));
  }
  const planArgs = r.groups.flatMap((g) => [...g.requested.map(shortBdf), ...[...g.allowed, ...g.consent].map((b) => `--allow-group-member ${shortBdf(b)}`)]).join(' ');
  if (r.groups.every((g) => g.verdict === 'ready')) lines.push(c.green('Ready: these devices are on the user-space driver in viable groups.'));
  else if (r.groups.some((g) => g.verdict === 'unknown')) lines.push(c.yellow('Unknown: the pasted output lacks facts this verdict needs (see above).'));
  else if (r.groups.every((g) => g.verdict !== 'refused')) lines.push(c.green(`Assignable: \`dmaown plan ${planArgs}\` shows the steps (simulated: the groups become viable).`));
  else lines.push(c.red('Not assignable as asked.'));
  return `${lines.join('\n')}\n`;
}
