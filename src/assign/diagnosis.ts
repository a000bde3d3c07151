import { diagnoseNoGroups } from '../host/no-groups.js';
import type { LoadedHost } from './source.js';

/**
 * Why this host shows no IOMMU groups, in words a user can act on (users.md pain 10: "IOMMU disabled
 * in BIOS" printed inside a VM that simply has no virtual IOMMU): the host layer's diagnosis
 * (`diagnoseNoGroups`: VM without vIOMMU, disabled, not enabled, absent, ...) with its evidence.
 */
export function noGroupsDiagnosis(loaded: LoadedHost | null, loadError: string | null): string {
  if (!loaded) return `/sys could not be read (${loadError ?? 'unknown error'}): not a Linux host, or sysfs is not mounted.`;
  const v = diagnoseNoGroups(loaded.host, loaded.port);
  return [`${v.advice} (${v.cause})`, ...v.evidence.map((e) => `  - ${e}`)].join('\n');
}
