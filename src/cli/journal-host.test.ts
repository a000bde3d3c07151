import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareIdentity, hostIdentity } from '../assign/host-identity.js';
import { hostRootPort } from '../host/live-port.js';
import { captureHost } from '../assign/testing/hosts.js';
import { run } from './testing/cli.js';
import { deviceState, lockToolsMissing, treeFixture, type TreeFixture } from './testing/trees.js';

/** Issue #12 point 4: a journal belongs to its host and boot. */

const BOOT_A = '11111111-2222-3333-4444-555555555555', BOOT_B = '66666666-7777-8888-9999-000000000000';

function identify(f: TreeFixture, machine: string, boot: string): void {
  mkdirSync(join(f.root, 'etc'), { recursive: true });
  writeFileSync(join(f.root, 'etc/machine-id'), `${machine}\n`);
  mkdirSync(join(f.root, 'proc/sys/kernel/random'), { recursive: true });
  writeFileSync(join(f.root, 'proc/sys/kernel/random/boot_id'), `${boot}\n`);
}

async function journalOf(f: TreeFixture): Promise<string> {
  const a = await run(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
  assert.equal(a.code, 1, a.err);
  const name = readdirSync(join(f.state, 'journals')).sort().at(-1)!;
  return join(f.state, 'journals', name);
}

test('the journal records the host: hashed machine-id (never the id itself), boot id, kernel release, hashed BDF→ids set', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-ident-');
  try {
    identify(f, 'a'.repeat(32), BOOT_A);
    const path = await journalOf(f);
    const header = JSON.parse(readFileSync(path, 'utf8').split('\n')[0]!) as { host: { machine: string; boot: string; kernel: string; devices: string } };
    assert.equal(header.host.boot, BOOT_A);
    assert.equal(header.host.kernel, '6.8.0-49-generic');
    assert.match(header.host.machine, /^[0-9a-f]{32}$/);
    assert.notEqual(header.host.machine, 'a'.repeat(32));
    assert.doesNotMatch(readFileSync(path, 'utf8'), /a{32}/);
    assert.match(header.host.devices, /^[0-9a-f]{32}$/);
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

test('compareIdentity: same, another machine, other devices, an earlier boot, a journal without identity', () => {
  const host = captureHost(join(process.cwd(), 'samples/desktop-gpu.json'));
  const now = { ...hostIdentity(null, host), machine: 'm1', boot: BOOT_B };
  assert.deepEqual(compareIdentity(now, now), { kind: 'same' });
  assert.match((compareIdentity({ ...now, machine: 'm2' }, now) as { why: string }).why, /written on another host: its machine-id differs/);
  assert.equal(compareIdentity({ ...now, machine: 'm2' }, now).kind, 'other-host');
  const other = captureHost(join(process.cwd(), 'samples/server-sriov.json'));
  assert.match((compareIdentity({ ...now, devices: hostIdentity(null, other).devices }, now) as { why: string }).why, /PCI functions and their ids differ/);
  const earlier = compareIdentity({ ...now, boot: BOOT_A, kernel: '6.8.0-48-generic' }, now);
  assert.equal(earlier.kind, 'earlier-boot');
  assert.match((earlier as { why: string }).why, /earlier boot \(boot id 1111.*, now 6666.*; kernel 6\.8\.0-48-generic, now 6\.8\.0-49-generic\): the driver bindings it made did not survive the reboot, only its persistence files still apply/);
  assert.equal(compareIdentity(undefined, now).kind, 'unknown');
  // procfs reports size 0 for boot_id: the identity is still read in full on the live host.
  if (existsSync('/proc/sys/kernel/random/boot_id')) assert.match(hostIdentity(hostRootPort('/'), host).boot ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

test('restore refuses a journal from another host, with the reason; --force overrides', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-other-');
  try {
    identify(f, 'a'.repeat(32), BOOT_A);
    const path = await journalOf(f);
    identify(f, 'b'.repeat(32), BOOT_A);
    const before = deviceState(f.root, f.devices);
    const r = await run(['restore', path, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(r.code, 1);
    assert.match(r.err, /refused, nothing written: the journal was written on another host: its machine-id differs from this host's/);
    assert.deepEqual(deviceState(f.root, f.devices), before);
    const forced = await run(['restore', path, '--yes', '--force', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(forced.code, 0, forced.err);
    assert.match(forced.err, /warning: the journal was written on another host.*going on because of --force/);
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

test('restore warns on a journal from an earlier boot and restores only its persistence files; everything matching: said so, no steps', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-boot-');
  try {
    identify(f, 'a'.repeat(32), BOOT_A);
    const path = await journalOf(f);
    // A persistence file the journal wrote (as an apply with --persist would have), under a root of the test's.
    const persistRoot = join(f.dir, 'persist');
    mkdirSync(join(persistRoot, 'etc/driverctl.d'), { recursive: true });
    writeFileSync(join(persistRoot, 'etc/driverctl.d/pci-0000:01:00.0'), 'vfio-pci\n');
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    lines.splice(-1, 0, JSON.stringify({ phase: 'persist', file: '/etc/driverctl.d/pci-0000:01:00.0', previous: null, encoding: 'base64', content: 'vfio-pci\n', root: persistRoot }));
    writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
    // The machine rebooted; and a driver_override is left over that the journal's steps would clear.
    identify(f, 'a'.repeat(32), BOOT_B);
    const dry = await run(['restore', path, '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.err, /warning: the journal was written during an earlier boot \(boot id 1111.*, now 6666.*\): the driver bindings it made did not survive the reboot, only its persistence files still apply; restoring only the persistence files/);
    assert.match(dry.out, /Every device already matches the journal's record: no step to replay\./);
    assert.doesNotMatch(dry.out, /Would replay/);
    assert.match(dry.out, /Would restore \/etc\/driverctl\.d\/pci-0000:01:00\.0 under .*persist/);
    const r = await run(['restore', path, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.out, /\(rolled-back\)/);
    assert.match(r.out, /ok +removed \/etc\/driverctl\.d\/pci-0000:01:00\.0/);
    assert.deepEqual(readdirSync(join(persistRoot, 'etc/driverctl.d')), []);
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});
