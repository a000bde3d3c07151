import type { Command } from 'commander';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { hostJson, loadView, selectionOf, type HostOptions } from '../host-options.js';

/** The sample shown when this host has no IOMMU groups. */
export const FALLBACK_SAMPLE = 'desktop-gpu';

/**
 * `dmaown` / `dmaown status`: every IOMMU group, its members and roles, its owner, whether it can be
 * handed to user space now and who blocks it. On a host without IOMMU groups: why, then a sample.
 */
export async function runStatus(o: HostOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const sel = selectionOf(o);
  if (typeof sel === 'string') { io.err(`dmaown: ${sel}\n`); return EXIT.usage; }
  const { renderStatus } = await import('../render/status.js');
  const { viewJson } = await import('../json.js');
  let r = await loadView(o, io, sel);
  let diagnosis: string | null = null, sample: string | null = null;
  if (sel.kind === 'live' && (!r.ok || r.value.view.groups.length === 0)) {
    const { noGroupsDiagnosis } = await import('../../assign/diagnosis.js');
    diagnosis = noGroupsDiagnosis(r.ok ? r.value.loaded : null, r.ok ? null : r.why);
    sample = FALLBACK_SAMPLE;
    r = await loadView(o, io, { kind: 'sample', name: FALLBACK_SAMPLE });
  }
  if (!r.ok) { io.err(`dmaown: ${r.why}\n`); return EXIT.usage; }
  const v = r.value;
  if (o.json) {
    printJson(io, { schema: 'dmaown-status/1', host: hostJson(v), diagnosis, sample, ...viewJson(v.view, v.why) });
    return EXIT.ok;
  }
  if (diagnosis !== null) {
    io.out(`${c.yellow('This host has no IOMMU groups.')}\n${diagnosis}\n\n`);
    io.out(`${c.inverse(` SAMPLE HOST "${sample}" — not this machine `)}  (select it yourself with --sample ${sample})\n\n`);
  }
  io.out(renderStatus(v.view, v.loaded.kind === 'live' ? 'This host' : v.loaded.label, c, v.why));
  // The ones that say the host's own description contradicts itself come first, never cut off.
  const ws = [...v.loaded.warnings].sort((a, b) => Number(/cannot be trusted|does not point to/.test(b)) - Number(/cannot be trusted|does not point to/.test(a)));
  for (const w of ws.slice(0, 5)) io.err(`warning: ${w}\n`);
  return EXIT.ok;
}

export function defineStatus(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.action(async (_o: unknown, self: Command) => { done(await runStatus(self.optsWithGlobals<HostOptions>(), io)); });
}
