import { actionText, isDeviceAction, runAction, currentDriver, currentOverride, type ActionFailure, type AssignPort, type Action } from './actions.js';
import type { JournalHeader, JournalSink } from './journal.js';
import type { HostIdentity } from './host-identity.js';
import type { Plan, PlanDevice } from './plan.js';
import type { FilePort } from '../host/file-port.js';
import type { Result } from '../model/errno.js';
import type { FileChange } from './persist.js';
import { undoFileChanges, writeFileChanges, persistEntry, type FileStep } from './persist-files.js';

/**
 * Apply a plan through a port — the live /sys or the simulated kernel, the same code: for each step,
 * journal the action and its inverse, perform it, check its effect; on the first failure undo the
 * steps already begun in reverse order and check that every device is back as it was.
 */
export interface StepReport {
  readonly seq: number;
  readonly text: string;
  readonly ok: boolean;
  readonly skipped?: boolean;
  readonly failure?: ActionFailure;
}

export interface ApplyReport {
  readonly ok: boolean;
  readonly steps: readonly StepReport[];
  readonly failedAt: number | null;
  readonly failure: ActionFailure | null;
  /** The undo actions run after a failure (null when nothing failed). */
  readonly rollback: readonly StepReport[] | null;
  /** After a rollback: every device has its original driver and driver_override again. */
  readonly restored: boolean | null;
  /** Stopped on purpose after this many steps (tests: a killed apply), journal left open. */
  readonly killedAfter: number | null;
  readonly persisted: readonly string[];
  /** The persistence file writes (and, after a failure, their undo). */
  readonly files: readonly FileStep[];
}

export interface ApplyOptions {
  readonly sink: JournalSink;
  readonly id: string;
  readonly created: string;
  /** Persistence files to write after the sysfs steps succeed (planned by planPersistence()). */
  readonly persist?: { readonly files: FilePort; readonly changes: readonly FileChange[] } | null;
  /** The host and boot this runs on, recorded in the journal's header (restore checks it). */
  readonly host?: HostIdentity;
  /** Test hook: behave as if the process was killed after `stopAfter` steps. */
  readonly stopAfter?: number;
}

export function applyPlan(port: AssignPort, plan: Plan, opts: ApplyOptions): ApplyReport {
  const header: JournalHeader = {
    format: 'dmaown-journal/1', id: opts.id, created: opts.created, kernel: plan.kernel, driver: plan.driver, devices: plan.devices,
    ...(opts.host ? { host: opts.host } : {}),
  };
  const h = opts.sink.append(header);
  if (!h.ok) return { ok: false, steps: [], failedAt: 0, failure: journalFailure(h), rollback: [], restored: true, killedAfter: null, persisted: [], files: [] };
  const initial = snapshotDevices(port, plan.devices);
  const steps: StepReport[] = [];
  const skipped = new Set<number>();
  const inverses = (upTo: number): Action[] => plan.steps.slice(0, upTo).map((x, i) => (skipped.has(i) ? [] : x.inverse)).reverse().flat();
  /** A journal line that could not be written: undo the steps begun (up to `upTo`), and say so. */
  const journalLost = (seq: number, upTo: number, e: Extract<Result<void>, { ok: false }>): ApplyReport => {
    const rollback = runUndo(port, inverses(upTo));
    const restored = matchesOriginal(port, initial).length === 0;
    // Best effort: the journal already failed once.
    opts.sink.append({ phase: 'rolled-back', note: restored ? 'every device back on its original driver' : 'rollback incomplete' });
    return { ok: false, steps, failedAt: seq, failure: journalFailure(e), rollback, restored, killedAfter: null, persisted: [], files: [] };
  };
  for (const [seq, s] of plan.steps.entries()) {
    if (opts.stopAfter !== undefined && seq >= opts.stopAfter) {
      return { ok: false, steps, failedAt: null, failure: null, rollback: null, restored: null, killedAfter: seq, persisted: [], files: [] };
    }
    // Never a step whose begin line (its inverse) is not on disk: restore could not undo it.
    const b = opts.sink.append({ seq, phase: 'begin', action: s.action, inverse: s.inverse });
    if (!b.ok) return journalLost(seq, seq, b);
    const r = runAction(port, s.action, 'strict');
    if (r.ok) {
      const d = opts.sink.append(r.skipped ? { seq, phase: 'done', skipped: true } : { seq, phase: 'done' });
      steps.push({ seq, text: s.text, ok: true, ...(r.skipped ? { skipped: true } : {}) });
      if (r.skipped) skipped.add(seq);
      if (!d.ok) return journalLost(seq, seq + 1, d);
      continue;
    }
    const failure: ActionFailure = r.calls ? { errno: r.errno, why: r.why, calls: r.calls } : { errno: r.errno, why: r.why };
    opts.sink.append({ seq, phase: 'failed', errno: r.errno, why: r.why });
    steps.push({ seq, text: s.text, ok: false, failure });
    // A step that failed before or in its write changed nothing (the kernel checks before it mutates).
    const undo = inverses(r.wrote ? seq + 1 : seq);
    const rollback = runUndo(port, undo);
    const restored = matchesOriginal(port, initial).length === 0;
    opts.sink.append({ phase: 'rolled-back', note: restored ? 'every device back on its original driver' : 'rollback incomplete' });
    return { ok: false, steps, failedAt: seq, failure, rollback, restored, killedAfter: null, persisted: [], files: [] };
  }
  const p = opts.persist;
  if (p && p.changes.length > 0) {
    const w = writeFileChanges(p.files, p.changes, opts.sink);
    const done = w.failed ? null : opts.sink.append({ phase: 'complete' });
    if (w.failed || (done !== null && !done.ok)) {
      // Undo the files begun (the failed one included: its write may have happened), then the sysfs steps.
      const undone = undoFileChanges(p.files, p.changes.slice(0, w.steps.length).map((c) => persistEntry(c)));
      const rollback = runUndo(port, inverses(plan.steps.length));
      const restored = matchesOriginal(port, initial).length === 0 && undone.every((u) => u.ok);
      const failure: ActionFailure = w.failed ? { errno: w.failed.errno ?? 'EIO', why: `${w.failed.path}: ${w.failed.why ?? 'write failed'}` }
        : journalFailure(done as Extract<Result<void>, { ok: false }>);
      opts.sink.append({ phase: 'rolled-back', note: restored ? 'every device and file back as it was' : 'rollback incomplete' });
      return { ok: false, steps, failedAt: plan.steps.length, failure, rollback, restored, killedAfter: null, persisted: [], files: [...w.steps, ...undone] };
    }
    return { ok: true, steps, failedAt: null, failure: null, rollback: null, restored: null, killedAfter: null, persisted: w.steps.map((s) => s.path), files: w.steps };
  }
  const c = opts.sink.append({ phase: 'complete' });
  if (!c.ok) return journalLost(plan.steps.length, plan.steps.length, c);
  return { ok: true, steps, failedAt: null, failure: null, rollback: null, restored: null, killedAfter: null, persisted: [], files: [] };
}

