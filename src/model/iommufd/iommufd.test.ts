/**
 * /dev/iommu ioctls, one success and one test per errno (the kernel selftest's test_cmd_X / test_err_X
 * pairs), on the 6.12 iommufd build of the q35 guest: F = 0000:04:00.0 alone in group 8 (MSI window
 * 0xfee00000-0xfeefffff), bound to vfio-pci and opened through /dev/vfio/devices/vfio0.
 * Sources: drivers/iommu/iommufd/{main,ioas,io_pagetable,hw_pagetable,device}.c (6.12).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import type { Kernel } from '../uapi.js';
import { expectErrno, expectOk, toVfio } from '../testing/expect.js';
import { q35Like } from '../testing/host-builder.js';

const REL = '6.12.117-oracle-iommufd';
const F = '0000:04:00.0';
const RW = ['READABLE', 'WRITEABLE'];
const FIXED = ['FIXED_IOVA', 'READABLE', 'WRITEABLE'];

interface Fx { k: Kernel; ictx: number; ioas: number }

function fx(): Fx {
  const k = createKernel(q35Like(REL).build());
  toVfio(k, F);
  const ictx = expectOk(k, k.open('/dev/iommu'));
  const ioas = expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_ALLOC'))['id'] as number;
  return { k, ictx, ioas };
}

/** Bind F's cdev to the ctx: [cdev fd, devid]. */
function bindF({ k, ictx }: Fx): [number, number] {
  const dev = expectOk(k, k.open('/dev/vfio/devices/vfio0'));
  const devid = expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx }))['devid'] as number;
  return [dev, devid];
}

test('IOMMU_IOAS_ALLOC: ids from 1, lowest free, reused after IOMMU_DESTROY; flags → EOPNOTSUPP', () => {
  const f = fx();
  const { k, ictx } = f;
  assert.equal(f.ioas, 1);
  assert.equal(expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_ALLOC'))['id'], 2);
  assert.equal(expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_ALLOC'))['id'], 3);
  expectOk(k, k.ioctl(ictx, 'IOMMU_DESTROY', { id: 2 }));
  assert.equal(expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_ALLOC'))['id'], 2);
  expectErrno(k, 'EOPNOTSUPP', k.ioctl(ictx, 'IOMMU_IOAS_ALLOC', { flags: 1 }));
  assert.equal(expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_ALLOC'))['id'], 4, 'a failed alloc takes no id');
  const other = expectOk(k, k.open('/dev/iommu'));
  assert.equal(expectOk(k, k.ioctl(other, 'IOMMU_IOAS_ALLOC'))['id'], 1, 'each ctx has its own xarray');
});

test('IOMMU_DESTROY: ok; ENOENT unknown id; EBUSY IOAS used by a HWPT and a bound device', () => {
  const f = fx();
  const { k, ictx, ioas } = f;
  expectErrno(k, 'ENOENT', k.ioctl(ictx, 'IOMMU_DESTROY', { id: 9999 }));
  const [dev, devid] = bindF(f);
  const hwpt = expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }))['pt_id'];
  assert.deepEqual([devid, hwpt], [2, 3]);
  assert.match(expectErrno(k, 'EBUSY', k.ioctl(ictx, 'IOMMU_DESTROY', { id: ioas })), /IOAS 1 is used by HWPT 3/);
  expectErrno(k, 'EBUSY', k.ioctl(ictx, 'IOMMU_DESTROY', { id: devid }));
  expectErrno(k, 'EBUSY', k.ioctl(ictx, 'IOMMU_DESTROY', { id: hwpt }));
  expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_DETACH_IOMMUFD_PT'));
  expectErrno(k, 'ENOENT', k.ioctl(ictx, 'IOMMU_DESTROY', { id: hwpt }), );
  expectOk(k, k.ioctl(ictx, 'IOMMU_DESTROY', { id: ioas }));
  expectErrno(k, 'ENOENT', k.ioctl(ictx, 'IOMMU_DESTROY', { id: ioas }));
});

test('IOMMU_IOAS_MAP: fixed and allocated IOVAs; EEXIST, EINVAL (length 0, no R/W, misaligned, reserved), EOPNOTSUPP, ENOENT, EOVERFLOW, ENOSPC', () => {
  const f = fx();
  const { k, ictx, ioas } = f;
  const map = (a: Record<string, unknown>) => k.ioctl(ictx, 'IOMMU_IOAS_MAP', { ioas_id: ioas, ...a });
  assert.equal(expectOk(k, map({ flags: FIXED, iova: 0x100000, length: 0x2000 }))['iova'], 0x100000);
  expectErrno(k, 'EEXIST', map({ flags: FIXED, iova: 0x101000, length: 0x1000 }));
  assert.equal(expectOk(k, map({ flags: FIXED, iova: 0x300001, length: 0x1000 }))['iova'], 0x300001, 'iova_alignment is 1 without a domain');
  expectErrno(k, 'EINVAL', map({ flags: FIXED, iova: 0x400000, length: 0 }));
  assert.equal(expectOk(k, map({ flags: RW, length: 0x1000 }))['iova'], 0x1000, 'lowest free, never IOVA 0');
  assert.equal(expectOk(k, map({ flags: RW, length: 0x4000 }))['iova'], 0x2000, 'aligned to min(roundup_pow_of_two(length), user_va alignment 4 KiB)');
  assert.equal(expectOk(k, map({ flags: RW, length: 0x4000, user_va: 0x7f0000000000 }))['iova'], 0x8000, 'a 16 KiB-aligned user_va gets a 16 KiB-aligned IOVA');
  expectErrno(k, 'EINVAL', map({ flags: ['FIXED_IOVA'], iova: 0x500000, length: 0x1000 }));
  expectErrno(k, 'EOPNOTSUPP', map({ flags: ['READABLE', 'BOGUS'], length: 0x1000 }));
  expectErrno(k, 'ENOENT', k.ioctl(ictx, 'IOMMU_IOAS_MAP', { ioas_id: 9999, flags: FIXED, iova: 0x500000, length: 0x1000 }));
  expectErrno(k, 'EOVERFLOW', map({ flags: FIXED, iova: '0xffffffffffffffff', length: 0x1000 }));
  expectErrno(k, 'EOVERFLOW', map({ flags: FIXED, iova: '0xfffffffffffff000', length: 0x2000 }));
  // With a device attached: the MSI window is reserved and the VT-d domain sets iova_alignment 4 KiB.
  expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_UNMAP', { ioas_id: ioas, iova: 0x300001, length: 0x1000 }));
  const [dev] = bindF(f);
  expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }));
  assert.match(expectErrno(k, 'EINVAL', map({ flags: FIXED, iova: 0xfee00000, length: 0x1000 })), /reserved.*0000:04:00\.0/);
  expectErrno(k, 'EINVAL', map({ flags: FIXED, iova: 0x700800, length: 0x1000 }));
  expectErrno(k, 'EINVAL', map({ flags: FIXED, iova: 0x700000, length: 0x800 }));
  expectErrno(k, 'ENOSPC', map({ flags: RW, length: 2 ** 50 }));
  expectOk(k, k.close(dev));
});

