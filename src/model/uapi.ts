/**
 * The system-call surface of the simulated kernel: what user space can do to it (sysfs reads and
 * writes, open/ioctl/close on /dev/vfio/* and /dev/iommu) and the events a test can inject (hotplug,
 * module load). Request names and argument shapes are those of dmaown-trace/1, so replaying a trace
 * is a thin mapping: `{call:'ioctl', fd, request, arg}` → `kernel.ioctl(fd, request, arg)`.
 *
 * Every call answers a `SysResult`: the style's `Result` plus
 *   - `errno: 'oops'`    the kernel hit BUG(); the calling task died, state is what the BUG left;
 *   - `errno: 'blocked'` the call did not return; `id` names it for `wait(id)`;
 *   - `calls`            the kernel functions it went through, failures as `fn: -EBUSY (why)`.
 */
import type { Errno } from './errno.js';
import type { PciDeviceDesc } from './host-description.js';

export type SysErrno = Errno | 'oops' | 'blocked';

export type SysResult<T = void> =
  | { readonly ok: true; readonly value: T; readonly calls: readonly string[] }
  | { readonly ok: false; readonly errno: SysErrno; readonly why: string; readonly id?: string; readonly calls: readonly string[] };

/** An outcome inside the kernel, before the syscall layer attaches `calls`. */
export type Outcome<T = void> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errno: SysErrno; readonly why: string; readonly id?: string };

/** VFIO ioctl request names (include/uapi/linux/vfio.h; numbers in spec Appendix A). */
export const VFIO_IOCTLS = [
  'VFIO_GET_API_VERSION', 'VFIO_CHECK_EXTENSION', 'VFIO_SET_IOMMU', 'VFIO_GROUP_GET_STATUS',
  'VFIO_GROUP_SET_CONTAINER', 'VFIO_GROUP_UNSET_CONTAINER', 'VFIO_GROUP_GET_DEVICE_FD',
  'VFIO_DEVICE_GET_INFO', 'VFIO_DEVICE_BIND_IOMMUFD', 'VFIO_DEVICE_ATTACH_IOMMUFD_PT',
  'VFIO_DEVICE_DETACH_IOMMUFD_PT',
] as const;

/** VFIO IOMMU backend types (VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU `type`/`extension`). */
export const VFIO_IOMMU_TYPES = {
  VFIO_TYPE1_IOMMU: 1, VFIO_SPAPR_TCE_IOMMU: 2, VFIO_TYPE1v2_IOMMU: 3, VFIO_NOIOMMU_IOMMU: 8,
} as const;
export type VfioIommuType = keyof typeof VFIO_IOMMU_TYPES;

/** `VFIO_API_VERSION` (vfio.h): what VFIO_GET_API_VERSION returns. */
export const VFIO_API_VERSION = 0;

export interface KernelOptions {
  /** Override `desc.kernel` (uname -r) for profile selection. */
  readonly release?: string;
  /** The caller has CAP_SYS_RAWIO/CAP_SYS_ADMIN (root). Default true. */
  readonly capSysRawio?: boolean;
  /** vfio.enable_unsafe_noiommu_mode=1 (§5.8). Default: from desc.cmdline, else false. */
  readonly noiommuMode?: boolean;
  /** CONFIG_DEBUG_TEST_DRIVER_REMOVE (§3.1, scenario 24). Default false. */
  readonly debugTestDriverRemove?: boolean;
  /** CONFIG_IOMMUFD / CONFIG_VFIO_DEVICE_CDEV. Default true on F/C, except Debian's `+deb` 6.12 build. */
  readonly iommufd?: boolean;
  readonly vfioDeviceCdev?: boolean;
  /** Modules loaded at start besides the drivers in desc.pciDrivers (informational, e.g. 'vfio_iommu_type1'). */
  readonly loadedModules?: readonly string[];
  /** Make a driver's probe() fail: key `driver` or `driver@BDF`, value the negative errno probe returns. */
  readonly probeErrors?: Readonly<Record<string, Errno>>;
}

export interface HotAddOptions {
  /** IOMMU group the device joins; default: `pci_device_group()` decides (iommu/group-for-dev.ts); null: no IOMMU. */
  readonly group?: number | null;
}

export interface StatInfo {
  readonly kind: 'dir' | 'file' | 'link' | 'chardev';
}

/** The simulated kernel. All calls are synchronous. */
export interface Kernel {
  write(path: string, data: string): SysResult;
  read(path: string): SysResult<string>;
  readBytes(path: string): SysResult<Uint8Array>;
  readLink(path: string): SysResult<string>;
  list(path: string): SysResult<string[]>;
  stat(path: string): SysResult<StatInfo>;
  open(path: string): SysResult<number>;
  /** `out` object as the trace format records it: `{ret}`, `{flags}`, `{fd}`, `{flags,num_regions,num_irqs}`. */
  ioctl(fd: number, request: string, arg?: Readonly<Record<string, unknown>>): SysResult<Record<string, unknown>>;
  close(fd: number): SysResult;
  /** How an earlier `blocked` call stands now: its result if it has completed, else still `blocked`. */
  wait(id: string): SysResult;
  hotAdd(dev: PciDeviceDesc, opts?: HotAddOptions): SysResult;
  hotRemove(bdf: string): SysResult;
  loadModule(name: string): SysResult;
  unloadModule(name: string): SysResult;
  /** A kernel driver bound to `bdf` attaches a private unmanaged domain (`iommu_attach_device`, scenario 20). */
  iommuAttachDevice(bdf: string, opts?: { readonly type?: 'identity' | 'unmanaged'; readonly api?: 'iommu_attach_device' | 'iommu_attach_group' }): SysResult;
  iommuDetachDevice(bdf: string): SysResult;
  /** F+: a kernel driver attaches a PASID domain (`iommu_attach_device_pasid`). */
  attachDevicePasid(bdf: string, pasid: number): SysResult;
  detachDevicePasid(bdf: string, pasid: number): SysResult;
  /** The kernel's state, for inspection (src/model/inspect.ts) and invariants. Treat as read-only. */
  readonly state: import('./kernel-state.js').KernelState;
}
