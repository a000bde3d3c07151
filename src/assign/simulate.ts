import type { HostDescription } from '../model/host-description.js';
import type { Kernel } from '../model/uapi.js';
import { groupMemberViability } from '../model/index.js';
import type { ActionFailure } from './actions.js';
import { applyPlan, type StepReport } from './apply.js';
import { hostModel } from './host-model.js';
import { memorySink } from './journal.js';
import type { Plan, Via } from './plan.js';
import { proofSummary, proveCdevPath, proveGroupPath, type GroupProof } from './vfio-proof.js';

/**
 * Run a plan, before showing it, on a simulated kernel of the host's version: the same executor and
 * checks as `apply`, on the model's Kernel. Then ask whether each planned group became viable — by
 * the era's rule on the resulting drivers, and from VFIO itself (GET_STATUS on /dev/vfio/N).
 */
export interface Simulation {
  readonly ok: boolean;
  /** What ran the plan: always the model of the host's kernel version. */
  readonly engine: 'model';
  readonly kernel: string;
  readonly steps: readonly StepReport[];
  /** The step that failed, its errno, the kernel's why and call path. */
  readonly failedStep: { readonly seq: number; readonly text: string; readonly failure: ActionFailure } | null;
  readonly groups: readonly SimulatedGroup[];
  /** The VFIO path the groups were opened through (the plan's `via`). */
  readonly via: Via;
  /** Set when the model ran the host under another release's rules (older than 5.10). */
  readonly modelNote?: string;
  /** --via cdev: why this host is taken to have the vfio device cdev. */
  readonly viaEvidence?: string;
  readonly note?: string;
}

export interface SimulatedGroup {
  readonly id: number;
  readonly viable: boolean;
  readonly blockers: readonly string[];
  /** The proof in one line (model only). */
  readonly vfio?: string;
  /** Every call of the proof with its answer (model only). */
  readonly proof?: GroupProof;
}

/**
 * Simulate on the model's kernel for this release. A model that cannot build this host (a ModelBug,
 * an unsupported release) proves nothing: the simulation fails and says why, and nothing is applied.
 */
export async function simulatePlan(host: HostDescription, plan: Plan): Promise<Simulation> {
  const m = hostModel(host);
  if (!m.ok) {
    return {
      ok: false, engine: 'model', kernel: host.kernel, steps: [], failedStep: null, groups: [], via: plan.via ?? 'group',
      note: `the model could not build this host (${m.why}); the plan is not proven`,
    };
  }
  const k = m.value.kernel;
  const sim0 = simulateOn(k, host.kernel, plan);
  const sim = m.value.note === null ? sim0 : { ...sim0, modelNote: m.value.note };
  if (!sim.steps.every((s) => s.ok)) return sim;
  // Open each group from user space as a VMM would, through the plan's path (vfio-proof.ts).
  const groups = sim.groups.map((g): SimulatedGroup => {
    const devs = plan.devices.filter((d) => d.group === g.id).map((d) => d.bdf);
    const proof = sim.via === 'cdev' ? proveCdevPath(k, g.id, devs) : proveGroupPath(k, g.id, devs);
    return { ...g, viable: g.viable && proof.ok, vfio: proofSummary(proof), proof };
  });
  return { ...sim, ok: groups.every((g) => g.viable), groups };
}

/** The model's kernel for this host, or why it could not be built (a ModelBug, an unsupported release). */
export async function modelKernel(host: HostDescription): Promise<Kernel | string> {
  const m = hostModel(host);
  return m.ok ? m.value.kernel : m.why;
}

/**
 * Run the plan on kernel `k` with the executor `apply` uses, then ask the model who still keeps user
 * space from each planned group (`groupMemberViability`: owner_cnt on 5.19+, vfio_dev_viable before).
 */
export function simulateOn(k: Kernel, release: string, plan: Plan): Simulation {
  const r = applyPlan(k, plan, { sink: memorySink(), id: 'simulation', created: '' });
  const groups = plan.groups.map((id) => {
    const blockers = (groupMemberViability(k, id) ?? []).filter((v) => v.blocks).map((v) => `${v.name} (${v.driver ?? 'no driver'})`);
    return { id, viable: blockers.length === 0, blockers };
  });
  const failed = r.steps.find((s) => !s.ok);
  return {
    ok: r.ok && groups.every((g) => g.viable), engine: 'model', kernel: release, steps: r.steps, via: plan.via ?? 'group',
    failedStep: failed?.failure ? { seq: failed.seq, text: failed.text, failure: failed.failure } : null, groups,
  };
}
