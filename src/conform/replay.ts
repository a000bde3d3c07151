/**
 * Replays a dmaown-trace/1 against the simulated kernel: the host comes from the trace's embedded
 * sysfs-capture/1 through the host reader (the same parser a live /sys goes through), the profile
 * from the trace's kernel release. Every step is compared on `result`, and on `out` where the trace
 * kept it. A step's mismatch never stops the replay: later steps are compared as usual.
 */
import { err, ok, type Result } from '../model/errno.js';
import type { Kernel, SysResult } from '../model/uapi.js';
import { createKernel } from '../model/index.js';
import { capturePort, describeHost, validateCapture } from '../host/index.js';
import { escapeControls } from '../host/shown.js';
import type { Trace, TraceStep } from './trace.js';

export interface StepOutcome {
  readonly index: number;
  readonly step: TraceStep;
  /** What the model answered: 'ok', an errno name, 'oops' or 'blocked'. */
  readonly result: string;
  readonly out?: unknown;
  readonly match: boolean;
  /** Why the result or the out differs, when it does. */
  readonly mismatch?: string;
  /** The model's explanation: `why` on failure, and the kernel function path. */
  readonly why?: string;
  readonly calls: readonly string[];
}

export interface ReplayReport {
  readonly file: string;
  readonly title: string;
  readonly kernel: string;
  readonly steps: readonly StepOutcome[];
  readonly passed: number;
  readonly failed: number;
}

/** A descriptor label that never received a descriptor: calls on it answer EBADF, as on a real kernel. */
const NO_FD = -1;

/** Builds the model of the trace's host and replays every step. Errors: the host cannot be read. */
export function replayTrace(trace: Trace, file: string): Result<ReplayReport> {
  const capture = validateCapture(trace.host, `${file}: host`);
  if (!capture.ok) return capture;
  const desc = describeHost(capturePort(capture.value), { kernel: trace.kernel });
  if (!desc.ok) return err(desc.errno, `${file}: host: ${desc.why}`);
  let kernel: Kernel;
  try {
    kernel = createKernel(desc.value, { release: trace.kernel });
  } catch (e) {
    return err('EINVAL', `${file}: host: the model cannot build this host (${escapeControls(String((e as Error).message ?? e).slice(0, 200))})`);
  }
  const fds = new Map<string, number>();
  const pending = new Map<string, string>();
  const steps = trace.steps.map((step, index) => replayStep(kernel, step, index, fds, pending));
  const failed = steps.filter((s) => !s.match).length;
  return ok({ file, title: trace.title, kernel: trace.kernel, steps, passed: steps.length - failed, failed });
}

function fdOf(fds: ReadonlyMap<string, number>, label: string | undefined): number {
  return label === undefined ? NO_FD : fds.get(label) ?? NO_FD;
}

/**
 * The uAPI field that carries a descriptor, per request (include/uapi/linux/vfio.h): SET_CONTAINER's
 * argument is the container fd itself (`int32`, the trace calls it `fd`); `struct vfio_device_bind_iommufd`
 * names it `iommufd`. A trace may give it under `fd` or under that name (formats/trace.md).
 */
const DESCRIPTOR_FIELD: Readonly<Record<string, string>> = {
  VFIO_GROUP_SET_CONTAINER: 'fd',
  VFIO_DEVICE_BIND_IOMMUFD: 'iommufd',
};

/**
 * Trace arguments name descriptors by label ({fd: 'container'}); the model takes numbers, under the uAPI
 * field's name. Both keys present (validateTrace refuses them when they differ) → the uAPI name wins.
 */
