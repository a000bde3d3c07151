import type { HostDescription } from '../model/host-description.js';
import type { Kernel } from '../model/uapi.js';
import { currentDriver, type ActionFailure, type AssignPort } from './actions.js';
import { applyPlan, type StepReport } from './apply.js';
import { exemption, dmaEra } from './dma-rules.js';
import { headerType } from './inspect.js';
import { memorySink } from './journal.js';
import type { Plan } from './plan.js';
import { simPort } from './twin.js';

/**
 * Run a plan, before showing it, on a simulated kernel of the host's version: the same executor and
 * checks as `apply`, on the model's Kernel. Then ask whether each planned group became viable — by
 * the era's rule on the resulting drivers, and from VFIO itself (GET_STATUS on /dev/vfio/N).
 */
export interface Simulation {
  readonly ok: boolean;
  readonly engine: 'model' | 'twin';
  readonly kernel: string;
  readonly steps: readonly StepReport[];
  /** The step that failed, its errno, the kernel's why and call path. */
  readonly failedStep: { readonly seq: number; readonly text: string; readonly failure: ActionFailure } | null;
  readonly groups: readonly { readonly id: number; readonly viable: boolean; readonly blockers: readonly string[]; readonly vfio?: string }[];
  readonly note?: string;
}

/**
 * Simulate on the model's kernel for this release. A model that cannot build this host (a ModelBug,
 * an unsupported release) falls back to the twin, and says so in `engine` and `note`.
 */
export async function simulatePlan(host: HostDescription, plan: Plan): Promise<Simulation> {
  const { createKernel } = await import('../model/index.js');
  let k: Kernel;
  try { k = createKernel(host); } catch (e) {
    return { ...simulateOn(simPort(host), 'twin', host, plan), note: `the model could not build this host (${(e as Error).message}); simulated on the twin` };
  }
  const sim = simulateOn(k, 'model', host, plan);
  if (!sim.steps.every((s) => s.ok)) return sim;
  // Ask VFIO itself, as QEMU does: open /dev/vfio/N and VFIO_GROUP_GET_STATUS (§4.4, §5.2).
  const groups = sim.groups.map((g) => ({ ...g, ...vfioStatus(k, g.id) }));
  return { ...sim, ok: groups.every((g) => g.viable), groups };
}

/** VFIO_GROUP_GET_STATUS on a fresh group fd: VIABLE or not, and the kernel's reason. */
function vfioStatus(k: Kernel, group: number): { viable: boolean; vfio: string } {
  const fd = k.open(`/dev/vfio/${group}`);
  if (!fd.ok) return { viable: false, vfio: `open /dev/vfio/${group}: ${fd.errno} (${fd.why})` };
  const st = k.ioctl(fd.value, 'VFIO_GROUP_GET_STATUS');
  k.close(fd.value);
  if (!st.ok) return { viable: false, vfio: `VFIO_GROUP_GET_STATUS: ${st.errno} (${st.why})` };
  const flags = st.value['flags'];
  const viable = Array.isArray(flags) ? flags.includes('VIABLE') : typeof flags === 'number' ? (flags & 1) === 1 : false;
  return { viable, vfio: `VFIO_GROUP_GET_STATUS flags=${JSON.stringify(flags)} (${st.calls.join(' → ')})` };
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
