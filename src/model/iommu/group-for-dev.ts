/**
 * `iommu_group_get_for_dev()` → `ops->device_group()` = `pci_device_group()` for a device added while the
 * kernel runs (hot-add, rescan): src/model/pci/device-group.ts decides over a view of the running kernel.
 * The view parses config space only of the functions the search touches, so choosing a group costs
 * O(path to the root + functions on the buses it looks at), never O(host).
 */
import type { Device } from '../base/device.js';
import type { KernelState } from '../kernel-state.js';
import { pciDeviceGroup, type PciDeviceGroupResult, type PciFunctionView, type PciTopologyView } from '../pci/device-group.js';
import { pciFunctionView, pciPlacement } from '../pci/host-topology.js';
import { iommuGroupAllocId } from './probe.js';

/** The running kernel as pci_device_group() sees it: live devices, `pdev->multifunction`, current groups. */
export function kernelPciTopology(k: KernelState): PciTopologyView {
  const views = new Map<string, PciFunctionView | undefined>();
  const pci = (bdf: string): Device | undefined => {
    const d = k.devices.get(bdf);
    return d && d.pci && !d.dead ? d : undefined;
  };
  return {
    ctx: { ivrs: k.iommus.some((u) => u.startsWith('ivhd')) },
    device(bdf) {
      if (!views.has(bdf)) {
        const d = pci(bdf);
        views.set(bdf, d?.pci ? pciFunctionView(d.pci, d.multifunction) : undefined);
      }
      return views.get(bdf);
    },
    parentBridge(bdf) {
      const d = pci(bdf);
      const parent = d?.pci ? pciPlacement(d.pci).parent : null;
      return parent !== null && pci(parent) ? parent : null;
    },
    devicesOnBus(bdf) {
      return [...(k.pciBuses.get(bdf.slice(0, bdf.lastIndexOf(':'))) ?? [])];
    },
    group: (bdf) => pci(bdf)?.group ?? null,
    realDmaDev(bdf) {
      const d = pci(bdf);
      return (d?.pci ? pciPlacement(d.pci).realDmaDev : null) ?? bdf;
    },
  };
}

/** The group a hot-added PCI device gets: an existing one `pci_device_group()` finds, else a new id (lowest free). */
export function iommuGroupGetForDev(k: KernelState, dev: Device): { readonly gid: number; readonly how: PciDeviceGroupResult } {
  const how = pciDeviceGroup(kernelPciTopology(k), dev.name);
  return { gid: how.joins ?? iommuGroupAllocId(k), how };
}
