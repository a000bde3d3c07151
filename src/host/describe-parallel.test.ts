import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeHostReport } from './describe.js';
import { assertReportDetail } from './testing/report-detail.js';
import { cpuPressure, describeTreeReport, readThreads } from './describe-parallel.js';
import { availableParallelism } from 'node:os';
import { livePort } from './live-port.js';
import { materializeCapture } from './materialize.js';
import { readCaptureFile } from './read-capture.js';

const checkout = fileURLToPath(new URL('../../', import.meta.url));

/** The parallel reader, with workers even on a small tree, against the one-thread reader on the same tree: equal to the last field and warning. */
async function assertSame(sysRoot: string, procRoot: string, what: string): Promise<void> {
  const opts = { sysRoot, procRoot };
  const one = describeHostReport(livePort(opts));
  for (const threads of [1, 3]) {
    const many = await describeTreeReport(opts, {}, { threads, minFunctions: 0 });
    assert.deepStrictEqual(many, one, `${what}, ${threads} threads`);
  }
  // detail 'report' (what loadHost reads): the same on every thread count, and 'full' without the
  // attributes no report shows, the revision taken from config byte 8 (pci_setup_device()), and config
  // space without its trailing zeros — the very bytes again when they are restored.
  const lean = describeHostReport(livePort(opts), { detail: 'report' });
  assert.deepStrictEqual(await describeTreeReport(opts, { detail: 'report' }, { threads: 3, minFunctions: 0 }), lean, `${what}, report detail`);
  assert.ok(one.ok && lean.ok);
  assertReportDetail(lean.value.host.pci, one.value.host.pci, what);
  assert.deepStrictEqual({ ...lean.value.host, pci: [] }, { ...one.value.host, pci: [] }, `${what}: groups, drivers, units`);
}

test('the parallel tree reader answers what describeHostReport answers: every sample and shared capture as a tree', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'describe-parallel-'));
  try {
    const files = [
      ...readdirSync(join(checkout, 'samples')).filter((f) => f.endsWith('.json')).map((f) => join(checkout, 'samples', f)),
      ...readdirSync(join(checkout, '..', 'shared', 'hosts')).filter((f) => f.endsWith('.json')).map((f) => join(checkout, '..', 'shared', 'hosts', f)),
    ];
    assert.ok(files.length >= 3);
    for (const [i, f] of files.entries()) {
      const c = readCaptureFile(f);
      assert.ok(c.ok, f);
      const m = materializeCapture(c.value, join(dir, String(i)));
      assert.ok(m.ok, f);
      await assertSame(m.value.sysRoot, m.value.procRoot, f);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the parallel tree reader: a generated host of 700 functions (bench generator, deterministic) and a hostile one, same answer and warnings in the same order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'describe-parallel-'));
  try {
    const { generateTopology } = await import(new URL('../../scripts/bench/topology.mjs', import.meta.url).href) as { generateTopology: (n: number) => unknown };
    const { writeTree } = await import(new URL('../../scripts/bench/write-host.mjs', import.meta.url).href) as { writeTree: (t: unknown, root: string) => number };
    const sys = join(dir, 'sys');
    writeTree(generateTopology(700), sys);
    mkdirSync(join(dir, 'proc', 'sys', 'kernel'), { recursive: true });
    writeFileSync(join(dir, 'proc', 'sys', 'kernel', 'osrelease'), '6.1.0-28-amd64\n');
    writeFileSync(join(dir, 'proc', 'cmdline'), 'intel_iommu=on\n');
    const clean = describeHostReport(livePort({ sysRoot: sys, procRoot: join(dir, 'proc') }));
    assert.ok(clean.ok);
    assert.equal(clean.value.host.pci.length, 700);
    await assertSame(sys, join(dir, 'proc'), 'generated 700');
    // Hostile: a name that is no BDF, a device link pointing outside /sys, a member listed by two groups,
    // a dangling member link, a group without devices/, a device directory without its attributes.
    const devs = readdirSync(join(sys, 'bus/pci/devices')).sort();
    const groups = readdirSync(join(sys, 'kernel/iommu_groups')).map(Number).sort((a, b) => a - b);
    symlinkSync('../../../devices/nowhere', join(sys, 'bus/pci/devices', 'not-a-bdf'));
    symlinkSync('/etc', join(sys, 'bus/pci/devices', '0000:fe:1f.7'));
    symlinkSync(`../../../../../bus/pci/devices/${devs[5]}`, join(sys, 'kernel/iommu_groups', String(groups[400]), 'devices', devs[5] as string));
    symlinkSync('../../../../devices/gone', join(sys, 'kernel/iommu_groups', String(groups[300]), 'devices', 'gone'));
    rmSync(join(sys, 'kernel/iommu_groups', String(groups[200]), 'devices'), { recursive: true });
    writeFileSync(join(sys, 'kernel/iommu_groups', String(groups[100]), 'reserved_regions'), 'garbage\n');
    const hostile = describeHostReport(livePort({ sysRoot: sys, procRoot: join(dir, 'proc') }));
    assert.ok(hostile.ok);
    assert.ok(hostile.value.warnings.length >= 5, JSON.stringify(hostile.value.warnings));
    await assertSame(sys, join(dir, 'proc'), 'hostile 700');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('read threads: DMAOWN_READ_THREADS when valid, else a thread per core where the CPUs had room (PSI), else the cores the load average leaves idle', () => {
  assert.equal(readThreads({ DMAOWN_READ_THREADS: '3' }, 50, 90), 3);
  assert.equal(readThreads({ DMAOWN_READ_THREADS: '1' }, 0, 0), 1);
  const cores = availableParallelism();
  assert.equal(readThreads({ DMAOWN_READ_THREADS: 'x' }, 0, null), Math.min(4, cores));
  // No PSI: the load average alone.
  assert.equal(readThreads({}, 0, null), Math.min(4, cores));
  assert.equal(readThreads({}, cores + 5, null), 1);
  assert.equal(readThreads({}, cores - 1, null), 1);
  if (cores >= 2) assert.equal(readThreads({}, cores - 2, null), Math.min(4, 2));
  // Little CPU pressure: a core was idle whatever the (lagging) load average says.
  assert.equal(readThreads({}, cores, 3.5), Math.min(4, cores));
  // Contended: back to the load average.
  assert.equal(readThreads({}, cores + 5, 75.68), 1);
  assert.equal(readThreads({}, 0, 75.68), Math.min(4, cores));
});

test('cpuPressure: "some avg10" of /proc/pressure/cpu; null without PSI or when unreadable', () => {
  assert.equal(cpuPressure(() => 'some avg10=75.68 avg60=83.42 avg300=76.46 total=13985421771\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n'), 75.68);
  assert.equal(cpuPressure(() => 'some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n'), 0);
  assert.equal(cpuPressure(() => 'garbage'), null);
  assert.equal(cpuPressure(() => { throw new Error('ENOENT'); }), null);
});
