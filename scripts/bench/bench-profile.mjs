// Benchmark 5 (optional, `--only profile`): where the time goes, for the lead and the owners of src/.
// CPU profiles (node --cpu-prof) of the full report at the largest scan size <= 10k and of the model
// throughput child; hottest functions by self time, mapped to src/*.ts lines via source maps.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileRun } from './profile.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export async function benchProfile(ctx) {
  const out = [];
  const n = Math.max(...ctx.sizes.filter((s) => s <= 10_000));
  const host = ctx.host(n);
  const src = ctx.checkout;
  if (!ctx.cliMissing) {
    out.push({ what: `dmaown status --json --sysfs-root (${n} functions)`,
      ...profileRun([join(ctx.repo, 'bin', 'dmaown.js'), 'status', '--json', '--sysfs-root', dirname(host.tree)], { root: src }) });
    out.push({ what: `dmaown status --json --capture (${n} functions)`,
      ...profileRun([join(ctx.repo, 'bin', 'dmaown.js'), 'status', '--json', '--capture', host.capture], { root: src }) });
  }
  const m = ctx.quick ? 10_000 : 100_000;
  out.push({ what: `model throughput child (${m} functions)`, ...profileRun(['--max-old-space-size=8192', join(here, 'model-child.mjs'), ctx.repo, String(m), '0.5'], { root: src }) });
  for (const p of out) ctx.log(`  profile ${p.what}: ${p.top.slice(0, 3).map((t) => `${t.name} ${t.where}`).join('; ')}`);
  return { profiles: out };
}
