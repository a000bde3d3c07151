/**
 * PCI configuration space parsing (include/uapi/linux/pci_regs.h, drivers/pci/probe.c): header type,
 * multifunction bit, bridge bus numbers, the capability list (PCI Express → port type) and the
 * extended capability list (ACS, SR-IOV, ARI).
 *
 * Config space is read from sysfs `config`: 64 bytes for an unprivileged reader, `cfg_size` (256 or
 * 4096) for root. A blob shorter than 256 bytes, or a pointer beyond the blob, makes the affected
 * fields `unknown` — never a crash. A 256-byte blob of a PCIe device means the kernel itself sees no
 * extended space (cfg_size 256, e.g. behind a conventional bridge), so its extended capabilities are
 * known to be absent.
 */

/** PCI_EXP_TYPE_* (PCI_EXP_FLAGS_TYPE >> 4). */
export const PCI_EXP_TYPE_ENDPOINT = 0x0;
export const PCI_EXP_TYPE_LEG_END = 0x1;
export const PCI_EXP_TYPE_ROOT_PORT = 0x4;
export const PCI_EXP_TYPE_UPSTREAM = 0x5;
export const PCI_EXP_TYPE_DOWNSTREAM = 0x6;
export const PCI_EXP_TYPE_PCI_BRIDGE = 0x7;
export const PCI_EXP_TYPE_PCIE_BRIDGE = 0x8;
export const PCI_EXP_TYPE_RC_END = 0x9;
export const PCI_EXP_TYPE_RC_EC = 0xa;

/** Header types (PCI_HEADER_TYPE_*, config 0x0e without bit 7). */
export const PCI_HEADER_TYPE_NORMAL = 0;
export const PCI_HEADER_TYPE_BRIDGE = 1;
export const PCI_HEADER_TYPE_CARDBUS = 2;
/** Capability ids (PCI_CAP_ID_*) the model reads. */
export const PCI_CAP_ID_PM = 0x01;
export const PCI_CAP_ID_SHPC = 0x0c;
export const PCI_CAP_ID_EXP = 0x10;
export const PCI_CAP_ID_AF = 0x13;
const PCI_STATUS_CAP_LIST = 0x10;
const PCI_EXT_CAP_ID_ACS = 0x0d;
const PCI_EXT_CAP_ID_ARI = 0x0e;
const PCI_EXT_CAP_ID_SRIOV = 0x10;
const PCI_CFG_SPACE_SIZE = 256;
/** Kernel's guard against capability-list loops (PCI_FIND_CAP_TTL = 48; ext: (4096-256)/8). */
const PCI_FIND_CAP_TTL = 48;
const PCI_EXT_CAP_TTL = (4096 - 256) / 8;

/** Words a user reads in an explanation, for PCI_EXP_TYPE_*. */
export const PCI_EXP_TYPE_NAMES: Readonly<Record<number, string>> = {
  [PCI_EXP_TYPE_ENDPOINT]: 'PCIe endpoint', [PCI_EXP_TYPE_LEG_END]: 'legacy PCIe endpoint',
  [PCI_EXP_TYPE_ROOT_PORT]: 'PCIe root port', [PCI_EXP_TYPE_UPSTREAM]: 'PCIe switch upstream port',
  [PCI_EXP_TYPE_DOWNSTREAM]: 'PCIe switch downstream port', [PCI_EXP_TYPE_PCI_BRIDGE]: 'PCIe-to-PCI bridge',
  [PCI_EXP_TYPE_PCIE_BRIDGE]: 'PCI-to-PCIe bridge', [PCI_EXP_TYPE_RC_END]: 'root complex integrated endpoint',
  [PCI_EXP_TYPE_RC_EC]: 'root complex event collector',
};

export interface AcsCap {
  /** Offset of the ACS extended capability (dev->acs_cap). */
  readonly offset: number;
  /** ACS Capability register (16 bits at +4). */
  readonly cap: number;
  /** ACS Control register (16 bits at +6). */
  readonly ctrl: number;
  /** The dword at +8, where Intel Sunrise Point PCH root ports put their control bits (INTEL_SPT_ACS_CTRL). */
  readonly ctrlDwordSpt: number | null;
}

