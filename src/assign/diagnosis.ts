import { diagnoseNoGroups, type NoGroupsCause } from '../host/no-groups.js';
import type { LoadedHost } from './source.js';

/**
 * Why this host shows no IOMMU groups, in words a user can act on (users.md pain 10: "IOMMU disabled
 * in BIOS" printed inside a VM that simply has no virtual IOMMU): the host layer's diagnosis
 * (`diagnoseNoGroups`: VM without vIOMMU, disabled, not enabled, absent, ...) with its evidence.
 * Every command that looks at a host gives the same one (status, check, plan, explain, apply).
 */
export interface Diagnosis {
  /** The cause: vm-without-viommu, iommu-disabled, iommu-not-enabled, iommu-absent, iommu-no-groups, unreadable. */
  readonly code: NoGroupsCause | 'unreadable';
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
  return [`This host has no IOMMU groups: ${d.code}.`, d.remedy, ...d.evidence.map((e) => `  - ${e}`)].join('\n');
}
