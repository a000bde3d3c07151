import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostFacts } from './facts.js';
import { prometheusText } from './prometheus.js';
import type { DeviceView, GroupView, HostView } from '../assign/inspect.js';

const dev = (bdf: string, driver: string | null, extra: Partial<DeviceView> = {}): DeviceView => ({
  bdf, vendor: 0x8086, device: 0x1521, class: 0x020000, vendorName: null, deviceName: null, className: null,
  driver, driverOverride: null, role: driver === null ? 'unbound' : driver.startsWith('vfio') || driver === 'pcieport' ? 'driver-managed' : 'kernel-dma',
  blocks: driver !== null && !driver.startsWith('vfio') && driver !== 'pcieport', exempt: null, bridge: false, resetMethod: null,
  sriovNumvfs: null, physfn: null, bootVga: null, critical: [], subsystemVendor: 0, subsystemDevice: 0, infrastructure: null, ...extra,
});
const view = (groups: GroupView[], holdersSeen: HostView['holdersSeen']): HostView =>
  ({ kernel: '6.8.0', era: 'ownership', groups, ungrouped: [], drivers: ['vfio-pci'], modules: null, acsOverride: null, modelNote: null, iommufdHolders: [], holdersSeen });

test("states are status's words (ready, free, in-use, needs-rebind, infrastructure); viable unless a member's driver blocks", () => {
  const holder = { pid: 4242, comm: 'qemu-system-x86', path: '/dev/vfio/3', group: 3, bdf: null };
  const groups: GroupView[] = [
    { id: 1, type: 'DMA', devices: [dev('0000:01:00.0', 'vfio-pci')], ownership: 'idle', holders: [], assignable: true, blockers: [], endpoint: true },
    { id: 2, type: 'DMA', devices: [dev('0000:02:00.0', null)], ownership: 'idle', holders: [], assignable: true, blockers: [], endpoint: true },
    { id: 3, type: 'DMA', devices: [dev('0000:03:00.0', 'vfio-pci')], ownership: 'user', holders: [holder], assignable: false, endpoint: true,
      blockers: [{ bdf: '0000:03:00.0', driver: null, kind: 'in-use', why: 'held' }] },
    { id: 4, type: 'DMA', devices: [dev('0000:04:00.0', 'igb')], ownership: 'kernel', holders: [], assignable: false, endpoint: true,
      blockers: [{ bdf: '0000:04:00.0', driver: 'igb', kind: 'kernel-driver', why: 'igb' }] },
    { id: 5, type: 'DMA', devices: [dev('0000:00:1c.0', 'pcieport', { bridge: true, class: 0x060400, infrastructure: 'PCIe root port' })], ownership: 'idle', holders: [], assignable: true, blockers: [], endpoint: false },
    { id: 6, type: 'DMA', devices: [dev('0000:06:00.0', 'vfio-pci')], ownership: 'unknown', holders: [], assignable: true, blockers: [], endpoint: true },
  ];
  const f = hostFacts({ view: view(groups, 'all'), cmdline: [], source: 't', noGroups: null, now: new Date(1_000_000) });
  assert.deepEqual(f.groups.map((g) => [g.id, g.state, g.viable, g.owner, g.kind]), [
    [1, 'ready', true, 'idle', 'endpoint'], [2, 'free', true, 'idle', 'endpoint'], [3, 'in-use', true, 'user', 'endpoint'],
    [4, 'needs-rebind', false, 'kernel', 'endpoint'], [5, 'infrastructure', true, 'idle', 'infrastructure'], [6, 'ready', true, 'unknown', 'endpoint'],
  ]);
  assert.equal(f.time, 1000);
  const text = prometheusText(f);
  assert.match(text, /^dmaown_group_holder_info\{iommu_group="3",pid="4242",comm="qemu-system-x86",path="\/dev\/vfio\/3"\} 1$/m);
  assert.match(text, /^dmaown_group_owner\{iommu_group="3",owner="user"\} 1$/m);
  assert.match(text, /^dmaown_group_state\{iommu_group="4",state="needs-rebind"\} 1$/m);
  assert.match(text, /^dmaown_group_owner\{iommu_group="6",owner="unknown"\} 1$/m);
  assert.match(text, /^dmaown_group_viable\{iommu_group="4"\} 0$/m);
});

test('no-IOMMU groups (named vfio-noiommu) do not count as an enabled IOMMU', () => {
  const groups: GroupView[] = [{ id: 0, type: null, devices: [dev('0000:01:00.0', 'vfio-pci')], ownership: 'idle', holders: [], assignable: true, blockers: [], endpoint: true }];
  const f = hostFacts({ view: view(groups, 'all'), cmdline: [], groupNames: new Map([[0, 'vfio-noiommu']]), source: 't', noGroups: null, now: new Date(0) });
  assert.equal(f.iommuEnabled, false);
  assert.equal(f.noIommu, true);
});

test("every shared capture and sample: the export's group states are dmaown status's (groupStatus on the whole view)", async () => {
  const { exportHosts } = await import('./testing/captures.js');
  const { loadHost } = await import('../assign/source.js');
  const { inspectHost } = await import('../assign/inspect.js');
  const { groupStatus } = await import('../assign/group-state.js');
  const { pciNamesFromText } = await import('../assign/pci-ids.js');
  for (const h of exportHosts()) {
    const l = await loadHost({ kind: 'capture', file: h.file });
    assert.ok(l.ok, h.name);
    const v = inspectHost({ host: l.value.host, names: pciNamesFromText('') });
    const f = hostFacts({ view: v, cmdline: l.value.host.cmdline, source: h.name, noGroups: null, now: new Date(0) });
    assert.deepEqual(f.groups.map((g) => g.state), v.groups.map((g) => groupStatus(v, g).state), h.name);
  }
});
