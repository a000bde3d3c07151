// Tests for the host side of the recorder and for the recorded traces themselves.
//   node --test scripts/record/      (cwd = repo root)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCapture, filterCmdline } from './capture.mjs';

const here = new URL('.', import.meta.url).pathname;
const conformance = join(here, '../../conformance');

test('parseCapture turns every line kind into its sysfs-capture/1 value, keys sorted', () => {
  const e = parseCapture([
    '@CL bus/pci/devices/0000:00:05.0 ../../../devices/pci0000:00/0000:00:05.0',
    '@CF devices/pci0000:00/0000:00:05.0/vendor 3078383038360a',
    '@CB devices/pci0000:00/0000:00:05.0/config 8680AB',
    '@CD bus/pci/drivers/vfio-pci',
    '@CE devices/pci0000:00/0000:00:05.0/reset_method EACCES',
    '',
  ]);
  assert.deepEqual(Object.keys(e), [
    'bus/pci/devices/0000:00:05.0', 'bus/pci/drivers/vfio-pci',
    'devices/pci0000:00/0000:00:05.0/config', 'devices/pci0000:00/0000:00:05.0/reset_method',
    'devices/pci0000:00/0000:00:05.0/vendor',
  ]);
  assert.deepEqual(e['bus/pci/devices/0000:00:05.0'], { link: '../../../devices/pci0000:00/0000:00:05.0' });
  assert.equal(e['devices/pci0000:00/0000:00:05.0/vendor'], '0x8086\n');
  assert.deepEqual(e['devices/pci0000:00/0000:00:05.0/config'], { hex: '8680ab' });
  assert.deepEqual(e['bus/pci/drivers/vfio-pci'], { dir: true });
  assert.deepEqual(e['devices/pci0000:00/0000:00:05.0/reset_method'], { error: 'EACCES' });
});

test('parseCapture rejects a line it does not know', () => {
  assert.throws(() => parseCapture(['@CX foo bar']), /bad line/);
});

test('filterCmdline keeps only IOMMU/VFIO/PCI parameters', () => {
  assert.deepEqual(
    filterCmdline('console=ttyS0 intel_iommu=on panic=-1 iommu.strict=1 vfio-pci.ids=8086:100e pci=noaer dmaown.scenario=S5\n'),
    ['intel_iommu=on', 'iommu.strict=1', 'vfio-pci.ids=8086:100e', 'pci=noaer']);
});

function runToTrace(data) {
  const dir = mkdtempSync(join(tmpdir(), 'recorder-test-'));
  writeFileSync(join(dir, 'S.scn'), 'title a test\ncapture\n');
  writeFileSync(join(dir, 'S.data'), data);
  const out = join(dir, 'S.json');
  const r = spawnSync(process.execPath, [join(here, 'to-trace.mjs'), '--scenario', join(dir, 'S.scn'),
    '--data', join(dir, 'S.data'), '--source', 'test', '--out', out], { encoding: 'utf8' });
  const result = { status: r.status, stderr: r.stderr, out: existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : null };
  rmSync(dir, { recursive: true, force: true });
  return result;
}

const RUN = ['@KERNEL 6.1.0-56-amd64', '@CMDLINE console=ttyS0 intel_iommu=on', '@CAPTURE-BEGIN',
  '@CL bus/pci/devices/0000:00:05.0 ../../../devices/pci0000:00/0000:00:05.0', '@CAPTURE-END',
  '@S {"call":"stat","path":"/dev/vfio/1","result":"ok"}'];

