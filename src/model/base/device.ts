/**
 * `struct device` (+ the `struct pci_dev` bits the model needs): which driver is bound, the
 * driver_override, the IOMMU group, and how many `iommu_device_use_default_domain()` counts the device
 * holds. Built once from the host description; objects refer to each other by name.
 */
import type { OtherDeviceDesc, PciDeviceDesc } from '../host-description.js';
import type { KernelState } from '../kernel-state.js';

declare module '../kernel-state.js' {
  interface KernelState {
    /** By device name (PCI: BDF). Insertion order = probe order. */
    readonly devices: Map<string, Device>;
    /** Buses with devices or drivers (/sys/bus/*). */
    readonly buses: Set<string>;
    /** Device directory ('devices/pci0000:00/0000:00:05.0') → device name. */
    readonly pathIndex: Map<string, string>;
    /** Directory below /sys → names of its subdirectories that lead to devices. */
    readonly pathChildren: Map<string, Set<string>>;
  }
}

export type BusType = 'pci' | 'platform' | 'amba' | 'fsl-mc' | 'cdx';

export interface Device {
  /** dev_name(): BDF for PCI. */
  readonly name: string;
  readonly bus: BusType;
  /** Directory below /sys, e.g. 'devices/pci0000:00/0000:00:05.0'. */
  readonly path: string;
  /** The PCI description (ids, config, attrs), null for other buses. */
  readonly pci: PciDeviceDesc | null;
  /** `pdev->hdr_type`. */
  readonly hdrType: number;
  /**
   * `pdev->multifunction`: header bit 7 (`pci_setup_device()`), or set by `pci_scan_slot()` on every
   * function > 0 it finds — after `pci_device_add()`, so a hot-added function > 0 without the bit is not
   * multifunction while its IOMMU group is chosen (conformance S15). False for other buses.
   */
  multifunction: boolean;
  /** Bound driver name (`dev->driver`), or null. */
  driver: string | null;
  /**
   * The `driver` link in the device directory and the device's link in the driver's directory exist
   * (`driver_sysfs_add()` … `driver_sysfs_remove()`, dd.c). False while `dev->driver` is still set in
   * `__device_release_driver()` between `driver_sysfs_remove()` and `device_remove()` returning — the
   * window a blocked vfio-pci unbind stays in (conformance S12/S13: the link reads ENOENT).
   */
  driverSysfs: boolean;
  driverOverride: string | null;
  /** IOMMU group id (`dev->iommu_group`), or null. */
  group: number | null;
  /** Counts taken by `iommu_device_use_default_domain()` and not yet returned (normally 0 or 1). */
  defaultDomainUses: number;
  /** `device_lock()` held by a task that died (oops) or is blocked: later lockers block. */
  lockHolder: string | null;
  /** SR-IOV: VFs currently enabled on this PF. */
  sriovNumvfs: number | null;
  /** Removed by hot-remove (`dev->p->dead`). */
  dead: boolean;
}

/** A description's path below /sys: without a leading '/' and 'sys/' ('/sys/devices/x' → 'devices/x'). */
export function sysRelative(path: string): string {
  let i = path.charCodeAt(0) === 47 ? 1 : 0;
  if (path.startsWith('sys/', i)) i += 4;
  return i === 0 ? path : path.slice(i);
}

export function deviceFromOther(d: OtherDeviceDesc): Device {
  return {
    name: d.name, bus: d.bus, path: sysRelative(d.path), pci: null, hdrType: 0, multifunction: false,
    driver: d.driver, driverSysfs: d.driver !== null, driverOverride: d.driverOverride, group: d.iommuGroup, defaultDomainUses: 0,
    lockHolder: null, sriovNumvfs: null, dead: false,
  };
}


/**
 * A directory and its parents in the /sys/devices tree (`kobject_add()`). `known`: a path added just
 * before with nothing removed since (boot adds devices in bus order): the directories it shares with
 * `path` and their entries are there already, so only the levels below the shared part are added —
 * the same sets with the same entries in the same order as adding every level (src/assign/shortcuts.test.ts).
 */
