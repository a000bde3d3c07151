/**
 * What a `Kernel` is built from: the facts a booted Linux host shows under /sys for the parts that
 * DMA ownership depends on. Plain data that serialises; objects refer to each other by BDF and group id.
 *
 * The host layer (src/host) produces it from a live /sys, a directory tree or a sysfs-capture/1 file;
 * tests (and the demo) build it with `src/model/examples/host-builder.ts`. The model derives everything else itself
 * (PCIe port type, ACS, SR-IOV, header type) from `config`, as the kernel does.
 */
export interface PciDeviceDesc {
  /** dev_name(): '0000:01:00.0'. */
  readonly bdf: string;
  /** The device directory below /sys, as the kernel lays it out: 'devices/pci0000:00/0000:00:06.0/0000:01:00.0'. */
  readonly path: string;
  readonly vendor: number;
  readonly device: number;
  readonly subsystemVendor: number;
  readonly subsystemDevice: number;
  /** 24-bit class code, e.g. 0x060400. */
  readonly class: number;
  readonly revision: number;
  /**
   * Config space as far as it could be read: 64 bytes unprivileged, 256 or 4096 as root — or, when
   * `configSize` is set, only its bytes up to the last non-zero one (pci/config.ts `pciConfigCompact`).
   */
  readonly config: Uint8Array;
  /**
   * How many bytes of config space were read when `config` keeps fewer: the rest read as zero. A report
   * keeps ~330 bytes of a PCIe function's 4096. Read it with `pciConfigSize()` / `pciConfigBytes()`.
   */
  readonly configSize?: number;
  /** Bound PCI driver name, or null. */
  readonly driver: string | null;
  /** driver_override, or null when unset (sysfs shows "(null)"). */
  readonly driverOverride: string | null;
  /** IOMMU group id, or null when the device has none. */
  readonly iommuGroup: number | null;
  /** reset_method words ('flr', 'pm', 'bus', ...), or null when the attribute is absent. */
  readonly resetMethod: readonly string[] | null;
  /** boot_vga: true/false, or null when absent (only VGA devices have it). */
  readonly bootVga: boolean | null;
  /** sriov_totalvfs / sriov_numvfs, or null when the device is not an SR-IOV PF. */
  readonly sriovTotalvfs: number | null;
  readonly sriovNumvfs: number | null;
  /** BDF of the PF for an SR-IOV VF (the physfn link), else null. */
  readonly physfn: string | null;
  /** Other attribute files, verbatim (e.g. modalias, numa_node, enable), so the sysfs view can show them. */
  readonly attrs: Readonly<Record<string, string>>;
}

/** A non-PCI device that sits in an IOMMU group (platform, amba, fsl-mc, cdx). */
export interface OtherDeviceDesc {
  readonly bus: 'platform' | 'amba' | 'fsl-mc' | 'cdx';
  readonly name: string;
  readonly path: string;
  readonly driver: string | null;
  readonly driverOverride: string | null;
  readonly iommuGroup: number | null;
}

export type ReservedRegionType = 'direct' | 'direct-relaxable' | 'reserved' | 'msi';

export interface ReservedRegion {
  readonly start: bigint;
  readonly end: bigint;
  readonly type: ReservedRegionType;
}

export interface IommuGroupDesc {
  readonly id: number;
  /** The `type` attribute verbatim (default domain type): 'DMA', 'DMA-FQ', 'identity', 'blocked', 'unmanaged', 'unknown'; null if absent. */
  readonly type: string | null;
  readonly reservedRegions: readonly ReservedRegion[];
  /** The `name` attribute (e.g. 'vfio-noiommu'), or null. */
  readonly name: string | null;
}

export interface HostDescription {
  /** uname -r; selects the kernel profile. */
  readonly kernel: string;
  /** IOMMU/VFIO/PCI-related kernel parameters only. */
  readonly cmdline: readonly string[];
  readonly pci: readonly PciDeviceDesc[];
  readonly other: readonly OtherDeviceDesc[];
  readonly groups: readonly IommuGroupDesc[];
  /** Registered PCI drivers (the directories under /sys/bus/pci/drivers). */
  readonly pciDrivers: readonly string[];
  /** IOMMU hardware units (/sys/class/iommu/*), e.g. 'dmar0', 'ivhd0'. */
  readonly iommus: readonly string[];
}
