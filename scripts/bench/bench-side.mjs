// Benchmark "side by side" (issue #15): per size, every tool on the same tree in the same run, each
// seeing the tree as its /sys (private mount namespace), run round-robin — one of each, then the next
// repetition — so that they share the machine's load. dmaown's full report three ways (text, --json,
// --json from the capture file), lspci -vmm -k and -nnk, dpdk-devbind.py, driverctl, and the C
// syscall floor (floor.c: readdir of the groups, readlink of driver and group, modalias and 256 bytes
// of config per function). Ratio: the tool's time ÷ `lspci -vmm -k -D`'s in the same repetition,
// median over repetitions (below 1×: faster than lspci). Load average before and after each size.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkReport, dmaownArgv } from './dmaown.mjs';
import { inPrivateSys, median, runTimed } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const have = (tool) => { try { execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }); return true; } catch { return false; } };
/** The 1-minute load average and the CPU pressure of the last 10 s (PSI "some avg10": the share of time a runnable task waited for a CPU). */
const load = () => {
  let psi = '';
  try { psi = `, CPU pressure ${/^some avg10=([0-9.]+)/m.exec(readFileSync('/proc/pressure/cpu', 'latin1'))?.[1] ?? '?'} %`; } catch { /* no PSI */ }
  return `${loadavg().map((x) => x.toFixed(2)).join(' ')}${psi}`;
};

/** Compiles floor.c into the work directory (once per change); null and the reason when there is no C compiler. */
export function buildFloor(work) {
  const src = join(here, 'floor.c');
  const bin = join(work, 'floor');
  if (existsSync(bin) && statSync(bin).mtimeMs > statSync(src).mtimeMs) return { bin };
  if (!have('cc')) return { skipped: 'no C compiler (cc) to build scripts/bench/floor.c' };
  mkdirSync(work, { recursive: true });
  execFileSync('cc', ['-O2', '-o', bin, src]);
  return { bin };
}

/** The tools, in the order each repetition runs them. `once`: run in the first repetition only (minutes at 10k+). */
export function sideTools(ctx, host, floor) {
  const dm = (...a) => dmaownArgv(ctx.repo, ...a);
  return [
    { name: 'C syscall floor', argv: floor.bin ? [floor.bin, '/sys'] : null, skipped: floor.skipped, check: (r) => (r.stdout.startsWith(`${host.functions} functions`) ? null : `read ${r.stdout.trim()}`) },
    { name: 'lspci -vmm -k -D', argv: ['lspci', '-vmm', '-k', '-D'], tool: 'lspci', base: true },
    { name: 'lspci -nnk', argv: ['lspci', '-nnk'], tool: 'lspci' },
    { name: 'dmaown status (text report)', argv: dm('status'), dmaown: true, check: (r) => (r.code === 0 && r.stdoutBytes > 0 ? null : `exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`) },
    { name: 'dmaown status --json', argv: dm('status', '--json'), dmaown: true, check: (r) => checkReport(r, host.lastBdf) },
    { name: 'dmaown status --json --capture', argv: dm('status', '--json', '--capture', host.capture), dmaown: true, check: (r) => checkReport(r, host.lastBdf) },
    // --baseline DIR: the same report from another build (e.g. main before a change), in the same run.
    ...(ctx.baseline ? [{ name: 'dmaown status --json (baseline build)', argv: dmaownArgv(ctx.baseline, 'status', '--json'), dmaown: true, check: (r) => checkReport(r, host.lastBdf) }] : []),
    { name: 'dpdk-devbind.py --status', argv: ['dpdk-devbind.py', '--status'], tool: 'dpdk-devbind.py', once: true },
    { name: 'driverctl list-devices', argv: ['driverctl', 'list-devices'], tool: 'driverctl', once: true, maxN: 10_000 },
  ];
}

export async function benchSide(ctx) {
  if (process.getuid?.() !== 0) return { skipped: 'needs root for unshare -m and mount --bind' };
  if (!have('unshare')) return { skipped: 'unshare (util-linux) not installed' };
  const floor = buildFloor(ctx.work);
  const sizes = [];
  for (const n of ctx.sizes) {
    const host = ctx.host(n);
    const tools = sideTools(ctx, host, floor);
    const runs = new Map(tools.map((t) => [t.name, []]));
    const notes = new Map();
    const reps = ctx.reps;
    const loadBefore = load();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      const base = new Map();
      for (const t of tools) {
        if (t.argv === null) { notes.set(t.name, t.skipped); continue; }
        if (t.dmaown && ctx.cliMissing) { notes.set(t.name, `dmaown CLI not usable: ${ctx.cliMissing}`); continue; }
        if (t.tool && !have(t.tool)) { notes.set(t.name, `${t.tool} not installed (scripts/bench/setup.sh)`); continue; }
        if (t.maxN && n > t.maxN) { notes.set(t.name, `not run above ${t.maxN} functions (forks per device: minutes)`); continue; }
        if (t.once && i > 0) continue;
        const r = await runTimed(inPrivateSys(host.tree, t.argv), { timeoutMs: Math.max(ctx.capMs, n * 6), keepStdout: t.check !== undefined });
        const bad = r.timedOut ? `hit the ${ctx.capMs / 1000} s cap` : t.check ? t.check(r) : r.code === 0 ? null : `exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').filter((l) => !l.includes('libkmod')).slice(-1)[0] ?? ''}`;
        if (bad) notes.set(t.name, bad);
        runs.get(t.name).push({ rep: i, wallMs: r.wallMs, cpuMs: r.cpuMs, rssMb: (r.maxRssKb ?? 0) / 1024, bad });
        if (t.base) base.set(i, r);
        ctx.log(`  side n=${n} rep ${i + 1}/${reps} ${t.name}: ${r.wallMs.toFixed(0)} ms, ${((r.maxRssKb ?? 0) / 1024).toFixed(0)} MB${bad ? ` (${bad})` : ''}`);
      }
      for (const t of tools) {
        for (const r of runs.get(t.name)) {
          if (r.rep !== i || !base.has(i)) continue;
          r.ratio = r.wallMs / base.get(i).wallMs;
          if (r.cpuMs != null && base.get(i).cpuMs) r.cpuRatio = r.cpuMs / base.get(i).cpuMs;
        }
      }
    }
    const rows = tools.map((t) => {
      const rs = runs.get(t.name).filter((r) => !r.bad);
      if (rs.length === 0) return { tool: t.name, skipped: notes.get(t.name) ?? 'not run' };
      const ratios = rs.filter((r) => r.ratio !== undefined).map((r) => r.ratio);
      const cpuRatios = rs.filter((r) => r.cpuRatio !== undefined).map((r) => r.cpuRatio);
      const cpus = rs.filter((r) => r.cpuMs != null).map((r) => r.cpuMs);
      return { tool: t.name, runs: rs.length, wallMs: median(rs.map((r) => r.wallMs)), minMs: Math.min(...rs.map((r) => r.wallMs)),
        ratio: ratios.length ? median(ratios) : null, cpuMs: cpus.length ? median(cpus) : null, cpuRatio: cpuRatios.length ? median(cpuRatios) : null,
        rssMb: Math.max(...rs.map((r) => r.rssMb)), note: notes.get(t.name) ?? null };
    });
    sizes.push({ n, groups: host.groups, reps, loadBefore, loadAfter: load(), seconds: (performance.now() - t0) / 1000, rows });
  }
  return { sizes };
}
