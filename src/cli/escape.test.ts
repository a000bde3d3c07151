import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dirFilePort } from '../host/file-port.js';
import { run } from './testing/cli.js';
import { deviceState, lockToolsMissing, treeFixture, type TreeFixture } from './testing/trees.js';

/**
 * Every write escape of issue #11, tried against a temporary tree: each must be refused, and the
 * file outside — the stand-in for /etc/passwd, the real /sys, another device — stays untouched.
 */

const apply = (f: TreeFixture, ...extra: string[]): Promise<{ code: number; out: string; err: string }> =>
  run(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state, ...extra]);

/** A real journal of this fixture: one apply (on a tree it rolls back), its path and lines. */
async function realJournal(f: TreeFixture): Promise<{ path: string; lines: Record<string, unknown>[] }> {
  await apply(f);
  const name = readdirSync(join(f.state, 'journals')).filter((n) => n.endsWith('.jsonl')).sort().at(-1)!;
  const path = join(f.state, 'journals', name);
  return { path, lines: readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const write = (path: string, lines: readonly unknown[]): void => { writeFileSync(path, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`, { mode: 0o600 }); };

test('restore --yes with a journal whose persist entry names a file outside its places (../, /etc/passwd): refused, the file untouched', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-esc-persist-');
  try {
    const persistRoot = join(f.dir, 'persist');
    mkdirSync(join(persistRoot, 'etc'), { recursive: true });
    const outside = join(f.dir, 'outside');
    writeFileSync(outside, 'root:x:0:0\n');
    writeFileSync(join(persistRoot, 'etc/passwd'), 'root:x:0:0\n');
    const j = await realJournal(f);
    for (const file of ['/../outside', '/etc/passwd', '/etc/driverctl.d/pci-0000:05:00.0', '/etc/driverctl.d/../../outside']) {
      const path = join(f.dir, 'planted.jsonl');
      write(path, [...j.lines.slice(0, -1), { phase: 'persist', file, previous: Buffer.from('pwned\n').toString('base64'), encoding: 'base64', content: null, root: persistRoot }, { phase: 'complete' }]);
      const r = await run(['restore', path, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
      assert.equal(r.code, 2, `${file}: ${r.err}${r.out}`);
      assert.match(r.err, /planted\.jsonl: line \d+: persistence file .*(not a persistence file dmaown writes|not one of the journal's devices)/, file);
      assert.equal(readFileSync(outside, 'utf8'), 'root:x:0:0\n');
      assert.equal(readFileSync(join(persistRoot, 'etc/passwd'), 'utf8'), 'root:x:0:0\n');
    }
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

test('a tampered journal — an unbind of a device it never had, an inverse that binds elsewhere: refused, the device untouched', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-esc-tamper-');
  try {
    const before = deviceState(f.root, ['0000:05:00.0', ...f.devices]);
    const j = await realJournal(f);
    const path = join(f.dir, 'tampered.jsonl');
    const foreign = { seq: 9, phase: 'begin', action: { op: 'probe', bdf: '0000:05:00.0' }, inverse: [{ op: 'unbind', bdf: '0000:05:00.0', driver: 'ahci' }] };
    write(path, [j.lines[0], foreign]);
    const r = await run(['restore', path, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /tampered\.jsonl: line 2: probe on 0000:05:00\.0, which is not one of the journal's devices/);
    // An inverse rewritten to bind a device to another driver.
    const lines = j.lines.map((l) => ({ ...l }));
    const begin = lines.find((l) => l['phase'] === 'begin')!;
    begin['inverse'] = [{ op: 'override', bdf: (begin['action'] as { bdf: string }).bdf, value: 'ahci' }];
    write(path, lines);
    const t = await run(['restore', path, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(t.code, 2);
    assert.match(t.err, /the inverse of override 0000:01:00\.0 is recorded as .*ahci.*a tampered journal/);
    assert.deepEqual(deviceState(f.root, ['0000:05:00.0', ...f.devices]), before);
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

test('a planted journal (another owner, or writable by others): the default restore skips it, a named one is refused', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-esc-planted-');
  try {
    const j = await realJournal(f);
    const planted = join(f.state, 'journals', '9999-planted.jsonl');
    write(planted, [j.lines[0], { phase: 'complete' }]);
    spawnSync('chmod', ['666', planted]);
    const r = await run(['restore', planted, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(r.code, 2);
    assert.match(r.err, /journal ".*9999-planted\.jsonl" is writable by everyone \(mode 666\): refused/);
    const d = await run(['restore', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.match(d.err, /warning: skipping journal ".*9999-planted\.jsonl" is writable by everyone/);
    assert.doesNotMatch(d.out, /9999-planted/);
    const a = await apply(f);
    assert.equal(a.code, 1);
    assert.match(a.err, /9999-planted\.jsonl cannot be used/);
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

test('apply PLAN re-plans on the host: a root port, a device that is not a PCI address, a step without its undo — refused, the tree untouched', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-esc-plan-');
  try {
    const before = deviceState(f.root, ['0000:00:1c.4', '0000:05:00.0', ...f.devices]);
    const plan = JSON.parse(readFileSync(f.plan, 'utf8')) as { devices: Record<string, unknown>[]; steps: Record<string, unknown>[] };
    const edited = (change: (p: typeof plan) => void): string => {
      const p = JSON.parse(JSON.stringify(plan)) as typeof plan;
      change(p);
      const path = join(f.dir, 'edited.json');
      writeFileSync(path, JSON.stringify(p));
      return path;
    };
    const rootPort = edited((p) => {
      p.devices = [{ bdf: '0000:00:1c.4', group: 6, driver: 'pcieport', driverOverride: null, requested: true }];
      p.steps = [{ action: { op: 'unbind', bdf: '0000:00:1c.4', driver: 'pcieport' }, inverse: [], text: 'x' }];
    });
    const r = await run(['apply', rootPort, '--yes', '--force', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /0000:00:1c\.4 is a bridge; bridges are never moved/);
    const noUndo = edited((p) => {
      p.devices = [{ bdf: '0000:05:00.0', group: 6, driver: 'ahci', driverOverride: null, requested: true }];
      p.steps = [{ action: { op: 'unbind', bdf: '0000:05:00.0', driver: 'ahci' }, inverse: [], text: 'x' }];
    });
    const u = await run(['apply', noUndo, '--yes', '--force', '--sysfs-root', f.root, '--state-dir', f.state, '--allow-group-member', '04:00.0']);
    assert.equal(u.code, 1, u.err);
    assert.match(u.out, /refused|host changed since the plan/i);
    const dotdot = edited((p) => { (p.devices[0] as { bdf: string }).bdf = '../../../etc/driverctl.d/x'; });
    const persistRoot = join(f.dir, 'persist');
    const d = await run(['apply', dotdot, '--yes', '--persist', '--persist-root', persistRoot, '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(d.code, 2);
    assert.match(d.err, /edited\.json: devices\[0\]\.bdf is "\.\.\/\.\.\/\.\.\/etc\/driverctl\.d\/x", not a full PCI address/);
    assert.equal(existsSync(persistRoot), false);
    assert.deepEqual(deviceState(f.root, ['0000:00:1c.4', '0000:05:00.0', ...f.devices]), before);
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

test('symbolic links inside a --sysfs-root tree are not followed out on write: a linked attribute, a linked driver directory', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-esc-link-');
  try {
    const outside = join(f.dir, 'real-sys');
    mkdirSync(join(outside, 'nvidia'), { recursive: true });
    writeFileSync(join(outside, 'driver_override'), 'untouched\n');
    writeFileSync(join(outside, 'nvidia/unbind'), 'untouched\n');
    // 1. The device's driver_override is a link to a file outside the tree.
    const dev = readFileSync(join(f.root, 'sys/bus/pci/devices/0000:01:00.0/vendor'), 'utf8') ? join(f.root, 'sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0') : '';
    unlinkSync(join(dev, 'driver_override'));
    symlinkSync(join(outside, 'driver_override'), join(dev, 'driver_override'));
    // Planned afresh from the BDFs (the plan file no longer matches: the tree's override reads "untouched").
    const gpu = ['apply', '01:00.0', '--allow-group-member', '01:00.1', '--allow-group-member', '01:00.2', '--allow-group-member', '01:00.3', '--yes', '--sysfs-root', f.root, '--state-dir', f.state];
    const a = await run(gpu);
    assert.equal(a.code, 1, a.err);
    assert.match(a.out, /FAIL echo vfio-pci > \/sys\/bus\/pci\/devices\/0000:01:00\.0\/driver_override\n\s+ELOOP/);
    assert.equal(readFileSync(join(outside, 'driver_override'), 'utf8'), 'untouched\n');
    unlinkSync(join(dev, 'driver_override'));
    writeFileSync(join(dev, 'driver_override'), '(null)\n');
    // 2. The driver's directory is a link out of the tree (the unbind lands "in the real /sys").
    rmSync(join(f.root, 'sys/bus/pci/drivers/nvidia'), { recursive: true });
    symlinkSync(join(outside, 'nvidia'), join(f.root, 'sys/bus/pci/drivers/nvidia'));
    const b = await run(gpu);
    assert.equal(b.code, 1, b.err);
    assert.match(b.out, /FAIL echo 0000:01:00\.0 > \/sys\/bus\/pci\/drivers\/nvidia\/unbind\n\s+EPERM: .*outside the tree .*refused/);
    assert.equal(readFileSync(join(outside, 'nvidia/unbind'), 'utf8'), 'untouched\n');
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

test('--persist with --sysfs-root and no --persist-root is refused before anything is written (it would be this machine\'s /etc)', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-esc-noroot-');
  try {
    const etc = existsSync('/etc/driverctl.d') ? readdirSync('/etc/driverctl.d').sort() : null;
    const r = await apply(f, '--persist');
    assert.equal(r.code, 2);
    assert.match(r.err, /--persist on --sysfs-root .* needs --persist-root DIR/);
    assert.deepEqual(existsSync('/etc/driverctl.d') ? readdirSync('/etc/driverctl.d').sort() : null, etc);
    assert.equal(existsSync(join(f.state, 'journals')), false, 'no journal, no lock taken');
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

test('persistence files stay below their root: a linked directory or file, .., a FIFO — refused, the outside file untouched', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-esc-files-');
  try {
    const root = join(f.dir, 'persist'), outside = join(f.dir, 'outside');
    mkdirSync(join(root, 'etc'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'pci-0000:01:00.0'), 'untouched\n');
    symlinkSync(outside, join(root, 'etc/driverctl.d'));
    const port = dirFilePort(root, { allowWrites: true });
    const w = port.write('/etc/driverctl.d/pci-0000:01:00.0', new TextEncoder().encode('vfio-pci\n'));
    assert.ok(!w.ok && w.errno === 'EPERM' && /outside the root/.test(w.why), JSON.stringify(w));
    const rm = port.remove('/etc/driverctl.d/pci-0000:01:00.0');
    assert.ok(!rm.ok && rm.errno === 'EPERM');
    assert.equal(readFileSync(join(outside, 'pci-0000:01:00.0'), 'utf8'), 'untouched\n');
    unlinkSync(join(root, 'etc/driverctl.d'));
    mkdirSync(join(root, 'etc/driverctl.d'));
    symlinkSync(join(outside, 'pci-0000:01:00.0'), join(root, 'etc/driverctl.d/pci-0000:01:00.0'));
    const l = port.write('/etc/driverctl.d/pci-0000:01:00.0', new TextEncoder().encode('vfio-pci\n'));
    assert.ok(!l.ok && l.errno === 'EPERM' && /symbolic link/.test(l.why));
    assert.equal(readFileSync(join(outside, 'pci-0000:01:00.0'), 'utf8'), 'untouched\n');
    assert.equal(port.write('/etc/../../outside/x', new Uint8Array(1)).ok, false);
    assert.equal(existsSync(join(outside, 'x')), false);
    assert.equal(spawnSync('mkfifo', [join(root, 'etc/fifo')]).status, 0);
    const t0 = Date.now();
    const fifo = port.read('/etc/fifo');
    assert.ok(!fifo.ok && fifo.errno === 'EINVAL' && Date.now() - t0 < 5000);
    // Through restore: a journal's file restored into a root whose driverctl.d now links out.
    unlinkSync(join(root, 'etc/driverctl.d/pci-0000:01:00.0'));
    rmSync(join(root, 'etc/driverctl.d'), { recursive: true });
    symlinkSync(outside, join(root, 'etc/driverctl.d'));
    const j = await realJournal(f);
    const path = join(f.dir, 'with-file.jsonl');
    write(path, [...j.lines.slice(0, -1), { phase: 'persist', file: '/etc/driverctl.d/pci-0000:01:00.0', previous: Buffer.from('pwned\n').toString('base64'), encoding: 'base64', content: 'vfio-pci\n', root }, j.lines.at(-1)]);
    const r = await run(['restore', path, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(r.code, 1, r.err + r.out);
    assert.match(r.out, /FAIL left \/etc\/driverctl\.d\/pci-0000:01:00\.0: .*outside the root/);
    assert.equal(readFileSync(join(outside, 'pci-0000:01:00.0'), 'utf8'), 'untouched\n');
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});
