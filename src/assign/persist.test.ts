import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernel } from '../model/index.js';
import type { HostDescription } from '../model/host-description.js';
import { dirFilePort, memoryFilePort, type FilePort } from '../host/file-port.js';
import { inspectHost } from './inspect.js';
import { makePlan, type Plan } from './plan.js';
import { applyPlan } from './apply.js';
import { restoreJournal } from './restore.js';
import { memorySink, parseJournal } from './journal.js';
import { planPersistence, PERSIST_METHODS, textOf, type PersistMethod } from './persist.js';
import { captureHost, fixtureNames, sharedHost } from './testing/hosts.js';
import { samplesDir } from './source.js';
import { sharedDir } from '../testing/shared.js';

const sample = (n: string): HostDescription => captureHost(join(samplesDir(), `${n}.json`));
const HOSTS: [string, () => HostDescription][] = [
  ...['desktop-gpu', 'server-sriov', 'dual-gpu'].map((n): [string, () => HostDescription] => [`sample ${n}`, () => sample(n)]),
  ...readdirSync(join(sharedDir(), 'hosts')).filter((n) => n.endsWith('.json')).sort().map((n): [string, () => HostDescription] => [n, () => sharedHost(n)]),
];

/** The first group with a kernel-driver endpoint that can be planned whole (its blocking members allowed). */
function firstPlan(host: HostDescription): Plan {
  const view = inspectHost({ host, names: fixtureNames() });
  for (const g of view.groups) {
    const ends = g.devices.filter((d) => !d.bridge && d.driver !== null && d.driver !== 'vfio-pci');
    if (ends.length === 0) continue;
    const r = makePlan(view, [ends[0]!.bdf], { allowGroupMembers: ends.slice(1).map((d) => d.bdf) });
    if (r.ok) return r.plan;
  }
  throw new Error('no plannable group');
}

const input = (host: HostDescription, plan: Plan, method: PersistMethod, files: FilePort, force = false) =>
  ({ method, driver: plan.driver, devices: plan.devices, host, critical: () => [] as string[], files, force });

