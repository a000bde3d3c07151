import { PCI_EXP_TYPE_DOWNSTREAM, PCI_EXP_TYPE_RC_END, PCI_EXP_TYPE_ROOT_PORT, pciPcieType, type PciConfig } from './config.js';

/** ACS capability/control bits (include/uapi/linux/pci_regs.h). */
export const PCI_ACS_SV = 0x01;
export const PCI_ACS_TB = 0x02;
export const PCI_ACS_RR = 0x04;
export const PCI_ACS_CR = 0x08;
export const PCI_ACS_UF = 0x10;
export const PCI_ACS_EC = 0x20;
export const PCI_ACS_DT = 0x40;

/** What an ACS check needs to know about a function. */
export interface AcsSubject {
  readonly bdf: string;
  readonly vendor: number;
  readonly device: number;
  readonly config: PciConfig;
  /** pdev->multifunction: header bit 7, or any function > 0 found by pci_scan_slot. */
  readonly multifunction: boolean;
  /** pci_is_root_bus(pdev->bus). */
  readonly onRootBus: boolean;
}

/** Facts outside config space that quirks consult. */
export interface AcsContext {
  /** An ACPI IVRS table exists (AMD IOMMU); pci_quirk_amd_sb_acs needs it. */
  readonly ivrs: boolean;
}

/** 1 = isolated, 0 = not, null = this quirk does not apply (-ENOTTY), 'unknown' = config too short to tell. */
export type QuirkAnswer = 0 | 1 | null | 'unknown';

type Quirk = (dev: AcsSubject, acsFlags: number, ctx: AcsContext) => QuirkAnswer;

/** pci_acs_ctrl_enabled(): every requested flag is among the enabled ones. */
export function pciAcsCtrlEnabled(req: number, ena: number): 0 | 1 {
  return (req & ena) === req ? 1 : 0;
}

const FULL = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF;
const isRootPort = (d: AcsSubject): boolean | 'unknown' => (!d.config.capsKnown ? 'unknown' : d.config.pcie !== null && d.config.pcie.type === PCI_EXP_TYPE_ROOT_PORT);

/** pci_quirk_amd_sb_acs: AMD/ATI southbridge functions on the root bus, only with an IVRS table: RR|CR. */
const amdSb: Quirk = (d, f, ctx) => {
  if (!d.multifunction || !d.onRootBus || !ctx.ivrs) return null;
  return pciAcsCtrlEnabled(f & (PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC | PCI_ACS_DT), PCI_ACS_RR | PCI_ACS_CR);
};
/** pci_quirk_mf_endpoint_acs: multifunction endpoints known not to do internal peer-to-peer. */
const mfEndpoint: Quirk = (_d, f) => pciAcsCtrlEnabled(f, PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF | PCI_ACS_DT);
/** pci_quirk_rciep_acs: Intel root complex integrated endpoints (pci_pcie_type() reads 0 on conventional PCI). */
const rciep: Quirk = (d, f) => {
  if (!d.config.capsKnown) return 'unknown';
  return pciPcieType(d.config) === PCI_EXP_TYPE_RC_END ? pciAcsCtrlEnabled(f, FULL) : null;
};
const fullIsolation: Quirk = (_d, f) => pciAcsCtrlEnabled(f, FULL);
/** pci_quirk_cavium_acs: Cavium root ports 0xa000-0xa7ff, 0xaf84, 0xb884. */
const cavium: Quirk = (d, f) => {
  const rp = isRootPort(d);
  if (rp !== true) return rp === 'unknown' ? 'unknown' : null;
  const x = d.device;
  return (x >= 0xa000 && x <= 0xa7ff) || x === 0xaf84 || x === 0xb884 ? pciAcsCtrlEnabled(f, FULL) : null;
};
/** pci_quirk_al_acs: Amazon Annapurna Labs root ports isolate although they lack the capability. */
const al: Quirk = (d, f) => {
  if (!d.config.capsKnown) return 'unknown';
  if (pciPcieType(d.config) !== PCI_EXP_TYPE_ROOT_PORT) return null;
  return (f & ~FULL) !== 0 ? 0 : 1;
};
/** pci_quirk_zhaoxin_pcie_ports_acs: Zhaoxin root/downstream ports 0x0710-0x071e, 0x0721, 0x0723-0x0752; other Zhaoxin ports: false. */
const zhaoxin: Quirk = (d, f) => {
  if (!d.config.capsKnown) return 'unknown';
  const t = d.config.pcie?.type;
  if (t !== PCI_EXP_TYPE_ROOT_PORT && t !== PCI_EXP_TYPE_DOWNSTREAM) return null;
  const x = d.device;
  return (x >= 0x0710 && x <= 0x071e) || x === 0x0721 || (x >= 0x0723 && x <= 0x0752) ? pciAcsCtrlEnabled(f, FULL) : 0;
};
/** pci_quirk_wangxun_nic_acs: Wangxun NICs 0x0100-0x010f, 0x1001, 0x2001 isolate; other Wangxun devices: false. */
const wangxun: Quirk = (d, f) => {
  const x = d.device;
  return (x >= 0x0100 && x <= 0x010f) || x === 0x1001 || x === 0x2001 ? pciAcsCtrlEnabled(f, FULL) : 0;
};

