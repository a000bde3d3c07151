import {
  PCI_ACS_CR, PCI_ACS_DT, PCI_ACS_EC, PCI_ACS_RR, PCI_ACS_SV, PCI_ACS_TB, PCI_ACS_UF,
  pciDevSpecificAcsEnabled, type AcsContext, type AcsSubject,
} from './acs-quirks.js';
import {
  PCI_EXP_TYPE_DOWNSTREAM, PCI_EXP_TYPE_ENDPOINT, PCI_EXP_TYPE_LEG_END, PCI_EXP_TYPE_PCIE_BRIDGE,
  PCI_EXP_TYPE_PCI_BRIDGE, PCI_EXP_TYPE_RC_EC, PCI_EXP_TYPE_RC_END, PCI_EXP_TYPE_ROOT_PORT, PCI_EXP_TYPE_UPSTREAM,
} from './config.js';

/** drivers/iommu/iommu.c: the ACS features a path must enforce for devices below it to be isolated. */
export const REQ_ACS_FLAGS = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF;

const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [PCI_ACS_SV, 'Source Validation'], [PCI_ACS_TB, 'Translation Blocking'], [PCI_ACS_RR, 'P2P Request Redirect'],
  [PCI_ACS_CR, 'P2P Completion Redirect'], [PCI_ACS_UF, 'Upstream Forwarding'], [PCI_ACS_EC, 'P2P Egress Control'],
  [PCI_ACS_DT, 'Direct Translated P2P'],
];

/** 'P2P Request Redirect and Upstream Forwarding' for a flag mask. */
export function acsFlagNames(flags: number): string {
  const names = FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);
  return names.length <= 1 ? (names[0] ?? 'none') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;
}

/** The answer of an ACS check: enabled (true/false) or unknown (config space too short), with the reason. */
export interface AcsVerdict {
  readonly enabled: boolean | 'unknown';
  /** Words for an explanation: 'has no ACS capability', 'does not enable ACS P2P Request Redirect', ... */
  readonly why: string;
}

/**
 * pci_acs_flags_enabled() (drivers/pci/pci.c): no ACS capability → false; flags the capability does
 * not implement count as enabled (`acs_flags &= cap | EC`); all remaining must be set in ACS Control.
 */
export function pciAcsFlagsEnabled(dev: AcsSubject, acsFlags: number): AcsVerdict {
  const c = dev.config;
  if (!c.extKnown) return { enabled: 'unknown', why: `ACS unknown: ${c.problems[0] ?? 'extended config space not readable'}` };
  if (c.acs === null) return { enabled: false, why: 'has no ACS capability' };
  const want = acsFlags & (c.acs.cap | PCI_ACS_EC);
  const missing = want & ~c.acs.ctrl;
  if (missing === 0) return { enabled: true, why: 'enables ACS' };
  return { enabled: false, why: `does not enable ACS ${acsFlagNames(missing)}` };
}

/**
 * pci_acs_enabled() (drivers/pci/pci.c, same logic 5.10–6.12): device-specific quirk first; conventional
 * PCI → false; PCIe-to-PCI / PCI-to-PCIe bridges and RC event collectors → false; root and downstream
 * ports → their ACS capability; endpoints, upstream ports and RCiEPs → their ACS capability only when
 * multifunction, otherwise true (a single function has no peer inside the device).
 */
export function pciAcsEnabled(dev: AcsSubject, acsFlags: number, ctx: AcsContext): AcsVerdict {
  const q = pciDevSpecificAcsEnabled(dev, acsFlags, ctx);
  if (q !== null) {
    if (q.answer === 'unknown') return { enabled: 'unknown', why: `ACS unknown: ${q.quirk} needs config space that was not readable` };
    return q.answer === 1
      ? { enabled: true, why: `is isolated by the kernel's ACS quirk ${q.quirk}` }
      : { enabled: false, why: `is not isolated according to the kernel's ACS quirk ${q.quirk}` };
  }
  const c = dev.config;
  if (!c.capsKnown) return { enabled: 'unknown', why: `ACS unknown: ${c.problems[0] ?? 'capabilities not readable'}` };
  if (c.pcie === null) return { enabled: false, why: 'is conventional PCI, which cannot isolate peer-to-peer traffic' };
  switch (c.pcie.type) {
    case PCI_EXP_TYPE_PCIE_BRIDGE:
    case PCI_EXP_TYPE_PCI_BRIDGE:
    case PCI_EXP_TYPE_RC_EC:
      return { enabled: false, why: 'is a bridge type that never counts as ACS-isolated' };
    case PCI_EXP_TYPE_DOWNSTREAM:
    case PCI_EXP_TYPE_ROOT_PORT:
      return pciAcsFlagsEnabled(dev, acsFlags);
    case PCI_EXP_TYPE_ENDPOINT:
    case PCI_EXP_TYPE_UPSTREAM:
    case PCI_EXP_TYPE_LEG_END:
    case PCI_EXP_TYPE_RC_END:
      if (dev.multifunction) return pciAcsFlagsEnabled(dev, acsFlags);
      break;
  }
  return { enabled: true, why: 'is a single-function device (nothing to isolate inside it)' };
}

/** Looks up the bridge above a function: `bus->self`, skipping virtual buses; null on the root bus. */
export interface AcsPathView {
  device(bdf: string): AcsSubject | undefined;
  parentBridge(bdf: string): string | null;
}

/**
 * pci_acs_path_enabled(start, NULL, flags): `start` and every bridge above it up to the root bus must
 * pass pci_acs_enabled. Answers the first device that does not (or whose ACS is unknown).
 */
export function pciAcsPathEnabled(view: AcsPathView, start: string, acsFlags: number, ctx: AcsContext): AcsVerdict & { readonly blocker: string | null } {
  let cur: string | null = start;
  let unknown: (AcsVerdict & { blocker: string }) | null = null;
  while (cur !== null) {
    const dev = view.device(cur);
    if (dev === undefined) return { enabled: 'unknown', why: `${cur} is not known`, blocker: cur };
    const v = pciAcsEnabled(dev, acsFlags, ctx);
    if (v.enabled === false) return { ...v, blocker: cur };
    if (v.enabled === 'unknown' && unknown === null) unknown = { ...v, blocker: cur };
    if (dev.onRootBus) break;
    cur = view.parentBridge(cur);
  }
  return unknown ?? { enabled: true, why: 'enables ACS along the path', blocker: null };
}
