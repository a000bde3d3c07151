import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectHost } from './inspect.js';
import { fixtureNames, sharedHost } from './testing/hosts.js';

test('era and verdicts come from the model of the release: 5.15 legacy, 5.19 and 6.12 ownership', () => {
  const host = sharedHost('qemu-q35-6.1.json');
  assert.equal(inspectHost({ host: { ...host, kernel: '5.15.0-71-generic' }, names: fixtureNames() }).era, 'legacy');
  assert.equal(inspectHost({ host: { ...host, kernel: '5.19.0' }, names: fixtureNames() }).era, 'ownership');
  assert.equal(inspectHost({ host: { ...host, kernel: '6.12.117-oracle-iommufd' }, names: fixtureNames() }).era, 'ownership');
  const old = inspectHost({ host: { ...host, kernel: '5.4.0-150-generic' }, names: fixtureNames() });
  assert.equal(old.era, 'legacy');
  assert.match(old.modelNote ?? '', /older than the model's first profile/);
});

/** The qemu 6.1 host with 01:00.0 (the PCIe-to-PCI bridge) on `driver`, as `kernel`. */
function bridgeOn(driver: string, kernel: string) {
  const host = sharedHost('qemu-q35-6.1.json');
  const pci = host.pci.map((d) => d.bdf === '0000:01:00.0' ? { ...d, driver } : d);
  return inspectHost({ host: { ...host, kernel, pci, pciDrivers: [...new Set([...host.pciDrivers, driver])] }, names: fixtureNames() });
}
const member = (v: ReturnType<typeof inspectHost>, bdf: string) => v.groups.flatMap((g) => g.devices).find((d) => d.bdf === bdf);

test('a bridge on shpchp blocks from 5.19 (owner_cnt) but not before (vfio_dev_viable exempts non-normal headers)', () => {
  assert.equal(member(bridgeOn('shpchp', '5.15.0-71-generic'), '0000:01:00.0')?.blocks, false);
  assert.match(member(bridgeOn('shpchp', '5.15.0-71-generic'), '0000:01:00.0')?.exempt ?? '', /bridge/);
  assert.equal(member(bridgeOn('shpchp', '6.1.0-56-amd64'), '0000:01:00.0')?.blocks, true);
  assert.equal(member(bridgeOn('pcieport', '6.1.0-56-amd64'), '0000:01:00.0')?.blocks, false);
});

test('a *_vfio_pci variant driver is a vfio device on 5.15 and driver_managed_dma on 6.1: it never blocks', () => {
  const host = sharedHost('qemu-q35-6.1.json');
  const bdf = '0000:00:05.0';
  for (const kernel of ['5.15.0-71-generic', '6.1.0-56-amd64']) {
    const pci = host.pci.map((d) => d.bdf === bdf ? { ...d, driver: 'mlx5_vfio_pci' } : d);
    const v = inspectHost({ host: { ...host, kernel, pci, pciDrivers: [...host.pciDrivers, 'mlx5_vfio_pci'] }, names: fixtureNames() });
    assert.equal(member(v, bdf)?.blocks, false, kernel);
  }
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
