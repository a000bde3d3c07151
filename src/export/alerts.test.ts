/**
 * The example alerting rules fire on what the export really writes: `promtool test rules` over series
 * taken from `prometheusText()` of a host where the alert's condition holds, and stay silent where
 * it does not. (Skipped with a message where promtool is absent outside CI.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { hostFacts } from './facts.js';
import { prometheusText } from './prometheus.js';
import { findTool, runTool } from './testing/tool.js';
import type { DeviceView, GroupView, HostView } from '../assign/inspect.js';

const promtool = findTool('promtool', '--version', 'apt-get install prometheus; .ci/run does it');

// Only the fields the export reads; cast so the fixture keeps compiling as the view gains fields.
const dev = (bdf: string, driver: string | null, extra: Partial<DeviceView> = {}): DeviceView => ({
  bdf, vendor: 0x10de, device: 0x1f06, class: 0x030000, vendorName: null, deviceName: null, className: null,
  driver, driverOverride: null, role: driver === null ? 'unbound' : driver === 'vfio-pci' ? 'driver-managed' : 'kernel-dma',
  blocks: driver !== null && driver !== 'vfio-pci', exempt: null, bridge: false, resetMethod: null, sriovNumvfs: null, physfn: null,
  bootVga: null, critical: [], subsystemVendor: 0x10de, subsystemDevice: 0x13a2, infrastructure: null, ...extra,
});
const group = (id: number, devices: DeviceView[]): GroupView => ({
  id, type: 'DMA', devices, ownership: devices.some((d) => d.role === 'kernel-dma') ? 'kernel' : 'idle', holders: [],
  assignable: !devices.some((d) => d.blocks),
  blockers: devices.filter((d) => d.blocks).map((d) => ({ bdf: d.bdf, driver: d.driver, kind: 'kernel-driver' as const, why: 'x' })),
  endpoint: true,
});

/** Every sample of a textfile as a promtool input series with a constant value, as scraped from `instance`. */
function series(text: string, instance: string, values: string): { series: string; values: string }[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => {
    const m = /^([a-z_]+)(\{(.*)\})? (\S+)$/.exec(l);
    if (!m) throw new Error(`unparsable sample: ${l}`);
    const labels = [m[3], `instance="${instance}"`, 'job="node"'].filter((x) => x !== undefined && x !== '').join(',');
    return { series: `${m[1]}{${labels}}`, values: values.replace('V', m[4] as string) };
  });
}

test('the alerts fire on the exported metrics of a broken passthrough GPU and an idle vfio device, and not on a healthy host', (t) => {
  if (!promtool.available) { t.skip(promtool.skip ?? ''); return; }
  // n1: the GPU meant for passthrough (driver_override vfio-pci) is back on nvidia; group 1 not viable.
  // n2: a NIC on vfio-pci that nobody holds (owner idle). n3: a GPU on vfio-pci held by QEMU.
  const facts = (groups: GroupView[], holdersSeen: HostView['holdersSeen'] = 'all') => hostFacts({
    view: { kernel: '6.8.0', era: 'ownership', groups, ungrouped: [], drivers: ['vfio-pci'], modules: null, acsOverride: null, modelNote: null, iommufdHolders: [], holdersSeen },
    cmdline: [], source: 'this host', noGroups: null, now: new Date(0),
  });
  const n1 = prometheusText(facts([group(1, [dev('0000:01:00.0', 'nvidia', { driverOverride: 'vfio-pci' }), dev('0000:01:00.1', 'snd_hda_intel', { device: 0x10f9, class: 0x040300 })])]));
  const n2 = prometheusText(facts([group(7, [dev('0000:05:00.0', 'vfio-pci', { vendor: 0x8086, device: 0x1521, class: 0x020000, subsystemVendor: 0x8086, subsystemDevice: 0x0001 })])]));
  const held = group(3, [dev('0000:03:00.0', 'vfio-pci', { driverOverride: 'vfio-pci' })]);
  const n3 = prometheusText(facts([{ ...held, ownership: 'user', holders: [{ pid: 9, comm: 'qemu', path: '/dev/vfio/3', group: 3, bdf: null }] }]));
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-alerts-'));
  try {
    const input = [...series(n1, 'n1', 'Vx1600'), ...series(n2, 'n2', 'Vx1600'), ...series(n3, 'n3', 'Vx1600')]
      .map((s) => s.series.startsWith('dmaown_export_timestamp_seconds') ? { ...s, values: '0+60x1600' } : s);
    const doc = {
      rule_files: [join(process.cwd(), 'deploy', 'prometheus', 'dmaown.rules.yml')],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: input,
          alert_rule_test: [
            { eval_time: '2h', alertname: 'DmaownPassthroughGpuGroupNotViable', exp_alerts: [{
              exp_labels: { severity: 'warning', instance: 'n1', job: 'node', segment: '0000', bus: '01', device: '00', function: '0', iommu_group: '1',
                vendor_id: '0x10de', device_id: '0x1f06', class_id: '0x030000', subsystem_vendor_id: '0x10de', subsystem_device_id: '0x13a2', driver: 'nvidia', driver_override: 'vfio-pci', role: 'kernel-dma', blocks: 'true' },
              exp_annotations: {
                summary: 'GPU 01:00.0 on n1: IOMMU group 1 is not viable',
                description: "driver_override is vfio-pci but the device is on 'nvidia' or a group member is on a host driver; VMs cannot be given this GPU. Run `dmaown check` on the node.",
              },
            }] },
            { eval_time: '23h', alertname: 'DmaownVfioDeviceIdle', exp_alerts: [] },
            { eval_time: '26h', alertname: 'DmaownVfioDeviceIdle', exp_alerts: [{
              exp_labels: { severity: 'info', instance: 'n2', job: 'node', segment: '0000', bus: '05', device: '00', function: '0', iommu_group: '7',
                vendor_id: '0x8086', device_id: '0x1521', class_id: '0x020000', subsystem_vendor_id: '0x8086', subsystem_device_id: '0x0001', driver: 'vfio-pci', role: 'driver-managed', blocks: 'false' },
              exp_annotations: {
                summary: '05:00.0 on n2 is on vfio-pci and unused for 24h',
                description: 'No process holds IOMMU group 7. Give it to a VM or return it with `dmaown restore`.',
              },
            }] },
            { eval_time: '26h', alertname: 'DmaownAcsOverride', exp_alerts: [] },
            { eval_time: '26h', alertname: 'DmaownExportStale', exp_alerts: [] },
          ],
        },
      ],
    };
    const file = join(dir, 'test.yml');
    writeFileSync(file, stringify(doc));
    const r = runTool('promtool', ['test', 'rules', file]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS/);
    // And the test is able to fail: expecting no alert where one fires is reported.
    const wrong = structuredClone(doc);
    (wrong.tests[0] as { alert_rule_test: { exp_alerts: unknown[] }[] }).alert_rule_test[0]!.exp_alerts = [];
    writeFileSync(file, stringify(wrong));
    assert.notEqual(runTool('promtool', ['test', 'rules', file]).status, 0);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
