/**
 * `__device_release_driver()` order (drivers/base/dd.c, 5.10 through 6.12): `driver_sysfs_remove()` runs
 * before `device_remove()`, so while a vfio-pci unbind waits for user space the `driver` links are already
 * gone but `dev->driver` is still set. Evidence: conformance/{5.10,6.1,6.12}/S12 step 15 and 5.10/S13 steps
 * 12, 15, 16.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { expectErrno, expectOk, openGroup, toVfio } from '../testing/expect.js';
import { q35Like } from '../testing/host-builder.js';

const A = '0000:00:05.0', B = '0000:00:05.1', F = '0000:04:00.0';

for (const release of ['5.10.0-46-amd64', '6.1.0-56-amd64', '6.12.117+deb12-amd64']) {
  test(`conformance ${release.split('.').slice(0, 2).join('.')} S12: a blocked vfio-pci unbind has already removed the driver links`, () => {
    const k = createKernel(q35Like(release).build());
    toVfio(k, A); toVfio(k, B);
    const [, g] = openGroup(k, 1);
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
    const devB = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: B }))['fd'] as number;
    const u = k.write('/sys/bus/pci/drivers/vfio-pci/unbind', B);
    expectErrno(k, 'blocked', u);
    expectErrno(k, 'ENOENT', k.readLink(`/sys/bus/pci/devices/${B}/driver`));
    expectErrno(k, 'ENOENT', k.readLink(`/sys/bus/pci/drivers/vfio-pci/${B}`));
    assert.ok(!expectOk(k, k.list('/sys/bus/pci/drivers/vfio-pci')).includes(B));
    assert.equal(k.state.devices.get(B)?.driver, 'vfio-pci', 'dev->driver stays set until device_remove() returns');
    expectOk(k, k.close(devB));
    expectOk(k, k.wait(u.ok ? '' : u.id ?? ''));
    expectErrno(k, 'ENOENT', k.readLink(`/sys/bus/pci/devices/${B}/driver`));
    assert.equal(k.state.devices.get(B)?.driver, null);
  });
}

test('conformance 5.10/S13: in the window a sysfs bind answers ENODEV (bind_store reads dev->driver without the lock, 5.10 bus.c)', () => {
  const k = createKernel(q35Like('5.10.0-46-amd64').build());
  toVfio(k, F);
  const [c, g] = openGroup(k, 8);
  const devF = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: F }))['fd'] as number;
  expectOk(k, k.close(devF));
  expectOk(k, k.write(`/sys/bus/pci/devices/${F}/driver_override`, ''));
  const u = k.write('/sys/bus/pci/drivers/vfio-pci/unbind', F);
  expectErrno(k, 'blocked', u);
  expectErrno(k, 'ENOENT', k.readLink(`/sys/bus/pci/devices/${F}/driver`));
  expectErrno(k, 'ENODEV', k.write('/sys/bus/pci/drivers/e1000e/bind', F));
  expectOk(k, k.close(g));
  expectOk(k, k.close(c));
  expectOk(k, k.wait(u.ok ? '' : u.id ?? ''));
  expectErrno(k, 'ENOENT', k.readLink(`/sys/bus/pci/devices/${F}/driver`));
});

test('6.1: in the window a sysfs bind waits for device_lock (device_driver_attach locks before __driver_probe_device), then binds', () => {
  const k = createKernel(q35Like('6.1.0-56-amd64').build());
  toVfio(k, A); toVfio(k, B);
  const [, g] = openGroup(k, 1);
  const devB = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: B }))['fd'] as number;
  const u = k.write('/sys/bus/pci/drivers/vfio-pci/unbind', B);
  expectErrno(k, 'blocked', u);
  const b = k.write('/sys/bus/pci/drivers/vfio-pci/bind', B);
  expectErrno(k, 'blocked', b);
  expectOk(k, k.close(devB));
  expectOk(k, k.wait(u.ok ? '' : u.id ?? ''));
  expectOk(k, k.wait(b.ok ? '' : b.id ?? ''));
  assert.equal(expectOk(k, k.readLink(`/sys/bus/pci/devices/${B}/driver`)), '../../../bus/pci/drivers/vfio-pci');
});
