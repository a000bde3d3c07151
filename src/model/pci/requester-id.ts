/**
 * The requester IDs a PCI function's DMA arrives with: `pci_for_each_dma_alias()` (drivers/pci/search.c,
 * the same walk in 5.10–6.12; read in Debian's linux-source-6.12 6.12.117). `pci_real_dma_dev()` first (a VMD
 * endpoint issues the DMA of its domain), then its own ID, the devfns of its `dma_alias_mask` (quirks.c), then up the buses:
 * a PCIe-to-PCI bridge takes over with (secondary bus, devfn 0), a PCI-X-to-PCIe bridge (and a conventional
 * bridge with PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS) likewise, a conventional PCI bridge with its own ID; PCIe ports
 * pass IDs through; a bridge flagged PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT ends the walk.
 *
 * On an SMMU the IDs, mapped through the firmware's `iommu-map` / IORT ID mapping, are the device's stream
 * IDs (`of_pci_iommu_init()` → `iommu_fwspec_add_ids()`, one per alias). QEMU virt maps them 1:1, so the
 * kernel's "stream N" is the requester ID N. [UNSURE for other machines: the map may offset them.]
 */
import { PCI_EXP_TYPE_DOWNSTREAM, PCI_EXP_TYPE_PCIE_BRIDGE, PCI_EXP_TYPE_PCI_BRIDGE, PCI_EXP_TYPE_ROOT_PORT, PCI_EXP_TYPE_UPSTREAM } from './config.js';
import type { PciTopologyView } from './device-group.js';
import { parseBdf } from './dma-alias.js';

/** One ID the walk visits: `PCI_DEVID(bus, devfn)`, and the function it is visited for (`pdev` or a bridge). */
export interface DmaAlias {
  readonly rid: number;
  readonly via: string;
  readonly why: 'own' | 'dma-alias-quirk' | 'pcie-to-pci-bridge' | 'pcie-bridge-alias-quirk' | 'pci-bridge';
}

/** `PCI_DEVID()` as the kernel prints it in "stream N": (bus << 8) | devfn. */
export function pciDevid(bus: number, devfn: number): number {
  return ((bus & 0xff) << 8) | (devfn & 0xff);
}

/** A requester ID as bus:slot.fn ('02:00.0'), for messages. */
export function ridName(rid: number): string {
  const bus = rid >> 8, devfn = rid & 0xff;
  return `${bus.toString(16).padStart(2, '0')}:${(devfn >> 3).toString(16).padStart(2, '0')}.${devfn & 7}`;
}

/**
 * `pci_for_each_dma_alias(pdev, fn, data)` with `fn` collecting every ID, in the kernel's order. Null when
 * `bdf` is unknown to the view. A bridge whose secondary bus is not in its config space (short read)
 * contributes nothing: the walk cannot name the ID, and says so by `unknown`.
 */
export function pciForEachDmaAlias(view: PciTopologyView, bdf: string): { readonly ids: readonly DmaAlias[]; readonly unknown: boolean } | null {
  const real = view.realDmaDev?.(bdf) ?? bdf;
  const me = view.device(real), p = parseBdf(real);
  if (me === undefined || p === null) return null;
  const ids: DmaAlias[] = [{ rid: pciDevid(p.bus, p.devfn), via: real, why: 'own' }];
  for (const devfn of me.dmaAliasDevfns) ids.push({ rid: pciDevid(p.bus, devfn), via: real, why: 'dma-alias-quirk' });
  let unknown = false;
  for (let br = view.parentBridge(real); br !== null; br = view.parentBridge(br)) {
    const b = view.device(br), bp = parseBdf(br);
    if (b === undefined || bp === null) break;
    if (b.xlateRoot === true) break;
    const secondary = b.config.secondaryBus;
    if (b.config.pcie !== null) {
      const t = b.config.pcie.type;
      if (t === PCI_EXP_TYPE_ROOT_PORT || t === PCI_EXP_TYPE_UPSTREAM || t === PCI_EXP_TYPE_DOWNSTREAM) continue;
      if (t === PCI_EXP_TYPE_PCI_BRIDGE) {
        if (secondary === null) { unknown = true; continue; }
        ids.push({ rid: pciDevid(secondary, 0), via: br, why: 'pcie-to-pci-bridge' });
      } else if (t === PCI_EXP_TYPE_PCIE_BRIDGE) {
        ids.push({ rid: pciDevid(bp.bus, bp.devfn), via: br, why: 'pci-bridge' });
      }
      continue;
    }
    if (!b.config.capsKnown) { unknown = true; continue; }
    if (b.pcieBridgeAlias) {
      if (secondary === null) { unknown = true; continue; }
      ids.push({ rid: pciDevid(secondary, 0), via: br, why: 'pcie-bridge-alias-quirk' });
    } else {
      ids.push({ rid: pciDevid(bp.bus, bp.devfn), via: br, why: 'pci-bridge' });
    }
  }
  return { ids, unknown };
}

/** Two functions whose DMA arrives with one requester ID, and how each comes by it. */
export interface SharedRequesterId {
  readonly rid: number;
  readonly devices: readonly { readonly bdf: string; readonly via: string; readonly why: DmaAlias['why'] }[];
}

/**
 * Every requester ID that more than one of `bdfs` issues DMA with (each function's walk once: O(functions ×
 * depth)). On x86 such functions always share an IOMMU group (`pci_device_group()` follows the same aliases);
 * on arm-smmu-v3 the second to probe is left in none (iommu-platform.ts).
 */
export function sharedRequesterIds(view: PciTopologyView, bdfs: Iterable<string>): SharedRequesterId[] {
  const byRid = new Map<number, { bdf: string; via: string; why: DmaAlias['why'] }[]>();
  for (const bdf of bdfs) {
    const w = pciForEachDmaAlias(view, bdf);
    if (w === null) continue;
    for (const a of w.ids) {
      let list = byRid.get(a.rid);
      if (!list) byRid.set(a.rid, (list = []));
      if (!list.some((x) => x.bdf === bdf)) list.push({ bdf, via: a.via, why: a.why });
    }
  }
  return [...byRid].filter(([, l]) => l.length > 1).map(([rid, devices]) => ({ rid, devices }));
}
