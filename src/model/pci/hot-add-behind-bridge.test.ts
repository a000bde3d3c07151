/**
 * Issue 13, divergence 2 — "hot-add-behind-bridge-into-live-group" (recorded: conformance/{5.10,6.1,6.12}/S24):
 * group 7 = PCIe-to-PCI bridge 01:00.0 (no driver) + conventional e1000 02:01.0 and 02:02.0; 02:01.0 on vfio-pci
 * with container, IOMMU and a device fd; 02:02.0 unbound, removed through sysfs and brought back by a rescan.
 * `pci_device_group()` puts it back into the bridge's alias group 7 on every version. 5.10: `iommu_probe_device()`
 * attaches it to the default domain while the group is in vfio's, vfio WARNs "Device added to live group 7!"
 * (`vfio_iommu_group_notifier()` IOMMU_GROUP_NOTIFY_ADD_DEVICE, drivers/vfio/vfio.c), e1000 autoprobes and binds,
 * and BOUND_DRIVER hits the BUG_ON (`vfio_group_nb_verify()` fails, vfio.c:698): the writer of `rescan` dies.
 * Unlike the root-bus function of S15 it leaves no stale intel-iommu dev_info: UNSET_CONTAINER detaches cleanly.
 * 6.1/6.12: e1000's `pci_dma_configure()` → `iommu_device_use_default_domain()` refuses (owner set): the rescan
 * answers ok and 02:02.0 stays unbound in group 7.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { inspectDevice } from '../inspect.js';
import { host } from '../testing/host-builder.js';
import { expectErrno, expectOk, openGroup } from '../testing/expect.js';

const PORT = '0000:00:06.0', BR = '0000:01:00.0', D1 = '0000:02:01.0', D2 = '0000:02:02.0';

function live(rel: string) {
  const k = createKernel(host(rel).pcieport(PORT).bound(PORT, 'pcieport').group(3, [PORT])
    .bridge(BR, { vendor: 0x1b36, device: 0x000e }).device(BR, { parent: PORT })
    .device(D1, { parent: BR, vendor: 0x8086, device: 0x100e, noCaps: true, resetMethod: null })
    .device(D2, { parent: BR, vendor: 0x8086, device: 0x100e, noCaps: true, resetMethod: null })
    .group(7, [BR, D1, D2]).bound(D1, 'vfio-pci').override(D1, 'vfio-pci').driver('e1000').build());
  const [c, g] = openGroup(k, 7);
  const dev = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: D1 }))['fd'] as number;
  expectOk(k, k.write(`/sys/bus/pci/devices/${D2}/remove`, '1'));
  expectErrno(k, 'ENOENT', k.stat(`/sys/bus/pci/devices/${D2}`));
  return { k, c, g, dev };
}

test('hot-add-behind-bridge-into-live-group (5.10): rejoins group 7, e1000 binds, the BUG_ON kills the rescan writer; UNSET_CONTAINER is clean', () => {
  const { k, c, g, dev } = live('5.10.0-46-amd64');
  const r = k.write('/sys/bus/pci/rescan', '1');
  expectErrno(k, 'oops', r);
  assert.equal(inspectDevice(k, D2)?.group, 7);
  assert.equal(inspectDevice(k, D2)?.driver, 'e1000');
  assert.deepEqual(expectOk(k, k.list('/sys/kernel/iommu_groups/7/devices')), [BR, D1, D2]);
  assert.ok(k.state.log.some((l) => /Device added to live group 7/.test(l)), 'vfio warns about the live group');
  assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: ['CONTAINER_SET'] });
  expectOk(k, k.close(dev));
  expectOk(k, k.ioctl(g, 'VFIO_GROUP_UNSET_CONTAINER'));
  expectOk(k, k.close(g));
  expectOk(k, k.close(c));
});

for (const rel of ['6.1.0-56-amd64', '6.12.117+deb12-amd64']) {
  test(`hot-add-behind-bridge-into-live-group (${rel}): rejoins group 7, e1000 is refused by the ownership claim, rescan ok`, () => {
    const { k, c, g, dev } = live(rel);
    expectOk(k, k.write('/sys/bus/pci/rescan', '1'));
    assert.equal(inspectDevice(k, D2)?.group, 7);
    assert.equal(inspectDevice(k, D2)?.driver, null);
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE', 'CONTAINER_SET'] });
    for (const fd of [dev, g, c]) expectOk(k, k.close(fd));
    expectOk(k, k.write('/sys/bus/pci/drivers/e1000/bind', D2));
  });
}

test('pci_rescan_remove_lock (5.10): the rescan writer killed by the BUG_ON never releases it — a second rescan and a remove sleep for ever', () => {
  const { k, c, g, dev } = live('5.10.0-46-amd64');
  expectErrno(k, 'oops', k.write('/sys/bus/pci/rescan', '1'));
  const again = k.write('/sys/bus/pci/rescan', '1');
  expectErrno(k, 'blocked', again);
  assert.match(again.ok ? '' : again.why, /pci_rescan_remove_lock held by task killed by kernel BUG in rescan/);
  expectErrno(k, 'blocked', k.write(`/sys/bus/pci/devices/${D1}/remove`, '1'));
  for (const fd of [dev, g, c]) expectOk(k, k.close(fd));
  expectErrno(k, 'blocked', k.wait(again.ok ? '' : again.id ?? ''));
});

test('pci_rescan_remove_lock (6.1): a removal asleep in vfio-pci holds it; a rescan waits, then finds the removed function', () => {
  const { k, c, g, dev } = live('6.1.0-56-amd64');
  expectOk(k, k.write('/sys/bus/pci/rescan', '1'));
  const rm = k.write(`/sys/bus/pci/devices/${D1}/remove`, '1');
  expectErrno(k, 'blocked', rm);
  const rescan = k.write('/sys/bus/pci/rescan', '1');
  expectErrno(k, 'blocked', rescan);
  assert.match(rescan.ok ? '' : rescan.why, /pci_rescan_remove_lock held by remove of 0000:02:01.0/);
  expectOk(k, k.close(dev));
  expectOk(k, k.wait(rm.ok ? '' : rm.id ?? ''));
  expectOk(k, k.wait(rescan.ok ? '' : rescan.id ?? ''));
  expectOk(k, k.stat(`/sys/bus/pci/devices/${D1}`));
  assert.equal(inspectDevice(k, D1)?.group, 7);
  for (const fd of [g, c]) expectOk(k, k.close(fd));
});
