/**
 * The uAPI fuzzer: seeded random sequences (generate.ts) on one profile's kernel, checked after every step
 * (execute.ts) and at the end: every descriptor closed, every blocked call must have finished (unless a task
 * killed by a BUG holds the lock it waits for), and every device's original kernel driver must bind again.
 * A failing sequence is minimised (delta debugging) and printed as a dmaown-trace/1 of the model's answers,
 * the violation in the failing step's note — `dmaown conform` replays it.
 */
import type { FuzzProfile } from './profiles.js';
import { generate, type FuzzStep } from './generate.js';
import { Executor, type StepRecord, type Violation, type ViolationKind } from './execute.js';
import { Rng } from './rng.js';

export interface SequenceResult {
  readonly records: readonly StepRecord[];
  /** The first violation and the index of its record. */
  readonly failure: { readonly index: number; readonly violation: Violation } | null;
}

/** The seed of sequence `n` of a run seeded `seed` (so one sequence can be re-run alone). */
export function sequenceSeed(seed: number, n: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(n + 1, 0xc2b2ae35)) >>> 0;
}

/** Generates a sequence of about `length` steps from `seed`, running each step as it is generated (the generator looks at the kernel). */
export function generateSequence(p: FuzzProfile, seed: number, length: number): { steps: FuzzStep[]; result: SequenceResult } {
  const ex = new Executor(p.desc, p.release, p.fops);
  const r = new Rng(seed);
  const steps: FuzzStep[] = [];
  const records: StepRecord[] = [];
  const plan: ((c: import('./generate.js').GenContext) => FuzzStep[])[] = [];
  while (steps.length < length) {
    const blocked = [...ex.pending.keys()];
    for (const s of generate(r, { k: ex.kernel.state, labels: ex.labels(), blocked, objectIds: ex.objectIds, fresh: (x) => ex.fresh(x), plan })) {
      steps.push(s);
      const rec = ex.run(s);
      records.push(rec);
      if (rec.violation) return { steps, result: { records, failure: { index: records.length - 1, violation: rec.violation } } };
    }
  }
  return { steps, result: finish(ex, p, records) };
}

/** Runs a fixed sequence from a fresh kernel (for the minimiser and for printing). */
export function runSequence(p: FuzzProfile, steps: readonly FuzzStep[]): SequenceResult {
  const ex = new Executor(p.desc, p.release, p.fops);
  const records: StepRecord[] = [];
  for (const s of steps) {
    const rec = ex.run(s);
    records.push(rec);
    if (rec.violation) return { records, failure: { index: records.length - 1, violation: rec.violation } };
  }
  return finish(ex, p, records);
}

function deadLock(holder: string | null): boolean {
  return holder !== null && holder.startsWith('task killed');
}

/** Close everything, then every device's original kernel driver must bind (after a rescan brings removed ones back). */
function finish(ex: Executor, p: FuzzProfile, records: StepRecord[]): SequenceResult {
  const k = ex.kernel.state;
  const fail = (rec: StepRecord): SequenceResult => ({ records, failure: { index: records.length - 1, violation: rec.violation as Violation } });
  const must = (step: FuzzStep, why: string): SequenceResult | null => {
    const rec = ex.run(step);
    const bad = rec.violation ?? (rec.result === 'ok' ? undefined : { kind: 'rebind' as const, message: `${why}: ${rec.result}` });
    records.push(bad && !rec.violation ? { ...rec, violation: bad } : rec);
    return bad ? fail(records[records.length - 1] as StepRecord) : null;
  };
  const labels = [...ex.fds.entries()].sort((a, b) => b[1] - a[1]).map(([l]) => l);
  for (const l of labels) {
    // A close may die in the kernel (5.10: the last put of an emptied group, conformance/5.10/S26): 'oops' is an answer, not a violation.
    const rec = ex.run({ call: 'close', fd: l });
    records.push(rec);
    if (rec.violation) return fail(rec);
    if (rec.result !== 'ok' && rec.result !== 'oops') {
      const bad: StepRecord = { ...rec, violation: { kind: 'rebind', message: `close of ${l}: ${rec.result}` } };
      records[records.length - 1] = bad;
      return fail(bad);
    }
  }
  for (const [id, kid] of ex.pending) {
    const pc = k.pending.get(kid);
    if (!pc || pc.result !== null) continue;
    const dev = pc.wait.kind === 'device_lock' ? k.devices.get(pc.wait.device) : undefined;
    if (dev && deadLock(dev.lockHolder)) continue;
    if (/held by task killed/.test(pc.what)) continue;
    const rec: StepRecord = { step: { call: 'wait', id }, result: 'blocked', violation: { kind: 'stuck', message: `${pc.what}: still blocked after every descriptor was closed` } };
    records.push(rec);
    return fail(rec);
  }
  if (k.pciRemoved.size > 0) {
    const rec = ex.run({ call: 'write', path: '/sys/bus/pci/rescan', data: '1', id: ex.fresh('w') });
    records.push(rec);
    if (rec.violation) return fail(rec);
  }
  for (const d of p.desc.pci) {
    if (d.driver === null) continue;
    const dev = k.devices.get(d.bdf);
    if (!dev || deadLock(dev.lockHolder) || dev.driver === d.driver && dev.driverOverride === null) continue;
    const base = `/sys/bus/pci/devices/${d.bdf}`;
    if (dev.driverOverride !== null) { const f = must({ call: 'write', path: `${base}/driver_override`, data: '', id: ex.fresh('w') }, `clearing driver_override of ${d.bdf}`); if (f) return f; }
    if (dev.driver !== null && dev.driver !== d.driver) {
      const f = must({ call: 'write', path: `/sys/bus/pci/drivers/${dev.driver}/unbind`, data: d.bdf, id: ex.fresh('w') }, `unbinding ${d.bdf} from ${dev.driver}`);
      if (f) return f;
    }
    if (dev.driver !== d.driver) {
      const f = must({ call: 'write', path: `/sys/bus/pci/drivers/${d.driver}/bind`, data: d.bdf, id: ex.fresh('w') }, `binding ${d.bdf} back to ${d.driver} after every fd was closed`);
      if (f) return f;
    }
  }
  return { records, failure: null };
}

