import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { capturePort, openCapturePort } from './capture-port.js';
import { tableOf } from './capture-entries.js';
import { readCaptureFile, validateCapture, type SysfsCapture } from './read-capture.js';

function cap(entries: Record<string, unknown>): SysfsCapture {
  const r = validateCapture({ format: 'sysfs-capture/1', kernel: '6.1.0', cmdline: ['intel_iommu=on'], entries });
  assert.ok(r.ok, r.ok ? '' : r.why);
  return r.value;
}

const base = {
  'bus/pci/devices/0000:01:00.0': { link: '../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0' },
  'devices/pci0000:00/0000:00:01.0/0000:01:00.0/vendor': '0x10de\n',
  'devices/pci0000:00/0000:00:01.0/0000:01:00.0/config': { hex: 'de10061f' },
  'devices/pci0000:00/0000:00:01.0/0000:01:00.0/iommu_group': { link: '../../../../kernel/iommu_groups/3' },
  'devices/pci0000:00/0000:00:01.0/0000:01:00.0/secret': { error: 'EACCES' },
  'kernel/iommu_groups/3/type': 'DMA\n',
  'bus/pci/drivers/vfio-pci': { dir: true },
  'loop/a': { link: 'b' },
  'loop/b': { link: 'a' },
  'dangling': { link: 'nowhere/at/all' },
};

test('reads follow links through parent chains like sysfs', () => {
  const p = capturePort(cap(base));
  assert.deepEqual(p.read('/sys/bus/pci/devices/0000:01:00.0/vendor'), { ok: true, value: '0x10de\n' });
  const b = p.readBytes('/sys/bus/pci/devices/0000:01:00.0/config');
  assert.ok(b.ok);
  assert.deepEqual([...b.value], [0xde, 0x10, 0x06, 0x1f]);
  assert.deepEqual(p.readLink('/sys/bus/pci/devices/0000:01:00.0'), { ok: true, value: '../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0' });
  // the group link followed, then a file in the group directory
  assert.deepEqual(p.read('/sys/bus/pci/devices/0000:01:00.0/iommu_group/type'), { ok: true, value: 'DMA\n' });
  // '..' after a link applies to the resolved directory, as in the VFS
  assert.deepEqual(p.list('/sys/bus/pci/devices/0000:01:00.0/..'), { ok: true, value: ['0000:01:00.0'] });
});

test('directories are implied by keys and listed sorted', () => {
  const p = capturePort(cap(base));
  assert.deepEqual(p.list('/sys/bus/pci'), { ok: true, value: ['devices', 'drivers'] });
  assert.deepEqual(p.list('/sys/bus/pci/drivers/vfio-pci'), { ok: true, value: [] });
  assert.deepEqual(p.list('/sys/bus/pci/devices/0000:01:00.0'), { ok: true, value: ['config', 'iommu_group', 'secret', 'vendor'] });
});

test('each failure keeps its own errno', () => {
  const p = capturePort(cap(base));
  const e = (r: { ok: boolean; errno?: string }): string | undefined => (r.ok ? 'ok' : r.errno);
  assert.equal(e(p.read('/sys/bus/pci/devices/0000:01:00.0/secret')), 'EACCES');
  assert.equal(e(p.read('/sys/bus/pci/devices/0000:01:00.0/nothing')), 'ENOENT');
  assert.equal(e(p.read('/sys/loop/a')), 'ELOOP');
  assert.equal(e(p.read('/sys/dangling')), 'ENOENT');
  assert.equal(e(p.read('/sys/bus/pci')), 'EISDIR');
  assert.equal(e(p.list('/sys/bus/pci/devices/0000:01:00.0/vendor')), 'ENOTDIR');
  assert.equal(e(p.read('/sys/bus/pci/devices/0000:01:00.0/vendor/x')), 'ENOTDIR');
  assert.equal(e(p.readLink('/sys/bus/pci/drivers')), 'EINVAL');
  assert.equal(e(p.write('/sys/bus/pci/drivers_probe', '0000:01:00.0')), 'EROFS');
  assert.equal(e(p.read('/etc/passwd')), 'ENOENT');
});

test('/proc/cmdline and osrelease come from the capture header', () => {
  const p = capturePort(cap(base));
  assert.deepEqual(p.read('/proc/cmdline'), { ok: true, value: 'intel_iommu=on\n' });
  assert.deepEqual(p.read('/proc/sys/kernel/osrelease'), { ok: true, value: '6.1.0\n' });
});

test('a released port throws on every call (our bug, never an answer from nothing); config bytes it answered stay as they were', () => {
  const h = openCapturePort(cap(base));
  const before = h.port.readBytes('/sys/bus/pci/devices/0000:01:00.0/config');
  assert.ok(before.ok);
  const copy = [...before.value];
  h.release();
  const p = h.port;
  for (const call of [() => p.read('/sys/bus/pci/devices/0000:01:00.0/vendor'), () => p.read('/proc/cmdline'), () => p.readBytes('/sys/bus/pci/devices/0000:01:00.0/config'),
    () => p.readLink('/sys/bus/pci/devices/0000:01:00.0'), () => p.list('/sys/bus/pci'), () => p.write('/sys/bus/pci/drivers_probe', '0000:01:00.0')]) {
    assert.throws(call, /this capture's \/sys was released once the host was described/);
  }
  assert.deepEqual([...before.value], copy);
});

test('release frees a table read from a file: its arrays are empty, its strings gone, and the capture\'s entries can no longer be made from it', () => {
  const c = readCaptureFile(join(process.cwd(), 'samples/desktop-gpu.json'));
  assert.ok(c.ok);
  const t = tableOf(c.value);
  assert.ok(t !== undefined, 'read in one pass');
  const h = openCapturePort(c.value);
  const cfg = h.port.readBytes('/sys/bus/pci/devices/0000:01:00.0/config');
  assert.ok(cfg.ok && cfg.value.length === 4096);
  const kept = Buffer.from(cfg.value).toString('hex');
  assert.ok(t.arena.byteLength > 0 && t.parent.byteLength > 0 && t.values.strings.length > 0);
  h.release();
  for (const a of [t.parent, t.name, t.firstChild, t.nextSibling, t.kind, t.val, t.order, t.arena]) assert.equal(a.byteLength, 0);
  assert.equal(t.names.strings.length, 0);
  assert.equal(t.values.strings.length, 0);
  assert.throws(() => c.value.entries, /table was released/);
  assert.equal(Buffer.from(cfg.value).toString('hex'), kept, 'the answered config is not the table\'s memory');
});