export interface PciConfig {
  /** Bytes available. */
  readonly length: number;
  readonly vendor: number | null;
  readonly device: number | null;
  /** Header type without the multifunction bit (0 normal, 1 bridge, 2 CardBus), or null if unreadable. */
  readonly headerType: number | null;
  /** Bit 7 of the header type register. */
  readonly multifunctionBit: boolean | null;
  /** Type-1 headers: secondary and subordinate bus numbers. */
  readonly secondaryBus: number | null;
  readonly subordinateBus: number | null;
  /** True when the standard capability list could be walked completely. */
  readonly capsKnown: boolean;
  /** The PCI Express capability, null when the device is conventional PCI (only meaningful if capsKnown). */
  readonly pcie: { readonly offset: number; readonly type: number } | null;
  /** True when the extended capability list is known (walked, or known absent). */
  readonly extKnown: boolean;
  readonly acs: AcsCap | null;
  readonly sriov: { readonly offset: number; readonly totalVfs: number; readonly numVfs: number } | null;
  readonly ari: number | null;
  /** Why some part is unknown, in words naming the offset. */
  readonly problems: readonly string[];
}

/**
 * How many bytes of config space a description holds: `configSize` when its reader kept only the bytes
 * up to the last non-zero one (the rest of the 256 or 4096 reads as zero), else `config.length`.
 */
export function pciConfigSize(d: { readonly config: Uint8Array; readonly configSize?: number }): number {
  return d.configSize ?? d.config.length;
}

/** The whole config space of a description, its trailing zeros restored (what sysfs `config` reads back). */
export function pciConfigBytes(d: { readonly config: Uint8Array; readonly configSize?: number }): Uint8Array {
  const size = pciConfigSize(d);
  if (size <= d.config.length) return d.config;
  const out = new Uint8Array(size);
  out.set(d.config);
  return out;
}

/**
 * `b` without its trailing zero bytes, and the size to read it at (`pciConfigSize`): the same answers
 * from every reader here, in about 330 bytes instead of 4096 for a PCIe function (the same array when
 * it ends in a non-zero byte).
 */
export function pciConfigCompact(b: Uint8Array): { readonly config: Uint8Array; readonly configSize: number } {
  const n = pciConfigKeptLength(b);
  return { config: n === b.length ? b : b.slice(0, n), configSize: b.length };
}

/**
 * The length of `b` without its trailing zero bytes: a word at a time over the 4-byte-aligned part
 * (config space is mostly zeros after ~330 bytes: ~940 words to skip instead of ~3,770 bytes).
 */
export function pciConfigKeptLength(b: Uint8Array): number {
  let n = b.length;
  while (n > 0 && (n & 3) !== 0 && b[n - 1] === 0) n--;
  if ((n & 3) === 0 && (b.byteOffset & 3) === 0) {
    const w = new Int32Array(b.buffer, b.byteOffset, n >> 2);
    let i = w.length;
    while (i > 0 && w[i - 1] === 0) i--;
    n = i << 2;
  }
  while (n > 0 && b[n - 1] === 0) n--;
  return n;
}

// Byte reads of a blob of `size` bytes, of which `b` holds the first (the rest are zero): null beyond `size`.
const u8 = (b: Uint8Array, o: number, size = b.length): number | null => (o + 1 <= size ? (b[o] ?? 0) : null);
const u16 = (b: Uint8Array, o: number, size = b.length): number | null => (o + 2 <= size ? (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) : null);
const u32 = (b: Uint8Array, o: number, size = b.length): number | null => {
  const lo = u16(b, o, size), hi = u16(b, o + 2, size);
  return lo === null || hi === null ? null : (lo | (hi << 16)) >>> 0;
};

/** Where a capability walk ended: `offset` of the capability (0: the list ended without it); `beyond`: a pointer left the blob. */
export interface CapabilityWalk {
  readonly offset: number;
  readonly beyond: number | null;
}

/**
 * The one walker of the standard capability list, as `pci_find_capability()` → `__pci_bus_find_cap_start()`
 * (0x34, or 0x14 for CardBus) → `__pci_find_next_cap_ttl()` (at most PCI_FIND_CAP_TTL hops, stop below 0x40
 * or at id 0xff). No capability list (status bit clear) → offset 0.
 */
export function pciCapabilityWalk(b: Uint8Array, id: number, size = b.length): CapabilityWalk {
  const status = u16(b, 0x06, size);
  if (status === null || (status & PCI_STATUS_CAP_LIST) === 0) return { offset: 0, beyond: null };
  const start = ((u8(b, 0x0e, size) ?? 0) & 0x7f) === PCI_HEADER_TYPE_CARDBUS ? 0x14 : 0x34;
  const first = u8(b, start, size);
  if (first === null) return { offset: 0, beyond: start };
  let pos = first & 0xfc;
  for (let ttl = PCI_FIND_CAP_TTL; pos >= 0x40 && ttl > 0; ttl--) {
    const cid = u8(b, pos, size), next = u8(b, pos + 1, size);
    if (cid === null || next === null) return { offset: 0, beyond: pos };
    if (cid === 0xff) break;
    if (cid === id) return { offset: pos, beyond: null };
    pos = next & 0xfc;
  }
  return { offset: 0, beyond: null };
}

