import type { PciDeviceDesc } from '../model/host-description.js';
import { pciConfigCompact } from '../model/pci/config.js';
import type { SysfsPort } from './port.js';
import { baseName, resolveLinkTarget } from './sys-path.js';

/** Something a reader could not know or had to degrade, with the sysfs path it concerns. */
export interface HostWarning {
  readonly path: string;
  readonly message: string;
}

/** Attribute files kept verbatim in `PciDeviceDesc.attrs` (and written to captures). */
export const PCI_VERBATIM_ATTRS: readonly string[] = ['modalias', 'numa_node', 'enable', 'sriov_drivers_autoprobe'];
/**
 * What a report of the host reads of them: modalias alone (the ids). numa_node, enable and
 * sriov_drivers_autoprobe are shown by no report, verdict or explanation — only the simulated
 * kernel's own sysfs view of the host echoes them, which a trace replay reads from a capture.
 */
const REPORT_VERBATIM_ATTRS: readonly string[] = ['modalias'];

/** The most config space a function has (PCI_CFG_SPACE_EXP_SIZE): all the reader asks the port for. */
export const PCI_CFG_SPACE_EXP_SIZE = 4096;

/**
 * How much of a function a reader reads: 'full' every attribute the model keeps (what a capture or a
 * trace replay is built from); 'report' only what a report, verdict or explanation shows or needs —
 * no numa_node, enable or sriov_drivers_autoprobe, and the revision from config space (byte 8, the
 * very byte pci_setup_device() sets pci_dev->revision from) when it has it. Three files fewer per function;
 * and config space kept without its trailing zeros (`configSize`, pci/config.ts pciConfigCompact): about
 * 330 bytes held instead of 4096 for a PCIe function, every answer read from it the same.
 */
export type ReadDetail = 'full' | 'report';

/** Where a PCI device's driver link points, relative to /sys: bus/pci/drivers/NAME, NAME a module-like name. */
const DRIVER_LINK_RE = /(^|\/)bus\/pci\/drivers\/[A-Za-z0-9_.-]{1,64}$/;

const HEX_RE = /^0x([0-9a-fA-F]{1,8})\n?$/;
const INT_RE = /^(-?[0-9]+)\n?$/;
/**
 * `modalias`, as modalias_show() (drivers/pci/pci-sysfs.c, unchanged since 2.6.13; the interface byte
 * was printed "%02x" before 3.x) prints it: pci_dev->vendor, device, subsystem_vendor,
 * subsystem_device and the three class bytes — the very fields the vendor, device, subsystem_vendor,
 * subsystem_device and class attributes print.
 */
const MODALIAS_RE = /^pci:v([0-9A-Fa-f]{8})d([0-9A-Fa-f]{8})sv([0-9A-Fa-f]{8})sd([0-9A-Fa-f]{8})bc([0-9A-Fa-f]{2})sc([0-9A-Fa-f]{2})i([0-9A-Fa-f]{2})\n?$/;

/** The ids a well-formed modalias carries, or null (then the separate attribute files are read). */
export function modaliasIds(text: string): { vendor: number; device: number; subsystemVendor: number; subsystemDevice: number; class: number } | null {
  const m = MODALIAS_RE.exec(text);
  if (!m) return null;
  const h = (i: number): number => parseInt(m[i] as string, 16);
  const ids = { vendor: h(1), device: h(2), subsystemVendor: h(3), subsystemDevice: h(4), class: (h(5) << 16) | (h(6) << 8) | h(7) };
  return ids.vendor > 0xffff || ids.device > 0xffff || ids.subsystemVendor > 0xffff || ids.subsystemDevice > 0xffff ? null : ids;
}

/**
 * Reads one PCI function's directory (`dir` relative to /sys) with one listing and one read per
 * attribute present (vendor, device, subsystem_* and class only when modalias is missing or malformed). Answers null when the device vanished (its directory is gone); every other
 * problem degrades one field and adds a warning that names the file.
 */