/** Delta debugging: the shortest sub-sequence found that still fails with the same kind of violation. */
export function minimise(p: FuzzProfile, steps: readonly FuzzStep[], kind: ViolationKind, budget = 3000): FuzzStep[] {
  let cur = [...steps];
  const fails = (s: readonly FuzzStep[]): boolean => runSequence(p, s).failure?.violation.kind === kind;
  let n = 2;
  while (cur.length >= 2 && budget > 0) {
    const chunk = Math.ceil(cur.length / n);
    let reduced = false;
    for (let i = 0; i < cur.length && budget > 0; i += chunk) {
      budget--;
      const cand = [...cur.slice(0, i), ...cur.slice(i + chunk)];
      if (fails(cand)) { cur = cand; n = Math.max(n - 1, 2); reduced = true; break; }
    }
    if (!reduced) { if (n >= cur.length) break; n = Math.min(cur.length, n * 2); }
  }
  return cur;
}

/** A sequence's run as a dmaown-trace/1 object: the model's answers, blocked ids kept only where a call blocked. */
export function toTrace(p: FuzzProfile, res: SequenceResult, title: string): Record<string, unknown> {
  const blocked = new Set<string>();
  const steps: Record<string, unknown>[] = [];
  res.records.forEach((rec, i) => {
    const { id, ...rest } = rec.step;
    if (rec.step.call === 'wait' && !blocked.has(id ?? '')) return;
    const s: Record<string, unknown> = { ...rest, result: rec.result };
    if (id !== undefined && (rec.result === 'blocked' || rec.step.call === 'wait')) s['id'] = id;
    if (rec.result === 'blocked' && id !== undefined) blocked.add(id);
    if (res.failure?.index === i) s['note'] = `fuzz: ${res.failure.violation.kind}: ${res.failure.violation.message}`;
    steps.push(s);
  });
  return { format: 'dmaown-trace/1', title, kernel: p.release, source: `dmaown fuzz (model answers), profile ${p.name}`, host: p.capture, steps };
}

export interface FuzzFailure {
  readonly seed: number;
  readonly violation: Violation;
  readonly trace: Record<string, unknown>;
  readonly originalSteps: number;
}

export interface FuzzReport {
  readonly profile: string;
  readonly steps: number;
  readonly sequences: number;
  readonly violations: number;
  readonly exceptions: number;
  readonly failures: readonly FuzzFailure[];
  /** How often each call answered each result: `VFIO_GROUP_SET_CONTAINER ok` → n (bind/unbind/… by file name). */
  readonly coverage: ReadonlyMap<string, number>;
}

function coverageKey(rec: StepRecord): string {
  const s = rec.step;
  const what = s.call === 'ioctl' ? s.request : s.call === 'write' || s.call === 'read' ? `${s.call} ${(s.path ?? '').split('/').pop()}`
    : s.call === 'open' ? `open ${(s.path ?? '').replace(/\d+$/, 'N')}` : s.call;
  return `${what} ${rec.result}`;
}

/** Runs sequences on `p` until `totalSteps` steps have run; keeps (minimised) the first `keep` failures. */
export function fuzzProfile(p: FuzzProfile, o: { seed: number; totalSteps: number; maxLength?: number; keep?: number; minimise?: boolean }): FuzzReport {
  const maxLength = o.maxLength ?? 120, keep = o.keep ?? 3;
  let steps = 0, sequences = 0, violations = 0, exceptions = 0;
  const failures: FuzzFailure[] = [];
  const coverage = new Map<string, number>();
  while (steps < o.totalSteps) {
    const seed = sequenceSeed(o.seed, sequences++);
    const length = 10 + (seed % (maxLength - 9));
    const { steps: seq, result } = generateSequence(p, seed, length);
    steps += result.records.length;
    for (const rec of result.records) { const key = coverageKey(rec); coverage.set(key, (coverage.get(key) ?? 0) + 1); }
    if (!result.failure) continue;
    violations++;
    if (result.failure.violation.kind === 'exception') exceptions++;
    if (failures.length >= keep) continue;
    const kind = result.failure.violation.kind;
    const min = o.minimise === false ? seq : minimise(p, seq, kind);
    const res = runSequence(p, min);
    const v = res.failure?.violation ?? result.failure.violation;
    failures.push({ seed, violation: v, originalSteps: seq.length,
      trace: toTrace(p, res, `fuzz failure on ${p.name} (sequence seed ${seed}, ${seq.length} steps minimised to ${min.length}): ${v.kind}: ${v.message}`) });
  }
  return { profile: p.name, steps, sequences, violations, exceptions, failures, coverage };
}
