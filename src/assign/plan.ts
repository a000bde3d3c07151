import type { Action } from './actions.js';
import { actionText } from './actions.js';
import type { DeviceView, GroupView, HostView } from './inspect.js';
import type { GroupReasons } from './why.js';
import { moduleName } from '../host/evidence.js';
import type { Diagnosis } from './diagnosis.js';

/**
 * A plan: the ordered sysfs writes that hand the requested devices (and, when allowed, the other
 * kernel-driver members of their groups) to a user-space driver, following the field's safe-binding
 * rules (spec/users.md): per-device driver_override (never new_id), unbind every member first, then
 * drivers_probe, then verify the driver link; never bridges; no SR-IOV PF with VFs enabled; no
 * host-critical device unless forced. Each step carries its inverse, recorded before it runs.
 */
export interface PlanStep {
  readonly action: Action;
  /** What undoes this step, run in order (restore runs the inverses of all steps in reverse). */
  readonly inverse: readonly Action[];
  readonly text: string;
}

export interface PlanDevice {
  readonly bdf: string;
  readonly group: number;
  readonly driver: string | null;
  readonly driverOverride: string | null;
  /** Named on the command line (false: an --allow-group-member taken along). */
  readonly requested: boolean;
}

export interface Plan {
  readonly format: 'dmaown-plan/1';
  readonly kernel: string;
  readonly driver: string;
  readonly groups: readonly number[];
  readonly devices: readonly PlanDevice[];
  readonly steps: readonly PlanStep[];
  readonly warnings: readonly string[];
  /** How user space will open the devices, and so how the simulation proves the plan (default 'group'). */
  readonly via?: Via;
}

/** The VFIO path user space takes: the group/container path (/dev/vfio/N) or the device cdev with iommufd (6.6+). */
export type Via = 'group' | 'cdev';

export type RefusalCode =
  | 'unknown-device' | 'no-iommu-group' | 'bridge' | 'sriov-pf' | 'host-critical' | 'group-member'
  | 'blocking-bridge' | 'in-use' | 'no-cdev' | 'driver-unavailable' | 'simulation' | 'unknown' | 'dma-alias-outside-group';

export interface Refusal {
  readonly bdf: string;
  readonly code: RefusalCode;
  readonly why: string;
  /** How to proceed, when there is a way. */
  readonly hint: string | null;
  /** group-member, blocking-bridge: why the devices share the IOMMU group (`dmaown explain`). */
  readonly reasons?: readonly string[];
  /** dma-alias-outside-group: the device outside the group, the shared requester ID, the kernel log line, the remedy. */
  readonly diagnosis?: Diagnosis;
}

export interface PlanOptions {
  readonly driver?: string;
  readonly allowGroupMembers?: readonly string[];
  readonly force?: boolean;
  readonly via?: Via;
  /** Why group members share their group, for the refusals that name a group member. */
  readonly why?: GroupReasons;
}

export type PlanOutcome =
  | { readonly ok: true; readonly plan: Plan }
  | { readonly ok: false; readonly refusals: readonly Refusal[]; readonly partial: Plan | null };

/** Plan the hand-over of `bdfs` (full form) on the host `view`. Refuses rather than plans anything unsafe. */
export function makePlan(view: HostView, bdfs: readonly string[], opts: PlanOptions = {}): PlanOutcome {
  const driver = opts.driver ?? 'vfio-pci';
  const warnings: string[] = [];
  const c = planChecks(view, bdfs, opts, driver, warnings);
  const plan = buildPlan(view.kernel, driver, c.groups.map((g) => g.id), c.moves.map((m) => ({
    bdf: m.d.bdf, group: m.g.id, driver: m.d.driver, driverOverride: m.d.driverOverride, requested: m.requested,
  })), warnings, c.loadDriver);
  const withVia: Plan = { ...plan, via: opts.via ?? 'group' };
  return c.refusals.length > 0 ? { ok: false, refusals: c.refusals, partial: withVia } : { ok: true, plan: withVia };
}

/**
 * The refusals `makePlan(view, bdfs, opts)` answers with (empty: it plans), without building the plan's
 * steps or warnings: `status` asks this of every group (plan.test.ts checks it equals makePlan's).
 */
export function planRefusals(view: HostView, bdfs: readonly string[], opts: PlanOptions = {}): readonly Refusal[] {
  return planChecks(view, bdfs, opts, opts.driver ?? 'vfio-pci', null).refusals;
}

interface PlanChecks {
  readonly refusals: readonly Refusal[];
  readonly groups: readonly GroupView[];
  readonly moves: readonly { readonly d: DeviceView; readonly g: GroupView; readonly requested: boolean }[];
  readonly loadDriver: boolean;
}

