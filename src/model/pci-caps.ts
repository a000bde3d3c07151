/**
 * The few reads of PCI config space the driver core and vfio-pci make themselves (header type,
 * capability list, PCIe port type, PM/FLR reset support). Group formation and ACS live in
 * src/model/pci/; this is only what probe/reset paths need. Short config (an unprivileged capture,
 * 64 bytes) answers from the class code where it can.
 */
import type { PciDeviceDesc } from './host-description.js';

export const PCI_HEADER_TYPE_NORMAL = 0;
export const PCI_HEADER_TYPE_BRIDGE = 1;
export const PCI_CAP_ID_PM = 0x01;
export const PCI_CAP_ID_SHPC = 0x0c;
export const PCI_CAP_ID_EXP = 0x10;
export const PCI_CAP_ID_AF = 0x13;

export const PCI_EXP_TYPE = {
  ENDPOINT: 0x0, LEG_END: 0x1, ROOT_PORT: 0x4, UPSTREAM: 0x5, DOWNSTREAM: 0x6,
  PCI_BRIDGE: 0x7, PCIE_BRIDGE: 0x8, RC_END: 0x9, RC_EC: 0xa,
} as const;

/** `pdev->hdr_type` (config 0x0e, low 7 bits); from the class code when config is too short. */
export function pciHdrType(d: PciDeviceDesc): number {
  const b = d.config[0x0e];
  if (b !== undefined && d.config.length >= 0x40) return b & 0x7f;
  const base = d.class >> 8;
  return base === 0x0604 || base === 0x0609 ? PCI_HEADER_TYPE_BRIDGE : base === 0x0607 ? 2 : PCI_HEADER_TYPE_NORMAL;
}

/** `pci_find_capability()`: offset of capability `id`, or 0. */
export function pciFindCapability(config: Uint8Array, id: number): number {
  if (config.length < 0x40 || ((config[0x06] ?? 0) & 0x10) === 0) return 0;
  let pos = (config[0x34] ?? 0) & 0xfc;
  for (let ttl = 48; pos >= 0x40 && pos < config.length && ttl > 0; ttl--) {
    if (config[pos] === id) return pos;
    pos = (config[pos + 1] ?? 0) & 0xfc;
  }
  return 0;
}

function u16(c: Uint8Array, o: number): number {
  return (c[o] ?? 0) | ((c[o + 1] ?? 0) << 8);
}
function u32(c: Uint8Array, o: number): number {
  return (u16(c, o) | (u16(c, o + 2) << 16)) >>> 0;
}

/** `pci_pcie_type()`, or null for a conventional PCI device (or unknown config). */
export function pciPcieType(d: PciDeviceDesc): number | null {
  const pos = pciFindCapability(d.config, PCI_CAP_ID_EXP);
  if (pos === 0) return null;
  return (u16(d.config, pos + 2) >> 4) & 0xf;
}

/** Reset methods `pci_init_reset_methods()` would find from config alone: 'flr', 'af_flr', 'pm'. */
export function pciConfigResetMethods(d: PciDeviceDesc): string[] {
  const c = d.config;
  const out: string[] = [];
  const exp = pciFindCapability(c, PCI_CAP_ID_EXP);
  if (exp !== 0 && (u32(c, exp + 4) & (1 << 28)) !== 0) out.push('flr');
  const af = pciFindCapability(c, PCI_CAP_ID_AF);
  if (af !== 0 && ((c[af + 3] ?? 0) & 0x03) === 0x03) out.push('af_flr');
  const pm = pciFindCapability(c, PCI_CAP_ID_PM);
  if (pm !== 0 && (u16(c, pm + 4) & 0x0008) === 0) out.push('pm');
  return out;
}
