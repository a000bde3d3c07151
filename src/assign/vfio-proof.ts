import type { Kernel, SysResult } from '../model/uapi.js';
import type { Via } from './plan.js';

/**
 * After a plan has run on the model, open each planned group from user space the way a VMM does, and
 * keep every call with its answer — the proof that the hand-over works on this kernel version:
 *
 * - group path (spec §5; QEMU's legacy path): open /dev/vfio/vfio and /dev/vfio/N,
 *   VFIO_GROUP_GET_STATUS (VIABLE), VFIO_GROUP_SET_CONTAINER (the ownership claim,
 *   `iommu_group_claim_dma_owner`), VFIO_SET_IOMMU type1v2, VFIO_GROUP_GET_DEVICE_FD per device;
 * - cdev path (spec §6.5, 6.6+): open /dev/iommu, IOMMU_IOAS_ALLOC, and per device open
 *   /dev/vfio/devices/vfioN (N from /sys/bus/pci/devices/BDF/vfio-dev/), VFIO_DEVICE_BIND_IOMMUFD
 *   (the claim, `iommu_device_claim_dma_owner`), VFIO_DEVICE_ATTACH_IOMMUFD_PT to the IOAS.
 *
 * Everything opened is closed again, in reverse order. The first failing call ends the proof.
 */
export interface ProofCall {
  /** `open /dev/iommu`, `ioctl VFIO_DEVICE_BIND_IOMMUFD on /dev/vfio/devices/vfio0`. */
  readonly call: string;
  /** `ok`, `fd 3`, `{"devid":1}`, or the errno. */
  readonly result: string;
  /** The kernel's reason for a failure. */
  readonly why?: string;
  /** The kernel functions the call went through (failures only). */
  readonly calls?: readonly string[];
}

export interface GroupProof {
  readonly via: Via;
  readonly ok: boolean;
  readonly calls: readonly ProofCall[];
}

class Recorder {
  readonly calls: ProofCall[] = [];
  private readonly open: { fd: number; path: string }[] = [];
  failed = false;
  constructor(private readonly k: Kernel) {}

  private note<T>(call: string, r: SysResult<T>, show: (v: T) => string): T | null {
    if (r.ok) { this.calls.push({ call, result: show(r.value) }); return r.value; }
    this.calls.push({ call, result: r.errno, why: r.why, calls: r.calls });
    this.failed = true;
    return null;
  }

  openFile(path: string): number | null {
    const fd = this.note(`open ${path}`, this.k.open(path), (v) => `fd ${v}`);
    if (fd !== null) this.open.push({ fd, path });
    return fd;
  }

  ioctl(fd: number, request: string, arg?: Record<string, unknown>): Record<string, unknown> | null {
    const path = this.open.find((o) => o.fd === fd)?.path ?? `fd ${fd}`;
    const args = arg === undefined ? '' : ` ${JSON.stringify(arg)}`;
    return this.note(`ioctl ${request}${args} on ${path}`, this.k.ioctl(fd, request, arg), (v) => (Object.keys(v).length ? JSON.stringify(v) : 'ok'));
  }

  list(path: string): string[] | null {
    return this.note(`list ${path}`, this.k.list(path), (v) => v.join(' ') || '(empty)');
  }

  /** A descriptor the kernel handed out (GET_DEVICE_FD): closed with the rest. */
  track(fd: number, path: string): void {
    this.open.push({ fd, path });
  }

  fail(call: string, why: string): void {
    this.calls.push({ call, result: 'failed', why });
    this.failed = true;
  }

  /** Close everything, newest first; a failing close fails the proof too. */
  closeAll(): void {
    for (const o of this.open.splice(0).reverse()) this.note(`close ${o.path}`, this.k.close(o.fd), () => 'ok');
  }
}

/** The group/container path for group `group` and its planned devices. */
export function proveGroupPath(k: Kernel, group: number, devices: readonly string[]): GroupProof {
  const r = new Recorder(k);
  const c = r.openFile('/dev/vfio/vfio');
  const g = c === null ? null : r.openFile(`/dev/vfio/${group}`);
  if (c !== null && g !== null) {
    const st = r.ioctl(g, 'VFIO_GROUP_GET_STATUS');
    const flags = st?.['flags'];
    const viable = Array.isArray(flags) ? flags.includes('VIABLE') : typeof flags === 'number' && (flags & 1) === 1;
    if (st !== null && !viable) r.fail(`group ${group} VIABLE`, `VFIO_GROUP_GET_STATUS flags=${JSON.stringify(flags)}: a member still counts as a kernel DMA user`);
    if (!r.failed && r.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }) !== null && r.ioctl(c, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }) !== null) {
      for (const d of devices) {
        const out = r.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: d });
        if (out === null) break;
        const fd = out['fd'];
        if (typeof fd === 'number') r.track(fd, `device fd of ${d}`);
      }
    }
  }
  r.closeAll();
  return { via: 'group', ok: !r.failed, calls: r.calls };
}

/** The device-cdev path (iommufd) for group `group` and its planned devices. */
export function proveCdevPath(k: Kernel, group: number, devices: readonly string[]): GroupProof {
  const r = new Recorder(k);
  const ictx = r.openFile('/dev/iommu');
  const ioas = ictx === null ? null : r.ioctl(ictx, 'IOMMU_IOAS_ALLOC');
  const ptId = ioas?.['out_ioas_id'] ?? ioas?.['id'];
  if (ictx !== null && typeof ptId === 'number') {
    for (const d of devices) {
      const names = r.list(`/sys/bus/pci/devices/${d}/vfio-dev`);
      const name = names?.[0];
      if (names !== null && name === undefined) r.fail(`vfio cdev of ${d}`, `${d} has no vfio device (not bound to a vfio driver)`);
      if (name === undefined) break;
      const fd = r.openFile(`/dev/vfio/devices/${name}`);
      if (fd === null || r.ioctl(fd, 'VFIO_DEVICE_BIND_IOMMUFD', { iommufd: ictx }) === null) break;
      if (r.ioctl(fd, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { pt_id: ptId }) === null) break;
    }
  }
  if (devices.length === 0) r.fail(`group ${group}`, 'no device of the group is planned for a vfio driver');
  r.closeAll();
  return { via: 'cdev', ok: !r.failed, calls: r.calls };
}

/** One line for the text output: the calls, and where it stopped. */
export function proofSummary(p: GroupProof): string {
  const failed = p.calls.find((c) => c.result !== 'ok' && !c.result.startsWith('fd ') && !c.result.startsWith('{') && c.why !== undefined);
  const path = p.via === 'cdev' ? 'cdev path (/dev/iommu + /dev/vfio/devices)' : 'group path (/dev/vfio/vfio + /dev/vfio/N)';
  if (failed) return `${path}: ${failed.call} → ${failed.result} (${failed.why ?? ''})`;
  const steps = p.calls.filter((c) => !c.call.startsWith('close') && !c.call.startsWith('list')).map((c) => c.call.replace(/ \{.*\} on /, ' on ').replace(/^ioctl /, ''));
  return `${path}: ${steps.join(', ')} — all ok`;
}
