/**
 * Issue 13, divergence 3 — "dead-vfio-group-reuse": a vfio group whose last device went away while its fd
 * stayed open. 6.1+ `vfio_device_remove_group()` (6.1 drivers/vfio/vfio_main.c, 6.2+ drivers/vfio/group.c,
 * strict lifetime since ca5f21b25749) does `list_del(&group->vfio_next)` and `cdev_device_del()` once
 * `group->drivers` drops to zero: the next vfio device of the iommu group gets a new vfio group from
 * `vfio_group_find_or_alloc()` → `vfio_create_group()`, openable at once, while the old fd stays on the
 * dead one (GET_STATUS: `!group->iommu_group` → ENODEV). Before 6.1 (5.10 vfio.c `vfio_group_put()`,
 * 5.19/6.0 `refcount_dec_and_mutex_lock(&group->users)`) the open fd holds a reference that keeps the group
 * on `vfio.group_list`, so the device joins the old group again and a second open is EBUSY until the
 * first fd closes.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { inspectVfioGroup } from '../inspect.js';
import { host } from '../testing/host-builder.js';
import { expectErrno, expectOk } from '../testing/expect.js';

const A = '0000:01:00.0', B = '0000:01:00.1';

function sequence(rel: string) {
  const k = createKernel(host(rel).group(1, [A, B]).build());
  expectOk(k, k.write(`/sys/bus/pci/devices/${A}/driver_override`, 'vfio-pci'));
  expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/bind', A));
  const old = expectOk(k, k.open('/dev/vfio/1'));
  expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/unbind', A));
  expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/bind', A));
  return { k, old };
}

for (const rel of ['6.1.0-56-amd64', '6.6.0', '6.12.117+deb12-amd64']) {
  test(`dead-vfio-group-reuse (${rel}): a new bind creates a new, openable vfio group; the old fd stays on the dead one`, () => {
    const { k, old } = sequence(rel);
    const fresh = expectOk(k, k.open('/dev/vfio/1'));
    assert.notEqual(fresh, old);
    assert.equal(inspectVfioGroup(k, 1)?.onGroupList, true);
    assert.deepEqual(inspectVfioGroup(k, 1)?.devices, [A]);
    expectErrno(k, 'ENODEV', k.ioctl(old, 'VFIO_GROUP_GET_STATUS'));
    assert.deepEqual(expectOk(k, k.ioctl(fresh, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE'] });
    expectOk(k, k.close(old));
    // Closing the dead group's fd leaves the new group alone.
    assert.deepEqual(expectOk(k, k.ioctl(fresh, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE'] });
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    expectOk(k, k.ioctl(fresh, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    expectOk(k, k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
    expectOk(k, k.ioctl(fresh, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
  });

  test(`dead-vfio-group-reuse (${rel}): the dead group's fd is closed after the new group's, both cleanly`, () => {
    const { k, old } = sequence(rel);
    const fresh = expectOk(k, k.open('/dev/vfio/1'));
    expectOk(k, k.close(fresh));
    assert.equal(inspectVfioGroup(k, 1)?.onGroupList, true, 'the new group still has A');
    expectOk(k, k.close(old));
    assert.equal(k.state.deadVfioGroups.size, 0);
    expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/unbind', A));
    assert.equal(inspectVfioGroup(k, 1), null);
  });
}

for (const rel of ['5.10.0-46-amd64', '5.19.0', '6.0.0']) {
  test(`dead-vfio-group-reuse (${rel}): the open fd keeps the group listed, the device rejoins it, a second open is EBUSY until close`, () => {
    const { k, old } = sequence(rel);
    expectErrno(k, 'EBUSY', k.open('/dev/vfio/1'));
    assert.deepEqual(expectOk(k, k.ioctl(old, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE'] });
    expectOk(k, k.close(old));
    const again = expectOk(k, k.open('/dev/vfio/1'));
    assert.deepEqual(expectOk(k, k.ioctl(again, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE'] });
  });
}
