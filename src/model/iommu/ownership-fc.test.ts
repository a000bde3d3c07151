/**
 * F/C ownership (iommu.c 6.2+): device-centric claims with a shared cookie, NULL cookie, PASIDs,
 * RESV_DIRECT; and the vfio group fd given an iommufd (scenario 3, 16) — no iommufd objects needed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { inspectGroup } from '../inspect.js';
import { iommuDeviceClaimDmaOwner, iommuDeviceReleaseDmaOwner, iommuGroupClaimDmaOwner } from './group.js';
import { host } from '../testing/host-builder.js';
import { expectErrno, expectOk } from '../testing/expect.js';

const A = '0000:01:00.0', B = '0000:01:00.1';
const F = '6.3.0', C = '6.12.117-oracle-iommufd';

for (const rel of [F, C]) {
  test(`scenario 3 (${rel}): group fd with an iommufd; GET_DEVICE_FD claims and meets the kernel user (EPERM)`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'e1000e').bound(B, 'vfio-pci').build());
    const ictx = expectOk(k, k.open('/dev/iommu'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: ictx }));
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE', 'CONTAINER_SET'] });
    assert.match(expectErrno(k, 'EPERM', k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: B })), /owner_cnt=1 \(0000:01:00.0 bound to e1000e\)/);
  });

  test(`scenario 16 (${rel}): shared iommufd cookie counts devices`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'vfio-pci').build());
    const ictx = expectOk(k, k.open('/dev/iommu'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: ictx }));
    const a = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }))['fd'] as number;
    // vfio_iommufd_compat_attach_ioas (6.12 drivers/vfio/iommufd.c): the first open attaches to the compat IOAS's HWPT.
    assert.deepEqual([inspectGroup(k, 7)?.owner, inspectGroup(k, 7)?.ownerCnt, inspectGroup(k, 7)?.domain], ['iommufd_ctx 1', 1, 'user']);
    const b = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: B }))['fd'] as number;
    assert.equal(inspectGroup(k, 7)?.ownerCnt, 2);
    expectOk(k, k.close(a));
    assert.deepEqual([inspectGroup(k, 7)?.ownerCnt, inspectGroup(k, 7)?.domain], [1, 'user']);
    expectOk(k, k.close(b));
    assert.deepEqual([inspectGroup(k, 7)?.ownerCnt, inspectGroup(k, 7)?.owner, inspectGroup(k, 7)?.domain], [0, null, 'default']);
  });

  test(`device claim rules (${rel}): NULL cookie EINVAL, other cookie EPERM, group claim over device claim EPERM, kernel bind EBUSY`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).build());
    const s = k.state, g = s.groups.get(7), da = s.devices.get(A), db = s.devices.get(B);
    assert.ok(g && da && db);
    const e = (r: { ok: boolean; errno?: string }): string => (r.ok ? 'ok' : r.errno ?? '');
    assert.equal(e(iommuDeviceClaimDmaOwner(s, da, null)), 'EINVAL');
    assert.equal(e(iommuGroupClaimDmaOwner(s, g, null)), 'EINVAL');
    assert.equal(e(iommuDeviceClaimDmaOwner(s, da, 'ictx1')), 'ok');
    assert.equal(e(iommuDeviceClaimDmaOwner(s, db, 'ictx2')), 'EPERM');
    assert.equal(e(iommuGroupClaimDmaOwner(s, g, 'ictx1')), 'EPERM');
    assert.equal(e(iommuDeviceClaimDmaOwner(s, db, 'ictx1')), 'ok');
    expectErrno(k, 'EBUSY', k.write('/sys/bus/pci/drivers/e1000e/bind', B));
    iommuDeviceReleaseDmaOwner(s, db);
    iommuDeviceReleaseDmaOwner(s, da);
    assert.equal(g.ownerCnt, 0);
    expectOk(k, k.write('/sys/bus/pci/drivers/e1000e/bind', B));
  });

  test(`PASIDs (${rel}): an attached PASID makes claims and kernel binds EBUSY`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'e1000e').build());
    expectOk(k, k.attachDevicePasid(A, 1));
    expectErrno(k, 'EBUSY', k.attachDevicePasid(A, 1));
    expectErrno(k, 'EBUSY', k.write('/sys/bus/pci/drivers/e1000e/bind', B));
    expectOk(k, k.detachDevicePasid(A, 1));
    expectOk(k, k.write('/sys/bus/pci/drivers/e1000e/bind', B));
  });
}

test('RESV_DIRECT (C): a require_direct member refuses the blocking domain: SET_CONTAINER EINVAL; F allows it', () => {
  for (const [rel, want] of [[C, 'EINVAL'], [F, 'ok']] as const) {
    const k = createKernel(host(rel).group(7, [A]).reserved(7, [{ start: 0xe0000n, end: 0xfffffn, type: 'direct' }]).bound(A, 'vfio-pci').build());
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    const r = k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c });
    assert.equal(r.ok ? 'ok' : r.errno, want, rel);
    if (want === 'EINVAL') assert.ok(k.state.log.some((l) => l.includes('Firmware has requested this device have a 1:1 IOMMU mapping')));
  }
});

test('Debian 6.12 (+deb) has no /dev/iommu; the iommufd build has it', () => {
  assert.equal(createKernel(host('6.12.117+deb12-amd64').build()).stat('/dev/iommu').ok, false);
  assert.equal(createKernel(host(C).build()).stat('/dev/iommu').ok, true);
});