/** pci_quirk_intel_pch_acs_ids[]: Intel PCH root ports whose ACS is provided by the chipset, not a capability. */
const INTEL_PCH_ACS_IDS: ReadonlySet<number> = new Set([
  ...range(0x3b42, 0x3b51), ...range(0x1c10, 0x1c1f), ...range(0x1e10, 0x1e1f), ...range(0x8c10, 0x8c1f),
  ...range(0x9c10, 0x9c1b), ...range(0x9c90, 0x9c9b),
  0x1d10, 0x1d12, 0x1d14, 0x1d16, 0x1d18, 0x1d1a, 0x1d1c, 0x1d1e,
  ...range(0x8d10, 0x8d1e), 0x8c90, 0x8c92, 0x8c94, 0x8c96, 0x8c98, 0x8c9a, 0x8c9c, 0x8c9e,
]);
/**
 * pci_quirk_intel_pch_acs. The kernel answers "isolated" only after pci_quirk_enable_intel_pch_acs()
 * succeeded at boot (PCI_DEV_FLAGS_ACS_ENABLED_QUIRK), which depends on the LPC RCBA register that
 * sysfs does not show. [UNSURE] We assume it succeeded (the normal case on real hardware).
 */
const intelPch: Quirk = (d, f) => {
  const rp = isRootPort(d);
  if (rp !== true || !INTEL_PCH_ACS_IDS.has(d.device)) return rp === 'unknown' && INTEL_PCH_ACS_IDS.has(d.device) ? 'unknown' : null;
  return pciAcsCtrlEnabled(f, FULL);
};
/** pci_quirk_intel_spt_pch_acs: Sunrise Point root ports keep ACS control in the dword at cap+8. */
const intelSpt: Quirk = (d, f) => {
  const x = d.device;
  const match = (x >= 0xa110 && x <= 0xa11f) || (x >= 0xa167 && x <= 0xa16a) || (x >= 0xa290 && x <= 0xa29f) ||
    (x >= 0xa2e7 && x <= 0xa2ee) || (x >= 0x9d10 && x <= 0x9d1b);
  if (!match) return null;
  const rp = isRootPort(d);
  if (rp !== true) return rp === 'unknown' ? 'unknown' : null;
  if (!d.config.extKnown) return 'unknown';
  const acs = d.config.acs;
  if (acs === null) return null;
  if (acs.ctrlDwordSpt === null) return 'unknown';
  return pciAcsCtrlEnabled(f & (acs.cap | PCI_ACS_EC), acs.ctrlDwordSpt & 0xffff);
};

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= b; i++) out.push(i);
  return out;
}

const ANY = -1;
const V_ATI = 0x1002, V_AMD = 0x1022, V_INTEL = 0x8086, V_SOLARFLARE = 0x1924, V_QCOM = 0x17cb, V_HXT = 0x1dbf;
const V_CAVIUM = 0x177d, V_AMCC = 0x10e8, V_AMPERE = 0x1def, V_BROADCOM = 0x14e4, V_AL = 0x1c36;
const V_ZHAOXIN = 0x1d17, V_NXP = 0x1957, V_WANGXUN = 0x8088;

/**
 * pci_dev_acs_enabled[] from drivers/pci/quirks.c (as in v6.6; the entries used by 5.10–6.12 are the
 * same set, Wangxun added in 6.1-era kernels). Order matters: the first quirk answering >= 0 wins.
 * Not included: Loongson root ports (pci_quirk_loongson_acs, not in the v6.6 table we read).
 */
