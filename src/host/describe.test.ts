import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedDir } from '../testing/shared.js';
import { capturePort } from './capture-port.js';
import { describeHost, describeHostReport, filterCmdline } from './describe.js';
import { readCaptureFile, validateCapture, type SysfsCapture } from './read-capture.js';

export function hostCaptures(): string[] {
  const dir = join(sharedDir(), 'hosts');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
}

function load(file: string): SysfsCapture {
  const c = readCaptureFile(file);
  assert.ok(c.ok, c.ok ? '' : c.why);
  return c.value;
}

for (const file of hostCaptures()) {
  test(`describeHost reads ${file.split('/').pop()} completely`, () => {
    const c = load(file);
    const r = describeHostReport(capturePort(c));
    assert.ok(r.ok, r.ok ? '' : r.why);
    const h = r.value.host;
    assert.deepEqual(r.value.warnings, []);
    assert.equal(h.kernel, c.kernel);
    assert.deepEqual(h.cmdline, c.cmdline);
    const linked = Object.keys(c.entries).filter((k) => /^bus\/pci\/devices\/[^/]+$/.test(k)).map((k) => k.split('/')[3]);
    assert.deepEqual(h.pci.map((d) => d.bdf).sort(), linked.sort());
    // group membership as the kernel lists it under kernel/iommu_groups/N/devices
    for (const [k] of Object.entries(c.entries)) {
      const m = /^kernel\/iommu_groups\/([0-9]+)\/devices\/(.+)$/.exec(k);
      if (!m) continue;
      assert.equal(h.pci.find((d) => d.bdf === m[2])?.iommuGroup, Number(m[1]), k);
    }
    for (const d of h.pci) {
      const cfg = c.entries[`${d.path}/config`];
      assert.ok(cfg !== undefined && typeof cfg === 'object' && 'hex' in cfg);
      assert.equal(d.config.length * 2, cfg.hex.length);
      assert.equal(d.vendor, (d.config[0] as number) | ((d.config[1] as number) << 8));
    }
  });
}

test('q35 6.1: drivers, override, reset_method, groups, IOMMU units', () => {
  const h = describeHost(capturePort(load(join(sharedDir(), 'hosts', 'qemu-q35-6.1.json'))));
  assert.ok(h.ok);
  const dev = (bdf: string) => h.value.pci.find((d) => d.bdf === bdf);
  assert.equal(dev('0000:00:05.0')?.driver, 'e1000');
  assert.equal(dev('0000:00:05.0')?.driverOverride, null);
  assert.equal(dev('0000:01:00.0')?.driver, null);
  assert.deepEqual(dev('0000:03:00.0')?.resetMethod, ['pm', 'bus']);
  assert.equal(dev('0000:02:01.0')?.path, 'devices/pci0000:00/0000:00:06.0/0000:01:00.0/0000:02:01.0');
  assert.deepEqual(h.value.groups.map((g) => g.id), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(h.value.groups[6]?.reservedRegions, [
    { start: 0n, end: 0xffffffn, type: 'direct-relaxable' },
    { start: 0xfee00000n, end: 0xfeefffffn, type: 'msi' },
  ]);
  assert.deepEqual(h.value.iommus, ['dmar0']);
  assert.ok(h.value.pciDrivers.includes('vfio-pci'));
});

function mini(entries: Record<string, unknown>, cmdline: string[] = []): SysfsCapture {
  const r = validateCapture({ format: 'sysfs-capture/1', kernel: '6.12.0', cmdline, entries });
  assert.ok(r.ok, r.ok ? '' : r.why);
  return r.value;
}
const D = 'devices/pci0000:00/0000:00:02.0';

test('garbage, gaps and dangling links degrade with a warning naming the entry', () => {
  const c = mini({
    'bus/pci/devices/0000:00:02.0': { link: `../../../${D}` },
    'bus/pci/devices/0000:00:03.0': { link: '../../../devices/pci0000:00/0000:00:03.0' },
    [`${D}/vendor`]: '\u0000\u00ff\u0013garbage',
    [`${D}/device`]: '0x1234\n',
    [`${D}/class`]: '0x030000\n',
    [`${D}/driver_override`]: 'vfio-pci\n',
    [`${D}/config`]: { hex: '86803412' + '00'.repeat(60) },
    [`${D}/iommu_group`]: { link: '../../../kernel/iommu_groups/12' },
    'kernel/iommu_groups/12/devices/0000:00:02.0': { link: `../../../../${D}` },
    'kernel/iommu_groups/12/reserved_regions': '0x0 bogus\n',
    'kernel/iommu_groups/40/type': 'identity\n',
  });
  const r = describeHostReport(capturePort(c));
  assert.ok(r.ok);
  const d = r.value.host.pci;
  assert.equal(d.length, 1);
  assert.equal(d[0]?.vendor, 0x8086);
  assert.equal(d[0]?.driverOverride, 'vfio-pci');
  assert.deepEqual(r.value.host.groups.map((g) => [g.id, g.type]), [[12, null], [40, 'identity']]);
  const msgs = r.value.warnings.map((w) => `${w.path}: ${w.message}`).join('\n');
  assert.match(msgs, /0000:00:02\.0\/vendor: 0000:00:02\.0: vendor is not a hex number .*taken from config space/);
  assert.match(msgs, /0000:00:03\.0 vanished while the host was read/);
  assert.match(msgs, /only 64 bytes of config space readable/);
  assert.match(msgs, /iommu_groups\/12\/reserved_regions: unparsable reserved region line/);
});

test('not a sysfs root is an error; no PCI bus is an empty host', () => {
  const empty = describeHost(capturePort(mini({ 'kernel/x': 'y' })));
  assert.equal(empty.ok ? 'ok' : empty.errno, 'ENOENT');
  const nopci = describeHost(capturePort(mini({ 'bus/platform/devices/x': { dir: true } })));
  assert.ok(nopci.ok);
  assert.deepEqual(nopci.value.pci, []);
});

test('filterCmdline keeps only IOMMU/VFIO/PCI parameters', () => {
  assert.deepEqual(
    filterCmdline(['root=/dev/sda1', 'intel_iommu=on', 'iommu=pt', 'iommu.strict=0', 'vfio-pci.ids=10de:1f06', 'pci=noaer', 'pcie_acs_override=downstream', 'quiet', 'amd_iommu=off', 'ip=10.0.0.1']),
    ['intel_iommu=on', 'iommu=pt', 'iommu.strict=0', 'vfio-pci.ids=10de:1f06', 'pci=noaer', 'pcie_acs_override=downstream', 'amd_iommu=off'],
  );
});
