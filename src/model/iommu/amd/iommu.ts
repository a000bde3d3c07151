/**
 * The AMD IOMMU driver's `iommu_ops` (drivers/iommu/amd/iommu.c, `amd_iommu_ops`), and the model's choice for a
 * host with any other IOMMU (or none recorded): `.device_group` → `pci_device_group()` for PCI devices.
 */
import type { IommuOps } from '../group-for-dev.js';
import { pciDeviceGroupOfKernel } from '../../pci/kernel-topology.js';

/** `amd_iommu_ops`. */
export const AMD_IOMMU_OPS: IommuOps = { deviceGroup: pciDeviceGroupOfKernel };
