import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pciConfigParse } from '../model/pci/config.js';
import { buildConfigSpace } from './config-space.js';
import type { ConfigFacts, IdFacts } from './facts.js';

const ids: IdFacts = { class: 0x0604, progIf: 0, vendor: 0x8086, device: 0xa294, revision: 0xf0, name: 'root port' };
const port = (o: Partial<ConfigFacts> = {}): ConfigFacts => ({
  headerType: 1, multifunction: null, express: { offset: 0x40, type: 4, flr: false }, acs: 'absent', sriov: null,
  buses: { primary: 0, secondary: 3, subordinate: 3 }, subsystem: null, ...o,
});

test('rebuilt config space reads back through the model: port type, ACS at a far offset (linked from 0x100), bus numbers', () => {
  const b = buildConfigSpace(ids, port({ acs: { offset: 0x2a0, cap: 0x1f, ctl: 0x1d } }), null, true);
  assert.ok(b);
  const c = pciConfigParse(b);
  assert.equal(c.length, 4096);
  assert.deepEqual([c.vendor, c.device, c.headerType, c.multifunctionBit, c.secondaryBus, c.subordinateBus], [0x8086, 0xa294, 1, true, 3, 3]);
  assert.deepEqual(c.pcie, { offset: 0x40, type: 4 });
  assert.deepEqual([c.acs?.offset, c.acs?.cap, c.acs?.ctrl], [0x2a0, 0x1f, 0x1d]);
  assert.ok(c.capsKnown && c.extKnown);
});

test('ACS absent is known absent; SR-IOV counts land where the kernel reads them', () => {
  const none = pciConfigParse(buildConfigSpace(ids, port(), null, false) as Uint8Array);
  assert.equal(none.acs, null);
  assert.ok(none.extKnown);
  const pf = pciConfigParse(buildConfigSpace({ ...ids, class: 0x0200 }, port({ headerType: null, buses: null, express: { offset: 0xa0, type: 0, flr: true }, sriov: { offset: 0x160, totalVfs: 32, numVfs: 4, vfOffset: 16, vfStride: 1 } }), { vendor: 0x8086, device: 1 }, false) as Uint8Array);
  assert.deepEqual([pf.sriov?.offset, pf.sriov?.totalVfs, pf.sriov?.numVfs, pf.headerType], [0x160, 32, 4, 0]);
});

test('ACS unknown (access denied, shortened paste): only the 64-byte header, so readers say capabilities are unknown', () => {
  const b = buildConfigSpace(ids, 'denied', null, false);
  assert.equal(b?.length, 64);
  const c = pciConfigParse(b as Uint8Array);
  assert.equal(c.capsKnown, false);
  assert.equal(buildConfigSpace({ ...ids, vendor: null }, 'denied', null, false), null, 'no ids and no capabilities: nothing to write');
});
