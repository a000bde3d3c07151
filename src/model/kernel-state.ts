/**
 * The whole state of one simulated kernel: plain data indexed by id (device name, group id, fd), so an
 * operation touches only the objects it names — O(members of a group), never O(host).
 * Every kernel function takes this as its first argument and records itself in `calls`.
 *
 * Ground floor. This file declares what every floor shares (profile, options, blocked calls, log, counters,
 * the `ops` tables); each floor declares the state it owns beside its code, as the kernel keeps
 * `iommu_group_ida` in drivers/iommu/iommu.c and `vfio.group_list` in drivers/vfio — by augmenting
 * `KernelState` (`declare module '../kernel-state.js'`): base/device.ts (devices, the /sys/devices tree),
 * base/driver-registry.ts (drivers), pci/probe.ts (PCI buses, removed functions), iommu/group.ts (groups,
 * domains), vfio/group.ts (vfio groups, containers, device indexes), iommufd/main.ts, file-table.ts (fds).
 * `ops` holds the function tables the upper floors register at boot (kernel-build.ts): it is the only
 * part of the state that is not plain data.
 */
import { err, type Errno, type Failure, type Outcome } from './errno.js';
import type { Profile } from './profiles.js';

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
  /** `device_remove()` → drv->remove() waiting until the driver lets go (vfio: device fds closed; L: the group out of its container). */
  | { readonly kind: 'driver_remove'; readonly device: string; readonly driver: string }
  | { readonly kind: 'cond'; readonly ready: () => boolean };

/** How a blocked call goes on once woken: read a device attribute again (data), or a retry closure. */
export type PendingRedo =
  | { readonly kind: 'show'; readonly device: string; readonly attr: string }
  /** A sysfs store that slept on the device lock writes again (driver_override). */
  | { readonly kind: 'store'; readonly device: string; readonly attr: string; readonly data: string }
  /** Driver-core calls that slept on the device lock run again: sysfs bind, unbind, drivers_probe. */
  | { readonly kind: 'device_driver_attach'; readonly device: string; readonly driver: string }
  | { readonly kind: 'device_release_driver'; readonly device: string }
  | { readonly kind: 'device_attach'; readonly device: string }
  /** The rest of `__device_release_driver()` once drv->remove() may return. */
  | { readonly kind: 'release_driver_finish'; readonly device: string; readonly driver: string }
  | { readonly kind: 'fn'; readonly retry: () => Outcome };

/** A call that has not returned (errno 'blocked'); `redo` runs once `wait` is satisfied (base/pending.ts). */
export interface PendingCall {
  readonly id: string;
  readonly what: string;
  wait: PendingWait;
  redo: PendingRedo;
  /** The call's result once it completed. */
  result: Outcome<unknown> | null;
}

export interface KernelState {
  readonly profile: Profile;
  readonly opts: ResolvedOptions;
  /** The function tables upper floors register at boot (`bus_type`, `device_driver`, notifier chains, `iommu_ops`, …). */
  readonly ops: KernelOps;
  readonly pending: Map<string, PendingCall>;
  readonly modules: Set<string>;
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

/**
 * Function tables registered at boot, the model's `struct bus_type`, `struct device_driver`, notifier heads and
 * `struct iommu_ops`: a lower floor calls an upper one only through these. Each floor declares its tables here
 * by augmentation, beside the code that calls through them.
 */
export interface KernelOps {}

/** Record entry into kernel function `fn`. */
export function enter(k: KernelState, fn: string): void {
  k.calls.push(fn);
}

/** Record that `fn` failed with `errno` because of `why` (the kernel path of the call), and return the failure. */
export function fail(k: KernelState, fn: string, errno: Errno, why: string): Failure {
  k.calls.push(`${fn}: -${errno} (${why})`);
  return err(errno, why);
}

export function printk(k: KernelState, line: string): void {
  k.log.push(line);
}
