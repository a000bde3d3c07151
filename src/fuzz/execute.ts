/**
 * Running fuzz steps on a kernel, as `dmaown conform` runs a trace: descriptors by label (a label that holds
 * no descriptor is EBADF), blocked calls by step id, and the checks after every step — a known result, the
 * model's invariants, on ≥5.19 no user-owned group with a DMA-API driver bound, no JavaScript exception.
 */
import { checkInvariants, createKernel, ERRNO_NUMBER, type FileOpsTable, type Kernel, type SysResult } from '../model/index.js';
import type { FileKind } from '../model/file-table.js';
import { resolveArg } from '../conform/replay.js';
import type { FuzzStep } from './generate.js';

export type ViolationKind = 'exception' | 'unknown-result' | 'invariant' | 'ownership' | 'stuck' | 'rebind';

export interface Violation {
  readonly kind: ViolationKind;
  readonly message: string;
}

/** The answer of one step, as a trace records it. */
export interface StepRecord {
  readonly step: FuzzStep;
  readonly result: string;
  readonly violation?: Violation;
}

const NO_FD = -1;
const OUT_IDS = ['id', 'devid', 'pt_id', 'out_hwpt_id', 'out_ioas_id'];

/** One kernel and the user-space side of a sequence: descriptors and blocked calls by label. */
export class Executor {
  readonly kernel: Kernel;
  readonly fds = new Map<string, number>();
  /** Blocked step id → the kernel's id for `wait`. */
  readonly pending = new Map<string, string>();
  readonly objectIds: number[] = [];
  private next = 0;

  constructor(desc: Parameters<typeof createKernel>[0], release: string, fops?: FileOpsTable) {
    this.kernel = fops ? createKernel(desc, { release }, fops) : createKernel(desc, { release });
  }

  fresh(prefix: string): string { return `${prefix}${this.next++}`; }

  labels(): Map<string, FileKind> {
    const out = new Map<string, FileKind>();
    for (const [l, fd] of this.fds) {
      const f = this.kernel.state.files.get(fd);
      if (f) out.set(l, f.kind);
    }
    return out;
  }

  /** Runs one step and checks the kernel after it. */
  run(step: FuzzStep): StepRecord {
    let r: SysResult<unknown>;
    try {
      r = this.call(step);
    } catch (e) {
      const msg = e instanceof Error ? `${e.name}: ${e.message} at ${(e.stack ?? '').split('\n')[1]?.trim() ?? '?'}` : String(e);
      return { step, result: 'exception', violation: { kind: 'exception', message: msg } };
    }
    const result = r.ok ? 'ok' : r.errno;
    this.book(step, r);
    const v = checkResult(result) ?? this.checkState();
    return v ? { step, result, violation: v } : { step, result };
  }

  private fdOf(label: string | undefined): number {
    return label === undefined ? NO_FD : this.fds.get(label) ?? NO_FD;
  }

  private call(step: FuzzStep): SysResult<unknown> {
    const k = this.kernel, path = step.path ?? '';
    switch (step.call) {
      case 'write': return k.write(path, step.data ?? '');
      case 'read': return k.read(path);
      case 'readlink': return k.readLink(path);
      case 'list': return k.list(path);
      case 'stat': return k.stat(path);
      case 'open': return k.open(path);
      case 'close': return k.close(this.fdOf(step.fd));
      case 'ioctl': return k.ioctl(this.fdOf(step.fd), step.request ?? '', resolveArg(step.request ?? '', step.arg, this.fds));
      case 'wait': {
        const id = this.pending.get(step.id ?? '');
        return id === undefined ? { ok: false, errno: 'EINVAL', why: `no blocked call ${step.id}`, calls: [] } : k.wait(id);
      }
    }
  }

  private book(step: FuzzStep, r: SysResult<unknown>): void {
    if (!r.ok && r.errno === 'blocked' && step.id !== undefined && r.id !== undefined && step.call !== 'wait') this.pending.set(step.id, r.id);
    if (step.call === 'wait' && !(!r.ok && r.errno === 'blocked')) this.pending.delete(step.id ?? '');
    // A close that died in release() (5.10 S26) has already taken the descriptor out of the table.
    if (step.call === 'close' && step.fd !== undefined && !r.ok && r.errno === 'oops') this.fds.delete(step.fd);
    if (!r.ok) return;
    if (step.call === 'open' && step.fd !== undefined && typeof r.value === 'number') this.fds.set(step.fd, r.value);
    if (step.call === 'close' && step.fd !== undefined) this.fds.delete(step.fd);
    if (step.call === 'ioctl' && typeof r.value === 'object' && r.value !== null) {
      const out = r.value as Record<string, unknown>;
      if (step.fdOut !== undefined && typeof out['fd'] === 'number') this.fds.set(step.fdOut, out['fd']);
      for (const key of OUT_IDS) {
        const v = out[key];
        if (typeof v === 'number' && !this.objectIds.includes(v)) this.objectIds.push(v);
      }
    }
  }

  /** The invariants, and (≥5.19) the ownership property: a user-owned group has no DMA-API driver bound. */
  checkState(): Violation | null {
    const inv = checkInvariants(this.kernel);
    if (inv.length > 0) return { kind: 'invariant', message: inv.join('; ') };
    const k = this.kernel.state;
    if (!k.profile.dmaOwnership) return null;
    for (const g of k.groups.values()) {
      if (g.owner === null) continue;
      for (const name of g.devices) {
        const d = k.devices.get(name);
        const drv = d?.driver ? k.drivers.get(`${d.bus}/${d.driver}`) : undefined;
        if (d && drv && !drv.driverManagedDma) {
          return { kind: 'ownership', message: `group ${g.id} is owned by ${g.owner} while ${name} is bound to ${drv.name}, a DMA-API driver` };
        }
      }
    }
    return null;
  }
}

/** 'ok', 'oops', 'blocked' or an errno the model knows (include/uapi/asm-generic/errno*.h). */
function checkResult(result: string): Violation | null {
  if (result === 'ok' || result === 'oops' || result === 'blocked' || Object.hasOwn(ERRNO_NUMBER, result)) return null;
  return { kind: 'unknown-result', message: `result ${JSON.stringify(result)} is neither ok, oops, blocked nor a known errno` };
}
