/**
 * The operations `dmaown verify` explores: each one user-space action on the group, written as the system
 * calls a process makes (the same shape as a dmaown-trace/1 step, descriptors by number). Ops name devices
 * by their index in the group (`dev1`), as ../shared/spin/ownership.pml does.
 *
 * Alphabets:
 * - `spin`: exactly the Promela model's — bind/unbind of e1000 (a DMA-API driver), pci-stub, vfio-pci and
 *   pcieport through the drivers' sysfs `bind`/`unbind`; open/close of /dev/vfio/N; SET_CONTAINER with
 *   SET_IOMMU folded in (open /dev/vfio/vfio, SET_CONTAINER, SET_IOMMU type1v2, close the container fd);
 *   UNSET_CONTAINER; GET_DEVICE_FD and close of a device fd.
 * - `full`: `spin` plus `driver_override` (vfio-pci / cleared) and `drivers_probe`, and on kernels with
 *   IOMMUFD (6.2+) one iommufd (open /dev/iommu with IOMMU_IOAS_ALLOC; close) and the group given it
 *   (SET_CONTAINER with the iommufd), and with the vfio cdev (6.6+) open /dev/vfio/devices/vfioN,
 *   BIND_IOMMUFD to that iommufd, ATTACH_IOMMUFD_PT to its IOAS, DETACH_IOMMUFD_PT, close.
 */
import type { KernelState } from '../model/index.js';

export type Alphabet = 'spin' | 'full';

export type Op =
  | { readonly kind: 'open-group' }
  | { readonly kind: 'close-group' }
  | { readonly kind: 'set-container' }
  | { readonly kind: 'unset-container' }
  | { readonly kind: 'bind'; readonly dev: number; readonly driver: string }
  | { readonly kind: 'unbind'; readonly dev: number }
  | { readonly kind: 'get-device-fd'; readonly dev: number }
  | { readonly kind: 'close-device-fd'; readonly dev: number }
  | { readonly kind: 'override'; readonly dev: number; readonly driver: string }
  | { readonly kind: 'drivers-probe'; readonly dev: number }
  | { readonly kind: 'open-iommufd' }
  | { readonly kind: 'close-iommufd' }
  | { readonly kind: 'set-iommufd' }
  | { readonly kind: 'cdev-open'; readonly dev: number }
  | { readonly kind: 'cdev-bind'; readonly dev: number }
  | { readonly kind: 'cdev-attach'; readonly dev: number }
  | { readonly kind: 'cdev-detach'; readonly dev: number }
  | { readonly kind: 'cdev-close'; readonly dev: number };

/** A system call with descriptors by number; `fdOut` marks the answer's `fd` as a new descriptor. */
export interface Syscall {
  readonly call: 'write' | 'open' | 'close' | 'ioctl' | 'wait';
  /** wait: the kernel's id of the blocked call. */
  readonly id?: string;
  readonly path?: string;
  readonly data?: string;
  readonly fd?: number;
  readonly request?: string;
  readonly arg?: Readonly<Record<string, unknown>>;
  /** The ioctl answers a new descriptor in `out.fd`. */
  readonly fdOut?: boolean;
}

/** What an op works on: the group, its members in order, and the drivers it may offer each member. */
export interface GroupSpec {
  readonly group: number;
  readonly devices: readonly string[];
  /** Drivers offered to each device by `bind` (the spin alphabet offers all four everywhere; the model refuses). */
  readonly bindDrivers: readonly string[];
  /** What `driver_override` is set to (besides clearing it) in the full alphabet. */
  readonly overrideDrivers: readonly string[];
}

/** The op's name in output and traces: `bind(dev1, vfio-pci)`, `SET_CONTAINER`, as ownership.pml prints them. */
export function opName(op: Op): string {
  switch (op.kind) {
    case 'open-group': return 'open(group)';
    case 'close-group': return 'close(group)';
    case 'set-container': return 'SET_CONTAINER';
    case 'unset-container': return 'UNSET_CONTAINER';
    case 'bind': return `bind(dev${op.dev}, ${op.driver})`;
    case 'unbind': return `unbind(dev${op.dev})`;
    case 'get-device-fd': return `GET_DEVICE_FD(dev${op.dev})`;
    case 'close-device-fd': return `close(devfd dev${op.dev})`;
    case 'override': return `driver_override(dev${op.dev}, ${op.driver === '' ? '""' : op.driver})`;
    case 'drivers-probe': return `drivers_probe(dev${op.dev})`;
    case 'open-iommufd': return 'open(/dev/iommu)';
    case 'close-iommufd': return 'close(iommufd)';
    case 'set-iommufd': return 'SET_CONTAINER(iommufd)';
    case 'cdev-open': return `open(cdev dev${op.dev})`;
    case 'cdev-bind': return `BIND_IOMMUFD(dev${op.dev})`;
    case 'cdev-attach': return `ATTACH_IOMMUFD_PT(dev${op.dev})`;
    case 'cdev-detach': return `DETACH_IOMMUFD_PT(dev${op.dev})`;
    case 'cdev-close': return `close(cdev dev${op.dev})`;
  }
}

/** Every op of the alphabet for this group and kernel, in the order ownership.pml lists them (group ops, then per device). */
export function alphabet(spec: GroupSpec, which: Alphabet, k: KernelState): Op[] {
  const out: Op[] = [{ kind: 'open-group' }, { kind: 'close-group' }, { kind: 'set-container' }, { kind: 'unset-container' }];
  const iommufd = which === 'full' && k.opts.iommufd && k.profile.deviceClaim;
  const cdev = which === 'full' && k.opts.vfioDeviceCdev && k.profile.vfioDeviceCdev;
  if (iommufd || cdev) out.push({ kind: 'open-iommufd' }, { kind: 'close-iommufd' });
  if (iommufd) out.push({ kind: 'set-iommufd' });
  spec.devices.forEach((_, dev) => {
    for (const driver of spec.bindDrivers) out.push({ kind: 'bind', dev, driver });
    out.push({ kind: 'unbind', dev }, { kind: 'get-device-fd', dev }, { kind: 'close-device-fd', dev });
    if (which === 'full') {
      for (const driver of [...spec.overrideDrivers, '']) out.push({ kind: 'override', dev, driver });
      out.push({ kind: 'drivers-probe', dev });
    }
    if (cdev) {
      out.push({ kind: 'cdev-open', dev }, { kind: 'cdev-bind', dev }, { kind: 'cdev-attach', dev }, { kind: 'cdev-detach', dev }, { kind: 'cdev-close', dev });
    }
  });
  return out;
}
