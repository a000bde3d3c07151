/**
 * Issue 13, divergence 4 — "set-container-on-emptied-group": group 4 = {root port 00:07.0 (pcieport), 03:00.0
 * (vfio-pci)}; /dev/vfio/vfio and /dev/vfio/4 open; `00:07.0/remove` takes both away, group 4 is empty; then
 * VFIO_GROUP_SET_CONTAINER.
 *  - 5.19/6.0 (drivers/vfio/vfio.c `vfio_group_set_container()`): no check that the group has devices — the
 *    open fd keeps the vfio group and its iommu_group reference; `iommu_group_claim_dma_owner()`
 *    (drivers/iommu/iommu.c 5.19/6.0) on owner_cnt 0 sets the owner and owner_cnt 1: **ok**, and the
 *    emptied group is user-owned (the invariant allows an owned empty group; an unowned one holds no count).
 *    VFIO_SET_IOMMU then fails: `vfio_iommu_type1_attach_group()` finds no device to allocate a domain from →
 *    **EIO** (5.10 and 5.19 too). UNSET_CONTAINER releases the claim.
 *  - 5.10 (recorded, conformance/5.10/S26): no ownership; SET_CONTAINER ok, SET_IOMMU **EIO** as the source
 *    reading says; the close of the group fd, which drops the last reference of the empty group, oopses in
 *    intel-iommu's `domain_exit()` (iommu/probe.ts `iommuGroupReleaseEmpty`).
 *  - 6.1+: `vfio_device_remove_group()` set `group->iommu_group = NULL`: `vfio_group_ioctl_set_container()`
 *    answers **ENODEV** (drivers/vfio/vfio_main.c 6.1, group.c 6.2+), as the recorded 6.1 kernel did.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { inspectGroup } from '../inspect.js';
import { host } from '../testing/host-builder.js';
import { expectErrno, expectOk } from '../testing/expect.js';

const PORT = '0000:00:07.0', DEV = '0000:03:00.0';

function emptied(rel: string) {
  const k = createKernel(host(rel).pcieport(PORT).bound(PORT, 'pcieport').device(DEV, { parent: PORT })
    .group(4, [PORT, DEV]).bound(DEV, 'vfio-pci').build());
  const c = expectOk(k, k.open('/dev/vfio/vfio'));
  const g = expectOk(k, k.open('/dev/vfio/4'));
  expectOk(k, k.write(`/sys/bus/pci/devices/${PORT}/remove`, '1'));
  expectErrno(k, 'ENOENT', k.stat(`/sys/bus/pci/devices/${DEV}`));
  return { k, c, g };
}

for (const rel of ['5.19.0', '6.0.0']) {
  test(`set-container-on-emptied-group (${rel}): SET_CONTAINER claims the empty group (ok, owner_cnt 1), SET_IOMMU is EIO, UNSET releases it`, () => {
    const { k, c, g } = emptied(rel);
    assert.deepEqual(inspectGroup(k, 4)?.devices, []);
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    const owned = inspectGroup(k, 4);
    assert.equal(owned?.ownerCnt, 1);
    assert.equal(owned?.owner, `container file 1`);
    assert.match(expectErrno(k, 'EIO', k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' })), /group 4 has no devices/);
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE', 'CONTAINER_SET'] });
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_UNSET_CONTAINER'));
    assert.equal(inspectGroup(k, 4)?.ownerCnt, 0);
    assert.equal(inspectGroup(k, 4)?.owner, null);
    expectOk(k, k.close(g));
    expectOk(k, k.close(c));
    assert.equal(inspectGroup(k, 4), null, 'the last vfio_group_put() frees the empty iommu group');
  });
}

test('set-container-on-emptied-group (5.10, recorded S26): SET_CONTAINER ok without ownership, SET_IOMMU EIO; closing the group fd frees the group and oopses in intel-iommu', () => {
  const { k, c, g } = emptied('5.10.0-46-amd64');
  expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
  expectErrno(k, 'EIO', k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
  expectOk(k, k.ioctl(g, 'VFIO_GROUP_UNSET_CONTAINER'));
  assert.match(expectErrno(k, 'oops', k.close(g)), /freeing the default domain of group 4/);
  expectOk(k, k.close(c));
  assert.equal(inspectGroup(k, 4), null);
  assert.ok(!expectOk(k, k.list('/sys/kernel/iommu_groups')).includes('4'));
});

for (const rel of ['6.1.0-56-amd64', '6.12.117+deb12-amd64']) {
  test(`set-container-on-emptied-group (${rel}): ENODEV — the vfio group lost its iommu_group with its last device`, () => {
    const { k, c, g } = emptied(rel);
    expectErrno(k, 'ENODEV', k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    expectOk(k, k.close(g));
    expectOk(k, k.close(c));
  });
}
