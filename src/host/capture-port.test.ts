import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capturePort } from './capture-port.js';
import { validateCapture, type SysfsCapture } from './read-capture.js';

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
