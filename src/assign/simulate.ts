import type { HostDescription } from '../model/host-description.js';
import { currentDriver, type ActionFailure, type AssignPort } from './actions.js';
import { applyPlan, type StepReport } from './apply.js';
import { exemption, dmaEra } from './dma-rules.js';
import { headerType } from './inspect.js';
import { memorySink } from './journal.js';
import type { Plan } from './plan.js';
import { simPort } from './twin.js';

/**
 * Run a plan, before showing it, on a simulated kernel of the host's version: the same executor and
 * checks as `apply`, on the model's Kernel (when `src/model` exports `createKernel`) or else on the
 * driver-binding twin. Then ask whether each planned group became viable.
 */
export interface Simulation {
  readonly ok: boolean;
  readonly engine: 'model' | 'twin';
  readonly kernel: string;
  readonly steps: readonly StepReport[];
  /** The step that failed, its errno, the kernel's why and call path. */
  readonly failedStep: { readonly seq: number; readonly text: string; readonly failure: ActionFailure } | null;
  readonly groups: readonly { readonly id: number; readonly viable: boolean; readonly blockers: readonly string[] }[];
}

interface ModelModule { createKernel(desc: HostDescription, opts?: Record<string, unknown>): AssignPort }

/** The model's kernel when it is available, else the twin. */
export async function simulatedPort(host: HostDescription): Promise<{ port: AssignPort; engine: 'model' | 'twin' }> {
  const spec = '../model/index.js';
  try {
    const m = (await import(spec)) as Partial<ModelModule>;
    if (typeof m.createKernel === 'function') return { port: m.createKernel(host), engine: 'model' };
  } catch { /* the model is not built yet: use the twin */ }
  return { port: simPort(host), engine: 'twin' };
}

export async function simulatePlan(host: HostDescription, plan: Plan): Promise<Simulation> {
  const { port, engine } = await simulatedPort(host);
  return simulateOn(port, engine, host, plan);
}

export function simulateOn(port: AssignPort, engine: 'model' | 'twin', host: HostDescription, plan: Plan): Simulation {
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
    ok: r.ok && groups.every((g) => g.viable), engine, kernel: host.kernel, steps: r.steps,
    failedStep: failed?.failure ? { seq: failed.seq, text: failed.text, failure: failed.failure } : null, groups,
  };
}