test('IOMMU_IOAS_UNMAP: exact and covering ranges; ENOENT (nothing, partial), EINVAL length 0, EOVERFLOW; unmap-all answers the bytes', () => {
  const { k, ictx, ioas } = fx();
  const map = (iova: number, length: number) => expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_MAP', { ioas_id: ioas, flags: FIXED, iova, length }));
  const unmap = (iova: number | string, length: number | string) => k.ioctl(ictx, 'IOMMU_IOAS_UNMAP', { ioas_id: ioas, iova, length });
  map(0x100000, 0x2000);
  expectErrno(k, 'ENOENT', unmap(0x200000, 0x1000));
  expectErrno(k, 'ENOENT', unmap(0x100000, 0x1000));
  expectErrno(k, 'EINVAL', unmap(0x100000, 0));
  expectErrno(k, 'EOVERFLOW', unmap('0xfffffffffffff000', 0x2000));
  assert.equal(expectOk(k, unmap(0x100000, 0x2000))['length'], 0x2000);
  expectErrno(k, 'ENOENT', unmap(0x100000, 0x2000));
  map(0x100000, 0x1000); map(0x200000, 0x3000);
  assert.equal(expectOk(k, unmap(0, 0x1000000))['length'], 0x4000, 'a range covering several mappings');
  map(0x100000, 0x1000);
  assert.equal(expectOk(k, unmap(0, '0xffffffffffffffff'))['length'], 0x1000);
  assert.equal(expectOk(k, unmap(0, '0xffffffffffffffff'))['length'], 0, 'unmap-all of nothing succeeds');
  expectErrno(k, 'ENOENT', k.ioctl(ictx, 'IOMMU_IOAS_UNMAP', { ioas_id: 77, iova: 0, length: 0x1000 }));
});