export function resolveArg(request: string, arg: TraceStep['arg'], fds: ReadonlyMap<string, number>): Record<string, unknown> | undefined {
  if (arg === undefined) return undefined;
  const field = DESCRIPTOR_FIELD[request];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(arg)) {
    const isFd = k === 'fd' || k === field;
    const key = k === 'fd' && field !== undefined ? field : k;
    if (key !== k && Object.hasOwn(arg, key)) continue;
    // defineProperty: a key "__proto__" from the trace stays data and never becomes the prototype.
    Object.defineProperty(out, key, { value: isFd && typeof v === 'string' ? fdOf(fds, v) : v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function call(kernel: Kernel, step: TraceStep, fds: Map<string, number>, pending: Map<string, string>): SysResult<unknown> {
  const path = step.path ?? '';
  switch (step.call) {
    case 'write': return kernel.write(path, step.data ?? '');
    case 'read': return kernel.read(path);
    case 'readlink': return kernel.readLink(path);
    case 'list': return kernel.list(path);
    case 'stat': return kernel.stat(path);
    case 'open': return kernel.open(path);
    case 'close': return kernel.close(fdOf(fds, step.fd));
    case 'ioctl': return kernel.ioctl(fdOf(fds, step.fd), step.request ?? '', resolveArg(step.request ?? '', step.arg, fds));
    case 'wait': {
      const id = pending.get(step.id ?? '');
      return id === undefined
        ? { ok: false, errno: 'EINVAL', why: `no blocked call has id ${step.id}`, calls: [] }
        : kernel.wait(id);
    }
  }
}

function replayStep(
  kernel: Kernel, step: TraceStep, index: number, fds: Map<string, number>, pending: Map<string, string>,
): StepOutcome {
  let r: SysResult<unknown>;
  try {
    r = call(kernel, step, fds, pending);
  } catch (e) {
    // A model bug reached by a hostile step: reported as this step's mismatch, never a crash.
    r = { ok: false, errno: 'EINVAL', why: `the model raised ${escapeControls(String((e as Error).message ?? e).slice(0, 200))}`, calls: [] };
  }
  const result = r.ok ? 'ok' : r.errno;
  if (!r.ok && r.errno === 'blocked' && step.id !== undefined && r.id !== undefined) pending.set(step.id, r.id);
  if (r.ok) bindLabels(step, r.value, fds);
  // A close that died in release() (5.10 S26: 'oops') has already taken the descriptor out of the table too.
  if (step.call === 'close' && (r.ok || r.errno === 'oops') && step.fd !== undefined) fds.delete(step.fd);
  const out = r.ok ? observed(step, r.value) : undefined;
  let mismatch: string | undefined;
  if (result !== step.result) mismatch = `kernel answered ${step.result}, model answered ${result}`;
  else if (step.out !== undefined && r.ok) mismatch = compareOut(step.out, out);
  const base = { index, step, result, calls: r.calls, match: mismatch === undefined };
  return {
    ...base,
    ...(out !== undefined ? { out } : {}),
    ...(mismatch !== undefined ? { mismatch } : {}),
    ...(!r.ok ? { why: r.why } : {}),
  };
}

/** Descriptors the step created get the trace's label, so later steps can name them. */
function bindLabels(step: TraceStep, value: unknown, fds: Map<string, number>): void {
  if (step.call === 'open' && step.fd !== undefined && typeof value === 'number') fds.set(step.fd, value);
  if (step.call === 'ioctl' && step.fdOut !== undefined && typeof value === 'object' && value !== null) {
    const fd = (value as Record<string, unknown>)['fd'];
    if (typeof fd === 'number') fds.set(step.fdOut, fd);
  }
}

/** The part of a successful answer the trace format records as `out`. */
function observed(step: TraceStep, value: unknown): unknown {
  switch (step.call) {
    case 'read': case 'readlink': case 'list': case 'ioctl': return value;
    case 'wait': return typeof value === 'string' ? value : undefined; // a blocked read's content, when it finished
    default: return undefined;
  }
}

/**
 * Compares what the trace kept with what the model answered. Objects: only the keys the trace kept;
 * flag lists as sets (the recorder lists them in bit order, the model may not); lists of directory
 * entries sorted.
 */
export function compareOut(expected: unknown, actual: unknown, where = 'out'): string | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${where}: kernel ${JSON.stringify(expected)}, model ${JSON.stringify(actual)}`;
    const a = [...expected].map(String).sort();
    const b = [...actual].map(String).sort();
    return a.length === b.length && a.every((x, i) => x === b[i])
      ? undefined
      : `${where}: kernel ${JSON.stringify(expected)}, model ${JSON.stringify(actual)}`;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null) return `${where}: kernel ${JSON.stringify(expected)}, model ${JSON.stringify(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      const m = compareOut(v, (actual as Record<string, unknown>)[k], `${where}.${k}`);
      if (m !== undefined) return m;
    }
    return undefined;
  }
  return expected === actual ? undefined : `${where}: kernel ${JSON.stringify(expected)}, model ${JSON.stringify(actual)}`;
}
