#!/usr/bin/env node
// The HTML report at scale (issue #17): `dmaown report --html` generation time and file size, and
// the page in headless Chromium (Debian's chromium via playwright-core): first contentful paint,
// DOMContentLoaded, load, and "ready" (data inflated, the page interactive).
//
//   node scripts/bench/bench-web.mjs [--sizes 1000,10000] [--reps 3] [--work /tmp/bench-web] [--chromium PATH]
//
// Synthetic hosts come from topology.mjs (capture files, cached per generator version). Each
// generation is a fresh `node bin/dmaown.js report --html` process; each page load a fresh browser page.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateTopology } from './topology.mjs';
import { generatorVersion, writeCapture } from './write-host.mjs';
import { median } from './proc.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const o = { sizes: [1000, 10000], reps: 3, work: '/tmp/bench-web', chromium: process.env.DMAOWN_CHROMIUM ?? '/usr/bin/chromium' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i], v = () => argv[++i];
  if (a === '--sizes') o.sizes = v().split(',').map(Number);
  else if (a === '--reps') o.reps = Number(v());
  else if (a === '--work') o.work = v();
  else if (a === '--chromium') o.chromium = v();
  else throw new Error(`unknown argument ${a}`);
}
mkdirSync(o.work, { recursive: true });
const log = (s) => process.stderr.write(`${s}\n`);
const { chromium } = await import(pathToFileURL(join(repo, 'node_modules/playwright-core/index.mjs')).href);
const browser = existsSync(o.chromium) ? await chromium.launch({ executablePath: o.chromium, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] }) : null;
if (!browser) log(`no Chromium at ${o.chromium}: page timings skipped`);

const rows = [];
for (const n of o.sizes) {
  const cap = join(o.work, `host-${n}-${generatorVersion()}.json`);
  if (!existsSync(cap)) { log(`generating ${n} functions…`); writeCapture(generateTopology(n), cap); }
  const out = join(o.work, `report-${n}.html`);
  const gen = [];
  for (let r = 0; r < o.reps; r++) {
    const t0 = performance.now();
    execFileSync(process.execPath, [join(repo, 'bin/dmaown.js'), 'report', '--html', out, '--capture', cap], { stdio: 'ignore' });
    gen.push(performance.now() - t0);
  }
  const page = { fcp: [], dcl: [], load: [], ready: [], rows: null };
  for (let r = 0; browser && r < o.reps; r++) {
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const t0 = Date.now();
    await p.goto(pathToFileURL(out).href, { timeout: 300_000 });
    await p.waitForSelector('body.ready', { timeout: 300_000 });
    const ready = Date.now() - t0;
    const m = await p.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return { fcp: fcp?.startTime ?? NaN, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, rows: document.querySelectorAll('#rows > g.node:not(.hidden)').length };
    });
    page.fcp.push(m.fcp); page.dcl.push(m.dcl); page.load.push(m.load); page.ready.push(ready); page.rows = m.rows;
    await p.close();
  }
  const row = { n, genMs: median(gen), bytes: statSync(out).size, fcpMs: median(page.fcp), dclMs: median(page.dcl), loadMs: median(page.load), readyMs: median(page.ready), rowsShown: page.rows };
  rows.push(row);
  log(JSON.stringify(row));
}
await browser?.close();
const ms = (v) => (v == null || Number.isNaN(v) ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`);
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, ${o.reps} runs each, medians\n`);
console.log('| functions | `report --html` wall | file size | rows shown at open | first contentful paint | DOMContentLoaded | load | ready (data inflated) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.n >= 1000 ? `${r.n / 1000}k` : r.n} | ${ms(r.genMs)} | ${(r.bytes / 2 ** 20).toFixed(2)} MB | ${r.rowsShown ?? '—'} | ${ms(r.fcpMs)} | ${ms(r.dclMs)} | ${ms(r.loadMs)} | ${ms(r.readyMs)} |`);
