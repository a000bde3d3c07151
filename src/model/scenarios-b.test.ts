/**
 * Spec §9 scenarios 12–14, 19–22, 24, 25 on L (5.10), O1 (5.19, 6.0) and O2 (6.1).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from './kernel.js';
import { checkInvariants } from './invariants.js';
import { inspectDevice, inspectGroup, inspectVfioGroup, kernelLog } from './inspect.js';
import { iommuGroupClaimDmaOwner } from './iommu/group.js';
import { host } from './testing/host-builder.js';
import { expectErrno, expectOk, openGroup, toVfio } from './testing/expect.js';

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

  test(`scenario 20 (${rel}): singleton rule for iommu_attach_device`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'e1000e').group(8, ['0000:02:00.0']).bound('0000:02:00.0', 'e1000e').build());
    expectErrno(k, 'EINVAL', k.iommuAttachDevice(A));
    expectOk(k, k.iommuAttachDevice('0000:02:00.0'));
    if (rel === L) return;
    const g8 = k.state.groups.get(8);
    assert.ok(g8);
    const claim = iommuGroupClaimDmaOwner(k.state, g8, 'test cookie');
    assert.equal(claim.ok ? 'ok' : claim.errno, 'EPERM');
    expectOk(k, k.write('/sys/bus/pci/drivers/e1000e/unbind', '0000:02:00.0'));
    toVfio(k, '0000:02:00.0');
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    const g = expectOk(k, k.open('/dev/vfio/8'));
    assert.match(expectErrno(k, 'EBUSY', k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c })), /e1000e private domain/);
  });

  test(`scenario 22 (${rel}): driver_override and drivers_probe`, () => {
    const k = createKernel(host(rel).group(7, [A]).build());
    expectOk(k, k.write(`/sys/bus/pci/devices/${A}/driver_override`, 'vfio-pci'));
    expectErrno(k, 'ENODEV', k.write('/sys/bus/pci/drivers/e1000e/bind', A));
    expectOk(k, k.write('/sys/bus/pci/drivers_probe', A));
    assert.equal(expectOk(k, k.readLink(`/sys/bus/pci/devices/${A}/driver`)), '../../../../bus/pci/drivers/vfio-pci');
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

for (const [rel, busy] of [['5.19.0', true], ['6.0.0', false], [O2, false]] as const) {
  test(`scenario 21 (${rel}): AMD identity-domain replacement ${busy ? 'blocks' : 'does not block'} the HD-audio bind`, () => {
    const hb = host(rel).device(A, { vendor: 0x1002, device: 0x73bf, class: 0x030000 }).device(B, { vendor: 0x1002, device: 0xab28, class: 0x040300 })
      .group(7, [A, B], 'identity').bound(A, 'amdgpu').driver('amdgpu');
    const k = createKernel(hb.build());
    expectOk(k, k.iommuAttachDevice(A, { type: 'identity', api: 'iommu_attach_group' }));
    const r = k.write('/sys/bus/pci/drivers/snd_hda_intel/bind', B);
    if (busy) expectErrno(k, 'EBUSY', r);
    else expectOk(k, r);
  });
}

for (const [rel, leaks] of [['5.19.0', true], [O2, true], ['6.5.0', true], ['6.6.0', false]] as const) {
  test(`scenario 24 (${rel}): CONFIG_DEBUG_TEST_DRIVER_REMOVE ${leaks ? 'leaks' : 'does not leak'} owner_cnt`, () => {
    const k = createKernel(host(rel).group(7, [A]).build(), { debugTestDriverRemove: true });
    assert.equal(k.write('/sys/bus/pci/drivers/e1000e/bind', A).ok, true);
    assert.equal(k.write('/sys/bus/pci/drivers/e1000e/unbind', A).ok, true);
    assert.equal(inspectGroup(k, 7)?.ownerCnt, leaks ? 1 : 0);
    if (!leaks) { assert.deepEqual(checkInvariants(k), []); return; }
    assert.match(checkInvariants(k).join('\n'), /0000:01:00.0 holds 1 owner_cnt but has no driver \(leaked count\)/);
    assert.equal(k.write(`/sys/bus/pci/devices/${A}/driver_override`, 'vfio-pci').ok, true);
    assert.equal(k.write('/sys/bus/pci/drivers/vfio-pci/bind', A).ok, true);
    const c = k.open('/dev/vfio/vfio'), g = k.open('/dev/vfio/7');
    assert.ok(c.ok && g.ok);
    const r = k.ioctl(g.value, 'VFIO_GROUP_SET_CONTAINER', { fd: c.value });
    assert.equal(r.ok ? 'ok' : r.errno, 'EPERM');
    assert.match(r.ok ? '' : r.why, /owner_cnt=1 \(0000:01:00.0 now on vfio-pci: count leaked by an earlier bind\)/);
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
