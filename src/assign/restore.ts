import { actionText, currentDriver, type AssignPort, type Action } from './actions.js';
import { runUndo, matchesOriginal, type StepReport } from './apply.js';
import { journalState, undoList, type Journal, type JournalSink } from './journal.js';
import type { FilePort } from '../host/file-port.js';
import { undoFileChanges, type FileStep, type PersistEntry } from './persist-files.js';
import type { PlanDevice } from './plan.js';
import type { DmaHolder } from '../host/processes.js';

/**
 * Devices of a journal that user space still holds: unbinding vfio-pci from them would block until the
 * holder closes its files (`vfio_unregister_group_dev()` waits for the device's users, spec §5.6), so
 * restore refuses rather than hang. One sentence per holder.
 */
export function restoreBlockers(devices: readonly PlanDevice[], holders: readonly DmaHolder[]): string[] {
  const out: string[] = [];
  for (const h of holders) {
    const d = devices.find((x) => (h.bdf !== null ? x.bdf === h.bdf : h.group !== null && x.group === h.group));
    if (d) out.push(`${d.bdf} (group ${d.group}) is held open by ${h.comm} (pid ${h.pid}) through ${h.path}: unbinding it would block until that process closes it`);
  }
  return out;
}

/**
 * Put every device of a journal back on its original driver with its original driver_override —
 * after a completed apply, or after one that was killed at any point: the inverses of every step
 * that began are replayed last-first in 'ensure' mode (already-undone steps are skipped), then each
 * device is checked, and any that still differs gets one direct repair (override, unbind, bind).
 */
export interface RestoreReport {
  readonly ok: boolean;
  readonly state: ReturnType<typeof journalState>;
  readonly steps: readonly StepReport[];
  /** What still differs from the journal's record afterwards (empty when ok). */
  readonly remaining: readonly string[];
  /** Persistence files put back (previous bytes written, or removed). */
  readonly files: readonly string[];
  /** Every persistence file of the journal: what restore did with it, or why it left it. */
  readonly fileSteps: readonly FileStep[];
}

/** What `restore` would do, read-only: the inverses it would replay and what differs from the journal's record now. */
export interface RestorePreview {
  readonly state: ReturnType<typeof journalState>;
  readonly planned: readonly string[];
  readonly remaining: readonly string[];
  readonly files: readonly string[];
}

export function previewRestore(port: AssignPort, j: Journal): RestorePreview {
  return {
    state: journalState(j),
    planned: undoList(j).map(actionText),
    remaining: matchesOriginal(port, j.header.devices),
    files: j.entries.flatMap((e) => (e.phase === 'persist' ? [e.file] : [])),
  };
}

export function restoreJournal(port: AssignPort, j: Journal, sink: JournalSink | null, files: FilePort | null): RestoreReport {
  const state = journalState(j);
  const steps = runUndo(port, undoList(j));
  let remaining = matchesOriginal(port, j.header.devices);
  if (remaining.length > 0) {
    const repair: Action[] = [];
    for (const d of j.header.devices) {
      // Whatever the device is on now, if it is not its original driver (the plan's driver after an
      // apply; the driver the host chose after a release).
      const cur = currentDriver(port, d.bdf);
      const now = cur.ok ? cur.value : j.header.driver;
      if (now !== null && now !== d.driver) repair.push({ op: 'unbind', bdf: d.bdf, driver: now });
      repair.push({ op: 'override', bdf: d.bdf, value: d.driverOverride });
      if (d.driver) repair.push({ op: 'bind', bdf: d.bdf, driver: d.driver });
    }
    steps.push(...runUndo(port, repair).map((s) => ({ ...s, seq: s.seq + steps.length })));
    remaining = matchesOriginal(port, j.header.devices);
  }
  const entries = j.entries.filter((e): e is PersistEntry => e.phase === 'persist');
  const fileSteps = files ? undoFileChanges(files, entries) : [];
  for (const f of fileSteps) if (!f.ok) remaining = [...remaining, `${f.path}: ${f.why ?? 'not restored'}`];
  if (!files && entries.length > 0) remaining = [...remaining, ...entries.map((e) => `${e.file}: not restored (no file port)`)];
  const restoredFiles = fileSteps.filter((f) => f.what === 'restored' || f.what === 'removed').map((f) => f.path);
  const done = remaining.length === 0;
  const w = sink?.append(done ? { phase: 'restored' } : { phase: 'restore-incomplete', note: remaining.join('; ') });
  // The journal still says unfinished: a new apply stays blocked until a restore is recorded.
  if (w !== undefined && !w.ok) remaining = [...remaining, `journal: the outcome could not be recorded (${w.errno}: ${w.why}); run restore again`];
  return { ok: remaining.length === 0, state, steps, remaining, files: restoredFiles, fileSteps };
}
