import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pciAcsEnabled, pciAcsFlagsEnabled, REQ_ACS_FLAGS } from './acs.js';
import { PCI_ACS_CR, PCI_ACS_RR, PCI_ACS_SV, PCI_ACS_UF, type AcsSubject } from './acs-quirks.js';
import { PCI_EXP_TYPE_DOWNSTREAM, PCI_EXP_TYPE_ROOT_PORT, pciConfigParse } from './config.js';

/** A config blob: header, one PCIe capability at 0x40, optionally ACS at 0x100. */
export function blob(o: { vendor?: number; device?: number; type?: number; hdr?: number; acs?: [cap: number, ctrl: number]; size?: number }): Uint8Array {
  const b = new Uint8Array(o.size ?? 4096);
  const w16 = (off: number, v: number) => { b[off] = v & 0xff; b[off + 1] = (v >> 8) & 0xff; };
  w16(0, o.vendor ?? 0x1b36); w16(2, o.device ?? 0x000c);
  b[0x0e] = o.hdr ?? 0x01;
  if (o.type !== undefined) {
    b[0x06] = 0x10; b[0x34] = 0x40; b[0x40] = 0x10; b[0x41] = 0; w16(0x42, (o.type << 4) | 2);
  }
  if (o.acs && b.length >= 0x108) { w16(0x100, 0x000d); w16(0x102, 0x0001); w16(0x104, o.acs[0]); w16(0x106, o.acs[1]); }
  return b;
}
const subject = (config: Uint8Array, over: Partial<AcsSubject> = {}): AcsSubject => {
  const c = pciConfigParse(config);
  return { bdf: '0000:00:1c.0', vendor: c.vendor ?? 0, device: c.device ?? 0, config: c, multifunction: false, onRootBus: true, ...over };
};

test('capability walk finds the PCIe port type and ACS', () => {
  const c = pciConfigParse(blob({ type: PCI_EXP_TYPE_ROOT_PORT, acs: [0x1f, 0x1d] }));
  assert.equal(c.pcie?.type, PCI_EXP_TYPE_ROOT_PORT);
  assert.deepEqual([c.acs?.cap, c.acs?.ctrl], [0x1f, 0x1d]);
  assert.equal(c.headerType, 1);
  assert.equal(c.multifunctionBit, false);
  assert.equal(c.capsKnown && c.extKnown, true);
});

test('truncated config: pointers beyond the blob are unknown, never a crash', () => {
  const c64 = pciConfigParse(blob({ type: PCI_EXP_TYPE_ROOT_PORT, size: 64 }));
  assert.equal(c64.capsKnown, false);
  assert.match(c64.problems[0] ?? '', /only 64 bytes/);
  const odd = blob({ type: PCI_EXP_TYPE_ROOT_PORT, size: 256 });
  odd[0x41] = 0xfe; // next pointer at the end of the 256-byte space
  odd[0xfc] = 0x05;
  assert.doesNotThrow(() => pciConfigParse(odd));
  const ext = blob({ type: PCI_EXP_TYPE_ROOT_PORT, size: 0x102 });
  const e = pciConfigParse(ext);
  assert.equal(e.extKnown, false);
  assert.match(e.problems.join(), /extended capability pointer 0x100 beyond the 258-byte config blob/);
  const loop = blob({ type: PCI_EXP_TYPE_ROOT_PORT });
  loop[0x40] = 0x05; loop[0x41] = 0x40; // capability pointing at itself
  assert.doesNotThrow(() => pciConfigParse(loop));
  assert.equal(pciConfigParse(new Uint8Array(0)).vendor, null);
});

test('pci_acs_flags_enabled: unimplemented features count as enabled; missing ones are named', () => {
  assert.equal(pciAcsFlagsEnabled(subject(blob({ type: PCI_EXP_TYPE_ROOT_PORT, acs: [PCI_ACS_SV | PCI_ACS_RR, PCI_ACS_SV | PCI_ACS_RR] })), REQ_ACS_FLAGS).enabled, true);
  const v = pciAcsFlagsEnabled(subject(blob({ type: PCI_EXP_TYPE_ROOT_PORT, acs: [0x1f, PCI_ACS_SV | PCI_ACS_CR | PCI_ACS_UF] })), REQ_ACS_FLAGS);
  assert.deepEqual(v, { enabled: false, why: 'does not enable ACS P2P Request Redirect' });
  assert.equal(pciAcsFlagsEnabled(subject(blob({ type: PCI_EXP_TYPE_DOWNSTREAM })), REQ_ACS_FLAGS).why, 'has no ACS capability');
  assert.equal(pciAcsFlagsEnabled(subject(blob({ type: PCI_EXP_TYPE_DOWNSTREAM, size: 64 })), REQ_ACS_FLAGS).enabled, 'unknown');
});

test('pci_acs_enabled per device type, and the kernel quirk table first', () => {
  const ep = blob({ type: 0, hdr: 0x00, acs: undefined });
  assert.equal(pciAcsEnabled(subject(ep), REQ_ACS_FLAGS, { ivrs: false }).enabled, true); // single-function endpoint
  assert.equal(pciAcsEnabled(subject(ep, { multifunction: true }), REQ_ACS_FLAGS, { ivrs: false }).enabled, false);
  assert.equal(pciAcsEnabled(subject(blob({ type: 7 })), REQ_ACS_FLAGS, { ivrs: false }).enabled, false); // PCIe-to-PCI bridge
  assert.match(pciAcsEnabled(subject(blob({ hdr: 0 })), REQ_ACS_FLAGS, { ivrs: false }).why, /conventional PCI/);
  // Intel RCiEP (q35 00:05.2, 8086:10d3): pci_quirk_rciep_acs
  const rciep = subject(blob({ vendor: 0x8086, device: 0x10d3, type: 9, hdr: 0 }), { multifunction: true });
  assert.deepEqual(pciAcsEnabled(rciep, REQ_ACS_FLAGS, { ivrs: false }), { enabled: true, why: "is isolated by the kernel's ACS quirk pci_quirk_rciep_acs" });
  // Intel PCH root port 8086:8c10 without an ACS capability: pci_quirk_intel_pch_acs
  assert.equal(pciAcsEnabled(subject(blob({ vendor: 0x8086, device: 0x8c10, type: PCI_EXP_TYPE_ROOT_PORT })), REQ_ACS_FLAGS, { ivrs: false }).enabled, true);
  // Intel 82576 multifunction NIC: pci_quirk_mf_endpoint_acs
  assert.equal(pciAcsEnabled(subject(blob({ vendor: 0x8086, device: 0x10c9, type: 0, hdr: 0x80 }), { multifunction: true }), REQ_ACS_FLAGS, { ivrs: false }).enabled, true);
  // AMD SB functions need the IVRS table
  const sb = subject(blob({ vendor: 0x1022, device: 0x780f, hdr: 0x80 }), { multifunction: true });
  assert.equal(pciAcsEnabled(sb, PCI_ACS_RR | PCI_ACS_CR, { ivrs: true }).enabled, true);
  assert.equal(pciAcsEnabled(sb, PCI_ACS_RR | PCI_ACS_CR, { ivrs: false }).enabled, false);
});
