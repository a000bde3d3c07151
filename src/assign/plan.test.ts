import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectHost } from './inspect.js';
import { makePlan } from './plan.js';
import { fixtureNames, sharedHost } from './testing/hosts.js';

const x570 = () => inspectHost({ host: sharedHost('amd-x570-rtx2060s-5.15.json'), names: fixtureNames() });

test('GPU alone is refused: each sibling on a kernel driver needs --allow-group-member', () => {
  const r = makePlan(x570(), ['0000:09:00.0']);
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.deepEqual(r.refusals.map((x) => `${x.code} ${x.bdf}`),
    ['group-member 0000:09:00.1', 'group-member 0000:09:00.2', 'group-member 0000:09:00.3']);
  assert.match(r.refusals[0]?.hint ?? '', /--allow-group-member 0000:09:00.1/);
});

test('with every sibling allowed: overrides, then every unbind, then every probe, then verify', () => {
  const r = makePlan(x570(), ['0000:09:00.0'], { allowGroupMembers: ['0000:09:00.1', '0000:09:00.2', '0000:09:00.3'] });
  assert.ok(r.ok);
  const ops = r.plan.steps.map((s) => s.action.op);
  assert.deepEqual(ops, ['modprobe', ...Array(4).fill('override'), ...Array(4).fill('unbind'), ...Array(4).fill('probe'), ...Array(4).fill('verify')]);
  assert.deepEqual(r.plan.steps[0]?.inverse, [{ op: 'rmmod', driver: 'vfio-pci' }], 'vfio-pci is not loaded on the x570: loaded first, unloaded by restore');
  assert.equal(r.plan.steps[5]?.text, 'echo 0000:09:00.0 > /sys/bus/pci/drivers/nvidia/unbind');
  assert.deepEqual(r.plan.steps[5]?.inverse, [{ op: 'override', bdf: '0000:09:00.0', value: null }, { op: 'bind', bdf: '0000:09:00.0', driver: 'nvidia' }]);
  assert.ok(!ops.includes('bind'), 'never new_id or bind into a driver');
});

test('bridges are never planned', () => {
  const r = makePlan(x570(), ['0000:00:03.1']);
  assert.ok(!r.ok);
  assert.equal(r.refusals[0]?.code, 'bridge');
});

test('an SR-IOV PF with VFs enabled is refused', () => {
  const host = sharedHost('amd-x570-rtx2060s-5.15.json');
  const pci = host.pci.map((d) => d.bdf === '0000:05:00.0' ? { ...d, sriovTotalvfs: 7, sriovNumvfs: 2 } : d);
  const r = makePlan(inspectHost({ host: { ...host, pci }, names: fixtureNames() }), ['0000:05:00.0']);
  assert.ok(!r.ok);
  assert.equal(r.refusals[0]?.code, 'sriov-pf');
});

test('a host-critical NIC is refused unless --force, and then planned with a warning', () => {
  const critical = { '0000:05:00.0': ['NIC of the default route (enp5s0)'] };
  const v = inspectHost({ host: sharedHost('amd-x570-rtx2060s-5.15.json'), names: fixtureNames(), critical });
  const r = makePlan(v, ['05:00.0'.padStart(12, '0000:')]);
  assert.ok(!r.ok);
  assert.equal(r.refusals[0]?.code, 'host-critical');
  const f = makePlan(v, ['0000:05:00.0'], { force: true });
  assert.ok(f.ok);
  assert.match(f.plan.warnings.join('\n'), /host-critical/);
});

test('unknown devices are refused with a hint', () => {
  const r = makePlan(x570(), ['0000:42:00.0']);
  assert.ok(!r.ok);
  assert.equal(r.refusals[0]?.code, 'unknown-device');
});
