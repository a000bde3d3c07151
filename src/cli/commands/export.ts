import type { Command } from 'commander';
import { EXIT, printJson, type CliIo } from '../io.js';
import { hostJson, loadView, selectionOf, type HostOptions } from '../host-options.js';

export interface ExportCliOptions extends HostOptions {
  readonly format?: string;
  readonly output?: string;
  readonly watch?: string;
  readonly ttl?: string;
  readonly afterPlan?: string;
}

/** Test hooks: how many cycles a --watch loop runs, and how it waits. */
export interface WatchControl {
  readonly cycles?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

/**
 * `dmaown export --format prometheus|nfd|kubevirt|ansible [-o FILE] [--watch INTERVAL]`: the host's
 * groups, owners and viability for the systems a fleet already runs. Without -o the document goes to
 * stdout; with -o it replaces FILE atomically (never partially; a symlink or non-regular FILE is
 * refused). --watch re-reads the host and rewrites FILE every INTERVAL until SIGINT/SIGTERM; a failed
 * cycle is reported and leaves the previous file in place.
 */
export async function runExport(o: ExportCliOptions, io: CliIo, ctl: WatchControl = {}): Promise<number> {
  const ex = await import('../../export/index.js');
  const usage = (why: string): number => { io.err(`dmaown export: ${why}\n`); return EXIT.usage; };
  if (o.format === undefined) return usage(`--format is required: ${ex.FORMATS.join(', ')}`);
  if (!(ex.FORMATS as readonly string[]).includes(o.format)) return usage(`--format ${o.format}: choose ${ex.FORMATS.join(', ')}`);
  const sel = selectionOf(o);
  if (typeof sel === 'string') return usage(sel);
  const interval = o.watch === undefined ? null : ex.parseDuration(o.watch, '--watch');
  if (interval !== null && !interval.ok) return usage(interval.why);
  if (interval !== null && (o.output === undefined || o.output === '-')) return usage('--watch needs -o FILE (the file it keeps fresh)');
  const ttl = ex.parseDuration(o.ttl ?? '10m', '--ttl');
  if (!ttl.ok) return usage(ttl.why);
  let planned: ReadonlySet<string> | undefined;
  if (o.afterPlan !== undefined) {
    if (o.format !== 'kubevirt') return usage('--after-plan applies to --format kubevirt only');
    const { readPlannedDevices } = await import('../../export/plan-input.js');
    const p = readPlannedDevices(o.afterPlan);
    if (!p.ok) return usage(p.why);
    planned = p.value;
  }
  if (o.output !== undefined && o.output !== '-' && o.format === 'prometheus' && !o.output.endsWith('.prom')) {
    io.err(`warning: node_exporter's textfile collector reads only *.prom files; ${o.output} will not be collected\n`);
  }
  const expiryMs = Math.max(ttl.value, interval !== null && interval.ok ? 3 * interval.value : 0);
  const now = ctl.now ?? (() => new Date());

  const once = async (): Promise<number> => {
    const r = await loadView(o, io, sel);
    if (!r.ok) return usage(r.why);
    const v = r.value;
    const noGroups = v.diagnosis === null ? null : { cause: v.diagnosis.code, advice: v.diagnosis.remedy };
    const t = now();
    const facts = ex.hostFacts({
      view: v.view, cmdline: v.loaded.host.cmdline, groupNames: new Map(v.loaded.host.groups.map((g) => [g.id, g.name])),
      source: v.loaded.kind === 'live' ? 'this host' : v.loaded.label, noGroups, now: t,
    });
    const out = ex.renderExport(o.format as string, facts, { expiry: new Date(t.getTime() + expiryMs), planned });
    if (!out.ok) return usage(out.why);
    for (const w of out.value.warnings) io.err(`warning: ${w}\n`);
    const toFile = o.output !== undefined && o.output !== '-';
    if (toFile) {
      const w = ex.writeAtomic(ex.nodeWritePort(), o.output as string, out.value.text);
      if (!w.ok) return usage(`cannot write ${o.output}: ${w.errno}: ${w.why}`);
    }
    if (o.json) {
      printJson(io, {
        schema: 'dmaown-export/1', host: hostJson(v), format: o.format, output: toFile ? o.output : null,
        bytes: Buffer.byteLength(out.value.text), warnings: out.value.warnings, content: toFile ? null : out.value.text,
      });
    } else if (!toFile) io.out(out.value.text);
    else if (interval === null) io.err(`wrote ${o.output} (${o.format}, ${Buffer.byteLength(out.value.text)} bytes)\n`);
    return EXIT.ok;
  };

  if (interval === null) return once();
  // SIGINT/SIGTERM end the loop: during a cycle it finishes its (atomic) write first; a sleep ends at once.
  let stopped = false, cycles = 0, failures = 0;
  let wake: (() => void) | null = null;
  const onSignal = (): void => { stopped = true; wake?.(); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const sleep = ctl.sleep ?? ((ms: number) => new Promise<void>((res) => {
    const t = setTimeout(() => { wake = null; res(); }, ms);
    wake = () => { clearTimeout(t); wake = null; res(); };
  }));
  try {
    for (;;) {
      const code = await once();
      if (code !== EXIT.ok) failures++;
      cycles++;
      if (stopped || (ctl.cycles !== undefined && cycles >= ctl.cycles)) break;
      await sleep(interval.value);
      if (stopped) break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return failures === cycles ? EXIT.usage : EXIT.ok;
}

export function defineExport(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.requiredOption('-f, --format <format>', 'prometheus (node_exporter textfile), nfd (Node Feature Discovery features.d), kubevirt (permittedHostDevices merge patch) or ansible (facts.d JSON)')
    .option('-o, --output <file>', 'replace FILE atomically (temporary file + fsync + rename; a symlink is refused); default: stdout')
    .option('--watch <interval>', 're-read the host and rewrite FILE every INTERVAL (30s, 1m, 5m) until SIGINT/SIGTERM')
    .option('--ttl <duration>', 'nfd: labels expire this long after the export unless refreshed (default 10m; at least 3 watch intervals)')
    .option('--after-plan <plan.json>', 'kubevirt: also permit the devices of this plan (dmaown plan --json), which will be on vfio-pci once applied')
    .action(async (_o: unknown, self: Command) => { done(await runExport(self.optsWithGlobals<ExportCliOptions>(), io)); });
}
