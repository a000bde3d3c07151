import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { capturePort } from './capture-port.js';
import { describeHost, describeHostReport } from './describe.js';
import { livePort } from './live-port.js';
import { writeCapture } from './write-capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'host-live-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const errno = (r: { ok: boolean; errno?: string }): string | undefined => (r.ok ? 'ok' : r.errno);

test('live port maps /sys to its root and keeps each fs errno', () => {
  const root = join(tmp, 'sys');
  mkdirSync(join(root, 'bus', 'pci', 'devices'), { recursive: true });
  mkdirSync(join(root, 'devices', 'x'), { recursive: true });
  writeFileSync(join(root, 'devices', 'x', 'vendor'), '0x8086\n');
  symlinkSync('../../../devices/x', join(root, 'bus', 'pci', 'devices', '0000:00:01.0'));
  symlinkSync('loop-b', join(root, 'loop-a'));
  symlinkSync('loop-a', join(root, 'loop-b'));
  symlinkSync('nowhere', join(root, 'dangling'));
  const p = livePort({ sysRoot: root });
  assert.deepEqual(p.read('/sys/bus/pci/devices/0000:00:01.0/vendor'), { ok: true, value: '0x8086\n' });
  assert.deepEqual(p.readLink('/sys/bus/pci/devices/0000:00:01.0'), { ok: true, value: '../../../devices/x' });
  assert.deepEqual(p.list('/sys/bus/pci/devices'), { ok: true, value: ['0000:00:01.0'] });
  assert.equal(errno(p.read('/sys/loop-a')), 'ELOOP');
  assert.equal(errno(p.read('/sys/dangling')), 'ENOENT');
  assert.equal(errno(p.read('/sys/devices/x/vendor/y')), 'ENOTDIR');
  assert.equal(errno(p.read('/sys/devices')), 'EISDIR');
  assert.equal(errno(p.read('/sys/../etc/passwd')), 'ENOENT');
  assert.equal(errno(p.read('/proc/cmdline')), 'ENOENT'); // another root maps no /proc unless told
  assert.equal(errno(p.write('/sys/devices/x/vendor', '1')), 'EROFS');
  const w = livePort({ sysRoot: root, allowWrites: true });
  assert.equal(errno(w.write('/sys/devices/x/vendor', '0x10de\n')), 'ok');
  assert.deepEqual(w.read('/sys/devices/x/vendor'), { ok: true, value: '0x10de\n' });
  assert.equal(errno(w.write('/sys/devices/nope/vendor', '1')), 'ENOENT');
});

test('writeCapture of this machine reads back to the same HostDescription', () => {
  const live = describeHostReport(livePort());
  assert.ok(live.ok, live.ok ? '' : live.why);
  const cap = writeCapture(livePort());
  assert.ok(cap.ok, cap.ok ? '' : cap.why);
  const back = describeHost(capturePort(cap.value));
  assert.ok(back.ok);
  assert.deepEqual(back.value, live.value.host);
  // only the PCI/IOMMU subtrees and filtered parameters
  for (const k of Object.keys(cap.value.entries)) assert.match(k, /^(bus\/pci|devices\/|kernel\/iommu_groups|class\/iommu)/);
  for (const w of cap.value.cmdline) assert.match(w, /^(intel_iommu|amd_iommu|iommu|vfio|pci=|pcie_)/);
});

test('module loading: only the live host opened for writes can modprobe (never a tree, never read-only); names are checked', async () => {
  const { livePort } = await import('./live-port.js');
  assert.equal(livePort({ sysRoot: '/tmp/x/sys', allowWrites: true }).loadModule, undefined, 'a --sysfs-root tree cannot load modules');
  assert.equal(livePort().loadModule, undefined, 'read-only');
  const live = livePort({ allowWrites: true });
  assert.ok(live.loadModule);
  const bad = live.loadModule('vfio-pci; rm -rf /');
  assert.ok(!bad.ok && bad.errno === 'EINVAL' && /not a module name/.test(bad.why));
});

test('a /sys attribute read without a listing is type-checked after the read: a FIFO or /dev/null is EINVAL, a directory EISDIR, an empty file empty; never a wait', () => {
  const root = join(tmp, 'sys-lazy');
  mkdirSync(join(root, 'kernel', 'iommu_groups', '3', 'name'), { recursive: true });
  writeFileSync(join(root, 'kernel', 'iommu_groups', '3', 'reserved_regions'), '');
  writeFileSync(join(root, 'kernel', 'iommu_groups', '3', 'big'), 'x'.repeat(70_000));
  execFileSync('mkfifo', [join(root, 'kernel', 'iommu_groups', '3', 'type')]);
  symlinkSync('/dev/null', join(root, 'kernel', 'iommu_groups', '3', 'null'));
  symlinkSync('/dev/zero', join(root, 'kernel', 'iommu_groups', '3', 'zero'));
  const p = livePort({ sysRoot: root });
  const g = '/sys/kernel/iommu_groups/3';
  assert.equal(errno(p.read(`${g}/type`)), 'EINVAL');
  assert.equal(errno(p.read(`${g}/null`)), 'EINVAL');
  assert.equal(errno(p.read(`${g}/zero`)), 'EINVAL');
  assert.equal(errno(p.read(`${g}/name`)), 'EISDIR');
  assert.deepEqual(p.read(`${g}/reserved_regions`), { ok: true, value: '' });
  assert.equal(p.read(`${g}/big`).ok && (p.read(`${g}/big`) as { value: string }).value.length, 70_000);
  assert.equal(errno(p.readBytes(`${g}/zero`, 4096)), 'EINVAL', 'max reached on a device: still checked');
});