/** Every check of makePlan, in its order; `warnings` (null: not wanted) receives the plan's warnings. */
function planChecks(view: HostView, bdfs: readonly string[], opts: PlanOptions, driver: string, warnings: string[] | null): PlanChecks {
  const allowed = new Set(opts.allowGroupMembers ?? []);
  const refusals: Refusal[] = [];
  const byBdf = new Map<string, { d: DeviceView; g: GroupView | null }>();
  for (const g of view.groups) for (const d of g.devices) byBdf.set(d.bdf, { d, g });
  for (const d of view.ungrouped) byBdf.set(d.bdf, { d, g: null });
  const groups: GroupView[] = [];
  for (const b of bdfs) {
    const e = byBdf.get(b);
    if (!e) { refusals.push({ bdf: b, code: 'unknown-device', why: `${b}: no such PCI device on this host`, hint: 'run `dmaown` to list the devices' }); continue; }
    if (!e.g && e.d.unknown?.includes('group')) { refusals.push({ bdf: b, code: 'unknown', why: `${b}: its IOMMU group is unknown (the pasted output does not list groups)`, hint: 'paste the IOMMU group listing or `lspci -vmm` as well' }); continue; }
    if (!e.g && e.d.noGroup) { refusals.push({ bdf: b, code: 'no-iommu-group', why: e.d.noGroup.why, hint: e.d.noGroup.hint }); continue; }
    if (!e.g) { refusals.push({ bdf: b, code: 'no-iommu-group', why: `${b} has no IOMMU group (vfio-pci probe fails with EINVAL)`, hint: 'enable the IOMMU (intel_iommu=on / amd_iommu=on, VT-d/AMD-Vi in firmware)' }); continue; }
    if (!groups.includes(e.g)) groups.push(e.g);
  }
  const moves: { d: DeviceView; g: GroupView; requested: boolean }[] = [];
  for (const g of groups.sort((a, b) => a.id - b.id)) {
    for (const h of g.holders) {
      refusals.push({ bdf: g.devices[0]?.bdf ?? '', code: 'in-use', why: `group ${g.id} is in use: ${h.path} held by ${h.comm} (pid ${h.pid})`, hint: 'stop that process first' });
    }
    for (const b of g.blockers) {
      if (b.kind === 'unknown' && !g.devices.some((d) => d.bdf === b.bdf && d.role === 'unknown')) {
        refusals.push({ bdf: b.bdf, code: 'unknown', why: b.why, hint: 'paste the whole IOMMU group listing of this host' });
      }
      // A device outside the group on the same requester ID: the kernel will not refuse its driver, so dmaown does.
      if (b.kind === 'dma-alias') {
        refusals.push({ bdf: b.bdf, code: 'dma-alias-outside-group', why: `group ${g.id} is not isolated: ${b.why}`,
          hint: b.diagnosis?.remedy ?? `unbind ${b.driver} from ${b.bdf} first`, ...(b.diagnosis ? { diagnosis: b.diagnosis } : {}) });
      }
    }
    for (const d of g.devices) {
      if (d.role === 'unknown') {
        refusals.push({ bdf: d.bdf, code: 'unknown', why: `which driver ${d.bdf} (group ${g.id}) is bound to is unknown: the pasted output does not say, so neither does the verdict`, hint: 'paste `lspci -nnk` (or `lspci -vmm -k`) of this host as well' });
        continue;
      }
      const requested = bdfs.includes(d.bdf);
      if (requested) {
        if (d.bridge) { refusals.push({ bdf: d.bdf, code: 'bridge', why: `${d.bdf} is a bridge; bridges are never moved (vfio-pci refuses non-normal headers with EINVAL)`, hint: 'name the endpoint devices behind it instead' }); continue; }
      } else if (!d.blocks || d.driver === driver) {
        continue; // exempt members stay as they are
      } else if (d.bridge) {
        refusals.push({ bdf: d.bdf, code: 'blocking-bridge', why: `${d.bdf} is a bridge bound to ${d.driver}, which counts as a kernel DMA user since 5.19`, hint: `unbind ${d.driver} from it or bind it to pci-stub`, reasons: opts.why?.(g.id) ?? [] });
        continue;
      } else if (!allowed.has(d.bdf)) {
        refusals.push({ bdf: d.bdf, code: 'group-member', why: `${d.bdf} (${d.driver}) shares IOMMU group ${g.id} with ${bdfs.filter((x) => g.devices.some((m) => m.bdf === x)).join(', ')} and would have to leave its driver`, hint: `add --allow-group-member ${d.bdf}`, reasons: opts.why?.(g.id) ?? [] });
        continue;
      }
      if ((d.sriovNumvfs ?? 0) > 0) {
        refusals.push({ bdf: d.bdf, code: 'sriov-pf', why: `${d.bdf} is an SR-IOV PF with ${d.sriovNumvfs} VFs enabled (vfio-pci probe: EBUSY "Cannot bind to PF with SR-IOV enabled")`, hint: `echo 0 > /sys/bus/pci/devices/${d.bdf}/sriov_numvfs, or assign its VFs` });
        continue;
      }
      if (d.critical.length > 0 && !opts.force) {
        refusals.push({ bdf: d.bdf, code: 'host-critical', why: `${d.bdf} is host-critical: ${d.critical.join('; ')}`, hint: 'use --force only if you have another way into this host' });
        continue;
      }
      if (d.critical.length > 0) warnings?.push(`${d.bdf} is host-critical (${d.critical.join('; ')}); proceeding because of --force`);
      if (warnings !== null && d.resetMethod !== null && !d.resetMethod.includes('flr')) warnings.push(`${d.bdf} has no function-level reset (reset_method: ${d.resetMethod.join(' ') || 'none'})`);
      moves.push({ d, g, requested });
    }
  }
  const load = driverLoad(view, driver);
  if (load.kind === 'absent') refusals.push({ bdf: '', code: 'driver-unavailable', why: load.why, hint: load.hint });
  if (warnings !== null) {
    if (load.kind === 'load' && load.warning !== null) warnings.push(load.warning);
    for (const a of allowed) {
      if (!moves.some((m) => m.d.bdf === a)) warnings.push(`--allow-group-member ${a}: not needed (not a blocking member of the planned groups)`);
    }
  }
  return { refusals, groups, moves, loadDriver: load.kind === 'load' };
}

