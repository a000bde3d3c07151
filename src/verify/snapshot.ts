/**
 * Snapshots of a simulated kernel's state for the exhaustive search: a structural clone of the plain
 * data of `KernelState` (Maps, Sets, arrays, plain objects), sharing what the model never mutates (the
 * profile, the resolved options, the host description's device records, reserved regions, static id
 * tables, domains and open-file records, which are readonly records replaced rather than changed).
 * The kernel log and the call record are output, not state: a snapshot keeps neither.
 *
 * A value the model keeps as a closure (a blocked call's retry, before it was moved to data) cannot be
 * cloned: `snapshotKernel` answers an error value naming it, and the search reports it, never a wrong state.
 */
import type { KernelState } from '../model/index.js';

export type Snapshot = { readonly state: Readonly<Record<string, unknown>> };

/** Objects shared between snapshots (never mutated by the model), found once per initial state. */
export class SharedRefs {
  private readonly refs = new WeakSet<object>();
  /** The fields a snapshot copies (all but the static ones), in the state's order. */
  readonly mutableKeys: readonly string[];
  /** The static fields and the profile and options, shared by every snapshot. */
  readonly staticPart: Readonly<Record<string, unknown>>;
  /** Whether every device record holds only primitives and its shared `pci` record (then a spread copies it). */
  readonly flatDevices: boolean;
  constructor(k: KernelState) {
    const rec = k as unknown as Record<string, unknown>;
    this.staticPart = Object.fromEntries(Object.keys(k).filter((key) => STATIC_FIELDS.has(key) || key === 'profile' || key === 'opts').map((key) => [key, rec[key]]));
    this.mutableKeys = Object.keys(k).filter((key) => !STATIC_FIELDS.has(key) && key !== 'profile' && key !== 'opts');
    this.flatDevices = [...k.devices.values()].every((d) => Object.entries(d).every(([key, v]) => key === 'pci' || v === null || typeof v !== 'object'));
    this.refs.add(k.profile);
    this.refs.add(k.opts);
    for (const d of k.devices.values()) if (d.pci) this.refs.add(d.pci);
    for (const p of k.pciRemoved.values()) this.refs.add(p);
    for (const g of k.groups.values()) this.refs.add(g.reservedRegions);
    for (const drv of k.drivers.values()) this.refs.add(drv.idTable);
  }
  has(o: object): boolean { return this.refs.has(o); }
}

/** Fields of a state that are records whose members are readonly (replaced, never changed): shared by reference. */
const READONLY_VALUES: ReadonlySet<string> = new Set(['domains', 'files']);
/**
 * Fields only hot-plug, module loading and new_id/remove_id change (the topology, the driver registry, the
 * sysfs path index): none of verify's ops does, so snapshots share them. `staticFingerprint` lets a test
 * check that a search left them as they were.
 */
export const STATIC_FIELDS: ReadonlySet<string> = new Set([
  'pciBuses', 'drivers', 'pathIndex', 'pathChildren', 'pciRemoved', 'iommus', 'buses', 'modules', 'freeGroupIds', 'dmarStaleDevInfo',
  // The function tables floors register at boot, and the IOMMU platform: fixed for the kernel's life.
  'ops', 'platform',
]);
const OUTPUT_FIELDS: ReadonlySet<string> = new Set(['log', 'calls']);

export class NotData extends Error {}

function cloneValue(v: unknown, shared: SharedRefs, path: string): unknown {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'function') throw new NotData(`${path} is a closure, not data`);
    return v;
  }
  if (shared.has(v)) return v;
  if (v instanceof Map) {
    const out = new Map();
    for (const [key, x] of v) out.set(key, cloneValue(x, shared, `${path}.${String(key)}`));
    return out;
  }
  if (v instanceof Set) return new Set(v);
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneValue(v[i], shared, path);
    return out;
  }
  if (v instanceof Uint8Array) return v;
  const out: Record<string, unknown> = { ...v };
  for (const key in out) {
    const x = out[key];
    if (x !== null && (typeof x === 'object' || typeof x === 'function')) out[key] = cloneValue(x, shared, `${path}.${key}`);
  }
  return out;
}

type Rec = Record<string, unknown>;

/** A record whose fields are all primitives or shared objects (Device): a spread copies it. */
function flat(shared: SharedRefs, path: string) {
  return (r: Rec): Rec => {
    const out: Rec = { ...r };
    for (const key in out) {
      const x = out[key];
      if (x !== null && typeof x === 'object' && !shared.has(x as object)) out[key] = cloneValue(x, shared, `${path}.${key}`);
      else if (typeof x === 'function') throw new NotData(`${path}.${key} is a closure, not data`);
    }
    return out;
  };
}

