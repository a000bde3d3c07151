/**
 * dmaown-trace/1 (../shared/formats/trace.md): a recorded sequence of system calls and what a real
 * kernel answered. This file only reads and validates; `replay.ts` runs a trace against the model.
 * A trace that cannot be read is an error value naming the file and the field — never an exception.
 */
import { err, ok, type Result } from '../model/errno.js';
import { profileFor } from '../model/profiles.js';
import { depthExceededAt, MAX_JSON_DEPTH } from '../host/json-depth.js';
import { escapeControls, shown } from '../host/shown.js';

export type TraceCall = 'write' | 'read' | 'readlink' | 'stat' | 'list' | 'open' | 'close' | 'ioctl' | 'wait';

export interface TraceStep {
  readonly call: TraceCall;
  /** 'ok', an errno name, 'oops' or 'blocked'. */
  readonly result: string;
  readonly path?: string;
  readonly data?: string;
  readonly fd?: string;
  readonly request?: string;
  readonly arg?: Readonly<Record<string, unknown>>;
  readonly fdOut?: string;
  readonly id?: string;
  readonly out?: unknown;
  readonly note?: string;
}

export interface Trace {
  readonly format: 'dmaown-trace/1';
  readonly title: string;
  readonly kernel: string;
  readonly source: string;
  /** The sysfs-capture/1 object of the host, taken right before the first step. */
  readonly host: unknown;
  readonly steps: readonly TraceStep[];
}

/** An ioctl request as the uapi headers name it: upper case, digits and underscores. */
const IOCTL_RE = /^[A-Z][A-Z0-9_]{0,63}$/;

const CALLS: ReadonlySet<string> = new Set(['write', 'read', 'readlink', 'stat', 'list', 'open', 'close', 'ioctl', 'wait']);

/** What each call needs besides `call` and `result`. */
const REQUIRED: Readonly<Record<TraceCall, readonly (keyof TraceStep)[]>> = {
  write: ['path', 'data'], read: ['path'], readlink: ['path'], stat: ['path'], list: ['path'],
  open: ['path', 'fd'], close: ['fd'], ioctl: ['fd', 'request'], wait: ['id'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse the text of a trace file. `name` is used in messages (the file path). */
export function parseTrace(text: string, name: string): Result<Trace> {
  const deep = depthExceededAt(text);
  if (deep >= 0) return err('EINVAL', `${name}: JSON nested deeper than ${MAX_JSON_DEPTH} levels (at byte ${deep})`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return err('EINVAL', `${name}: not JSON (${escapeControls((e as Error).message.slice(0, 160))})`);
  }
  return validateTrace(doc, name);
}

/** Validate an already-parsed trace object. */
export function validateTrace(doc: unknown, name: string): Result<Trace> {
  if (!isObject(doc)) return err('EINVAL', `${name}: top level is not an object`);
  if (doc['format'] !== 'dmaown-trace/1') {
    return err('EINVAL', `${name}: field "format" is ${shown(doc['format'], 60)}, expected "dmaown-trace/1"`);
  }
  if (typeof doc['kernel'] !== 'string' || doc['kernel'] === '') {
    return err('EINVAL', `${name}: field "kernel" (uname -r) is missing or not a string`);
  }
  // The model replays 5.10 and later: a release it cannot profile is an input error, not a crash.
  const profile = profileFor(doc['kernel']);
  if (!profile.ok) return err('EINVAL', `${name}: field "kernel": ${escapeControls(profile.why.slice(0, 200))}`);
  if (!isObject(doc['host'])) return err('EINVAL', `${name}: field "host" (a sysfs-capture/1 object) is missing`);
  const steps = doc['steps'];
  if (!Array.isArray(steps)) return err('EINVAL', `${name}: field "steps" is missing or not an array`);
  const blockedIds = new Set<string>();
  for (let i = 0; i < steps.length; i++) {
    const s: unknown = steps[i];
    const where = `${name}: steps[${i}]`;
    if (!isObject(s)) return err('EINVAL', `${where} is not an object`);
    const call = s['call'];
    if (typeof call !== 'string' || !CALLS.has(call)) return err('EINVAL', `${where}.call is ${shown(call, 40)}, not a known call`);
    if (typeof s['result'] !== 'string' || s['result'] === '') return err('EINVAL', `${where}.result is missing`);
    for (const field of REQUIRED[call as TraceCall]) {
      if (typeof s[field] !== 'string') return err('EINVAL', `${where} (${call}) needs a string field "${field}"`);
    }
    if (s['arg'] !== undefined && !isObject(s['arg'])) return err('EINVAL', `${where}.arg is not an object`);
    for (const field of ['path', 'data', 'fd', 'request', 'fdOut', 'id', 'note'] as const) {
      if (s[field] !== undefined && typeof s[field] !== 'string') return err('EINVAL', `${where}.${field} is ${shown(s[field], 40)}, not a string`);
    }
    if (call === 'ioctl' && !IOCTL_RE.test(s['request'] as string)) {
      return err('EINVAL', `${where}.request is ${shown(s['request'], 60)}, not an ioctl name (VFIO_…, IOMMU_…)`);
    }
    const arg = s['arg'];
    if (isObject(arg) && call === 'ioctl' && s['request'] === 'VFIO_DEVICE_BIND_IOMMUFD' && arg['fd'] !== undefined
      && arg['iommufd'] !== undefined && arg['fd'] !== arg['iommufd']) {
      return err('EINVAL', `${where}.arg names the iommufd twice, differently ("fd": ${JSON.stringify(arg['fd'])}, "iommufd": ${JSON.stringify(arg['iommufd'])})`);
    }
    if (s['result'] === 'blocked') {
      if (typeof s['id'] !== 'string') return err('EINVAL', `${where}: a blocked step needs an "id" for its later wait`);
      blockedIds.add(s['id']);
    }
    if (call === 'wait' && !blockedIds.has(s['id'] as string)) {
      return err('EINVAL', `${where}: wait for id ${shown(s['id'], 40)}, which no earlier step blocked on`);
    }
  }
  return ok({
    format: 'dmaown-trace/1',
    title: typeof doc['title'] === 'string' ? doc['title'] : '',
    kernel: doc['kernel'],
    source: typeof doc['source'] === 'string' ? doc['source'] : '',
    host: doc['host'],
    steps: steps as TraceStep[],
  });
}
