/**
 * Spec §9 scenarios 1, 2, 5–11 on L (5.10), O1 (5.19, 6.0) and O2 (6.1) — group viability: who may join a
 * live group and what that does to it. Build a host, do syscalls,
 * expect results. Invariants are checked after every step by expectOk/expectErrno.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { inspectDevice, inspectGroup, kernelLog } from '../inspect.js';
import { host } from '../testing/host-builder.js';
import { expectErrno, expectOk, openGroup, toVfio } from '../testing/expect.js';

const A = '0000:01:00.0', B = '0000:01:00.1', C = '0000:01:00.2';
const L = '5.10.0-46-amd64';
const OWNED = ['5.19.0', '6.0.0', '6.1.0-56-amd64'];
const ALL = [L, ...OWNED];
const legacy = (r: string): boolean => r === L;

for (const rel of ALL) {
  test(`scenario 1 (${rel}): singleton happy path`, () => {
    const k = createKernel(host(rel).group(7, [A]).bound(A, 'e1000e').build());
    toVfio(k, A);
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE'] });
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    if (!legacy(rel)) {
      const v = inspectGroup(k, 7);
      assert.equal(v?.ownerCnt, 1);
      assert.equal(v?.owner, rel === '6.1.0-56-amd64' ? 'vfio_group 7' : `container file 1`);
      assert.equal(v?.domain, 'blocking');
    }
    expectOk(k, k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
    assert.equal(inspectGroup(k, 7)?.domain, 'user');
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE', 'CONTAINER_SET'] });
    const d = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
    assert.equal(typeof d['fd'], 'number');
  });

  test(`scenario 2 (${rel}): kernel driver in the group, open with a container`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'e1000e').bound(B, 'e1000e').build());
    toVfio(k, B);
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: [] });
    if (legacy(rel)) {
      expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
      expectOk(k, k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
      assert.equal(inspectGroup(k, 7)?.domainType, 'unmanaged', 'A\'s DMA now goes through the VFIO domain');
      assert.match(expectErrno(k, 'EINVAL', k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: B })), /not viable: 0000:01:00.0 bound to e1000e/);
    } else {
      const r = k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c });
      assert.match(expectErrno(k, 'EPERM', r), /group 7: owner_cnt=1 \(0000:01:00.0 bound to e1000e\)/);
      assert.ok(r.calls.some((s) => s.startsWith('iommu_group_claim_dma_owner: -EPERM')));
    }
  });

  test(`scenario 5 (${rel}): kernel bind into a live group`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'vfio-pci').build());
    const [, g] = openGroup(k, 7);
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
    const r = k.write('/sys/bus/pci/drivers/e1000e/bind', B);
    if (legacy(rel)) {
      assert.match(expectErrno(k, 'oops', r), /kernel BUG at drivers\/vfio\/vfio.c/);
      assert.equal(inspectDevice(k, B)?.driver, 'e1000e', 'probe ran: the driver is bound');
      expectErrno(k, 'blocked', k.write(`/sys/bus/pci/drivers/e1000e/unbind`, B));
    } else {
      assert.match(expectErrno(k, 'EBUSY', r), /group 7 owned by/);
      assert.deepEqual(r.calls.slice(0, 5), ['bind_store', 'device_driver_attach', 'really_probe', 'pci_dma_configure', r.calls[4]]);
      assert.equal(inspectDevice(k, B)?.driver, null);
      assert.equal(inspectGroup(k, 7)?.ownerCnt, 1);
      assert.equal(kernelLog(k).length, 0, 'dmesg silent');
    }
  });

  test(`scenario 6 (${rel}): group open, no container yet`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'vfio-pci').build());
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    expectOk(k, k.write('/sys/bus/pci/drivers/e1000e/bind', B));
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: [] });
    if (legacy(rel)) expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    else {
      assert.equal(inspectGroup(k, 7)?.ownerCnt, 1);
      expectErrno(k, 'EPERM', k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    }
  });

  test(`scenario 7/15 (${rel}): hot-add into a live group`, () => {
    const hb = host(rel).group(7, [A]).bound(A, 'vfio-pci');
    const k = createKernel(hb.build());
    const [, g] = openGroup(k, 7);
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
    const r = k.hotAdd(hb.pciDesc(C), { group: 7 });
    if (legacy(rel)) {
      expectErrno(k, 'oops', r);
      assert.ok(kernelLog(k).some((l) => l.includes('Device added to live group 7!')));
    } else {
      expectOk(k, r);
      assert.equal(inspectDevice(k, C)?.driver, null);
      assert.equal(inspectGroup(k, 7)?.ownerCnt, 1);
      assert.equal(inspectGroup(k, 7)?.domain, 'user');
      assert.match(expectErrno(k, 'EINVAL', k.write('/sys/bus/pci/drivers_probe', C)), /device_attach\(0000:01:00.2\) failed with -EBUSY/);
    }
  });

  test(`scenario 8 (${rel}): pcieport bridge in the group`, () => {
    const k = createKernel(host(rel).pcieport('0000:00:1c.0').group(7, ['0000:00:1c.0', A]).bound('0000:00:1c.0', 'pcieport').bound(A, 'vfio-pci').build());
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE'] });
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
  });

  test(`scenario 9 (${rel}): a non-pcieport bridge driver in the group`, () => {
    const k = createKernel(host(rel).bridge('0000:00:1e.0').group(7, ['0000:00:1e.0', A]).bound(A, 'vfio-pci').build());
    expectOk(k, k.write('/sys/bus/pci/drivers/shpchp/bind', '0000:00:1e.0'));
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    if (legacy(rel)) {
      assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE'] });
      expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    } else {
      assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: [] });
      assert.match(expectErrno(k, 'EPERM', k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c })), /bound to shpchp/);
    }
  });

  test(`scenario 10 (${rel}): pci-stub binds into a live group and stays viable`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'vfio-pci').build());
    const [, g] = openGroup(k, 7);
    expectOk(k, k.write(`/sys/bus/pci/devices/${B}/driver_override`, 'pci-stub'));
    expectOk(k, k.write('/sys/bus/pci/drivers/pci-stub/bind', B));
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE', 'CONTAINER_SET'] });
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
  });

  test(`scenario 11 (${rel}): a second vfio device joins a live group`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'vfio-pci').build());
    const [, g] = openGroup(k, 7);
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
    toVfio(k, B);
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: B }));
  });
}
