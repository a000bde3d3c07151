import type { Command } from 'commander';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { hostJson, loadView, missingDevices, selectionOf, type HostOptions } from '../host-options.js';

/** `dmaown check BDF...`: group by group, the verdict, blockers, exempt and host-critical members. */
export async function runCheck(bdfs: readonly string[], o: HostOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const { parseBdfs } = await import('../../assign/bdf.js');
  const p = parseBdfs(bdfs);
  if (!p.ok) { io.err(`dmaown check: ${p.why}\n`); return EXIT.usage; }
  const sel = selectionOf(o);
  if (typeof sel === 'string') { io.err(`dmaown check: ${sel}\n`); return EXIT.usage; }
  const r = await loadView(o, io, sel);
  if (!r.ok) { io.err(`dmaown check: ${r.why}\n`); return EXIT.usage; }
  const missing = missingDevices(r.value, p.value);
  if (missing !== null) { io.err(`dmaown check: ${missing}\n`); return EXIT.usage; }
  const { checkDevices } = await import('../../assign/check.js');
  const res = checkDevices(r.value.view, p.value, r.value.why);
  if (o.json) printJson(io, { schema: 'dmaown-check/1', host: hostJson(r.value), ok: res.ok, groups: res.groups });
  else {
    const { renderCheck } = await import('../render/check.js');
    io.out(`${r.value.loaded.label}: kernel ${r.value.view.kernel}\n${renderCheck(res, c)}`);
  }
  return res.ok ? EXIT.ok : EXIT.negative;
}

export function defineCheck(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.argument('<bdf...>', 'PCI devices (01:00.0 or 0000:01:00.0)')
    .action(async (bdfs: string[], _o: unknown, self: Command) => { done(await runCheck(bdfs, self.optsWithGlobals<HostOptions>(), io)); });
}
