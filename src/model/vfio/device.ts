/**
 * vfio device files (`vfio_device_fops`): VFIO_DEVICE_GET_INFO and release. A device fd holds a
 * container user (container path) or its share of the iommufd device claim (iommufd path).
 */
import type { VfioDeviceIoctl } from '../vfio-uapi.js';
import { enter, fail, type KernelState } from '../kernel-state.js';
import { allocFd, type FileKind, type FileOps, type IoctlOut, type OpenFile } from '../file-table.js';
import { vfioDfGroupCloseIommufd } from './iommufd.js';
import type { Device } from '../base/device.js';
import type { Outcome } from '../errno.js';
import { openDeviceCount, vfioGroupDeviceClosed, type VfioGroup } from './group.js';

/** `vfio_device_open_file()` (drivers/vfio/group.c): the device's open count goes up and a device fd is made. */
export function openVfioDeviceFile(k: KernelState, vg: VfioGroup, bdf: string, kind: FileKind): number {
  enter(k, 'vfio_device_open');
  vg.openDevices.set(bdf, (vg.openDevices.get(bdf) ?? 0) + 1);
  return allocFd(k, { kind, id: vg.id, device: bdf });
}

/** What a vfio bus driver registers for its devices (`struct vfio_device_ops`): the ioctls the core passes on. */
export interface VfioDeviceOps {
  /** VFIO_DEVICE_GET_INFO through `ops->ioctl`. */
  readonly getInfo: (k: KernelState, dev: Device) => Outcome<IoctlOut>;
}

declare module '../kernel-state.js' {
  interface KernelOps {
    /** `vfio_device_ops` of vfio-pci (PCI devices) and vfio-platform (the others), registered at boot. */
    readonly vfioDeviceOps: Readonly<Record<'vfio-pci' | 'vfio-platform', VfioDeviceOps>>;
  }
}

/** VFIO_DEVICE_GET_INFO: `vfio_device_fops_unl_ioctl()` → the driver's `ops->ioctl` (vfio-pci: `vfio_pci_core_ioctl`). */
export function vfioDeviceGetInfo(k: KernelState, _fd: number, file: OpenFile): Outcome<IoctlOut> {
  enter(k, 'vfio_pci_core_ioctl: VFIO_DEVICE_GET_INFO');
  const dev = file.device === undefined ? undefined : k.devices.get(file.device);
  if (!dev) return fail(k, 'vfio_device_fops_unl_ioctl', 'ENODEV', `device ${String(file.device)} is gone`);
  return k.ops.vfioDeviceOps[dev.pci ? 'vfio-pci' : 'vfio-platform'].getInfo(k, dev);
}

/** `vfio_device_fops_release()`: last close of the device; iommufd path: unbind (release that device's claim share). */
export function vfioDeviceRelease(k: KernelState, _fd: number, file: OpenFile): void {
  enter(k, 'vfio_device_fops_release');
  const vg = k.vfioGroups.get(file.id);
  const bdf = file.device;
  if (!vg || bdf === undefined) return;
  const n = (vg.openDevices.get(bdf) ?? 1) - 1;
  if (n > 0) vg.openDevices.set(bdf, n);
  else vg.openDevices.delete(bdf);
  vfioDfGroupCloseIommufd(k, bdf);
  vfioGroupDeviceClosed(k, vg);
  void openDeviceCount;
}

/** `vfio_device_fops` of a device fd from VFIO_GROUP_GET_DEVICE_FD. BIND_IOMMUFD is for cdev fds only: C → EINVAL (`df->group`), before 6.6 vfio-pci answers ENOTTY. */
export const VFIO_DEVICE_FOPS: FileOps<Extract<VfioDeviceIoctl, 'VFIO_DEVICE_GET_INFO' | 'VFIO_DEVICE_BIND_IOMMUFD'>> = {
  ioctls: {
    VFIO_DEVICE_GET_INFO: vfioDeviceGetInfo,
    VFIO_DEVICE_BIND_IOMMUFD: (k) => (k.profile.vfioDeviceCdev && k.opts.vfioDeviceCdev
      ? fail(k, 'vfio_df_ioctl_bind_iommufd', 'EINVAL', 'BIND_IOMMUFD is only allowed on /dev/vfio/devices fds, not on a group-path device fd')
      : fail(k, 'vfio_pci_core_ioctl', 'ENOTTY', 'no VFIO_DEVICE_BIND_IOMMUFD before 6.6 / without CONFIG_VFIO_DEVICE_CDEV')),
  },
  release: vfioDeviceRelease,
};
