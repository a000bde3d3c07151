import type { Command } from 'commander';
import type { FilePort } from '../../host/file-port.js';
import type { PersistMethod, PersistPlan } from '../../assign/persist.js';
import type { Viewed } from '../host-options.js';

export interface PersistOptions {
  /** --persist alone: driverctl; --persist=METHOD. */
  readonly persist?: boolean | string;
  readonly persistRoot?: string;
  readonly updateInitramfs?: boolean;
  readonly force?: boolean;
  readonly yes?: boolean;
}

export function addPersistOptions(cmd: Command): Command {
  return cmd
    .option('--persist [method]', 'also make the binding survive a reboot: driverctl (default; /etc/driverctl.d/pci-<BDF>), modprobe (/etc/modprobe.d ids= + softdeps), or cmdline (print the vfio-pci.ids= kernel parameter)')
    .option('--persist-root <dir>', 'the root directory persistence files are read from and written to (default: / on this host; required with --yes on any other host)')
    .option('--update-initramfs', "with --persist=modprobe --yes on this host: run the distribution's initramfs command");
}

export interface PersistChoice {
  readonly plan: PersistPlan;
  readonly files: FilePort;
  /** The root the files live under, as the journal records it. */
  readonly root: string;
}

/** The persistence method named by the options, null when --persist was not given, or a usage error. */
export function persistMethod(o: PersistOptions): { ok: true; value: PersistMethod | null } | { ok: false; why: string } {
  if (o.persist === undefined || o.persist === false) return { ok: true, value: null };
  const m = o.persist === true ? 'driverctl' : o.persist;
  return m === 'driverctl' || m === 'modprobe' || m === 'cmdline' ? { ok: true, value: m } : { ok: false, why: `--persist=${m}: choose driverctl, modprobe or cmdline` };
}

/**
 * The file port persistence reads and writes: --persist-root, else / on this host. Another host (a
 * capture, a sample, a tree) has no /etc of its own here: a dry run reads an empty root and says so,
 * and writing needs an explicit --persist-root.
 */
export async function persistFiles(viewed: Viewed, o: PersistOptions): Promise<{ files: FilePort; root: string } | string> {
  const { dirFilePort, memoryFilePort } = await import('../../host/file-port.js');
  if (o.persistRoot !== undefined) return { files: dirFilePort(o.persistRoot, { allowWrites: o.yes === true }), root: o.persistRoot };
  if (viewed.loaded.kind === 'live') return { files: dirFilePort('/', { allowWrites: o.yes === true }), root: '/' };
  if (o.yes === true) return `persistence files of ${viewed.loaded.label}: name the root they live under with --persist-root DIR`;
  return { files: memoryFilePort({}, { root: '(no --persist-root: an empty root)' }), root: '(no --persist-root: an empty root)' };
}

/** Plan persistence for the devices of a plan; a string is a usage error or an unreadable file. */
export async function persistFor(viewed: Viewed, method: PersistMethod, driver: string, devices: readonly { bdf: string; driver: string | null }[], o: PersistOptions): Promise<PersistChoice | string> {
  const f = await persistFiles(viewed, o);
  if (typeof f === 'string') return f;
  const { planPersistence } = await import('../../assign/persist.js');
  const all = viewed.view.groups.flatMap((g) => g.devices).concat(viewed.view.ungrouped);
  const critical = new Map(all.map((d) => [d.bdf, d.critical]));
  const names = new Map(all.map((d) => [d.bdf, d.deviceName !== null ? `"${d.vendorName ?? ''} ${d.deviceName}"`.replace('" ', '"') : null]));
  const p = planPersistence({
    method, driver, devices, host: viewed.loaded.host, critical: (b) => critical.get(b) ?? [], nameOf: (b) => names.get(b) ?? null, files: f.files,
    sysfs: viewed.loaded.port, force: o.force === true,
  });
  if (!p.ok) return `${p.errno}: ${p.why}`;
  return { plan: p.value, files: f.files, root: f.root };
}
