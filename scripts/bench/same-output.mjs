#!/usr/bin/env node
// "Nothing given up": records what a build of dmaown prints (stdout, stderr, exit code) for every
// bundled sample, every shared capture, the same hosts materialised as directory trees, and generated
// hosts (tree and capture), for status / status --json / status --all / explain / check / plan, and
// compares two such records byte for byte. Used to prove that a speed change leaves every group,
// verdict and explanation as it was:
//
//   scripts/bench/build-root.sh /tmp/before              # on the old commit
//   node scripts/bench/same-output.mjs --root /tmp/before --out /tmp/out-before [--sizes 1000,10000]
//   node scripts/bench/same-output.mjs --root . --out /tmp/out-after [--sizes 1000,10000]
//   node scripts/bench/same-output.mjs --diff /tmp/out-before /tmp/out-after
//
// Names come from samples/pci.ids (--pci-ids), so an installed or updated system pci.ids changes nothing.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureHost } from './write-host.mjs';

const checkout = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function parseArgs(argv) {
  const o = { root: null, out: null, sizes: [1000], work: '/tmp/bench', diff: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--root') o.root = resolve(val());
    else if (a === '--out') o.out = resolve(val());
    else if (a === '--sizes') o.sizes = val().split(',').filter((s) => s !== '').map(Number);
    else if (a === '--work') o.work = val();
    else if (a === '--diff') o.diff = [resolve(val()), resolve(val())];
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

/** The hosts: [name, host options]. Trees of the samples and captures are materialised under `tmp`. */
export async function cases(root, sizes, work, tmp) {
  const { materializeCapture } = await import(pathToFileURL(join(root, 'dist', 'host', 'materialize.js')).href);
  const { readCaptureFile } = await import(pathToFileURL(join(root, 'dist', 'host', 'index.js')).href);
  const out = [];
  const files = [
    ...readdirSync(join(checkout, 'samples')).filter((f) => f.endsWith('.json')).map((f) => ['sample', join(checkout, 'samples', f)]),
    ...(existsSync(join(checkout, '..', 'shared', 'hosts')) ? readdirSync(join(checkout, '..', 'shared', 'hosts')).filter((f) => f.endsWith('.json')).map((f) => ['capture', join(checkout, '..', 'shared', 'hosts', f)]) : []),
  ];
  for (const [kind, f] of files) {
    const name = basename(f, '.json');
    out.push([`${kind}-${name}`, kind === 'sample' ? ['--sample', name] : ['--capture', f]]);
    const c = readCaptureFile(f);
    if (!c.ok) throw new Error(`${f}: ${c.why}`);
    const dir = join(tmp, `${kind}-${name}`);
    const m = materializeCapture(c.value, dir);
    if (!m.ok) throw new Error(`${f}: ${m.why}`);
    out.push([`tree-${kind}-${name}`, ['--sysfs-root', dir]]);
  }
  for (const n of sizes) {
    const h = ensureHost(n, join(work, 'hosts'), (s) => process.stderr.write(`${s}\n`));
    out.push([`generated-${n}-tree`, ['--sysfs-root', dirname(h.tree)]]);
    out.push([`generated-${n}-capture`, ['--capture', h.capture]]);
  }
  return out;
}

function run(root, args) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'dmaown.js'), ...args, '--pci-ids', join(checkout, 'samples', 'pci.ids')], {
    env: { ...process.env, NO_COLOR: '1', COLUMNS: '120', DMAOWN_DEBUG: '' }, maxBuffer: 1 << 30, encoding: 'utf8',
  });
  return `exit ${r.status ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Endpoint functions to ask check/plan/explain about: the first, middle and last endpoint of the status listing. */
function pickBdfs(statusJson) {
  let s;
  try { s = JSON.parse(statusJson); } catch { return []; }
  const eps = (s.groups ?? []).flatMap((g) => g.devices.filter((d) => d.infrastructure === null).map((d) => d.bdf));
  return [...new Set([eps[0], eps[eps.length >> 1], eps[eps.length - 1]].filter((b) => b !== undefined))];
}

async function record(o) {
  mkdirSync(o.out, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'same-output-'));
  try {
    for (const [name, host] of await cases(o.root, o.sizes, o.work, tmp)) {
      const t0 = performance.now();
      const cmds = [['status'], ['status', '--json'], ['status', '--all', '--wide'], ['explain'], ['explain', '--json']];
      const statusJson = spawnSync(process.execPath, [join(o.root, 'bin', 'dmaown.js'), 'status', '--json', ...host, '--pci-ids', join(checkout, 'samples', 'pci.ids')], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout;
      for (const b of pickBdfs(statusJson)) cmds.push(['check', b], ['check', b, '--json'], ['plan', b], ['plan', b, '--json'], ['explain', b]);
      cmds.forEach((c, i) => {
        // The host path differs between runs (temporary trees): printed paths are made relative to it.
        let text = run(o.root, [...c, ...host]);
        text = text.split(tmp).join('<TMP>');
        writeFileSync(join(o.out, `${name}.${String(i).padStart(2, '0')}.${c.join('_').replace(/[^A-Za-z0-9_.-]/g, '-')}.txt`), text);
      });
      process.stderr.write(`  ${name}: ${cmds.length} commands in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function diff([a, b]) {
  const fa = readdirSync(a).sort(), fb = readdirSync(b).sort();
  let bad = 0;
  for (const f of new Set([...fa, ...fb])) {
    if (!fa.includes(f) || !fb.includes(f)) { console.log(`only in ${fa.includes(f) ? a : b}: ${f}`); bad++; continue; }
    const x = readFileSync(join(a, f)), y = readFileSync(join(b, f));
    if (!x.equals(y)) {
      bad++;
      const lx = x.toString().split('\n'), ly = y.toString().split('\n');
      const i = lx.findIndex((l, k) => l !== ly[k]);
      console.log(`differs: ${f} (line ${i + 1})\n  - ${(lx[i] ?? '<end>').slice(0, 200)}\n  + ${(ly[i] ?? '<end>').slice(0, 200)}`);
    }
  }
  console.log(`${fa.length} outputs compared, ${bad} differ`);
  return bad === 0 ? 0 : 1;
}

const o = parseArgs(process.argv.slice(2));
if (o.diff) process.exitCode = diff(o.diff);
else if (o.root && o.out) await record(o);
else { console.error('usage: same-output.mjs --root DIR --out DIR [--sizes 1000] | --diff A B'); process.exitCode = 2; }
