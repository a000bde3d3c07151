// Benchmark 5 (optional, `--only profile`): where the time goes, for the lead and the owners of src/.
// CPU profiles (node --cpu-prof, every thread) of the full report at 10k (tree, capture) and at the
// largest size (tree), and of the model throughput child when `--only` names model too; hottest functions by self time, mapped to src/*.ts lines via source maps.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileRun } from './profile.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export async function benchProfile(ctx) {
  const out = [];
  const src = ctx.checkout;
  if (!ctx.cliMissing) {
    // The report at 10k (tree and capture) and at the largest size (tree): where dmaown's time goes.
    const small = ctx.sizes.filter((s) => s <= 10_000);
    const big = Math.max(...ctx.sizes);
    const runs = [];
    if (small.length) runs.push([Math.max(...small), 'tree'], [Math.max(...small), 'capture']);
    if (big > 10_000) runs.push([big, 'tree']);
    for (const [n, kind] of runs) {
      const host = ctx.host(n);
      const args = kind === 'tree' ? ['--sysfs-root', dirname(host.tree)] : ['--capture', host.capture];
      out.push({ what: `dmaown status --json ${args[0]} (${n} functions)`,
        ...profileRun([join(ctx.repo, 'bin', 'dmaown.js'), 'status', '--json', ...args], { root: src }) });
    }
  }
  if (ctx.only?.includes('model')) {
    const m = ctx.quick ? 10_000 : 100_000;
    out.push({ what: `model throughput child (${m} functions)`, ...profileRun(['--max-old-space-size=8192', join(here, 'model-child.mjs'), ctx.repo, String(m), '0.5'], { root: src }) });
  }
  for (const p of out) ctx.log(`  profile ${p.what}: ${p.top.slice(0, 3).map((t) => `${t.name} ${t.where}`).join('; ')}`);
  return { profiles: out };
}
