/**
 * Spec §9 scenarios 20, 21 and 24: `iommu_attach_device()`'s singleton rule, an identity-domain replacement
 * under a kernel driver (AMD, 5.19), and the owner_cnt that CONFIG_DEBUG_TEST_DRIVER_REMOVE leaks (before 6.6).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { checkInvariants } from '../invariants.js';
import { inspectGroup } from '../inspect.js';
import { iommuGroupClaimDmaOwner } from './group.js';
import { host } from '../testing/host-builder.js';
import { expectErrno, expectOk, toVfio } from '../testing/expect.js';

const A = '0000:01:00.0', B = '0000:01:00.1';
const L = '5.10.0-46-amd64', O2 = '6.1.0-56-amd64';
const ALL = [L, '5.19.0', '6.0.0', O2];

for (const rel of ALL) {
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
