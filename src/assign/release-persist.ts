import { err, ok, type Result } from '../model/errno.js';
import type { HostDescription, PciDeviceDesc } from '../model/host-description.js';
import { readText, type FilePort } from '../host/file-port.js';
import { changeTo, currentFile, driverctlPath, type FileChange } from './persist.js';
import { MODPROBE_DIR, MODPROBE_FILE, initramfsCommand } from './persist-modprobe.js';
import { cmdlineVfioIds, parseVfioIds, vfioIdMatches, type VfioId } from './vfio-ids.js';

/**
 * The persistence that binds devices to a user-space driver at boot, found and planned for removal by
 * `release`: driverctl files (removed), ids in /etc/modprobe.d `options <driver> ids=` lines (those ids
 * taken out of the line; dmaown's own file removed once empty), and ids on the kernel command line
 * (a note: dmaown never edits boot loader files). Unreadable files are errors, never "absent".
 */
export interface ReleasePersistence {
  readonly changes: readonly FileChange[];
  /** The dynamic ids ids= gave the driver, per device (remove_id before re-probing). */
  readonly ids: ReadonlyMap<string, readonly VfioId[]>;
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
}

const optionWords = (line: string): string[] => line.trim().split(/\s+/);

/** A modprobe.d text without the ids that match `devs`; null when nothing changes. */
function withoutIds(text: string, module: string, devs: readonly PciDeviceDesc[], removed: VfioId[]): string | null {
  const mod = module.replace(/-/g, '_');
  let changed = false;
  const lines = text.split('\n').flatMap((line) => {
    const w = optionWords(line);
    if (w[0] !== 'options' || (w[1] ?? '').replace(/-/g, '_') !== mod) return [line];
    const params = w.slice(2).flatMap((p) => {
      if (!p.startsWith('ids=')) return [p];
      const ids = parseVfioIds(p.slice(4));
      const keep = ids.filter((i) => !devs.some((d) => vfioIdMatches(i, d)));
      if (keep.length === ids.length) return [p];
      changed = true;
      removed.push(...ids.filter((i) => !keep.includes(i)));
      return keep.length > 0 ? [`ids=${keep.map((i) => i.text).join(',')}`] : [];
    });
    return params.length > 0 ? [`${w[0]} ${w[1]} ${params.join(' ')}`] : [];
  });
  return changed ? lines.join('\n') : null;
}

export function releasePersistence(host: HostDescription, bdfs: readonly string[], driver: string, files: FilePort): Result<ReleasePersistence> {
  const devs = bdfs.map((b) => host.pci.find((d) => d.bdf === b)).filter((d): d is PciDeviceDesc => d !== undefined);
  const changes: FileChange[] = [], notes: string[] = [], warnings: string[] = [];
  const ids = new Map<string, VfioId[]>();
  const addIds = (list: readonly VfioId[]): void => {
    for (const d of devs) for (const i of list) if (vfioIdMatches(i, d) && !(ids.get(d.bdf) ?? []).some((x) => x.text === i.text)) ids.set(d.bdf, [...(ids.get(d.bdf) ?? []), i]);
  };
  for (const d of devs) {
    const c = currentFile(files, driverctlPath(d.bdf));
    if (!c.ok) return c;
    if (c.value !== null) changes.push({ path: driverctlPath(d.bdf), before: c.value, after: null });
  }
  const names = files.list(MODPROBE_DIR);
  if (!names.ok && names.errno !== 'ENOENT') return err(names.errno, `${MODPROBE_DIR} cannot be listed (${names.why})`);
  const removedAll: VfioId[] = [];
  for (const n of names.ok ? names.value : []) {
    if (!n.endsWith('.conf')) continue;
    const path = `${MODPROBE_DIR}/${n}`;
    const t = readText(files, path);
    if (!t.ok) return err(t.errno, `${path} exists but cannot be read (${t.why}): it may hold ids that bind these devices`);
    const removed: VfioId[] = [];
    const next = withoutIds(t.value, driver, devs, removed);
    if (next === null) continue;
    addIds(removed);
    removedAll.push(...removed);
    const empty = path === MODPROBE_FILE && !/^options /m.test(next);
    const c = changeTo(files, path, empty ? null : next);
    if (!c.ok) return c;
    if (c.value) changes.push(c.value);
    notes.push(`${path}: ${empty ? 'removed (it held only these ids)' : `ids ${removed.map((i) => i.text).join(',')} taken out of its ${driver} options`}`);
  }
  if (removedAll.length > 0) {
    const others = host.pci.filter((x) => !bdfs.includes(x.bdf) && removedAll.some((i) => vfioIdMatches(i, x)));
    for (const o of others) warnings.push(`${o.bdf} has the same ids: without them in modprobe.d it too comes up on its own driver at the next boot`);
    const cmd = initramfsCommand(files);
    if (!cmd.ok) return cmd;
    notes.push(`rebuild the initramfs so that it holds the new modprobe.d${cmd.value ? `: ${cmd.value.argv.join(' ')}` : ''}`);
  }
  for (const e of cmdlineVfioIds(host.cmdline)) {
    const hit = e.ids.filter((i) => devs.some((d) => vfioIdMatches(i, d)));
    if (hit.length === 0) continue;
    addIds(hit);
    const keep = e.ids.filter((i) => !hit.includes(i));
    notes.push(`the ids come from the kernel command line (${e.word}): ${keep.length > 0 ? `replace it with ${e.word.slice(0, e.word.indexOf('=') + 1)}${keep.map((i) => i.text).join(',')}` : 'remove it'} in /etc/default/grub (then update-grub) or /etc/kernel/cmdline / the loader entry (systemd-boot), or ${driver} takes the device again at the next boot — dmaown never edits boot loader files`);
  }
  return ok({ changes, ids, notes, warnings });
}
