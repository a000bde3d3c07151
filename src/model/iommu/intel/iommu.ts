/**
 * The Intel IOMMU driver's `iommu_ops` (drivers/iommu/intel/iommu.c, `intel_iommu_ops`), registered at boot on a
 * host with DMAR units: `.device_group` → `pci_device_group()`; `.release_device` (L, conformance/5.10/S15): a
 * device removed while its group is attached to a non-default domain, or held by vfio, leaves its
 * `device_domain_info` in that domain (iommu/probe.ts meets it again) — unless it issued DMA as a PCIe-to-PCI
 * bridge (conformance/5.10/S24). [UNSURE of the mechanism: see iommu/probe.ts.]
 */
import type { IommuOps } from '../group-for-dev.js';
import { pciBehindPcieToPciBridge, pciDeviceGroupOfKernel } from '../../pci/kernel-topology.js';

/** `intel_iommu_ops`. */
export const INTEL_IOMMU_OPS: IommuOps = {
  deviceGroup: pciDeviceGroupOfKernel,
  releaseDevice(k, dev, g, held) {
    if (k.profile.dmarStaleDevInfo && g.domain !== null && (g.domain !== g.defaultDomain || held) && !pciBehindPcieToPciBridge(k, dev)) {
      k.dmarStaleDevInfo.set(dev.name, g.domain);
    }
  },
};
