/**
 * The CLI contract of the README's "Commands" table and spec/users.md's safe-binding rules, command by
 * command: --help with examples, a schema for every --json, input errors that name what and where and
 * exit 2, and no write without --yes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from './commands.js';
import { materializeCapture, readCaptureFile } from '../host/index.js';
import { run, schemaFiles } from './testing/cli.js';

test('every command has --help with at least one example and its options', async () => {
  for (const c of COMMANDS) {
    const h = await run([c.name, '--help']);
    assert.equal(h.code, 0, c.name);
    assert.match(h.out, /Examples:\n {2}\$ dmaown/, c.name);
    assert.ok(c.examples.length > 0);
  }
  assert.match((await run(['plan', '--help'])).out, /--via <path>/);
  assert.match((await run(['restore', '--help'])).out, /--yes/);
});

test('every command whose --json prints a dmaown document has a schema file (capture prints sysfs-capture/1)', () => {
  const files = new Set(schemaFiles());
  for (const c of COMMANDS) {
    if (c.name === 'capture') continue;
    assert.ok(files.has(`dmaown-${c.name}-1.schema.json`), c.name);
  }
  assert.match(readFileSync(join(process.cwd(), 'schema', 'README.md'), 'utf8'), /sysfs-capture\/1/);
});

test('input errors name what and where, on stderr, and exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['plan', '09:00.0', '--sample', 'desktop-gpu'], /dmaown plan: no PCI device 0000:09:00.0 on sample desktop-gpu/],
    [['check', '09:00.0', '--sample', 'desktop-gpu'], /dmaown check: no PCI device 0000:09:00.0 on sample desktop-gpu/],
    [['plan', '01:00.0', '--allow-group-member', '07:00.0', '--sample', 'desktop-gpu'], /no PCI device 0000:07:00.0/],
    [['apply', '09:00.0', '--sample', 'desktop-gpu'], /dmaown apply: no PCI device 0000:09:00.0/],
    [['explain', '99', '--sample', 'desktop-gpu'], /no IOMMU group 99 on sample desktop-gpu/],
    [['frobnicate'], /unknown command 'frobnicate' \(commands: status, check, plan/],
    [['plan', '01:00.0', '--sample', 'desktop-gpu', '--via', 'x'], /--via x: choose group/],
    [['check', '01:00.0', '--capture', '/nonexistent/host.json'], /\/nonexistent\/host.json/],
    [['restore', '--state-dir', '/nonexistent/state'], /no journal in \/nonexistent\/state/],
  ];
  for (const [args, re] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, re, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
  }
});

/** Every file under `dir` with its content (links as their target), for before/after comparisons. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(p, readFileSync(p, 'utf8'));
      else out.set(p, `link ${statSync(p, { throwIfNoEntry: false }) ? 'ok' : 'dangling'}`);
    }
  };
  walk(dir);
  return out;
}

test('nothing is written without --yes: plan and an apply dry run leave a host tree as it was, with no journal or lock', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-review-'));
  try {
    const c = readCaptureFile(join(process.cwd(), 'samples', 'desktop-gpu.json'));
    assert.ok(c.ok);
    const root = join(dir, 'root');
    assert.ok(materializeCapture(c.value, root).ok);
    const before = snapshot(root);
    const common = ['--sysfs-root', root, '--state-dir', join(dir, 'state')];
    assert.equal((await run(['plan', '02:00.0', '--sysfs-root', root])).code, 0);
    const a = await run(['apply', '02:00.0', ...common]);
    assert.equal(a.code, 0, a.err);
    assert.match(a.out, /Dry run: nothing was written/);
    assert.deepEqual(snapshot(root), before);
    assert.throws(() => readdirSync(join(dir, 'state')), /ENOENT/, 'no journal, no lock without --yes');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