test('IOMMU_IOAS_IOVA_RANGES: the whole space; then the holes around the MSI window and the 48-bit aperture; ENOENT', () => {
  const f = fx();
  const { k, ictx, ioas } = f;
  assert.deepEqual(expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_IOVA_RANGES', { ioas_id: ioas })),
    { num_iovas: 1, allowed_iovas: [{ start: 0, last: '0xffffffffffffffff' }], out_iova_alignment: 1 });
  const [dev] = bindF(f);
  expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }));
  assert.deepEqual(expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_IOVA_RANGES', { ioas_id: ioas })), {
    num_iovas: 2, out_iova_alignment: 4096,
    allowed_iovas: [{ start: 0, last: 0xfedfffff }, { start: 0xfef00000, last: 2 ** 48 - 1 }],
  });
  expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_DETACH_IOMMUFD_PT'));
  assert.equal(expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_IOVA_RANGES', { ioas_id: ioas }))['num_iovas'], 1, 'detach drops both reservations');
  expectErrno(k, 'ENOENT', k.ioctl(ictx, 'IOMMU_IOAS_IOVA_RANGES', { ioas_id: 42 }));
});

test('IOMMU_HWPT_ALLOC: a manual HWPT, attachable and destroyable; ENOENT device, EINVAL pt_id, EOPNOTSUPP flags', () => {
  const f = fx();
  const { k, ictx, ioas } = f;
  const [dev, devid] = bindF(f);
  expectErrno(k, 'EOPNOTSUPP', k.ioctl(ictx, 'IOMMU_HWPT_ALLOC', { dev_id: devid, pt_id: ioas, flags: ['NEST_PARENT'] }));
  expectErrno(k, 'ENOENT', k.ioctl(ictx, 'IOMMU_HWPT_ALLOC', { dev_id: 99, pt_id: ioas }));
  expectErrno(k, 'ENOENT', k.ioctl(ictx, 'IOMMU_HWPT_ALLOC', { dev_id: ioas, pt_id: ioas }));
  expectErrno(k, 'EINVAL', k.ioctl(ictx, 'IOMMU_HWPT_ALLOC', { dev_id: devid, pt_id: 99 }));
  expectErrno(k, 'EINVAL', k.ioctl(ictx, 'IOMMU_HWPT_ALLOC', { dev_id: devid, pt_id: devid }));
  const hwpt = expectOk(k, k.ioctl(ictx, 'IOMMU_HWPT_ALLOC', { dev_id: devid, pt_id: ioas }))['id'];
  assert.equal(hwpt, 3);
  assert.equal(expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: hwpt }))['pt_id'], 3);
  expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_DETACH_IOMMUFD_PT'));
  expectOk(k, k.ioctl(ictx, 'IOMMU_DESTROY', { id: hwpt }), );
  expectOk(k, k.close(dev));
});

test('attach checks the IOAS: a mapping over the MSI window → EADDRINUSE; an unaligned mapping → EADDRINUSE, the HWPT id is not used up', () => {
  const f = fx();
  const { k, ictx, ioas } = f;
  expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_MAP', { ioas_id: ioas, flags: FIXED, iova: 0xfee00000, length: 0x1000 }));
  const [dev] = bindF(f);
  expectErrno(k, 'EADDRINUSE', k.ioctl(dev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }));
  expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_UNMAP', { ioas_id: ioas, iova: 0xfee00000, length: 0x1000 }));
  expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_MAP', { ioas_id: ioas, flags: FIXED, iova: 0x300001, length: 0x1000 }));
  expectErrno(k, 'EADDRINUSE', k.ioctl(dev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }));
  assert.equal(k.state.groups.get(8)?.domain, k.state.groups.get(8)?.blockingDomain, 'the immediate attach was undone');
  expectOk(k, k.ioctl(ictx, 'IOMMU_IOAS_UNMAP', { ioas_id: ioas, iova: 0, length: '0xffffffffffffffff' }));
  assert.equal(expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }))['pt_id'], 3);
});

test('closing /dev/iommu while a device is bound keeps the ctx (the device holds it); the cdev close releases everything', () => {
  const f = fx();
  const { k, ictx, ioas } = f;
  const [dev] = bindF(f);
  expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }));
  expectOk(k, k.close(ictx));
  assert.equal(k.state.groups.get(8)?.owner, 'iommufd_ctx 1');
  assert.equal(k.state.iommufd.ctxs.size, 1);
  expectOk(k, k.close(dev));
  assert.deepEqual([k.state.groups.get(8)?.owner, k.state.groups.get(8)?.ownerCnt, k.state.iommufd.ctxs.size], [null, 0, 0]);
  assert.equal(k.state.groups.get(8)?.domain, k.state.groups.get(8)?.defaultDomain);
  expectOk(k, k.write('/sys/bus/pci/devices/0000:04:00.0/driver/unbind', F));
});

