/**
 * The user-space proof after a plan (vfio-proof.ts), on the model: the group/container path and the
 * vfio cdev path (spec §5.3–5.5, §6.5; drivers/vfio/device_cdev.c and group.c as in 6.12), each with a
 * success and the failures a plan can still meet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../model/index.js';
import { inspectGroup } from '../model/inspect.js';
import { host } from '../model/examples/host-builder.js';
import { proofSummary, proveCdevPath, proveGroupPath } from './vfio-proof.js';

const A = '0000:01:00.0', B = '0000:01:00.1';
const C_REL = '6.12.117-oracle-iommufd';

test('cdev path (6.12 iommufd build): open /dev/iommu, IOAS_ALLOC, per device open vfioN, BIND, ATTACH — then all closed, ownership released', () => {
  const k = createKernel(host(C_REL).group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'vfio-pci').build());
  const p = proveCdevPath(k, 7, [A, B]);
  assert.equal(p.ok, true, JSON.stringify(p.calls));
  assert.deepEqual(p.calls.filter((c) => !c.call.startsWith('close')).map((c) => c.call.split(' {')[0]!.replace(/ on .*/, '')), [
    'open /dev/iommu', 'ioctl IOMMU_IOAS_ALLOC',
    `list /sys/bus/pci/devices/${A}/vfio-dev`, 'open /dev/vfio/devices/vfio0', 'ioctl VFIO_DEVICE_BIND_IOMMUFD', 'ioctl VFIO_DEVICE_ATTACH_IOMMUFD_PT',
    `list /sys/bus/pci/devices/${B}/vfio-dev`, 'open /dev/vfio/devices/vfio1', 'ioctl VFIO_DEVICE_BIND_IOMMUFD', 'ioctl VFIO_DEVICE_ATTACH_IOMMUFD_PT',
  ]);
  assert.equal(p.calls.filter((c) => c.call.startsWith('close')).length, 3);
  assert.equal(inspectGroup(k, 7)?.ownerCnt, 0, 'closing the cdevs released the claim');
  assert.match(proofSummary(p), /^cdev path .* — all ok$/);
});

test('cdev path: a kernel driver left in the group → BIND_IOMMUFD EPERM (iommu_device_claim_dma_owner), and the proof says where', () => {
  const k = createKernel(host(C_REL).group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'e1000e').build());
  const p = proveCdevPath(k, 7, [A]);
  assert.equal(p.ok, false);
  const failed = p.calls.find((c) => c.result === 'EPERM');
  assert.match(failed?.call ?? '', /VFIO_DEVICE_BIND_IOMMUFD/);
  assert.match(proofSummary(p), /BIND_IOMMUFD .* → EPERM/);
});

test('cdev path: a RESV_DIRECT member refuses the claim on 6.6+ (EINVAL, a48ce36e2786)', () => {
  const k = createKernel(host(C_REL).group(7, [A]).bound(A, 'vfio-pci').reserved(7, [{ start: 0xe0000n, end: 0xfffffn, type: 'direct' }]).build());
  const p = proveCdevPath(k, 7, [A]);
  assert.equal(p.ok, false);
  assert.ok(p.calls.some((c) => c.call.includes('VFIO_DEVICE_BIND_IOMMUFD') && c.result === 'EINVAL'));
});

test('cdev path on 6.1: no /dev/iommu (ENOENT) — nothing else is tried', () => {
  const k = createKernel(host('6.1.0-56-amd64').group(7, [A]).bound(A, 'vfio-pci').build());
  const p = proveCdevPath(k, 7, [A]);
  assert.equal(p.ok, false);
  assert.equal(p.calls[0]?.call, 'open /dev/iommu');
  assert.notEqual(p.calls[0]?.result.startsWith('fd'), true);
});

for (const rel of ['6.1.0-56-amd64', C_REL]) {
  test(`group path (${rel}): GET_STATUS VIABLE, SET_CONTAINER, SET_IOMMU type1v2, GET_DEVICE_FD per device; all closed`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'vfio-pci').build());
    const p = proveGroupPath(k, 7, [A, B]);
    assert.equal(p.ok, true, JSON.stringify(p.calls));
    assert.equal(p.calls.filter((c) => c.call.includes('VFIO_GROUP_GET_DEVICE_FD')).length, 2);
    assert.equal(p.calls.filter((c) => c.call.startsWith('close')).length, 4, 'two device fds, the group, the container');
    assert.equal(inspectGroup(k, 7)?.ownerCnt, 0);
  });
}

test('group path: a kernel driver in the group → not VIABLE, no SET_CONTAINER attempted', () => {
  const k = createKernel(host('6.1.0-56-amd64').group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'snd_hda_intel').build());
  const p = proveGroupPath(k, 7, [A]);
  assert.equal(p.ok, false);
  assert.ok(!p.calls.some((c) => c.call.includes('SET_CONTAINER')));
  assert.match(proofSummary(p), /VIABLE → failed/);
});
