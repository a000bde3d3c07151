import type { Command } from 'commander';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { answerNoGroups, hostJson, loadView, missingDevices, selectionOf, type HostOptions } from '../host-options.js';

/** `dmaown check BDF...`: group by group, the verdict, blockers, exempt and host-critical members. */
interface CheckOptions extends HostOptions { readonly driver?: string; readonly allowGroupMember?: string[] }

export async function runCheck(bdfs: readonly string[], o: CheckOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const { parseBdfs } = await import('../../assign/bdf.js');
  const p = parseBdfs(bdfs);
  if (!p.ok) { io.err(`dmaown check: ${p.why}\n`); return EXIT.usage; }
  const { userDriverProblem } = await import('../../assign/plan.js');
  const bad = userDriverProblem(o.driver ?? 'vfio-pci');
  if (bad !== null) { io.err(`dmaown check: ${bad}\n`); return EXIT.usage; }
  const sel = selectionOf(o);
  if (typeof sel === 'string') { io.err(`dmaown check: ${sel}\n`); return EXIT.usage; }
  const r = await loadView(o, io, sel);
  if (!r.ok) { io.err(`dmaown check: ${r.why}\n`); return EXIT.usage; }
  const none = await answerNoGroups(r.value, o, io, { schema: 'dmaown-check/1', ok: false, groups: [] });
  if (none !== null) return none;
  const missing = missingDevices(r.value, p.value);
  if (missing !== null) { io.err(`dmaown check: ${missing}\n`); return EXIT.usage; }
  const { checkDevices } = await import('../../assign/check.js');
  const allowed = parseBdfs(o.allowGroupMember ?? []);
  if (!allowed.ok) { io.err(`dmaown check: ${allowed.why}\n`); return EXIT.usage; }
  const missingAllowed = missingDevices(r.value, allowed.value);
  if (missingAllowed !== null) { io.err(`dmaown check: ${missingAllowed}\n`); return EXIT.usage; }
  const res = await checkDevices(r.value.view, r.value.loaded.host, p.value, { why: r.value.why, allowGroupMembers: allowed.value, ...(o.driver ? { driver: o.driver } : {}) });
  if (o.json) printJson(io, { schema: 'dmaown-check/1', host: hostJson(r.value), diagnosis: r.value.diagnosis, ok: res.ok, groups: res.groups.map(({ simulated, ...g }) => ({ ...g, simulated: simulated === null ? null : { ok: simulated.ok, failedStep: simulated.failedStep, groups: simulated.groups.map(({ proof: _p, ...x }) => x) } })) });
  else {
    const { renderCheck } = await import('../render/check.js');
    const { layoutWidth } = await import('../render/fit.js');
    const { acsOverrideWarning } = await import('../render/status.js');
    const acs = acsOverrideWarning(r.value.view);
    if (acs !== null) io.out(`${c.yellow(`warning: ${acs}`)}\n`);
    io.out(`${r.value.loaded.label}: kernel ${r.value.view.kernel}\n${renderCheck(res, r.value.view, c, layoutWidth(o.wide, io.columns, io.env))}`);
  }
  return res.ok ? EXIT.ok : EXIT.negative;
}

export function defineCheck(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.argument('<bdf...>', 'PCI devices (01:00.0 or 0000:01:00.0)')
    .option('--allow-group-member <bdf>', 'consent: this member of the group may leave its driver too (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--driver <name>', 'the user-space driver to check against (vfio-pci, a vfio-pci variant, pci-stub)', 'vfio-pci')
    .action(async (bdfs: string[], _o: unknown, self: Command) => { done(await runCheck(bdfs, self.optsWithGlobals<CheckOptions>(), io)); });
}
