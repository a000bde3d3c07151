import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectHost } from './inspect.js';
import { dmaEra, exemption } from './dma-rules.js';
import { fixtureNames, sharedHost } from './testing/hosts.js';

test('era follows the kernel release: 5.15 legacy, 5.19 and 6.12 ownership', () => {
  assert.equal(dmaEra('5.15.0-71-generic'), 'legacy');
  assert.equal(dmaEra('5.19.0'), 'ownership');
  assert.equal(dmaEra('6.12.117-oracle-iommufd'), 'ownership');
});

test('exemptions: shpchp on a bridge is exempt before 5.19 only; pcieport and pci-stub always', () => {
  assert.notEqual(exemption('legacy', { driver: 'shpchp', headerType: 1 }), null);
  assert.equal(exemption('ownership', { driver: 'shpchp', headerType: 1 }), null);
  assert.notEqual(exemption('ownership', { driver: 'pcieport', headerType: 1 }), null);
  assert.notEqual(exemption('legacy', { driver: 'pci-stub', headerType: 0 }), null);
  assert.equal(exemption('ownership', { driver: 'snd_hda_intel', headerType: 0 }), null);
});

test('x570 GPU group: every kernel-driver function blocks, names shown', () => {
  const v = inspectHost({ host: sharedHost('amd-x570-rtx2060s-5.15.json'), names: fixtureNames() });
  const g = v.groups.find((x) => x.devices.some((d) => d.bdf === '0000:09:00.0'));
  assert.ok(g);
  assert.equal(g.assignable, false);
  assert.equal(g.ownership, 'kernel');
  assert.deepEqual(g.blockers.map((b) => `${b.bdf} ${b.driver}`),
    ['0000:09:00.0 nvidia', '0000:09:00.1 snd_hda_intel', '0000:09:00.2 xhci_hcd', '0000:09:00.3 nvidia-gpu']);
  assert.equal(g.devices[0]?.vendorName, 'NVIDIA Corporation');
});

test('x570: a root port alone on pcieport is assignable (nothing to hand over, nothing blocks)', () => {
  const v = inspectHost({ host: sharedHost('amd-x570-rtx2060s-5.15.json'), names: fixtureNames() });
  const g = v.groups.find((x) => x.devices.length === 1 && x.devices[0]?.bdf === '0000:00:01.1');
  assert.ok(g);
  assert.equal(g.assignable, true);
  assert.equal(g.devices[0]?.role, 'driver-managed');
  assert.equal(g.devices[0]?.bridge, true);
});

test('a process holding /dev/vfio/N makes the group user-owned and not assignable', () => {
  const v = inspectHost({
    host: sharedHost('qemu-q35-6.1.json'), names: fixtureNames(),
    holders: [{ pid: 42, comm: 'qemu-system-x86', path: '/dev/vfio/2', group: 2, bdf: null }],
  });
  const g = v.groups.find((x) => x.id === 2);
  assert.ok(g);
  assert.equal(g.ownership, 'user');
  assert.equal(g.assignable, false);
  assert.ok(g.blockers.some((b) => b.kind === 'in-use' && b.why.includes('pid 42')));
});
