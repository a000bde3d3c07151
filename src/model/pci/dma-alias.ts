/**
 * DMA requester-ID aliases (drivers/pci/search.c pci_for_each_dma_alias, drivers/pci/quirks.c
 * quirk_dma_func0_alias / quirk_dma_func1_alias / quirk_use_pcie_bridge_dma_alias).
 */

/** The alias facts the kernel sets up by quirk at enumeration. */
export interface DmaAliasFlags {
  /** pdev->dma_alias_mask: devfns on the same bus this function also issues DMA as. */
  readonly dmaAliasDevfns: readonly number[];
  /** PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS: a conventional bridge that aliases like a PCIe-to-PCI bridge. */
  readonly pcieBridgeAlias: boolean;
}

const FUNC0_ALIAS: ReadonlySet<number> = new Set([0x1180e832, 0x1180e476]); // Ricoh card readers
/**
 * quirk_dma_func1_alias: Marvell (0x1b4b) SATA controllers, TTI RocketRAID (0x1103), JMicron JMB388
 * (0x197b:0x2392), HighPoint/ASMedia variants. [UNSURE] the subset we carry; others are not modelled.
 */
const FUNC1_ALIAS: ReadonlySet<number> = new Set([
  0x1b4b9120, 0x1b4b9123, 0x1b4b9125, 0x1b4b9128, 0x1b4b9130, 0x1b4b9170, 0x1b4b9172, 0x1b4b917a,
  0x1b4b9182, 0x1b4b9183, 0x1b4b91a0, 0x1b4b9215, 0x1b4b9220, 0x1b4b9230, 0x11030642, 0x11030645, 0x197b2392,
]);
/** quirk_use_pcie_bridge_dma_alias: ASMedia 1080, Tundra 8113, ITE 8892/8893 conventional bridges. */
const PCIE_BRIDGE_ALIAS: ReadonlySet<number> = new Set([0x1b211080, 0x10e38113, 0x12838892, 0x12838893]);

/** No quirk: what almost every function gets (shared, frozen). */
const NO_ALIAS: DmaAliasFlags = Object.freeze({ dmaAliasDevfns: Object.freeze([]), pcieBridgeAlias: false });

/** The alias quirks that apply to a function (`slot`, `fn` of its own address), by ids. */
export function dmaAliasQuirks(vendor: number, device: number, slot: number, fn: number, isPcie: boolean): DmaAliasFlags {
  const id = ((vendor << 16) | device) >>> 0;
  if (!FUNC0_ALIAS.has(id) && !FUNC1_ALIAS.has(id) && !PCIE_BRIDGE_ALIAS.has(id)) return NO_ALIAS;
  const devfns: number[] = [];
  if (FUNC0_ALIAS.has(id) && fn !== 0) devfns.push(slot << 3);
  if (FUNC1_ALIAS.has(id) && fn !== 1) devfns.push((slot << 3) | 1);
  return { dmaAliasDevfns: devfns, pcieBridgeAlias: PCIE_BRIDGE_ALIAS.has(id) && !isPcie };
}

/** Value of a lower-case hex digit, or -1 (the `[0-9a-f]` of a BDF: no upper case). */
function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
}

/**
 * Parses 'dddd:bb:ss.f' into numbers; null when malformed. Exactly the BDFs that
 * /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$/ accepts (dma-alias.test.ts compares them),
 * read without a regular expression: every group formation reads each BDF several times.
 */
export function parseBdf(bdf: string): { domain: number; bus: number; slot: number; fn: number; devfn: number } | null {
  const n = bdf.length;
  const dl = n - 8; // domain digits: 'dddd' + ':bb:ss.f'
  if (dl < 4 || dl > 8 || bdf.charCodeAt(dl) !== 58 || bdf.charCodeAt(dl + 3) !== 58 || bdf.charCodeAt(dl + 6) !== 46) return null;
  let domain = 0;
  for (let i = 0; i < dl; i++) {
    const h = hexDigit(bdf.charCodeAt(i));
    if (h < 0) return null;
    domain = domain * 16 + h;
  }
  const b1 = hexDigit(bdf.charCodeAt(dl + 1)), b2 = hexDigit(bdf.charCodeAt(dl + 2));
  const s1 = bdf.charCodeAt(dl + 4) - 48, s2 = hexDigit(bdf.charCodeAt(dl + 5));
  const fn = bdf.charCodeAt(dl + 7) - 48;
  if (b1 < 0 || b2 < 0 || s1 < 0 || s1 > 1 || s2 < 0 || fn < 0 || fn > 7) return null;
  const slot = s1 * 16 + s2;
  return { domain, bus: b1 * 16 + b2, slot, fn, devfn: (slot << 3) | fn };
}
