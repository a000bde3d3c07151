// Benchmark 3: model build time and throughput on a 100k-function model (a child process, so its
// peak RSS is its own). See model-child.mjs for what each part does.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { runTimed } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export async function benchModel(ctx) {
  const n = ctx.quick ? 10_000 : 100_000;
  const r = await runTimed([process.execPath, '--expose-gc', '--max-old-space-size=8192', join(here, 'model-child.mjs'), ctx.repo, String(n), ctx.quick ? '0.3' : '1'],
    { timeoutMs: 600_000 });
  if (r.code !== 0) return { skipped: `model child exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-4).join(' | ')}` };
  const res = JSON.parse(r.stdout.trim().split('\n').pop());
  res.maxRssMb = (r.maxRssKb ?? 0) / 1024;
  res.wallMs = r.wallMs;
  ctx.log(`  model n=${n}: ${res.skipped ?? `build ${res.buildMs?.toFixed(0)} ms`}`);
  for (const [name, p] of Object.entries(res.parts ?? {})) {
    ctx.log(`    ${name}: ${p.skipped ?? p.failed ?? `${Math.round(p.cyclesPerSec)} cycles/s`}`);
  }
  return res;
}
