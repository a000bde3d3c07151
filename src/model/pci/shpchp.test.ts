/**
 * shpc_probe() (drivers/pci/hotplug/shpchp_core.c, 5.10–6.12): every failure returns -ENODEV; on QEMU q35 the
 * pcie-pci-bridge's slot is already registered by acpiphp, so pci_hp_register() fails with -EBUSY.
 * Evidence: conformance/5.10/S9 step 16 (ENODEV, kernel log "pci_hp_register failed with error -16"),
 * conformance/6.1/S9 and 6.12/S9 step 16 (EBUSY: the ownership check in pci_dma_configure answers first).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { kernelLog } from '../inspect.js';
import { expectErrno, expectOk, openGroup, toVfio } from '../testing/expect.js';
import { host } from '../testing/host-builder.js';

const BR = '0000:01:00.0', E1 = '0000:02:01.0', E2 = '0000:02:02.0';
const QEMU_PCIE_PCI_BRIDGE = { vendor: 0x1b36, device: 0x000e };

function s9Host(release: string, bridge: { vendor?: number; device?: number } = QEMU_PCIE_PCI_BRIDGE) {
  return host(release).bridge(BR, bridge).device(E1, { parent: BR }).device(E2, { parent: BR })
    .group(7, [BR, E1, E2]).bound(E1, 'e1000').bound(E2, 'e1000');
}

test('conformance 5.10/S9: shpchp bind to the QEMU pcie-pci-bridge answers ENODEV (init_slots: pci_hp_register -EBUSY, acpiphp owns the slot)', () => {
  const k = createKernel(s9Host('5.10.0-46-amd64').build());
  toVfio(k, E1); toVfio(k, E2);
  const [, g] = openGroup(k, 7);
  expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', { name: E1 }));
  const r = k.write('/sys/bus/pci/drivers/shpchp/bind', BR);
  assert.match(expectErrno(k, 'ENODEV', r), /Slot initialization failed/);
  assert.ok(!r.ok && r.calls.some((c) => c.startsWith('pci_hp_register: -EBUSY')));
  const log = kernelLog(k);
  assert.ok(log.includes(`shpchp ${BR}: pci_hp_register failed with error -16`));
  assert.ok(log.includes(`shpchp ${BR}: Slot initialization failed`));
  assert.ok(!log.some((l) => l.includes('probe of')), 'really_probe() stays silent for -ENODEV');
  expectErrno(k, 'ENOENT', k.readLink(`/sys/bus/pci/devices/${BR}/driver`));
  assert.deepEqual(expectOk(k, k.ioctl(g, 'VFIO_GROUP_GET_STATUS')), { flags: ['VIABLE', 'CONTAINER_SET'] });
});

for (const release of ['6.1.0-56-amd64', '6.12.117+deb12-amd64']) {
  test(`conformance ${release.split('.').slice(0, 2).join('.')}/S9: the same bind answers EBUSY before shpc_probe runs (iommu_device_use_default_domain)`, () => {
    const k = createKernel(s9Host(release).build());
    toVfio(k, E1); toVfio(k, E2);
    openGroup(k, 7);
    const r = k.write('/sys/bus/pci/drivers/shpchp/bind', BR);
    expectErrno(k, 'EBUSY', r);
    assert.ok(!r.ok && !r.calls.includes('shpc_probe'));
  });
}

test('shpchp binds a PCIe-to-PCI bridge whose slot acpiphp does not own (ASMedia 1b21:1080, 5.10 and 6.1, group unused)', () => {
  for (const release of ['5.10.0-46-amd64', '6.1.0-56-amd64']) {
    const k = createKernel(s9Host(release, {}).build());
    expectOk(k, k.write('/sys/bus/pci/drivers/shpchp/bind', BR));
    assert.equal(expectOk(k, k.readLink(`/sys/bus/pci/devices/${BR}/driver`)).endsWith('/drivers/shpchp'), true);
  }
});

test('shpc_probe: a bridge without an SHPC capability → ENODEV (is_shpc_capable)', () => {
  const k = createKernel(s9Host('6.1.0-56-amd64', {}).device(BR, { noCaps: true }).build());
  assert.match(expectErrno(k, 'ENODEV', k.write('/sys/bus/pci/drivers/shpchp/bind', BR)), /no SHPC capability/);
});
