/**
 * Issues #5/#6 end to end: why devices share a group (status, check, plan refusals), iommufd and vfio
 * cdev holders, and `plan --via cdev` proved on the model of a 6.12 iommufd build (refused on 6.1 and
 * on Debian's 6.12 build without IOMMUFD). Every JSON output is validated against its schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDir } from '../testing/shared.js';
import { materializeCapture, readCaptureFile } from '../host/index.js';
import { run, schemaErrors } from './testing/cli.js';

const IDS = ['--pci-ids', '/nonexistent/pci.ids'];
const host = (f: string): string => join(sharedDir(), 'hosts', f);
const IOMMUFD = host('qemu-q35-6.12-iommufd.json');
const GROUP1 = ['00:05.0', '--allow-group-member', '00:05.1'];

interface ProofDoc { via: string; ok: boolean; calls: { call: string; result: string }[] }
interface PlanDoc {
  schema: string; via: string; refusals: { code: string; why: string; reasons?: string[] }[];
  simulated: { ok: boolean; via: string; viaEvidence?: string; groups: { id: number; viable: boolean; proof?: ProofDoc }[] } | null;
}

test('plan --via cdev on the 6.12 iommufd host: simulated, then proved through /dev/iommu and the vfio cdevs', async () => {
  const r = await run(['plan', ...GROUP1, '--capture', IOMMUFD, '--via', 'cdev', '--json']);
  assert.equal(r.code, 0, r.err + r.out);
  const doc = JSON.parse(r.out) as PlanDoc;
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.via, 'cdev');
  assert.equal(doc.simulated?.via, 'cdev');
  assert.match(doc.simulated?.viaEvidence ?? '', /assumed: a capture does not record \/dev/);
  const proof = doc.simulated?.groups[0]?.proof;
  assert.equal(proof?.via, 'cdev');
  assert.equal(proof?.ok, true);
  const calls = proof?.calls.map((c) => c.call) ?? [];
  assert.equal(calls[0], 'open /dev/iommu');
  assert.equal(calls.filter((c) => c.includes('VFIO_DEVICE_BIND_IOMMUFD')).length, 2);
  assert.equal(calls.filter((c) => c.includes('VFIO_DEVICE_ATTACH_IOMMUFD_PT')).length, 2);
  assert.ok(!calls.some((c) => c.includes('/dev/vfio/vfio')), 'no container in the cdev proof');
  const t = await run(['plan', ...GROUP1, '--capture', IOMMUFD, '--via', 'cdev', ...IDS]);
  assert.match(t.out, /opened through the vfio device cdev path/);
  assert.match(t.out, /group 1 becomes viable/);
});

test('plan (default --via group) on the same host proves the container path', async () => {
  const r = await run(['plan', ...GROUP1, '--capture', IOMMUFD, '--json']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as PlanDoc;
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.simulated?.via, 'group');
  const calls = doc.simulated?.groups[0]?.proof?.calls.map((c) => c.call) ?? [];
  assert.ok(calls.some((c) => c.startsWith('ioctl VFIO_GROUP_SET_CONTAINER')));
  assert.ok(!calls.some((c) => c.includes('/dev/iommu')));
});

for (const [file, why] of [['qemu-q35-6.1.json', /came with Linux 6\.6/], ['qemu-q35-6.12.json', /built without IOMMUFD/]] as const) {
  test(`plan --via cdev is refused on ${file} (exit 1, code no-cdev, the reason named)`, async () => {
    const r = await run(['plan', ...GROUP1, '--capture', host(file), '--via', 'cdev', '--json']);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.out) as PlanDoc;
    assert.equal(schemaErrors(doc), null);
    assert.equal(doc.refusals[0]?.code, 'no-cdev');
    assert.match(doc.refusals[0]?.why ?? '', why);
    const t = await run(['apply', ...GROUP1, '--capture', host(file), '--via', 'cdev', ...IDS]);
    assert.equal(t.code, 1);
    assert.match(t.out, /refused --via cdev: .*\n.*use --via group/);
  });
}

test('--via with another word is a usage error (exit 2) naming the choices', async () => {
  const r = await run(['plan', '00:05.0', '--capture', IOMMUFD, '--via', 'container']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--via container: choose group .* or cdev/);
});

test('status: multi-device groups carry their reasons (text: one line under the group; JSON: reasons)', async () => {
  const j = await run(['--sample', 'desktop-gpu', '--json']);
  const doc = JSON.parse(j.out) as { schema: string; groups: { id: number; reasons: string[]; devices: unknown[] }[]; holdersSeen: string };
  assert.equal(schemaErrors(doc), null);
  const g8 = doc.groups.find((g) => g.id === 8);
  assert.match(g8?.reasons.join(' ') ?? '', /functions of one multifunction device \(slot 01:00\)/);
  for (const g of doc.groups) if (g.devices.length === 1) assert.deepEqual(g.reasons, []);
  assert.equal(doc.holdersSeen, 'none');
  const t = await run(['--sample', 'desktop-gpu', ...IDS]);
  assert.match(t.out, /IOMMU group 8 [^\n]*\n {2}why shared: 01:00.0, 01:00.1, 01:00.2 and 01:00.3 are functions/);
  assert.match(t.out, /IOMMU group 6 [^\n]*\n {2}why shared: [\s\S]*?00:1c.4 \(PCIe root port\) has no ACS capability/, 'the reasons wrapped to the width, right under the group');
});

test('check and the plan refusal "shares IOMMU group 8 with …" carry the reasons', async () => {
  const c = await run(['check', '01:00.0', '--sample', 'desktop-gpu', '--json']);
  const cd = JSON.parse(c.out) as { schema: string; groups: { reasons: string[] }[] };
  assert.equal(schemaErrors(cd), null);
  assert.match(cd.groups[0]?.reasons.join(' ') ?? '', /multifunction device/);
  const ct = await run(['check', '01:00.0', '--sample', 'desktop-gpu', ...IDS]);
  assert.match(ct.out, /group 8: [\s\S]*?\n {2}why shared: [\s\S]*?multifunction/);
  const p = await run(['plan', '01:00.0', '--sample', 'desktop-gpu', '--json']);
  assert.equal(p.code, 1);
  const pd = JSON.parse(p.out) as PlanDoc;
  assert.equal(schemaErrors(pd), null);
  const member = pd.refusals.find((x) => x.code === 'group-member');
  assert.match(member?.why ?? '', /shares IOMMU group 8 with/);
  assert.match(member?.reasons?.join(' ') ?? '', /multifunction device/);
  const pt = await run(['plan', '01:00.0', '--sample', 'desktop-gpu', ...IDS]);
  assert.equal(pt.out.match(/why shared:/g)?.length, 1, 'the reasons once, under the first refusal of the group');
  const single = await run(['check', '02:00.0', '--sample', 'desktop-gpu', '--json']);
  assert.deepEqual((JSON.parse(single.out) as { groups: { reasons: string[] }[] }).groups[0]?.reasons, []);
});

test('a host tree with a vfio cdev holder and a bare /dev/iommu holder: the group is user-owned by that process; the bare holder is named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-iommufd-'));
  try {
    const c = readCaptureFile(IOMMUFD);
    assert.ok(c.ok);
    const root = join(dir, 'root');
    assert.ok(materializeCapture(c.value, root).ok);
    const dev = 'sys/devices/pci0000:00/0000:00:05.0';
    mkdirSync(join(root, dev, 'vfio-dev/vfio0'), { recursive: true });
    mkdirSync(join(root, 'sys/class/vfio-dev'), { recursive: true });
    symlinkSync(`../../devices/pci0000:00/0000:00:05.0/vfio-dev/vfio0`, join(root, 'sys/class/vfio-dev/vfio0'));
    const proc = (pid: number, comm: string, fds: Record<string, string>): void => {
      mkdirSync(join(root, 'proc', String(pid), 'fd'), { recursive: true });
      writeFileSync(join(root, 'proc', String(pid), 'comm'), `${comm}\n`);
      for (const [fd, target] of Object.entries(fds)) symlinkSync(target, join(root, 'proc', String(pid), 'fd', fd));
    };
    proc(200, 'cloud-hypervisor', { 3: '/dev/iommu', 4: '/dev/vfio/devices/vfio0' });
    proc(300, 'iommufd-probe', { 3: '/dev/iommu' });
    const j = await run(['--sysfs-root', root, '--json']);
    assert.equal(j.code, 0, j.err);
    const doc = JSON.parse(j.out) as { schema: string; groups: { id: number; ownership: string; holders: { pid: number; bdf: string | null }[]; blockers: { kind: string }[] }[]; iommufdHolders: { pid: number; groups: number[] }[]; holdersSeen: string };
    assert.equal(schemaErrors(doc), null);
    const g1 = doc.groups.find((g) => g.id === 1);
    assert.equal(g1?.ownership, 'user');
    assert.deepEqual(g1?.holders.map((h) => [h.pid, h.bdf]), [[200, '0000:00:05.0']]);
    assert.ok(g1?.blockers.some((b) => b.kind === 'in-use'));
    assert.deepEqual(doc.iommufdHolders.map((h) => [h.pid, h.groups]), [[200, [1]], [300, []]]);
    assert.equal(doc.holdersSeen, 'all');
    const t = await run(['--sysfs-root', root, ...IDS]);
    assert.match(t.out, /IOMMU group 1 +user-owned +in use by cloud-hypervisor\[200\] \/dev\/vfio\/devices\/vfio0 \(00:05.0\)/);
    assert.match(t.out, /\/dev\/iommu held by iommufd-probe\[300\] with no VFIO group or device file open/);
    const p = await run(['plan', '00:05.0', '--allow-group-member', '00:05.1', '--sysfs-root', root, '--json']);
    assert.equal(p.code, 1);
    assert.equal((JSON.parse(p.out) as PlanDoc).refusals[0]?.code, 'in-use');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
