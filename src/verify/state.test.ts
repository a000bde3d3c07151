/** Snapshots and canonical keys: restore gives back the same state; numbering and interchangeable devices do not change the key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernel, type Kernel } from '../model/index.js';
import { canonicalKey } from './canonical-key.js';
import { restoreKernel, SharedRefs, snapshotKernel, staticFingerprint } from './snapshot.js';
import { canonicalOrder } from './symmetry.js';
import { syntheticTarget } from './targets.js';
import { search } from './search.js';

const T = syntheticTarget(3, true, '6.1.0');
assert.ok(T.ok);
const [BR, EP1, EP2] = T.value.spec.devices as [string, string, string];

function boot(): Kernel {
  return createKernel(T.ok ? T.value.desc : (undefined as never), { release: '6.1.0' });
}
function ok<X>(r: { ok: boolean; value?: X }): X {
  assert.ok(r.ok, JSON.stringify(r));
  return r.value as X;
}

test('restore puts back the exact state: the key, the devices, the vfio group', () => {
  const k = boot();
  ok(k.write('/sys/bus/pci/drivers/vfio-pci/bind', EP1));
  const sh = new SharedRefs(k.state);
  const snap = snapshotKernel(k.state, sh);
  const before = canonicalKey(k.state, [BR, EP1, EP2]);
  const g = ok<number>(k.open('/dev/vfio/1'));
  const c = ok<number>(k.open('/dev/vfio/vfio'));
  ok(k.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }));
  assert.notEqual(canonicalKey(k.state, [BR, EP1, EP2]), before);
  restoreKernel(k.state, snap, sh);
  assert.equal(canonicalKey(k.state, [BR, EP1, EP2]), before);
  assert.equal(k.state.files.size, 0);
  assert.equal(k.state.groups.get(1)?.owner, null);
  // The snapshot is untouched by what runs after a restore.
  ok(k.open('/dev/vfio/1'));
  restoreKernel(k.state, snap, sh);
  assert.equal(k.state.files.size, 0);
});

test('states that differ only in descriptor and container numbers have one key', () => {
  const a = boot(), b = boot();
  for (const k of [a, b]) ok(k.write('/sys/bus/pci/drivers/vfio-pci/bind', EP1));
  // a: container fd 3, group fd 4; b: group fd 3, a container opened and closed first (container 2), then fd 4.
  const ca = ok<number>(a.open('/dev/vfio/vfio')), ga = ok<number>(a.open('/dev/vfio/1'));
  ok(a.ioctl(ga, 'VFIO_GROUP_SET_CONTAINER', { fd: ca }));
  const gb = ok<number>(b.open('/dev/vfio/1'));
  ok(b.close(ok<number>(b.open('/dev/vfio/vfio'))));
  const cb = ok<number>(b.open('/dev/vfio/vfio'));
  ok(b.ioctl(gb, 'VFIO_GROUP_SET_CONTAINER', { fd: cb }));
  assert.notEqual(ga, gb);
  assert.notEqual(a.state.vfioGroups.get(1)?.container, b.state.vfioGroups.get(1)?.container);
  assert.equal(canonicalKey(a.state, [BR, EP1, EP2]), canonicalKey(b.state, [BR, EP1, EP2]));
  // …and a real difference (the IOMMU backend set) still shows.
  ok(a.ioctl(ca, 'VFIO_SET_IOMMU', { type: 'VFIO_TYPE1v2_IOMMU' }));
  assert.notEqual(canonicalKey(a.state, [BR, EP1, EP2]), canonicalKey(b.state, [BR, EP1, EP2]));
});

test('interchangeable endpoints: one key under the canonical order, two without it', () => {
  const a = boot(), b = boot();
  ok(a.write('/sys/bus/pci/drivers/vfio-pci/bind', EP1));
  ok(b.write('/sys/bus/pci/drivers/vfio-pci/bind', EP2));
  const members = [BR, EP1, EP2];
  assert.notEqual(canonicalKey(a.state, members), canonicalKey(b.state, members));
  const classes = [[1, 2]];
  assert.equal(canonicalKey(a.state, canonicalOrder(a.state, members, classes)), canonicalKey(b.state, canonicalOrder(b.state, members, classes)));
  // The bridge is not interchangeable with an endpoint: pci-stub on it is another state than pci-stub on an endpoint.
  ok(a.write('/sys/bus/pci/drivers/pci-stub/bind', BR));
  ok(b.write('/sys/bus/pci/drivers/pci-stub/bind', EP1));
  assert.notEqual(canonicalKey(a.state, canonicalOrder(a.state, members, classes)), canonicalKey(b.state, canonicalOrder(b.state, members, classes)));
});

test('a paranoid search on 6.6 (the full alphabet: cdev, iommufd) finds no op that changes the fields snapshots share', () => {
  const t = syntheticTarget(3, true, '6.6.0');
  assert.ok(t.ok);
  const r = search(t.value, { alphabet: 'full', symmetry: true, maxStates: 3000, checkRecovery: false, projection: false, paranoid: true });
  assert.equal(r.states, 3000);
  assert.ok(staticFingerprint(createKernel(t.value.desc, { release: '6.6.0' }).state).includes('vfio-pci'));
});

test('a blocked unbind is part of the state: keyed by its device, copied by snapshots, its trace replays with the wait', async () => {
  const { counterexampleTrace } = await import('./trace-writer.js');
  const { validateTrace } = await import('../conform/trace.js');
  const { replayTrace } = await import('../conform/replay.js');
  const t = syntheticTarget(3, true, '6.1.0');
  assert.ok(t.ok);
  const path = [
    { kind: 'bind', dev: 1, driver: 'vfio-pci' }, { kind: 'bind', dev: 2, driver: 'vfio-pci' }, { kind: 'open-group' }, { kind: 'set-container' },
    { kind: 'get-device-fd', dev: 1 }, { kind: 'get-device-fd', dev: 2 },
  ] as const;
  const { runOp } = await import('./run-op.js');
  const k = createKernel(t.value.desc, { release: '6.1.0' });
  for (const op of path) assert.equal(runOp(k, t.value.spec, op).status, 'ok');
  const sh = new SharedRefs(k.state);
  const base = snapshotKernel(k.state, sh);
  const members = [BR, EP1, EP2];
  assert.equal(runOp(k, t.value.spec, { kind: 'unbind', dev: 1 }).status, 'blocked');
  const one = canonicalKey(k.state, members);
  const copy = snapshotKernel(k.state, sh);
  restoreKernel(k.state, base, sh);
  assert.equal(runOp(k, t.value.spec, { kind: 'unbind', dev: 2 }).status, 'blocked');
  assert.notEqual(canonicalKey(k.state, members), one);
  assert.equal(canonicalKey(k.state, canonicalOrder(k.state, members, [[1, 2]])), (() => { restoreKernel(k.state, copy, sh); return canonicalKey(k.state, canonicalOrder(k.state, members, [[1, 2]])); })());
  // From the copy: closing dev1's fd wakes the unbind, which finishes within that op.
  const woke = runOp(k, t.value.spec, { kind: 'close-device-fd', dev: 1 });
  assert.equal(woke.status, 'ok');
  assert.deepEqual(woke.calls.map((c) => [c.sys.call, c.result]), [['close', 'ok'], ['wait', 'ok']]);
  assert.equal(k.state.devices.get(EP1)?.driver, null);
  assert.equal(k.state.pending.size, 0);
  const trace = counterexampleTrace({ desc: t.value.desc, release: '6.1.0', spec: t.value.spec, alphabet: 'full',
    path: [...path, { kind: 'unbind', dev: 1 }, { kind: 'close-device-fd', dev: 1 }], title: 'blocked unbind', note: 'test' });
  const v = validateTrace(JSON.parse(JSON.stringify(trace)), 'trace');
  assert.ok(v.ok, v.ok ? '' : v.why);
  const steps = v.value.steps;
  assert.deepEqual(steps.slice(-3).map((s) => [s.call, s.result, s.id]), [['write', 'blocked', 'blocked1'], ['close', 'ok', undefined], ['wait', 'ok', 'blocked1']]);
  const r = replayTrace(v.value, 'trace');
  assert.ok(r.ok);
  assert.equal(r.value.failed, 0);
});
