import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pciConfigParse } from './config.js';
import { blob } from './config.test.js';
import { pciDeviceGroup, type PciFunctionView, type PciTopologyView } from './device-group.js';

/** A small hand-built topology: the view the simulated kernel gives for a hot-add. */
function view(devs: { bdf: string; cfg: Uint8Array; parent: string | null; mf?: boolean; group?: number; alias?: number[] }[]): PciTopologyView {
  const m = new Map<string, PciFunctionView>(devs.map((d) => {
    const c = pciConfigParse(d.cfg);
    return [d.bdf, { bdf: d.bdf, vendor: c.vendor ?? 0, device: c.device ?? 0, config: c, multifunction: d.mf ?? false, onRootBus: d.parent === null, dmaAliasDevfns: d.alias ?? [], pcieBridgeAlias: false }];
  }));
  const bus = (b: string) => b.slice(0, b.lastIndexOf(':'));
  return {
    ctx: { ivrs: false },
    device: (b) => m.get(b),
    parentBridge: (b) => devs.find((d) => d.bdf === b)?.parent ?? null,
    devicesOnBus: (b) => devs.filter((d) => bus(d.bdf) === bus(b)).map((d) => d.bdf),
    group: (b) => devs.find((d) => d.bdf === b)?.group ?? null,
  };
}
const rp = (acs?: [number, number]) => blob({ type: 4, acs });
const ep = (mf = false) => blob({ vendor: 0x10de, device: 0x1f06, type: 0, hdr: mf ? 0x80 : 0 });

test('hot-add below a root port without ACS joins the port\'s group, with the reason', () => {
  const v = view([
    { bdf: '0000:00:1c.4', cfg: rp([0x1f, 0x1b]), parent: null, group: 14 },
    { bdf: '0000:03:00.0', cfg: ep(), parent: '0000:00:1c.4' },
  ]);
  const r = pciDeviceGroup(v, '0000:03:00.0');
  assert.equal(r.joins, 14);
  assert.equal(r.certain, true);
  assert.deepEqual(r.reasons.map((x) => x.kind === 'acs-path' ? [x.bridge, x.why] : x.kind), [['0000:00:1c.4', 'does not enable ACS P2P Request Redirect']]);
});

test('hot-add below an ACS root port gets a new group; a multifunction sibling without ACS shares', () => {
  const v = view([
    { bdf: '0000:00:01.0', cfg: rp([0x1f, 0x1f]), parent: null, group: 1 },
    { bdf: '0000:01:00.0', cfg: ep(true), parent: '0000:00:01.0', mf: true, group: 2 },
    { bdf: '0000:01:00.1', cfg: ep(true), parent: '0000:00:01.0', mf: true },
  ]);
  const lone = pciDeviceGroup(view([{ bdf: '0000:00:01.0', cfg: rp([0x1f, 0x1f]), parent: null, group: 1 }, { bdf: '0000:01:00.0', cfg: ep(), parent: '0000:00:01.0' }]), '0000:01:00.0');
  assert.deepEqual([lone.joins, lone.reasons], [null, []]);
  const r = pciDeviceGroup(v, '0000:01:00.1');
  assert.equal(r.joins, 2);
  assert.equal(r.reasons[0]?.kind, 'function-alias');
});

test('behind a PCIe-to-PCI bridge the bridge takes the requester ID; a DMA alias quirk joins peers', () => {
  const v = view([
    { bdf: '0000:00:06.0', cfg: rp([0x1f, 0x1f]), parent: null, group: 3 },
    { bdf: '0000:01:00.0', cfg: blob({ type: 7 }), parent: '0000:00:06.0', group: 7 },
    { bdf: '0000:02:01.0', cfg: blob({ hdr: 0 }), parent: '0000:01:00.0' },
  ]);
  const r = pciDeviceGroup(v, '0000:02:01.0');
  assert.equal(r.joins, 7);
  assert.equal(r.reasons[0]?.kind === 'bridge-alias' && r.reasons[0].bridgeKind, 'PCIe-to-PCI bridge');
  const a = view([
    { bdf: '0000:05:00.0', cfg: ep(), parent: null, group: 9 },
    { bdf: '0000:05:00.1', cfg: ep(), parent: null, alias: [0] },
  ]);
  assert.equal(pciDeviceGroup(a, '0000:05:00.1').joins, 9);
});

test('short config on the bridge: the answer is marked uncertain', () => {
  const v = view([
    { bdf: '0000:00:1c.0', cfg: rp([0x1f, 0x1f]).slice(0, 64), parent: null, group: 1 },
    { bdf: '0000:01:00.0', cfg: ep(), parent: '0000:00:1c.0' },
  ]);
  const r = pciDeviceGroup(v, '0000:01:00.0');
  assert.equal(r.certain, false);
});