export const PCI_DEV_ACS_ENABLED: readonly (readonly [vendor: number, device: number, name: string, fn: Quirk])[] = [
  ...[0x4385, 0x439c, 0x4383, 0x439d, 0x4384, 0x4399].map((d) => [V_ATI, d, 'pci_quirk_amd_sb_acs', amdSb] as const),
  [V_AMD, 0x780f, 'pci_quirk_amd_sb_acs', amdSb], [V_AMD, 0x7809, 'pci_quirk_amd_sb_acs', amdSb],
  ...[0x0903, 0x0923, 0x0a03].map((d) => [V_SOLARFLARE, d, 'pci_quirk_mf_endpoint_acs', mfEndpoint] as const),
  ...[0x10c6, 0x10db, 0x10dd, 0x10e1, 0x10f1, 0x10f7, 0x10f8, 0x10f9, 0x10fa, 0x10fb, 0x10fc, 0x1507, 0x1514,
    0x151c, 0x1529, 0x152a, 0x154d, 0x154f, 0x1551, 0x1558, // 82598, 82599, X540, X550
    0x1509, 0x150e, 0x150f, 0x1510, 0x1511, 0x1516, 0x1527, // 82580
    0x10c9, 0x10e6, 0x10e7, 0x10e8, 0x150a, 0x150d, 0x1518, 0x1526, // 82576
    0x10a7, 0x10a9, 0x10d6, // 82575
    0x1521, 0x1522, 0x1523, 0x1524, // I350
    0x105e, 0x105f, 0x1060, 0x10d9, // 82571
    0x15b7, 0x15b8, // I219
  ].map((d) => [V_INTEL, d, 'pci_quirk_mf_endpoint_acs', mfEndpoint] as const),
  [V_INTEL, ANY, 'pci_quirk_rciep_acs', rciep],
  [V_QCOM, 0x0400, 'pci_quirk_qcom_rp_acs', fullIsolation], [V_QCOM, 0x0401, 'pci_quirk_qcom_rp_acs', fullIsolation],
  [V_HXT, 0x0401, 'pci_quirk_qcom_rp_acs', fullIsolation],
  [V_INTEL, ANY, 'pci_quirk_intel_pch_acs', intelPch],
  [V_INTEL, ANY, 'pci_quirk_intel_spt_pch_acs', intelSpt],
  [0x19a2, 0x710, 'pci_quirk_mf_endpoint_acs', mfEndpoint], [0x10df, 0x720, 'pci_quirk_mf_endpoint_acs', mfEndpoint],
  [V_CAVIUM, ANY, 'pci_quirk_cavium_acs', cavium],
  ...[0xa026, 0xa059, 0xa060].map((d) => [V_CAVIUM, d, 'pci_quirk_mf_endpoint_acs', mfEndpoint] as const),
  [V_AMCC, 0xe004, 'pci_quirk_xgene_acs', fullIsolation],
  ...range(0xe005, 0xe00c).map((d) => [V_AMPERE, d, 'pci_quirk_xgene_acs', fullIsolation] as const),
  ...[0x16d7, 0x1750, 0x1751, 0x1752].map((d) => [V_BROADCOM, d, 'pci_quirk_mf_endpoint_acs', mfEndpoint] as const),
  [V_BROADCOM, 0xd714, 'pci_quirk_brcm_acs', fullIsolation],
  [V_AL, 0x0031, 'pci_quirk_al_acs', al],
  ...[0x3038, 0x3104, 0x9083].map((d) => [V_ZHAOXIN, d, 'pci_quirk_mf_endpoint_acs', mfEndpoint] as const),
  ...[0x8d81, 0x8da1, 0x8d83, 0x8d80, 0x8da0, 0x8d82, 0x8d90, 0x8db0, 0x8d92, 0x8d91, 0x8db1, 0x8d93, 0x8d89,
    0x8da9, 0x8d8b, 0x8d88, 0x8da8, 0x8d8a, 0x8d98, 0x8db8, 0x8d9a, 0x8d99, 0x8db9, 0x8d9b,
  ].map((d) => [V_NXP, d, 'pci_quirk_nxp_rp_acs', fullIsolation] as const),
  [V_ZHAOXIN, ANY, 'pci_quirk_zhaoxin_pcie_ports_acs', zhaoxin],
  [V_WANGXUN, ANY, 'pci_quirk_wangxun_nic_acs', wangxun],
];

/**
 * The table's entries that name a vendor:device (the device, or any of the vendor's), in table order,
 * found once per vendor:device: every ACS check of a function looks at those only.
 */
const quirksById = new Map<number, readonly (typeof PCI_DEV_ACS_ENABLED)[number][]>();
function quirksFor(vendor: number, device: number): readonly (typeof PCI_DEV_ACS_ENABLED)[number][] {
  const key = vendor * 0x10000 + device;
  let list = Number.isInteger(key) ? quirksById.get(key) : undefined;
  if (list === undefined) {
    list = PCI_DEV_ACS_ENABLED.filter(([v, d]) => v === vendor && (d === ANY || d === device));
    // Only ids the kernel can have (16 bits each) share a list; anything else is looked up each time.
    if (vendor >= 0 && vendor <= 0xffff && device >= 0 && device <= 0xffff && Number.isInteger(key)) quirksById.set(key, list);
  }
  return list;
}

/**
 * pci_dev_specific_acs_enabled(): the first matching quirk that answers. Returns the answer and the
 * quirk's kernel name (for explanations), or null when no quirk applies (-ENOTTY).
 */
export function pciDevSpecificAcsEnabled(dev: AcsSubject, acsFlags: number, ctx: AcsContext): { readonly answer: 0 | 1 | 'unknown'; readonly quirk: string } | null {
  const quirks = quirksFor(dev.vendor, dev.device);
  for (let i = 0; i < quirks.length; i++) {
    const q = quirks[i] as (typeof quirks)[number];
    const r = q[3](dev, acsFlags, ctx);
    if (r !== null) return { answer: r, quirk: q[2] };
  }
  return null;
}
