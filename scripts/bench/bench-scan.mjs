// Benchmark 1: host scan + full analysis, from a directory tree and from the equivalent capture
// file, at every size. Wall time and peak RSS of the child process.
//   cli:     `dmaown status --json --sysfs-root TREE` / `--capture FILE` (what a user runs)
//   library: scan-child.mjs: the host layer alone, phase by phase (read, describe, explain), plus
//            explainHost's mismatch count between the model's predicted groups and the tree's.

import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkReport, dmaownArgv, REPORT_ARGS } from './dmaown.mjs';
import { median, runTimed } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function libraryRun(ctx, kind, path) {
  return runTimed([process.execPath, '--max-old-space-size=8192', join(here, 'scan-child.mjs'), ctx.repo, kind, path], { timeoutMs: ctx.capMs * 2 });
}

export async function benchScan(ctx) {
  const rows = [];
  for (const n of ctx.sizes) {
    const host = ctx.host(n);
    const reps = n >= 50_000 ? 1 : n >= 10_000 ? Math.min(ctx.reps, 3) : ctx.reps;
    const variants = [
      { via: 'library', source: 'tree', run: () => libraryRun(ctx, 'tree', host.tree) },
      { via: 'library', source: 'capture', run: () => libraryRun(ctx, 'capture', host.capture) },
    ];
    if (!ctx.cliMissing) {
      variants.push({ via: 'cli', source: 'tree', run: () => runTimed(dmaownArgv(ctx.repo, ...REPORT_ARGS, '--sysfs-root', dirname(host.tree)), { timeoutMs: ctx.capMs * 2 }) });
      variants.push({ via: 'cli', source: 'capture', run: () => runTimed(dmaownArgv(ctx.repo, ...REPORT_ARGS, '--capture', host.capture), { timeoutMs: ctx.capMs * 2 }) });
    }
    for (const v of variants) {
      const walls = [];
      const rss = [];
      let problem = null;
      let lib = null;
      for (let i = 0; i < reps && !problem; i++) {
        const r = await v.run();
        if (v.via === 'cli') problem = checkReport(r, host.lastBdf);
        else if (r.code !== 0) problem = `exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`;
        else {
          lib = JSON.parse(r.stdout.trim().split('\n').pop());
          problem = lib.skipped ?? lib.failed ?? (lib.functions !== n ? `read ${lib.functions} of ${n} functions` : null);
        }
        if (!problem) { walls.push(r.wallMs); if (r.maxRssKb) rss.push(r.maxRssKb); }
      }
      const row = { n, via: v.via, source: v.source, reps: walls.length, wallMs: median(walls), maxRssMb: rss.length ? Math.max(...rss) / 1024 : null,
        perFunctionUs: (median(walls) * 1000) / n, problem, phases: lib?.phases ?? null, mismatches: lib?.mismatches ?? null, firstMismatch: lib?.firstMismatch ?? null };
      ctx.log(`  scan n=${n} ${v.via} ${v.source}: ${problem ?? `${row.wallMs.toFixed(0)} ms, ${row.maxRssMb?.toFixed(0)} MB`}`);
      rows.push(row);
    }
  }
  return { rows, cliMissing: ctx.cliMissing ?? null };
}
