/**
 * uAPI errno coverage: for every entry point, the errnos it can return (model code + kernel source of the
 * version modelled) and the test that shows each. `test_cmd_X` = success, `test_err_X(errno)` = failure,
 * as in tools/testing/selftests/iommu/iommufd.c. Files: U = uapi.test.ts, V = vfio/cdev.test.ts,
 * I = iommufd/iommufd.test.ts, H = pci/hotplug.test.ts, here = this file.
 *
 * entry point                          errnos (profile)                                   test
 * ------------------------------------ -------------------------------------------------- ---------------------------
 * open /dev/vfio/vfio                  — (ENOMEM not modelled)                             U 'open: ENOENT…'
 * open /dev/vfio/N                     ENOENT no node; EBUSY open twice / still in container; U 'open group: EBUSY…',
 *                                      EBUSY C cdev open; ENODEV O2+ iommu_group gone        V; here 'open /dev/vfio/N'
 * open /dev/vfio/noiommu-N             EPERM no CAP_SYS_RAWIO                              here 'open noiommu'
 * open /dev/vfio/devices/vfioN         ENOENT (before C / no cdev); EBUSY group open       V
 * open /dev/iommu                      ENOENT without CONFIG_IOMMUFD                        here 'open /dev/iommu'
 * close                                EBADF                                               U 'open: ENOENT…'
 * ioctl (any fd)                       EBADF fd not open; ENOTTY unknown request           U; here 'unknown ioctl'
 * container: unknown request           EINVAL no backend (vfio_fops_unl_ioctl ret=-EINVAL);
 *                                      ENOTTY with type1 (vfio_iommu_type1_ioctl default)  here 'unknown ioctl'
 * VFIO_GET_API_VERSION                 — (returns 0)                                       U
 * VFIO_CHECK_EXTENSION                 — (0 for unknown / unsupported, 1 supported)        here 'CHECK_EXTENSION'
 * VFIO_SET_IOMMU                       EINVAL no group; EINVAL already set; ENODEV no backend U; here 'SET_IOMMU'
 * VFIO_GROUP_GET_STATUS                EINVAL argsz < 8; ENODEV O2+ group gone             here 'GET_STATUS'; U
 * VFIO_GROUP_SET_CONTAINER             EINVAL fd<0 (L/O1) / EBADF (O2+); EBADF unknown fd;  U 'SET_CONTAINER errnos'
 *                                      EINVAL/EBADFD not a container; EINVAL already set;
 *                                      EPERM owner_cnt/noiommu mix; EBUSY (vfio/group-*.test.ts)
 * VFIO_GROUP_UNSET_CONTAINER           EINVAL none; EBUSY device fds open                  U
 * VFIO_GROUP_GET_DEVICE_FD             EINVAL no container/backend/not viable; ENODEV name; U, vfio/group-*.test.ts
 *                                      EPERM noiommu without cap
 * VFIO_DEVICE_GET_INFO                 — (ENODEV when the device is gone)                  U
 * VFIO_DEVICE_BIND/ATTACH/DETACH_*     see vfio/cdev.test.ts (EINVAL, EBADF, EBADFD, EBUSY, EPERM, ENOENT, EADDRINUSE)
 * IOMMU_* (iommufd)                    see iommufd/iommufd.test.ts (ENOENT, EBUSY, EINVAL, EOPNOTSUPP, ENODEV)
 * drivers/D/bind                       ENODEV no dev/no match/(L) bound; EBUSY bound (5.14+); U
 *                                      probe errno (5.14+), EAGAIN for -EPROBE_DEFER
 * drivers/D/unbind                     ENODEV not bound to D                               U
 * drivers_probe                        ENODEV no dev; EINVAL device_attach error           U, base/driver-override.test.ts
 * drivers/D/new_id                     EINVAL < 2 hex fields; EEXIST already matched       U; here 'new_id'
 * drivers/D/remove_id                  EINVAL < 2 fields; ENODEV no such dynid             U; here 'remove_id'
 * devices/X/driver_override            EINVAL ≥ PAGE_SIZE-1 bytes; blocked on device_lock  here 'driver_override'; U
 * devices/X/remove, rescan             EINVAL not a number                                 H
 * iommu_groups/N/type                  EACCES <5.11 (0444) or no CAP_SYS_ADMIN+RAWIO;       U 'group type…';
 *                                      EINVAL unknown word / DMA-FQ <5.15 / (5.11–6.3) >1 dev; here 'iommu_groups/N/type'
 *                                      EBUSY bound (5.11–6.3); EPERM owner_cnt (6.4+; the empty-
 *                                      group EPERM is unreachable: the group goes with its last device)
 * noiommu container                    CHECK_EXTENSION(NOIOMMU) 0/1 by mode; SET_IOMMU ENODEV
 *                                      for TYPE1v2; backend unknown ioctl ENOTTY           here 'noiommu container'
 *
 * Not modelled (no test): EFAULT (copy_from_user), ENOMEM, new_id's driver_data check (EINVAL when the
 * driver has an id_table and no entry carries that driver_data — the model keeps no driver_data).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from './kernel.js';
import { inspectDevice } from './inspect.js';
import { host } from './testing/host-builder.js';
import { expectErrno, expectOk, openGroup, toVfio } from './testing/expect.js';

const A = '0000:01:00.0', B = '0000:01:00.1';
const L = '5.10.0-46-amd64', O1 = '5.19.0', O2 = '6.1.0-56-amd64', F = '6.3.0', C = '6.12.0';

for (const rel of [L, O1, O2, F, C]) {
  test(`VFIO_CHECK_EXTENSION (${rel}): vfio_container_ioctl_check_extension answers 0 for an unknown or unsupported extension, never an errno`, () => {
    const k = createKernel(host(rel).group(7, [A]).bound(A, 'vfio-pci').build());
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    assert.deepEqual(expectOk(k, k.ioctl(c, 'VFIO_CHECK_EXTENSION', { extension: 'VFIO_TYPE1_IOMMU' })), { ret: 1 });
    assert.deepEqual(expectOk(k, k.ioctl(c, 'VFIO_CHECK_EXTENSION', { extension: 'VFIO_BOGUS_EXTENSION' })), { ret: 0 });
    assert.deepEqual(expectOk(k, k.ioctl(c, 'VFIO_CHECK_EXTENSION', { extension: 'VFIO_SPAPR_TCE_IOMMU' })), { ret: 0 });
    const g = expectOk(k, k.open('/dev/vfio/7'));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    expectOk(k, k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
    // with a driver set, the driver's ioctl answers (vfio_iommu_type1_check_extension): type1 yes, noiommu no
    assert.deepEqual(expectOk(k, k.ioctl(c, 'VFIO_CHECK_EXTENSION', { extension: 'VFIO_TYPE1_IOMMU' })), { ret: 1 });
    assert.deepEqual(expectOk(k, k.ioctl(c, 'VFIO_CHECK_EXTENSION', { extension: 'VFIO_NOIOMMU_IOMMU' })), { ret: 0 });
    assert.deepEqual(expectOk(k, k.ioctl(c, 'VFIO_CHECK_EXTENSION', { extension: 'VFIO_BOGUS_EXTENSION' })), { ret: 0 });
  });

  test(`VFIO_SET_IOMMU (${rel}): vfio_ioctl_set_iommu — EINVAL with no group, EINVAL when a driver is already set (list_empty || iommu_driver), ENODEV for a type no backend accepts`, () => {
    const k = createKernel(host(rel).group(7, [A]).bound(A, 'vfio-pci').build());
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    expectErrno(k, 'EINVAL', k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    expectErrno(k, 'ENODEV', k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_SPAPR_TCE_IOMMU' }));
    expectErrno(k, 'ENODEV', k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'NOT_A_TYPE' }));
    expectOk(k, k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1_IOMMU' }));
    expectErrno(k, 'EINVAL', k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1_IOMMU' }));
    expectErrno(k, 'EINVAL', k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
  });

  test(`unknown ioctl (${rel}): container without a backend EINVAL (vfio_fops_unl_ioctl: ret = -EINVAL, no driver to pass through); with type1 ENOTTY (vfio_iommu_type1_ioctl default); group fd ENOTTY (vfio_group_fops_unl_ioctl)`, () => {
    const k = createKernel(host(rel).group(7, [A]).bound(A, 'vfio-pci').build());
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    expectErrno(k, 'EINVAL', k.ioctl(c, 'VFIO_GROUP_GET_STATUS'));
    expectErrno(k, 'EINVAL', k.ioctl(c, 'VFIO_IOMMU_MAP_DMA_UNMODELLED'));
    const g = expectOk(k, k.open('/dev/vfio/7'));
    expectErrno(k, 'ENOTTY', k.ioctl(g, 'VFIO_SET_IOMMU'));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    expectOk(k, k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
    expectErrno(k, 'ENOTTY', k.ioctl(c, 'VFIO_GROUP_GET_STATUS'));
  });

  test(`VFIO_GROUP_GET_STATUS (${rel}): success flags; EINVAL when argsz < minsz (vfio_group_ioctl_get_status / 5.10 vfio_group_fops_unl_ioctl)`, () => {
    const k = createKernel(host(rel).group(7, [A]).bound(A, 'vfio-pci').build());
    const g = expectOk(k, k.open('/dev/vfio/7'));
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE'] });
    assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS', { argsz: 8 })), { flags: ['VIABLE'] });
    expectErrno(k, 'EINVAL', k.ioctl(g, 'VFIO_GROUP_GET_STATUS', { argsz: 7 }));
    expectErrno(k, 'EINVAL', k.ioctl(g, 'VFIO_GROUP_GET_STATUS', { argsz: 0 }));
  });
}

test('open /dev/vfio/N: ENOENT without a vfio device in the group; EBUSY while open (vfio_group_fops_open: group->opened_file); success after close', () => {
  const k = createKernel(host(O2).group(7, [A]).group(8, [B]).bound(A, 'vfio-pci').bound(B, 'e1000e').build());
  expectErrno(k, 'ENOENT', k.open('/dev/vfio/8'));
  const g = expectOk(k, k.open('/dev/vfio/7'));
  expectErrno(k, 'EBUSY', k.open('/dev/vfio/7'));
  expectOk(k, k.close(g));
  expectOk(k, k.close(expectOk(k, k.open('/dev/vfio/7'))));
});

test('open noiommu: /dev/vfio/noiommu-N needs CAP_SYS_RAWIO (vfio_group_fops_open: group->type == VFIO_NO_IOMMU && !capable → EPERM)', () => {
  const hb = host(O2).device(A).bound(A, 'e1000e');
  const root = createKernel(hb.build(), { noiommuMode: true });
  toVfio(root, A);
  const gid = inspectDevice(root, A)?.group;
  assert.equal(typeof gid, 'number');
  expectOk(root, root.close(expectOk(root, root.open(`/dev/vfio/noiommu-${gid}`))));
  const user = createKernel(hb.build(), { noiommuMode: true, capSysRawio: false });
  toVfio(user, A);
  expectErrno(user, 'EPERM', user.open(`/dev/vfio/noiommu-${inspectDevice(user, A)?.group}`));
});

test('open /dev/iommu: success with CONFIG_IOMMUFD (iommufd_fops_open); ENOENT without it (no misc device)', () => {
  const k = createKernel(host(C).group(7, [A]).build());
  expectOk(k, k.close(expectOk(k, k.open('/dev/iommu'))));
  const k2 = createKernel(host(C).group(7, [A]).build(), { iommufd: false });
  expectErrno(k2, 'ENOENT', k2.open('/dev/iommu'));
  const k3 = createKernel(host(O2).group(7, [A]).build(), { iommufd: false });
  expectErrno(k3, 'ENOENT', k3.open('/dev/iommu'));
});

for (const rel of [L, C]) {
  test(`driver_override (${rel}): EINVAL at ≥ PAGE_SIZE-1 bytes; PAGE_SIZE-2 is accepted (${rel === L ? 'driver_override_store' : 'driver_set_override'}: len >= PAGE_SIZE - 1)`, () => {
    const k = createKernel(host(rel).group(7, [A]).build());
    const p = `/sys/bus/pci/devices/${A}/driver_override`;
    expectErrno(k, 'EINVAL', k.write(p, 'x'.repeat(4095)));
    expectErrno(k, 'EINVAL', k.write(p, 'x'.repeat(5000)));
    assert.equal(expectOk(k, k.read(p)), '(null)\n');
    expectOk(k, k.write(p, 'x'.repeat(4094)));
    assert.equal(expectOk(k, k.read(p)), `${'x'.repeat(4094)}\n`);
  });

  test(`driver_override (${rel}): the value ends at the first newline (strchr/strnchr '\\n'); "\\n" alone and "" clear it`, () => {
    const k = createKernel(host(rel).group(7, [A]).build());
    const p = `/sys/bus/pci/devices/${A}/driver_override`;
    expectOk(k, k.write(p, 'vfio-pci\n'));
    assert.equal(expectOk(k, k.read(p)), 'vfio-pci\n');
    expectOk(k, k.write(p, 'vfio-pci\ne1000e\n'));
    assert.equal(expectOk(k, k.read(p)), 'vfio-pci\n');
    expectOk(k, k.write(p, '\n'));
    assert.equal(expectOk(k, k.read(p)), '(null)\n');
    expectOk(k, k.write(p, 'pci-stub'));
    expectOk(k, k.write(p, ''));
    assert.equal(expectOk(k, k.read(p)), '(null)\n');
  });
}

test('new_id: new_id_store sscanf("%x %x …") — fewer than 2 fields EINVAL; parsing stops at the first non-hex character, so "8086 10d3zz" is 2 fields', () => {
  const k = createKernel(host(O2).group(7, [A]).build());
  const p = '/sys/bus/pci/drivers/vfio-pci/new_id';
  expectErrno(k, 'EINVAL', k.write(p, ''));
  expectErrno(k, 'EINVAL', k.write(p, 'zz 10d3'));
  expectErrno(k, 'EINVAL', k.write(p, '8086'));
  expectErrno(k, 'EINVAL', k.write(p, '8086,10d3'));
  expectErrno(k, 'EINVAL', k.write(p, '8086zz 10d3'));
  assert.equal(inspectDevice(k, A)?.driver, null);
  expectOk(k, k.write(p, '0x8086 10d3zz'));
  assert.equal(inspectDevice(k, A)?.driver, 'vfio-pci');
  expectErrno(k, 'EEXIST', k.write(p, '8086 10d3'));
});

test('remove_id: remove_id_store — EINVAL for fewer than 2 fields, ENODEV when no dynamic id matches, success removes it', () => {
  const k = createKernel(host(O2).group(7, [A]).build());
  const p = '/sys/bus/pci/drivers/pci-stub/remove_id';
  expectErrno(k, 'EINVAL', k.write(p, '8086'));
  expectErrno(k, 'ENODEV', k.write(p, '8086 10d3'));
  expectOk(k, k.write('/sys/bus/pci/drivers/pci-stub/new_id', '1234 5678'));
  expectOk(k, k.write(p, '1234 5678'));
  expectErrno(k, 'ENODEV', k.write(p, '1234 5678'));
});

test('iommu_groups/N/type: EACCES without CAP_SYS_ADMIN+CAP_SYS_RAWIO (iommu_group_store_type, first check) on 5.11–6.3 and 6.4+', () => {
  for (const rel of [O2, C]) {
    const k = createKernel(host(rel).group(7, [A]).build(), { capSysRawio: false });
    expectErrno(k, 'EACCES', k.write('/sys/kernel/iommu_groups/7/type', 'identity'));
    assert.equal(expectOk(k, k.read('/sys/kernel/iommu_groups/7/type')), 'DMA-FQ\n');
  }
});

test('iommu_groups/N/type 5.11–5.14: "DMA-FQ" is not a word yet (IOMMU_DOMAIN_DMA_FQ from 5.15) → EINVAL; identity on an unbound singleton succeeds', () => {
  const k = createKernel(host('5.13.0').group(7, [A], 'DMA').build());
  expectErrno(k, 'EINVAL', k.write('/sys/kernel/iommu_groups/7/type', 'DMA-FQ'));
  expectOk(k, k.write('/sys/kernel/iommu_groups/7/type', 'identity'));
  assert.equal(expectOk(k, k.read('/sys/kernel/iommu_groups/7/type')), 'identity\n');
});

test('iommu_groups/N/type 6.1: unbound singleton → identity succeeds; bound device: DMA→DMA-FQ is allowed, identity EBUSY ("Device is still bound to driver")', () => {
  const k = createKernel(host(O2).group(7, [A]).group(8, [B], 'DMA').bound(B, 'e1000e').build());
  expectOk(k, k.write('/sys/kernel/iommu_groups/7/type', 'identity'));
  assert.equal(expectOk(k, k.read('/sys/kernel/iommu_groups/7/type')), 'identity\n');
  expectErrno(k, 'EBUSY', k.write('/sys/kernel/iommu_groups/8/type', 'identity'));
  expectOk(k, k.write('/sys/kernel/iommu_groups/8/type', 'DMA-FQ'));
  assert.equal(expectOk(k, k.read('/sys/kernel/iommu_groups/8/type')), 'DMA-FQ\n');
});

test('iommu_groups/N/type 6.12: vfio-pci is driver_managed_dma (owner_cnt stays 0) so the type may change; EPERM once SET_CONTAINER claims the group; DMA→DMA-FQ needs no check; EINVAL for an unknown word', () => {
  const k = createKernel(host(C).group(7, [A]).bound(A, 'vfio-pci').group(8, [B], 'DMA').bound(B, 'e1000e').build());
  expectOk(k, k.write('/sys/kernel/iommu_groups/7/type', 'identity'));
  openGroup(k, 7);
  expectErrno(k, 'EPERM', k.write('/sys/kernel/iommu_groups/7/type', 'DMA'));
  assert.equal(expectOk(k, k.read('/sys/kernel/iommu_groups/7/type')), 'identity\n');
  expectOk(k, k.write('/sys/kernel/iommu_groups/8/type', 'DMA-FQ'));
  expectErrno(k, 'EINVAL', k.write('/sys/kernel/iommu_groups/8/type', 'dma'));
});

test('noiommu container: CHECK_EXTENSION(NOIOMMU) is 1 only with enable_unsafe_noiommu_mode; SET_IOMMU(TYPE1v2) on a noiommu container ENODEV (vfio_ioctl_set_iommu: container->noiommu != (ops == &vfio_noiommu_ops) → skip); NOIOMMU succeeds', () => {
  const k = createKernel(host(O2).device(A).bound(A, 'e1000e').build(), { noiommuMode: true });
  toVfio(k, A);
  const c = expectOk(k, k.open('/dev/vfio/vfio'));
  assert.deepEqual(expectOk(k, k.ioctl(c, 'VFIO_CHECK_EXTENSION', { extension: 'VFIO_NOIOMMU_IOMMU' })), { ret: 1 });
  const g = expectOk(k, k.open(`/dev/vfio/noiommu-${inspectDevice(k, A)?.group}`));
  expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
  expectErrno(k, 'ENODEV', k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
  expectOk(k, k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_NOIOMMU_IOMMU' }));
  expectErrno(k, 'ENOTTY', k.ioctl(c, 'VFIO_IOMMU_GET_INFO'));
  const k2 = createKernel(host(O2).group(7, [A]).build());
  assert.deepEqual(expectOk(k2, k2.ioctl(expectOk(k2, k2.open('/dev/vfio/vfio')), 'VFIO_CHECK_EXTENSION', { extension: 'VFIO_NOIOMMU_IOMMU' })), { ret: 0 });
});

test('iommu_groups/N/type 6.12: the list_empty(&group->devices) → EPERM branch is not reachable from user space — the group (and its type file) goes with its last device (iommu_group_release): ENOENT', () => {
  const k = createKernel(host(C).group(7, [A, B]).build());
  expectOk(k, k.write(`/sys/bus/pci/devices/${A}/remove`, '1'));
  expectOk(k, k.write('/sys/kernel/iommu_groups/7/type', 'DMA-FQ'));
  expectOk(k, k.write(`/sys/bus/pci/devices/${B}/remove`, '1'));
  expectErrno(k, 'ENOENT', k.write('/sys/kernel/iommu_groups/7/type', 'identity'));
});
