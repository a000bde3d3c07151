/**
 * The `bus_type` DMA callbacks of PCI and of the other buses the model knows (spec §3.2): `pci_dma_configure` /
 * `pci_dma_cleanup` (drivers/pci/pci-driver.c) and their twins `platform_dma_configure` (drivers/base/platform.c),
 * `amba_dma_configure` (drivers/amba/bus.c), `fsl_mc_dma_configure` (drivers/bus/fsl-mc), `cdx_dma_configure`
 * (drivers/cdx/cdx.c) — the same rule, so written once here. O1+: after firmware DMA setup, a driver without
 * `driver_managed_dma` takes `iommu_device_use_default_domain()`; cleanup gives it back. L: no ownership.
 * On a platform that makes groups at probe (arm-smmu-v3) the firmware step is where a PCI function joins
 * its group (iommu/arm/of-iommu.ts, reached through `KernelOps.ofIommuConfigure`); a function left without one
 * binds with no ownership check at all.
 * CDX is the known quirk: an ownership failure is not propagated (`cdx_dma_configure` ends `return 0`).
 * Registered at boot as each bus's `bus_type.dma_configure` / `dma_cleanup` (BUS_TYPE_DMA_OPS).
 */
import { ok, type Outcome } from '../errno.js';
import type { BusType, Device } from '../base/device.js';
import type { BusTypeOps } from '../base/bus.js';
import type { DeviceDriver } from '../base/driver-registry.js';
import { iommuDeviceUnuseDefaultDomain, iommuDeviceUseDefaultDomain } from '../iommu/group.js';
import { enter, type KernelState } from '../kernel-state.js';

declare module '../kernel-state.js' {
  interface KernelOps {
    /**
     * The firmware's IOMMU setup `pci_dma_configure()` runs first on a platform that makes groups at probe:
     * `of_dma_configure_id()` → `of_iommu_configure()` (iommu/arm/of-iommu.ts), registered at boot.
     */
    readonly ofIommuConfigure: (k: KernelState, dev: Device) => void;
  }
}

const CONFIGURE: Readonly<Record<BusType, string>> = {
  pci: 'pci_dma_configure', platform: 'platform_dma_configure', amba: 'amba_dma_configure',
  'fsl-mc': 'fsl_mc_dma_configure', cdx: 'cdx_dma_configure',
};

/**
 * The bus `dma_configure` callback (`pci_dma_configure()` drivers/pci/pci-driver.c, `platform_dma_configure()`
 * drivers/base/platform.c, …), called by `really_probe()`: O1+, unless the driver sets `driver_managed_dma`, takes a
 * DMA-API use of the group (`iommu_device_use_default_domain()`: EBUSY while user space owns it). cdx ignores the error.
 */
export function pciDmaConfigure(k: KernelState, dev: Device, drv: DeviceDriver): Outcome {
  enter(k, CONFIGURE[dev.bus]);
  // Firmware DMA setup first (of_dma_configure_id / acpi_dma_configure): where groups are made at probe
  // (arm-smmu-v3, iommu/platform.ts) a function without a group gets one here — or, on a stream-ID clash, none.
  if (dev.bus === 'pci' && k.platform.groupAt === 'probe') k.ops.ofIommuConfigure(k, dev);
  if (!k.profile.dmaOwnership || drv.driverManagedDma) return ok();
  const r = iommuDeviceUseDefaultDomain(k, dev);
  if (!r.ok && dev.bus === 'cdx') return ok();
  return r;
}

/** The bus `dma_cleanup` callback (`pci_dma_cleanup()` …, 6.0+): gives back the DMA-API use `pciDmaConfigure` took (`iommu_device_unuse_default_domain()`). */
export function pciDmaCleanup(k: KernelState, dev: Device, drv: DeviceDriver): void {
  if (!k.profile.dmaOwnership) return;
  enter(k, CONFIGURE[dev.bus].replace('configure', 'cleanup'));
  if (drv.driverManagedDma || dev.defaultDomainUses === 0) return;
  iommuDeviceUnuseDefaultDomain(k, dev);
}

/** What each bus registers as its `bus_type.dma_configure` / `dma_cleanup`. */
export const BUS_TYPE_DMA_OPS: Readonly<Record<BusType, BusTypeOps>> = {
  pci: { dmaConfigure: pciDmaConfigure, dmaCleanup: pciDmaCleanup },
  platform: { dmaConfigure: pciDmaConfigure, dmaCleanup: pciDmaCleanup },
  amba: { dmaConfigure: pciDmaConfigure, dmaCleanup: pciDmaCleanup },
  'fsl-mc': { dmaConfigure: pciDmaConfigure, dmaCleanup: pciDmaCleanup },
  cdx: { dmaConfigure: pciDmaConfigure, dmaCleanup: pciDmaCleanup },
};
