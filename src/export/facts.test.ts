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

test('states: ready (endpoints on vfio, viable), assignable (viable, or only held), blocked (a kernel driver)', () => {
  const holder = { pid: 4242, comm: 'qemu-system-x86', path: '/dev/vfio/3', group: 3, bdf: null };
  const groups: GroupView[] = [
    { id: 1, type: 'DMA', devices: [dev('0000:01:00.0', 'vfio-pci')], ownership: 'idle', holders: [], assignable: true, blockers: [], endpoint: true },
    { id: 2, type: 'DMA', devices: [dev('0000:02:00.0', null)], ownership: 'idle', holders: [], assignable: true, blockers: [], endpoint: true },
    { id: 3, type: 'DMA', devices: [dev('0000:03:00.0', 'vfio-pci')], ownership: 'user', holders: [holder], assignable: false, endpoint: true,
      blockers: [{ bdf: '0000:03:00.0', driver: null, kind: 'in-use', why: 'held' }] },
    { id: 4, type: 'DMA', devices: [dev('0000:04:00.0', 'igb')], ownership: 'kernel', holders: [], assignable: false, endpoint: true,
      blockers: [{ bdf: '0000:04:00.0', driver: 'igb', kind: 'kernel-driver', why: 'igb' }] },
    { id: 5, type: 'DMA', devices: [dev('0000:00:1c.0', 'pcieport', { bridge: true, class: 0x060400 })], ownership: 'idle', holders: [], assignable: true, blockers: [], endpoint: true },
  ];
  const f = hostFacts({ view: view(groups, 'all'), cmdline: [], source: 't', noGroups: null, now: new Date(1_000_000) });
  assert.deepEqual(f.groups.map((g) => [g.id, g.state, g.viable, g.owner, g.kind]), [
    [1, 'ready', true, 'idle', 'endpoint'], [2, 'assignable', true, 'idle', 'endpoint'], [3, 'ready', true, 'user', 'endpoint'],
    [4, 'blocked', false, 'kernel', 'endpoint'], [5, 'assignable', true, 'idle', 'infrastructure'],
  ]);
  assert.equal(f.time, 1000);
  const text = prometheusText(f);
  assert.match(text, /^dmaown_group_holder_info\{iommu_group="3",pid="4242",comm="qemu-system-x86",path="\/dev\/vfio\/3"\} 1$/m);
  assert.match(text, /^dmaown_group_owner\{iommu_group="3",owner="user"\} 1$/m);
  // Nobody's open files seen (a capture): idle becomes unknown; kernel stays kernel.
  const c = hostFacts({ view: view(groups, 'none'), cmdline: [], source: 't', noGroups: null, now: new Date(0) });
  assert.deepEqual(c.groups.map((g) => g.owner), ['unknown', 'unknown', 'user', 'kernel', 'unknown']);
});

test('no-IOMMU groups (named vfio-noiommu) do not count as an enabled IOMMU', () => {
  const groups: GroupView[] = [{ id: 0, type: null, devices: [dev('0000:01:00.0', 'vfio-pci')], ownership: 'idle', holders: [], assignable: true, blockers: [], endpoint: true }];
  const f = hostFacts({ view: view(groups, 'all'), cmdline: [], groupNames: new Map([[0, 'vfio-noiommu']]), source: 't', noGroups: null, now: new Date(0) });
  assert.equal(f.iommuEnabled, false);
  assert.equal(f.noIommu, true);
});
