/**
 * The vfio device class device `vfio-dev/vfioN` and its cdev, against 6.12 drivers/vfio/vfio_main.c
 * (`vfio_init_device`, `__vfio_register_dev`, `vfio_device_release`), drivers/vfio/vfio.h (`vfio_device_add`),
 * drivers/vfio/device_cdev.c (`vfio_init_device_cdev`), drivers/base/core.c (`device_add`: the `dev`
 * attribute only with a dev_t; `dev_uevent`) and fs/kernfs/symlink.c (`kernfs_get_target_path`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { inspectDevice } from '../inspect.js';
import { kernfsGetTargetPath } from '../kernfs.js';
import { VFIO_DEVICE_CDEV_MAJOR } from './device-class.js';
import { expectErrno, expectOk, toVfio } from '../testing/expect.js';
import { host } from '../testing/host-builder.js';

const A = '0000:01:00.0', B = '0000:01:00.1';
const DIR_A = `/sys/devices/pci0000:00/0000:00:1c.0/${A}`;

test('kernfs_get_target_path: a link to an ancestor names it from one level above; siblings and far targets as relative paths', () => {
  assert.equal(kernfsGetTargetPath('devices/pci0000:00/X/vfio-dev/vfio0', 'devices/pci0000:00/X'), '../../../X');
  assert.equal(kernfsGetTargetPath('devices/pci0000:00/P/VF', 'devices/pci0000:00/P/PF'), '../PF');
  assert.equal(kernfsGetTargetPath('devices/pci0000:00/X/vfio-dev/vfio0', 'class/vfio-dev'), '../../../../../class/vfio-dev');
  assert.equal(kernfsGetTargetPath('devices/a', 'devices'), '../../devices');
});

test('6.12 with CONFIG_VFIO_DEVICE_CDEV: vfioN has device (../../../BDF), subsystem, dev MAJOR:MINOR and a uevent naming the node', () => {
  const k = createKernel(host('6.12.0').group(7, [A]).group(8, [B]).bound(A, 'e1000e').bound(B, 'e1000e').build());
  toVfio(k, B); toVfio(k, A);
  const cls = `${DIR_A}/vfio-dev/vfio1`;
  assert.deepEqual(expectOk(k, k.list(`${DIR_A}/vfio-dev`)), ['vfio1']);
  assert.deepEqual(expectOk(k, k.list(cls)), ['dev', 'device', 'subsystem', 'uevent']);
  assert.equal(expectOk(k, k.readLink(`${cls}/device`)), `../../../${A}`);
  assert.equal(expectOk(k, k.readLink('/sys/class/vfio-dev/vfio1/device')), `../../../${A}`);
  assert.equal(expectOk(k, k.read('/sys/class/vfio-dev/vfio1/device/driver_override')), 'vfio-pci\n');
  assert.equal(expectOk(k, k.readLink(`${cls}/subsystem`)), '../../../../../../class/vfio-dev');
  assert.deepEqual(expectOk(k, k.list('/sys/class/vfio-dev/vfio1/subsystem')), ['vfio0', 'vfio1']);
  assert.equal(expectOk(k, k.read('/sys/class/vfio-dev/vfio1/dev')), `${VFIO_DEVICE_CDEV_MAJOR}:1\n`);
  assert.equal(expectOk(k, k.read(`${cls}/uevent`)), `MAJOR=${VFIO_DEVICE_CDEV_MAJOR}\nMINOR=1\nDEVNAME=vfio/devices/vfio1\n`);
  expectOk(k, k.stat('/dev/vfio/devices/vfio1'));
});

for (const [rel, opts] of [['6.1.0', {}], ['6.3.0', {}], ['6.12.0', { vfioDeviceCdev: false }]] as const) {
  test(`${rel}${'vfioDeviceCdev' in opts ? ' without CONFIG_VFIO_DEVICE_CDEV' : ''}: vfio-dev/vfioN exists (vfio_device->device since 6.1) but has no dev_t: no dev attribute, empty uevent, no /dev/vfio/devices`, () => {
    const k = createKernel(host(rel).group(7, [A]).bound(A, 'e1000e').build(), opts);
    toVfio(k, A);
    assert.deepEqual(expectOk(k, k.list('/sys/class/vfio-dev')), ['vfio0']);
    assert.deepEqual(expectOk(k, k.list(`${DIR_A}/vfio-dev/vfio0`)), ['device', 'subsystem', 'uevent']);
    assert.equal(expectOk(k, k.readLink('/sys/class/vfio-dev/vfio0/device')), `../../../${A}`);
    expectErrno(k, 'ENOENT', k.read('/sys/class/vfio-dev/vfio0/dev'));
    assert.equal(expectOk(k, k.read('/sys/class/vfio-dev/vfio0/uevent')), '');
    expectErrno(k, 'ENOENT', k.list('/dev/vfio/devices'));
  });
}

for (const rel of ['5.10.0', '5.19.0', '6.0.0']) {
  test(`${rel}: no vfio-dev class before 6.1 (no struct device in vfio_device)`, () => {
    const k = createKernel(host(rel).group(7, [A]).bound(A, 'e1000e').build());
    toVfio(k, A);
    expectErrno(k, 'ENOENT', k.list('/sys/class/vfio-dev'));
    assert.ok(!expectOk(k, k.list(DIR_A)).includes('vfio-dev'));
  });
}

test('6.12 noiommu: vfio_device_add() skips the cdev ("cdev does not support noiommu device"): vfio-dev/vfio0 without dev, no /dev/vfio/devices/vfio0', () => {
  const k = createKernel(host('6.12.0').device('0000:03:00.0').build(), { noiommuMode: true });
  toVfio(k, '0000:03:00.0');
  assert.ok(inspectDevice(k, '0000:03:00.0')?.group !== null);
  assert.deepEqual(expectOk(k, k.list('/sys/class/vfio-dev')), ['vfio0']);
  expectErrno(k, 'ENOENT', k.read('/sys/class/vfio-dev/vfio0/dev'));
  assert.deepEqual(expectOk(k, k.list('/dev/vfio/devices')), []);
  expectErrno(k, 'ENOENT', k.open('/dev/vfio/devices/vfio0'));
});

test('vfio.device_ida: lowest free index; after unbinding vfio0 and vfio1 the next two binds take 0 then 1', () => {
  const C = '0000:02:00.0';
  const k = createKernel(host('6.1.0').group(7, [A]).group(8, [B]).group(9, [C]).bound(A, 'e1000e').bound(B, 'e1000e').bound(C, 'e1000e').build());
  toVfio(k, A); toVfio(k, B); toVfio(k, C);
  expectOk(k, k.write(`/sys/bus/pci/devices/${B}/driver/unbind`, B));
  expectOk(k, k.write(`/sys/bus/pci/devices/${A}/driver/unbind`, A));
  assert.deepEqual(expectOk(k, k.list('/sys/class/vfio-dev')), ['vfio2']);
  toVfio(k, B);
  assert.equal(expectOk(k, k.readLink('/sys/class/vfio-dev/vfio0/device')), `../../../${B}`);
  toVfio(k, A);
  assert.equal(expectOk(k, k.readLink('/sys/class/vfio-dev/vfio1/device')), `../../../${A}`);
  expectOk(k, k.write(`/sys/bus/pci/devices/${C}/driver/unbind`, C));
  toVfio(k, C);
  assert.deepEqual(expectOk(k, k.list('/sys/class/vfio-dev')), ['vfio0', 'vfio1', 'vfio2']);
});
