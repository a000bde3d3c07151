/**
 * The exhaustive search of `dmaown verify`: breadth first over the states of the simulated kernel reachable
 * from boot by the alphabet's ops, so the first violation of each property found is a shortest one.
 *
 * A state is stored as the SHA-1 digest of its canonical key (canonical-key.ts; with symmetry reduction,
 * under the canonical member order of symmetry.ts) — 20 bytes per state; only the current and next
 * breadth-first levels keep snapshots. Each state's ops run on one working kernel restored from the state's
 * snapshot; an op that fails with an errno changes nothing (the model's contract: checks before side
 * effects), so the next op runs without a restore. With `paranoid`, that contract is checked too.
 *
 * A blocked call (an unbind waiting for a device fd to close) is a disabled op here, as in ownership.pml.
 * A state reached through a kernel oops is terminal (the calling task died; ownership.pml's `!bug` guards).
 */
import { createHash } from 'node:crypto';
import { createKernel, type Kernel, type KernelState } from '../model/index.js';
import type { HostDescription } from '../model/host-description.js';
import { canonicalKey } from './canonical-key.js';
import { alphabet, opName, type Alphabet, type GroupSpec, type Op } from './ops.js';
import { invariantViolation, ownershipViolation, promelaProjection, type PropertyName, PROPERTIES } from './properties.js';
import { recover, type RecoveryTarget } from './recovery.js';
import { runOp, sleepingCalls, type OpRun } from './run-op.js';
import { detachSnapshot, NotData, restoreKernel, SharedRefs, snapshotKernel, snapshotState, staticFingerprint, type Snapshot } from './snapshot.js';
import { canonicalOrder, type SymmetryClasses } from './symmetry.js';

export interface VerifyTarget {
  readonly desc: HostDescription;
  readonly release: string;
  readonly spec: GroupSpec;
  readonly classes: SymmetryClasses;
  readonly recovery: readonly RecoveryTarget[];
}

export interface SearchOptions {
  readonly alphabet: Alphabet;
  readonly symmetry: boolean;
  /** Stop (incomplete) once this many states are stored. */
  readonly maxStates: number;
  readonly checkRecovery: boolean;
  /** Count the states and transitions of the projection onto ownership.pml's variables. */
  readonly projection: boolean;
  /** Stop (incomplete) once the JavaScript heap holds this many bytes (checked every 1024 states). */
  readonly maxHeapBytes?: number;
  /** Check that every failing op left the state unchanged, and that no op changed the fields snapshots share. */
  readonly paranoid?: boolean;
}

export interface PropertyVerdict {
  readonly name: PropertyName;
  readonly holds: boolean;
  readonly message?: string;
  /** The shortest op sequence from boot to the violation. */
  readonly path?: readonly Op[];
}

export interface ProjectionCounts {
  readonly states: number;
  /** As pan counts them: stored + matched = enabled transitions + 1 (the initial state). */
  readonly transitions: number;
  /** Whether every model state of one projected state had the same projected successors (the projection is exact). */
  readonly exact: boolean;
  readonly mismatch?: string;
}

export interface SearchResult {
  readonly states: number;
  /** Enabled op executions explored (edges of the state graph). */
  readonly transitions: number;
  readonly depth: number;
  readonly ms: number;
  readonly complete: boolean;
  readonly stopped?: string;
  readonly properties: readonly PropertyVerdict[];
  readonly projection?: ProjectionCounts;
  readonly ops: number;
}

interface Frontier { readonly id: number; readonly snap: Snapshot; readonly bug: boolean }

function digest(key: string): string {
  return createHash('sha1').update(key).digest('base64');
}

