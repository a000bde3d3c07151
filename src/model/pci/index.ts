/** PCI config parsing, ACS, ACS quirks, DMA aliases and IOMMU group formation (pci_device_group). */
export {
  PCI_EXP_TYPE_DOWNSTREAM, PCI_EXP_TYPE_ENDPOINT, PCI_EXP_TYPE_LEG_END, PCI_EXP_TYPE_NAMES, PCI_EXP_TYPE_PCIE_BRIDGE,
  PCI_EXP_TYPE_PCI_BRIDGE, PCI_EXP_TYPE_RC_EC, PCI_EXP_TYPE_RC_END, PCI_EXP_TYPE_ROOT_PORT, PCI_EXP_TYPE_UPSTREAM,
  PCI_CAP_ID_AF, PCI_CAP_ID_EXP, PCI_CAP_ID_PM, PCI_CAP_ID_SHPC, PCI_HEADER_TYPE_BRIDGE, PCI_HEADER_TYPE_CARDBUS, PCI_HEADER_TYPE_NORMAL,
  pciCapabilityWalk, pciConfigBytes, pciConfigCompact, pciConfigKeptLength, pciConfigParse, pciConfigSize, pciFindCapability, pciKindName, pciPcieType, type AcsCap, type CapabilityWalk, type PciConfig,
} from './config.js';
export {
  PCI_ACS_CR, PCI_ACS_DT, PCI_ACS_EC, PCI_ACS_RR, PCI_ACS_SV, PCI_ACS_TB, PCI_ACS_UF, PCI_DEV_ACS_ENABLED,
  pciAcsCtrlEnabled, pciDevSpecificAcsEnabled, type AcsContext, type AcsSubject, type QuirkAnswer,
} from './acs-quirks.js';
export { REQ_ACS_FLAGS, acsFlagNames, pciAcsEnabled, pciAcsFlagsEnabled, pciAcsPathEnabled, type AcsPathView, type AcsVerdict } from './acs.js';
export { dmaAliasQuirks, parseBdf, type DmaAliasFlags } from './dma-alias.js';
export { pciDevid, pciForEachDmaAlias, ridName, type DmaAlias } from './requester-id.js';
export { pciDeviceGroup, type GroupReason, type PciDeviceGroupResult, type PciFunctionView, type PciTopologyView } from './device-group.js';
export { pciTopologyFromHost } from './host-topology.js';
