/** The file-ops table is part of each kernel's construction (file-ops.ts), not a registry filled at import time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from './kernel.js';
import { FILE_OPS } from './file-ops.js';
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
