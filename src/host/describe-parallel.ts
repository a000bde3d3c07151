import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ok, type Result } from '../model/errno.js';
import type { PciDeviceDesc } from '../model/host-description.js';
import { listIommuGroups, readIommuGroup, settleGroups, type GroupStep } from './describe-groups.js';
import type { HostWarning, ReadDetail } from './describe-pci.js';
import { assembleHost, readHostHead, readPciFunction, type DescribeOptions, type HostReport } from './describe.js';
import { livePort, type LivePortOptions } from './live-port.js';

/**
 * `describeHostReport` of a directory tree (a live /sys or `--sysfs-root`) on several threads: the
 * PCI functions and the IOMMU groups are cut into units of work that the calling thread and worker
 * threads claim one at a time (a shared counter), each reading its units with the same synchronous
 * port and readers; the steps of every unit (a device, a group, a member link, a warning) are put
 * back in order and settled here. The answer — devices, groups, warnings and their order — is the
 * one `describeHostReport(livePort(opts))` gives (describe-parallel.test.ts compares them); only the
 * reading is spread over the cores, since it is syscall-bound (open, read, readlink, getdents).
 */

/** Below this many functions the threads cost more to start (~30 ms each) than they save. */
export const PARALLEL_MIN_FUNCTIONS = 2000;
/** Functions (or groups) per unit of work. */
export const UNIT = 256;

/** What one unit yields, in order. */
export type DeviceStep = { readonly w: HostWarning } | { readonly d: PciDeviceDesc };

export type Unit = { readonly kind: 'pci'; readonly bdfs: readonly string[]; readonly detail: ReadDetail } | { readonly kind: 'groups'; readonly ids: readonly number[] };

/** Reads one unit through `port`. */
export function readUnit(port: ReturnType<typeof livePort>, u: Unit): DeviceStep[] | GroupStep[] {
  if (u.kind === 'groups') {
    const steps: GroupStep[] = [];
    for (const id of u.ids) readIommuGroup(port, id, (s) => steps.push(s));
    return steps;
  }
  const steps: DeviceStep[] = [];
  const warn = (w: HostWarning): void => { steps.push({ w }); };
  for (const bdf of u.bdfs) {
    const d = readPciFunction(port, bdf, warn, u.detail);
    if (d !== null) steps.push({ d });
  }
  return steps;
}

/** DMAOWN_READ_THREADS=N (1..16): read with N threads at any size (1: no worker); null when unset or invalid. */
function threadsAsked(env: Readonly<Record<string, string | undefined>>): number | null {
  const v = Number(env['DMAOWN_READ_THREADS']);
  return env['DMAOWN_READ_THREADS'] !== undefined && Number.isInteger(v) && v >= 1 && v <= 16 ? v : null;
}

/**
 * How contended this machine's CPUs were over the last 10 seconds: the share of time some runnable
 * task waited for a CPU (/proc/pressure/cpu "some avg10", PSI, Linux 4.20+), or null where the kernel
 * has no PSI. Read on the machine running dmaown, whatever host it reads.
 */
