import { diagnoseNoGroups, type NoGroupsCause } from '../host/no-groups.js';
import type { LoadedHost } from './source.js';
import type { AliasOutsideGroup } from '../host/alias-outside.js';

/**
 * Why this host shows no IOMMU groups, in words a user can act on (users.md pain 10: "IOMMU disabled
 * in BIOS" printed inside a VM that simply has no virtual IOMMU): the host layer's diagnosis
 * (`diagnoseNoGroups`: VM without vIOMMU, disabled, not enabled, absent, ...) with its evidence.
 * Every command that looks at a host gives the same one (status, check, plan, explain, apply).
 */
export interface Diagnosis {
  /**
   * The cause: vm-without-viommu, iommu-disabled, iommu-not-enabled, iommu-absent, iommu-no-groups, unreadable
   * (a host without groups); dma-alias-outside-group (one group's isolation, `aliasOutsideDiagnosis`).
   */
  readonly code: NoGroupsCause | 'unreadable' | 'dma-alias-outside-group';
  readonly evidence: readonly string[];
  readonly remedy: string;
}

/** The diagnosis of a host that has no IOMMU groups (null when it has some). */
export function noGroupsDiagnosis(loaded: LoadedHost): Diagnosis | null {
  if (loaded.host.groups.length > 0 || loaded.host.pci.some((d) => d.iommuGroup !== null)) return null;
  const v = diagnoseNoGroups(loaded.host, loaded.evidence);
  return { code: v.cause, evidence: v.evidence, remedy: v.advice };
}

/** A host whose /sys could not be read at all. */
export function unreadableDiagnosis(why: string): Diagnosis {
  return { code: 'unreadable', evidence: [why], remedy: 'Not a Linux host, or sysfs is not mounted (mount -t sysfs sysfs /sys).' };
}

export function diagnosisText(d: Diagnosis): string {
  const head = d.code === 'dma-alias-outside-group' ? 'A device outside the group shares its DMA requester ID.' : `This host has no IOMMU groups: ${d.code}.`;
  return [head, d.remedy, ...d.evidence.map((e) => `  - ${e}`)].join('\n');
}

/**
 * Why group `a.group` is not safely assignable while `a.bdf`, in no group, has a kernel driver: the two
 * issue DMA with one requester ID, so the domain user space puts on the group translates that driver's DMA
 * too, and the kernel's ownership rule never counts a device without a group (recorded on arm64 + SMMUv3:
 * conformance/arm64-6.1/A1-stream-alias-outside-group, the group handed over while e1000 kept 02:02.0).
 */
export function aliasOutsideDiagnosis(a: AliasOutsideGroup): Diagnosis {
  const evidence = [
    `${a.bdf} is in no IOMMU group and bound to ${a.driver ?? 'no driver'}`,
    `${a.bdf} and ${a.member} (group ${a.group}) both issue DMA as requester ID ${a.ridName} (${a.rid})${a.via === a.bdf || a.via === a.member ? '' : `: ${a.via} takes it for both`}`,
    a.logLine === null
      ? `the kernel gave ${a.member} a group and ${a.bdf} none, so it will not refuse ${a.bdf}'s driver while user space owns group ${a.group}`
      : `kernel log: "${a.driver ?? 'pci'} ${a.bdf}: ${a.logLine}" (dmesg | grep 'already in tree'): iommu_probe_device() failed and the driver bound anyway`,
  ];
  return {
    code: 'dma-alias-outside-group', evidence,
    remedy: `Unbind ${a.bdf}'s driver and keep it off (echo vfio-pci > /sys/bus/pci/devices/${a.bdf}/driver_override; echo ${a.bdf} > /sys/bus/pci/devices/${a.bdf}/driver/unbind — vfio-pci cannot probe a device without a group, so it stays unbound), or remove it (echo 1 > /sys/bus/pci/devices/${a.bdf}/remove), before handing group ${a.group} to user space: its DMA would land in the user's domain.`,
  };
}