test('to-trace writes a dmaown-trace/1 from a complete run (serial CR/LF tolerated)', () => {
  const r = runToTrace([...RUN, '@END', '@EXIT 0', ''].join('\r\n'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.out.format, 'dmaown-trace/1');
  assert.equal(r.out.title, 'a test');
  assert.equal(r.out.kernel, '6.1.0-56-amd64');
  assert.deepEqual(r.out.host.cmdline, ['intel_iommu=on']);
  assert.deepEqual(r.out.steps, [{ call: 'stat', path: '/dev/vfio/1', result: 'ok' }]);
});

test('to-trace refuses a run that stopped before the end of its script', () => {
  const r = runToTrace([...RUN, ''].join('\n'));
  assert.equal(r.status, 1);
  assert.equal(r.out, null);
  assert.match(r.stderr, /did not reach the end/);
});

// Structural checks on every recorded trace: what a replayer relies on.
const traces = existsSync(conformance)
  ? readdirSync(conformance, { withFileTypes: true }).filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(conformance, d.name)).filter((f) => f.endsWith('.json')).map((f) => join(d.name, f)))
  : [];

test('there are recorded traces', () => { assert.ok(traces.length >= 20, `${traces.length} traces`); });

for (const name of traces) {
  test(`trace ${name} is well formed`, () => {
    const t = JSON.parse(readFileSync(join(conformance, name), 'utf8'));
    assert.equal(t.format, 'dmaown-trace/1');
    assert.ok(t.title && t.source);
    assert.equal(t.host.format, 'sysfs-capture/1');
    assert.equal(t.host.kernel, t.kernel);
    assert.ok(Object.keys(t.host.entries).some((k) => k.startsWith('kernel/iommu_groups/')));
    const blocked = new Set(), labels = new Set();
    for (const [i, s] of t.steps.entries()) {
      assert.ok(s.call && s.result, `step ${i}`);
      if (s.result === 'blocked') { assert.ok(s.id, `step ${i}: blocked without id`); blocked.add(s.id); }
      if (s.call === 'wait') assert.ok(blocked.has(s.id), `step ${i}: wait for ${s.id} that never blocked`);
      if (s.call === 'open') labels.add(s.fd);
      if (s.fdOut) labels.add(s.fdOut);
      if ((s.call === 'ioctl' || s.call === 'close') && s.result !== 'EBADF')
        assert.ok(labels.has(s.fd), `step ${i}: fd ${s.fd} used before it was opened`);
    }
  });
}

test('map-groups rewrites /dev/vfio/N by the map all at once and notes it in the title', async () => {
  const { parseMap, mapScenario } = await import('./map-groups.mjs');
  const map = parseMap('# x86 → arm64\n1 3\n3 1\n');
  const out = mapScenario('title T\nopen /dev/vfio/1 g\nopen /dev/vfio/3 h\nopen /dev/vfio/vfio c\nstat /dev/vfio/12', map);
  assert.equal(out, 'title T\ntitle [arm64 virt + SMMUv3: group numbers of the x86 script mapped 1→3, 3→1]\nopen /dev/vfio/3 g\nopen /dev/vfio/1 h\nopen /dev/vfio/vfio c\nstat /dev/vfio/12');
  assert.throws(() => parseMap('1 x\n'), /bad line/);
  const withPrelude = parseMap('7 0\nprelude S9 write /sys/x 1 ## why\n');
  assert.equal(mapScenario('title T\ncapture\nlist /sys/kernel/iommu_groups/7/devices', withPrelude, 'S9'),
    "title T\ntitle [arm64 virt + SMMUv3: group numbers of the x86 script mapped 7→0; first step added: the bridge's shpchp unbound, as on x86 where it had none]\ncapture\nwrite /sys/x 1 ## why\nlist /sys/kernel/iommu_groups/0/devices");
  assert.equal(mapScenario('capture\nlist /sys/kernel/iommu_groups/7/devices', withPrelude, 'S1'), 'capture\nlist /sys/kernel/iommu_groups/0/devices');
});

test('the arm64 traces were recorded on an SMMUv3 guest (the IOMMU unit is in their captures)', () => {
  const arm = traces.filter((n) => n.startsWith('arm64-'));
  assert.ok(arm.length >= 30, `${arm.length} arm64 traces`);
  for (const name of arm) {
    const t = JSON.parse(readFileSync(join(conformance, name), 'utf8'));
    assert.ok(Object.keys(t.host.entries).some((k) => /^class\/iommu\/smmu3\./.test(k)), name);
    assert.match(t.kernel, /-arm64$/, name);
  }
});
