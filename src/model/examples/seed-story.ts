/**
 * The seed's story (`dmaown demo`): on the q35 guest of the conformance traces, give 00:05.0 to
 * vfio-pci, take its sibling 00:05.1 off e1000 so the group is viable, open the group and a device fd,
 * then bind e1000 back to 00:05.1 while user space owns the group. 5.10: kernel BUG (the driver is
 * bound, doing DMA into a user-owned group). 6.1: EBUSY, and the model says why.
 */
import { createKernel } from '../kernel.js';
import { q35Like } from './host-builder.js';
import type { Kernel, SysResult } from '../uapi.js';

export interface StoryLine {
  readonly call: string;
  readonly result: string;
  readonly why?: string;
  readonly calls: readonly string[];
}

export interface Story {
  readonly kernel: string;
  readonly lines: readonly StoryLine[];
  /** The result of the last step: 'oops' on 5.10, 'EBUSY' on 6.1. */
  readonly ending: string;
}

function line(call: string, r: SysResult<unknown>): StoryLine {
  return r.ok ? { call, result: 'ok', calls: r.calls } : { call, result: r.errno, why: r.why, calls: r.calls };
}

/** Run the story on a kernel release (default: both). Pure: builds its own simulated host. */
export function seedStory(release: string): Story {
  const k: Kernel = createKernel(q35Like(release).build());
  const A = '0000:00:05.0', B = '0000:00:05.1';
  const lines: StoryLine[] = [];
  const step = <T>(call: string, r: SysResult<T>): SysResult<T> => { lines.push(line(call, r)); return r; };
  step(`echo vfio-pci > /sys/bus/pci/devices/${A}/driver_override`, k.write(`/sys/bus/pci/devices/${A}/driver_override`, 'vfio-pci'));
  step(`echo ${A} > /sys/bus/pci/devices/${A}/driver/unbind`, k.write(`/sys/bus/pci/devices/${A}/driver/unbind`, A));
  step(`echo ${A} > /sys/bus/pci/drivers/vfio-pci/bind`, k.write('/sys/bus/pci/drivers/vfio-pci/bind', A));
  step(`echo ${B} > /sys/bus/pci/drivers/e1000/unbind`, k.write('/sys/bus/pci/drivers/e1000/unbind', B));
  const c = step('open /dev/vfio/vfio', k.open('/dev/vfio/vfio'));
  const g = step('open /dev/vfio/1', k.open('/dev/vfio/1'));
  const cfd = c.ok ? c.value : -1, gfd = g.ok ? g.value : -1;
  step('ioctl(group, VFIO_GROUP_SET_CONTAINER)', k.ioctl(gfd, 'VFIO_GROUP_SET_CONTAINER', { fd: cfd }));
  step('ioctl(container, VFIO_SET_IOMMU, TYPE1v2)', k.ioctl(cfd, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
  step(`ioctl(group, VFIO_GROUP_GET_DEVICE_FD, ${A})`, k.ioctl(gfd, 'VFIO_GROUP_GET_DEVICE_FD', { name: A }));
  const last = step(`echo ${B} > /sys/bus/pci/drivers/e1000/bind`, k.write('/sys/bus/pci/drivers/e1000/bind', B));
  return { kernel: release, lines, ending: last.ok ? 'ok' : last.errno };
}

/** The transcript as text: one line per syscall, with the kernel's explanation on failure. */
export function renderStory(s: Story): string {
  const out = [`# kernel ${s.kernel}`];
  for (const l of s.lines) {
    out.push(`$ ${l.call}  → ${l.result}`);
    if (l.why) out.push(`    ${l.why}`);
  }
  return out.join('\n');
}
