import type { ConfigFacts, IdFacts } from './facts.js';

/**
 * Config space rebuilt from what `lspci -vv`/`-vvv` printed, so the host layer and the model read a
 * paste through the same code as a real `config` file: the header (ids, class, header type with the
 * multifunction bit, bus numbers, subsystem), the PCI Express capability at the offset lspci showed
 * (port type, FLReset), and the extended capabilities ACS (ACSCap/ACSCtl words) and SR-IOV (Total and
 * Number of VFs) at theirs. Capabilities lspci showed that dmaown does not read are not rebuilt.
 * When an extended capability does not start at 0x100, a vendor-specific one (id 0x000b) links to it,
 * because the kernel's walk (`pci_find_next_ext_capability`) starts at 0x100.
 *
 * Unknown ids are written as 0xffff (vendor, device, class): the `vendor`, `device` and `class`
 * files are then absent and readers show the ids as unknown.
 *
 * Sizes: 4096 bytes for a PCIe function (the capability list was read as root), 256 for a
 * conventional one, 64 (the header an unprivileged reader sees) when ACS is unknown: the host layer
 * then says "capabilities and ACS are unknown", as for a capture taken without root.
 */
export function buildConfigSpace(ids: IdFacts | null, cfg: ConfigFacts | 'denied' | null, subsystem: { vendor: number; device: number } | null, multifunction: boolean): Uint8Array | null {
  // Ids unknown (plain `lspci -vvv` prints names, not numbers): 0xffff, as a config read of nothing gives.
  if (cfg === null || cfg === 'denied' || cfg.acs === 'unknown') {
    if (ids === null || ids.vendor === null || ids.device === null || ids.class === 0xffff) return null;
  }
  ids ??= { class: 0xffff, progIf: null, vendor: null, device: null, revision: null, name: '' };
  const known = cfg !== null && cfg !== 'denied' && cfg.acs !== 'unknown';
  const size = !known ? 64 : cfg.express !== null ? 4096 : 256;
  const b = new Uint8Array(size);
  const w16 = (o: number, v: number): void => { b[o] = v & 0xff; b[o + 1] = (v >> 8) & 0xff; };
  const w32 = (o: number, v: number): void => { w16(o, v & 0xffff); w16(o + 2, (v >>> 16) & 0xffff); };
  w16(0x00, ids.vendor ?? 0xffff);
  w16(0x02, ids.device ?? 0xffff);
  b[0x08] = ids.revision ?? 0;
  b[0x09] = ids.progIf ?? 0;
  b[0x0a] = ids.class & 0xff;
  b[0x0b] = (ids.class >> 8) & 0xff;
  const base = ids.class >> 8;
  const hdr = cfg !== null && cfg !== 'denied' && cfg.headerType !== null ? cfg.headerType : base === 0x06 && ((ids.class & 0xff) === 0x04 || (ids.class & 0xff) === 0x09) ? 1 : 0;
  b[0x0e] = hdr | (multifunction ? 0x80 : 0);
  if (cfg !== null && cfg !== 'denied' && cfg.buses !== null) {
    b[0x18] = cfg.buses.primary;
    b[0x19] = cfg.buses.secondary;
    b[0x1a] = cfg.buses.subordinate;
  }
  if (subsystem !== null && hdr === 0) {
    w16(0x2c, subsystem.vendor);
    w16(0x2e, subsystem.device);
  }
  if (!known) return b;
  if (cfg.express !== null) {
    const o = cfg.express.offset >= 0x40 && cfg.express.offset <= 0xf0 ? cfg.express.offset & 0xfc : 0x40;
    w16(0x06, 0x0010); // PCI_STATUS_CAP_LIST
    b[0x34] = o;
    b[o] = 0x10; // PCI_CAP_ID_EXP, next 0
    w16(o + 2, (cfg.express.type << 4) | 2);
    if (cfg.express.flr) w32(o + 4, 1 << 28);
  }
  if (size > 256) {
    const ext: { offset: number; write: (o: number) => number }[] = [];
    if (cfg.acs !== 'absent') {
      const a = cfg.acs;
      ext.push({ offset: a.offset, write: (o) => { w16(o + 4, a.cap); w16(o + 6, a.ctl); return 0x000d; } });
    }
    if (cfg.sriov !== null) {
      const s = cfg.sriov;
      ext.push({ offset: s.offset, write: (o) => { w16(o + 0x0e, s.totalVfs); w16(o + 0x10, s.numVfs); return 0x0010; } });
    }
    const valid = ext.filter((e) => e.offset >= 0x100 && e.offset <= 0xff0 && (e.offset & 3) === 0).sort((x, y) => x.offset - y.offset);
    const chain = valid.length > 0 && (valid[0] as { offset: number }).offset !== 0x100
      ? [{ offset: 0x100, write: () => 0x000b }, ...valid] : valid;
    for (let k = 0; k < chain.length; k++) {
      const e = chain[k] as (typeof chain)[number];
      const id = e.write(e.offset);
      const next = (chain[k + 1]?.offset ?? 0) & 0xffc;
      w32(e.offset, (id | (1 << 16) | (next << 20)) >>> 0);
    }
  }
  return b;
}
