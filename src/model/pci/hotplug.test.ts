/**
 * Remove, rescan and hot-add (pci/hotplug.ts, iommu/group-for-dev.ts). Evidence: conformance/{5.10,6.1,6.12}/S15
 * (QEMU q35: 00:05.0 has the multifunction header bit, 00:05.1 does not; at boot pci_scan_slot() marked 05.1
 * multifunction so both share group 1; re-added by a rescan, 05.1 is grouped inside pci_device_add(), before
 * pci_scan_slot() marks it, and gets a new group — drivers/pci/probe.c, 5.10–6.12).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { inspectDevice, inspectGroup, kernelLog } from '../inspect.js';
import { expectErrno, expectOk, openGroup, toVfio } from '../testing/expect.js';
import { host, q35Like } from '../testing/host-builder.js';

const A = '0000:00:05.0', B = '0000:00:05.1';

/** q35Like with groups 0..8 all taken (as in the recorded guest) and 05.1 without the multifunction bit. */
function s15Host(release: string, bBit = false) {
  const hb = q35Like(release).device(A, { multifunction: true }).device(B, { multifunction: bBit });
  [['0000:00:00.0', 0], ['0000:00:01.0', 2], ['0000:00:02.0', 3], ['0000:00:03.0', 4], ['0000:00:06.0', 6], ['0000:00:07.0', 7]]
    .forEach(([bdf, g]) => hb.group(g as number, [bdf as string]));
  return hb;
}

function s15Prefix(release: string, bBit = false) {
  const k = createKernel(s15Host(release, bBit).build());
  toVfio(k, A);
  expectOk(k, k.write(`/sys/bus/pci/devices/${B}/driver/unbind`, B));
  const [c, g] = openGroup(k, 1);
  const devA = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }))['fd'] as number;
  expectOk(k, k.write(`/sys/bus/pci/devices/${B}/remove`, '1'));
  expectErrno(k, 'ENOENT', k.stat(`/sys/bus/pci/devices/${B}`));
  assert.deepEqual(expectOk(k, k.list('/sys/kernel/iommu_groups/1/devices')), [A]);
  expectOk(k, k.write('/sys/bus/pci/rescan', '1'));
  return { k, c, g, devA };
}

for (const release of ['6.1.0-56-amd64', '6.12.117+deb12-amd64']) {
  test(`conformance ${release.split('.').slice(0, 2).join('.')}/S15: 05.1 re-added by a rescan gets new group 9 (lowest free id), e1000 autoprobes it, group 1 stays viable`, () => {
    const { k, c, g, devA } = s15Prefix(release);
    assert.deepEqual(expectOk(k, k.list('/sys/kernel/iommu_groups/1/devices')), [A]);
    assert.equal(expectOk(k, k.readLink(`/sys/bus/pci/devices/${B}/iommu_group`)), '../../../kernel/iommu_groups/9');
    assert.equal(expectOk(k, k.readLink(`/sys/bus/pci/devices/${B}/driver`)), '../../../bus/pci/drivers/e1000');
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE', 'CONTAINER_SET'] });
    expectOk(k, k.close(devA));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_UNSET_CONTAINER'));
    expectOk(k, k.close(g));
    expectOk(k, k.close(c));
  });
}

test('conformance 5.10/S15: the re-added 05.1 gets no IOMMU group (intel-iommu stale dev_info), e1000 binds, and UNSET_CONTAINER oopses', () => {
  const { k, c, g, devA } = s15Prefix('5.10.0-46-amd64');
  assert.deepEqual(expectOk(k, k.list('/sys/kernel/iommu_groups/1/devices')), [A]);
  expectErrno(k, 'ENOENT', k.readLink(`/sys/bus/pci/devices/${B}/iommu_group`));
  assert.equal(expectOk(k, k.readLink(`/sys/bus/pci/devices/${B}/driver`)), '../../../bus/pci/drivers/e1000');
  assert.ok(kernelLog(k).some((l) => l.includes(`${B}: iommu_probe_device failed`)));
  expectOk(k, k.close(devA));
  const r = k.ioctl(g, 'VFIO_GROUP_UNSET_CONTAINER');
  assert.match(expectErrno(k, 'oops', r), /__dmar_remove_one_dev_info/);
  expectOk(k, k.close(g));
  expectOk(k, k.close(c));
  assert.equal(expectOk(k, k.readLink(`/sys/bus/pci/devices/${B}/driver`)), '../../../bus/pci/drivers/e1000');
});