/**
 * The drivers a plan may hand devices to: vfio-pci, a vfio-pci variant driver (`*-vfio-pci`,
 * `*_vfio_pci`: they register vfio devices and set driver_managed_dma), or pci-stub (parks a device,
 * driver_managed_dma, exempt from 5.10's viability walk). Returns why another name is refused, or null.
 */
export function userDriverProblem(driver: string): string | null {
  if (driver === 'vfio-pci' || driver === 'pci-stub' || /^[a-z0-9_]{1,40}[-_]vfio[-_]pci$/.test(driver)) return null;
  const shown = JSON.stringify(driver.length > 60 ? `${driver.slice(0, 57)}...` : driver);
  return `--driver ${shown}: not a user-space driver dmaown can hand devices to (vfio-pci, a vfio-pci variant such as mlx5_vfio_pci, or pci-stub)`;
}

/** Is `driver` registered, or can it be loaded? From /sys/bus/pci/drivers and the host's module evidence. */
export function driverLoad(view: HostView, driver: string):
  | { readonly kind: 'loaded' }
  | { readonly kind: 'load'; readonly warning: string | null }
  | { readonly kind: 'absent'; readonly why: string; readonly hint: string } {
  if (view.drivers.includes(driver)) return { kind: 'loaded' };
  const state = view.modules?.[moduleName(driver)];
  if (state === 'absent') {
    return { kind: 'absent', why: `${driver} is not registered and its module is not available for kernel ${view.kernel} (not loaded, not built in, not in modules.dep)`,
      hint: `install the kernel's module package that carries ${driver} (Ubuntu: linux-modules-extra-${view.kernel}), then plan again` };
  }
  if (state === 'available' || state === 'loaded' || state === 'builtin') return { kind: 'load', warning: null };
  return { kind: 'load', warning: `${driver} is not loaded, and this host's source does not say whether its module is available for ${view.kernel}: the plan loads it first (modprobe ${driver})` };
}

/**
 * The steps for a set of devices: load the driver if needed, then overrides, then every unbind, then
 * every probe, then every verify. A device already on `driver` is ready: no step but its verify.
 */
export function buildPlan(kernel: string, driver: string, groups: readonly number[], devices: readonly PlanDevice[], warnings: readonly string[] = [], loadDriver = false): Plan {
  const steps: PlanStep[] = [];
  const step = (action: Action, inverse: Action[]): void => { steps.push({ action, inverse, text: actionText(action) }); };
  if (loadDriver) step({ op: 'modprobe', driver }, [{ op: 'rmmod', driver }]);
  const todo = devices.filter((d) => d.driver !== driver);
  for (const d of todo) {
    if (d.driverOverride !== driver) step({ op: 'override', bdf: d.bdf, value: driver }, [{ op: 'override', bdf: d.bdf, value: d.driverOverride }]);
  }
  for (const d of todo) {
    if (d.driver !== null && d.driver !== driver) {
      step({ op: 'unbind', bdf: d.bdf, driver: d.driver },
        [{ op: 'override', bdf: d.bdf, value: d.driverOverride }, { op: 'bind', bdf: d.bdf, driver: d.driver }]);
    }
  }
  for (const d of todo) {
    if (d.driver !== driver) step({ op: 'probe', bdf: d.bdf }, [{ op: 'unbind', bdf: d.bdf, driver }]);
  }
  for (const d of todo) step({ op: 'verify', bdf: d.bdf, driver }, []);
  return { format: 'dmaown-plan/1', kernel, driver, groups, devices, steps, warnings };
}
