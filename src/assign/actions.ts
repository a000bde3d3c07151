import { ok, type Failure, type Result, type SysErrno } from '../model/errno.js';

/**
 * The sysfs writes a plan is made of, each with the check that follows it. The same executor runs a
 * plan on the simulated kernel (`simulate.ts`), on the live host (`apply.ts`) and undoes it
 * (`restore.ts`): the port is the only difference.
 */
/** What assign needs of a host: a SysfsPort (live, capture) or the simulated Kernel both fit. */
export interface AssignPort {
  read(path: string): Result<string, SysErrno>;
  readLink(path: string): Result<string, SysErrno>;
  list(path: string): Result<string[], SysErrno>;
  write(path: string, data: string): Result<void, SysErrno>;
  /** `modprobe NAME` (live host: an argument vector, never a shell string; the model: load_module). Absent: cannot load modules. */
  loadModule?(name: string): Result<void, SysErrno>;
  /** `modprobe -r NAME`. */
  unloadModule?(name: string): Result<void, SysErrno>;
}

export type Action =
  /** write `value` (null: clear, as `echo > driver_override`) to /sys/bus/pci/devices/BDF/driver_override. */
  | { readonly op: 'override'; readonly bdf: string; readonly value: string | null }
  /** write BDF to /sys/bus/pci/drivers/DRIVER/unbind. */
  | { readonly op: 'unbind'; readonly bdf: string; readonly driver: string }
  /** write BDF to /sys/bus/pci/drivers_probe (the match honours driver_override). */
  | { readonly op: 'probe'; readonly bdf: string }
  /** write BDF to /sys/bus/pci/drivers/DRIVER/bind. */
  | { readonly op: 'bind'; readonly bdf: string; readonly driver: string }
  /** read /sys/bus/pci/devices/BDF/driver and expect DRIVER (null: no driver). */
  | { readonly op: 'verify'; readonly bdf: string; readonly driver: string | null }
  /**
   * write ID ("vendor device [subvendor subdevice]") to /sys/bus/pci/drivers/DRIVER/remove_id: the
   * dynamic id that `ids=` or new_id gave the driver (remove_id_store; ENODEV: there was none — skipped).
   */
  | { readonly op: 'remove-id'; readonly bdf: string; readonly driver: string; readonly id: string }
  /** write ID to /sys/bus/pci/drivers/DRIVER/new_id (the undo of remove-id; new_id_store autoprobes; EEXIST: already there — skipped). */
  | { readonly op: 'new-id'; readonly bdf: string; readonly driver: string; readonly id: string }
  /** unbind whatever driver BDF is on unless it is EXCEPT (the undo of a release's probe, whose driver the host chose). */
  | { readonly op: 'unbind-other'; readonly bdf: string; readonly except: string }
  /** read /sys/bus/pci/devices/BDF/driver and expect any driver but DRIVER, or none. */
  | { readonly op: 'verify-not'; readonly bdf: string; readonly driver: string }
  /** `modprobe DRIVER`: register the user-space driver (its module load runs driver_register → driver_attach). */
  | { readonly op: 'modprobe'; readonly driver: string }
  /** `modprobe -r DRIVER`, only while no device is bound to it (the inverse of a modprobe dmaown did). */
  | { readonly op: 'rmmod'; readonly driver: string };

/** The actions that act on a device (every one but the module loads). */
export type DeviceAction = Extract<Action, { readonly bdf: string }>;
export const isDeviceAction = (a: Action): a is DeviceAction => a.op !== 'modprobe' && a.op !== 'rmmod';

/** A failed action: the errno, the reason and, from the simulated kernel, the kernel call path. */
export interface ActionFailure {
  readonly errno: SysErrno | 'verify';
  readonly why: string;
  readonly calls?: readonly string[];
}

/** `wrote`: the write was performed (a failure after it — the check — may have left an effect to undo). */
export type ActionResult = { readonly ok: true; readonly skipped?: boolean } | ({ readonly ok: false; readonly wrote: boolean } & ActionFailure);

const dev = (bdf: string): string => `/sys/bus/pci/devices/${bdf}`;

