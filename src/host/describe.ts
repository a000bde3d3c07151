import { err, ok, type Result } from '../model/errno.js';
import type { HostDescription, PciDeviceDesc } from '../model/host-description.js';
import { readIommuGroups, type GroupsRead } from './describe-groups.js';
import { readPciDevice, type HostWarning, type ReadDetail } from './describe-pci.js';
import type { SysfsPort } from './port.js';
import { BDF_RE, baseName, bdfKey, resolveLinkTarget } from './sys-path.js';

export interface DescribeOptions {
  /** uname -r when the port cannot answer /proc/sys/kernel/osrelease (e.g. a bare directory tree). */
  readonly kernel?: string;
  /** Kernel parameters, when the port cannot answer /proc/cmdline. Filtered like /proc/cmdline. */
  readonly cmdline?: readonly string[];
  /** How much of each function to read (describe-pci.ts ReadDetail; default 'full'). */
  readonly detail?: ReadDetail;
}

export interface HostReport {
  readonly host: HostDescription;
  readonly warnings: readonly HostWarning[];
}

/**
 * Keeps only the IOMMU/VFIO/PCI-related kernel parameters (`intel_iommu=`, `amd_iommu=`, `iommu=`,
 * `iommu.*=`, `vfio*`, `pci=`, `pcie_acs_override=`): a capture never carries the rest of the cmdline.
 */
export function filterCmdline(words: readonly string[]): string[] {
  return words.filter((w) => {
    const key = w.split('=')[0] ?? '';
    return key === 'intel_iommu' || key.startsWith('amd_iommu') || key === 'iommu' || key.startsWith('iommu.') ||
      key.startsWith('vfio') || key === 'pci' || key === 'pcie_acs_override' || key === 'pcie_ports';
  });
}

/** The kernel release and parameters: from the options, else /proc through the port (a warning when unknown). */
export function readKernelFacts(port: SysfsPort, opts: DescribeOptions, warn: (w: HostWarning) => void): { kernel: string; cmdline: string[] } {
  let kernel = opts.kernel;
  if (kernel === undefined) {
    const r = port.read('/proc/sys/kernel/osrelease');
    if (r.ok) kernel = r.value.trim();
    else {
      warn({ path: '/proc/sys/kernel/osrelease', message: `kernel release unknown (${r.errno}); pass it explicitly` });
      kernel = 'unknown';
    }
  }
  let cmdline: string[];
  if (opts.cmdline !== undefined) cmdline = filterCmdline(opts.cmdline);
  else {
    const r = port.read('/proc/cmdline');
    cmdline = r.ok ? filterCmdline(r.value.trim().split(/\s+/)) : [];
    if (!r.ok) warn({ path: '/proc/cmdline', message: `kernel parameters unknown (${r.errno})` });
  }
  return { kernel, cmdline };
}

const DEV_ROOT = '/sys/bus/pci/devices';

/** The PCI function names under /sys/bus/pci/devices in the kernel's order (others warned about); [] when there is none; an error when it cannot be listed. */
export function listPciFunctions(port: SysfsPort, warn: (w: HostWarning) => void): Result<string[]> {
  const names = port.list(DEV_ROOT);
  if (!names.ok && names.errno !== 'ENOENT') return err(names.errno, `${DEV_ROOT} cannot be listed (${names.why})`);
  // Each name's key computed once (not twice per comparison).
  const keyed: { name: string; key: number }[] = [];
  for (const n of names.ok ? names.value : []) {
    if (BDF_RE.test(n)) keyed.push({ name: n, key: bdfKey(n) });
    else warn({ path: `${DEV_ROOT}/${n}`, message: `ignoring ${n}: not a PCI device name` });
  }
  return ok(keyed.sort((a, b) => a.key - b.key).map((x) => x.name));
}

/** One PCI function: its device link resolved, then its directory read; null (warned) when it cannot be. */
export function readPciFunction(port: SysfsPort, bdf: string, warn: (w: HostWarning) => void, detail: ReadDetail = 'full'): PciDeviceDesc | null {
  const linkPath = `bus/pci/devices/${bdf}`;
  const l = port.readLink(`/sys/${linkPath}`);
  let dir: string | null = linkPath;
  if (l.ok) dir = resolveLinkTarget(linkPath, l.value);
  else if (l.errno !== 'EINVAL') dir = null;
  if (dir === null) {
    warn({ path: `/sys/${linkPath}`, message: `${bdf}: device link unreadable or points outside /sys` });
    return null;
  }
  return readPciDevice(port, bdf, dir, warn, detail);
}

