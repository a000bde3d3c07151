#!/usr/bin/env node
// CPU profile of one dmaown run, summarised as the hottest functions by self time, mapped back to
// src/*.ts lines through the compiled source maps.
//   node scripts/bench/profile.mjs [--root DIR] [--top N] -- <script.js> [args...]
// e.g. node scripts/bench/profile.mjs --root /tmp/bench-root -- /tmp/bench-root/bin/dmaown.js status --json --sysfs-root /tmp/bench/hosts/host-10000/sys

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Self time per function from a .cpuprofile object: [{ name, url, line, col, selfMs }], descending. */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) self.set(samples[i], (self.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // For native and node:internal frames, the nearest caller in our own code (dist/ or scripts/).
  // Port adapters (one syscall per call) are skipped: the reader that asked is more telling.
  const callerOf = (id) => {
    for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
      const cf = byId.get(p).callFrame;
      if (cf.url.startsWith('file://') && !cf.url.includes('/node_modules/') && !/-port\.js$/.test(cf.url)) return cf;
    }
    return null;
  };
  const agg = new Map();
  for (const [id, us] of self) {
    const cf = byId.get(id).callFrame;
    const own = cf.url.startsWith('file://');
    const caller = own ? null : callerOf(id);
    const key = `${cf.functionName}|${cf.url}|${cf.lineNumber}|${cf.columnNumber}|${caller ? `${caller.url}:${caller.lineNumber}` : ''}`;
    const e = agg.get(key) ?? { name: cf.functionName || '(anonymous)', url: cf.url, line: cf.lineNumber, col: cf.columnNumber, selfMs: 0,
      caller: caller ? { name: caller.functionName || '(anonymous)', url: caller.url, line: caller.lineNumber, col: caller.columnNumber } : null };
    e.selfMs += us / 1000;
    agg.set(key, e);
  }
  return [...agg.values()].sort((a, b) => b.selfMs - a.selfMs);
}

const maps = new Map();
/** 'src/host/describe.ts:42' for a compiled dist frame with a source map, else the frame's own place. */
export function originalPlace(url, line, col, repoRoot) {
  if (!url.startsWith('file://')) return url ? `${url}:${line + 1}` : '(native)';
  const file = fileURLToPath(url);
  const mapFile = `${file}.map`;
  if (existsSync(mapFile)) {
    if (!maps.has(mapFile)) maps.set(mapFile, new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))));
    const e = maps.get(mapFile).findEntry(line, col);
    if (e && e.originalSource) {
      const src = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : join(file, '..', e.originalSource);
      return `${relative(repoRoot, src).replace(/^(\.\.\/)+/, '')}:${e.originalLine + 1}`;
    }
  }
  return `${relative(repoRoot, file)}:${line + 1}`;
}

/**
 * Runs `node --cpu-prof <nodeArgs>` and returns the `top` hottest functions by self time, each with
 * its src/ place: [{ name, where, selfMs, share }], plus totalMs.
 */
export function profileRun(nodeArgs, { root, top = 12 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
  try {
    try {
      execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...nodeArgs], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
    } catch (e) {
      if (e.status === null || e.status > 2) throw new Error(`profiled run exited ${e.status ?? e.signal}: ${String(e.stderr).slice(-300)}`);
    }
    // One profile per thread (the tree reader's workers write their own): their self times are added up.
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    const byKey = new Map();
    for (const file of files) {
      for (const r of selfTimes(JSON.parse(readFileSync(join(dir, file), 'utf8')))) {
        const key = `${r.name}|${r.url}|${r.line}|${r.col}|${r.caller ? `${r.caller.url}:${r.caller.line}` : ''}`;
        const e = byKey.get(key);
        if (e) e.selfMs += r.selfMs; else byKey.set(key, { ...r });
      }
    }
    const rows = [...byKey.values()].sort((a, b) => b.selfMs - a.selfMs);
    const totalMs = rows.reduce((a, r) => a + r.selfMs, 0);
    const place = (r) => originalPlace(r.url, r.line, r.col, root ?? process.cwd());
    return { totalMs, threads: files.length, top: rows.slice(0, top).map((r) => ({ name: r.name, where: r.caller ? `${place(r)} ← \`${r.caller.name}\` ${place(r.caller)}` : place(r), selfMs: r.selfMs, share: r.selfMs / totalMs })) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const sep = argv.indexOf('--');
  if (sep < 0) throw new Error('usage: profile.mjs [--root DIR] [--top N] -- script.js [args...]');
  const opts = argv.slice(0, sep);
  const root = opts.includes('--root') ? opts[opts.indexOf('--root') + 1] : process.cwd();
  const top = opts.includes('--top') ? Number(opts[opts.indexOf('--top') + 1]) : 15;
  const r = profileRun(argv.slice(sep + 1), { root, top });
  console.log('| self time | share | function | where (natives: ← nearest caller of ours) |\n|---|---|---|---|');
  for (const t of r.top) console.log(`| ${t.selfMs.toFixed(0)} ms | ${(100 * t.share).toFixed(1)}% | \`${t.name}\` | ${t.where} |`);
  console.log(`\nTotal sampled: ${r.totalMs.toFixed(0)} ms.`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main().catch((e) => { console.error(`profile: ${e.message}`); process.exitCode = 1; });
