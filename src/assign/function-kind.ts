/**
 * Endpoint or infrastructure: which PCI functions a user could hand to a VM. Bridges and ports (any
 * non-normal header, PCI class 06xx), system peripherals (interrupt controllers, timers, RTC, the
 * IOMMU itself — class 08xx except SD host controllers), memory controllers (05xx), SMBus (0c05),
 * performance counters (1101) and non-essential instrumentation (13xx: the "dummy functions" AMD and
 * Intel chipsets expose) are the host's plumbing; everything else is an endpoint. A group with at least
 * one endpoint is one a user could pass through; the others are summarised, not listed.
 */
/** What kind of plumbing a function is (null: an endpoint). `headerType` from config byte 0x0e & 0x7f. */
export function infrastructureKind(cls: number, headerType: number): string | null {
  const base = cls >> 16, sub = (cls >> 8) & 0xff;
  if (headerType !== 0 || base === 0x06) {
    if (base === 0x06 && sub === 0x00) return 'host bridge';
    if (base === 0x06 && sub === 0x01) return 'ISA bridge';
    return 'bridge or port';
  }
  if (base === 0x08 && sub === 0x06) return 'IOMMU';
  if (base === 0x08 && sub !== 0x05) return 'system peripheral';
  if (base === 0x05) return 'memory controller';
  if (base === 0x0c && sub === 0x05) return 'SMBus';
  if (base === 0x11 && sub === 0x01) return 'performance counters';
  if (base === 0x13) return 'instrumentation (dummy function)';
  return null;
}