function mapValues(m: Map<unknown, Rec>, f: (r: Rec) => Rec): Map<unknown, Rec> {
  const out = new Map<unknown, Rec>();
  for (const [key, v] of m) out.set(key, f(v));
  return out;
}

/** The shapes the model's records have today, copied field by field (cloneValue handles anything else). */
function vfioGroupClone(vg: Rec): Rec {
  return { ...vg, devices: [...(vg['devices'] as string[])], unboundList: new Set(vg['unboundList'] as Set<string>), openDevices: new Map(vg['openDevices'] as Map<string, number>) };
}

function pendingClone(p: Rec): Rec {
  const wait = p['wait'] as { kind: string }, redo = p['redo'] as { kind: string };
  if (wait.kind === 'cond' || redo.kind === 'fn') throw new NotData(`blocked call ${String(p['id'])} (${String(p['what'])}) keeps a closure, not data`);
  return { ...p };
}

const FAST: Readonly<Record<string, (v: unknown, shared: SharedRefs) => unknown>> = {
  devices: (v, sh) => mapValues(v as Map<unknown, Rec>, sh.flatDevices ? (d) => ({ ...d }) : flat(sh, 'devices')),
  groups: (v) => mapValues(v as Map<unknown, Rec>, (g) => ({ ...g, devices: [...(g['devices'] as string[])], pasidArray: new Map(g['pasidArray'] as Map<string, number>) })),
  vfioGroups: (v) => mapValues(v as Map<unknown, Rec>, vfioGroupClone),
  deadVfioGroups: (v) => mapValues(v as Map<unknown, Rec>, vfioGroupClone),
  containers: (v) => mapValues(v as Map<unknown, Rec>, (c) => ({ ...c, groups: [...(c['groups'] as number[])] })),
  vfioDevIndex: (v) => new Map(v as Map<string, number>),
  iommuGroupRefs: (v) => new Map(v as Map<number, number>),
  vfioDevByIndex: (v) => new Map(v as Map<number, string>),
  freeVfioDevIndexes: (v) => new Set(v as Set<number>),
  pending: (v) => mapValues(v as Map<unknown, Rec>, pendingClone),
  next: (v) => ({ ...(v as Rec) }),
  taint: (v) => [...(v as string[])],
};

function cloneField(key: string, v: unknown, shared: SharedRefs): unknown {
  if (OUTPUT_FIELDS.has(key)) return [];
  if (READONLY_VALUES.has(key)) return new Map(v as Map<unknown, unknown>);
  const f = FAST[key];
  return f ? f(v, shared) : cloneValue(v, shared, key);
}

function cloneState(src: Readonly<Record<string, unknown>>, shared: SharedRefs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of shared.mutableKeys) out[key] = cloneField(key, src[key], shared);
  return out;
}

/** A snapshot of `k` (an independent copy). Throws NotData when the state holds a closure. */
export function snapshotKernel(k: KernelState, shared: SharedRefs): Snapshot {
  return { state: cloneState(k as unknown as Record<string, unknown>, shared) };
}

/** Puts a copy of `snap` into `k` in place (the Kernel object over `k` then runs from that state); `snap` stays intact. */
export function restoreKernel(k: KernelState, snap: Snapshot, shared: SharedRefs): void {
  const dst = k as unknown as Record<string, unknown>;
  const src = snap.state;
  for (const key of shared.mutableKeys) dst[key] = cloneField(key, src[key], shared);
}

/**
 * The kernel's current state as a snapshot without copying it: the snapshot takes the state's objects, so
 * `k` must be restored (restoreKernel) before it runs again.
 */
export function detachSnapshot(k: KernelState, shared: SharedRefs): Snapshot {
  const rec = k as unknown as Record<string, unknown>;
  const state: Record<string, unknown> = {};
  for (const key of shared.mutableKeys) state[key] = rec[key];
  const pending = k.pending as Map<string, { wait: { kind: string }; redo: { kind: string }; id: string; what: string }>;
  for (const p of pending.values()) pendingClone(p as unknown as Rec);
  return { state };
}

/** The snapshot's state, read-only, for keys and projections. */
export function snapshotState(snap: Snapshot, shared: SharedRefs): KernelState {
  return { ...shared.staticPart, ...snap.state } as unknown as KernelState;
}

/** A text of the static fields (STATIC_FIELDS), to compare before and after a search. */
export function staticFingerprint(k: KernelState): string {
  const rec = k as unknown as Record<string, unknown>;
  return JSON.stringify([...STATIC_FIELDS].filter((f) => f !== 'ops').map((f) => rec[f]), (_k, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : typeof v === 'bigint' ? String(v) : v));
}
