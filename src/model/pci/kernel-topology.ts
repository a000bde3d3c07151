/**
 * `pci_device_group()` for a device added while the kernel runs (hot-add, rescan): pci/device-group.ts decides
 * over a view of the running kernel. The IOMMU drivers register it as `iommu_ops.device_group` (iommu/group-for-dev.ts),
 * which `iommu_group_get_for_dev()` calls. The view parses config space only of the functions the search
 * touches, so choosing a group costs O(path to the root + functions on the buses it looks at), never O(host).
 */
import type { Device } from '../base/device.js';
import type { KernelState } from '../kernel-state.js';
import { pciDeviceGroup, type PciFunctionView, type PciTopologyView } from './device-group.js';
import { pciFunctionView, pciPlacement } from './host-topology.js';
import { PCI_EXP_TYPE_PCIE_BRIDGE, PCI_EXP_TYPE_PCI_BRIDGE } from './config.js';

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

/** `pci_device_group()` as `iommu_ops.device_group`: the group `dev` joins, or null for a new one. */
export function pciDeviceGroupOfKernel(k: KernelState, dev: Device): number | null {
  return pciDeviceGroup(kernelPciTopology(k), dev.name).joins;
}

/** Whether `dev` issues DMA with a PCIe-to-PCI bridge's requester ID (the bridge-alias step of pci_device_group()). */
export function pciBehindPcieToPciBridge(k: KernelState, dev: Device): boolean {
  if (!dev.pci) return false;
  const view = kernelPciTopology(k);
  const first = pciPlacement(dev.pci).parent;
  for (let br = first !== null && view.device(first) ? first : null; br !== null; br = view.parentBridge(br)) {
    const t = view.device(br)?.config.pcie?.type;
    if (t === PCI_EXP_TYPE_PCI_BRIDGE || t === PCI_EXP_TYPE_PCIE_BRIDGE) return true;
  }
  return false;
}
