import type { HostDescription } from '../model/host-description.js';
import { explainHost, type HostExplanation } from '../host/explain.js';

/**
 * Why the devices of an IOMMU group share it, for the commands that show a group (status, check, the
 * plan's "shares IOMMU group N with …" refusal): the sentences of `explainHost()` — DMA aliases
 * behind PCIe-to-PCI bridges, a path without ACS, multifunction devices without ACS, quirks.
 *
 * `explainHost()` predicts the whole host's partition, so it runs at most once per host and only
 * when a group with two or more devices is asked about: `dmaown --version`, a single-device check and
 * a host of singleton groups never pay for it.
 */
export type GroupReasons = (group: number) => readonly string[];

/** The lazy, memoised reasons of `host`'s groups (`explain` is injectable for tests). */
export function groupReasons(host: HostDescription, explain: (h: HostDescription) => HostExplanation = explainHost): GroupReasons {
  const size = new Map<number, number>();
  for (const d of host.pci) if (d.iommuGroup !== null) size.set(d.iommuGroup, (size.get(d.iommuGroup) ?? 0) + 1);
  for (const d of host.other) if (d.iommuGroup !== null) size.set(d.iommuGroup, (size.get(d.iommuGroup) ?? 0) + 1);
  let byGroup: Map<number, readonly string[]> | null = null;
  return (group) => {
    if ((size.get(group) ?? 0) < 2) return [];
    byGroup ??= reasonsByGroup(explain(host));
    return byGroup.get(group) ?? [];
  };
}

function reasonsByGroup(x: HostExplanation): Map<number, readonly string[]> {
  const m = new Map<number, readonly string[]>();
  for (const g of x.groups) {
    if (g.group === null) continue;
    const extra = g.certain && !g.matches
      ? [`the kernel's group differs from the one predicted from config space (run \`dmaown explain ${g.group}\`)`] : [];
    m.set(g.group, [...g.reasons, ...extra]);
  }
  return m;
}
