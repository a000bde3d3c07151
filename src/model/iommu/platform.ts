/**
 * The IOMMU platform of a host: which IOMMU driver the kernel runs and how the firmware describes PCI to
 * it. Chosen from the host (the units under /sys/class/iommu, the PCI host bridge's place in /sys), never
 * from the release: the same kernel behaves differently on x86 and on arm64. The model switches on the
 * flags below (one model; profiles.ts carries the version, this the platform).
 *
 * - intel-iommu / amd-iommu (x86, ACPI DMAR/IVRS): every PCI function is given its group when it is added
 *   (`iommu_probe_device()` from the bus notifier / `bus_iommu_probe()`), before a driver looks at it, and
 *   before `pci_scan_slot()` sets `multifunction` on functions > 0.
 * - arm-smmu-v3 (arm64; recorded on QEMU virt, device tree, 6.1.0-56 and 6.12.117 — conformance/arm64-6.1, arm64-6.12):
 *   `arm_smmu_probe_device()` answers -ENODEV to a device without an `iommu_fwspec`, and the fwspec is made
 *   by the firmware glue at driver probe: `really_probe()` → `pci_dma_configure()` → `of_dma_configure_id()`
 *   → `of_iommu_configure()` (drivers/iommu/of_iommu.c; IORT: `acpi_dma_configure_id()`) →
 *   `iommu_probe_device()`. A function no driver has probed has no group (the host bridge 00:00.0); one that is
 *   re-added joins at its first probe, by then marked multifunction (conformance/arm64-6.1 and arm64-6.12, S15: 00:05.1 rejoins
 *   group 3 where x86 gave it a new group). `pci_request_acs()` is only called there too, after the boot-time
 *   enumeration, so root ports keep their ACS control bits clear (the model reads them as captured); a port
 *   re-added later gets them set (pci/acs-enable.ts, from pci/hotplug.ts).
 *   The stream IDs are the requester IDs of `pci_for_each_dma_alias()` (one `iommu_fwspec_add_ids()` per
 *   alias, `of_pci_iommu_init()`); `arm_smmu_insert_master()` (arm-smmu-v3.c, 6.1 and 6.12) refuses an ID
 *   another master already holds: "stream N already in tree from dev X", -EINVAL, `iommu_probe_device()` fails,
 *   `of_dma_configure_id()` takes "all other IOMMU errors to mean we'll just carry on without it", and the
 *   driver binds a device in no group (`iommu_device_use_default_domain()` has no group to count it in).
 *   Two conventional functions behind one PCIe-to-PCI bridge share its (secondary bus, devfn 0) ID: the first
 *   to probe gets the group, the second none.
 *   [UNSURE: ACPI/IORT arm64 hosts are taken to behave the same (acpi_iommu_configure_id() also runs at
 *   dma_configure); only device tree was recorded. The legacy arm-smmu (v1/v2, "smmu.0x…") is not modelled as
 *   exclusive: its arm_smmu_master_alloc_smes() shares stream-match entries between masters.]
 */
import type { HostDescription } from '../host-description.js';

declare module '../kernel-state.js' {
  interface KernelState {
    /** The IOMMU driver and firmware of the host: when groups are made, stream-ID exclusivity. */
    readonly platform: IommuPlatform;
  }
}

export type IommuDriverName = 'intel-iommu' | 'amd-iommu' | 'arm-smmu-v3' | 'arm-smmu' | 'none' | 'other';

export interface IommuPlatform {
  readonly driver: IommuDriverName;
  /** How the firmware describes the PCI host bridge: a device-tree platform device (`devices/platform/…pcie/pci0000:00`) or ACPI. */
  readonly firmware: 'device-tree' | 'acpi';
  /** When a PCI function gets its IOMMU group: when it is added ('enumeration', x86) or at its first driver probe ('probe', SMMUv3). */
  readonly groupAt: 'enumeration' | 'probe';
  /** arm-smmu-v3: a stream ID belongs to one master; a second device issuing it stays outside every group. */
  readonly exclusiveStreamIds: boolean;
}

/** The IOMMU driver behind a /sys/class/iommu unit name (the name each driver registers with `iommu_device_sysfs_add()`). */
export function iommuDriverOf(unit: string): IommuDriverName {
  if (/^dmar\d+$/.test(unit)) return 'intel-iommu';
  if (/^ivhd\d+$/.test(unit)) return 'amd-iommu';
  if (unit.startsWith('smmu3.')) return 'arm-smmu-v3';
  if (unit.startsWith('smmu.')) return 'arm-smmu';
  return 'other';
}

/** The platform of a host description: its first IOMMU unit's driver, and where its PCI root buses sit. */
export function iommuPlatformFor(desc: Pick<HostDescription, 'iommus' | 'pci'>): IommuPlatform {
  const first = desc.iommus[0];
  const driver: IommuDriverName = first === undefined ? 'none' : iommuDriverOf(first);
  const firmware = desc.pci.some((d) => d.path.startsWith('devices/platform/')) ? 'device-tree' : 'acpi';
  const smmu3 = driver === 'arm-smmu-v3';
  return { driver, firmware, groupAt: smmu3 ? 'probe' : 'enumeration', exclusiveStreamIds: smmu3 };
}

/** How the firmware glue that runs `iommu_probe_device()` at probe is called, for the call trail. */
export function dmaConfigureFn(p: IommuPlatform): string {
  return p.firmware === 'device-tree' ? 'of_dma_configure_id → of_iommu_configure' : 'acpi_dma_configure_id → acpi_iommu_configure_id';
}
