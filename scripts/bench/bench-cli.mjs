// Benchmark 4: CLI cold start. hyperfine when installed (warm-up runs, then N timed runs), else a
// loop of spawns timed with process.hrtime. `node -e 0` is measured too: the floor Node sets.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dmaownArgv } from './dmaown.mjs';
import { median, runTimed } from './proc.mjs';

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

function hyperfineAvailable() {
  try { execFileSync('hyperfine', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** A sample the CLI bundles (samples/*.json; `--sample NAME`): server-sriov when present. */
export function sampleName(repo) {
  const dir = join(repo, 'samples');
  const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')) : [];
  return names.find((n) => n === 'server-sriov') ?? names[0] ?? 'server-sriov';
}

export async function benchCli(ctx) {
  const host = ctx.host(1000);
  const sample = ctx.sample;
  const cases = [
    { name: 'node -e 0 (floor)', argv: [process.execPath, '-e', '0'] },
    { name: 'dmaown --version', argv: dmaownArgv(ctx.repo, '--version') },
    { name: 'dmaown --help', argv: dmaownArgv(ctx.repo, '--help') },
    ...(ctx.baseline ? [{ name: 'dmaown --version (baseline build)', argv: dmaownArgv(ctx.baseline, '--version') }, { name: 'dmaown --help (baseline build)', argv: dmaownArgv(ctx.baseline, '--help') }] : []),
    { name: `dmaown --sample ${sample}`, argv: dmaownArgv(ctx.repo, '--sample', sample) },
    { name: 'dmaown status --json (1k tree)', argv: dmaownArgv(ctx.repo, 'status', '--json', '--sysfs-root', dirname(host.tree)) },
  ];
  const runs = ctx.quick ? 5 : 20;
  const rows = [];
  const useHyperfine = hyperfineAvailable();
  for (const c of cases) {
    const probe = await runTimed(c.argv, { timeoutMs: 60_000 });
    if (probe.code !== 0 && probe.code !== 1 && probe.code !== 2) {
      rows.push({ name: c.name, skipped: `exit ${probe.code ?? probe.signal}: ${probe.stderr.trim().split('\n').slice(-1)[0] ?? ''}` });
      continue;
    }
    let meanMs; let medianMs; let minMs; let stddevMs;
    if (useHyperfine) {
      const out = join(ctx.work, 'hyperfine.json');
      execFileSync('hyperfine', ['-N', '--warmup', '2', '--runs', String(runs), '-i', '--export-json', out, c.argv.map(q).join(' ')], { stdio: 'ignore' });
      const r = JSON.parse(readFileSync(out, 'utf8')).results[0];
      rmSync(out, { force: true });
      [meanMs, medianMs, minMs, stddevMs] = [r.mean * 1000, r.median * 1000, r.min * 1000, r.stddev * 1000];
    } else {
      const ts = [];
      for (let i = 0; i < runs + 2; i++) { const r = await runTimed(c.argv, { timeoutMs: 60_000, keepStdout: false }); if (i >= 2) ts.push(r.wallMs); }
      meanMs = ts.reduce((a, b) => a + b, 0) / ts.length; medianMs = median(ts); minMs = Math.min(...ts);
      stddevMs = Math.sqrt(ts.reduce((a, b) => a + (b - meanMs) ** 2, 0) / ts.length);
    }
    rows.push({ name: c.name, runs, meanMs, medianMs, minMs, stddevMs, maxRssMb: (probe.maxRssKb ?? 0) / 1024 });
    ctx.log(`  cli ${c.name}: median ${medianMs.toFixed(1)} ms`);
  }
  return { tool: useHyperfine ? `hyperfine ${execFileSync('hyperfine', ['--version']).toString().trim().split(' ')[1]} (-N, 2 warm-up runs)` : 'process.hrtime loop', rows };
}
