import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDmaHolders, liveReader } from './processes.js';

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
  mkdirSync(join(root, 'sys/class/vfio-dev/vfio0'), { recursive: true });
  symlinkSync('../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0', join(root, 'sys/class/vfio-dev/vfio0/device'));
  return root;
}

test('holders of /dev/vfio/N, VFIO cdevs and /dev/iommu are found through /proc/*/fd', () => {
  const root = tree();
  try {
    const h = findDmaHolders(liveReader(root));
    assert.deepEqual(h, [
      { pid: 100, comm: 'qemu-system-x86', path: '/dev/vfio/7', group: 7, bdf: null },
      { pid: 200, comm: 'cloud-hypervisor', path: '/dev/iommu', group: null, bdf: null },
      { pid: 200, comm: 'cloud-hypervisor', path: '/dev/vfio/devices/vfio0', group: null, bdf: '0000:01:00.0' },
    ]);
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('no /proc: no holders, no exception', () => {
  assert.deepEqual(findDmaHolders(liveReader('/nonexistent-root')), []);
});

test('liveReader keeps errnos distinct', () => {
  const r = liveReader('/nonexistent-root');
  const x = r.read('/proc/1/comm');
  assert.equal(x.ok, false);
  assert.equal(!x.ok && x.errno, 'ENOENT');
});
