import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../../kernel.js';
import { inspectDevice } from '../../inspect.js';
import { host } from '../../testing/host-builder.js';
import { expectErrno, expectOk } from '../../testing/expect.js';
import { vfioPciFillIds } from '../../base/driver-registry.js';

const A = '0000:01:00.0', B = '0000:02:00.0';

test('vfio_pci_fill_ids: ids= entries become dynids (vendor:device[:subvendor:subdevice]); an entry that does not parse is skipped', () => {
  assert.deepEqual(vfioPciFillIds(['vfio-pci.ids=10de:1f06,zz,10de:10f9:1043:8701', 'vfio_pci.ids=8086:10d3', 'iommu=pt'], 'vfio-pci'), [
    { vendor: 0x10de, device: 0x1f06, subvendor: undefined, subdevice: undefined },
    { vendor: 0x10de, device: 0x10f9, subvendor: 0x1043, subdevice: 0x8701 },
    { vendor: 0x8086, device: 0x10d3, subvendor: undefined, subdevice: undefined },
  ]);
  assert.deepEqual(vfioPciFillIds(['vfio-pci.ids=10de:1f06'], 'pci-stub'), []);
});

test('vfio-pci.ids= on the command line: the id is a dynid — remove_id takes it away, then drivers_probe binds the native driver', () => {
  const k = createKernel(host('6.1.0-56-amd64').group(7, [A]).group(8, [B]).device(A, { vendor: 0x8086, device: 0x10d3 }).device(B, { vendor: 0x8086, device: 0x10d3 })
    .bound(A, 'vfio-pci').bound(B, 'e1000e').cmdline('vfio-pci.ids=8086:10d3').build());
  expectErrno(k, 'EEXIST', k.write('/sys/bus/pci/drivers/vfio-pci/new_id', '8086 10d3'));
  expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/unbind', A));
  expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/remove_id', '8086 10d3'));
  expectErrno(k, 'ENODEV', k.write('/sys/bus/pci/drivers/vfio-pci/remove_id', '8086 10d3'));
  expectOk(k, k.write('/sys/bus/pci/drivers_probe', A));
  assert.equal(inspectDevice(k, A)?.driver, 'e1000e');
});

test('a boot device on vfio-pci without a driver_override was matched by a dynid (no static ids); one with the override was not', () => {
  const k = createKernel(host('6.1.0-56-amd64').group(7, [A]).group(8, [B]).device(A, { vendor: 0x8086, device: 0x10d3 }).device(B, { vendor: 0x8086, device: 0x1533 })
    .bound(A, 'vfio-pci').bound(B, 'vfio-pci').override(B, 'vfio-pci').build());
  expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/remove_id', '8086 10d3'));
  expectErrno(k, 'ENODEV', k.write('/sys/bus/pci/drivers/vfio-pci/remove_id', '8086 1533'));
});
