import { err, ok, type Result } from '../model/errno.js';
import type { HostDescription } from '../model/host-description.js';
import type { FilePort } from '../host/file-port.js';
import type { AssignPort } from './actions.js';
import { chooseVfioIds } from './vfio-ids.js';
import { modprobeChanges } from './persist-modprobe.js';
import { cmdlineParams } from './persist-cmdline.js';

/**
 * Boot persistence: what makes a binding survive a reboot, planned before anything is written and
 * shown in every dry run as the exact files and their contents (or the exact kernel parameters).
 * - `driverctl`: one file per device, /etc/driverctl.d/pci-<BDF>, holding the driver name (as
 *   `driverctl set-override` saves it); driverctl's udev rule and `driverctl@.service` apply it as a
 *   driver_override at boot.
 * - `modprobe`: /etc/modprobe.d/dmaown-vfio-pci.conf with `options vfio-pci ids=…` and a softdep per
 *   driver that would otherwise claim the devices first; the initramfs is rebuilt with the
 *   distribution's tool (printed; run only when asked).
 * - `cmdline`: the `vfio-pci.ids=…` kernel parameter, and where it goes; never written.
 * Id-based methods take every device with those ids: each one is named, and a host-critical one
 * refuses the plan unless forced. An existing file that cannot be read is an error, never "absent".
 */
export type PersistMethod = 'driverctl' | 'modprobe' | 'cmdline';
export const PERSIST_METHODS: readonly PersistMethod[] = ['driverctl', 'modprobe', 'cmdline'];

/** One file to write (`after`) or remove (`after: null`), with its exact previous bytes (base64; null: absent). */
export interface FileChange {
  readonly path: string;
  readonly before: string | null;
  readonly after: string | null;
}

export interface PersistRefusal {
  readonly bdf: string;
  readonly why: string;
  readonly hint: string;
}

export interface PersistPlan {
  readonly method: PersistMethod;
  readonly changes: readonly FileChange[];
  /** cmdline: the exact kernel parameters to add (never written by dmaown). */
  readonly kernelParams: readonly string[];
  /** Where parameters go, what a missing boot service means, ... */
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
  readonly refusals: readonly PersistRefusal[];
  /** modprobe: the initramfs command of the distribution found (printed; run only with --update-initramfs). */
  readonly initramfs: InitramfsCommand | null;
}

export interface InitramfsCommand {
  readonly distribution: string;
  readonly argv: readonly string[];
}

export interface PersistInput {
  readonly method: PersistMethod;
  /** The user-space driver the devices go to (vfio-pci). */
  readonly driver: string;
  /** The devices and the driver each is on before the plan (null: unbound). */
  readonly devices: readonly { readonly bdf: string; readonly driver: string | null }[];
  readonly host: HostDescription;
  /** Why a device is host-critical (empty: it is not). */
  readonly critical: (bdf: string) => readonly string[];
  /** The device's name (from pci.ids), for the warnings that name other devices; null when unknown. */
  readonly nameOf?: (bdf: string) => string | null;
  readonly files: FilePort;
  /** Sysfs, to read a driver's module name (/sys/bus/pci/drivers/D/module). */
  readonly sysfs?: AssignPort;
  readonly force?: boolean;
}

export const DRIVERCTL_DIR = '/etc/driverctl.d';
/** Where distributions install driverctl's boot-time pieces (udev rule, service template). */
export const DRIVERCTL_BOOT_FILES = [
  '/usr/lib/udev/rules.d/89-driverctl.rules', '/lib/udev/rules.d/89-driverctl.rules', '/etc/udev/rules.d/89-driverctl.rules',
  '/usr/lib/systemd/system/driverctl@.service', '/lib/systemd/system/driverctl@.service',
];

export function driverctlPath(bdf: string): string {
  return `${DRIVERCTL_DIR}/pci-${bdf}`;
}

export function driverctlContent(driver: string): string {
  return `${driver}\n`;
}

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const fromB64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
export const textOf = (s: string | null): string | null => (s === null ? null : Buffer.from(s, 'base64').toString('utf8'));

/**
 * The exact current bytes of `path` (base64), null when absent. Any other answer — EACCES, EISDIR,
 * EIO — is an error naming the file: a file we cannot read is never taken for an absent one.
 */
export function currentFile(files: FilePort, path: string): Result<string | null> {
  const r = files.read(path);
  if (r.ok) return ok(b64(r.value));
  if (r.errno === 'ENOENT') return ok(null);
  return err(r.errno, `${path} exists but cannot be read (${r.why}): refusing to replace or remove a file whose content could not be saved`);
}

