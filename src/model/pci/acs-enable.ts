/**
 * `pci_enable_acs()` (drivers/pci/pci.c, from `pci_acs_init()` in `pci_init_capabilities()` when a function is
 * added; 6.1 and 6.12 — read in Debian's linux-source-6.12 6.12.117) once `pci_acs_enable` is set by
 * `pci_request_acs()`: `pci_std_enable_acs()` sets in the ACS control word every one of Source Validation,
 * P2P Request Redirect, P2P Completion Redirect and Upstream Forwarding that the capability offers
 * (Translation Blocking only for external-facing/untrusted ports or with ATS off: not modelled).
 *
 * `pci_request_acs()` is called by the IOMMU driver: intel `dmar.c` and amd `init.c` before PCI enumeration on
 * x86 (so every captured port already shows it), `of_iommu_configure()` on arm64 at the first driver probe —
 * after the boot-time enumeration, so root ports enumerated at boot keep their control bits clear, and one
 * removed and rescanned gets them set (recorded: conformance/arm64-6.1, arm64-6.12 A4: root port 00:08.0
 * re-added with ACS on, its e1000e 04:00.0 in a group of its own, where at boot they shared group 2).
 * [Not modelled: `pci_dev_specific_enable_acs()` quirks (Intel PCH ports without a standard ACS capability),
 * the `pci=disable_acs_redir=` / `pci=config_acs=` parameters.]
 */
import { PCI_ACS_CR, PCI_ACS_RR, PCI_ACS_SV, PCI_ACS_UF } from './acs-quirks.js';
import { pciConfigParse } from './config.js';

/**
 * The config space after `pci_std_enable_acs()`: a copy with the ACS control word raised; the same array
 * when nothing changes. `size`: the blob's size when `config` holds only its first bytes (pciConfigCompact).
 */
export function pciStdEnableAcs(config: Uint8Array, size = config.length): Uint8Array {
  const acs = pciConfigParse(config, size).acs;
  if (acs === null || acs.offset + 8 > size) return config;
  const ctrl = acs.ctrl | (acs.cap & (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF));
  if (ctrl === acs.ctrl) return config;
  const out = new Uint8Array(Math.max(config.length, acs.offset + 8));
  out.set(config);
  out[acs.offset + 6] = ctrl & 0xff;
  out[acs.offset + 7] = (ctrl >> 8) & 0xff;
  return out;
}
