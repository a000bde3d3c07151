/**
 * Running one op on a kernel: its system calls in order, each answered by the model. An op is enabled when
 * every call succeeds (or the last one ends in a kernel oops); a call that fails leaves the op disabled — in
 * ownership.pml's terms a failing guard — and the search puts the state back. Descriptors the op needs
 * (the group fd, a device's fd) are found in the kernel's fd table; an op whose descriptor the process does
 * not hold is not applicable.
 */
import type { Kernel, KernelState, SysResult } from '../model/index.js';
import { driverKey, driverMatchDevice } from '../model/base/driver-registry.js';
import { opName, type Alphabet, type GroupSpec, type Op, type Syscall } from './ops.js';

export interface CallRecord {
  readonly sys: Syscall;
  /** 'ok', an errno, 'oops' or 'blocked'. */
  readonly result: string;
  readonly value?: unknown;
  readonly why?: string;
  /** The kernel's id of the call when it blocked (a later `wait` call names it). */
  readonly blockedId?: string;
  /** The descriptor the call made (open, or an ioctl answering one), with the kind of file it is. */
  readonly opened?: { readonly fd: number; readonly kind: string; readonly device?: string };
}

export interface OpRun {
  /** ok: every call succeeded; oops: the last call died in the kernel; failed / blocked: disabled; n/a: no descriptor for it. */
  readonly status: 'ok' | 'oops' | 'failed' | 'blocked' | 'n/a';
  /** Whether the kernel state may have changed (any call that did not fail with an errno). */
  readonly changed: boolean;
  readonly calls: readonly CallRecord[];
}

const SYS = '/sys/bus/pci';

function fdOfKind(k: KernelState, kind: string, pred: (f: { id: number; device?: string }) => boolean = () => true): number | null {
  let best: number | null = null;
  for (const [fd, f] of k.files) if (f.kind === kind && pred(f) && (best === null || fd < best)) best = fd;
  return best;
}

/** The first IOAS of the iommufd context behind `ifd`. */
function ioasOf(k: KernelState, ifd: number): number | null {
  const f = k.files.get(ifd);
  const ctx = f ? k.iommufd.ctxs.get(f.id) : undefined;
  if (!ctx) return null;
  for (const [id, o] of ctx.objects) if (o.type === 'IOAS') return id;
  return null;
}

class OpRunner {
  readonly calls: CallRecord[] = [];
  changed = false;
  constructor(private readonly kernel: Kernel) {}

  do(sys: Syscall): SysResult<unknown> {
    const kern = this.kernel;
    let r: SysResult<unknown>;
    switch (sys.call) {
      case 'write': r = kern.write(sys.path ?? '', sys.data ?? ''); break;
      case 'open': r = kern.open(sys.path ?? ''); break;
      case 'close': r = kern.close(sys.fd ?? -1); break;
      case 'ioctl': r = kern.ioctl(sys.fd ?? -1, sys.request ?? '', sys.arg ?? {}); break;
      case 'wait': r = kern.wait(sys.id ?? ''); break;
    }
    const result = r.ok ? 'ok' : r.errno;
    if (result !== 'ok' && result !== 'oops' && result !== 'blocked') {
      this.calls.push({ sys, result, why: r.ok ? undefined : r.why });
    } else {
      this.changed = true;
      const fd = !r.ok ? undefined : sys.call === 'open' ? r.value : sys.fdOut ? (r.value as Record<string, unknown>)['fd'] : undefined;
      const f = typeof fd === 'number' ? kern.state.files.get(fd) : undefined;
      const opened = typeof fd === 'number' && f ? { fd, kind: f.kind, ...(f.device !== undefined ? { device: f.device } : {}) } : undefined;
      this.calls.push(r.ok ? { sys, result, value: r.value, ...(opened ? { opened } : {}) }
        : { sys, result, why: r.why, ...(result === 'blocked' && r.id !== undefined && sys.call !== 'wait' ? { blockedId: r.id } : {}) });
    }
    return r;
  }

