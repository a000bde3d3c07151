import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restoreBlockers } from './restore.js';

const devices = [
  { bdf: '0000:01:00.0', group: 8, driver: 'nvidia', driverOverride: null, requested: true },
  { bdf: '0000:01:00.1', group: 8, driver: 'snd_hda_intel', driverOverride: null, requested: false },
];

test('restore refuses devices user space still holds: by group file, by cdev device; others are no concern', () => {
  const held = restoreBlockers(devices, [
    { pid: 10, comm: 'qemu-system-x86', path: '/dev/vfio/8', group: 8, bdf: null },
    { pid: 20, comm: 'cloud-hypervisor', path: '/dev/vfio/devices/vfio1', group: 8, bdf: '0000:01:00.1' },
    { pid: 30, comm: 'other', path: '/dev/vfio/9', group: 9, bdf: null },
    { pid: 40, comm: 'bare', path: '/dev/iommu', group: null, bdf: null },
  ]);
  assert.equal(held.length, 2);
  assert.match(held[0] ?? '', /0000:01:00.0 \(group 8\) is held open by qemu-system-x86 \(pid 10\) through \/dev\/vfio\/8/);
  assert.match(held[1] ?? '', /0000:01:00.1 .* cloud-hypervisor \(pid 20\) through \/dev\/vfio\/devices\/vfio1/);
  assert.deepEqual(restoreBlockers(devices, []), []);
});
