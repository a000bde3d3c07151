#!/usr/bin/env node
// dmaown benchmarks (issue #7). `npm run bench` builds and runs all of them; see BENCHMARKS.md.
//
//   node scripts/bench/run.js [--quick] [--only side,phases,scan,peers,model,cli,profile,export] [--sizes 1000,10000]
//                             [--reps N] [--cap SECONDS] [--work DIR] [--markdown FILE] [--root DIR] [--baseline DIR]
//
// Generated hosts (directory trees + capture files) go to --work (default /tmp/bench) and are
// reused while the generator is unchanged. Results: <work>/results.json and <work>/report.md.
// Each benchmark is skipped, with the reason, when the part of dmaown it needs is not built.
// --root: a directory with bin/, dist/, package.json and node_modules/ to benchmark instead of the
// checkout (e.g. a build made with `tsc --outDir` elsewhere while others work in the checkout).
// --baseline: another such directory (e.g. main before a change) whose report the side-by-side run adds.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureHost, warmTree } from './write-host.mjs';
import { cliMissing } from './dmaown.mjs';
import { benchScan } from './bench-scan.mjs';
import { benchPeers } from './bench-peers.mjs';
import { benchModel } from './bench-model.mjs';
import { benchCli, sampleName } from './bench-cli.mjs';
import { renderAll } from './report.mjs';
import { benchProfile } from './bench-profile.mjs';
import { benchExport } from './bench-export.mjs';
import { benchSide } from './bench-side.mjs';
import { benchPhases } from './bench-phases.mjs';

const checkout = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
let repo = checkout;
const ALL = ['side', 'phases', 'scan', 'peers', 'model', 'cli', 'profile', 'export'];
/** `npm run bench`: the side-by-side run, the phases and profiles of dmaown's report, and its cold start (the others: --only). */
const DEFAULT = ['side', 'phases', 'cli', 'profile'];

function parseArgs(argv) {
  const o = { root: null, baseline: null, quick: false, only: DEFAULT, sizes: null, reps: null, cap: null, work: '/tmp/bench', markdown: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = val().split(',');
    else if (a === '--sizes') o.sizes = val().split(',').map(Number);
    else if (a === '--reps') o.reps = Number(val());
    else if (a === '--cap') o.cap = Number(val());
    else if (a === '--work') o.work = val();
    else if (a === '--markdown') o.markdown = val();
    else if (a === '--root') o.root = resolve(val());
    else if (a === '--baseline') o.baseline = resolve(val());
    else if (a === '-h' || a === '--help') { console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 10).join('\n')); process.exit(0); }
    else throw new Error(`unknown argument ${a}`);
  }
  for (const b of o.only) if (!ALL.includes(b)) throw new Error(`--only: unknown benchmark ${b} (one of ${ALL.join(', ')})`);
  if (o.sizes?.some((n) => !Number.isInteger(n) || n < 2)) throw new Error('--sizes: integers >= 2');
  return o;
}

const tryRun = (cmd, args) => { try { return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim(); } catch { return null; } };

export function machineInfo() {
  const dpkg = (p) => tryRun('dpkg-query', ['-W', '-f', '${Version}', p]);
  return {
    nproc: tryRun('nproc', []), cpu: cpus()[0]?.model, memoryGb: (totalmem() / 2 ** 30).toFixed(1), kernel: tryRun('uname', ['-r']),
    node: process.version, dmaownCommit: tryRun('git', ['-C', checkout, 'rev-parse', '--short', 'HEAD']),
    dmaownDirty: (tryRun('git', ['-C', checkout, 'status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
    lspci: tryRun('lspci', ['--version']), pciutils: dpkg('pciutils'), driverctl: dpkg('driverctl'), dpdk: dpkg('dpdk'),
    python: tryRun('/usr/bin/python3', ['--version']), bash: tryRun('bash', ['-c', 'echo $BASH_VERSION']), hyperfine: tryRun('hyperfine', ['--version']),
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.root) repo = o.root;
  const log = (s) => process.stderr.write(`${s}\n`);
  mkdirSync(o.work, { recursive: true });
  const sizes = o.sizes ?? (o.quick ? [100, 1000] : [1000, 10_000, 50_000]);
  const hosts = new Map();
  const ctx = {
    only: o.only, baseline: o.baseline, repo, checkout, work: o.work, quick: o.quick, sizes, log, reps: o.reps ?? 3, capMs: (o.cap ?? (o.quick ? 20 : 90)) * 1000,
    host: (n) => {
      if (!hosts.has(n)) {
        const h = ensureHost(n, join(o.work, 'hosts'), log);
        const t0 = performance.now();
        warmTree(h.tree);
        readFileSync(h.capture);
        log(`  warmed host-${n} (tree + capture read once, untimed) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        hosts.set(n, h);
      }
      return hosts.get(n);
    },
  };
  const res = { started: new Date().toISOString(), quick: o.quick, loadStart: loadavg().map((x) => x.toFixed(2)).join(' '), machine: machineInfo() };
  log(`dmaown benchmarks: ${o.only.join(', ')}; sizes ${sizes.join(', ')}; work dir ${o.work}`);
  const needsCli = o.only.some((b) => b !== 'model');
  const missing = needsCli ? await cliMissing(repo) : null;
  if (missing) log(`CLI not usable, skipping scan/peers/cli: ${missing}`);
  ctx.sample = sampleName(repo);
  for (const name of o.only) {
    log(`== ${name}`);
    try {
      if (name === 'model') res.model = await benchModel(ctx);
      else if (name === 'profile') res.profile = await benchProfile({ ...ctx, cliMissing: missing });
      else if (missing && name === 'peers') res.peers = await benchPeers({ ...ctx, cliMissing: missing });
      else if (missing && name === 'scan') res.scan = await benchScan({ ...ctx, cliMissing: missing });
      else if (missing) res[name] = { skipped: `dmaown CLI not usable: ${missing}` };
      else if (name === 'side') res.side = await benchSide(ctx);
      else if (name === 'phases') res.phases = await benchPhases(ctx);
      else if (name === 'scan') res.scan = await benchScan(ctx);
      else if (name === 'peers') res.peers = await benchPeers(ctx);
      else if (name === 'cli') res.cli = await benchCli(ctx);
      else if (name === 'export') res.export = await benchExport(ctx);
    } catch (e) {
      res[name] = { skipped: `harness error: ${e?.stack ?? e}` };
      log(`  ${name} failed: ${e?.stack ?? e}`);
    }
  }
  if (hosts.size) res.hosts = [...hosts.values()];
  res.finished = new Date().toISOString();
  res.loadEnd = loadavg().map((x) => x.toFixed(2)).join(' ');
  const md = renderAll(res);
  writeFileSync(join(o.work, 'results.json'), JSON.stringify(res, null, 2));
  writeFileSync(join(o.work, 'report.md'), md);
  if (o.markdown) writeFileSync(o.markdown, md);
  console.log(md);
  log(`results: ${join(o.work, 'results.json')}, ${join(o.work, 'report.md')}`);
}

main().catch((e) => { console.error(`bench: ${e?.message ?? e}`); process.exitCode = 1; });