/**
 * Everything after the functions and the groups are read: group membership from both sides (a
 * function's iommu_group link and the group's devices/ listing; warnings where they disagree), the
 * registered drivers and IOMMU units. `pci` is updated in place.
 */
export function assembleHost(port: SysfsPort, facts: { kernel: string; cmdline: string[] }, pci: PciDeviceDesc[], g: GroupsRead, warn: (w: HostWarning) => void): HostDescription {
  const known = new Set(g.groups.map((x) => x.id));
  for (let i = 0; i < pci.length; i++) {
    const d = pci[i] as PciDeviceDesc;
    const listed = g.memberOf.get(d.path);
    if (d.iommuGroup !== null && !known.has(d.iommuGroup) && g.groups.length > 0) {
      warn({ path: `/sys/${d.path}/iommu_group`, message: `${d.bdf}: iommu_group points to group ${d.iommuGroup}, which is not under /sys/kernel/iommu_groups` });
    }
    if (listed !== undefined && d.iommuGroup === null) {
      pci[i] = { ...d, iommuGroup: listed };
    } else if (listed !== undefined && listed !== d.iommuGroup) {
      warn({ path: `/sys/${d.path}/iommu_group`, message: `${d.bdf}: iommu_group link says ${d.iommuGroup} but group ${listed} lists it` });
    }
  }
  const drivers = port.list('/sys/bus/pci/drivers');
  const iommus = port.list('/sys/class/iommu');
  if (!drivers.ok && drivers.errno !== 'ENOENT') warn({ path: '/sys/bus/pci/drivers', message: `PCI drivers unreadable (${drivers.errno})` });
  if (!iommus.ok && iommus.errno !== 'ENOENT') warn({ path: '/sys/class/iommu', message: `IOMMU units unreadable (${iommus.errno})` });
  return {
    kernel: facts.kernel,
    cmdline: facts.cmdline,
    pci,
    other: g.other,
    groups: g.groups,
    pciDrivers: drivers.ok ? drivers.value : [],
    iommus: iommus.ok ? iommus.value.map(baseName) : [],
  };
}

/**
 * What every reader of a host does first, in this order: check that /sys/bus lists (else not a sysfs
 * root), read the kernel facts, list the PCI functions. Shared by describeHostReport and the parallel
 * reader (describe-parallel.ts), so both fail and warn alike.
 */
export function readHostHead(port: SysfsPort, opts: DescribeOptions, warn: (w: HostWarning) => void): Result<{ facts: { kernel: string; cmdline: string[] }; bdfs: string[] }> {
  const bus = port.list('/sys/bus');
  if (!bus.ok) return err(bus.errno, `not a sysfs root: /sys/bus cannot be listed (${bus.why})`);
  const facts = readKernelFacts(port, opts, warn);
  const bdfs = listPciFunctions(port, warn);
  if (!bdfs.ok) return bdfs;
  return ok({ facts, bdfs: bdfs.value });
}

/**
 * Reads a host's PCI / IOMMU view through a port: the one parser for a live /sys, a directory tree, a
 * capture and the simulated kernel. Linear in the number of devices: one listing and one read per
 * present attribute per device, no rescans. Errors: the port's errno when /sys/bus cannot be listed
 * (not a sysfs root). Everything else degrades into warnings that name the path.
 * (describe-parallel.ts reads a directory tree the same way on several threads, with the same answer.)
 */
export function describeHostReport(port: SysfsPort, opts: DescribeOptions = {}): Result<HostReport> {
  const warnings: HostWarning[] = [];
  const warn = (w: HostWarning): void => { warnings.push(w); };
  const head = readHostHead(port, opts, warn);
  if (!head.ok) return head;
  const { facts, bdfs } = head.value;
  const pci: PciDeviceDesc[] = [];
  const byPath = new Set<string>();
  for (const bdf of bdfs) {
    const d = readPciFunction(port, bdf, warn, opts.detail);
    if (d === null) continue;
    pci.push(d);
    byPath.add(d.path);
  }
  const g = readIommuGroups(port, (p) => byPath.has(p), warn);
  return ok({ host: assembleHost(port, facts, pci, g, warn), warnings });
}

/** `describeHostReport` without the warnings: what a `Kernel` is built from. */
export function describeHost(port: SysfsPort, opts: DescribeOptions = {}): Result<HostDescription> {
  const r = describeHostReport(port, opts);
  return r.ok ? ok(r.value.host) : r;
}
