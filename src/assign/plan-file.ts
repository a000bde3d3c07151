import { err, ok, type Result } from '../model/errno.js';
import { shown } from '../host/shown.js';
import type { Action } from './actions.js';
import { DRIVER_NAME_RE, parseAction, parseDevices } from './journal-check.js';
import type { Plan, PlanDevice, Via } from './plan.js';

/**
 * A plan file (`dmaown plan --json > plan.json`) is untrusted input: it is parsed against its schema
 * for what it asks — which devices, which driver, which VFIO path — and its steps are never run as
 * written. `apply PLAN` plans those devices again on the host as it is now (every refusal and guard of
 * `plan`), and goes on only when the fresh steps are the file's steps (the host did not change and the
 * file was not edited); the fresh plan is then simulated and applied.
 */
export interface PlanRequest {
  readonly kernel: string;
  readonly driver: string;
  readonly via: Via;
  readonly devices: readonly PlanDevice[];
  readonly steps: readonly { readonly action: Action; readonly inverse: readonly Action[] }[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

export function parsePlanFile(doc: unknown, where: string): Result<PlanRequest> {
  const hint = '(write one with dmaown plan BDF... --json)';
  if (!isRecord(doc)) return err('EINVAL', `${where}: not a JSON object ${hint}`);
  if (own(doc, 'format') !== 'dmaown-plan/1') return err('EINVAL', `${where}: "format" is ${shown(own(doc, 'format'), 40)}, not "dmaown-plan/1" ${hint}`);
  const refusals = own(doc, 'refusals');
  if (Array.isArray(refusals) && refusals.length > 0) return err('EINVAL', `${where}: the plan was refused when it was made (${refusals.length} refusals): nothing to apply`);
  const kernel = own(doc, 'kernel'), driver = own(doc, 'driver'), via = own(doc, 'via') ?? 'group';
  if (typeof kernel !== 'string' || kernel.length > 200) return err('EINVAL', `${where}: "kernel" is ${shown(kernel, 40)}, not a kernel release`);
  if (typeof driver !== 'string' || !DRIVER_NAME_RE.test(driver)) return err('EINVAL', `${where}: "driver" is ${shown(driver, 60)}, not a driver name`);
  if (via !== 'group' && via !== 'cdev') return err('EINVAL', `${where}: "via" is ${shown(via, 40)}, not group or cdev`);
  const devices = parseDevices(own(doc, 'devices'), `${where}: devices`);
  if (!devices.ok) return devices;
  if (!devices.value.some((d) => d.requested)) return err('EINVAL', `${where}: no device is marked requested`);
  const rawSteps = own(doc, 'steps');
  if (!Array.isArray(rawSteps) || rawSteps.length === 0 || rawSteps.length > 4 * 4096 + 16) return err('EINVAL', `${where}: "steps" must be a non-empty list ${hint}`);
  const steps: { action: Action; inverse: Action[] }[] = [];
  for (const [i, s] of rawSteps.entries()) {
    if (!isRecord(s)) return err('EINVAL', `${where}: steps[${i}] is not an object`);
    const a = parseAction(own(s, 'action'), `${where}: steps[${i}].action`);
    if (!a.ok) return a;
    const inv = own(s, 'inverse');
    if (!Array.isArray(inv) || inv.length > 8) return err('EINVAL', `${where}: steps[${i}].inverse must be a list of at most 8 actions`);
    const inverse: Action[] = [];
    for (const [k, x] of inv.entries()) {
      const r = parseAction(x, `${where}: steps[${i}].inverse[${k}]`);
      if (!r.ok) return r;
      inverse.push(r.value);
    }
    steps.push({ action: a.value, inverse });
  }
  return ok({ kernel, driver, via, devices: devices.value, steps });
}

/** Why the fresh plan is not the file's plan (empty: they are the same steps on the same devices). */
export function planDifferences(file: PlanRequest, fresh: Plan): string[] {
  const out: string[] = [];
  const key = (d: PlanDevice): string => `${d.bdf} ${d.driver ?? 'none'} ${d.driverOverride ?? '(null)'}`;
  const was = file.devices.map(key).sort(), now = fresh.devices.map(key).sort();
  for (const d of was) if (!now.includes(d)) out.push(`the plan file has device ${d}; the host now: ${now.find((x) => x.split(' ')[0] === d.split(' ')[0]) ?? 'not planned'}`);
  for (const d of now) if (!was.includes(d) && !out.some((o) => o.includes(d))) out.push(`the host now needs ${d}, which the plan file does not move`);
  if (out.length > 0) return out;
  const n = Math.max(file.steps.length, fresh.steps.length);
  for (let i = 0; i < n; i++) {
    const f = file.steps[i], g = fresh.steps[i];
    const a = f === undefined ? 'nothing' : JSON.stringify({ action: f.action, inverse: f.inverse });
    const b = g === undefined ? 'nothing' : JSON.stringify({ action: g.action, inverse: g.inverse });
    if (a !== b) { out.push(`step ${i + 1}: the plan file says ${shown(a, 160)}, planned now: ${shown(b, 160)}`); break; }
  }
  return out;
}
