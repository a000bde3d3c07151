// Benchmark 1: host scan + full analysis by dmaown, from a directory tree (--sysfs-root) and from
// the equivalent capture file (--capture), at every size. Wall time and peak RSS of the child.

import { checkReport, dmaownArgv, REPORT_ARGS } from './dmaown.mjs';
import { median, runTimed } from './proc.mjs';

export async function benchScan(ctx) {
  const rows = [];
  for (const n of ctx.sizes) {
    const host = ctx.host(n);
    for (const [source, extra] of [['tree', ['--sysfs-root', host.tree]], ['capture', ['--capture', host.capture]]]) {
      const reps = n >= 50_000 ? 1 : n >= 10_000 ? Math.min(ctx.reps, 3) : ctx.reps;
      const walls = [];
      const rss = [];
      let problem = null;
      for (let i = 0; i < reps && !problem; i++) {
        const r = await runTimed(dmaownArgv(ctx.repo, ...REPORT_ARGS, ...extra), { timeoutMs: ctx.capMs * 2 });
        problem = checkReport(r, host.lastBdf);
        if (!problem) { walls.push(r.wallMs); if (r.maxRssKb) rss.push(r.maxRssKb); }
        else ctx.log(`  scan ${n} ${source}: ${problem}`);
      }
      const row = { n, source, reps: walls.length, wallMs: median(walls), minMs: Math.min(...walls), maxRssMb: rss.length ? Math.max(...rss) / 1024 : null,
        perFunctionUs: (median(walls) * 1000) / n, problem };
      ctx.log(`  scan n=${n} ${source}: ${problem ?? `${row.wallMs.toFixed(0)} ms, ${row.maxRssMb?.toFixed(0)} MB`}`);
      rows.push(row);
    }
  }
  return { rows };
}