/** `pci_find_capability()`: offset of capability `id`, or 0 (absent, or beyond what the blob holds). */
export function pciFindCapability(b: Uint8Array, id: number, size = b.length): number {
  return pciCapabilityWalk(b, id, size).offset;
}

/** Parses a config-space blob of `size` bytes (`b` holds the first, the rest are zero: pciConfigCompact); see the module comment for what "unknown" means. */
export function pciConfigParse(b: Uint8Array, size = b.length): PciConfig {
  const problems: string[] = [];
  const hdr = u8(b, 0x0e, size);
  const headerType = hdr === null ? null : hdr & 0x7f;
  let capsKnown = size >= PCI_CFG_SPACE_SIZE;
  if (!capsKnown) problems.push(`only ${size} bytes of config space: capabilities unknown`);
  let pcie: PciConfig['pcie'] = null;
  if (capsKnown) {
    const w = pciCapabilityWalk(b, PCI_CAP_ID_EXP, size);
    const flags = w.offset === 0 ? null : u16(b, w.offset + 2, size);
    if (w.beyond !== null) {
      problems.push(`capability pointer 0x${w.beyond.toString(16)} beyond the ${size}-byte config blob`);
      capsKnown = false;
    } else if (w.offset !== 0 && flags === null) {
      problems.push(`PCI Express capability at 0x${w.offset.toString(16)} truncated`);
      capsKnown = false;
    } else if (w.offset !== 0 && flags !== null) {
      pcie = { offset: w.offset, type: (flags >> 4) & 0xf };
    }
  }
  let extKnown = capsKnown && (pcie === null || size >= 0x104 || size === PCI_CFG_SPACE_SIZE);
  let acs: AcsCap | null = null;
  let sriov: PciConfig['sriov'] = null;
  let ari: number | null = null;
  if (capsKnown && pcie !== null && size > PCI_CFG_SPACE_SIZE) {
    let pos = PCI_CFG_SPACE_SIZE;
    let ttl = PCI_EXT_CAP_TTL;
    while (pos !== 0 && ttl-- > 0) {
      const header = u32(b, pos, size);
      if (header === null) {
        problems.push(`extended capability pointer 0x${pos.toString(16)} beyond the ${size}-byte config blob`);
        extKnown = false;
        break;
      }
      if (header === 0 || header === 0xffffffff) break;
      const id = header & 0xffff;
      if (id === PCI_EXT_CAP_ID_ACS && acs === null) {
        const cap = u16(b, pos + 4, size), ctrl = u16(b, pos + 6, size);
        if (cap === null || ctrl === null) {
          problems.push(`ACS capability at 0x${pos.toString(16)} truncated`);
          extKnown = false;
          break;
        }
        acs = { offset: pos, cap, ctrl, ctrlDwordSpt: u32(b, pos + 8, size) };
      } else if (id === PCI_EXT_CAP_ID_SRIOV && sriov === null) {
        sriov = { offset: pos, totalVfs: u16(b, pos + 0x0e, size) ?? 0, numVfs: u16(b, pos + 0x10, size) ?? 0 };
      } else if (id === PCI_EXT_CAP_ID_ARI && ari === null) {
        ari = pos;
      }
      const next = (header >>> 20) & 0xffc;
      if (next !== 0 && next < PCI_CFG_SPACE_SIZE) break;
      pos = next;
    }
  }
  return {
    length: size,
    vendor: u16(b, 0, size),
    device: u16(b, 2, size),
    headerType,
    multifunctionBit: hdr === null ? null : (hdr & 0x80) !== 0,
    secondaryBus: headerType === 1 ? u8(b, 0x19, size) : null,
    subordinateBus: headerType === 1 ? u8(b, 0x1a, size) : null,
    capsKnown,
    pcie: capsKnown ? pcie : null,
    extKnown,
    acs,
    sriov,
    ari,
    problems,
  };
}

/** pci_pcie_type(): the port type, or ENDPOINT (0) when not PCIe, as the kernel's flags register reads 0. */
export function pciPcieType(c: PciConfig): number {
  return c.pcie?.type ?? PCI_EXP_TYPE_ENDPOINT;
}

/** A short human name for the device kind: 'PCIe root port', 'conventional PCI device', ... */
export function pciKindName(c: PciConfig | null): string {
  if (c === null) return 'device';
  if (!c.capsKnown) return 'device';
  if (c.pcie === null) return c.headerType === 1 ? 'conventional PCI bridge' : 'conventional PCI device';
  return PCI_EXP_TYPE_NAMES[c.pcie.type] ?? `PCIe device (type ${c.pcie.type})`;
}
