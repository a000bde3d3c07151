/** `dmaown verify --json` (schema/dmaown-verify-1.schema.json). */
import { expectedViolation, pathNames, type VerifyRun } from './verify.js';

export function verifyJson(runs: readonly { run: VerifyRun; written: ReadonlyMap<string, string> }[], o: { alphabet: string; symmetry: boolean }): Record<string, unknown> {
  const all = runs.map(({ run, written }) => {
    const s = run.result;
    return {
      source: run.source, synthetic: run.synthetic, group: run.group, devices: run.devices, kernel: run.kernel, profile: run.profile,
      states: s.states, transitions: s.transitions, depth: s.depth, ms: Math.round(s.ms), complete: s.complete,
      ...(s.stopped !== undefined ? { stopped: s.stopped } : {}),
      ...(s.projection ? { projection: s.projection } : {}),
      properties: s.properties.map((p) => ({
        name: p.name, holds: p.holds,
        ...(p.holds ? {} : { expected: expectedViolation(run.profile, p.name), message: p.message, path: pathNames(p.path ?? []) }),
        ...(written.has(p.name) ? { trace: written.get(p.name) } : {}),
      })),
    };
  });
  const violated = all.some((r) => r.properties.some((p) => !p.holds));
  const incomplete = all.some((r) => !r.complete);
  return { schema: 'dmaown-verify/1', alphabet: o.alphabet, symmetry: o.symmetry, verdict: violated ? 'violated' : incomplete ? 'incomplete' : 'holds', runs: all };
}
