// PCI config space bytes for a synthetic function (pure). Layout per the PCI/PCIe specs and
// include/uapi/linux/pci_regs.h: standard header, capability list PM -> MSI-X -> PCIe, and for
// PCIe functions the extended list from 0x100: AER -> ACS (when the port/function has it) ->
// SR-IOV (PFs) -> ARI. Conventional PCI functions get 256 bytes, PCIe functions 4096 (what root
// reads from sysfs `config`).

import { PCIE_TYPE } from './topology.mjs';

const w8 = (b, o, v) => { b[o] = v & 0xff; };
const w16 = (b, o, v) => { b[o] = v & 0xff; b[o + 1] = (v >> 8) & 0xff; };
const w32 = (b, o, v) => { w16(b, o, v & 0xffff); w16(b, o + 2, (v >>> 16) & 0xffff); };

/** ACS control bits the kernel requires for isolation: SV | RR | CR | UF (REQ_ACS_FLAGS). */
export const ACS_CTRL_ENABLED = 0x01 | 0x04 | 0x08 | 0x10;
const ACS_CAP_ALL = 0x5f; // SV TB RR CR UF DT (no EC)

/** Extended capability header: id | version << 16 | next << 20. */
const extHdr = (id, ver, next) => (id | (ver << 16) | (next << 20)) >>> 0;

export function configSpace(f) {
  const pcie = f.pcieType !== null;
  const size = pcie ? 4096 : 256;
  const b = new Uint8Array(size);
  const bridge = f.secondary !== null || f.kind === 'usp' || f.kind === 'dsp' || f.kind === 'rp' || f.kind === 'pcibridge';
  w16(b, 0x00, f.vendor);
  w16(b, 0x02, f.kind === 'vf' ? 0xffff : f.device); // VFs read 0xffff for vendor/device in config
  if (f.kind === 'vf') w16(b, 0x00, 0xffff);
  w16(b, 0x04, f.driver ? 0x0406 : 0x0000); // memory space + bus master when a driver has enabled it
  w16(b, 0x06, 0x0010); // capabilities list
  w8(b, 0x08, f.rev);
  w8(b, 0x09, f.class & 0xff);
  w8(b, 0x0a, (f.class >> 8) & 0xff);
  w8(b, 0x0b, (f.class >> 16) & 0xff);
  w8(b, 0x0c, 0x10);
  w8(b, 0x0e, (bridge ? 0x01 : 0x00) | (f.multifunction ? 0x80 : 0));
  if (bridge) {
    w8(b, 0x18, f.bus);
    w8(b, 0x19, f.secondary ?? 0);
    w8(b, 0x1a, f.subordinate ?? 0);
  } else {
    w32(b, 0x10, 0xfc000004 - (f.irq << 20)); // 64-bit memory BAR
    w16(b, 0x2c, f.sv);
    w16(b, 0x2e, f.sd);
  }
  w8(b, 0x34, 0x40);
  w8(b, 0x3c, f.irq & 0xff);
  w8(b, 0x3d, f.kind === 'vf' ? 0 : 1);
  // PM capability
  w8(b, 0x40, 0x01); w8(b, 0x41, 0x50); w16(b, 0x42, 0x0003);
  // MSI-X capability
  w8(b, 0x50, 0x11); w8(b, 0x51, pcie ? 0x70 : 0x00); w16(b, 0x52, 0x003f);
  if (!pcie) return b;
  // PCIe capability v2: flags = version | port type << 4 | slot implemented (ports)
  const port = f.pcieType === PCIE_TYPE.ROOT_PORT || f.pcieType === PCIE_TYPE.DOWNSTREAM;
  w8(b, 0x70, 0x10); w8(b, 0x71, 0x00);
  w16(b, 0x72, 0x2 | (f.pcieType << 4) | (port ? 0x100 : 0));
  const flr = f.kind === 'ep' || f.kind === 'pf' || f.kind === 'vf' || f.kind === 'rciep';
  w32(b, 0x74, 0x00008fc2 | (flr ? 0x10000000 : 0)); // DEVCAP (+FLR)
  w32(b, 0x7c, 0x0047ac43); // LNKCAP
  w16(b, 0x82, 0x1043);     // LNKSTA
  w32(b, 0x94, 0x00000010 | (f.kind === 'pf' || f.kind === 'vf' ? 0x20 : 0)); // DEVCAP2 (ARI forwarding on ports)
  // Extended capabilities
  const chain = [];
  chain.push({ id: 0x0001, len: 0x48, body: () => {} }); // AER
  if (f.acs) {
    chain.push({ id: 0x000d, len: 0x08, body: (o) => { w16(b, o + 4, ACS_CAP_ALL); w16(b, o + 6, ACS_CTRL_ENABLED); } });
  }
  if (f.sriov) {
    const s = f.sriov;
    chain.push({ id: 0x0010, len: 0x40, body: (o) => {
      w32(b, o + 0x04, 0x2); w16(b, o + 0x08, s.num > 0 ? 0x19 : 0x10); w16(b, o + 0x0c, s.total);
      w16(b, o + 0x0e, s.total); w16(b, o + 0x10, s.num); w16(b, o + 0x14, s.offset); w16(b, o + 0x16, s.stride);
      w16(b, o + 0x1a, s.vfDevice); w32(b, o + 0x1c, 0x553); w32(b, o + 0x20, 0x1);
    } });
  }
  if (f.kind === 'pf' || f.kind === 'vf') chain.push({ id: 0x000e, len: 0x08, body: () => {} }); // ARI
  let off = 0x100;
  chain.forEach((c, i) => {
    const next = i + 1 < chain.length ? off + c.len : 0;
    w32(b, off, extHdr(c.id, c.id === 0x0001 ? 2 : 1, next));
    c.body(off);
    off = next;
  });
  return b;
}