export function readPciDevice(port: SysfsPort, bdf: string, dir: string, warn: (w: HostWarning) => void, detail: ReadDetail = 'full'): PciDeviceDesc | null {
  const abs = `/sys/${dir}`;
  const listing = port.list(abs);
  if (!listing.ok) {
    warn({ path: abs, message: listing.errno === 'ENOENT' ? `${bdf} vanished while the host was read` : `${bdf}: cannot list the device directory (${listing.why})` });
    return null;
  }
  // A device directory lists ~25 names: looked up in the array, no Set built per function.
  const names = listing.value;
  const text = (name: string): string | null => {
    if (!names.includes(name)) return null;
    const r = port.read(`${abs}/${name}`);
    if (!r.ok) {
      warn({ path: `${abs}/${name}`, message: `${bdf}: ${name} unreadable (${r.errno}: ${r.why})` });
      return null;
    }
    return r.value;
  };
  const link = (name: string): string | null => {
    if (!names.includes(name)) return null;
    const r = port.readLink(`${abs}/${name}`);
    if (!r.ok) {
      warn({ path: `${abs}/${name}`, message: `${bdf}: ${name} link unreadable (${r.errno}: ${r.why})` });
      return null;
    }
    const target = resolveLinkTarget(`${dir}/${name}`, r.value);
    if (target === null) warn({ path: `${abs}/${name}`, message: `${bdf}: ${name} link points outside /sys (${r.value})` });
    return target;
  };

  let config: Uint8Array = new Uint8Array(0);
  // What a report keeps: the bytes without their trailing zeros, and how many were read (`configSize`).
  let configSize: number | null = null;
  if (names.includes('config')) {
    const path = `${abs}/config`;
    const r = detail === 'report' && port.readBytesCompact !== undefined ? port.readBytesCompact(path, PCI_CFG_SPACE_EXP_SIZE) : null;
    if (r?.ok === true) {
      config = r.value.bytes;
      configSize = r.value.size;
    } else {
      const b = r ?? port.readBytes(path, PCI_CFG_SPACE_EXP_SIZE);
      if (b.ok) config = b.value;
      else warn({ path, message: `${bdf}: config space unreadable (${b.errno}); ACS and capabilities are unknown` });
    }
  } else {
    warn({ path: `${abs}/config`, message: `${bdf}: no config attribute; ACS and capabilities are unknown` });
  }
  const size = configSize ?? config.length;
  if (size > 0 && size < 256) {
    warn({ path: `${abs}/config`, message: `${bdf}: only ${size} bytes of config space readable (read as root for 256/4096); capabilities and ACS are unknown` });
  }
  const cfg8 = (off: number): number | null => (size > off ? config[off] ?? 0 : null);
  const cfg16 = (off: number): number | null => (size >= off + 2 ? (config[off] ?? 0) | ((config[off + 1] ?? 0) << 8) : null);

  const hexAttr = (name: string, fromConfig: number | null): number => {
    const t = text(name);
    if (t !== null) {
      const m = HEX_RE.exec(t);
      if (m) return parseInt(m[1] as string, 16);
      warn({ path: `${abs}/${name}`, message: `${bdf}: ${name} is not a hex number (${JSON.stringify(t.slice(0, 40))})${fromConfig !== null ? '; taken from config space' : ''}` });
    } else if (fromConfig === null) {
      warn({ path: `${abs}/${name}`, message: `${bdf}: ${name} missing and not in config space; using 0xffff` });
    }
    return fromConfig ?? 0xffff;
  };
  const classFromConfig = size >= 12 ? ((cfg8(11) as number) << 16) | ((cfg8(10) as number) << 8) | (cfg8(9) as number) : null;
  const intAttr = (name: string): number | null => {
    const t = text(name);
    if (t === null) return null;
    const m = INT_RE.exec(t);
    if (m) return parseInt(m[1] as string, 10);
    warn({ path: `${abs}/${name}`, message: `${bdf}: ${name} is not a number (${JSON.stringify(t.slice(0, 40))})` });
    return null;
  };

  const overrideText = text('driver_override');
  const driverOverride = overrideText === null ? null : overrideText.replace(/\n$/, '');
  const groupTarget = link('iommu_group');
  let iommuGroup: number | null = null;
  if (groupTarget !== null) {
    const id = baseName(groupTarget);
    if (/^[0-9]+$/.test(id)) iommuGroup = parseInt(id, 10);
    else warn({ path: `${abs}/iommu_group`, message: `${bdf}: iommu_group link does not end in a group number (${groupTarget})` });
  }
  let driverTarget = link('driver');
  // The kernel's driver link always names bus/pci/drivers/NAME (driver_sysfs_add): anything else — a
  // loop, a link into the device itself — names no driver, whatever its last component says.
  if (driverTarget !== null && !DRIVER_LINK_RE.test(driverTarget)) {
    warn({ path: `${abs}/driver`, message: `${bdf}: driver link does not point to /sys/bus/pci/drivers/NAME (${JSON.stringify(driverTarget.slice(0, 80))}); driver unknown` });
    driverTarget = null;
  }
  const physfnTarget = link('physfn');
  const resetText = text('reset_method');
  const bootVgaText = text('boot_vga');
  const attrs: Record<string, string> = {};
  for (const a of detail === 'full' ? PCI_VERBATIM_ATTRS : REPORT_VERBATIM_ATTRS) {
    const t = text(a);
    if (t !== null) attrs[a] = t;
  }
  // Five files fewer per device: a well-formed modalias prints the same pci_dev fields.
  const fromAlias = attrs['modalias'] === undefined ? null : modaliasIds(attrs['modalias']);
  return {
    bdf,
    path: dir,
    vendor: fromAlias?.vendor ?? hexAttr('vendor', cfg16(0)),
    device: fromAlias?.device ?? hexAttr('device', cfg16(2)),
    subsystemVendor: fromAlias?.subsystemVendor ?? hexAttr('subsystem_vendor', cfg16(0x2c)),
    subsystemDevice: fromAlias?.subsystemDevice ?? hexAttr('subsystem_device', cfg16(0x2e)),
    class: fromAlias?.class ?? hexAttr('class', classFromConfig),
    revision: detail === 'report' && size > 8 ? (cfg8(8) as number) : hexAttr('revision', cfg8(8)),
    ...(detail !== 'report' ? { config } : configSize !== null ? { config, configSize } : pciConfigCompact(config)),
    driver: driverTarget === null ? null : baseName(driverTarget),
    driverOverride: driverOverride === null || driverOverride === '(null)' || driverOverride === '' ? null : driverOverride,
    iommuGroup,
    resetMethod: resetText === null ? null : resetText.trim().split(/\s+/).filter((w) => w !== ''),
    bootVga: bootVgaText === null ? null : bootVgaText.trim() === '1',
    sriovTotalvfs: intAttr('sriov_totalvfs'),
    sriovNumvfs: intAttr('sriov_numvfs'),
    physfn: physfnTarget === null ? null : baseName(physfnTarget),
    attrs,
  };
}
