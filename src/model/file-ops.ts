/**
 * The file operations a kernel is built with: one `FileOps` per file type, each defined beside its kernel
 * object (vfio/container.ts `vfio_fops`, vfio/group.ts `vfio_group_fops`, vfio/device.ts and vfio/cdev.ts
 * `vfio_device_fops`, iommufd/main.ts `iommufd_fops`). `createKernel()` passes this table to the kernel;
 * a test may build a kernel with another.
 */
import { ok, type Outcome } from './errno.js';
import { allocFd, type FileOpsTable } from './file-table.js';
import type { CdevKind } from './kernfs.js';
import { enter, fail, type KernelState } from './kernel-state.js';
import { vfioGroupByNode } from './sysfs/dev.js';
import { vfioDeviceByName } from './vfio/device-class.js';
import { VFIO_CDEV_FOPS, vfioDeviceFopsCdevOpen } from './vfio/cdev.js';
import { VFIO_CONTAINER_FOPS, vfioContainerOpen } from './vfio/container.js';
import { VFIO_DEVICE_FOPS } from './vfio/device.js';
import { VFIO_GROUP_FOPS, vfioGroupFopsOpen } from './vfio/group.js';
import { IOMMUFD_FOPS, iommufdFopsOpen } from './iommufd/main.js';

export const FILE_OPS: FileOpsTable = {
  'vfio-container': VFIO_CONTAINER_FOPS,
  'vfio-group': VFIO_GROUP_FOPS,
  'vfio-device': VFIO_DEVICE_FOPS,
  'vfio-cdev': VFIO_CDEV_FOPS,
  'iommufd': IOMMUFD_FOPS,
};

/** `open()` of a /dev node: `chrdev_open()` → the character device's `fops->open`, by the node's `CdevKind`. */
export type CdevOpen = (k: KernelState, name: string, path: string) => Outcome<number>;

/** The `open` of each character device the model has. */
export const CDEV_OPEN: Readonly<Record<CdevKind, CdevOpen>> = {
  /** /dev/iommu: `iommufd_fops_open()`. */
  iommu: (k) => iommufdFopsOpen(k),
  /** /dev/vfio/vfio: `vfio_fops_open()`, a new container. */
  vfio: (k) => {
    enter(k, 'vfio_fops_open');
    return ok(allocFd(k, { kind: 'vfio-container', id: vfioContainerOpen(k) }));
  },
  /** /dev/vfio/N, /dev/vfio/noiommu-N: `vfio_group_fops_open()`. */
  'vfio-group': (k, name, path) => {
    const vg = vfioGroupByNode(k, name);
    if (!vg) return fail(k, 'vfio_group_fops_open', 'ENODEV', `${path}: no vfio group`);
    return vfioGroupFopsOpen(k, vg);
  },
  /** /dev/vfio/devices/vfioN: `vfio_device_fops_cdev_open()`. */
  'vfio-device': (k, name, path) => {
    const bdf = vfioDeviceByName(k, name);
    const vg = bdf === undefined ? undefined : k.vfioGroups.get(k.devices.get(bdf)?.group ?? -1);
    if (!vg || bdf === undefined) return fail(k, 'vfio_device_fops_cdev_open', 'ENODEV', `${path}: device gone`);
    return vfioDeviceFopsCdevOpen(k, vg, bdf);
  },
};
