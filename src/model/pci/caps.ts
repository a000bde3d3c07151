/**
 * What the driver core and vfio-pci read of a device's config space, interpreted on top of the one
 * capability walker in pci/config.ts (`pciFindCapability`): header type (from the class code when the
 * config is too short, as an unprivileged capture is), PCIe port type, and the reset methods
 * `pci_init_reset_methods()` would find. Group formation and ACS live in src/model/pci/.
 */
import type { PciDeviceDesc } from '../host-description.js';
import {
  PCI_CAP_ID_AF, PCI_CAP_ID_EXP, PCI_CAP_ID_PM, PCI_EXP_TYPE_DOWNSTREAM, PCI_EXP_TYPE_ENDPOINT, PCI_EXP_TYPE_LEG_END,
  PCI_EXP_TYPE_PCIE_BRIDGE, PCI_EXP_TYPE_PCI_BRIDGE, PCI_EXP_TYPE_RC_EC, PCI_EXP_TYPE_RC_END, PCI_EXP_TYPE_ROOT_PORT,
  PCI_EXP_TYPE_UPSTREAM, PCI_HEADER_TYPE_BRIDGE, PCI_HEADER_TYPE_NORMAL, pciConfigSize, pciFindCapability,
} from './config.js';

export { PCI_CAP_ID_AF, PCI_CAP_ID_EXP, PCI_CAP_ID_PM, PCI_CAP_ID_SHPC, PCI_HEADER_TYPE_BRIDGE, PCI_HEADER_TYPE_NORMAL, pciFindCapability } from './config.js';

export const PCI_EXP_TYPE = {
  ENDPOINT: PCI_EXP_TYPE_ENDPOINT, LEG_END: PCI_EXP_TYPE_LEG_END, ROOT_PORT: PCI_EXP_TYPE_ROOT_PORT,
  UPSTREAM: PCI_EXP_TYPE_UPSTREAM, DOWNSTREAM: PCI_EXP_TYPE_DOWNSTREAM, PCI_BRIDGE: PCI_EXP_TYPE_PCI_BRIDGE,
  PCIE_BRIDGE: PCI_EXP_TYPE_PCIE_BRIDGE, RC_END: PCI_EXP_TYPE_RC_END, RC_EC: PCI_EXP_TYPE_RC_EC,
} as const;

/** `pdev->hdr_type` (config 0x0e, low 7 bits); from the class code when config is too short. */
export function pciHdrType(d: PciDeviceDesc): number {
  if (pciConfigSize(d) >= 0x40) return (d.config[0x0e] ?? 0) & 0x7f;
  const base = d.class >> 8;
  return base === 0x0604 || base === 0x0609 ? PCI_HEADER_TYPE_BRIDGE : base === 0x0607 ? 2 : PCI_HEADER_TYPE_NORMAL;
}

function u16(c: Uint8Array, o: number): number {
  return (c[o] ?? 0) | ((c[o + 1] ?? 0) << 8);
}
function u32(c: Uint8Array, o: number): number {
  return (u16(c, o) | (u16(c, o + 2) << 16)) >>> 0;
}

/** `pci_pcie_type()`, or null for a conventional PCI device (or unknown config). */
export function pciPcieType(d: PciDeviceDesc): number | null {
  const pos = pciFindCapability(d.config, PCI_CAP_ID_EXP, pciConfigSize(d));
  if (pos === 0) return null;
  return (u16(d.config, pos + 2) >> 4) & 0xf;
}

/** Reset methods `pci_init_reset_methods()` would find from config alone: 'flr', 'af_flr', 'pm'. */
export function pciConfigResetMethods(d: PciDeviceDesc): string[] {
  const c = d.config;
  const size = pciConfigSize(d);
  const out: string[] = [];
  const exp = pciFindCapability(c, PCI_CAP_ID_EXP, size);
  if (exp !== 0 && (u32(c, exp + 4) & (1 << 28)) !== 0) out.push('flr');
  const af = pciFindCapability(c, PCI_CAP_ID_AF, size);
  if (af !== 0 && ((c[af + 3] ?? 0) & 0x03) === 0x03) out.push('af_flr');
  const pm = pciFindCapability(c, PCI_CAP_ID_PM, size);
  if (pm !== 0 && (u16(c, pm + 4) & 0x0008) === 0) out.push('pm');
  return out;
}
