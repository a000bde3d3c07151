/**
 * The uAPI fuzzer in CI (issue 13): a small, seeded run on every profile must end with no violation and no
 * exception while reaching containers, device fds, iommufd and cdevs; the same seed gives the same run; and a
 * bug planted in the kernel's file operations is found, minimised and printed as a dmaown-trace/1.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedDir } from '../testing/shared.js';
import { FILE_OPS, type FileOpsTable } from '../model/index.js';
import { getGroup, iommuGroupReleaseDmaOwner } from '../model/iommu/group.js';
import { validateTrace } from '../conform/trace.js';
import { fuzzProfile, runSequence } from './fuzz.js';
import { FUZZ_PROFILES, loadFuzzProfiles } from './profiles.js';

const STEPS = Number(process.env['DMAOWN_FUZZ_STEPS'] ?? 4000);
const profiles = loadFuzzProfiles(join(sharedDir(), 'hosts'));

test('every model profile has a fuzz profile', () => {
  assert.deepEqual(profiles.map((p) => p.name), FUZZ_PROFILES.map((p) => p.name));
  const labels = new Set(profiles.map((p) => (p.release.startsWith('5.10') ? 'L' : p.release.startsWith('5.19') || p.release.startsWith('6.0') ? 'O1'
    : p.release.startsWith('6.1.') ? 'O2' : p.release.startsWith('6.2') ? 'F' : 'C')));
  assert.deepEqual([...labels].sort(), ['C', 'F', 'L', 'O1', 'O2']);
});

const reached = (cov: ReadonlyMap<string, number>, key: string): number => cov.get(key) ?? 0;

for (const p of profiles) {
  test(`fuzz ${p.name}: ${STEPS} seeded steps, 0 violations, 0 exceptions, containers and device fds reached`, () => {
    const r = fuzzProfile(p, { seed: 13, totalSteps: STEPS });
    const shown = r.failures.map((f) => `${f.violation.kind}: ${f.violation.message}\n${JSON.stringify(f.trace.steps)}`);
    assert.deepEqual(shown, []);
    assert.equal(r.violations, 0);
    assert.equal(r.exceptions, 0);
    assert.ok(r.steps >= STEPS);
    assert.ok(reached(r.coverage, 'VFIO_GROUP_SET_CONTAINER ok') > 0, 'SET_CONTAINER succeeded at least once');
    assert.ok(reached(r.coverage, 'VFIO_GROUP_GET_DEVICE_FD ok') > 0, 'a device fd was opened');
    if (p.name === '6.12-iommufd') {
      assert.ok(reached(r.coverage, 'VFIO_DEVICE_BIND_IOMMUFD ok') > 0, 'a cdev was bound to an iommufd');
      assert.ok(reached(r.coverage, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT ok') > 0, 'a cdev was attached to an IOAS');
    }
  });
}

test('fuzz: the same seed gives the same run', () => {
  const p = profiles.find((x) => x.name === '6.1');
  assert.ok(p);
  const a = fuzzProfile(p, { seed: 7, totalSteps: 1500 }), b = fuzzProfile(p, { seed: 7, totalSteps: 1500 });
  assert.equal(a.steps, b.steps);
  assert.deepEqual([...a.coverage], [...b.coverage]);
  const c = fuzzProfile(p, { seed: 8, totalSteps: 1500 });
  assert.notDeepEqual([...a.coverage], [...c.coverage]);
});

test('fuzz: a planted bug (SET_CONTAINER forgets the DMA-ownership claim) is found, minimised and printed as a trace', () => {
  const group = FILE_OPS['vfio-group'];
  const set = group.ioctls['VFIO_GROUP_SET_CONTAINER'];
  assert.ok(set);
  const buggy: FileOpsTable = {
    ...FILE_OPS,
    'vfio-group': { ...group, ioctls: { ...group.ioctls, VFIO_GROUP_SET_CONTAINER: (k, fd, file, arg) => {
      const r = set(k, fd, file, arg);
      const g = k.groups.get(file.id);
      if (r.ok && g && g.owner !== null) iommuGroupReleaseDmaOwner(k, getGroup(k, g.id));
      return r;
    } } },
  };
  const base = profiles.find((x) => x.name === '6.1');
  assert.ok(base);
  const r = fuzzProfile({ ...base, fops: buggy }, { seed: 13, totalSteps: 3000, keep: 1 });
  assert.ok(r.violations > 0, 'the fuzzer finds the planted bug');
  const f = r.failures[0];
  assert.ok(f);
  assert.equal(f.violation.kind, 'invariant');
  assert.match(f.violation.message, /in a container but iommu group not user-owned/);
  const trace = validateTrace(f.trace, 'fuzz failure');
  assert.ok(trace.ok, trace.ok ? '' : trace.why);
  assert.ok(trace.value.steps.length <= 8, `minimised to ${trace.value.steps.length} steps (from ${f.originalSteps})`);
  const last = trace.value.steps[trace.value.steps.length - 1];
  assert.equal(last?.request, 'VFIO_GROUP_SET_CONTAINER');
  assert.match(last?.note ?? '', /^fuzz: invariant: /);
  assert.equal(trace.value.kernel, base.release);
});

test('fuzz: a close that oopses (5.10, last put of an emptied group) drops its label; the cleanup does not close it twice', () => {
  const p = profiles.find((x) => x.name === '5.10');
  assert.ok(p);
  const dev = '/sys/bus/pci/devices/0000:02:01.0';
  const res = runSequence(p, [
    { call: 'write', path: `${dev}/driver_override`, data: 'vfio-pci' },
    { call: 'write', path: '/sys/bus/pci/drivers/e1000/unbind', data: '0000:02:01.0' },
    { call: 'write', path: '/sys/bus/pci/drivers/vfio-pci/bind', data: '0000:02:01.0' },
    { call: 'open', path: '/dev/vfio/7', fd: 'g' },
    { call: 'write', path: '/sys/bus/pci/devices/0000:01:00.0/remove', data: '1' },
    { call: 'close', fd: 'g' },
  ]);
  assert.deepEqual(res.records.map((r) => r.result).slice(0, 6), ['ok', 'ok', 'ok', 'ok', 'ok', 'oops']);
  assert.equal(res.failure, null);
});