/** Explores `target` under `o`. Throws only for a model bug (ModelBug, NotData), which the caller reports. */
export function search(target: VerifyTarget, o: SearchOptions): SearchResult {
  const t0 = performance.now();
  const kernel: Kernel = createKernel(target.desc, { release: target.release });
  const k = kernel.state;
  const shared = new SharedRefs(k);
  const staticBefore = o.paranoid ? staticFingerprint(k) : '';
  const { spec } = target;
  const ops = alphabet(spec, o.alphabet, k);
  const members = spec.devices;
  const keyOf = (s: KernelState, bug: boolean): string => {
    const order = o.symmetry ? canonicalOrder(s, members, target.classes) : members;
    return digest(`${bug ? 'BUG\n' : ''}${canonicalKey(s, order)}`);
  };
  const parent: number[] = [-1];
  const via: number[] = [-1];
  const seen = new Map<string, number>([[keyOf(k, false), 0]]);
  const violations = new Map<PropertyName, { id: number; message: string }>();
  const note = (p: PropertyName, id: number, message: string | null): void => {
    if (message !== null && !violations.has(p)) violations.set(p, { id, message });
  };
  note('invariants', 0, invariantViolation(kernel));
  note('ownership', 0, ownershipViolation(k, spec.group));
  const proj = o.projection ? { seen: new Map<string, string>(), transitions: 0, mismatch: undefined as string | undefined } : null;
  let frontier: Frontier[] = [{ id: 0, snap: snapshotKernel(k, shared), bug: false }];
  let edges = 0, depth = 0, stopped: string | undefined;
  const restore = (snap: Snapshot): void => restoreKernel(k, snap, shared);

  while (frontier.length > 0 && stopped === undefined) {
    const next: Frontier[] = [];
    for (const s of frontier) {
      restore(s.snap);
      const succ: string[] = [];
      let dirty = false;
      for (let i = 0; i < ops.length; i++) {
        if (dirty) { restore(s.snap); dirty = false; }
        const op = ops[i] as Op;
        const asleep = sleepingCalls(k);
        const r: OpRun = runOp(kernel, spec, op, o.alphabet);
        if (r.status === 'n/a') continue;
        // A call that blocks is a second task asleep in the kernel: the full alphabet keeps one such task.
        if (r.status === 'failed' || (r.status === 'blocked' && (o.alphabet === 'spin' || asleep > 0))) {
          if (r.changed) dirty = true;
          else if (o.paranoid && keyOf(k, false) !== keyOf(snapshotState(s.snap, shared), false)) {
            throw new Error(`${opName(op)} failed (${r.calls.at(-1)?.result}) but changed the state`);
          }
          continue;
        }
        dirty = true;
        edges++;
        const bug = r.status === 'oops';
        if (proj) succ.push(`${i}>${promelaProjection(k, spec.group, members, bug)}`);
        const key = keyOf(k, bug);
        if (seen.has(key)) continue;
        const id = parent.length;
        seen.set(key, id);
        parent.push(s.id);
        via.push(i);
        if (bug) note('oops', id, r.calls.at(-1)?.why ?? 'oops');
        note('ownership', id, ownershipViolation(k, spec.group));
        if (!bug) note('invariants', id, invariantViolation(kernel));
        let snap: Snapshot;
        try {
          snap = detachSnapshot(k, shared);
        } catch (e) {
          if (e instanceof NotData) throw new Error(`after ${opName(op)}: the state holds a closure (${e.message}); the model must keep it as data`);
          throw e;
        }
        next.push({ id, snap, bug });
        if (seen.size >= o.maxStates) { stopped = `stopped at the state bound (${o.maxStates} states; raise it with --max-states)`; break; }
        if (o.maxHeapBytes !== undefined && (seen.size & 1023) === 0 && process.memoryUsage().heapUsed > o.maxHeapBytes) {
          stopped = `stopped at the memory bound (${Math.round(o.maxHeapBytes / 2 ** 20)} MiB of heap after ${seen.size} states; raise it with --max-memory, use symmetry reduction, or fewer devices)`;
          break;
        }
      }
      if (proj) projectState(proj, promelaProjection(snapshotState(s.snap, shared), spec.group, members, s.bug), succ.sort().join('\n'));
      if (o.checkRecovery && !violations.has('recovery')) {
        if (dirty) restore(s.snap);
        note('recovery', s.id, recover(kernel, spec.group, members, target.recovery));
      }
      if (stopped !== undefined) break;
    }
    if (next.length > 0 && stopped === undefined) depth++;
    frontier = next.filter((f) => !f.bug);
    if (proj) for (const f of next) if (f.bug) projectState(proj, promelaProjection(snapshotState(f.snap, shared), spec.group, members, true), '');
  }
  if (o.paranoid && staticFingerprint(k) !== staticBefore) throw new Error('an op changed a field snapshots share (snapshot.ts STATIC_FIELDS)');
  const pathTo = (id: number): Op[] => {
    const out: Op[] = [];
    for (let n = id; n > 0; n = parent[n] as number) out.push(ops[via[n] as number] as Op);
    return out.reverse();
  };
  const properties: PropertyVerdict[] = PROPERTIES.filter((p) => p !== 'recovery' || o.checkRecovery).map((name) => {
    const v = violations.get(name);
    return v ? { name, holds: false, message: v.message, path: pathTo(v.id) } : { name, holds: true };
  });
  return {
    states: seen.size, transitions: edges, depth, ms: performance.now() - t0, complete: stopped === undefined,
    ...(stopped !== undefined ? { stopped } : {}), properties, ops: ops.length,
    ...(proj ? { projection: { states: proj.seen.size, transitions: proj.transitions + 1, exact: proj.mismatch === undefined, ...(proj.mismatch ? { mismatch: proj.mismatch } : {}) } } : {}),
  };
}

function projectState(proj: { seen: Map<string, string>; transitions: number; mismatch: string | undefined }, p: string, succ: string): void {
  const prev = proj.seen.get(p);
  if (prev === undefined) {
    proj.seen.set(p, succ);
    proj.transitions += succ === '' ? 0 : succ.split('\n').length;
  } else if (prev !== succ && proj.mismatch === undefined) {
    proj.mismatch = `two model states project onto ${p} with different successors`;
  }
}
