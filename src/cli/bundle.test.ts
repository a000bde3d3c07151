import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { materializeCapture, readCaptureFile } from '../host/index.js';

/**
 * The bundle of the CLI (scripts/bundle.mjs → dist/bundle/), which bin/dmaown.js runs when it is not
 * older than tsc's output: it finds every file the CLI locates from its own module URL, starts the
 * reader's worker threads from its own file, keeps the lazily loaded parts lazy, prints what tsc's
 * output prints, and never runs once tsc has rewritten dist/ after it.
 */
const checkout = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(checkout, 'bin', 'dmaown.js');
const bundleMain = join(checkout, 'dist', 'bundle', 'main.js');
const probe = pathToFileURL(join(checkout, 'dist', 'cli', 'testing', 'worker-probe.js')).href;
const pciIds = join(checkout, 'samples', 'pci.ids');

function dmaown(args: readonly string[], opts: { cwd: string; env?: Record<string, string>; node?: readonly string[] }): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [...(opts.node ?? []), bin, ...args], {
    cwd: opts.cwd, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, NO_COLOR: '1', COLUMNS: '120', DMAOWN_NO_BUNDLE: '', DMAOWN_READ_THREADS: '', ...opts.env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function assertBuilt(): void {
  assert.ok(existsSync(bundleMain), 'dist/bundle/main.js is missing: npm run build (or npm test) makes it');
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

test('from the bundle, run from another directory: samples/, package.json, the report\'s page script and the lazy parts are found, and every output equals tsc\'s output\'s', () => {
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

test('a stale bundle never runs: bin/dmaown.js takes dist/bundle/main.js only when it is not older than dist/cli/main.js (which every tsc run rewrites)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-stale-'));
  try {
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
    mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
    copyFileSync(bin, join(dir, 'bin', 'dmaown.js'));
    copyFileSync(join(checkout, 'bin', 'package.json'), join(dir, 'bin', 'package.json'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'dmaown', version: '1.2.3', type: 'module' }));
    const tscMain = join(dir, 'dist', 'cli', 'main.js');
    const bundled = join(dir, 'dist', 'bundle', 'main.js');
    writeFileSync(tscMain, 'export async function main() { process.stdout.write("tsc\\n"); return 0; }\n');
    writeFileSync(bundled, 'export async function main() { process.stdout.write("bundle\\n"); return 0; }\n');
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

test('the bundle keeps start-up lazy: what dist/bundle/main.js imports statically holds nothing of src/model, src/host or src/assign, nor hono (source maps lead back to src/*.ts)', () => {
  assertBuilt();
  const dir = dirname(bundleMain);
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:\bfrom|\bimport)\s*"(\.\/[^"]+)"/g)) visit(resolve(dir, m[1] ?? ''));
  };
  visit(bundleMain);
  assert.ok(seen.size >= 2 && seen.size <= 6, `main.js and the chunks it needs to start: ${[...seen].join(', ')}`);
  const sources = [...seen].flatMap((f) => {
    const map = JSON.parse(readFileSync(`${f}.map`, 'utf8')) as { sources: string[] };
    return map.sources.map((s) => resolve(dir, s));
  });
  assert.ok(sources.some((s) => s.endsWith('/src/cli/main.ts')), 'the source map leads to src/cli/main.ts');
  assert.ok(sources.some((s) => s.includes('/node_modules/commander/')), 'commander is bundled');
  const heavy = sources.filter((s) => /\/src\/(model|host|assign)\/|\/node_modules\/(hono|@hono)\//.test(s));
  assert.deepEqual(heavy, []);
  // The lazy parts are there, each a file of its own, imported when a command needs it.
  const all = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  for (const chunk of ['core', 'web', 'verify', 'import', 'conform', 'identity']) assert.match(all, new RegExp(`import\\("\\./${chunk}-[A-Z0-9]+\\.js"\\)`), chunk);
});
