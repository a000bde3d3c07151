/**
 * Which bound drivers make an IOMMU group unusable for user space, per kernel version — the rule
 * `dmaown` reports and plans against. Two eras (spec/kernel-ownership.md §0.1):
 *
 * - ownership (≥ 5.19, `iommu_device_use_default_domain()` from bus dma_configure): a group can be
 *   claimed iff no member is bound to a driver without `driver_managed_dma` (§1.2, §3.5, §5.2);
 * - legacy (5.10 … 5.18, drivers/vfio/vfio.c `vfio_dev_viable()`): a member is fine iff unbound,
 *   a bridge by header type (any driver), on pci-stub, or on a vfio bus driver (§4.3).
 */
import { profileFor } from '../model/profiles.js';
import { isDriverManagedDma as modelIsDriverManagedDma } from '../model/driver-registry.js';

/** The era whose rule applies to a kernel release string ('5.15.0-71-generic'). */
export type DmaEra = 'legacy' | 'ownership';

/** Major.minor of a `uname -r` string; null when it does not start with one. */
export function kernelVersion(release: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * 'ownership' when the model's profile for this release has `dmaOwnership` (5.19+), 'legacy' before;
 * releases the model cannot profile: before 5.10 legacy, unparsable strings as current kernels.
 */
export function dmaEra(release: string): DmaEra {
  const p = profileFor(release);
  if (p.ok) return p.value.dmaOwnership ? 'ownership' : 'legacy';
  const v = kernelVersion(release);
  return v && (v[0] < 5 || (v[0] === 5 && v[1] < 19)) ? 'legacy' : 'ownership';
}

/** driver_managed_dma (spec §3.5) as the model knows it: pci-stub, pcieport, vfio-pci and variants, vfio bus drivers. */
export const isDriverManagedDma: (driver: string) => boolean = modelIsDriverManagedDma;

/** A vfio bus driver (5.10 `vfio_dev_viable()` case 4: a registered vfio device). */
export function isVfioDriver(driver: string): boolean {
  return driver === 'vfio-pci' || driver.startsWith('vfio-') || driver.endsWith('-vfio-pci');
}

export interface MemberFacts {
  readonly driver: string | null;
  /** PCI header type (config byte 0x0e, low 7 bits): 0 normal, 1 bridge, 2 CardBus. */
  readonly headerType: number;
}

/**
 * Why a member does not block user ownership, or null when it does block.
 * ownership era: `dma_configure` only counts drivers without driver_managed_dma (pci_dma_configure).
 * legacy era: `vfio_dev_viable()` — unbound, non-normal header, `vfio_driver_allowed[]` = pci-stub, vfio.
 */
export function exemption(era: DmaEra, m: MemberFacts): string | null {
  if (m.driver === null) return 'unbound';
  if (era === 'ownership') return isDriverManagedDma(m.driver) ? `${m.driver} sets driver_managed_dma` : null;
  if (m.headerType !== 0) return 'bridge (header type exempt before 5.19)';
  if (m.driver === 'pci-stub') return 'pci-stub (vfio_driver_allowed)';
  if (isVfioDriver(m.driver)) return `${m.driver} (vfio bus driver)`;
  return null;
}
