/**
 * `dmaown verify` without the CLI: every (group, kernel) run asked for, each an exhaustive search
 * (search.ts) with its verdicts, the shortest counterexample of each violated property as ops and as a
 * dmaown-trace/1 object. Runs on the synthetic group count ownership.pml's projection as well when the
 * alphabet is SPIN's.
 */
import { profileFor } from '../model/index.js';
import { opName, type Alphabet, type Op } from './ops.js';
import { search, type SearchResult, type VerifyTarget } from './search.js';
import { counterexampleTrace } from './trace-writer.js';

export interface VerifyOptions {
  readonly alphabet: Alphabet;
  readonly symmetry: boolean;
  readonly maxStates: number;
  readonly maxHeapBytes?: number;
  readonly recovery: boolean;
  /** Build the counterexample traces (they cost a replay and a capture each). */
  readonly traces: boolean;
}

export interface VerifyRun {
  /** 'synthetic' or the host's label. */
  readonly source: string;
  readonly group: number;
  readonly devices: readonly string[];
  readonly kernel: string;
  readonly profile: string;
  readonly synthetic: boolean;
  readonly result: SearchResult;
  /** Per violated property: the counterexample as a trace object. */
  readonly traces: ReadonlyMap<string, Record<string, unknown>>;
}

/** Whether a violation is the expected one: the 5.10–5.18 BUG_ON (and its ownership breach), which 5.19 removed. */
export function expectedViolation(profile: string, property: string): boolean {
  return profile === 'L' && (property === 'oops' || property === 'ownership');
}

export function verifyTarget(t: VerifyTarget, source: string, synthetic: boolean, o: VerifyOptions): VerifyRun {
  const result = search(t, {
    alphabet: o.alphabet, symmetry: o.symmetry, maxStates: o.maxStates, checkRecovery: o.recovery,
    ...(o.maxHeapBytes !== undefined ? { maxHeapBytes: o.maxHeapBytes } : {}),
    projection: synthetic && o.alphabet === 'spin' && !o.symmetry,
  });
  const profile = profileFor(t.release);
  const traces = new Map<string, Record<string, unknown>>();
  if (o.traces) {
    for (const p of result.properties) {
      if (p.holds || p.path === undefined) continue;
      traces.set(p.name, counterexampleTrace({
        desc: t.desc, release: t.release, spec: t.spec, alphabet: o.alphabet, path: p.path,
        title: `dmaown verify: shortest path to a ${p.name} violation in IOMMU group ${t.spec.group} on ${t.release} (${p.path.length} ops)`,
        note: p.message ?? p.name,
      }));
    }
  }
  return {
    source, group: t.spec.group, devices: t.spec.devices, kernel: t.release, profile: profile.ok ? profile.value.label : '?',
    synthetic, result, traces,
  };
}

/** The op names of a path, as ownership.pml prints them. */
export function pathNames(path: readonly Op[]): string[] {
  return path.map(opName);
}
