/**
 * Test helpers: expect a syscall to succeed or fail with an errno, and check the model's invariants
 * after every step (checkInvariants must stay empty unless a test expects a violation).
 */
import assert from 'node:assert/strict';
import { checkInvariants } from '../invariants.js';
import type { Kernel, SysErrno, SysResult } from '../uapi.js';

export function expectOk<T>(k: Kernel, r: SysResult<T>): T {
  if (!r.ok) assert.fail(`expected success, got ${r.errno}: ${r.why}\n  calls: ${r.calls.join(' → ')}`);
  assert.deepEqual(checkInvariants(k), []);
  return r.value;
}

export function expectErrno<T>(k: Kernel, errno: SysErrno, r: SysResult<T>): string {
  if (r.ok) assert.fail(`expected ${errno}, got success (calls: ${r.calls.join(' → ')})`);
  assert.equal(r.errno, errno, `expected ${errno}, got ${r.errno}: ${r.why}`);
  if (r.errno !== 'oops') assert.deepEqual(checkInvariants(k), []);
  return r.why;
}

/** Bind `bdf` to vfio-pci the way the traces do: driver_override, unbind the current driver, bind. */
export function toVfio(k: Kernel, bdf: string): void {
  expectOk(k, k.write(`/sys/bus/pci/devices/${bdf}/driver_override`, 'vfio-pci'));
  if (k.readLink(`/sys/bus/pci/devices/${bdf}/driver`).ok) expectOk(k, k.write(`/sys/bus/pci/devices/${bdf}/driver/unbind`, bdf));
  expectOk(k, k.write('/sys/bus/pci/drivers/vfio-pci/bind', bdf));
}

/** open container + group, SET_CONTAINER, SET_IOMMU(TYPE1v2): returns [container fd, group fd]. */
export function openGroup(k: Kernel, gid: number): [number, number] {
  const c = expectOk(k, k.open('/dev/vfio/vfio'));
  const g = expectOk(k, k.open(`/dev/vfio/${gid}`));
  expectOk(k, k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
  expectOk(k, k.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
  return [c, g];
}
