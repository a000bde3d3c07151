/**
 * Issue 13, divergence 1 — "device-lock-on-read": sysfs `show` methods that take `device_lock(dev)`:
 * `driver_override_show()` (drivers/pci/pci-sysfs.c 5.10, 6.1, 6.12) and `sriov_numvfs_show()`
 * (drivers/pci/iov.c, since 5.9). While another task holds the lock — an unbind asleep in vfio-pci's
 * remove() until the device fd closes (`vfio_unregister_group_dev()` / 5.10 `vfio_del_group_dev()`), or the
 * 5.10 task killed by vfio's BUG_ON in BOUND_DRIVER, which never releases it — the read sleeps: 'blocked',
 * completed by a later `wait` once the lock is free, never after the BUG. Attributes without the lock
 * (vendor, …) answer at once. Recorded: conformance/{5.10,6.1}/S25. Debian's 6.12.117 (conformance/6.12/S25)
 * has the generic driver_override of cb3d1049f4ea (drivers/base/bus.c, a spinlock): neither the read nor the
 * write of driver_override waits there.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { host } from '../testing/host-builder.js';
import { expectErrno, expectOk, openGroup } from '../testing/expect.js';

const A = '0000:01:00.0', B = '0000:01:00.1';
const dov = (bdf: string): string => `/sys/bus/pci/devices/${bdf}/driver_override`;

for (const rel of ['5.10.0-46-amd64', '5.19.0', '6.1.0-56-amd64', '6.6.0', '6.12.50']) {
  test(`device-lock-on-read (${rel}): driver_override of a device whose unbind waits for its fd blocks until the fd closes`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'vfio-pci').override(A, 'vfio-pci').override(B, 'vfio-pci').build());
    const [, g] = openGroup(k, 7);
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
    const devB = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: B }))['fd'] as number;
    const unbind = k.write('/sys/bus/pci/drivers/vfio-pci/unbind', B);
    expectErrno(k, 'blocked', unbind);
    const read = k.read(dov(B));
    expectErrno(k, 'blocked', read);
    assert.match(read.ok ? '' : read.why, /driver_override_show: waiting for device_lock\(0000:01:00.1\)/);
    assert.equal(expectOk(k, k.read(`/sys/bus/pci/devices/${B}/vendor`)), '0x8086\n');
    assert.equal(expectOk(k, k.read(dov(A))), 'vfio-pci\n');
    const rid = read.ok ? '' : read.id ?? '';
    expectErrno(k, 'blocked', k.wait(rid));
    expectOk(k, k.close(devB));
    expectOk(k, k.wait(unbind.ok ? '' : unbind.id ?? ''));
    const done = k.wait(rid);
    assert.ok(done.ok, 'the read completes once the unbind releases the lock');
    assert.equal((done as { value: unknown }).value, 'vfio-pci\n');
    assert.equal(expectOk(k, k.read(dov(B))), 'vfio-pci\n');
  });
}

test('device-lock-on-read (5.10): after the vfio BUG_ON the killed task never releases the lock — the read never returns', () => {
  const k = createKernel(host('5.10.0-46-amd64').group(7, [A, B]).bound(A, 'vfio-pci').override(A, 'vfio-pci').build());
  const [c, g] = openGroup(k, 7);
  const devA = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }))['fd'] as number;
  expectErrno(k, 'oops', k.write('/sys/bus/pci/drivers/e1000e/bind', B));
  const read = k.read(dov(B));
  expectErrno(k, 'blocked', read);
  assert.equal(expectOk(k, k.read(dov(A))), 'vfio-pci\n');
  for (const fd of [devA, g, c]) expectOk(k, k.close(fd));
  expectErrno(k, 'blocked', k.wait(read.ok ? '' : read.id ?? ''));
});

test('device-lock-on-read (6.1): the same bind is EBUSY, the lock is free and the read answers at once', () => {
  const k = createKernel(host('6.1.0-56-amd64').group(7, [A, B]).bound(A, 'vfio-pci').override(A, 'vfio-pci').build());
  const [, g] = openGroup(k, 7);
  expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
  expectErrno(k, 'EBUSY', k.write('/sys/bus/pci/drivers/e1000e/bind', B));
  assert.equal(expectOk(k, k.read(dov(B))), '(null)\n');
});

test('device-lock-on-read (6.1): sriov_numvfs_show takes the lock too; sriov_totalvfs does not', () => {
  const k = createKernel(host('6.1.0-56-amd64').group(7, [A]).bound(A, 'vfio-pci').override(A, 'vfio-pci').sriov(A, 8, 0).build());
  const [, g] = openGroup(k, 7);
  const dev = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }))['fd'] as number;
  expectErrno(k, 'blocked', k.write('/sys/bus/pci/drivers/vfio-pci/unbind', A));
  const numvfs = k.read(`/sys/bus/pci/devices/${A}/sriov_numvfs`);
  expectErrno(k, 'blocked', numvfs);
  assert.equal(expectOk(k, k.read(`/sys/bus/pci/devices/${A}/sriov_totalvfs`)), '8\n');
  expectOk(k, k.close(dev));
  const done = k.wait(numvfs.ok ? '' : numvfs.id ?? '');
  assert.equal(done.ok && (done as { value: unknown }).value, '0\n');
});

for (const rel of ['6.12.117+deb12-amd64', '6.12.117-dmaown-iommufd']) {
  test(`device-lock-on-read (${rel}): the generic driver_override (spinlock) neither reads nor writes through the device lock`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'vfio-pci').override(A, 'vfio-pci').override(B, 'vfio-pci').build());
    const [, g] = openGroup(k, 7);
    const devB = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: B }))['fd'] as number;
    const unbind = k.write('/sys/bus/pci/drivers/vfio-pci/unbind', B);
    expectErrno(k, 'blocked', unbind);
    assert.equal(expectOk(k, k.read(dov(B))), 'vfio-pci\n');
    expectOk(k, k.write(dov(B), ''));
    assert.equal(expectOk(k, k.read(dov(B))), '(null)\n');
    expectErrno(k, 'blocked', k.write('/sys/bus/pci/drivers/e1000e/bind', B));
    expectOk(k, k.close(devB));
    expectOk(k, k.wait(unbind.ok ? '' : unbind.id ?? ''));
  });
}
