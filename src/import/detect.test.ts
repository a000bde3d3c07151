import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPaste } from './detect.js';

const read = (text: string) => {
  const r = readPaste(text, 'p.txt');
  assert.ok(r.ok, r.ok ? '' : r.why);
  return r.value;
};

test('lspci -v (one v): the group from Flags; ACS named without its bits stays unknown, with a warning naming the line', () => {
  const r = read([
    '00:1c.0 PCI bridge: Intel Corporation Device a338 (rev f0) (prog-if 00 [Normal decode])',
    '\tFlags: bus master, fast devsel, latency 0, IRQ 122, IOMMU group 9',
    '\tBus: primary=00, secondary=02, subordinate=02, sec-latency=0',
    '\tCapabilities: [40] Express Root Port (Slot+), MSI 00',
    '\tCapabilities: [100] Access Control Services',
    '\tKernel driver in use: pcieport',
  ].join('\n'));
  const d = r.devices.get('0000:00:1c.0');
  assert.equal(d?.group?.value, 9);
  assert.equal(d?.driver?.value, 'pcieport');
  assert.equal((d?.config?.value as { acs: unknown }).acs, 'unknown');
  assert.match(r.warnings.map((w) => `${w.line}: ${w.message}`).join('\n'), /^2: 0000:00:1c\.0: capabilities shown only in part \(ACS without ACSCap\/ACSCtl bits/m);
});

test('one input holding two formats: a group listing, then lspci -nnk', () => {
  const r = read('IOMMU Group 3:\n\t01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP104 [10de:1b81] (rev a1)\n01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP104 [10de:1b81] (rev a1)\n\tSubsystem: MSI [1462:3301]\n\tKernel driver in use: nvidia\n');
  assert.deepEqual([...r.formats].sort(), ['iommu-group-loop', 'lspci', 'lspci -k']);
  assert.equal(r.devices.get('0000:01:00.0')?.driver?.value, 'nvidia');
  assert.equal(r.devices.get('0000:01:00.0')?.group?.value, 3);
});

test('one paste with a BDF in two groups is a conflict (two hosts), not a silent choice', () => {
  const r = read('IOMMU Group 3:\n\t01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP104 [10de:1b81]\nIOMMU Group 4:\n\t01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP104 [10de:1b81]\n');
  assert.match(r.conflicts[0]?.message ?? '', /0000:01:00\.0: group 3 at p\.txt:2 but 4 at p\.txt:4/);
});

test('a line of 100 000 characters is skipped with a warning; control bytes make the input binary', () => {
  const r = read(`IOMMU Group 1:\n\t00:00.0 Host bridge [0600]: Intel Corporation Device [8086:3e30]\n${'x'.repeat(100_000)}\n`);
  assert.match(r.warnings[0]?.message ?? '', /100000 characters long; skipped/);
  const b = readPaste('IOMMU Group 1:\n\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000b\u000c\n', 'b.txt');
  assert.equal(b.ok, false);
  assert.match(b.ok ? '' : b.why, /^b\.txt:2: binary data \(10 of 10 characters are control bytes/);
});

test('long lines cost linear time: 40 lines of 16 000 characters after a BDF or a group header (no backtracking blow-up)', () => {
  const long = (p: string): string => `${p}${'ab'.repeat(8000)}`.slice(0, 16000);
  const text = [...Array(20).keys()].flatMap((i) => [long(`IOMMU Group ${i} 00:0${i % 8}.0 `), long(`0${i % 8}:00.0 `)]).join('\n');
  const t0 = performance.now();
  readPaste(text, 'long.txt');
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);
});
