import { INPUT_LIMITS, readInputFile } from '../host/input-file.js';

/**
 * Vendor, device and class names from the pci.ids database, as lspci prints them. The file (1.3 MB)
 * is read once, on the first lookup, and searched with indexOf rather than parsed into maps — the
 * way lspci's lazy lookups keep `dmaown` fast when it shows only a few dozen devices — and every
 * answer is remembered, so a host of 10k functions with a few dozen distinct ids searches the text a
 * few dozen times, not 10k times.
 */
export interface PciNames {
  vendor(vendor: number): string | null;
  device(vendor: number, device: number): string | null;
  /** Subclass name ('VGA compatible controller'), falling back to the base class name. */
  className(classCode: number): string | null;
}

/** Where distributions install pci.ids (Debian/Ubuntu: pci.ids package; Fedora/Arch: hwdata). */
export const PCI_IDS_PATHS = ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids', '/usr/share/pci.ids'];

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** Names from a pci.ids text (already loaded). */
export function pciNamesFromText(text: string): PciNames {
  const classStart = text.indexOf('\nC ');
  const devicePart = classStart < 0 ? text : text.slice(0, classStart);
  const classPart = classStart < 0 ? '' : text.slice(classStart);
  const vendorOffsets = new Map<number, number>();
  const vendorAt = (v: number): number => {
    let at = vendorOffsets.get(v);
    if (at === undefined) {
      const key = `\n${hex4(v)}  `;
      at = devicePart.startsWith(key.slice(1)) ? 0 : devicePart.indexOf(key);
      vendorOffsets.set(v, at);
    }
    return at;
  };
  const lineAfter = (s: string, at: number, prefixLen: number): string => {
    const end = s.indexOf('\n', at + 1);
    return s.slice(at + prefixLen, end < 0 ? undefined : end).trim();
  };
  // Lines of one block: from `start` to the next line that begins without a tab.
  const findInBlock = (s: string, start: number, key: string): string | null => {
    let pos = s.indexOf('\n', start + 1);
    while (pos >= 0 && pos < s.length - 1) {
      const c = s[pos + 1];
      if (c !== '\t' && c !== '#') return null;
      if (s.startsWith(key, pos + 1)) return lineAfter(s, pos, key.length + 1);
      pos = s.indexOf('\n', pos + 1);
    }
    return null;
  };
  const vendors = new Map<number, string | null>();
  const devices = new Map<number, string | null>();
  const classes = new Map<number, string | null>();
  return {
    vendor(v) {
      let name = vendors.get(v);
      if (name === undefined) {
        const at = vendorAt(v);
        name = at < 0 ? null : lineAfter(devicePart, at, at === 0 ? 6 : 7);
        vendors.set(v, name);
      }
      return name;
    },
    device(v, d) {
      const key = v * 0x10000 + d;
      let name = devices.get(key);
      if (name === undefined) {
        const at = vendorAt(v);
        name = at < 0 ? null : findInBlock(devicePart, at, `\t${hex4(d)}  `);
        devices.set(key, name);
      }
      return name;
    },
    className(code) {
      let name = classes.get(code);
      if (name === undefined) {
        name = classNameOf(code);
        classes.set(code, name);
      }
      return name;
    },
  };
  function classNameOf(code: number): string | null {
    const base = (code >> 16) & 0xff, sub = (code >> 8) & 0xff;
    const at = classPart.indexOf(`\nC ${hex2(base)}  `);
    if (at < 0) return null;
    return findInBlock(classPart, at, `\t${hex2(sub)}  `) ?? lineAfter(classPart, at, 7);
  }
}

const NONE: PciNames = { vendor: () => null, device: () => null, className: () => null };

/**
 * Lazily loaded names: the first file of `paths` that is a regular file of at most 64 MiB (a FIFO or
 * /dev/zero is skipped, never read); no names (numeric ids only) if none.
 */
export function lazyPciNames(paths: readonly string[] = PCI_IDS_PATHS): PciNames {
  let loaded: PciNames | null = null;
  const get = (): PciNames => {
    if (loaded) return loaded;
    loaded = NONE;
    for (const p of paths) {
      const r = readInputFile(p, { what: 'pci.ids', maxBytes: INPUT_LIMITS.pciIds });
      if (r.ok) { loaded = pciNamesFromText(r.value.toString('latin1')); break; }
    }
    return loaded;
  };
  return {
    vendor: (v) => get().vendor(v),
    device: (v, d) => get().device(v, d),
    className: (c) => get().className(c),
  };
}
