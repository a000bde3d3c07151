import type { HostDescription } from '../model/host-description.js';

/** The IOMMU of a host in a few words for the report's header: hardware units, default domain types, kernel parameters. */
export interface IommuSummary {
  /** 'Intel VT-d (dmar0, dmar1)', 'AMD-Vi (ivhd0)', 'none registered'. */
  readonly hardware: string;
  /** 'translated (DMA-FQ: lazy IOTLB flush)', 'passthrough (identity)', 'mixed: …', 'no groups'. */
  readonly mode: string;
  /** The IOMMU/VFIO/PCI kernel parameters (intel_iommu=on, iommu=pt, …). */
  readonly cmdline: readonly string[];
}

const DOMAIN_WORDS: Readonly<Record<string, string>> = {
  'DMA': 'translated (DMA: strict IOTLB flush)', 'DMA-FQ': 'translated (DMA-FQ: lazy IOTLB flush)',
  'identity': 'passthrough (identity: host DMA untranslated)', 'blocked': 'blocked', 'unmanaged': 'unmanaged (owned by a driver or user space)',
};

export function iommuSummary(host: HostDescription): IommuSummary {
  const units = host.iommus;
  const vendor = units.some((u) => u.startsWith('dmar')) ? 'Intel VT-d' : units.some((u) => u.startsWith('ivhd')) ? 'AMD-Vi'
    : units.some((u) => u.includes('smmu')) ? 'Arm SMMU' : units.length > 0 ? 'IOMMU' : null;
  const shown = units.slice(0, 4).join(', ') + (units.length > 4 ? `, +${units.length - 4}` : '');
  const hardware = vendor !== null ? `${vendor} (${shown})`
    : host.groups.length > 0 ? 'units not recorded (no /sys/class/iommu entries; the groups exist)' : 'no IOMMU unit registered (/sys/class/iommu is empty)';
  const types = new Map<string, number>();
  for (const g of host.groups) types.set(g.type ?? 'unknown', (types.get(g.type ?? 'unknown') ?? 0) + 1);
  const mode = types.size === 0 ? 'no IOMMU groups'
    : types.size === 1 ? DOMAIN_WORDS[[...types.keys()][0] ?? ''] ?? `default domain ${[...types.keys()][0]}`
      : `mixed default domains: ${[...types].map(([t, n]) => `${t} ×${n}`).join(', ')}`;
  return { hardware, mode, cmdline: host.cmdline };
}
