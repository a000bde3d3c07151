import { err, ok, type Result } from '../model/errno.js';
import { filterCmdline } from './describe.js';
import type { SysfsPort } from './port.js';
import { SYSFS_CAPTURE_FORMAT, type CaptureEntry, type SysfsCapture } from './read-capture.js';
import { BDF_RE, resolveLinkTarget } from './sys-path.js';

/** The PCI device attribute files a capture keeps (sysfs-capture.md "What a capture should hold"). */
export const CAPTURE_PCI_FILES: readonly string[] = [
  'vendor', 'device', 'class', 'subsystem_vendor', 'subsystem_device', 'revision', 'driver_override', 'modalias',
  'reset_method', 'numa_node', 'boot_vga', 'sriov_totalvfs', 'sriov_numvfs', 'enable', 'sriov_drivers_autoprobe',
];
const CAPTURE_PCI_LINKS: ReadonlySet<string> = new Set(['driver', 'iommu_group', 'iommu', 'physfn']);

/**
 * Walks a port and produces a `sysfs-capture/1`: PCI devices (attributes, config, links), IOMMU groups,
 * PCI drivers and IOMMU units, and non-PCI group members — nothing else: no network addresses, no serial
 * numbers, and of /proc/cmdline only the IOMMU/VFIO/PCI parameters. Unreadable files are recorded as
 * `{ error }`; files that vanish mid-walk are left out. Errors: the port's errno if /sys/bus cannot be listed.
 */
export function writeCapture(port: SysfsPort): Result<SysfsCapture> {
  const bus = port.list('/sys/bus');
  if (!bus.ok) return err(bus.errno, `not a sysfs root: ${bus.why}`);
  const entries: Record<string, CaptureEntry> = {};
  const put = (key: string, kind: 'text' | 'bytes' | 'link'): boolean => {
    const abs = `/sys/${key}`;
    if (kind === 'link') {
      const r = port.readLink(abs);
      if (r.ok) entries[key] = { link: r.value };
      else if (r.errno !== 'ENOENT') entries[key] = { error: r.errno };
      return r.ok;
    }
    if (kind === 'bytes') {
      const r = port.readBytes(abs);
      if (r.ok) entries[key] = { hex: [...r.value].map((b) => b.toString(16).padStart(2, '0')).join('') };
      else if (r.errno !== 'ENOENT') entries[key] = { error: r.errno };
      return r.ok;
    }
    const r = port.read(abs);
    if (r.ok) entries[key] = r.value;
    else if (r.errno !== 'ENOENT') entries[key] = { error: r.errno };
    return r.ok;
  };
  const listing = (key: string): string[] => {
    const r = port.list(`/sys/${key}`);
    return r.ok ? r.value : [];
  };

  for (const bdf of listing('bus/pci/devices')) {
    if (!BDF_RE.test(bdf)) continue;
    const link = `bus/pci/devices/${bdf}`;
    const l = port.readLink(`/sys/${link}`);
    if (!l.ok) continue;
    entries[link] = { link: l.value };
    const dir = resolveLinkTarget(link, l.value);
    if (dir === null) continue;
    const names = new Set(listing(dir));
    for (const f of CAPTURE_PCI_FILES) if (names.has(f)) put(`${dir}/${f}`, 'text');
    if (names.has('config')) put(`${dir}/config`, 'bytes');
    for (const n of names) if (CAPTURE_PCI_LINKS.has(n) || /^virtfn[0-9]+$/.test(n)) put(`${dir}/${n}`, 'link');
  }

  for (const id of listing('kernel/iommu_groups')) {
    if (!/^[0-9]+$/.test(id)) continue;
    const g = `kernel/iommu_groups/${id}`;
    const names = new Set(listing(g));
    for (const f of ['type', 'reserved_regions', 'name']) if (names.has(f)) put(`${g}/${f}`, 'text');
    const members = listing(`${g}/devices`);
    if (members.length === 0) entries[`${g}/devices`] = { dir: true };
    for (const m of members) {
      const key = `${g}/devices/${m}`;
      if (!put(key, 'link')) continue;
      const e = entries[key];
      const target = e !== undefined && typeof e === 'object' && 'link' in e ? resolveLinkTarget(key, e.link) : null;
      if (target === null || entries[`${target}/vendor`] !== undefined || BDF_RE.test(m)) continue;
      // a non-PCI member (platform, amba, fsl-mc, cdx): what describeHost reads of it
      for (const f of ['subsystem', 'driver']) put(`${target}/${f}`, 'link');
      put(`${target}/driver_override`, 'text');
    }
  }

  for (const drv of listing('bus/pci/drivers')) {
    const d = `bus/pci/drivers/${drv}`;
    const devs = listing(d).filter((n) => BDF_RE.test(n));
    if (devs.length === 0) entries[d] = { dir: true };
    for (const b of devs) put(`${d}/${b}`, 'link');
  }
  for (const unit of listing('class/iommu')) put(`class/iommu/${unit}`, 'link');

  const rel = port.read('/proc/sys/kernel/osrelease');
  const cmd = port.read('/proc/cmdline');
  return ok({
    format: SYSFS_CAPTURE_FORMAT,
    kernel: rel.ok ? rel.value.trim() : 'unknown',
    cmdline: cmd.ok ? filterCmdline(cmd.value.trim().split(/\s+/)) : [],
    entries,
  });
}

/** The capture as the JSON text a file holds (stable key order: as walked). */
export function captureToJson(c: SysfsCapture): string {
  return `${JSON.stringify({ format: c.format, kernel: c.kernel, cmdline: c.cmdline, ...(c.extra ?? {}), entries: c.entries }, null, 1)}\n`;
}