/** The (path, data) pair a write action performs, for display and for the journal. */
export function actionWrite(a: Action): { path: string; data: string } | null {
  switch (a.op) {
    case 'override': return { path: `${dev(a.bdf)}/driver_override`, data: a.value === null ? '\n' : a.value };
    case 'unbind': return { path: `/sys/bus/pci/drivers/${a.driver}/unbind`, data: a.bdf };
    case 'probe': return { path: '/sys/bus/pci/drivers_probe', data: a.bdf };
    case 'bind': return { path: `/sys/bus/pci/drivers/${a.driver}/bind`, data: a.bdf };
    case 'remove-id': return { path: `/sys/bus/pci/drivers/${a.driver}/remove_id`, data: a.id };
    case 'new-id': return { path: `/sys/bus/pci/drivers/${a.driver}/new_id`, data: a.id };
    case 'unbind-other': return { path: `${dev(a.bdf)}/driver/unbind`, data: a.bdf };
    case 'verify': case 'verify-not': case 'modprobe': case 'rmmod': return null;
  }
}

/** One line a user could paste into a root shell to do the same. */
export function actionText(a: Action): string {
  if (a.op === 'verify-not') return `verify ${dev(a.bdf)}/driver is not ${a.driver}`;
  if (a.op === 'modprobe') return `modprobe ${a.driver}`;
  if (a.op === 'rmmod') return `modprobe -r ${a.driver}   (only if no device is bound to it)`;
  const w = actionWrite(a);
  if (!w) return `verify ${dev(a.bdf)}/driver ${a.op === 'verify' && a.driver ? `-> ${a.driver}` : 'is absent'}`;
  const data = w.data === '\n' ? "''" : /\s/.test(w.data) ? `'${w.data}'` : w.data;
  return `echo ${data} > ${w.path}${a.op === 'unbind-other' ? ` (unless on ${a.except})` : ''}`;
}

/** The bound driver's name, read from the driver link (null when unbound). */
export function currentDriver(port: AssignPort, bdf: string): Result<string | null, SysErrno> {
  const l = port.readLink(`${dev(bdf)}/driver`);
  if (l.ok) return ok(l.value.split('/').pop() ?? null);
  return l.errno === 'ENOENT' ? ok(null) : l;
}

/** driver_override as a value: null for "(null)" or empty. */
export function currentOverride(port: AssignPort, bdf: string): Result<string | null, SysErrno> {
  const r = port.read(`${dev(bdf)}/driver_override`);
  if (!r.ok) return r.errno === 'ENOENT' ? ok(null) : r;
  const v = r.value.trim();
  return ok(v === '' || v === '(null)' ? null : v);
}

function failure(r: Failure<SysErrno>, wrote = false): ActionResult {
  return r.calls ? { ok: false, wrote, errno: r.errno, why: r.why, calls: r.calls } : { ok: false, wrote, errno: r.errno, why: r.why };
}

/**
 * Perform one action and check its effect. `mode`:
 * - 'strict' (apply, simulate): preconditions must hold as planned (the host did not change under us);
 * - 'ensure' (rollback, restore): skip what is already in the wanted state, so replaying an undo list
 *   after a crash at any point is safe.
 */
