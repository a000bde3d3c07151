// Benchmark 6: `dmaown export` (issue #19) — must be cheap enough to run every minute on every node.
// For each size and each format: `dmaown export --format F -o FILE` on the generated tree
// (--sysfs-root, as the systemd unit and the DaemonSet read a host) and on its capture, timed as a
// whole process (cold start + scan + analysis + render + atomic write), median of --reps runs after
// one untimed warm-up; `dmaown status --json` on the same source is the baseline (scan + analysis).
// CPU time (user + system, GNU time) is reported beside wall time: on a shared, loaded machine the
// wall time mostly measures the wait for a core, the CPU time what a node pays every minute.
//
//   node scripts/bench/bench-export.mjs [--sizes 1000,10000] [--reps 5] [--work /tmp/bench]
// (also `node scripts/bench/run.js --only export`)

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dmaownArgv } from './dmaown.mjs';
import { median } from './proc.mjs';
import { ensureHost } from './write-host.mjs';
import { renderExport } from './report.mjs';

const FORMATS = ['prometheus', 'nfd', 'kubevirt', 'ansible'];
const OUT = { prometheus: 'dmaown.prom', nfd: 'dmaown', kubevirt: 'kubevirt.json', ansible: 'dmaown.fact' };


/** One run under GNU time: wall, user+system CPU seconds, peak RSS; stdout to a file (or /dev/null). */
function timed(argv) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-export-'));
  const tf = join(dir, 'time');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', tf, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const [e, u, sy, m] = (existsSync(tf) ? readFileSync(tf, 'utf8').trim().split('\n').pop() : '0 0 0 0').split(' ').map(Number);
  rmSync(dir, { recursive: true, force: true });
  return { code: r.status, stderr: String(r.stderr ?? ''), stdoutBytes: r.stdout?.length ?? 0, wallMs: e * 1000, cpuMs: (u + sy) * 1000, maxRssKb: m };
}

export async function benchExport(ctx) {
  const sizes = ctx.exportSizes ?? (ctx.quick ? [1000] : [1000, 10_000]);
  const reps = ctx.reps ?? 5;
  const outDir = join(ctx.work, 'export-out');
  mkdirSync(outDir, { recursive: true });
  const rows = [];
  for (const n of sizes) {
    const h = ctx.host(n);
    for (const [source, args] of [['tree', ['--sysfs-root', dirname(h.tree)]], ['capture', ['--capture', h.capture]]]) {
      const cases = [['status --json (baseline)', ['status', '--json', ...args], null],
        ...FORMATS.map((f) => [f, ['export', '--format', f, ...args, '-o', join(outDir, `${n}-${source}-${OUT[f]}`)], join(outDir, `${n}-${source}-${OUT[f]}`)])];
      for (const [name, argv, file] of cases) {
        const times = [], cpus = [];
        let rss = 0, bytes = 0, failure = null;
        for (let i = 0; i <= reps; i++) {
          const r = timed(dmaownArgv(ctx.repo, ...argv));
          if (r.code !== 0) { failure = `exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`; break; }
          if (i > 0) { times.push(r.wallMs); cpus.push(r.cpuMs); }
          rss = Math.max(rss, r.maxRssKb ?? 0);
          bytes = file === null ? r.stdoutBytes : statSync(file).size;
        }
        const row = failure ? { n, source, name, skipped: failure }
          : { n, source, name, runs: times.length, medianMs: median(times), minMs: Math.min(...times), cpuMs: median(cpus), maxRssMb: rss / 1024, bytes };
        if (!failure && name === 'prometheus') row.samples = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
        rows.push(row);
        ctx.log(`  export ${n} ${source} ${name}: ${failure ?? `median ${row.medianMs.toFixed(0)} ms wall, ${row.cpuMs.toFixed(0)} ms CPU`}`);
      }
    }
  }
  return { reps, rows };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const opt = (name, d) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : d; };
  const work = opt('--work', '/tmp/bench');
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const log = (s) => process.stderr.write(`${s}\n`);
  const hosts = new Map();
  const ctx = {
    repo, work, log, reps: Number(opt('--reps', '5')), exportSizes: opt('--sizes', '1000,10000').split(',').map(Number),
    host: (n) => { if (!hosts.has(n)) hosts.set(n, ensureHost(n, join(work, 'hosts'), log)); return hosts.get(n); },
  };
  benchExport(ctx).then((r) => console.log(renderExport(r)), (e) => { console.error(e); process.exitCode = 1; });
}
