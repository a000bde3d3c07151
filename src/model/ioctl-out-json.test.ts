/**
 * Every ioctl `out` is plain JSON data (the replayer and `--json` print it): the syscall layer throws a
 * ModelBug otherwise (kernel.ts, `jsonUnsafePath`), and u64 values above 2^53 are hex strings (outU64).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from './kernel.js';
import { jsonUnsafePath } from './file-table.js';
import { expectOk, openGroup, toVfio } from './testing/expect.js';
import { q35Like } from './testing/host-builder.js';
import type { Kernel } from './uapi.js';

const F = '0000:04:00.0';

function roundTrips(k: Kernel, fd: number, request: string, arg: Record<string, unknown> = {}): Record<string, unknown> {
  const out = expectOk(k, k.ioctl(fd, request, arg));
  assert.deepEqual(JSON.parse(JSON.stringify(out)), out, `${request} out survives JSON`);
  return out;
}

test('jsonUnsafePath names a bigint, NaN, an unsafe integer or a non-plain object, and accepts JSON data', () => {
  assert.equal(jsonUnsafePath({ iova: 1n }), 'out.iova');
  assert.equal(jsonUnsafePath({ r: [{ last: 2 ** 64 }] }), 'out.r[0].last');
  assert.equal(jsonUnsafePath({ x: Number.NaN }), 'out.x');
  assert.equal(jsonUnsafePath({ m: new Map() }), 'out.m');
  assert.equal(jsonUnsafePath({ a: [0, 'x', null, true, { last: '0xffffffffffffffff' }], f: 0.5 }), null);
});

test('container, group and device ioctls on 6.1 answer JSON data', () => {
  const k = createKernel(q35Like('6.1.0-56-amd64').build());
  toVfio(k, F);
  const [c, g] = openGroup(k, 8);
  roundTrips(k, c, 'VFIO_GET_API_VERSION');
  roundTrips(k, c, 'VFIO_CHECK_EXTENSION', { extension: 'VFIO_TYPE1v2_IOMMU' });
  roundTrips(k, g, 'VFIO_GROUP_GET_STATUS');
  const dev = roundTrips(k, g, 'VFIO_GROUP_GET_DEVICE_FD', { name: F })['fd'] as number;
  roundTrips(k, dev, 'VFIO_DEVICE_GET_INFO');
});

test('iommufd ioctls with IOVAs above 2^53 answer JSON data (6.12 iommufd build)', () => {
  const k = createKernel(q35Like('6.12.117-oracle-iommufd').build());
  toVfio(k, F);
  const ictx = expectOk(k, k.open('/dev/iommu'));
  const ioas = roundTrips(k, ictx, 'IOMMU_IOAS_ALLOC')['id'] as number;
  const ranges = roundTrips(k, ictx, 'IOMMU_IOAS_IOVA_RANGES', { ioas_id: ioas });
  assert.deepEqual(ranges['allowed_iovas'], [{ start: 0, last: '0xffffffffffffffff' }]);
  const high = '0x7ffffffff0000000';
  const m = roundTrips(k, ictx, 'IOMMU_IOAS_MAP', { ioas_id: ioas, flags: ['FIXED_IOVA', 'READABLE', 'WRITEABLE'], iova: high, length: 0x1000 });
  assert.equal(m['iova'], high);
  roundTrips(k, ictx, 'IOMMU_IOAS_UNMAP', { ioas_id: ioas, iova: high, length: 0x1000 });
  const cdev = expectOk(k, k.open('/dev/vfio/devices/vfio0'));
  roundTrips(k, cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx });
  roundTrips(k, cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas });
});
