import type { Command } from 'commander';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { selectionOf, type HostOptions } from '../host-options.js';

interface VerifyCliOptions extends HostOptions {
  readonly devices?: string;
  readonly bridge?: boolean;
  readonly group?: string[];
  readonly kernel?: string[];
  readonly alphabet?: string;
  readonly symmetry?: boolean;
  readonly maxStates?: string;
  readonly maxMemory?: string;
  readonly recovery?: boolean;
  readonly traceDir?: string;
}

const DEFAULT_MAX_STATES = 5_000_000;
const DEFAULT_MAX_MEMORY_MB = 4096;

function positiveInt(v: string | undefined, name: string, max: number): number | string | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1 || Number(v) > max) return `${name} ${JSON.stringify(v.slice(0, 40))}: expected an integer from 1 to ${max}`;
  return Number(v);
}

/**
 * `dmaown verify`: exhaustive search of what user space can do to one IOMMU group on the simulated kernel —
 * a synthetic group (`--devices N [--bridge]`) or the groups of a host — with the verdict per property and
 * the shortest counterexample of each violation (as a dmaown-trace/1 with --trace-dir). Exit 0 when every
 * property holds, 1 on a violation or an incomplete search, 2 on bad input.
 */
export async function runVerify(o: VerifyCliOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const fail = (m: string): number => { io.err(`dmaown verify: ${m}\n`); return EXIT.usage; };
  const { MAX_SYNTHETIC_DEVICES } = await import('../../verify/synthetic-host.js');
  const { ALL_KERNELS, kernelRelease, syntheticTarget, groupTarget, pciGroups } = await import('../../verify/targets.js');
  const { verifyTarget } = await import('../../verify/verify.js');
  const n = positiveInt(o.devices, '--devices', 1_000_000);
  if (typeof n === 'string') return fail(n);
  if (n !== undefined && n > MAX_SYNTHETIC_DEVICES) return fail(`--devices ${n}: out of range (1..${MAX_SYNTHETIC_DEVICES})`);
  const maxStates = positiveInt(o.maxStates, '--max-states', 1_000_000_000) ?? DEFAULT_MAX_STATES;
  if (typeof maxStates === 'string') return fail(maxStates);
  const maxMemory = positiveInt(o.maxMemory, '--max-memory', 1_000_000) ?? DEFAULT_MAX_MEMORY_MB;
  if (typeof maxMemory === 'string') return fail(maxMemory);
  // The synthetic group is ownership.pml's: explored with its alphabet unless asked otherwise.
  const alphabet = o.alphabet ?? (n !== undefined ? 'spin' : 'full');
  if (alphabet !== 'spin' && alphabet !== 'full') return fail(`--alphabet ${JSON.stringify(alphabet.slice(0, 40))}: expected spin or full`);
  if (o.bridge && n === undefined) return fail('--bridge needs --devices N (a synthetic group)');
  const sel = selectionOf(o);
  if (typeof sel === 'string') return fail(sel);
  if (n !== undefined && sel.kind !== 'live') return fail('--devices N verifies a synthetic group: give it without --capture, --sample, --sysfs-root or --paste');
  if (n !== undefined && o.group !== undefined) return fail('--group picks a group of a host; a synthetic group (--devices) has one');
  const groups: number[] = [];
  for (const g of o.group ?? []) {
    if (!/^\d{1,6}$/.test(g)) return fail(`--group ${JSON.stringify(g.slice(0, 40))}: expected an IOMMU group number`);
    groups.push(Number(g));
  }
  const kernelArgs = (o.kernel ?? []).flatMap((k) => (k === 'all' ? [...ALL_KERNELS] : [k]));
  const releases: string[] = [];
  for (const k of kernelArgs) {
    const r = kernelRelease(k);
    if (!r.ok) return fail(r.why);
    releases.push(r.value);
  }
  const targets: { t: import('../../verify/search.js').VerifyTarget; source: string; synthetic: boolean }[] = [];
  if (n !== undefined) {
    for (const release of releases.length > 0 ? releases : ALL_KERNELS.map((k) => `${k}.0`)) {
      const t = syntheticTarget(n, o.bridge === true, release);
      if (!t.ok) return fail(t.why);
      targets.push({ t: t.value, source: 'synthetic', synthetic: true });
    }
  } else {
    const { loadHost } = await import('../../assign/source.js');
    const h = await loadHost(sel, { keepPort: false });
    if (!h.ok) return fail(h.why);
    const host = h.value.host;
    const ids = groups.length > 0 ? groups : pciGroups(host);
    if (ids.length === 0) return fail(`${h.value.label}: no IOMMU group with PCI devices to verify (--devices N verifies a synthetic group; --capture FILE or --sample NAME another host)`);
    for (const release of releases.length > 0 ? releases : [host.kernel]) {
      const r = kernelRelease(release);
      if (!r.ok) return fail(`${h.value.label}: ${r.why}`);
      for (const gid of ids) {
        const t = groupTarget(host, gid, r.value, h.value.label);
        if (!t.ok) return fail(t.why);
        targets.push({ t: t.value, source: h.value.label, synthetic: false });
      }
    }
  }
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  if (o.traceDir !== undefined) {
    try { mkdirSync(o.traceDir, { recursive: true }); } catch (e) { return fail(`--trace-dir ${o.traceDir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`); }
  }
  const { renderVerifyRun } = await import('../render/verify.js');
  const runs = [];
  let negative = false;
  for (const x of targets) {
    const run = verifyTarget(x.t, x.source, x.synthetic, {
      alphabet, symmetry: o.symmetry !== false, maxStates, maxHeapBytes: maxMemory * 2 ** 20, recovery: o.recovery !== false, traces: o.traceDir !== undefined,
    });
    const written = new Map<string, string>();
    for (const [prop, trace] of run.traces) {
      // The release comes from the host (a capture's "kernel" may hold any printable text, '/' too): only
      // file-name characters reach the name, so every trace lands in --trace-dir itself.
      const release = x.t.release.replace(/[^A-Za-z0-9.+_-]/g, '_');
      const file = join(o.traceDir as string, `verify-${x.synthetic ? `n${x.t.spec.devices.length}` : `group${x.t.spec.group}`}-${release}-${prop}.json`);
      try { writeFileSync(file, `${JSON.stringify(trace, null, 1)}\n`); } catch (e) { return fail(`writing ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`); }
      written.set(prop, file);
    }
    if (!run.result.complete || run.result.properties.some((p) => !p.holds)) negative = true;
    if (!o.json) io.out(renderVerifyRun(run, c, written));
    runs.push({ run, written });
  }
  if (o.json) {
    const { verifyJson } = await import('../../verify/verify-json.js');
    printJson(io, verifyJson(runs, { alphabet, symmetry: o.symmetry !== false }));
  }
  return negative ? EXIT.negative : EXIT.ok;
}

