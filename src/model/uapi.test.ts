/**
 * One success and one test per errno of each uAPI entry point (vfio container, group, device fds; sysfs
 * bind/unbind/drivers_probe/new_id/remove_id/driver_override; open/close/ioctl themselves).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from './kernel.js';
import { inspectDevice } from './inspect.js';
import { host } from './testing/host-builder.js';
import { expectErrno, expectOk, openGroup } from './testing/expect.js';

const A = '0000:01:00.0', B = '0000:01:00.1';
const L = '5.10.0-46-amd64', O2 = '6.1.0-56-amd64', F = '6.3.0';

test('open: ENOENT for a missing node; close/ioctl: EBADF; unknown request on a container without a driver: EINVAL (vfio_fops_unl_ioctl)', () => {
  const k = createKernel(host(O2).group(7, [A]).build());
  expectErrno(k, 'ENOENT', k.open('/dev/vfio/7'));
  expectErrno(k, 'EBADF', k.close(42));
  expectErrno(k, 'EBADF', k.ioctl(42, 'VFIO_GET_API_VERSION'));
  const c = expectOk(k, k.open('/dev/vfio/vfio'));
  expectErrno(k, 'EINVAL', k.ioctl(c, 'VFIO_GROUP_GET_STATUS'));
  assert.deepEqual(expectOk(k, k.ioctl(c, 'VFIO_GET_API_VERSION')), { ret: 0 });
  assert.deepEqual(expectOk(k, k.ioctl(c, 'VFIO_CHECK_EXTENSION', { extension: 'VFIO_TYPE1v2_IOMMU' })), { ret: 1 });
  assert.deepEqual(expectOk(k, k.ioctl(c, 'VFIO_CHECK_EXTENSION', { extension: 'VFIO_NOIOMMU_IOMMU' })), { ret: 0 });
  expectOk(k, k.close(c));
});

for (const rel of [L, O2, F]) {
  test(`SET_CONTAINER errnos (${rel})`, () => {
    const k = createKernel(host(rel).group(7, [A]).bound(A, 'vfio-pci').build());
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    expectErrno(k, rel === L ? 'EINVAL' : 'EBADF', k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: -1 }));
    expectErrno(k, 'EBADF', k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: 99 }));
    expectErrno(k, rel === F ? 'EBADFD' : 'EINVAL', k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: g }));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    expectErrno(k, 'EINVAL', k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
  });

  test(`SET_IOMMU, GET_DEVICE_FD, UNSET_CONTAINER errnos (${rel})`, () => {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'vfio-pci').build());
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    expectErrno(k, 'EINVAL', k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
    expectErrno(k, 'EINVAL', k.ioctl(g, 'VFIO_GROUP_UNSET_CONTAINER'));
    expectErrno(k, 'EINVAL', k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    expectErrno(k, 'EINVAL', k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
    expectErrno(k, 'ENODEV', k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_NOIOMMU_IOMMU' }));
    expectOk(k, k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
    expectErrno(k, 'EINVAL', k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
    expectErrno(k, 'ENODEV', k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: B }));
    const d = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }))['fd'] as number;
    assert.deepEqual(expectOk(k, k.ioctl(d, 'VFIO_DEVICE_GET_INFO')), { flags: ['RESET', 'PCI'], num_regions: 9, num_irqs: 5 });
    expectErrno(k, 'EBUSY', k.ioctl(g, 'VFIO_GROUP_UNSET_CONTAINER'));
    expectOk(k, k.close(d));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_UNSET_CONTAINER'));
  });
}

test('bind_store errnos: unknown device, no match, already bound (EBUSY 5.14+, ENODEV 5.10), probe errors, -EPROBE_DEFER → EAGAIN', () => {
  for (const rel of [L, O2]) {
    const k = createKernel(host(rel).group(7, [A, B]).bound(A, 'e1000e').driver('nvme').build(), { probeErrors: { 'nvme@0000:01:00.1': 'ENOMEM' } });
    expectErrno(k, 'ENODEV', k.write('/sys/bus/pci/drivers/e1000e/bind', '0000:09:00.0'));
    expectErrno(k, 'ENODEV', k.write('/sys/bus/pci/drivers/nvme/bind', A));
    expectErrno(k, rel === L ? 'ENODEV' : 'EBUSY', k.write('/sys/bus/pci/drivers/e1000e/bind', A));
    expectErrno(k, 'ENOENT', k.write('/sys/bus/pci/drivers/nosuch/bind', A));
    expectOk(k, k.write(`/sys/bus/pci/devices/${B}/driver_override`, 'nvme'));
    expectErrno(k, rel === L ? 'ENODEV' : 'ENOMEM', k.write('/sys/bus/pci/drivers/nvme/bind', B));
    assert.ok(k.state.log.some((l) => l.includes('probe of 0000:01:00.1 failed with error -12')));
  }
  const k = createKernel(host(O2).group(7, [A]).build(), { probeErrors: { e1000e: 'EPROBE_DEFER' } });
  expectErrno(k, 'EAGAIN', k.write('/sys/bus/pci/drivers/e1000e/bind', A));
});

test('unbind_store: ENODEV unless bound to that driver; driver/unbind ENOENT when unbound', () => {
  const k = createKernel(host(O2).group(7, [A, B]).bound(A, 'e1000e').build());
  expectErrno(k, 'ENODEV', k.write('/sys/bus/pci/drivers/pci-stub/unbind', A));
  expectErrno(k, 'ENOENT', k.write(`/sys/bus/pci/devices/${B}/driver/unbind`, B));
  expectOk(k, k.write(`/sys/bus/pci/devices/${A}/driver/unbind`, A));
  expectErrno(k, 'ENOENT', k.readLink(`/sys/bus/pci/devices/${A}/driver`));
});

test('drivers_probe: ENODEV unknown device; no matching driver is success; a positive probe error lets the next driver try', () => {
  const k = createKernel(host(O2).device(A, { vendor: 0x1234, device: 0x5678, class: 0x0c0330 }).group(7, [A]).driver('xhci_hcd').build());
  expectErrno(k, 'ENODEV', k.write('/sys/bus/pci/drivers_probe', '0000:09:00.0'));
  expectOk(k, k.write('/sys/bus/pci/drivers_probe', B.replace('01:00.1', '01:00.0')));
  assert.equal(inspectDevice(k, A)?.driver, 'xhci_hcd');
  const k2 = createKernel(host(O2).group(7, [A]).driver('igbx').build(), { probeErrors: { e1000e: 'EIO' } });
  expectOk(k2, k2.write('/sys/bus/pci/drivers_probe', A));
  assert.equal(inspectDevice(k2, A)?.driver, null);
});

test('new_id / remove_id: EINVAL, EEXIST, success autoprobes, ENODEV', () => {
  const k = createKernel(host(O2).group(7, [A]).build());
  expectErrno(k, 'EINVAL', k.write('/sys/bus/pci/drivers/vfio-pci/new_id', '8086'));
  expectErrno(k, 'EEXIST', k.write('/sys/bus/pci/drivers/e1000e/new_id', '8086 10d3'));
  expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/new_id', '8086 10d3'));
  assert.equal(inspectDevice(k, A)?.driver, 'vfio-pci');
  expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/remove_id', '8086 10d3'));
  expectErrno(k, 'ENODEV', k.write('/sys/bus/pci/drivers/vfio-pci/remove_id', '8086 10d3'));
});

test('vfio-pci probe refusals: bridge EINVAL, PF with VFs EBUSY', () => {
  const k = createKernel(host(O2).pcieport('0000:00:1c.0').group(3, ['0000:00:1c.0']).sriov(A, 8, 2).group(7, [A]).build());
  expectOk(k, k.write('/sys/bus/pci/devices/0000:00:1c.0/driver_override', 'vfio-pci'));
  expectErrno(k, 'EINVAL', k.write('/sys/bus/pci/drivers/vfio-pci/bind', '0000:00:1c.0'));
  expectOk(k, k.write(`/sys/bus/pci/devices/${A}/driver_override`, 'vfio-pci'));
  expectErrno(k, 'EBUSY', k.write('/sys/bus/pci/drivers/vfio-pci/bind', A));
});

test('open group: EBUSY twice; unbind with an open device fd blocks until the fd closes', () => {
  const k = createKernel(host(O2).group(7, [A, B]).bound(A, 'vfio-pci').bound(B, 'vfio-pci').build());
  const [, g] = openGroup(k, 7);
  expectErrno(k, 'EBUSY', k.open('/dev/vfio/7'));
  const d = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }))['fd'] as number;
  const u = k.write('/sys/bus/pci/drivers/vfio-pci/unbind', A);
  const id = u.ok ? '' : u.id ?? '';
  expectErrno(k, 'blocked', u);
  expectErrno(k, 'blocked', k.write(`/sys/bus/pci/devices/${A}/driver_override`, ''));
  expectOk(k, k.close(d));
  expectOk(k, k.wait(id));
  expectErrno(k, 'EINVAL', k.wait(id));
  assert.equal(inspectDevice(k, A)?.driver, null);
});

test('group type attribute (§7.4): 6.1 singleton rule, 6.12 owner_cnt rule', () => {
  const k = createKernel(host(O2).group(7, [A]).bound(A, 'e1000e').group(8, [B, '0000:01:00.2']).build());
  assert.equal(expectOk(k, k.read('/sys/kernel/iommu_groups/7/type')), 'DMA-FQ\n');
  expectErrno(k, 'EBUSY', k.write('/sys/kernel/iommu_groups/7/type', 'identity'));
  expectErrno(k, 'EINVAL', k.write('/sys/kernel/iommu_groups/8/type', 'identity'));
  expectErrno(k, 'EINVAL', k.write('/sys/kernel/iommu_groups/7/type', 'bogus'));
  const k2 = createKernel(host('6.12.0').group(7, [A]).bound(A, 'e1000e').group(8, [B, '0000:01:00.2']).build());
  expectErrno(k2, 'EPERM', k2.write('/sys/kernel/iommu_groups/7/type', 'identity'));
  expectOk(k2, k2.write('/sys/kernel/iommu_groups/8/type', 'identity'));
  assert.equal(expectOk(k2, k2.read('/sys/kernel/iommu_groups/8/type')), 'identity\n');
  expectErrno(createKernel(host(L).group(7, [A]).build()), 'EACCES', createKernel(host(L).group(7, [A]).build()).write('/sys/kernel/iommu_groups/7/type', 'DMA'));
});

test('sysfs view: links by depth, group devices, lists, config bytes', () => {
  const k = createKernel(host(O2).group(7, [A]).bound(A, 'e1000e').build());
  assert.equal(expectOk(k, k.readLink(`/sys/bus/pci/devices/${A}`)), '../../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0');
  assert.equal(expectOk(k, k.readLink(`/sys/bus/pci/devices/${A}/iommu_group`)), '../../../../kernel/iommu_groups/7');
  assert.equal(expectOk(k, k.readLink(`/sys/kernel/iommu_groups/7/devices/${A}`)), '../../../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0');
  assert.deepEqual(expectOk(k, k.list('/sys/kernel/iommu_groups/7/devices')), [A]);
  assert.ok(expectOk(k, k.list('/sys/bus/pci/drivers/e1000e')).includes(A));
  assert.equal(expectOk(k, k.read(`/sys/bus/pci/devices/${A}/vendor`)), '0x8086\n');
  assert.equal(expectOk(k, k.read(`/sys/bus/pci/devices/${A}/driver_override`)), '(null)\n');
  assert.equal(expectOk(k, k.readBytes(`/sys/bus/pci/devices/${A}/config`)).length, 256);
  assert.equal(expectOk(k, k.read('/sys/kernel/iommu_groups/7/reserved_regions')), '0x00000000fee00000 0x00000000feefffff msi\n');
  assert.deepEqual(expectOk(k, k.list('/sys/class/iommu')), ['dmar0']);
  expectErrno(k, 'EACCES', k.read('/sys/bus/pci/drivers/e1000e/bind'));
});

test('createKernel takes a 100k-device description, and an operation touches only its group', () => {
  const hb = host(O2);
  const desc = hb.group(7, [A]).build();
  const base = desc.pci[0];
  assert.ok(base);
  const pci = [base];
  for (let i = 0; i < 100_000; i++) {
    const bus = (2 + (i >> 8)) & 0xff, dom = 1 + (i >> 16);
    const bdf = `${dom.toString(16).padStart(4, '0')}:${bus.toString(16).padStart(2, '0')}:${((i >> 3) & 0x1f).toString(16).padStart(2, '0')}.${i & 7}`;
    pci.push({ ...base, bdf, path: `devices/pci0000:00/${bdf}`, iommuGroup: 1000 + i, driver: 'e1000e' });
  }
  const k = createKernel({ ...desc, pci, groups: [] });
  assert.equal(k.state.devices.size, 100_001);
  expectOk(k, k.write(`/sys/bus/pci/devices/${A}/driver_override`, 'vfio-pci'));
  const r = k.write('/sys/bus/pci/drivers/vfio-pci/bind', A);
  assert.ok(r.ok && r.calls.length < 20);
});