export function cpuPressure(read: () => string = () => readFileSync('/proc/pressure/cpu', 'latin1')): number | null {
  try {
    const m = /^some avg10=([0-9]+(?:\.[0-9]+)?) /m.exec(read());
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Below this CPU pressure (percent of time) the cores had room to spare: a thread per core. */
export const IDLE_PRESSURE = 20;

/**
 * Threads to read with (the calling one included): DMAOWN_READ_THREADS, else one per core (at most 4)
 * when the CPUs had room over the last 10 s (PSI some avg10 < 20 %), else one per core the 1-minute load
 * average leaves idle (at least 1). A thread per core only pays where a core is idle: the scheduler
 * shares CPU between sessions (autogroup) and cgroups, not threads, so on a busy machine a second
 * thread competes with the first. Measured at 10k functions on 2 cores: with a core idle 2 threads read
 * the tree in 3.7 s instead of 6.3 s; at load 5-10 (CPU pressure 75 %) the report took 7.6-8.6 s with 2
 * threads against 6.2-7.6 s with one, and 0.4 s more CPU (a second JIT warm-up, the results cloned).
 */
export function readThreads(env: Readonly<Record<string, string | undefined>> = process.env, load = loadavg()[0] ?? 0, pressure: number | null = cpuPressure()): number {
  const cores = availableParallelism();
  const idleCores = pressure !== null && pressure < IDLE_PRESSURE ? cores : Math.floor(cores - load + 0.5);
  return threadsAsked(env) ?? Math.max(1, Math.min(4, cores, idleCores));
}

export interface WorkerInput {
  readonly port: LivePortOptions;
  readonly units: readonly Unit[];
  /** Int32Array over a SharedArrayBuffer: [0] is the next unit to claim. */
  readonly next: SharedArrayBuffer;
}

export interface ParallelOptions {
  /** Threads to read with, the calling one included (default: readThreads()). */
  readonly threads?: number;
  /** Fewer functions than this are read on the calling thread alone (default PARALLEL_MIN_FUNCTIONS). */
  readonly minFunctions?: number;
}

export async function describeTreeReport(opts: LivePortOptions, dopts: DescribeOptions = {}, popts: ParallelOptions = {}): Promise<Result<HostReport>> {
  const threads = popts.threads ?? readThreads();
  const portOpts: LivePortOptions = { ...opts, allowWrites: false };
  const port = livePort(portOpts);
  const head: HostWarning[] = [];
  const warnHead = (w: HostWarning): void => { head.push(w); };
  const hd = readHostHead(port, dopts, warnHead);
  if (!hd.ok) return hd;
  const { facts, bdfs } = hd.value;
  const groupWarnings: HostWarning[] = [];
  const ids = listIommuGroups(port, (w) => groupWarnings.push(w)) ?? [];

  const units: Unit[] = [];
  for (let i = 0; i < bdfs.length; i += UNIT) units.push({ kind: 'pci', bdfs: bdfs.slice(i, i + UNIT), detail: dopts.detail ?? 'full' });
  const firstGroupUnit = units.length;
  for (let i = 0; i < ids.length; i += UNIT) units.push({ kind: 'groups', ids: ids.slice(i, i + UNIT) });
  const results: (DeviceStep[] | GroupStep[] | undefined)[] = new Array(units.length);
  const next = new SharedArrayBuffer(4);
  const counter = new Int32Array(next);
  // Asked for explicitly (DMAOWN_READ_THREADS): workers at any size.
  const min = popts.minFunctions ?? (threadsAsked(process.env) !== null ? 0 : PARALLEL_MIN_FUNCTIONS);
  const workers = bdfs.length < min ? 0 : threads - 1;
  const done: Promise<void>[] = [];
  for (let t = 0; t < workers; t++) {
    const input: WorkerInput = { port: portOpts, units, next };
    done.push(new Promise<void>((resolve) => {
      let w: Worker;
      try {
        w = new Worker(new URL('./describe-worker.js', import.meta.url), { workerData: input });
      } catch {
        resolve();
        return;
      }
      w.on('message', (m: { unit: number; steps: DeviceStep[] | GroupStep[] }) => { results[m.unit] = m.steps; });
      // A worker that fails leaves its units without a result: they are read here below.
      w.on('error', () => {});
      w.on('exit', () => resolve());
    }));
  }
  for (let u = Atomics.add(counter, 0, 1); u < units.length; u = Atomics.add(counter, 0, 1)) {
    results[u] = readUnit(port, units[u] as Unit);
    // Between units, take the workers' results already posted: their deserialisation here overlaps
    // with their reading instead of following it (this thread then claims fewer units itself).
    if (workers > 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await Promise.all(done);
  for (let u = 0; u < units.length; u++) if (results[u] === undefined) results[u] = readUnit(port, units[u] as Unit);

  const warnings: HostWarning[] = [...head];
  const warn = (w: HostWarning): void => { warnings.push(w); };
  const pci: PciDeviceDesc[] = [];
  const byPath = new Set<string>();
  for (let u = 0; u < firstGroupUnit; u++) {
    for (const s of results[u] as DeviceStep[]) {
      if ('w' in s) warnings.push(s.w);
      else { pci.push(s.d); byPath.add(s.d.path); }
    }
  }
  warnings.push(...groupWarnings);
  function* groupSteps(): Generator<GroupStep> {
    for (let u = firstGroupUnit; u < units.length; u++) yield* results[u] as GroupStep[];
  }
  const g = settleGroups(port, groupSteps(), (p) => byPath.has(p), warn);
  return ok({ host: assembleHost(port, facts, pci, g, warn), warnings });
}
