import type { HostDescription } from '../model/host-description.js';
import { iommuPlatformFor } from '../model/iommu/platform.js';
import { pciTopologyFromHost } from '../model/pci/host-topology.js';
import { ridName, sharedRequesterIds } from '../model/pci/requester-id.js';

/**
 * A PCI function in no IOMMU group whose DMA carries a requester ID that a member of a group also issues
 * (`pci_for_each_dma_alias()`: the two sit behind one PCIe-to-PCI bridge, or a DMA-alias quirk names one
 * from the other). The IOMMU cannot tell their DMA apart: whoever owns the group's domain owns this
 * function's DMA too — yet the kernel's ownership rule (`iommu_device_use_default_domain()`) never counts
 * a function that has no group, so its driver binds and runs while user space holds the group.
 *
 * Where it happens: arm-smmu-v3 (`arm_smmu_insert_master()` "stream N already in tree", iommu/platform.ts;
 * recorded, conformance/arm64-6.1, arm64-6.12 A1). On x86 such functions always share a group.
 */
export interface AliasOutsideGroup {
  /** The function outside every group. */
  readonly bdf: string;
  readonly driver: string | null;
  /** The shared requester ID (PCI_DEVID: bus << 8 | devfn), as the kernel prints the stream ID. */
  readonly rid: number;
  /** The same ID as bus:slot.fn, and the bridge (or quirk) that makes it shared. */
  readonly ridName: string;
  readonly via: string;
  /** The group member that issues the same ID, and its group. */
  readonly member: string;
  readonly group: number;
  /** The kernel log message that shows it on this platform, after the `driver BDF: ` prefix (null where the platform logs nothing). */
  readonly logLine: string | null;
}

/**
 * Every ungrouped function that shares a requester ID with a group member, once per (function, group), in
 * bus order. O(functions × depth) — one `pci_for_each_dma_alias()` walk each.
 */
export function aliasesOutsideGroups(host: HostDescription): AliasOutsideGroup[] {
  const groupOf = new Map<string, number>();
  for (const d of host.pci) if (d.iommuGroup !== null) groupOf.set(d.bdf, d.iommuGroup);
  if (groupOf.size === 0 || groupOf.size === host.pci.length) return [];
  const view = pciTopologyFromHost(host, groupOf);
  const smmu3 = iommuPlatformFor(host).driver === 'arm-smmu-v3';
  const driverOf = new Map(host.pci.map((d) => [d.bdf, d.driver]));
  const out: AliasOutsideGroup[] = [];
  const seen = new Set<string>();
  for (const s of sharedRequesterIds(view, host.pci.map((d) => d.bdf))) {
    const inGroup = s.devices.filter((x) => groupOf.has(x.bdf));
    for (const o of s.devices.filter((x) => !groupOf.has(x.bdf))) {
      for (const m of inGroup) {
        const group = groupOf.get(m.bdf) as number;
        const key = `${o.bdf}/${group}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          bdf: o.bdf, driver: driverOf.get(o.bdf) ?? null, rid: s.rid, ridName: ridName(s.rid), via: o.via === o.bdf ? m.via : o.via,
          member: m.bdf, group,
          logLine: smmu3 ? `stream ${s.rid} already in tree from dev ${m.bdf}` : null,
        });
      }
    }
  }
  const order = new Map(host.pci.map((d, i) => [d.bdf, i]));
  return out.sort((a, b) => (order.get(a.bdf) ?? 0) - (order.get(b.bdf) ?? 0) || a.group - b.group);
}