export function defineVerify(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.option('--devices <n>', 'a synthetic group of N devices (endpoints interchangeable; the model of ../shared/spin/ownership.pml)')
    .option('--bridge', 'with --devices: device 0 is a PCIe port (a bridge), the others endpoints')
    .option('--group <g...>', 'the IOMMU group(s) of the host to verify (default: every group with PCI devices)')
    .option('--kernel <k...>', 'kernel profiles: 5.10 5.19 6.1 6.2 6.6, all, or a uname -r (default: the host\'s kernel; all for --devices)')
    .option('--alphabet <a>', 'spin: exactly ownership.pml\'s ops (default with --devices); full: plus driver_override, drivers_probe, iommufd and cdev paths (default for a host\'s groups)')
    .option('--no-symmetry', 'do not merge states that differ only in which of two interchangeable devices is which (unreduced counts)')
    .option('--max-states <n>', `stop after N states (default ${DEFAULT_MAX_STATES})`)
    .option('--max-memory <mb>', `stop when the search holds this much heap (default ${DEFAULT_MAX_MEMORY_MB} MiB)`)
    .option('--no-recovery', 'do not check from every state that closing everything and unbinding gives the group back to its kernel drivers')
    .option('--trace-dir <dir>', 'write each counterexample there as a dmaown-trace/1 file (dmaown conform replays it)')
    .action(async (_o: unknown, self: Command) => { done(await runVerify(self.optsWithGlobals<VerifyCliOptions>(), io)); });
}