  end(last: SysResult<unknown>): OpRun {
    const status = last.ok ? 'ok' : last.errno === 'oops' ? 'oops' : last.errno === 'blocked' ? 'blocked' : 'failed';
    if (status !== 'failed' && this.calls.some((c) => c.result === 'oops')) return { status: 'oops', changed: true, calls: this.calls };
    return { status, changed: this.changed, calls: this.calls };
  }

  /** Every call in order; stops at the first that does not succeed. */
  seq(list: readonly Syscall[]): OpRun {
    let last: SysResult<unknown> = { ok: true, value: undefined, calls: [] };
    for (const s of list) {
      last = this.do(s);
      if (!last.ok) break;
    }
    return this.end(last);
  }
}

const NA: OpRun = { status: 'n/a', changed: false, calls: [] };
const REFUSED: OpRun = { status: 'failed', changed: false, calls: [] };

/**
 * The cheap dry run of a sysfs bind: the first checks `bind_store()` and `__driver_probe_device()` make, which
 * refuse without touching anything — no such driver (the path does not exist: ENOENT), a driver that does
 * not match the device (`driver_match_device()`, ENODEV), a device already bound and not locked (ENODEV before
 * 5.14, EBUSY after). Only a bind these do not refuse is run.
 */
function bindRefused(k: KernelState, bdf: string, driver: string): boolean {
  const dev = k.devices.get(bdf);
  const drv = k.drivers.get(driverKey('pci', driver));
  if (!dev || !drv) return true;
  if (dev.driver !== null && dev.lockHolder === null) return true;
  return !driverMatchDevice(k, drv, dev);
}

/**
 * Runs `op` on `kernel` (whose state is the state the op starts from). In the spin alphabet a group fd left
 * dead by the op (6.1+: the last vfio device unbound, the fd answers ENODEV to everything) is closed as part
 * of it: ownership.pml drops such an inert fd from the state.
 */
export function runOp(kernel: Kernel, spec: GroupSpec, op: Op, which: Alphabet = 'full'): OpRun {
  const r = runOpCalls(kernel, spec, op);
  if (r.status === 'failed' || r.status === 'n/a') return r;
  const k = kernel.state;
  const run = new OpRunner(kernel);
  if (which === 'spin' && r.status === 'ok') for (const fd of [...k.deadVfioGroups.keys()]) if (k.files.has(fd)) run.do({ call: 'close', fd });
  // A sleeping call this op woke has returned: its task collects the answer (a 'wait' in the trace).
  for (const [id, p] of [...k.pending]) if (p.result !== null) run.do({ call: 'wait', id });
  if (run.calls.length === 0) return r;
  const calls = [...r.calls, ...run.calls];
  const oops = calls.some((c) => c.result === 'oops');
  return { status: oops ? 'oops' : r.status, changed: true, calls };
}

/** Calls asleep in the kernel (blocked, not yet woken). */
export function sleepingCalls(k: KernelState): number {
  let n = 0;
  for (const p of k.pending.values()) if (p.result === null) n++;
  return n;
}

