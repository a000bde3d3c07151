import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cdevDevice, findDmaHolders } from './processes.js';
import { hostRootPort } from './live-port.js';

/** A /proc and /sys below a temp root, with real fd symlinks (their targets need not exist). */
function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'dmaown-proc-'));
  const proc = (pid: number, comm: string, fds: Record<string, string>): void => {
    mkdirSync(join(root, 'proc', String(pid), 'fd'), { recursive: true });
    writeFileSync(join(root, 'proc', String(pid), 'comm'), `${comm}\n`);
    for (const [fd, target] of Object.entries(fds)) symlinkSync(target, join(root, 'proc', String(pid), 'fd', fd));
  };
  proc(100, 'qemu-system-x86', { 0: '/dev/null', 5: '/dev/vfio/vfio', 6: '/dev/vfio/7', 7: '/dev/vfio/7' });
  proc(200, 'cloud-hypervisor', { 3: '/dev/iommu', 4: '/dev/vfio/devices/vfio0' });
  proc(300, 'bash', { 0: '/dev/pts/0' });
  mkdirSync(join(root, 'proc', 'self'), { recursive: true });
  // vfio0: a real class device directory, as sysfs lays it out (class link, relative `device` link, iommu_group).
  const dev = 'sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0';
  mkdirSync(join(root, dev, 'vfio-dev/vfio0'), { recursive: true });
  mkdirSync(join(root, 'sys/class/vfio-dev'), { recursive: true });
  mkdirSync(join(root, 'sys/bus/pci/devices'), { recursive: true });
  mkdirSync(join(root, 'sys/kernel/iommu_groups/7'), { recursive: true });
  symlinkSync(`../../${dev}/vfio-dev/vfio0`, join(root, 'sys/class/vfio-dev/vfio0'));
  symlinkSync('../../../0000:01:00.0', join(root, dev, 'vfio-dev/vfio0/device'));
  symlinkSync(`../../../${dev.slice(4)}`, join(root, 'sys/bus/pci/devices/0000:01:00.0'));
  symlinkSync('../../../../kernel/iommu_groups/7', join(root, dev, 'iommu_group'));
  return root;
}

test('holders of /dev/vfio/N, VFIO cdevs and /dev/iommu are found through /proc/*/fd', () => {
  const root = tree();
  try {
    const h = findDmaHolders(hostRootPort(root));
    assert.deepEqual(h, [
      { pid: 100, comm: 'qemu-system-x86', path: '/dev/vfio/7', group: 7, bdf: null },
      { pid: 200, comm: 'cloud-hypervisor', path: '/dev/iommu', group: null, bdf: null },
      { pid: 200, comm: 'cloud-hypervisor', path: '/dev/vfio/devices/vfio0', group: 7, bdf: '0000:01:00.0' },
    ]);
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('a cdev holder maps to its device and group; a bare /dev/iommu holder has neither', () => {
  const root = tree();
  try {
    const h = findDmaHolders(hostRootPort(root));
    const cdev = h.find((x) => x.path === '/dev/vfio/devices/vfio0');
    assert.deepEqual([cdev?.bdf, cdev?.group], ['0000:01:00.0', 7]);
    const bare = h.find((x) => x.path === '/dev/iommu');
    assert.deepEqual([bare?.bdf, bare?.group], [null, null]);
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('cdevDevice: class link, then the relative device link, then a scan of /sys/bus/pci/devices/*/vfio-dev', () => {
  const links = (m: Record<string, string>, lists: Record<string, string[]> = {}) => ({
    read: () => ({ ok: false as const, errno: 'ENOENT' as const, why: '' }),
    readLink: (p: string) => (p in m ? { ok: true as const, value: m[p]! } : { ok: false as const, errno: 'ENOENT' as const, why: p }),
    list: (p: string) => (p in lists ? { ok: true as const, value: lists[p]! } : { ok: false as const, errno: 'ENOENT' as const, why: p }),
  });
  // The model's form: the class link, and `device` → '../..' (relative to the class device's real directory).
  assert.equal(cdevDevice(links({ '/sys/class/vfio-dev/vfio1/device': '../..', '/sys/class/vfio-dev/vfio1': '../../devices/pci0000:00/0000:00:1c.0/0000:01:00.1/vfio-dev/vfio1' }), 'vfio1'), '0000:01:00.1');
  // No class link: the device link alone.
  assert.equal(cdevDevice(links({ '/sys/class/vfio-dev/vfio2/device': '../../../devices/pci0000:00/0000:00:01.0/0000:02:00.0' }), 'vfio2'), '0000:02:00.0');
  // Neither: the per-device vfio-dev directories.
  assert.equal(cdevDevice(links({}, { '/sys/bus/pci/devices': ['0000:03:00.0', '0000:04:00.0'], '/sys/bus/pci/devices/0000:04:00.0/vfio-dev': ['vfio3'] }), 'vfio3'), '0000:04:00.0');
  assert.equal(cdevDevice(links({}), 'vfio9'), null);
});

test('no /proc: no holders, no exception', () => {
  assert.deepEqual(findDmaHolders(hostRootPort('/nonexistent-root')), []);
});

test('hostRootPort keeps errnos distinct', () => {
  const r = hostRootPort('/nonexistent-root');
  const x = r.read('/proc/1/comm');
  assert.equal(x.ok, false);
  assert.equal(!x.ok && x.errno, 'ENOENT');
});
