// Records V8's code cache of dist/bundle/main.cjs (scripts/bundle.mjs runs this after writing it):
// loads it as bin/dmaown.js does, runs the common commands on the bundled samples with their output
// thrown away, and writes dist/bundle/main.cache — the build's name, then the cache, which holds the
// bytecode of main.cjs's start-up and of every function these runs compiled.
//   node scripts/bundle-train.cjs PACKAGE-DIR
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.argv[2];
const { loadBundle, cacheHead } = require(join(dir, 'bin', 'dmaown.js'));
const RUNS = [
  ['status', '--sample', 'desktop-gpu'],
  ['status', '--json', '--sample', 'server-sriov'],
  ['status', '--all', '--sample', 'dual-gpu'],
  ['check', '01:00.0', '--sample', 'desktop-gpu'],
  ['plan', '01:00.0', '--allow-group-member', '01:00.1', '--allow-group-member', '01:00.2', '--allow-group-member', '01:00.3', '--sample', 'desktop-gpu'],
  ['explain', '--sample', 'desktop-gpu'],
  ['explain', '--json', '--sample', 'server-sriov'],
];

// The cache records V8's flags and is refused where they differ: main() raises --heap-growing-percent
// (src/cli/heap.ts) after main.cjs is compiled, and V8's default (0) keeps the flags as a fresh process has them.
process.env.DMAOWN_HEAP_GROWING_PERCENT = '0';

(async () => {
  const b = loadBundle(join(dir, 'dist', 'bundle', 'main.cjs'));
  const io = { out() {}, err() {}, env: {}, isTTY: false };
  for (const argv of RUNS) {
    const code = await b.main(argv, io);
    if (code !== 0 && code !== 1) throw new Error(`dmaown ${argv.join(' ')} exited ${code}`);
  }
  writeFileSync(join(dir, 'dist', 'bundle', 'main.cache'), Buffer.concat([Buffer.from(cacheHead(b.build), 'latin1'), b.script.createCachedData()]));
})().catch((e) => { process.stderr.write(`bundle-train: ${e.message}\n`); process.exitCode = 1; });
