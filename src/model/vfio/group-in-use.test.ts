/**
 * Spec §9 scenarios 12–14, 19 and 25 on L (5.10), O1 (5.19, 6.0) and O2 (6.1): a vfio group while it is open —
 * unbinding and rebinding its devices, releasing it, opening it twice, and noiommu groups.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { inspectDevice, inspectGroup, inspectVfioGroup, kernelLog } from '../inspect.js';
import { host } from '../testing/host-builder.js';
import { expectErrno, expectOk, openGroup, toVfio } from '../testing/expect.js';

const A = '0000:01:00.0', B = '0000:01:00.1';
const L = '5.10.0-46-amd64', O2 = '6.1.0-56-amd64';
const ALL = [L, '5.19.0', '6.0.0', O2];

function backToE1000e(k: ReturnType<typeof createKernel>, bdf: string) {
  expectOk(k, k.write(`/sys/bus/pci/devices/${bdf}/driver_override`, ''));
  return k.write('/sys/bus/pci/drivers/e1000e/bind', bdf);
}

for (const rel of ALL) {
  test(`scenario 12 (${rel}): unbind a vfio device, rebind a kernel driver while the group is open`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'vfio-pci').build());
    const [, g] = openGroup(k, 7);
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
    expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/unbind', B));
    const r = backToE1000e(k, B);
    if (rel === L) expectErrno(k, 'oops', r);
    else expectErrno(k, 'EBUSY', r);
  });

  test(`scenario 13 (${rel}): last vfio device unbound while the group fd is open`, () => {
    const k = createKernel(host(rel).group(7, [A]).bound(A, 'vfio-pci').build());
    const [c, g] = openGroup(k, 7);
    const u = k.write('/sys/bus/pci/drivers/vfio-pci/unbind', A);
    if (rel === L) {
      assert.match(expectErrno(k, 'blocked', u), /waiting until the group leaves container/);
      const id = u.ok ? '' : u.id ?? '';
      expectErrno(k, 'blocked', k.wait(id));
      expectOk(k, k.close(g));
      expectOk(k, k.wait(id));
      expectOk(k, backToE1000e(k, A));
    } else if (rel === '5.19.0' || rel === '6.0.0') {
      expectOk(k, u);
      assert.match(expectErrno(k, 'EBUSY', backToE1000e(k, A)), /owned by container file/);
      expectOk(k, k.close(g));
      expectOk(k, k.write('/sys/bus/pci/drivers/e1000e/bind', A));
    } else {
      expectOk(k, u);
      assert.equal(inspectGroup(k, 7)?.ownerCnt, 0);
      expectErrno(k, 'ENODEV', k.ioctl(g, 'VFIO_GROUP_GET_STATUS'));
      expectErrno(k, 'ENODEV', k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
      expectErrno(k, 'ENOENT', k.stat('/dev/vfio/7'));
      expectOk(k, backToE1000e(k, A));
    }
  });

  test(`scenario 14 (${rel}): release restores kernel use; UNSET_CONTAINER with a device fd open is EBUSY`, () => {
    const k = createKernel(host(rel).group(7, [A]).bound(A, 'vfio-pci').build());
    const [c, g] = openGroup(k, 7);
    const d = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }))['fd'] as number;
    expectErrno(k, 'EBUSY', k.ioctl(g, 'VFIO_GROUP_UNSET_CONTAINER'));
    expectOk(k, k.close(d));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_UNSET_CONTAINER'));
    const v = inspectGroup(k, 7);
    assert.deepEqual([v?.ownerCnt, v?.owner, v?.domain], [0, null, 'default']);
    expectOk(k, k.close(g));
    expectOk(k, k.close(c));
    expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/unbind', A));
    expectOk(k, backToE1000e(k, A));
    if (rel !== L) assert.equal(inspectGroup(k, 7)?.ownerCnt, 1);
  });

  test(`scenario 19 (${rel}): a second open of the group is EBUSY`, () => {
    const k = createKernel(host(rel).group(7, [A]).bound(A, 'vfio-pci').build());
    expectOk(k, k.open('/dev/vfio/7'));
    expectErrno(k, 'EBUSY', k.open('/dev/vfio/7'));
  });

  test(`scenario 25 (${rel}): noiommu mode`, () => {
    const hb = host(rel).device('0000:03:00.0');
    const off = createKernel(hb.build());
    expectOk(off, off.write('/sys/bus/pci/devices/0000:03:00.0/driver_override', 'vfio-pci'));
    // 5.10: really_probe returns 0 on a probe error, so sysfs bind says ENODEV; 5.14+ the probe's -EINVAL flows.
    assert.match(expectErrno(off, rel === L ? 'ENODEV' : 'EINVAL', off.write('/sys/bus/pci/drivers/vfio-pci/bind', '0000:03:00.0')), /no IOMMU group/);
    const k = createKernel(hb.build(), { noiommuMode: true });
    toVfio(k, '0000:03:00.0');
    const gid = inspectDevice(k, '0000:03:00.0')?.group as number;
    expectOk(k, k.stat(`/dev/vfio/noiommu-${gid}`));
    assert.equal(expectOk(k, k.read(`/sys/kernel/iommu_groups/${gid}/name`)), 'vfio-noiommu\n');
    assert.ok(k.state.taint.length > 0);
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    const g = expectOk(k, k.open(`/dev/vfio/noiommu-${gid}`));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    assert.equal(inspectGroup(k, gid)?.ownerCnt, 0, 'no ownership claim on a fake group');
    expectErrno(k, 'ENODEV', k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
    expectOk(k, k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_NOIOMMU_IOMMU' }));
    const user = createKernel(hb.build(), { noiommuMode: true, capSysRawio: false });
    toVfio(user, '0000:03:00.0');
    expectErrno(user, 'EPERM', user.open(`/dev/vfio/noiommu-${inspectDevice(user, '0000:03:00.0')?.group}`));
  });
}

test('scenario 13 detail (6.1): the old group fd survives as a stub and closes cleanly', () => {
  const k = createKernel(host(O2).group(7, [A]).bound(A, 'vfio-pci').build());
  const [c, g] = openGroup(k, 7);
  expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/unbind', A));
  assert.equal(inspectVfioGroup(k, 7)?.hasIommuGroup, false);
  expectOk(k, k.close(g));
  expectOk(k, k.close(c));
  assert.equal(inspectVfioGroup(k, 7), null);
  assert.equal(kernelLog(k).length, 0);
});
