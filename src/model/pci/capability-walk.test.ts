/**
 * The single capability walker (`pciCapabilityWalk` / `pciFindCapability`, pci/config.ts) that both group
 * formation (`pciConfigParse`) and the driver-core reads (pci/caps.ts: shpchp, pcieport, reset methods) use:
 * pci_find_capability() → __pci_find_next_cap_ttl() (drivers/pci/pci.c, 5.10–6.12).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PCI_CAP_ID_EXP, PCI_CAP_ID_PM, PCI_CAP_ID_SHPC, pciCapabilityWalk, pciConfigParse, pciFindCapability } from './config.js';
import { pciConfigResetMethods, pciPcieType } from './caps.js';
import { host } from '../testing/host-builder.js';

/** PM at 0x40 → PCIe at 0x50 → SHPC at 0x60, as the test host builder lays out a bridge. */
function chain(size = 256): Uint8Array {
  const b = new Uint8Array(size);
  b[0x06] = 0x10; b[0x0e] = 1; b[0x34] = 0x40;
  b[0x40] = PCI_CAP_ID_PM; b[0x41] = 0x50;
  if (size > 0x60) { b[0x50] = PCI_CAP_ID_EXP; b[0x51] = 0x60; b[0x52] = 0x72; b[0x60] = PCI_CAP_ID_SHPC; b[0x61] = 0; }
  return b;
}

test('pciFindCapability walks the list in order and answers 0 for an absent id', () => {
  const b = chain();
  assert.equal(pciFindCapability(b, PCI_CAP_ID_PM), 0x40);
  assert.equal(pciFindCapability(b, PCI_CAP_ID_EXP), 0x50);
  assert.equal(pciFindCapability(b, PCI_CAP_ID_SHPC), 0x60);
  assert.equal(pciFindCapability(b, 0x05), 0);
});

test('no capability list (status bit 4 clear) → 0; id 0xff or a pointer below 0x40 ends the walk', () => {
  const b = chain();
  b[0x06] = 0;
  assert.equal(pciFindCapability(b, PCI_CAP_ID_PM), 0);
  const c = chain();
  c[0x50] = 0xff;
  assert.equal(pciFindCapability(c, PCI_CAP_ID_SHPC), 0);
  const d = chain();
  d[0x41] = 0x3c;
  assert.equal(pciFindCapability(d, PCI_CAP_ID_EXP), 0);
});

test('a self-loop stops after PCI_FIND_CAP_TTL hops; a pointer beyond a 64-byte capture is reported, not followed', () => {
  const b = chain();
  b[0x41] = 0x40;
  assert.equal(pciFindCapability(b, PCI_CAP_ID_SHPC), 0);
  const short = chain().slice(0, 0x40);
  assert.deepEqual(pciCapabilityWalk(short, PCI_CAP_ID_PM), { offset: 0, beyond: 0x40 });
  const p = pciConfigParse(chain(0x58));
  assert.equal(p.capsKnown, false);
});

test('pciConfigParse and the driver-core reads agree on the same blob', () => {
  const d = host('6.1.0-56-amd64').bridge('0000:00:1e.0').pciDesc('0000:00:1e.0');
  assert.equal(pciConfigParse(d.config).pcie?.type, pciPcieType(d));
  assert.equal(pciPcieType(d), 0x7);
  assert.deepEqual(pciConfigResetMethods(d), ['pm']);
});