/** A change to `path` so that it holds `after`; null when it already does. */
export function changeTo(files: FilePort, path: string, after: string | null): Result<FileChange | null> {
  const cur = currentFile(files, path);
  if (!cur.ok) return cur;
  if (after === null ? cur.value === null : cur.value !== null && textOf(cur.value) === after) return ok(null);
  return ok({ path, before: cur.value, after });
}

/** True when any of `paths` exists (an unreadable file exists too). */
export function anyExists(files: FilePort, paths: readonly string[]): boolean {
  return paths.some((p) => { const r = files.read(p); return r.ok || r.errno !== 'ENOENT'; });
}

/** Plan the persistence of a binding. Errors: an existing file that cannot be read (its errno, naming it). */
export function planPersistence(input: PersistInput): Result<PersistPlan> {
  if (input.method === 'driverctl') return driverctlPlan(input);
  if (input.driver !== 'vfio-pci' && input.driver !== 'pci-stub') {
    return ok({ method: input.method, changes: [], kernelParams: [], notes: [], warnings: [], initramfs: null,
      refusals: [{ bdf: '', why: `--persist=${input.method}: ${input.driver} has no ids= parameter (only vfio-pci and pci-stub do)`, hint: 'use --persist=driverctl' }] });
  }
  const choice = chooseVfioIds(input.host, input.devices.map((d) => d.bdf));
  const warnings: string[] = [...choice.narrowed], refusals: PersistRefusal[] = [];
  for (const a of choice.alsoTaken) {
    // The boot VGA device shows the console at boot, before anything could be unbound from it.
    const bootVga = input.host.pci.find((d) => d.bdf === a.bdf)?.bootVga === true;
    const crit = [...input.critical(a.bdf), ...(bootVga ? ['the boot VGA device: it shows the host console from the start of the boot'] : [])];
    const name = input.nameOf?.(a.bdf) ?? null;
    const what = `${a.bdf}${a.driver ? ` (${a.driver})` : ''}${name ? ` ${name}` : ''} has the same vendor:device and subsystem ids as ${a.like}: ids= cannot tell them apart, so at the next boot ${input.driver} takes ${a.bdf} too`;
    if (crit.length > 0 && input.force !== true) refusals.push({ bdf: a.bdf, why: `${what} — and it is host-critical: ${crit.join('; ')}`, hint: 'use --persist=driverctl (one file per device), or --force if you have another way into this host' });
    else warnings.push(crit.length > 0 ? `${what} — host-critical (${crit.join('; ')}); proceeding because of --force` : what);
  }
  const base = input.method === 'modprobe' ? modprobeChanges(input, choice.ids) : cmdlineParams(input, choice.ids);
  if (!base.ok) return base;
  return ok({ ...base.value, warnings: [...warnings, ...base.value.warnings], refusals: [...refusals, ...base.value.refusals] });
}

function driverctlPlan(input: PersistInput): Result<PersistPlan> {
  const changes: FileChange[] = [], notes: string[] = [];
  for (const d of input.devices) {
    const c = changeTo(input.files, driverctlPath(d.bdf), driverctlContent(input.driver));
    if (!c.ok) return c;
    if (c.value) changes.push(c.value);
    else notes.push(`${driverctlPath(d.bdf)} already holds ${input.driver}`);
  }
  const warnings: string[] = [];
  // driverctl installs a udev rule (89-driverctl.rules) that starts driverctl@.service for each new
  // device, which runs `driverctl load-override`: both are needed at boot.
  const udevDirs = ['/usr/lib/udev/rules.d', '/lib/udev/rules.d', '/etc/udev/rules.d'];
  const rule = udevDirs.some((d) => { const l = input.files.list(d); return l.ok && l.value.some((n) => /driverctl.*\.rules$/.test(n)); });
  const unit = anyExists(input.files, DRIVERCTL_BOOT_FILES.filter((f) => f.endsWith('.service')));
  const where = input.files.root === '/' ? 'this host' : input.files.root;
  if (!rule && !unit) {
    warnings.push(`driverctl is not installed on ${where} (no driverctl udev rule in ${udevDirs.join(', ')}, no driverctl@.service): the files are written, but nothing applies them at boot and the devices come up on their default drivers — install driverctl (apt-get install driverctl, dnf install driverctl, pacman -S driverctl)`);
  } else if (!rule || !unit) {
    warnings.push(`driverctl is incomplete on ${where}: ${rule ? 'driverctl@.service' : "driverctl's udev rule"} is missing, so the files are not applied at boot`);
  } else notes.push("driverctl's udev rule starts driverctl@.service for each device as it appears at boot, which applies the file as its driver_override");
  return ok({ method: 'driverctl', changes, kernelParams: [], notes, warnings, refusals: [], initramfs: null });
}
