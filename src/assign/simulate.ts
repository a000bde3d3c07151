import type { HostDescription } from '../model/host-description.js';
import type { Kernel } from '../model/uapi.js';
import { currentDriver, type ActionFailure, type AssignPort } from './actions.js';
import { applyPlan, type StepReport } from './apply.js';
import { exemption, dmaEra } from './dma-rules.js';
import { headerType } from './inspect.js';
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
  const k = await modelKernel(host);
  if (typeof k === 'string') {
    return {
      ok: false, engine: 'model', kernel: host.kernel, steps: [], failedStep: null, groups: [], via: plan.via ?? 'group',
      note: `the model could not build this host (${k}); the plan is not proven`,
    };
  }
  const sim = simulateOn(k, host, plan);
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
  const { createKernel } = await import('../model/index.js');
  try { return createKernel(host); } catch (e) { return (e as Error).message; }
}

export function simulateOn(port: AssignPort, host: HostDescription, plan: Plan): Simulation {
  const r = applyPlan(port, plan, { sink: memorySink(), id: 'simulation', created: '' });
  const era = dmaEra(host.kernel);
  const groups = plan.groups.map((id) => {
    const blockers: string[] = [];
    for (const d of host.pci.filter((x) => x.iommuGroup === id)) {
      const drv = currentDriver(port, d.bdf);
      const driver = drv.ok ? drv.value : d.driver;
      if (exemption(era, { driver, headerType: headerType(d) }) === null) blockers.push(`${d.bdf} (${driver})`);
    }
    return { id, viable: blockers.length === 0, blockers };
  });
  const failed = r.steps.find((s) => !s.ok);
  return {
    ok: r.ok && groups.every((g) => g.viable), engine: 'model', kernel: host.kernel, steps: r.steps, via: plan.via ?? 'group',
    failedStep: failed?.failure ? { seq: failed.seq, text: failed.text, failure: failed.failure } : null, groups,
  };
}
