import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { explainHost } from '../host/index.js';
import { captureHost } from './testing/hosts.js';
import { sampleNames, samplesDir } from './source.js';

test('the bundled samples are desktop-gpu, dual-gpu and server-sriov', () => {
  assert.deepEqual(sampleNames(), ['desktop-gpu', 'dual-gpu', 'server-sriov']);
});

for (const name of ['desktop-gpu', 'dual-gpu', 'server-sriov']) {
  test(`sample ${name}: the groups are the ones pci_device_group() predicts from its config space`, () => {
    const host = captureHost(join(samplesDir(), `${name}.json`));
    const e = explainHost(host);
    const bad = e.groups.filter((g) => !g.matches).map((g) => `${g.group}: ${g.members.join(',')} predicted ${g.predicted.join(',')}`);
    assert.deepEqual(bad, []);
    assert.deepEqual(e.unknown, []);
  });
}

test('desktop-gpu: the GPU group has four functions; the chipset group holds the NIC and a SATA controller', () => {
  const host = captureHost(join(samplesDir(), 'desktop-gpu.json'));
  const gpu = host.pci.find((d) => d.bdf === '0000:01:00.0')?.iommuGroup;
  assert.equal(host.pci.filter((d) => d.iommuGroup === gpu).length, 4);
  const nic = host.pci.find((d) => d.class >> 8 === 0x0200)?.iommuGroup;
  assert.ok(host.pci.some((d) => d.iommuGroup === nic && d.class >> 8 === 0x0106));
});

test('server-sriov: a PF with VFs enabled, each VF in its own group', () => {
  const host = captureHost(join(samplesDir(), 'server-sriov.json'));
  const vfs = host.pci.filter((d) => d.physfn === '0000:01:00.0');
  assert.equal(vfs.length, 4);
  assert.equal(new Set(vfs.map((v) => v.iommuGroup)).size, 4);
  assert.equal(host.pci.find((d) => d.bdf === '0000:01:00.0')?.sriovNumvfs, 4);
});

test('dual-gpu: two cards identical down to the subsystem ids, each in its own group, the first the boot VGA', () => {
  const host = captureHost(join(samplesDir(), 'dual-gpu.json'));
  const [a, b] = ['0000:01:00.0', '0000:02:00.0'].map((x) => host.pci.find((d) => d.bdf === x)!);
  assert.deepEqual([a!.vendor, a!.device, a!.subsystemVendor, a!.subsystemDevice], [b!.vendor, b!.device, b!.subsystemVendor, b!.subsystemDevice]);
  assert.notEqual(a!.iommuGroup, b!.iommuGroup);
  assert.deepEqual([a!.bootVga, b!.bootVga], [true, false]);
});
