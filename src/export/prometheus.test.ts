import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../cli/testing/cli.js';
import { exportHosts, noGroupsCapture } from './testing/captures.js';
import { findTool, runTool } from './testing/tool.js';
import { labelValue, pciLocation } from './prometheus.js';

const promtool = findTool('promtool', '--version', 'apt-get install prometheus; .ci/run does it');

test('promtool check metrics accepts the export of every shared capture, sample and a host without groups', async (t) => {
  if (!promtool.available) { t.skip(promtool.skip ?? ''); return; }
  for (const h of exportHosts()) {
    const r = await run(['export', '--format', 'prometheus', '--capture', h.file]);
    assert.equal(r.code, 0, `${h.name}: ${r.err}`);
    const c = runTool('promtool', ['check', 'metrics'], r.out);
    assert.equal(c.status, 0, `${h.name}: promtool check metrics:\n${c.out}`);
    assert.equal(c.out.trim(), '', `${h.name}: lint findings:\n${c.out}`);
  }
});

test('promtool is a real check: it rejects a broken exposition (so the test above can fail)', (t) => {
  if (!promtool.available) { t.skip(promtool.skip ?? ''); return; }
  assert.notEqual(runTool('promtool', ['check', 'metrics'], 'dmaown_x{a="b} 1\n').status, 0);
  assert.notEqual(runTool('promtool', ['check', 'metrics'], '# TYPE dmaown_y counter\ndmaown_y 1\n').status, 0);
});

test('promtool check rules accepts the example alerting rules', (t) => {
  if (!promtool.available) { t.skip(promtool.skip ?? ''); return; }
  const c = runTool('promtool', ['check', 'rules', join(process.cwd(), 'deploy', 'prometheus', 'dmaown.rules.yml')]);
  assert.equal(c.status, 0, c.out);
  assert.match(c.out, /SUCCESS: 4 rules found/);
});

test('x570 capture: the GPU group is not viable (needs-rebind), owned by the kernel; device labels join node_pcidevice_info', async () => {
  const r = await run(['export', '--format', 'prometheus', '--capture', join(process.cwd(), '../shared/hosts/amd-x570-rtx2060s-5.15.json')]);
  assert.equal(r.code, 0, r.err);
  const gpu = r.out.split('\n').find((l) => l.startsWith('dmaown_device_info{') && l.includes('bus="09",device="00",function="0"'));
  assert.ok(gpu, 'GPU info line');
  assert.match(gpu, /segment="0000",bus="09",device="00",function="0",iommu_group="(\d+)"/);
  assert.match(gpu, /vendor_id="0x10de",device_id="0x1f06",class_id="0x030000",subsystem_vendor_id="0x10de",subsystem_device_id="0x13a2",driver="nvidia"/);
  const group = /iommu_group="(\d+)"/.exec(gpu)?.[1];
  assert.ok(r.out.includes(`dmaown_group_viable{iommu_group="${group}"} 0`));
  assert.ok(r.out.includes(`dmaown_group_devices{iommu_group="${group}"} 4`));
  assert.ok(r.out.includes(`dmaown_group_state{iommu_group="${group}",state="needs-rebind"} 1`));
  assert.ok(r.out.includes(`dmaown_group_owner{iommu_group="${group}",owner="kernel"} 1`));
  assert.match(r.out, /^dmaown_export_timestamp_seconds \d{10}$/m);
});

test('a capture shows no processes: a group with a vfio device is owner "unknown", never "idle"; vfio-pci module state', async () => {
  const r = await run(['export', '--format', 'prometheus', '--sample', 'server-sriov']);
  assert.equal(r.code, 0, r.err);
  const ready = [...r.out.matchAll(/^dmaown_group_state\{iommu_group="(\d+)",state="ready"\} 1$/gm)].map((m) => m[1]);
  assert.equal(ready.length, 2);
  for (const g of ready) assert.ok(r.out.includes(`dmaown_group_owner{iommu_group="${g}",owner="unknown"} 1`), g);
  assert.match(r.out, /^dmaown_vfio_pci_module\{state="(loaded|builtin|available|absent|unknown)"\} 1$/m);
});

test('no groups: iommu_enabled 0, the diagnosis cause, every device with an empty iommu_group', async () => {
  const r = await run(['export', '--format', 'prometheus', '--capture', noGroupsCapture()]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^dmaown_iommu_enabled 0$/m);
  assert.match(r.out, /^dmaown_iommu_groups 0$/m);
  assert.match(r.out, /^dmaown_no_iommu_groups\{cause="vm-without-viommu"\} 1$/m);
  assert.doesNotMatch(r.out, /^dmaown_group_viable/m);
  assert.equal((r.out.match(/^dmaown_device_info\{.*iommu_group="",/gm) ?? []).length, 15);
});

test('ACS override (end to end, from a capture whose command line has it) and no-IOMMU mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-acs-'));
  try {
    const src = JSON.parse(readFileSync(join(process.cwd(), '../shared/hosts/qemu-q35-6.1.json'), 'utf8')) as { cmdline: string[] };
    const file = join(dir, 'acs.json');
    writeFileSync(file, JSON.stringify({ ...src, cmdline: [...src.cmdline, 'pcie_acs_override=downstream,multifunction'] }));
    const r = await run(['export', '--format', 'prometheus', '--capture', file]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^dmaown_acs_override\{value="downstream,multifunction"\} 1$/m);
    const plain = await run(['export', '--format', 'prometheus', '--capture', join(process.cwd(), '../shared/hosts/qemu-q35-6.1.json')]);
    assert.match(plain.out, /^dmaown_acs_override\{value=""\} 0$/m);
    assert.match(plain.out, /^dmaown_noiommu 0$/m);
    const nfd = await run(['export', '--format', 'nfd', '--capture', file]);
    assert.match(nfd.out, /\/acs-override=true$/m);
  } finally { rmSync(dir, { recursive: true, force: true }); }
  const { hostFacts } = await import('./facts.js');
  const { prometheusText } = await import('./prometheus.js');
  const view = { kernel: '6.8.0', era: 'ownership' as const, groups: [], ungrouped: [], drivers: [], modules: null, acsOverride: null, modelNote: null, iommufdHolders: [], holdersSeen: 'none' as const };
  assert.match(prometheusText(hostFacts({ view, cmdline: ['vfio.enable_unsafe_noiommu_mode=1'], source: 't', noGroups: null, now: new Date(0) })), /^dmaown_noiommu 1$/m);
});

test('label values are escaped; PCI locations split as node_exporter formats them', () => {
  assert.equal(labelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  assert.deepEqual(pciLocation('0000:0a:1f.7'), { segment: '0000', bus: '0a', device: '1f', function: '7' });
  assert.deepEqual(pciLocation('10000:01:00.0'), { segment: '10000', bus: '01', device: '00', function: '0' });
});