test('a function > 0 with the multifunction header bit rejoins its sibling\'s live group on rescan (6.1: e1000 probe EBUSY, left unbound)', () => {
  const { k } = s15Prefix('6.1.0-56-amd64', true);
  assert.deepEqual(expectOk(k, k.list('/sys/kernel/iommu_groups/1/devices')), [A, B]);
  expectErrno(k, 'ENOENT', k.readLink(`/sys/bus/pci/devices/${B}/driver`));
  assert.equal(inspectGroup(k, 1)?.ownerCnt, 1);
});

test('remove_store / rescan_store: EINVAL for a non-number, "0" does nothing; removing a bridge removes what is below it and rescan brings all back', () => {
  const k = createKernel(q35Like('6.1.0-56-amd64').build());
  expectErrno(k, 'EINVAL', k.write(`/sys/bus/pci/devices/${B}/remove`, 'yes'));
  expectErrno(k, 'EINVAL', k.write('/sys/bus/pci/rescan', 'x'));
  expectOk(k, k.write(`/sys/bus/pci/devices/${B}/remove`, '0'));
  expectOk(k, k.stat(`/sys/bus/pci/devices/${B}`));
  expectOk(k, k.write('/sys/bus/pci/devices/0000:00:08.0/remove', '1'));
  expectErrno(k, 'ENOENT', k.stat('/sys/bus/pci/devices/0000:04:00.0'));
  expectErrno(k, 'ENOENT', k.stat('/sys/kernel/iommu_groups/8'));
  expectOk(k, k.write('/sys/bus/pci/rescan', '1'));
  assert.equal(expectOk(k, k.readLink('/sys/bus/pci/devices/0000:04:00.0')), '../../../devices/pci0000:00/0000:00:08.0/0000:04:00.0');
  assert.equal(expectOk(k, k.readLink('/sys/bus/pci/devices/0000:04:00.0/driver')), '../../../../bus/pci/drivers/e1000e');
});

test('iommu_group_ida: a freed group id is the lowest free one and is reused by the next new group', () => {
  const k = createKernel(host('6.1.0-56-amd64').group(0, ['0000:00:02.0']).group(1, ['0000:00:03.0']).group(2, ['0000:00:04.0']).build());
  expectOk(k, k.write('/sys/bus/pci/devices/0000:00:03.0/remove', '1'));
  expectErrno(k, 'ENOENT', k.stat('/sys/kernel/iommu_groups/1'));
  expectOk(k, k.write('/sys/bus/pci/rescan', '1'));
  assert.equal(inspectDevice(k, '0000:00:03.0')?.group, 1);
});

for (const release of ['5.10.0-46-amd64', '6.1.0-56-amd64']) {
  test(`scenario 15 (${release}): hot-add behind a non-ACS root port lands in the VFIO-owned group by pci_device_group()`, () => {
    const RP = '0000:00:1c.0', E = '0000:01:00.0', C = '0000:01:00.1';
    const hb = host(release).pcieport(RP).group(7, [RP, E]).bound(RP, 'pcieport').bound(E, 'vfio-pci');
    const k = createKernel(hb.build());
    const [, g] = openGroup(k, 7);
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: E }));
    const r = k.hotAdd(hb.pciDesc(C));
    assert.equal(inspectDevice(k, C)?.group, 7);
    if (release.startsWith('5.10')) {
      expectErrno(k, 'oops', r);
      assert.ok(kernelLog(k).some((l) => l.includes('Device added to live group 7!')));
    } else {
      expectOk(k, r);
      assert.equal(inspectDevice(k, C)?.driver, null);
      assert.equal(inspectGroup(k, 7)?.ownerCnt, 1);
    }
  });
}
