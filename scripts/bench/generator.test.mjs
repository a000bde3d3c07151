// Tests for the synthetic host generator (pure parts). Run: node --test scripts/bench/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateTopology, PCIE_TYPE } from './topology.mjs';
import { configSpace, ACS_CTRL_ENABLED } from './config-space.mjs';
import { relLink, sysfsEntries, toCapture, toHostDescription } from './sysfs-entries.mjs';

const findCap = (b, id) => { for (let p = b[0x34]; p; p = b[p + 1]) if (b[p] === id) return p; return 0; };
const findExt = (b, id) => {
  for (let p = 0x100; p && b.length > 0x100;) {
    const h = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
    if ((h & 0xffff) === id) return p;
    p = (h >>> 20) & 0xfff;
  }
  return 0;
};

test('generates exactly n functions with unique BDFs, for small and odd sizes', () => {
  for (const n of [2, 3, 7, 100, 1001, 2600]) {
    const t = generateTopology(n);
    assert.equal(t.functions.length, n);
    assert.equal(new Set(t.functions.map((f) => f.bdf)).size, n);
  }
});

test('is deterministic', () => {
  assert.deepEqual(toCapture(generateTopology(300)), toCapture(generateTopology(300)));
});

test('every function is in exactly the group it names, and groups follow the ACS rules', () => {
  const t = generateTopology(3000);
  const byBdf = new Map(t.functions.map((f) => [f.bdf, f]));
  for (const g of t.groups) for (const m of g.members) assert.equal(byBdf.get(m).group, g.id);
  // VFs below an ACS root port are alone; GPU functions share one group; a downstream port without ACS
  // shares its group with the endpoint below it; an upstream port is alone.
  const vf = t.functions.find((f) => f.kind === 'vf');
  assert.equal(t.groups[vf.group].members.length, 1);
  const gpu = t.functions.find((f) => f.class === 0x030000);
  assert.equal(t.groups[gpu.group].members.length, 4);
  const dspNoAcs = t.functions.find((f) => f.kind === 'dsp' && !f.acs);
  const members = t.groups[dspNoAcs.group].members.map((b) => byBdf.get(b).kind).sort();
  assert.deepEqual(members, ['dsp', 'ep']);
  const usp = t.functions.find((f) => f.kind === 'usp');
  assert.equal(t.groups[usp.group].members.length, 1);
  assert.ok(t.domains > 1, 'large hosts span several PCI segments');
});

test('bridge bus ranges contain their children', () => {
  const t = generateTopology(2000);
  const byPath = new Map(t.functions.map((f) => [f.path, f]));
  for (const f of t.functions) {
    const parent = byPath.get(f.parentPath);
    if (!parent) { assert.equal(f.bus, 0); continue; }
    assert.ok(f.bus >= parent.secondary && f.bus <= parent.subordinate, `${f.bdf} under ${parent.bdf}`);
  }
});

test('config space has a parsable capability chain: PCIe type, ACS enabled where isolated, SR-IOV on PFs', () => {
  const t = generateTopology(500);
  for (const f of t.functions) {
    const b = configSpace(f);
    assert.equal(b.length, f.pcieType === null ? 256 : 4096);
    const exp = findCap(b, 0x10);
    if (f.pcieType === null) { assert.equal(exp, 0); continue; }
    assert.ok(exp > 0, `${f.bdf} has a PCIe capability`);
    assert.equal((b[exp + 2] >> 4) & 0xf, f.pcieType);
    const acs = findExt(b, 0x000d);
    assert.equal(acs > 0, f.acs, `${f.bdf} ACS presence`);
    if (acs) assert.equal(b[acs + 6] & ACS_CTRL_ENABLED, ACS_CTRL_ENABLED);
    if (f.kind === 'pf') {
      const sriov = findExt(b, 0x0010);
      assert.ok(sriov > 0);
      assert.equal(b[sriov + 0x10] | (b[sriov + 0x11] << 8), f.virtfns.length);
    }
  }
  assert.ok(t.functions.some((f) => f.pcieType === PCIE_TYPE.PCI_BRIDGE));
});

test('relLink writes the shortest relative path, as sysfs does', () => {
  assert.equal(relLink('bus/pci/devices', 'devices/pci0000:00/0000:00:05.0'), '../../../devices/pci0000:00/0000:00:05.0');
  assert.equal(relLink('devices/pci0000:00/0000:00:05.0', 'devices/virtual/iommu/dmar0'), '../../virtual/iommu/dmar0');
  assert.equal(relLink('devices/pci0000:00/0000:00:01.0/0000:01:00.0', 'devices/pci0000:00/0000:00:01.0/0000:01:02.0'), '../0000:01:02.0');
});

test('every link in the entries resolves to a device directory or a listed entry', () => {
  const t = generateTopology(400);
  const entries = new Map([...sysfsEntries(t)]);
  const dirs = new Set();
  for (const p of entries.keys()) { const parts = p.split('/'); for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/')); }
  for (const [p, v] of entries) {
    if (typeof v !== 'object' || !v.link) continue; // (String.prototype.link exists)
    const stack = p.split('/').slice(0, -1);
    for (const s of v.link.split('/')) { if (s === '..') stack.pop(); else stack.push(s); }
    const target = stack.join('/');
    assert.ok(dirs.has(target) || entries.has(target), `${p} -> ${v.link}`);
  }
});

test('the host description matches the topology', () => {
  const t = generateTopology(250);
  const d = toHostDescription(t);
  assert.equal(d.pci.length, 250);
  assert.equal(d.groups.length, t.groups.length);
  const vf = d.pci.find((p) => p.physfn !== null);
  assert.ok(d.pci.find((p) => p.bdf === vf.physfn).sriovNumvfs > 0);
});
