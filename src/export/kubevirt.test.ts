import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { run } from '../cli/testing/cli.js';
import { exportHosts } from './testing/captures.js';
import { kubevirtExport } from './kubevirt.js';
import { hostFacts } from './facts.js';
import type { DeviceView, GroupView, HostView } from '../assign/inspect.js';

const ajv = new Ajv.default({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(join(process.cwd(), 'schema', 'kubevirt-pci-host-devices.schema.json'), 'utf8')) as object);

test('the schema is real: it rejects entries KubeVirt would not take', () => {
  const patch = (e: unknown): unknown => ({ spec: { configuration: { permittedHostDevices: { pciHostDevices: [e] } } } });
  assert.ok(validate(patch({ pciVendorSelector: '10de:1f06', resourceName: 'nvidia.com/TU106' })));
  assert.ok(!validate(patch({ pciVendorSelector: '10de:1f06' })));
  assert.ok(!validate(patch({ pciVendorSelector: '10de1f06', resourceName: 'nvidia.com/TU106' })));
  assert.ok(!validate(patch({ pciVendorSelector: '10de:1f06', resourceName: 'TU106 GPU' })));
  assert.ok(!validate(patch({ pciVendorSelector: '10de:1f06', resourceName: `nvidia.com/${'a'.repeat(64)}` })));
  assert.ok(!validate(patch({ pciVendorSelector: '10de:1f06', resourceName: 'nvidia.com/x', pciAddress: '01:00.0' })));
});

test('every shared capture, sample and the host without groups: the patch validates against the KubeVirt schema', async () => {
  for (const h of exportHosts()) {
    const r = await run(['export', '--format', 'kubevirt', '--capture', h.file]);
    assert.equal(r.code, 0, `${h.name}: ${r.err}`);
    const doc = JSON.parse(r.out) as unknown;
    assert.ok(validate(doc), `${h.name}: ${ajv.errorsText(validate.errors)}`);
  }
});

test('server-sriov: the VF and the NVMe already on vfio-pci are permitted; the selectors warn about their siblings', async () => {
  const r = await run(['export', '--format', 'kubevirt', '--sample', 'server-sriov']);
  assert.equal(r.code, 0, r.err);
  const list = (JSON.parse(r.out) as { spec: { configuration: { permittedHostDevices: { pciHostDevices: { pciVendorSelector: string }[] } } } })
    .spec.configuration.permittedHostDevices.pciHostDevices;
  assert.deepEqual(list.map((e) => e.pciVendorSelector), ['8086:0b60', '8086:154c']);
  assert.match(r.err, /selector 8086:154c .* also matches 0000:01:02\.0 \(iavf, group \d+ needs-rebind\)/);
  assert.match(r.err, /selector 8086:0b60 .* also matches 0000:02:00\.0 \(nvme/);
});

test('--after-plan: the devices of a plan that simulated viable count as ready', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-kv-'));
  try {
    const plan = await run(['plan', '01:00.0', '--allow-group-member', '01:00.1', '--allow-group-member', '01:00.2', '--allow-group-member', '01:00.3', '--sample', 'desktop-gpu', '--json']);
    assert.equal(plan.code, 0, plan.err);
    writeFileSync(join(dir, 'plan.json'), plan.out);
    const before = await run(['export', '--format', 'kubevirt', '--sample', 'desktop-gpu']);
    assert.doesNotMatch(before.out, /10de:1f06/);
    const after = await run(['export', '--format', 'kubevirt', '--sample', 'desktop-gpu', '--after-plan', join(dir, 'plan.json')]);
    assert.equal(after.code, 0, after.err);
    assert.ok(validate(JSON.parse(after.out)));
    assert.match(after.out, /"pciVendorSelector": "10de:1f06"/);
    writeFileSync(join(dir, 'bad.json'), '{"format":"dmaown-plan/1","driver":"vfio-pci","simulated":{"ok":false},"devices":[]}');
    const bad = await run(['export', '--format', 'kubevirt', '--sample', 'desktop-gpu', '--after-plan', join(dir, 'bad.json')]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /bad\.json: the plan's simulation did not succeed/);
    const notKv = await run(['export', '--format', 'nfd', '--sample', 'desktop-gpu', '--after-plan', join(dir, 'plan.json')]);
    assert.equal(notKv.code, 2);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

const dev = (bdf: string, driver: string | null, extra: Partial<DeviceView> = {}): DeviceView => ({
  bdf, vendor: 0x10de, device: 0x2236, class: 0x030200, vendorName: 'NVIDIA Corporation', deviceName: 'GA102GL [A10]', className: null,
  driver, driverOverride: null, role: driver === null ? 'unbound' : driver === 'vfio-pci' ? 'driver-managed' : 'kernel-dma',
  blocks: driver !== null && driver !== 'vfio-pci', exempt: null, bridge: false, resetMethod: null, sriovNumvfs: null, physfn: null,
  bootVga: null, critical: [], subsystemVendor: 0, subsystemDevice: 0, infrastructure: null, ...extra,
});
const group = (id: number, devices: DeviceView[]): GroupView => ({
  id, type: 'DMA', devices, ownership: devices.some((d) => d.role === 'kernel-dma') ? 'kernel' : 'idle', holders: [],
  assignable: !devices.some((d) => d.blocks),
  blockers: devices.filter((d) => d.blocks).map((d) => ({ bdf: d.bdf, driver: d.driver, kind: 'kernel-driver' as const, why: 'x' })),
  endpoint: true,
});

test('a vfio-pci device in a group that is not viable: KubeVirt would offer it, so the warning says the VM would fail', () => {
  const a = dev('0000:41:00.0', 'vfio-pci'), b = dev('0000:81:00.0', 'vfio-pci'), audio = dev('0000:81:00.1', 'snd_hda_intel', { device: 0x1aef, class: 0x040300 });
  const view: HostView = { kernel: '6.8.0', era: 'ownership', groups: [group(1, [a]), group(2, [b, audio])], ungrouped: [], drivers: ['vfio-pci'], modules: null, acsOverride: null, modelNote: null, iommufdHolders: [], holdersSeen: 'all' };
  const k = kubevirtExport(hostFacts({ view, cmdline: [], source: 't', noGroups: null, now: new Date() }));
  assert.deepEqual(k.patch.spec.configuration.permittedHostDevices.pciHostDevices, [{ pciVendorSelector: '10de:2236', resourceName: 'nvidia.com/pci-10de-2236' }]);
  assert.equal(k.warnings.length, 1);
  assert.match(k.warnings[0] ?? '', /also matches 0000:81:00\.0 on vfio-pci in group 2 needs-rebind: KubeVirt would offer it and a VM given it would fail to start/);
});