test('recorder scenario I1 as the kernel answers it (io_pagetable.c: a 0x300001 mapping is legal without a domain, then blocks the 4 KiB domain)', () => {
  const { k, ictx, ioas } = fx();
  const map = (a: Record<string, unknown>) => k.ioctl(ictx, 'IOMMU_IOAS_MAP', { ioas_id: ioas, ...a });
  const unmap = (iova: number, length: number) => k.ioctl(ictx, 'IOMMU_IOAS_UNMAP', { ioas_id: ioas, iova, length });
  expectOk(k, map({ flags: FIXED, iova: 0x100000, length: 0x2000 }));
  expectErrno(k, 'EEXIST', map({ flags: FIXED, iova: 0x100000, length: 0x1000 }));
  expectOk(k, map({ flags: FIXED, iova: 0x300001, length: 0x1000 }));
  expectErrno(k, 'EINVAL', map({ flags: FIXED, iova: 0x400000, length: 0 }));
  assert.equal(expectOk(k, map({ flags: RW, length: 0x1000 }))['iova'], 0x1000);
  expectErrno(k, 'ENOENT', k.ioctl(ictx, 'IOMMU_IOAS_MAP', { ioas_id: 9999, flags: ['FIXED_IOVA', 'READABLE'], iova: 0x500000, length: 0x1000 }));
  expectErrno(k, 'ENOENT', unmap(0x200000, 0x1000));
  expectErrno(k, 'ENOENT', unmap(0x100000, 0x1000));
  expectOk(k, unmap(0x100000, 0x2000));
  expectErrno(k, 'ENOENT', unmap(0x100000, 0x2000));
  const dev = expectOk(k, k.open('/dev/vfio/devices/vfio0'));
  expectErrno(k, 'EINVAL', k.ioctl(dev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }));
  assert.equal(expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx }))['devid'], 2);
  expectErrno(k, 'ENOENT', k.ioctl(dev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: 9999 }));
  expectErrno(k, 'EADDRINUSE', k.ioctl(dev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ioas }));
  expectOk(k, k.ioctl(ictx, 'IOMMU_DESTROY', { id: ioas }), );
  expectErrno(k, 'EBUSY', k.ioctl(ictx, 'IOMMU_DESTROY', { id: 2 }));
  expectOk(k, k.ioctl(dev, 'VFIO_DEVICE_DETACH_IOMMUFD_PT'));
  expectOk(k, k.close(dev));
  expectOk(k, k.close(ictx));
});

test('IOMMU_VFIO_IOAS (iommufd_vfio_ioas, vfio_compat.c 6.12): GET ENODEV without a compat IOAS; SET ENOENT for a non-IOAS; SET/GET/CLEAR; bad op EOPNOTSUPP', () => {
  const f = fx();
  const { k, ictx, ioas } = f;
  expectErrno(k, 'ENODEV', k.ioctl(ictx, 'IOMMU_VFIO_IOAS', { op: 'IOMMU_VFIO_IOAS_GET' }));
  const [, devid] = bindF(f);
  expectErrno(k, 'ENOENT', k.ioctl(ictx, 'IOMMU_VFIO_IOAS', { op: 'IOMMU_VFIO_IOAS_SET', ioas_id: devid }));
  expectErrno(k, 'ENOENT', k.ioctl(ictx, 'IOMMU_VFIO_IOAS', { op: 'IOMMU_VFIO_IOAS_SET', ioas_id: 9999 }));
  expectErrno(k, 'ENODEV', k.ioctl(ictx, 'IOMMU_VFIO_IOAS', { op: 'IOMMU_VFIO_IOAS_GET' })); // a failed SET sets nothing
  expectOk(k, k.ioctl(ictx, 'IOMMU_VFIO_IOAS', { op: 'IOMMU_VFIO_IOAS_SET', ioas_id: ioas }));
  assert.equal(expectOk(k, k.ioctl(ictx, 'IOMMU_VFIO_IOAS', { op: 'IOMMU_VFIO_IOAS_GET' }))['ioas_id'], ioas);
  expectErrno(k, 'EOPNOTSUPP', k.ioctl(ictx, 'IOMMU_VFIO_IOAS', { op: 3 }));
  expectOk(k, k.ioctl(ictx, 'IOMMU_VFIO_IOAS', { op: 'IOMMU_VFIO_IOAS_CLEAR' }));
  expectErrno(k, 'ENODEV', k.ioctl(ictx, 'IOMMU_VFIO_IOAS', { op: 'IOMMU_VFIO_IOAS_GET' }));
});