function journalFailure(e: Extract<Result<void>, { ok: false }>): ActionFailure {
  return { errno: e.errno, why: `the journal could not be written (${e.why}): no step runs that the journal does not record` };
}

/** Run undo actions in 'ensure' mode; every one is attempted even after a failure. */
export function runUndo(port: AssignPort, undo: readonly Action[]): StepReport[] {
  return undo.map((a, i) => {
    const r = runAction(port, a, 'ensure');
    const text = !isDeviceAction(a) ? actionText(a) : a.op === 'verify' || a.op === 'verify-not' ? `verify ${a.bdf}` : `${a.op} ${a.bdf}${'driver' in a ? ` ${a.driver}` : ''}${a.op === 'override' ? ` ${a.value ?? '(null)'}` : ''}${'id' in a ? ` ${a.id}` : ''}`;
    return r.ok ? { seq: i, text, ok: true, ...(r.skipped ? { skipped: true } : {}) }
      : { seq: i, text, ok: false, failure: r.calls ? { errno: r.errno, why: r.why, calls: r.calls } : { errno: r.errno, why: r.why } };
  });
}

/** The devices' driver and driver_override as they are now (what a rollback must return to). */
export function snapshotDevices(port: AssignPort, devices: readonly PlanDevice[]): PlanDevice[] {
  return devices.map((d) => {
    const drv = currentDriver(port, d.bdf), ovr = currentOverride(port, d.bdf);
    return { ...d, driver: drv.ok ? drv.value : d.driver, driverOverride: ovr.ok ? ovr.value : d.driverOverride };
  });
}

/** Devices whose driver or driver_override differ from what the plan recorded, with what is wrong. */
export function matchesOriginal(port: AssignPort, devices: readonly PlanDevice[]): string[] {
  const out: string[] = [];
  for (const d of devices) {
    const drv = currentDriver(port, d.bdf), ovr = currentOverride(port, d.bdf);
    if (!drv.ok || drv.value !== d.driver) out.push(`${d.bdf}: driver ${drv.ok ? drv.value ?? 'none' : drv.errno}, was ${d.driver ?? 'none'}`);
    if (!ovr.ok || ovr.value !== d.driverOverride) out.push(`${d.bdf}: driver_override ${ovr.ok ? ovr.value ?? '(null)' : ovr.errno}, was ${d.driverOverride ?? '(null)'}`);
  }
  return out;
}
