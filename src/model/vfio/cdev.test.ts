/**
 * The vfio group path with an iommufd (F: 6.2–6.5, C: 6.6+) and the vfio device cdev (C), spec §6.4–6.6,
 * scenarios 3, 4, 16, 17, 18, 23, and VFIO_DEVICE_BIND_IOMMUFD / ATTACH / DETACH with one test per errno.
 * Sources: drivers/vfio/{device_cdev.c,group.c,iommufd.c}, drivers/iommu/iommufd/device.c (6.12; group
 * path as in 6.3). The invariant checker runs after every step (expectOk / expectErrno).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { inspectGroup } from '../inspect.js';
import type { Kernel } from '../uapi.js';
import { expectErrno, expectOk, toVfio } from '../testing/expect.js';
import { host } from '../testing/host-builder.js';

const A = '0000:01:00.0', B = '0000:01:00.1';
const F_REL = '6.3.0', C_REL = '6.12.117-oracle-iommufd';

function owner(k: Kernel): [string | null | undefined, number | undefined, string | undefined] {
  const g = inspectGroup(k, 7);
  return [g?.owner, g?.ownerCnt, g?.domain];
}

for (const rel of [F_REL, C_REL]) {
  test(`scenario 3 (${rel}): group + iommufd with a kernel driver in the group: SET_CONTAINER ok, VIABLE|CONTAINER_SET, GET_DEVICE_FD EPERM`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'e1000e').build());
    const ictx = expectOk(k, k.open('/dev/iommu'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: ictx }));
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS'))['flags'], ['VIABLE', 'CONTAINER_SET']);
    assert.match(expectErrno(k, 'EPERM', k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A })), /0000:01:00\.1 bound to e1000e/);
    assert.deepEqual(owner(k), [null, 1, 'default']);
    assert.equal(k.state.iommufd.ctxs.get(1)?.objects.size, 1, 'only the compat IOAS: the failed bind left no DEVICE');
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_UNSET_CONTAINER'));
    expectOk(k, k.close(g));
    expectOk(k, k.close(ictx));
    assert.equal(k.state.iommufd.ctxs.size, 0);
  });

  test(`scenario 16 (${rel}): group path binds each device to the ctx (ids: compat IOAS 1, devices 2, 4, auto HWPT 3), one domain, shared cookie`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'vfio-pci').build());
    const ictx = expectOk(k, k.open('/dev/iommu'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: ictx }));
    assert.deepEqual(owner(k), [null, 0, 'default'], 'no claim at SET_CONTAINER');
    const a = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }))['fd'] as number;
    const b = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: B }))['fd'] as number;
    const objs = [...(k.state.iommufd.ctxs.get(1)?.objects.values() ?? [])].map((o) => `${o.id}:${o.type}`).sort();
    assert.deepEqual(objs, ['1:IOAS', '2:DEVICE', '3:HWPT_PAGING', '4:DEVICE']);
    assert.deepEqual(owner(k), ['iommufd_ctx 1', 2, 'user']);
    expectErrno(k, 'EBUSY', k.ioctl(ictx, 'IOMMU_DESTROY', { id: 3 }));
    expectOk(k, k.close(a));
    assert.deepEqual(owner(k), ['iommufd_ctx 1', 1, 'user']);
    expectOk(k, k.close(b));
    assert.deepEqual(owner(k), [null, 0, 'default']);
    assert.deepEqual([...(k.state.iommufd.ctxs.get(1)?.objects.keys() ?? [])], [1], 'the auto HWPT went with its last device');
    expectOk(k, k.ioctl(ictx, 'IOMMU_DESTROY', { id: 1 }));
    const again = k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A });
    assert.match(expectErrno(k, 'ENODEV', again), /compat IOAS/);
    assert.deepEqual(owner(k), [null, 0, 'default'], 'a failed compat attach unbinds again');
  });

  test(`scenario 23 (${rel}): a RESV_DIRECT member — ${rel === C_REL ? 'the claim refuses the blocking domain: EINVAL' : 'F claims it (the refusal came with 6.6)'}`, () => {
    const k = createKernel(host(rel).group(7, [A]).bound(A, 'vfio-pci').reserved(7, [{ start: 0xe0000n, end: 0xfffffn, type: 'direct' }]).build());
    const ictx = expectOk(k, k.open('/dev/iommu'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: ictx }));
    const r = k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A });
    if (rel === C_REL) {
      assert.match(expectErrno(k, 'EINVAL', r), /requires direct mapping/);
      assert.match(k.state.log.join('\n'), /Firmware has requested this device have a 1:1 IOMMU mapping/);
      const dev = expectOk(k, k.open('/dev/vfio/devices/vfio0'));
      expectErrno(k, 'EBUSY', k.ioctl(dev, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx }));
      expectOk(k, k.close(g));
      expectErrno(k, 'EINVAL', k.ioctl(dev, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx }));
    } else {
      expectOk(k, r);
      assert.deepEqual(owner(k), ['iommufd_ctx 1', 1, 'user']);
    }
  });
}

function cdevHost(): Kernel {
  return createKernel(host(C_REL).group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'vfio-pci').build());
}

test('scenario 4 (C): cdev open is fine, BIND_IOMMUFD is EPERM while a kernel driver uses the group', () => {
  const k = createKernel(host(C_REL).group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'e1000e').build());
  const ictx = expectOk(k, k.open('/dev/iommu'));
  const dev = expectOk(k, k.open('/dev/vfio/devices/vfio0'));
  assert.match(expectErrno(k, 'EPERM', k.ioctl(dev, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx })), /owner_cnt=1/);
  expectErrno(k, 'EINVAL', k.ioctl(dev, 'VFIO_DEVICE_GET_INFO'));
  expectOk(k, k.write(`/sys/bus/pci/devices/${B}/driver/unbind`, B));
  assert.equal(expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx }))['devid'], 1);
  assert.deepEqual(expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_GET_INFO'))['num_regions'], 9);
  expectErrno(k, 'EBUSY', k.write('/sys/bus/pci/drivers/e1000e/bind', B));
});

test('scenario 17 (C): two iommufds — B on ictx2 EPERM, on ictx1 ok (cnt 2); a second HWPT for the group EINVAL; replace moves the group', () => {
  const k = cdevHost();
  const i1 = expectOk(k, k.open('/dev/iommu')), i2 = expectOk(k, k.open('/dev/iommu'));
  const da = expectOk(k, k.open('/dev/vfio/devices/vfio0')), db = expectOk(k, k.open('/dev/vfio/devices/vfio1'));
  const ioas = expectOk(k, k.ioctl(i1, 'IOMMU_IOAS_ALLOC'))['id'];
  const devA = expectOk(k, k.ioctl(da, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: i1 }))['devid'];
  assert.match(expectErrno(k, 'EPERM', k.ioctl(db, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: i2 })), /owned by iommufd_ctx 1/);
  const devB = expectOk(k, k.ioctl(db, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: i1 }))['devid'];
  assert.deepEqual([ioas, devA, devB, owner(k)[1]], [1, 2, 3, 2]);
  const h1 = expectOk(k, k.ioctl(da, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }))['pt_id'];
  const h2 = expectOk(k, k.ioctl(i1, 'IOMMU_HWPT_ALLOC', { dev_id: devB, pt_id: ioas }))['id'];
  assert.deepEqual([h1, h2], [4, 5]);
  assert.match(expectErrno(k, 'EINVAL', k.ioctl(db, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: h2 })), /one domain/);
  assert.equal(expectOk(k, k.ioctl(db, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }))['pt_id'], h1, 'the IOAS finds the group\'s auto HWPT');
  assert.equal(expectOk(k, k.ioctl(da, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: h2 }))['pt_id'], h2, 'attached: replace');
  assert.equal(k.state.groups.get(7)?.domain, (k.state.iommufd.ctxs.get(1)?.objects.get(5) as { domain: number }).domain);
  assert.equal(k.state.iommufd.ctxs.get(1)?.objects.has(4), false, 'the replaced auto HWPT is destroyed');
  expectOk(k, k.ioctl(da, 'VFIO_DEVICE_DETACH_IOMMUFD_PT'));
  expectOk(k, k.ioctl(da, 'VFIO_DEVICE_DETACH_IOMMUFD_PT'));
  assert.equal(owner(k)[2], 'user', 'B keeps the group on the HWPT');
  expectOk(k, k.ioctl(db, 'VFIO_DEVICE_DETACH_IOMMUFD_PT'));
  assert.deepEqual(owner(k), ['iommufd_ctx 1', 2, 'blocking']);
  expectOk(k, k.close(da)); expectOk(k, k.close(db));
  assert.deepEqual(owner(k), [null, 0, 'default']);
});

test('scenario 18 (C): group fd open → BIND EBUSY; a bound cdev → open(/dev/vfio/7) EBUSY; unbound cdev files block neither', () => {
  const k = cdevHost();
  const ictx = expectOk(k, k.open('/dev/iommu'));
  const da = expectOk(k, k.open('/dev/vfio/devices/vfio0'));
  const g = expectOk(k, k.open('/dev/vfio/7'));
  assert.match(expectErrno(k, 'EBUSY', k.ioctl(da, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx })), /group path/);
  expectOk(k, k.close(g));
  expectOk(k, k.ioctl(da, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx }));
  expectErrno(k, 'EBUSY', k.open('/dev/vfio/7'));
  expectOk(k, k.close(da));
  expectOk(k, k.close(expectOk(k, k.open('/dev/vfio/7'))));
});

test('VFIO_DEVICE_BIND_IOMMUFD errnos: EINVAL flags / negative fd / twice / second file / group-path fd; EBADF; EBADFD', () => {
  const k = cdevHost();
  const ictx = expectOk(k, k.open('/dev/iommu'));
  const da = expectOk(k, k.open('/dev/vfio/devices/vfio0'));
  expectErrno(k, 'EINVAL', k.ioctl(da, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx, flags: 1 }));
  expectErrno(k, 'EINVAL', k.ioctl(da, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: -1 }));
  expectErrno(k, 'EBADF', k.ioctl(da, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: 99 }));
  const c = expectOk(k, k.open('/dev/vfio/vfio'));
  expectErrno(k, 'EBADFD', k.ioctl(da, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: c }));
  expectOk(k, k.ioctl(da, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx }));
  expectErrno(k, 'EINVAL', k.ioctl(da, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx }));
  const da2 = expectOk(k, k.open('/dev/vfio/devices/vfio0'));
  assert.match(expectErrno(k, 'EINVAL', k.ioctl(da2, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx })), /open_count/);
  expectOk(k, k.close(da2)); expectOk(k, k.close(da));
  const g = expectOk(k, k.open('/dev/vfio/7'));
  expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: ictx }));
  const gd = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }))['fd'] as number;
  expectErrno(k, 'EINVAL', k.ioctl(gd, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx }));
  expectErrno(k, 'ENOTTY', k.ioctl(gd, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: 1 }));
});

test('PASID attachments block the claim: BIND_IOMMUFD EBUSY (pasid_array non-empty)', () => {
  const k = cdevHost();
  const ictx = expectOk(k, k.open('/dev/iommu'));
  const da = expectOk(k, k.open('/dev/vfio/devices/vfio0'));
  expectOk(k, k.attachDevicePasid(A, 1));
  assert.match(expectErrno(k, 'EBUSY', k.ioctl(da, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx })), /PASID/);
  expectOk(k, k.detachDevicePasid(A, 1));
  expectOk(k, k.ioctl(da, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx }));
});

test('ATTACH/DETACH_IOMMUFD_PT errnos: EINVAL before bind, EINVAL flags, ENOENT unknown pt_id, EINVAL pt_id of a device', () => {
  const k = cdevHost();
  const ictx = expectOk(k, k.open('/dev/iommu'));
  const da = expectOk(k, k.open('/dev/vfio/devices/vfio0'));
  expectErrno(k, 'EINVAL', k.ioctl(da, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: 1 }));
  expectErrno(k, 'EINVAL', k.ioctl(da, 'VFIO_DEVICE_DETACH_IOMMUFD_PT'));
  const devid = expectOk(k, k.ioctl(da, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx }))['devid'];
  expectErrno(k, 'EINVAL', k.ioctl(da, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: 1, flags: 1 }));
  expectErrno(k, 'EINVAL', k.ioctl(da, 'VFIO_DEVICE_DETACH_IOMMUFD_PT', { flags: 1 }));
  expectErrno(k, 'ENOENT', k.ioctl(da, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: 7 }));
  expectErrno(k, 'EINVAL', k.ioctl(da, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: devid }));
  expectOk(k, k.ioctl(da, 'VFIO_DEVICE_DETACH_IOMMUFD_PT'));
});

test('sysfs and /dev: vfioN per registered vfio device in registration order, reused after free; /sys/class/vfio-dev links; unbind waits for the cdev', () => {
  const k = createKernel(host(C_REL).group(7, [A]).group(8, [B]).bound(A, 'e1000e').bound(B, 'e1000e').build());
  toVfio(k, B); toVfio(k, A);
  assert.deepEqual(expectOk(k, k.list('/dev/vfio/devices')), ['vfio0', 'vfio1']);
  assert.deepEqual(expectOk(k, k.list('/sys/class/vfio-dev')), ['vfio0', 'vfio1']);
  assert.equal(expectOk(k, k.readLink('/sys/class/vfio-dev/vfio0')), `../../devices/pci0000:00/0000:00:1c.0/${B}/vfio-dev/vfio0`);
  assert.equal(expectOk(k, k.readLink('/sys/class/vfio-dev/vfio1/device')), `../../../${A}`, 'kernfs_get_target_path climbs past an ancestor');
  assert.equal(k.stat(`/sys/class/vfio-dev/vfio1/device/driver_override`).ok, true);
  assert.ok(expectOk(k, k.list(`/sys/bus/pci/devices/${A}`)).includes('vfio-dev'));
  const d = expectOk(k, k.open('/dev/vfio/devices/vfio0'));
  const u = k.write(`/sys/bus/pci/devices/${B}/driver/unbind`, B);
  assert.equal(u.ok ? 'ok' : u.errno, 'blocked');
  expectOk(k, k.close(d));
  assert.deepEqual(expectOk(k, k.list('/dev/vfio/devices')), ['vfio1']);
  toVfio(k, B);
  assert.deepEqual(expectOk(k, k.list('/dev/vfio/devices')), ['vfio0', 'vfio1'], 'index 0 is reused');
  expectErrno(k, 'ENOENT', k.open('/dev/vfio/devices/vfio5'));
});