export function runAction(port: AssignPort, a: Action, mode: 'strict' | 'ensure'): ActionResult {
  if (!isDeviceAction(a)) return runModuleAction(port, a);
  const cur = currentDriver(port, a.bdf);
  if (!cur.ok) return failure(cur);
  if (a.op === 'verify') {
    return cur.value === a.driver ? { ok: true }
      : { ok: false, wrote: false, errno: 'verify', why: `${a.bdf}: driver is ${cur.value ?? 'none'}, expected ${a.driver ?? 'none'}` };
  }
  if (a.op === 'verify-not') {
    return cur.value !== a.driver ? { ok: true } : { ok: false, wrote: false, errno: 'verify', why: `${a.bdf}: still on ${a.driver}` };
  }
  if (a.op === 'unbind-other') {
    if (cur.value === null || cur.value === a.except) return { ok: true, skipped: true };
    const r = port.write(`/sys/bus/pci/drivers/${cur.value}/unbind`, a.bdf);
    if (!r.ok) return r.errno === 'oops' || r.errno === 'blocked' ? failure(r, true) : failure(r);
    return checkEffect(port, { op: 'unbind', bdf: a.bdf, driver: cur.value });
  }
  if (a.op === 'remove-id' || a.op === 'new-id') {
    const w = actionWrite(a)!;
    const r = port.write(w.path, w.data);
    if (r.ok) return { ok: true };
    if ((a.op === 'remove-id' && r.errno === 'ENODEV') || (a.op === 'new-id' && r.errno === 'EEXIST')) return { ok: true, skipped: true };
    return r.errno === 'oops' || r.errno === 'blocked' ? failure(r, true) : failure(r);
  }
  if (mode === 'ensure') {
    if (a.op === 'unbind' && cur.value !== a.driver) return { ok: true, skipped: true };
    if (a.op === 'bind' && cur.value === a.driver) return { ok: true, skipped: true };
    if (a.op === 'probe' && cur.value !== null) return { ok: true, skipped: true };
  } else if (a.op === 'unbind' && cur.value !== a.driver) {
    return { ok: false, wrote: false, errno: 'verify', why: `${a.bdf}: expected driver ${a.driver}, found ${cur.value ?? 'none'} (host changed since the plan)` };
  }
  const w = actionWrite(a)!;
  const r = port.write(w.path, w.data);
  if (!r.ok) return r.errno === 'oops' || r.errno === 'blocked' ? failure(r, true) : failure(r);
  return checkEffect(port, a);
}

/** Devices bound to `driver` (the BDF links in its directory), or null when the driver is not registered. */
function boundTo(port: AssignPort, driver: string): string[] | null {
  const l = port.list(`/sys/bus/pci/drivers/${driver}`);
  return l.ok ? l.value.filter((n) => /^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(n)) : null;
}

/**
 * modprobe: already registered → nothing to do; after the load the driver's directory must exist.
 * rmmod (ensure only: it is an inverse): skipped when the driver is gone or still has devices.
 */
function runModuleAction(port: AssignPort, a: Extract<Action, { op: 'modprobe' | 'rmmod' }>): ActionResult {
  const bound = boundTo(port, a.driver);
  if (a.op === 'modprobe') {
    if (bound !== null) return { ok: true, skipped: true };
    if (!port.loadModule) return { ok: false, wrote: false, errno: 'EOPNOTSUPP', why: `modprobe ${a.driver}: this host source cannot load kernel modules` };
    const r = port.loadModule(a.driver);
    if (!r.ok) return failure(r, true);
    return boundTo(port, a.driver) !== null ? { ok: true }
      : { ok: false, wrote: true, errno: 'verify', why: `modprobe ${a.driver} succeeded but /sys/bus/pci/drivers/${a.driver} does not exist` };
  }
  if (bound === null || bound.length > 0) return { ok: true, skipped: true };
  if (!port.unloadModule) return { ok: false, wrote: false, errno: 'EOPNOTSUPP', why: `modprobe -r ${a.driver}: this host source cannot unload kernel modules` };
  const r = port.unloadModule(a.driver);
  if (!r.ok) return failure(r, true);
  return boundTo(port, a.driver) === null ? { ok: true }
    : { ok: false, wrote: true, errno: 'verify', why: `modprobe -r ${a.driver} succeeded but /sys/bus/pci/drivers/${a.driver} is still there` };
}

function checkEffect(port: AssignPort, a: DeviceAction): ActionResult {
  if (a.op === 'override') {
    const o = currentOverride(port, a.bdf);
    if (!o.ok) return failure(o, true);
    return o.value === a.value ? { ok: true }
      : { ok: false, wrote: true, errno: 'verify', why: `${a.bdf}: driver_override reads ${o.value ?? '(null)'}, expected ${a.value ?? '(null)'}` };
  }
  const d = currentDriver(port, a.bdf);
  if (!d.ok) return failure(d, true);
  if (a.op === 'unbind' && d.value !== null) return { ok: false, wrote: true, errno: 'verify', why: `${a.bdf}: still bound to ${d.value} after unbind` };
  if (a.op === 'bind' && d.value !== a.driver) return { ok: false, wrote: true, errno: 'verify', why: `${a.bdf}: bind to ${a.driver} reported success but the driver is ${d.value ?? 'none'}` };
  return { ok: true };
}
