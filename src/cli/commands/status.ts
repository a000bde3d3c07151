import type { Command } from 'commander';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { hostJson, loadView, selectionOf, type HostOptions } from '../host-options.js';

/** The sample shown to a person on a terminal when this host has no IOMMU groups. */
export const FALLBACK_SAMPLE = 'desktop-gpu';

interface StatusOptions extends HostOptions { readonly all?: boolean }

/**
 * `dmaown` / `dmaown status`: every IOMMU group a user could pass through, its members and roles, its
 * owner, its state (ready, assignable now, held by host drivers, blocked) and who blocks it;
 * infrastructure-only groups in one line (`--all` lists them). A host without IOMMU groups gets its
 * diagnosis — in JSON as `groups: []` and a `diagnosis` object describing this host; a person on a
 * terminal also sees a clearly labelled sample host. Exit 0 (a report), 2 when the host cannot be read.
 */
export async function runStatus(o: StatusOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const sel = selectionOf(o);
  if (typeof sel === 'string') { io.err(`dmaown: ${sel}\n`); return EXIT.usage; }
  const { renderStatus } = await import('../render/status.js');
  const { viewJson } = await import('../json.js');
  const { diagnosisText, unreadableDiagnosis } = await import('../../assign/diagnosis.js');
  const { groupStatus } = await import('../../assign/group-state.js');
  const { layoutWidth } = await import('../render/fit.js');
  const r = await loadView(o, io, sel);
  if (!r.ok) {
    if (sel.kind !== 'live') { io.err(`dmaown: ${r.why}\n`); return EXIT.usage; }
    const d = unreadableDiagnosis(r.why);
    if (o.json) printJson(io, { schema: 'dmaown-status/1', host: null, diagnosis: d, groups: [], ungrouped: [], totals: null });
    else io.out(`${diagnosisText(d)}\n`);
    return EXIT.usage;
  }
  const v = r.value;
  const states = v.view.groups.map((g) => groupStatus(v.view, g));
  const label = v.loaded.kind === 'live' ? 'This host' : v.loaded.label;
  const layout = { width: layoutWidth(o.wide, io.columns, io.env), all: o.all === true };
  if (o.json) {
    printJson(io, { schema: 'dmaown-status/1', host: hostJson(v), diagnosis: v.diagnosis, ...viewJson(v.view, v.why, states) });
    return EXIT.ok;
  }
  if (v.diagnosis !== null) {
    io.out(`${c.yellow(diagnosisText(v.diagnosis))}\n`);
    if (v.loaded.kind !== 'live') return EXIT.ok;
    if (!io.isTTY) { io.out(`\nTo see what dmaown shows on a host with groups: dmaown --sample ${FALLBACK_SAMPLE}\n`); return EXIT.ok; }
    const s = await loadView(o, io, { kind: 'sample', name: FALLBACK_SAMPLE });
    if (!s.ok) return EXIT.ok;
    io.out(`\n${c.inverse(` SAMPLE HOST "${FALLBACK_SAMPLE}" — not this machine `)}  (select it yourself with --sample ${FALLBACK_SAMPLE})\n\n`);
    io.out(renderStatus(s.value.view, s.value.view.groups.map((g) => groupStatus(s.value.view, g)), `sample ${FALLBACK_SAMPLE}`, c, s.value.why, layout));
    return EXIT.ok;
  }
  io.out(renderStatus(v.view, states, label, c, v.why, layout));
  // The ones that say the host's own description contradicts itself come first, never cut off.
  const ws = [...v.loaded.warnings].sort((a, b) => Number(/cannot be trusted|does not point to/.test(b)) - Number(/cannot be trusted|does not point to/.test(a)));
  for (const w of ws.slice(0, 5)) io.err(`warning: ${w}\n`);
  return EXIT.ok;
}

export function defineStatus(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.option('--all', 'also list infrastructure-only groups (bridges, ports, host bridges, IOMMU, dummy functions)')
    .action(async (_o: unknown, self: Command) => { done(await runStatus(self.optsWithGlobals<StatusOptions>(), io)); });
}