function runOpCalls(kernel: Kernel, spec: GroupSpec, op: Op): OpRun {
  const k = kernel.state;
  const run = new OpRunner(kernel);
  const bdf = 'dev' in op ? spec.devices[op.dev] ?? '' : '';
  const groupFd = fdOfKind(k, 'vfio-group', (f) => f.id === spec.group);
  const iommufd = fdOfKind(k, 'iommufd');
  const cdevFd = bdf === '' ? null : fdOfKind(k, 'vfio-cdev', (f) => f.device === bdf);
  switch (op.kind) {
    case 'open-group':
      return groupFd !== null ? NA : run.seq([{ call: 'open', path: `/dev/vfio/${spec.group}` }]);
    case 'close-group':
      return groupFd === null ? NA : run.seq([{ call: 'close', fd: groupFd }]);
    case 'set-container': {
      if (groupFd === null) return NA;
      const o = run.do({ call: 'open', path: '/dev/vfio/vfio' });
      if (!o.ok) return run.end(o);
      const cfd = o.value as number;
      const steps: Syscall[] = [
        { call: 'ioctl', fd: groupFd, request: 'VFIO_GROUP_SET_CONTAINER', arg: { fd: cfd } },
        { call: 'ioctl', fd: cfd, request: 'VFIO_SET_IOMMU', arg: { type: 'VFIO_TYPE1v2_IOMMU' } },
      ];
      let last: SysResult<unknown> = o;
      for (const s of steps) { last = run.do(s); if (!last.ok) break; }
      const c = run.do({ call: 'close', fd: cfd });
      if (last.ok && !c.ok) last = c;
      return run.end(last);
    }
    case 'unset-container':
      return groupFd === null ? NA : run.seq([{ call: 'ioctl', fd: groupFd, request: 'VFIO_GROUP_UNSET_CONTAINER' }]);
    case 'bind':
      return bindRefused(k, bdf, op.driver) ? REFUSED : run.seq([{ call: 'write', path: `${SYS}/drivers/${op.driver}/bind`, data: bdf }]);
    case 'unbind': {
      const drv = k.devices.get(bdf)?.driver ?? null;
      return drv === null ? NA : run.seq([{ call: 'write', path: `${SYS}/drivers/${drv}/unbind`, data: bdf }]);
    }
    case 'get-device-fd':
      if (groupFd === null || fdOfKind(k, 'vfio-device', (f) => f.device === bdf) !== null) return NA;
      return run.seq([{ call: 'ioctl', fd: groupFd, request: 'VFIO_GROUP_GET_DEVICE_FD', arg: { name: bdf }, fdOut: true }]);
    case 'close-device-fd': {
      const fd = fdOfKind(k, 'vfio-device', (f) => f.device === bdf);
      return fd === null ? NA : run.seq([{ call: 'close', fd }]);
    }
    case 'override':
      if ((k.devices.get(bdf)?.driverOverride ?? '') === op.driver) return NA;
      return run.seq([{ call: 'write', path: `${SYS}/devices/${bdf}/driver_override`, data: op.driver }]);
    case 'drivers-probe':
      if (k.devices.get(bdf)?.driver !== null) return NA;
      return run.seq([{ call: 'write', path: `${SYS}/drivers_probe`, data: bdf }]);
    case 'open-iommufd': {
      if (iommufd !== null) return NA;
      const o = run.do({ call: 'open', path: '/dev/iommu' });
      if (!o.ok) return run.end(o);
      return run.seq([{ call: 'ioctl', fd: o.value as number, request: 'IOMMU_IOAS_ALLOC' }]);
    }
    case 'close-iommufd':
      return iommufd === null ? NA : run.seq([{ call: 'close', fd: iommufd }]);
    case 'set-iommufd':
      if (groupFd === null || iommufd === null) return NA;
      return run.seq([{ call: 'ioctl', fd: groupFd, request: 'VFIO_GROUP_SET_CONTAINER', arg: { fd: iommufd } }]);
    case 'cdev-open': {
      const n = k.vfioDevIndex.get(bdf);
      if (cdevFd !== null || n === undefined) return NA;
      return run.seq([{ call: 'open', path: `/dev/vfio/devices/vfio${n}` }]);
    }
    case 'cdev-bind':
      if (cdevFd === null || iommufd === null) return NA;
      return run.seq([{ call: 'ioctl', fd: cdevFd, request: 'VFIO_DEVICE_BIND_IOMMUFD', arg: { iommufd } }]);
    case 'cdev-attach': {
      const ioas = iommufd === null ? null : ioasOf(k, iommufd);
      if (cdevFd === null || ioas === null) return NA;
      return run.seq([{ call: 'ioctl', fd: cdevFd, request: 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', arg: { pt_id: ioas } }]);
    }
    case 'cdev-detach':
      return cdevFd === null ? NA : run.seq([{ call: 'ioctl', fd: cdevFd, request: 'VFIO_DEVICE_DETACH_IOMMUFD_PT' }]);
    case 'cdev-close':
      return cdevFd === null ? NA : run.seq([{ call: 'close', fd: cdevFd }]);
  }
}

export { opName };
