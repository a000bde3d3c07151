/**
 * The whole state of one simulated kernel: plain data indexed by id (device name, group id, fd), so an
 * operation touches only the objects it names — O(members of a group), never O(host).
 * Every kernel function takes this as its first argument and records itself in `calls`.
 */
import type { Errno } from './errno.js';
import type { Profile } from './profiles.js';
import type { Device } from './base/device.js';
import type { IommuGroup, IommuDomain } from './iommu/group.js';
import type { DeviceDriver } from './base/driver-registry.js';
import type { VfioGroup } from './vfio/group.js';
import type { VfioContainer } from './vfio/container.js';
import type { OpenFile } from './file-table.js';
import type { Outcome } from './uapi.js';
import type { IommufdState } from './iommufd/main.js';
import type { IommuPlatform } from './iommu/platform.js';

export interface ResolvedOptions {
  readonly capSysRawio: boolean;
  readonly noiommuMode: boolean;
  readonly debugTestDriverRemove: boolean;
  readonly iommufd: boolean;
  readonly vfioDeviceCdev: boolean;
  readonly probeErrors: Readonly<Record<string, Errno>>;
}

/** What a blocked call sleeps on: a device's lock (data), or (not yet moved to data) a condition closure. */
export type PendingWait =
  | { readonly kind: 'device_lock'; readonly device: string }
  | { readonly kind: 'pci_rescan_remove_lock' }
  | { readonly kind: 'cond'; readonly ready: () => boolean };

/** How a blocked call goes on once woken: read a device attribute again (data), or a retry closure. */
export type PendingRedo =
  | { readonly kind: 'show'; readonly device: string; readonly attr: string }
  | { readonly kind: 'fn'; readonly retry: () => Outcome };

/** A call that has not returned (errno 'blocked'); `redo` runs once `wait` is satisfied (base/pending.ts). */
export interface PendingCall {
  readonly id: string;
  readonly what: string;
  wait: PendingWait;
  redo: PendingRedo;
  /** The call's result once it completed. */
  result: Outcome | null;
}

export interface KernelState {
  readonly profile: Profile;
  readonly opts: ResolvedOptions;
  /** By device name (PCI: BDF). Insertion order = probe order. */
  readonly devices: Map<string, Device>;
  /** PCI devices per bus ('0000:04'), for the bus-reset probe. */
  readonly pciBuses: Map<string, Set<string>>;
  readonly groups: Map<number, IommuGroup>;
  readonly domains: Map<number, IommuDomain>;
  /** Registered drivers, key `${bus}/${name}` (e.g. 'pci/e1000'). */
  readonly drivers: Map<string, DeviceDriver>;
  /** vfio groups by iommu group id: `vfio.group_list`, the groups a new vfio device can join. */
  readonly vfioGroups: Map<number, VfioGroup>;
  /**
   * 6.1+: vfio groups taken off `vfio.group_list` by `vfio_device_remove_group()` (last device gone) that an
   * open group fd still holds, by that fd. A new device of the same iommu group creates a new vfio group.
   */
  readonly deadVfioGroups: Map<number, VfioGroup>;
  readonly containers: Map<number, VfioContainer>;
  /** `vfio_device->index` (6.1+, `vfio.device_ida`): device name → N of `vfio-dev/vfioN` (and C's /dev/vfio/devices/vfioN). */
  readonly vfioDevIndex: Map<string, number>;
  /** The reverse of `vfioDevIndex`: N → device name. */
  readonly vfioDevByIndex: Map<number, string>;
  /** Indexes given back to `vfio.device_ida` below `next.vfioDevice`; the lowest is taken first. */
  readonly freeVfioDevIndexes: Set<number>;
  readonly files: Map<number, OpenFile>;
  readonly pending: Map<string, PendingCall>;
  readonly modules: Set<string>;
  /** Buses with devices or drivers (/sys/bus/*). */
  readonly buses: Set<string>;
  /** iommufd contexts, vfio devices bound to them, open vfio cdev files (src/model/iommufd, vfio/iommufd.ts). */
  readonly iommufd: IommufdState;
  /** IOMMU hardware units (/sys/class/iommu). */
  readonly iommus: string[];
  /** The IOMMU driver and firmware of the host (iommu/platform.ts): when groups are made, stream-ID exclusivity. */
  readonly platform: IommuPlatform;
  /** Device directory ('devices/pci0000:00/0000:00:05.0') → device name. */
  readonly pathIndex: Map<string, string>;
  /** Directory below /sys → names of its subdirectories that lead to devices. */
  readonly pathChildren: Map<string, Set<string>>;
  /** PCI functions removed through sysfs `remove` but still in the hardware: `/sys/bus/pci/rescan` finds them again. */
  readonly pciRemoved: Map<string, import('./host-description.js').PciDeviceDesc>;
  /** Group ids given back to `iommu_group_ida` below `next.group`; `iommu_group_alloc()` takes the lowest. */
  readonly freeGroupIds: Set<number>;
  /**
   * L with intel-iommu: a `device_domain_info` a hot-removed device left in the (non-default) domain its
   * group was attached to, by BDF → domain id (conformance/5.10/S15; see iommu/probe.ts).
   */
  readonly dmarStaleDevInfo: Map<string, number>;
  /**
   * Who holds `pci_rescan_remove_lock` (drivers/pci/probe.c `pci_lock_rescan_remove()`), taken by the sysfs
   * `remove` and `rescan` stores for the whole removal or rescan: a removal asleep in vfio-pci's remove(), or
   * (5.10) a rescan whose autoprobe died in the vfio BUG_ON and never released it. null: free.
   */
  pciRescanRemoveLock: string | null;
  /** Kernel log lines (dmesg) and taint reasons. */
  readonly log: string[];
  readonly taint: string[];
  next: { domain: number; container: number; pending: number; iommufdCtx: number; group: number; vfioDevice: number };
  /** The calls of the syscall in progress. */
  calls: string[];
}

/** Record entry into kernel function `fn`. */
export function enter(k: KernelState, fn: string): void {
  k.calls.push(fn);
}

/** Record that `fn` failed with `errno` because of `why`, and return the error outcome. */
export function fail<T = never>(k: KernelState, fn: string, errno: Errno, why: string): Outcome<T> {
  k.calls.push(`${fn}: -${errno} (${why})`);
  return { ok: false, errno, why };
}

export function printk(k: KernelState, line: string): void {
  k.log.push(line);
}
