/**
 * The VFIO uAPI constants the model answers with (include/uapi/linux/vfio.h): request names, IOMMU backend types,
 * the API version. Ground floor: vfio/ and iommufd/ (its vfio compat) both read them.
 */
/** The ioctls of /dev/vfio/vfio (a container), include/uapi/linux/vfio.h. */
export type VfioContainerIoctl = 'VFIO_GET_API_VERSION' | 'VFIO_CHECK_EXTENSION' | 'VFIO_SET_IOMMU';
/** The ioctls of /dev/vfio/N (a group). */
export type VfioGroupIoctl = 'VFIO_GROUP_GET_STATUS' | 'VFIO_GROUP_SET_CONTAINER' | 'VFIO_GROUP_UNSET_CONTAINER' | 'VFIO_GROUP_GET_DEVICE_FD';
/** The ioctls of a device fd (GET_DEVICE_FD, or /dev/vfio/devices/vfioN: the last three only there, 6.6+). */
export type VfioDeviceIoctl = 'VFIO_DEVICE_GET_INFO' | 'VFIO_DEVICE_BIND_IOMMUFD' | 'VFIO_DEVICE_ATTACH_IOMMUFD_PT' | 'VFIO_DEVICE_DETACH_IOMMUFD_PT';

/** VFIO IOMMU backend types (VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU `type`/`extension`). */
export const VFIO_IOMMU_TYPES = {
  VFIO_TYPE1_IOMMU: 1, VFIO_SPAPR_TCE_IOMMU: 2, VFIO_TYPE1v2_IOMMU: 3, VFIO_NOIOMMU_IOMMU: 8,
} as const;
export type VfioIommuType = keyof typeof VFIO_IOMMU_TYPES;

/** `VFIO_API_VERSION` (vfio.h): what VFIO_GET_API_VERSION returns. */
export const VFIO_API_VERSION = 0;
