/**
 * The file-ops table is part of each kernel's construction (file-ops.ts), not a registry filled at import time;
 * the dispatch tables are keyed by literal unions (ioctl requests, character devices, driver kinds).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from './kernel.js';
import { CDEV_OPEN, FILE_OPS, type CdevOpen } from './file-ops.js';
import type { FileOps, IoctlHandler } from './file-table.js';
import type { CdevKind } from './kernfs.js';
import type { DriverKind } from './base/driver-registry.js';
import type { VfioContainerIoctl, VfioGroupIoctl } from './vfio-uapi.js';
import { VFIO_GROUP_FOPS } from './vfio/group.js';
import { ok } from './errno.js';
import { expectErrno, expectOk } from './testing/expect.js';
import { q35Like } from './testing/host-builder.js';

test('every file kind has its ops; a kernel built with another table answers with it, others keep the default', () => {
  assert.deepEqual(Object.keys(FILE_OPS).sort(), ['iommufd', 'vfio-cdev', 'vfio-container', 'vfio-device', 'vfio-group']);
  const desc = q35Like('6.1.0-56-amd64').build();
  const custom = { ...FILE_OPS, 'vfio-container': { ...FILE_OPS['vfio-container'], ioctls: {} } };
  const k1 = createKernel(desc, {}, custom), k2 = createKernel(desc);
  const c1 = expectOk(k1, k1.open('/dev/vfio/vfio')), c2 = expectOk(k2, k2.open('/dev/vfio/vfio'));
  // the request falls to the container's `default:` (vfio_fops_unl_ioctl: -EINVAL with no driver set)
  expectErrno(k1, 'EINVAL', k1.ioctl(c1, 'VFIO_GET_API_VERSION'));
  assert.deepEqual(expectOk(k2, k2.ioctl(c2, 'VFIO_GET_API_VERSION')), { ret: 0 });
});

test('a group-path device fd answers BIND_IOMMUFD from its own ops: EINVAL on C with cdev, ENOTTY on 6.1', () => {
  for (const [release, errno] of [['6.12.117-oracle-iommufd', 'EINVAL'], ['6.1.0-56-amd64', 'ENOTTY']] as const) {
    const k = createKernel(q35Like(release).bound('0000:04:00.0', 'vfio-pci').build());
    const c = expectOk(k, k.open('/dev/vfio/vfio'));
    const g = expectOk(k, k.open('/dev/vfio/8'));
    expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
    expectOk(k, k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
    const d = expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: '0000:04:00.0' }))['fd'] as number;
    expectErrno(k, errno, k.ioctl(d, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: c }));
  }
});

test('typed dispatch: every /dev node the view shows is a character device whose open is in CDEV_OPEN, and opens', () => {
  const k = createKernel(q35Like('6.12.117-oracle-iommufd').bound('0000:04:00.0', 'vfio-pci').build());
  const nodes: string[] = [];
  const walk = (path: string): void => {
    const st = expectOk(k, k.stat(path));
    if (st.kind === 'dir') for (const e of expectOk(k, k.list(path))) walk(`${path}/${e}`);
    else nodes.push(path);
  };
  walk('/dev');
  assert.deepEqual(nodes.sort(), ['/dev/iommu', '/dev/vfio/8', '/dev/vfio/devices/vfio0', '/dev/vfio/vfio']);
  for (const n of nodes) {
    assert.equal(expectOk(k, k.stat(n)).kind, 'chardev', n);
    expectOk(k, k.open(n));
  }
  assert.deepEqual(Object.keys(CDEV_OPEN).sort(), ['iommu', 'vfio', 'vfio-device', 'vfio-group']);
});

test('typed dispatch: the tables are keyed by literal unions the compiler checks (these lines must not compile)', () => {
  const handler: IoctlHandler = () => ok({});
  // @ts-expect-error a request the group fd does not answer is not a key of its table
  const extra: FileOps<VfioGroupIoctl> = { release: () => undefined, ioctls: { ...VFIO_GROUP_FOPS.ioctls, VFIO_SET_IOMMU: handler } };
  // @ts-expect-error every request of the container must have its handler
  const missing: FileOps<VfioContainerIoctl> = { release: () => undefined, ioctls: { VFIO_GET_API_VERSION: handler } };
  // @ts-expect-error every character device needs its open
  const noOpen: Readonly<Record<CdevKind, CdevOpen>> = { iommu: CDEV_OPEN.iommu, vfio: CDEV_OPEN.vfio, 'vfio-group': CDEV_OPEN['vfio-group'] };
  // @ts-expect-error a driver kind the model does not know has no registered callbacks
  const noKind: DriverKind = 'nvme';
  assert.ok(extra && missing && noOpen && noKind);
});
