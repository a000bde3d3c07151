import { ok, type Result } from '../model/errno.js';
import type { HostDescription } from '../model/host-description.js';
import type { Kernel } from '../model/uapi.js';
import type { FilePort } from '../host/file-port.js';
import { actionText, currentDriver, type Action } from './actions.js';
import { applyPlan, type StepReport } from './apply.js';
import type { HostView } from './inspect.js';
import { memorySink } from './journal.js';
import type { Plan, PlanDevice, PlanStep, Refusal } from './plan.js';
import type { FileChange } from './persist.js';
import { releasePersistence } from './release-persist.js';

/**
 * `release`: give devices back to the kernel, whoever bound them — dmaown, driverctl, libvirt, or
 * `vfio-pci.ids=`. Per device: clear driver_override, unbind the user-space driver, take away the
 * dynamic id that ids= or new_id gave it (remove_id; otherwise drivers_probe would hand the device
 * straight back), re-probe (the kernel picks the default driver), verify it left. The persistence that
 * would bind it again at boot is removed (release-persist.ts). The steps are a Plan with inverses, so
 * apply's executor, journal, rollback and `restore` work on it unchanged.
 */
export const USER_SPACE_DRIVERS: readonly string[] = ['vfio-pci', 'pci-stub', 'uio_pci_generic', 'igb_uio'];
export const isUserSpaceDriver = (d: string | null): d is string =>
  d !== null && (USER_SPACE_DRIVERS.includes(d) || d.endsWith('-vfio-pci') || d.endsWith('_vfio_pci'));

export interface Release {
  readonly plan: Plan;
  readonly files: readonly FileChange[];
  readonly notes: readonly string[];
}

export type ReleaseOutcome = { readonly ok: true; readonly release: Release } | { readonly ok: false; readonly refusals: readonly Refusal[] };

const idArg = (i: { vendor: number; device: number; subvendor: number | null; subdevice: number | null }): string =>
  [i.vendor, i.device, ...(i.subvendor !== null || i.subdevice !== null ? [i.subvendor ?? 0xffffffff, i.subdevice ?? 0xffffffff] : [])].map((n) => n.toString(16)).join(' ');

/** Plan the release of `bdfs` (full form). Errors: a persistence file that exists but cannot be read. */
export function makeRelease(view: HostView, host: HostDescription, bdfs: readonly string[], files: FilePort): Result<ReleaseOutcome> {
  const refusals: Refusal[] = [], notes: string[] = [];
  const devices: PlanDevice[] = [];
  for (const b of bdfs) {
    const g = view.groups.find((x) => x.devices.some((d) => d.bdf === b));
    const d = g?.devices.find((x) => x.bdf === b) ?? view.ungrouped.find((x) => x.bdf === b);
    if (!d) { refusals.push({ bdf: b, code: 'unknown-device', why: `${b}: no such PCI device on this host`, hint: 'run `dmaown` to list the devices' }); continue; }
    for (const h of g?.holders ?? []) {
      refusals.push({ bdf: b, code: 'in-use', why: `group ${g!.id} is in use: ${h.path} held by ${h.comm} (pid ${h.pid}) — unbinding would block until it closes`, hint: 'stop that process (shut the VM down) first' });
    }
    if (!g) { notes.push(`${b} has no IOMMU group: not a device dmaown hands out or gives back`); continue; }
    if (!isUserSpaceDriver(d.driver) && !isUserSpaceDriver(d.driverOverride)) {
      notes.push(`${b} is ${d.driver ? `on ${d.driver}` : 'unbound'} without a user-space driver_override: nothing to give back on the running host`);
      continue;
    }
    devices.push({ bdf: b, group: g.id, driver: d.driver, driverOverride: d.driverOverride, requested: true });
  }
  if (refusals.length > 0) return ok({ ok: false, refusals });
  const userDriver = devices.map((d) => d.driver ?? d.driverOverride).find((x) => x !== null) ?? 'vfio-pci';
  const p = releasePersistence(host, bdfs, userDriver, files);
  if (!p.ok) return p;
  const steps: PlanStep[] = [];
  const step = (action: Action, inverse: Action[]): void => { steps.push({ action, inverse, text: actionText(action) }); };
  for (const d of devices) if (d.driverOverride !== null) step({ op: 'override', bdf: d.bdf, value: null }, [{ op: 'override', bdf: d.bdf, value: d.driverOverride }]);
  for (const d of devices) {
    if (d.driver !== null) step({ op: 'unbind', bdf: d.bdf, driver: d.driver }, [{ op: 'override', bdf: d.bdf, value: d.driverOverride }, { op: 'bind', bdf: d.bdf, driver: d.driver }]);
  }
  const done = new Set<string>();
  for (const d of devices) {
    const drv = d.driver ?? d.driverOverride!;
    const pci = host.pci.find((x) => x.bdf === d.bdf)!;
    // A device on the driver without an override naming it was matched by a dynamic id: take it away
    // (remove_id answers ENODEV when there is none — the step is then skipped, and so is its undo).
    const known = p.value.ids.get(d.bdf) ?? [];
    const ids = known.length > 0 ? known.map(idArg) : d.driverOverride === null ? [idArg({ vendor: pci.vendor, device: pci.device, subvendor: null, subdevice: null })] : [];
    for (const id of ids) {
      if (done.has(`${drv} ${id}`)) continue;
      done.add(`${drv} ${id}`);
      step({ op: 'remove-id', bdf: d.bdf, driver: drv, id }, [{ op: 'new-id', bdf: d.bdf, driver: drv, id }]);
    }
  }
  for (const d of devices) step({ op: 'probe', bdf: d.bdf }, [{ op: 'unbind-other', bdf: d.bdf, except: d.driver ?? '' }]);
  for (const d of devices) step({ op: 'verify-not', bdf: d.bdf, driver: d.driver ?? d.driverOverride! }, []);
  const others = host.pci.filter((x) => !bdfs.includes(x.bdf) && isUserSpaceDriver(x.driver) && x.driverOverride === null
    && devices.some((d) => { const y = host.pci.find((z) => z.bdf === d.bdf)!; return y.vendor === x.vendor && y.device === x.device; }));
  for (const o of others) notes.push(`${o.bdf} has the same ids and stays on ${o.driver}: remove_id changes only what later probes match`);
  const plan: Plan = {
    format: 'dmaown-plan/1', kernel: view.kernel, driver: userDriver, groups: [...new Set(devices.map((d) => d.group))],
    devices, steps, warnings: [...p.value.warnings], via: 'group',
  };
  return ok({ ok: true, release: { plan, files: p.value.changes, notes: [...notes, ...p.value.notes] } });
}

export interface ReleaseSimulation {
  readonly ok: boolean;
  readonly kernel: string;
  readonly steps: readonly StepReport[];
  /** The driver each device is on afterwards on the model (null: none bound). */
  readonly drivers: readonly { readonly bdf: string; readonly driver: string | null }[];
  readonly note?: string;
}

/** Run the release's sysfs steps on the model of the host's kernel (the same executor as apply). */
export function simulateReleaseOn(k: Kernel, r: Release): ReleaseSimulation {
  const res = applyPlan(k, r.plan, { sink: memorySink(), id: 'simulation', created: '' });
  const drivers = r.plan.devices.map((d) => { const c = currentDriver(k, d.bdf); return { bdf: d.bdf, driver: c.ok ? c.value : null }; });
  return { ok: res.ok, kernel: r.plan.kernel, steps: res.steps, drivers };
}
