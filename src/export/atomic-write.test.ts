import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomic } from './atomic-write.js';
import { nodeWritePort, type WritePort } from './write-port.js';
import { err } from '../model/errno.js';
import { run } from '../cli/testing/cli.js';

const withDir = async (f: (dir: string) => Promise<void> | void): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-atomic-'));
  try { await f(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
};

test('a writer killed between write and rename leaves the previous file intact (a real child process, SIGKILL)', async () => {
  await withDir(async (dir) => {
    const target = join(dir, 'dmaown.prom');
    writeFileSync(target, 'dmaown_export_timestamp_seconds 1\n');
    const next = `dmaown_export_timestamp_seconds 2\n${'# padding\n'.repeat(20000)}`;
    const source = join(dir, 'next.txt');
    writeFileSync(source, next);
    const child = spawn(process.execPath, [join(process.cwd(), 'dist/export/testing/crash-writer.js'), target, source], { stdio: ['ignore', 'pipe', 'inherit'] });
    const tmp = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^before-rename (\S+)$/m.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before reaching rename: ${out}`)));
    });
    // The new content is complete on disk in the temporary file; the target is not touched yet.
    assert.equal(readFileSync(tmp, 'utf8'), next);
    const died = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
    child.kill('SIGKILL');
    assert.equal(await died, 'SIGKILL');
    assert.equal(readFileSync(target, 'utf8'), 'dmaown_export_timestamp_seconds 1\n');
    assert.ok(existsSync(tmp), 'the killed writer left its temporary file');
    // The next write replaces the target and removes the stale temporary file.
    utimesSync(tmp, new Date(0), new Date(0));
    const w = writeAtomic(nodeWritePort(), target, 'dmaown_export_timestamp_seconds 3\n');
    assert.ok(w.ok);
    assert.equal(readFileSync(target, 'utf8'), 'dmaown_export_timestamp_seconds 3\n');
    assert.deepEqual(readdirSync(dir).sort(), ['dmaown.prom', 'next.txt']);
  });
});

test('every failing step leaves the target as it was and removes the temporary file', async () => {
  for (const step of ['write', 'fsync', 'close', 'rename'] as const) {
    await withDir((dir) => {
      const target = join(dir, 'f');
      writeFileSync(target, 'old');
      const real = nodeWritePort();
      const fail = (...a: unknown[]): ReturnType<WritePort['close']> => {
        if (step === 'close') real.close(a[0] as number);
        return err('ENOSPC', `${step} failed`);
      };
      const failing: WritePort = { ...real, [step]: fail };
      const r = writeAtomic(failing, target, 'new');
      assert.equal(r.ok, false, step);
      assert.ok(!r.ok && r.errno === 'ENOSPC' && /left as it was/.test(r.why), step);
      assert.equal(readFileSync(target, 'utf8'), 'old', step);
      assert.deepEqual(readdirSync(dir), ['f'], step);
    });
  }
});

test('refused targets: a symlink (never followed), a directory, a missing directory; a new file is created', async () => {
  await withDir((dir) => {
    const port = nodeWritePort();
    writeFileSync(join(dir, 'real'), 'keep');
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    const l = writeAtomic(port, join(dir, 'link'), 'x');
    assert.ok(!l.ok && l.errno === 'ELOOP' && /symbolic link/.test(l.why));
    assert.equal(readFileSync(join(dir, 'real'), 'utf8'), 'keep');
    mkdirSync(join(dir, 'sub'));
    const d = writeAtomic(port, join(dir, 'sub'), 'x');
    assert.ok(!d.ok && d.errno === 'EISDIR');
    const m = writeAtomic(port, join(dir, 'nope', 'f'), 'x');
    assert.ok(!m.ok && m.errno === 'ENOENT');
    const n = writeAtomic(port, join(dir, 'new'), 'fresh');
    assert.ok(n.ok);
    assert.equal(readFileSync(join(dir, 'new'), 'utf8'), 'fresh');
  });
});

test('export -o: writes atomically, refuses a symlink target with exit 2, --watch rewrites every interval', async () => {
  await withDir(async (dir) => {
    const out = join(dir, 'dmaown.prom');
    const r = await run(['export', '--format', 'prometheus', '--sample', 'desktop-gpu', '-o', out]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.match(readFileSync(out, 'utf8'), /^dmaown_iommu_groups 10$/m);
    symlinkSync(out, join(dir, 'link.prom'));
    const s = await run(['export', '--format', 'prometheus', '--sample', 'desktop-gpu', '-o', join(dir, 'link.prom')]);
    assert.equal(s.code, 2);
    assert.match(s.err, /link\.prom is a symbolic link: refusing to follow it/);
    const w = await run(['export', '--format', 'prometheus', '--sample', 'desktop-gpu', '--watch', '1s']);
    assert.equal(w.code, 2);
    assert.match(w.err, /--watch needs -o FILE/);

    const { runExport } = await import('../cli/commands/export.js');
    let t = 1_800_000_000_000, sleeps = 0;
    let err2 = '';
    const io = { out: () => {}, err: (x: string) => { err2 += x; }, env: {}, isTTY: false };
    const stamps: string[] = [];
    const code = await runExport({ format: 'prometheus', sample: 'desktop-gpu', output: out, watch: '30s' }, io, {
      cycles: 3, now: () => new Date(t),
      sleep: async (ms) => { stamps.push(/^dmaown_export_timestamp_seconds (\d+)$/m.exec(readFileSync(out, 'utf8'))?.[1] ?? ''); sleeps++; t += ms; },
    });
    assert.equal(code, 0, err2);
    assert.equal(sleeps, 2);
    assert.deepEqual(stamps, ['1800000000', '1800000030']);
    assert.match(readFileSync(out, 'utf8'), /^dmaown_export_timestamp_seconds 1800000060$/m);
  });
});