export function addPath(k: KernelState, path: string, known?: string): void {
  addPathTo(k.pathChildren, path, known);
}

function addPathTo(children: Map<string, Set<string>>, path: string, known?: string): void {
  // Level by level: directory path[0, slash) gets entry path(slash, end). A level is known when `known`
  // has the same directory and entry: path and known agree up to `end`, and `known` ends there or goes on
  // with a '/'. With `same` the length of their common prefix, that is end < same, or end == same with
  // `known` whole at `same`.
  let cut = 0;
  if (known !== undefined) {
    const n = Math.min(path.length, known.length);
    let same = 0;
    while (same < n && path.charCodeAt(same) === known.charCodeAt(same)) same++;
    cut = same === known.length || known.charCodeAt(same) === 47 ? same + 1 : same;
  }
  for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
    const next = path.indexOf('/', slash + 1);
    const end = next < 0 ? path.length : next;
    if (end < cut) continue;
    const parent = path.slice(0, slash);
    let set = children.get(parent);
    if (!set) children.set(parent, (set = new Set()));
    set.add(path.slice(slash + 1, end));
  }
  if (!children.has(path)) children.set(path, new Set());
}

/**
 * `device_add()` (drivers/base/core.c): the device by name, its directory and parents, its bus
 * (`bus_add_device()`). `known`: as `addPath`'s.
 */
export function deviceAdd(k: KernelState, dev: Device, known?: string): void {
  k.devices.set(dev.name, dev);
  k.buses.add(dev.bus);
  k.pathIndex.set(dev.path, dev.name);
  addPath(k, dev.path, known);
}

/**
 * `device_add()` at boot, for the devices the host description shows: the device by name and its bus
 * now; its directory and parents (`pathIndex`, `pathChildren`) go to `later`, which `indexPathsOnFirstUse`
 * turns into the index the first time anything reads it — `status` never does, a sysfs access does.
 */
export function deviceAddAtBoot(k: KernelState, dev: Device, later: Device[]): void {
  k.devices.set(dev.name, dev);
  k.buses.add(dev.bus);
  later.push(dev);
}

/**
 * The /sys/devices index of the devices `deviceAddAtBoot` put in `later` (in that order, each as
 * `deviceAdd` adds it) and of the directories `dirs` (`addPath`), built on the first read of
 * `k.pathIndex` or `k.pathChildren`: the same maps, keys and entries in the same order as building them
 * at boot (src/assign/shortcuts.test.ts). Every change to the index reads it first, so nothing is lost.
 */
export function indexPathsOnFirstUse(k: KernelState, later: readonly Device[], dirs: readonly string[]): void {
  let built: { pathIndex: Map<string, string>; pathChildren: Map<string, Set<string>> } | null = null;
  const build = (): NonNullable<typeof built> => {
    if (built !== null) return built;
    const pathIndex = new Map<string, string>(), pathChildren = new Map<string, Set<string>>();
    let known: string | undefined;
    for (let i = 0; i < later.length; i++) {
      const dev = later[i] as Device;
      pathIndex.set(dev.path, dev.name);
      addPathTo(pathChildren, dev.path, known);
      known = dev.path;
    }
    for (const d of dirs) addPathTo(pathChildren, d);
    built = { pathIndex, pathChildren };
    // From now on plain fields, as a state built at boot has them.
    Object.defineProperty(k, 'pathIndex', { value: pathIndex, writable: true, enumerable: true, configurable: true });
    Object.defineProperty(k, 'pathChildren', { value: pathChildren, writable: true, enumerable: true, configurable: true });
    return built;
  };
  Object.defineProperty(k, 'pathIndex', { get: () => build().pathIndex, enumerable: true, configurable: true });
  Object.defineProperty(k, 'pathChildren', { get: () => build().pathChildren, enumerable: true, configurable: true });
}
