import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './testing/cli.js';
import { deviceState, lockToolsMissing, treeFixture } from './testing/trees.js';

/**
 * #14's must-show: an existing persistence file that cannot be read (root reads through chmod 000, so a
 * FIFO and a directory stand in for EACCES/EIO) is never taken for "absent": `apply --yes` refuses
 * naming it and writes nothing, and `restore --yes` never removes or replaces it.
 */
const GPU = ['01:00.0', '--allow-group-member', '01:00.1', '--allow-group-member', '01:00.2', '--allow-group-member', '01:00.3'];

test('apply --yes --persist refuses (exit 2, naming the file) when an existing driverctl file cannot be read; nothing is written', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-unreadable-apply-');
  try {
    const persist = join(f.dir, 'persist');
    mkdirSync(join(persist, 'etc/driverctl.d'), { recursive: true });
    const fifo = join(persist, 'etc/driverctl.d/pci-0000:01:00.1');
    execFileSync('mkfifo', [fifo]);
    const before = deviceState(f.root, f.devices);
    const r = await run(['apply', ...GPU, '--yes', '--persist=driverctl', '--persist-root', persist, '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(r.code, 2, r.err + r.out);
    assert.match(r.err, /\/etc\/driverctl\.d\/pci-0000:01:00\.1 exists but cannot be read .*refusing to replace or remove a file whose content could not be saved/);
    assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is still there');
    assert.deepEqual(readdirSync(join(persist, 'etc/driverctl.d')), ['pci-0000:01:00.1'], 'no other persistence file written');
    assert.deepEqual(deviceState(f.root, f.devices), before, 'no device touched');
    assert.deepEqual(readdirSync(join(f.state, 'journals')).filter((n) => n.endsWith('.jsonl')), [], 'no journal: nothing was begun');
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

test('restore --yes never removes a persistence file it cannot read, even one its journal says dmaown created', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-unreadable-restore-');
  try {
    const persist = join(f.dir, 'persist');
    const device = (JSON.parse(readFileSync(f.plan, 'utf8')) as { devices: { bdf: string }[] }).devices.find((d) => d.bdf === '0000:01:00.0');
    assert.ok(device);
    mkdirSync(join(f.state, 'journals'), { recursive: true, mode: 0o700 });
    mkdirSync(join(persist, 'etc/driverctl.d'), { recursive: true });
    const file = '/etc/driverctl.d/pci-0000:01:00.0';
    // What an apply --persist journals: the file did not exist (previous: null), dmaown wrote vfio-pci.
    const journal = join(f.state, 'journals', '2026-01-01T00-00-00-000Z-1.jsonl');
    const lines = [
      { format: 'dmaown-journal/1', id: 'x', created: '2026-01-01T00:00:00.000Z', kernel: '6.8.0-49-generic', driver: 'vfio-pci', devices: [device] },
      { phase: 'persist', file, previous: null, encoding: 'base64', content: 'vfio-pci\n', root: persist },
      { phase: 'complete' },
    ];
    for (const [what, make, check] of [
      ['a FIFO', (p: string) => execFileSync('mkfifo', [p]), (p: string) => lstatSync(p).isFIFO()],
      ['a directory', (p: string) => mkdirSync(p), (p: string) => lstatSync(p).isDirectory()],
    ] as const) {
      const path = join(persist, file);
      rmSync(path, { recursive: true, force: true });
      make(path);
      writeFileSync(journal, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`, { mode: 0o600 });
      const r = await run(['restore', journal, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
      assert.equal(r.code, 1, `${what}: ${r.err}${r.out}`);
      assert.match(r.out, /FAIL left \/etc\/driverctl\.d\/pci-0000:01:00\.0: cannot be read \((EINVAL|EISDIR)/, what);
      assert.ok(check(path), `${what} is still there`);
      // The journal says the restore did not finish: a new apply stays blocked.
      assert.match(readFileSync(journal, 'utf8'), /"phase":"restore-incomplete"/);
    }
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});
