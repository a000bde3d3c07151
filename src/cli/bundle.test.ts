import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { materializeCapture, readCaptureFile } from '../host/index.js';

/**
 * The bundle of the CLI (scripts/bundle.mjs → dist/bundle/), which bin/dmaown.js runs when it is not
 * older than tsc's output: it finds every file the CLI locates from its own module URL, starts the
 * reader's worker threads from its own file, keeps the lazily imported parts unevaluated until a
 * command imports them, prints what tsc's output prints, is compiled from its code cache when that
 * cache is its own, and never runs once tsc has rewritten dist/ after it.
 */
const checkout = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(checkout, 'bin', 'dmaown.js');
const bundleMain = join(checkout, 'dist', 'bundle', 'main.cjs');
const probe = pathToFileURL(join(checkout, 'dist', 'cli', 'testing', 'worker-probe.js')).href;
const pciIds = join(checkout, 'samples', 'pci.ids');

function dmaown(args: readonly string[], opts: { cwd: string; env?: Record<string, string>; node?: readonly string[] }): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [...(opts.node ?? []), bin, ...args], {
    cwd: opts.cwd, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, NO_COLOR: '1', COLUMNS: '120', DMAOWN_NO_BUNDLE: '', DMAOWN_READ_THREADS: '', ...opts.env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function assertBuilt(): void {
  assert.ok(existsSync(bundleMain), 'dist/bundle/main.cjs is missing: npm run build (or npm test) makes it');
  assert.ok(statSync(bundleMain).mtimeMs >= statSync(join(checkout, 'dist', 'cli', 'main.js')).mtimeMs, 'the bundle is older than tsc\'s output: npm run build');
}

test('a worker-using read from the bundle (DMAOWN_READ_THREADS=2, a sample as a tree): the worker is dist/bundle/describe-worker.js, it loads and ends well, and the output is tsc\'s output\'s', () => {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-bundle-'));
  try {
    for (const f of [join(checkout, 'samples', 'desktop-gpu.json'), join(checkout, '..', 'shared', 'hosts', 'qemu-q35-6.12.json')]) {
      const c = readCaptureFile(f);
      assert.ok(c.ok, f);
      const root = join(dir, String(statSync(f).ino));
      assert.ok(materializeCapture(c.value, root).ok, f);
      const args = ['status', '--sysfs-root', root, '--pci-ids', pciIds];
      const runs = ['', '1'].map((noBundle) => dmaown(args, { cwd: dir, env: { DMAOWN_READ_THREADS: '2', DMAOWN_NO_BUNDLE: noBundle }, node: ['--import', probe] }));
      const [bundled, tsc] = runs as [ReturnType<typeof dmaown>, ReturnType<typeof dmaown>];
      const probeLines = (err: string): string[] => err.split('\n').filter((l) => l.startsWith('worker-probe: '));
      assert.deepEqual(probeLines(bundled.err), [`worker-probe: start ${pathToFileURL(join(checkout, 'dist', 'bundle', 'describe-worker.js')).href}`, 'worker-probe: exit 0'], `${f}: ${bundled.err}`);
      assert.deepEqual(probeLines(tsc.err), [`worker-probe: start ${pathToFileURL(join(checkout, 'dist', 'host', 'describe-worker.js')).href}`, 'worker-probe: exit 0'], `${f}: ${tsc.err}`);
      assert.equal(bundled.code, 0, bundled.err);
      assert.equal(bundled.code, tsc.code);
      assert.ok(/IOMMU group/.test(bundled.out), bundled.out);
      assert.equal(bundled.out, tsc.out, f);
      assert.deepEqual(bundled.err.split('\n').filter((l) => !l.startsWith('worker-probe: ')), tsc.err.split('\n').filter((l) => !l.startsWith('worker-probe: ')));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('from the bundle, run from another directory: samples/, package.json, the report\'s page script and the lazily imported parts work, and every output equals tsc\'s output\'s', () => {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-bundle-'));
  try {
    const version = (JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')) as { version: string }).version;
    const trace = join(checkout, '..', 'shared', 'conformance', '6.1', 'S0.json');
    const paste = join(checkout, 'fixtures', 'pastes', 'public', 'arch-loop-nnks.txt');
    const cases: string[][] = [
      ['--no-color', '-V'],
      ['--sample', 'desktop-gpu'],
      ['status', '--json', '--sample', 'dual-gpu', '--pci-ids', pciIds],
      ['explain', '--sample', 'desktop-gpu', '--pci-ids', pciIds],
      ['check', '01:00.0', '--sample', 'desktop-gpu', '--pci-ids', pciIds],
      ['plan', '01:00.0', '--allow-group-member', '01:00.1', '--allow-group-member', '01:00.2', '--allow-group-member', '01:00.3', '--sample', 'desktop-gpu', '--persist=modprobe'],
      ['vm-config', '01:00.0', '01:00.1', '01:00.2', '01:00.3', '--format', 'qemu', '--sample', 'desktop-gpu'],
      ['export', '--format', 'prometheus', '--sample', 'desktop-gpu'],
      ['verify', '--devices', '2', '--kernel', '6.1'],
      ['conform', trace],
      ['import', paste],
      ['demo'],
      ['report', '--html', join(dir, 'OUT.html'), '--sample', 'desktop-gpu'],
      ['status', '--sample', 'no-such-sample'],
    ];
    for (const args of cases) {
      const bundled = dmaown(args, { cwd: dir });
      const html = args[0] === 'report' ? readFileSync(join(dir, 'OUT.html'), 'utf8') : '';
      const tsc = dmaown(args, { cwd: dir, env: { DMAOWN_NO_BUNDLE: '1' } });
      // verify says how long its search took, export when it wrote.
      const timeless = (r: ReturnType<typeof dmaown>): ReturnType<typeof dmaown> => ({ ...r, out: r.out.replace(/, \d+\.\d+ s$/gm, '').replace(/^dmaown_export_timestamp_seconds \d+$/m, 'dmaown_export_timestamp_seconds T') });
      assert.deepEqual(timeless(bundled), timeless(tsc), args.join(' '));
      if (args[0] === 'report') assert.equal(html, readFileSync(join(dir, 'OUT.html'), 'utf8'), 'report --html');
      assert.ok(!/internal error|ERR_MODULE_NOT_FOUND|Cannot find/.test(bundled.err), `${args.join(' ')}: ${bundled.err}`);
    }
    const v = dmaown(['--no-color', '-V'], { cwd: dir });
    assert.equal(v.out, `${version}\n`);
    const s = dmaown(['--sample', 'desktop-gpu'], { cwd: dir });
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /^sample desktop-gpu: kernel /);
    const bad = dmaown(['status', '--sample', 'no-such-sample'], { cwd: dir });
    assert.match(bad.err, /samples: .*desktop-gpu/, 'the samples directory is listed from the bundle');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale bundle never runs: bin/dmaown.js takes dist/bundle/main.cjs only when it is not older than dist/cli/main.js (which every tsc run rewrites)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-stale-'));
  try {
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
    mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
    copyFileSync(bin, join(dir, 'bin', 'dmaown.js'));
    copyFileSync(join(checkout, 'bin', 'package.json'), join(dir, 'bin', 'package.json'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'dmaown', version: '1.2.3', type: 'module' }));
    const tscMain = join(dir, 'dist', 'cli', 'main.js');
    const bundled = join(dir, 'dist', 'bundle', 'main.cjs');
    writeFileSync(tscMain, 'export async function main() { process.stdout.write("tsc\\n"); return 0; }\n');
    writeFileSync(bundled, '/*dmaown-build:0123456789abcdef*/\nmodule.exports = { main: async () => { process.stdout.write("bundle\\n"); return 0; } };\n');
    const which = (env: Record<string, string> = {}): string => {
      const r = spawnSync(process.execPath, [join(dir, 'bin', 'dmaown.js'), 'status'], { encoding: 'utf8', env: { ...process.env, DMAOWN_NO_BUNDLE: '', ...env } });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const at = (file: string, s: number): void => utimesSync(file, s, s);
    // Built in order (tsc, then the bundle): the bundle.
    at(tscMain, 1_700_000_000); at(bundled, 1_700_000_001);
    assert.equal(which(), 'bundle\n');
    // Both from one package tarball (npm pack gives every file one mtime): the bundle.
    at(bundled, 1_700_000_000);
    assert.equal(which(), 'bundle\n');
    // tsc ran after the bundle (an edit, then `npx tsc -p .`): tsc's output, never the stale bundle.
    at(tscMain, 1_700_000_002);
    assert.equal(which(), 'tsc\n');
    // A tsc run a millisecond later is enough.
    utimesSync(tscMain, 1_700_000_001.001, 1_700_000_001.001); at(bundled, 1_700_000_001);
    assert.equal(which(), 'tsc\n');
    // Asked for (after `tsc --watch`, which rewrites only the files that changed): tsc's output.
    at(tscMain, 1_700_000_000);
    assert.equal(which(), 'bundle\n');
    assert.equal(which({ DMAOWN_NO_BUNDLE: '1' }), 'tsc\n');
    // No bundle (tsc alone after `rm -rf dist`, or an install without esbuild): tsc's output.
    rmSync(bundled);
    assert.equal(which(), 'tsc\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the code cache: V8 takes main.cache on this build; one made for another build of main.cjs is not offered, a damaged one is refused by V8, and every answer is the same', () => {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-cache-'));
  try {
    // A package of its own with this build's bundle (samples/ and package.json where main.cjs looks for them).
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
    mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
    copyFileSync(bin, join(dir, 'bin', 'dmaown.js'));
    copyFileSync(join(checkout, 'bin', 'package.json'), join(dir, 'bin', 'package.json'));
    copyFileSync(join(checkout, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(checkout, 'samples'), join(dir, 'samples'));
    writeFileSync(join(dir, 'dist', 'cli', 'main.js'), 'export async function main() { process.stdout.write("tsc\\n"); return 0; }\n');
    utimesSync(join(dir, 'dist', 'cli', 'main.js'), 1_700_000_000, 1_700_000_000);
    copyFileSync(bundleMain, join(dir, 'dist', 'bundle', 'main.cjs'));
    const cache = readFileSync(join(checkout, 'dist', 'bundle', 'main.cache'));
    const build = /^\/\*dmaown-build:([0-9a-f]+)\*\//.exec(readFileSync(bundleMain, 'utf8'))?.[1];
    assert.ok(build !== undefined, 'main.cjs starts with its build\'s name');
    assert.equal(cache.subarray(0, 40).toString('latin1').trim(), `dmaown-build:${build}`);
    const args = ['status', '--sample', 'desktop-gpu', '--pci-ids', pciIds];
    const runHere = (): { out: string; err: string; code: number | null } => {
      const r = spawnSync(process.execPath, [join(dir, 'bin', 'dmaown.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '120', DMAOWN_NO_BUNDLE: '', DMAOWN_DEBUG_START: '1' } });
      return { out: r.stdout, err: r.stderr, code: r.status };
    };
    const expected = dmaown(args, { cwd: dir, env: { DMAOWN_NO_BUNDLE: '1' } });
    assert.equal(expected.code, 0, expected.err);
    const cases: [string, Buffer | null][] = [
      ['accepted', cache],
      // Another build's cache (the name differs): not offered to V8 at all.
      ['none', Buffer.concat([Buffer.from('dmaown-build:ffffffffffffffff'.padEnd(40), 'latin1'), cache.subarray(40)])],
      // This build's name over damaged data: V8 checks it and compiles main.cjs as usual.
      ['rejected', Buffer.concat([cache.subarray(0, 40), Buffer.alloc(cache.length - 40, 7)])],
      ['none', null],
    ];
    for (const [verdict, data] of cases) {
      rmSync(join(dir, 'dist', 'bundle', 'main.cache'), { force: true });
      if (data !== null) writeFileSync(join(dir, 'dist', 'bundle', 'main.cache'), data);
      const r = runHere();
      assert.equal(r.err, `dmaown: running dist/bundle/main.cjs, code cache ${verdict}\n`, verdict);
      assert.equal(r.out, expected.out, verdict);
      assert.equal(r.code, 0);
    }
    // The checkout's own build, as a user runs it.
    const own = dmaown(args, { cwd: dir, env: { DMAOWN_DEBUG_START: '1' } });
    assert.equal(own.err, 'dmaown: running dist/bundle/main.cjs, code cache accepted\n', 'the build\'s cache is taken (no NODE_OPTIONS that change V8\'s flags?)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundle keeps start-up lazy: --help through the whole CLI evaluates no module of src/model, src/host or src/assign; status does (source maps lead back to src/*.ts)', () => {
  assertBuilt();
  // Which of the bundle's lazily evaluated modules run: esbuild's __esm wrapper, made to say so.
  const probeRun = (argv: string[]): string[] => {
    const script = `
      const { readFileSync } = require('node:fs'); const vm = require('node:vm'); const { pathToFileURL } = require('node:url');
      const file = ${JSON.stringify(bundleMain)};
      const src = readFileSync(file, 'utf8');
      const m = /var __esm=\\(([a-z0-9_$]+)[^)]*\\)=>function\\(\\)\\{/i.exec(src);
      if (!m) throw new Error('no __esm helper in main.cjs');
      globalThis.__inits = [];
      const probed = src.replace(m[0], m[0] + 'if(' + m[1] + ')globalThis.__inits.push(Object.keys(' + m[1] + ')[0]);');
      const mod = { exports: {} };
      new vm.Script('(function (exports, require, module, __filename, __dirname, __dmaownModuleUrl) {' + probed + '\\n})', { filename: file })
        .runInThisContext()(mod.exports, require, mod, file, require('node:path').dirname(file), pathToFileURL(file).href);
      mod.exports.main(${JSON.stringify(argv)}, { out() {}, err() {}, env: {}, isTTY: false }).then((code) => console.log(JSON.stringify({ code, inits: globalThis.__inits })));`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: checkout, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { code: number; inits: string[] };
    assert.equal(res.code, 0, argv.join(' '));
    return res.inits;
  };
  const heavy = (inits: string[]): string[] => inits.filter((i) => /^dist\/(model|host|assign)\//.test(i));
  assert.deepEqual(heavy(probeRun(['--no-color', '--help'])), []);
  const status = probeRun(['status', '--sample', 'desktop-gpu']);
  assert.ok(heavy(status).length > 50, `status evaluates the model, the host layer and assign: ${status.length} modules`);
  // The source map leads to the TypeScript.
  const map = JSON.parse(readFileSync(`${bundleMain}.map`, 'utf8')) as { sources: string[] };
  const sources = map.sources.map((s) => resolve(dirname(bundleMain), s));
  assert.ok(sources.includes(join(checkout, 'src', 'cli', 'main.ts')), 'the source map leads to src/cli/main.ts');
  assert.ok(sources.includes(join(checkout, 'src', 'model', 'index.ts')) || sources.some((s) => s.startsWith(join(checkout, 'src', 'model'))), 'and to src/model');
});
