/**
 * The file operations a kernel is built with: one `FileOps` per file type, each defined beside its kernel
 * object (vfio/container.ts `vfio_fops`, vfio/group.ts `vfio_group_fops`, vfio/device.ts and vfio/cdev.ts
 * `vfio_device_fops`, iommufd/main.ts `iommufd_fops`). `createKernel()` passes this table to the kernel;
 * a test may build a kernel with another.
 */
import type { FileOpsTable } from './file-table.js';
import { VFIO_CDEV_FOPS } from './vfio/cdev.js';
import { VFIO_CONTAINER_FOPS } from './vfio/container.js';
import { VFIO_DEVICE_FOPS } from './vfio/device.js';
import { VFIO_GROUP_FOPS } from './vfio/group.js';
import { IOMMUFD_FOPS } from './iommufd/main.js';

export const FILE_OPS: FileOpsTable = {
  'vfio-container': VFIO_CONTAINER_FOPS,
  'vfio-group': VFIO_GROUP_FOPS,
  'vfio-device': VFIO_DEVICE_FOPS,
  'vfio-cdev': VFIO_CDEV_FOPS,
  'iommufd': IOMMUFD_FOPS,
};
