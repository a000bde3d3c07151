import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../cli/testing/cli.js';

test('dmaown export --watch: a real process rewrites the file, then exits 0 on SIGTERM leaving a whole file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-watch-'));
  try {
    const out = join(dir, 'dmaown');
    const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'dmaown.js'), 'export', '--format', 'nfd', '--sample', 'desktop-gpu', '-o', out, '--watch', '1s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const deadline = Date.now() + 60_000;
    while (!existsSync(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(out), `no file after 60 s: ${err}`);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
    assert.match(readFileSync(out, 'utf8'), /^# dmaown[^\n]*\n# \+expiry-time=\S+\n[\s\S]*iommu\.enabled=true\n[\s\S]*\n$/);
    assert.deepEqual(readdirSync(dir), ['dmaown']);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('hostile or wrong input: exit 2, the message names what and where, nothing written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-export-bad-'));
  try {
    writeFileSync(join(dir, 'broken.json'), '{"format":"sysfs-capture/1","kernel":5}');
    const cases: [string[], RegExp][] = [
      [['export', '--format', 'prometheus', '--capture', join(dir, 'broken.json')], /broken\.json/],
      [['export', '--format', 'prometheus', '--capture', '/nonexistent/host.json'], /\/nonexistent\/host\.json/],
      [['export', '--format', 'prometheus', '--sample', 'desktop-gpu', '-o', join(dir, 'no', 'such', 'dir', 'x.prom')], /cannot write .*x\.prom: ENOENT/],
      [['export', '--format', 'nfd', '--sample', 'desktop-gpu', '--watch', '1h-ish', '-o', join(dir, 'f')], /--watch 1h-ish: not a duration/],
      [['export', '--sample', 'desktop-gpu'], /--format/],
    ];
    for (const [args, re] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, re, args.join(' '));
      assert.equal(r.out, '', args.join(' '));
    }
    assert.deepEqual(readdirSync(dir), ['broken.json']);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
