/**
 * The system-call surface of the simulated kernel: what user space can do to it (sysfs reads and
 * writes, open/ioctl/close on /dev/vfio/* and /dev/iommu) and the events a test can inject (hotplug,
 * module load). Request names and argument shapes are those of dmaown-trace/1, so replaying a trace
 * is a thin mapping: `{call:'ioctl', fd, request, arg}` → `kernel.ioctl(fd, request, arg)`.
 *
 * Every call answers a `SysResult` — errno.ts's one `Result` type, as `Result<T, SysErrno>` with `calls` always set:
 *   - `errno: 'oops'`    the kernel hit BUG(); the calling task died, state is what the BUG left;
 *   - `errno: 'blocked'` the call did not return; `id` names it for `wait(id)`;
 *   - `calls`            the kernel functions it went through, failures as `fn: -EBUSY (why)`.
 */
import type { Errno, SysErrno, SysResult } from './errno.js';
import type { VfioIommuType } from './vfio-uapi.js';
import type { PciDeviceDesc } from './host-description.js';

export type { SysErrno, SysResult, Outcome } from './errno.js';
export { VFIO_IOMMU_TYPES, VFIO_API_VERSION, type VfioIommuType } from './vfio-uapi.js';

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
  wait(id: string): SysResult<unknown>;
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
