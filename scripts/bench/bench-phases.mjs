// Where dmaown's time goes, phase by phase: phases-child.mjs on the tree and on the capture of every
// size (one run each, after the side-by-side run; the same load caveat applies).

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTimed } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export async function benchPhases(ctx) {
  const rows = [];
  for (const n of ctx.sizes) {
    const host = ctx.host(n);
    for (const [kind, path] of [['tree', dirname(host.tree)], ['capture', host.capture]]) {
      const r = await runTimed([process.execPath, join(here, 'phases-child.mjs'), ctx.repo, kind, path], { timeoutMs: ctx.capMs * 4 });
      let out;
      try { out = JSON.parse(r.stdout.trim().split('\n').pop()); } catch { out = { skipped: `exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}` }; }
      rows.push({ n, kind, wallMs: r.wallMs, maxRssMb: (r.maxRssKb ?? 0) / 1024, ...out });
      ctx.log(`  phases n=${n} ${kind}: ${out.skipped ?? out.phases.map((p) => `${p.name.split(' (')[0]} ${p.wallMs.toFixed(0)}`).join(', ')}`);
    }
  }
  return { rows };
}
