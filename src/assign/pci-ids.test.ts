import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pciNamesFromText, lazyPciNames } from './pci-ids.js';
import { FIXTURE_PCI_IDS } from './testing/hosts.js';

test('vendor, device and class names come from the pci.ids text', () => {
  const n = pciNamesFromText(FIXTURE_PCI_IDS);
  assert.equal(n.vendor(0x10de), 'NVIDIA Corporation');
  assert.equal(n.device(0x10de, 0x10f8), 'TU104 HD Audio Controller');
  assert.equal(n.device(0x1022, 0x1483), 'Starship/Matisse GPP Bridge');
  assert.equal(n.className(0x030000), 'VGA compatible controller');
  assert.equal(n.className(0x040300), 'Audio device');
});

test('unknown ids answer null; a device id is not found under another vendor', () => {
  const n = pciNamesFromText(FIXTURE_PCI_IDS);
  assert.equal(n.vendor(0xabcd), null);
  assert.equal(n.device(0x10ec, 0x10f8), null);
  assert.equal(n.className(0x0c0330), null);
  assert.equal(n.className(0x020500), 'Network controller');
});

test('a missing pci.ids file gives numeric-only output, not an error', () => {
  const n = lazyPciNames(['/nonexistent/pci.ids']);
  assert.equal(n.vendor(0x10de), null);
});
