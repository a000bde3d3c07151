import type { HostDescription } from '../model/host-description.js';
import { iommuPlatformFor } from '../model/iommu/platform.js';
import { pciDeviceGroup } from '../model/pci/device-group.js';
import { pciTopologyFromHost } from '../model/pci/host-topology.js';
import { aliasesOutsideGroups } from '../host/alias-outside.js';

/** Why a PCI function has no IOMMU group, and what to do, where the platform says more than "no IOMMU". */
export interface NoGroup {
  readonly why: string;
  readonly hint: string;
}

/**
 * On a platform that makes groups at driver probe (arm-smmu-v3, model/iommu/platform.ts), a function in no
 * group is one of two things, and neither is "the IOMMU is off":
 * - it shares a stream ID with a group member that probed first (`arm_smmu_insert_master()`): vfio-pci's
 *   probe fails the same way (EINVAL, conformance/arm64-6.1/A1 and S9);
 * - no driver has probed it yet: the first probe gives it its group (`of_iommu_configure()`, A2), which
 *   `pci_device_group()` predicts from the topology.
 * Empty on other platforms (there the plain "no IOMMU group" refusal is right). O(functions × depth).
 */
export function noGroupReasons(host: HostDescription): Map<string, NoGroup> {
  const out = new Map<string, NoGroup>();
  const platform = iommuPlatformFor(host);
  if (platform.groupAt !== 'probe') return out;
  for (const a of aliasesOutsideGroups(host)) {
    if (out.has(a.bdf)) continue;
    out.set(a.bdf, {
      why: `${a.bdf} has no IOMMU group: it issues DMA as requester ID ${a.ridName}, stream ${a.rid}, which ${a.member} of group ${a.group} already holds` +
        `${a.logLine === null ? '' : ` (kernel log: "${a.logLine}")`}; vfio-pci's probe fails the same way (EINVAL)`,
      hint: `assign group ${a.group} instead, with ${a.bdf} kept off every driver; ${a.bdf} can only get a group if ${a.member} is removed before ${a.bdf} probes again`,
    });
  }
  const groups = new Map<string, number>();
  for (const d of host.pci) if (d.iommuGroup !== null) groups.set(d.bdf, d.iommuGroup);
  const view = pciTopologyFromHost(host, groups);
  for (const d of host.pci) {
    if (d.iommuGroup !== null || d.driver !== null || out.has(d.bdf)) continue;
    const r = pciDeviceGroup(view, d.bdf);
    const joins = r.joins === null ? 'a new group of its own'
      : `group ${r.joins} (with ${host.pci.filter((x) => x.iommuGroup === r.joins).map((x) => x.bdf).join(', ')})`;
    out.set(d.bdf, {
      why: `${d.bdf} is in no IOMMU group yet: on ${platform.driver} a function joins its group when a driver first probes it (of_iommu_configure → iommu_probe_device); it would join ${joins}`,
      hint: `probe it once (echo vfio-pci > /sys/bus/pci/devices/${d.bdf}/driver_override; echo ${d.bdf} > /sys/bus/pci/drivers_probe), then check it again`,
    });
  }
  return out;
}