/** Every file below `dir` with its exact bytes (base64). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p); else out[p.slice(dir.length)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

for (const [name, load] of HOSTS) {
  for (const method of PERSIST_METHODS) {
    test(`${name} --persist=${method}: the dry run names the exact files and contents (or kernel parameter)`, () => {
      const host = load(), plan = firstPlan(host);
      const p = planPersistence(input(host, plan, method, memoryFilePort()));
      assert.ok(p.ok);
      if (method === 'driverctl') {
        assert.deepEqual(p.value.changes.map((c) => [c.path, c.before, c.after]), plan.devices.map((d) => [`/etc/driverctl.d/pci-${d.bdf}`, null, 'vfio-pci\n']));
      } else if (method === 'modprobe') {
        assert.equal(p.value.changes.length, 1);
        assert.equal(p.value.changes[0]!.path, '/etc/modprobe.d/dmaown-vfio-pci.conf');
        const ids = [...new Set(plan.devices.map((d) => { const x = host.pci.find((y) => y.bdf === d.bdf)!; return `${x.vendor.toString(16).padStart(4, '0')}:${x.device.toString(16).padStart(4, '0')}`; }))];
        assert.match(p.value.changes[0]!.after ?? '', new RegExp(`^options vfio-pci ids=${ids.join(',')}(:[0-9a-f:]+)?`, 'm'));
        for (const drv of new Set(plan.devices.map((d) => d.driver))) assert.match(p.value.changes[0]!.after ?? '', new RegExp(`^softdep \\S+ pre: vfio-pci$`, 'm'), String(drv));
      } else {
        assert.deepEqual(p.value.changes, []);
        assert.match(p.value.kernelParams[0] ?? '', /^vfio-pci\.ids=[0-9a-f]{4}:[0-9a-f]{4}/);
        assert.ok(p.value.notes.some((n) => n.startsWith('GRUB')) && p.value.notes.some((n) => n.startsWith('systemd-boot')));
      }
    });

    if (method === 'cmdline') continue;
    test(`${name} --persist=${method}: apply + restore on the simulated kernel with a temporary root leave every file byte for byte`, () => {
      const host = load(), plan = firstPlan(host);
      const k = createKernel(host);
      if (!host.pciDrivers.includes('vfio-pci')) assert.ok(k.loadModule('vfio-pci').ok);
      const root = mkdtempSync(join(tmpdir(), 'dmaown-persist-'));
      try {
        // Pre-existing files: one device's driverctl file, an unrelated modprobe file, our own file from an earlier run.
        mkdirSync(join(root, 'etc/driverctl.d'), { recursive: true });
        mkdirSync(join(root, 'etc/modprobe.d'), { recursive: true });
        writeFileSync(join(root, `etc/driverctl.d/pci-${plan.devices[0]!.bdf}`), 'pci-stub\n');
        writeFileSync(join(root, 'etc/modprobe.d/blacklist.conf'), Buffer.from([0x62, 0x6c, 0x61, 0x63, 0x6b, 0x6c, 0x69, 0x73, 0x74, 0x20, 0xff, 0xfe, 0x0a]));
        writeFileSync(join(root, 'etc/modprobe.d/dmaown-vfio-pci.conf'), 'options vfio-pci ids=dead:beef\n# kept\n');
        writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
        const before = tree(root);
        const files = dirFilePort(root, { allowWrites: true });
        const p = planPersistence(input(host, plan, method, files));
        assert.ok(p.ok);
        assert.ok(p.value.changes.length > 0);
        if (method === 'modprobe') {
          assert.deepEqual(p.value.initramfs?.argv, ['update-initramfs', '-u', '-k', 'all']);
          assert.match(p.value.changes[0]!.after ?? '', /ids=dead:beef,/);
        }
        const sink = memorySink();
        const r = applyPlan(k, plan, { sink, id: 't', created: '', persist: { files, changes: p.value.changes } });
        assert.equal(r.ok, true, JSON.stringify(r.failure));
        assert.notDeepEqual(tree(root), before);
        for (const c of p.value.changes) assert.equal(readFileSync(join(root, c.path), 'utf8'), c.after);
        const j = parseJournal(sink.lines.map((l) => JSON.stringify(l)).join('\n'));
        assert.ok(j.ok);
        const back = restoreJournal(k, j.value, null, files);
        assert.equal(back.ok, true, back.remaining.join('; '));
        assert.deepEqual(tree(root), before);
      } finally { rmSync(root, { recursive: true, force: true }); }
    });
  }
}

test('dual-gpu: ids-based persistence names the identical second card, and refuses while it is the boot VGA unless --force', () => {
  const host = sample('dual-gpu');
  const r = makePlan(inspectHost({ host, names: fixtureNames() }), ['0000:02:00.0'], { allowGroupMembers: ['0000:02:00.1'] });
  assert.ok(r.ok);
  for (const method of ['modprobe', 'cmdline'] as const) {
    const p = planPersistence(input(host, r.plan, method, memoryFilePort()));
    assert.ok(p.ok);
    assert.deepEqual(p.value.refusals.map((x) => x.bdf), ['0000:01:00.0']);
    assert.match(p.value.refusals[0]!.why, /0000:01:00\.0 \(nvidia\) has the same vendor:device and subsystem ids as 0000:02:00\.0.*boot VGA/);
    assert.ok(p.value.warnings.some((w) => /0000:01:00\.1 \(snd_hda_intel\) has the same vendor:device and subsystem ids as 0000:02:00\.1/.test(w)));
    const forced = planPersistence(input(host, r.plan, method, memoryFilePort(), true));
    assert.ok(forced.ok);
    assert.deepEqual(forced.value.refusals, []);
    assert.ok(forced.value.warnings.some((w) => /0000:01:00\.0 .*proceeding because of --force/.test(w)));
  }
  // driverctl names one device per file: nothing else is taken.
  const d = planPersistence(input(host, r.plan, 'driverctl', memoryFilePort()));
  assert.ok(d.ok);
  assert.deepEqual([d.value.refusals, d.value.warnings.filter((w) => /same vendor:device/.test(w))], [[], []]);
});

test('a host-critical device with the same ids refuses ids-based persistence (critical from the host view)', () => {
  const host = sample('dual-gpu');
  const r = makePlan(inspectHost({ host, names: fixtureNames() }), ['0000:02:00.0'], { allowGroupMembers: ['0000:02:00.1'] });
  assert.ok(r.ok);
  const p = planPersistence({ ...input(host, r.plan, 'modprobe', memoryFilePort()), critical: (b) => (b === '0000:01:00.1' ? ['held by the desktop session'] : []) });
  assert.ok(p.ok);
  assert.deepEqual(p.value.refusals.map((x) => x.bdf), ['0000:01:00.0', '0000:01:00.1']);
});

test('different subsystem ids: the ids= entry names them, and the other card is not taken', () => {
  const host = sample('dual-gpu');
  const other = { ...host, pci: host.pci.map((d) => (d.bdf.startsWith('0000:01:00.') ? { ...d, subsystemDevice: 0x1234 } : d)) };
  const r = makePlan(inspectHost({ host: other, names: fixtureNames() }), ['0000:02:00.0'], { allowGroupMembers: ['0000:02:00.1'] });
  assert.ok(r.ok);
  const p = planPersistence(input(other, r.plan, 'cmdline', memoryFilePort()));
  assert.ok(p.ok);
  assert.deepEqual(p.value.kernelParams, ['vfio-pci.ids=10de:1f06:1043:8701,10de:10f9:1043:8701']);
  assert.deepEqual(p.value.refusals, []);
});

test('an existing persistence file that cannot be read: planning refuses (never "absent"); restore never removes it', () => {
  const host = sample('desktop-gpu'), plan = firstPlan(host), path = `/etc/driverctl.d/pci-${plan.devices[0]!.bdf}`;
  // A real tree: a directory where the file should be (EISDIR even for root).
  const root = mkdtempSync(join(tmpdir(), 'dmaown-unreadable-'));
  try {
    mkdirSync(join(root, path), { recursive: true });
    const p = planPersistence(input(host, plan, 'driverctl', dirFilePort(root)));
    assert.equal(p.ok, false);
    assert.ok(!p.ok && p.errno === 'EISDIR' && p.why.includes(path) && /cannot be read/.test(p.why));
  } finally { rmSync(root, { recursive: true, force: true }); }
  // EACCES: the same; and a journal that says "dmaown created it" does not make restore delete a file it cannot read.
  const files = memoryFilePort({ [path]: 'secret\n' }, { unreadable: [path] });
  const p = planPersistence(input(host, plan, 'driverctl', files));
  assert.ok(!p.ok && p.errno === 'EACCES');
  // The journal names the device whose file it wrote: a journal may only touch its own devices' files.
  const j = parseJournal([
    JSON.stringify({ format: 'dmaown-journal/1', id: 'x', created: '', kernel: host.kernel, driver: 'vfio-pci', devices: [plan.devices[0]] }),
    JSON.stringify({ phase: 'persist', file: path, previous: null, encoding: 'base64', content: 'vfio-pci\n' }),
    JSON.stringify({ phase: 'complete' }),
  ].join('\n'));
  assert.ok(j.ok);
  const back = restoreJournal(createKernel(host), j.value, null, files);
  assert.equal(back.ok, false);
  assert.equal(textOf(Buffer.from(files.files.get(path)!).toString('base64')), 'secret\n');
  assert.match(back.remaining.join(), /cannot be read .*left untouched/);
});

test('a persistence file changed after apply is left as it is by restore, and said so', () => {
  const host = sample('desktop-gpu'), path = '/etc/driverctl.d/pci-0000:01:00.0';
  const files = memoryFilePort({ [path]: 'edited by hand\n' });
  const d = host.pci.find((x) => x.bdf === '0000:01:00.0')!;
  const device = { bdf: d.bdf, group: d.iommuGroup, driver: d.driver, driverOverride: d.driverOverride, requested: true };
  const j = parseJournal([
    JSON.stringify({ format: 'dmaown-journal/1', id: 'x', created: '', kernel: host.kernel, driver: 'vfio-pci', devices: [device] }),
    JSON.stringify({ phase: 'persist', file: path, previous: null, encoding: 'base64', content: 'vfio-pci\n' }),
  ].join('\n'));
  assert.ok(j.ok);
  const back = restoreJournal(createKernel(host), j.value, null, files);
  assert.match(back.remaining.join(), /changed since dmaown wrote it/);
  assert.equal(new TextDecoder().decode(files.files.get(path)), 'edited by hand\n');
});

test('a write that fails half-way: the files written are undone and the devices rolled back', () => {
  const host = sample('desktop-gpu'), plan = firstPlan(host), k = createKernel(host);
  const last = `/etc/driverctl.d/pci-${plan.devices.at(-1)!.bdf}`;
  const files = memoryFilePort({}, { unreadable: [] });
  const p = planPersistence(input(host, plan, 'driverctl', files));
  assert.ok(p.ok);
  const failing: FilePort = { ...files, root: files.root, write: (path, d) => (path === last ? { ok: false, errno: 'ENOSPC', why: 'disk full' } : files.write(path, d)) };
  const r = applyPlan(k, plan, { sink: memorySink(), id: 't', created: '', persist: { files: failing, changes: p.value.changes } });
  assert.equal(r.ok, false);
  assert.equal(r.failure?.errno, 'ENOSPC');
  assert.equal(r.restored, true);
  assert.equal(files.files.size, 0);
});

test("driverctl's boot pieces: rule and service found, one missing, or none — each said", () => {
  const host = sample('desktop-gpu'), plan = firstPlan(host);
  const with_ = (f: Record<string, string>) => { const p = planPersistence(input(host, plan, 'driverctl', memoryFilePort(f))); assert.ok(p.ok); return p.value; };
  const both = with_({ '/usr/lib/udev/rules.d/89-driverctl.rules': 'x', '/usr/lib/systemd/system/driverctl@.service': 'x' });
  assert.deepEqual(both.warnings, []);
  assert.ok(both.notes.some((n) => /driverctl@\.service for each device/.test(n)));
  assert.match(with_({ '/lib/udev/rules.d/89-driverctl.rules': 'x' }).warnings[0] ?? '', /driverctl is incomplete .*driverctl@\.service is missing/);
  assert.match(with_({}).warnings[0] ?? '', /driverctl is not installed .*nothing applies them at boot and the devices come up on their default drivers/);
});
