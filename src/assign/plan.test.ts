import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectHost } from './inspect.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makePlan, planRefusals } from './plan.js';
import { samplesDir } from './source.js';
import { captureHost, fixtureNames, sharedHost } from './testing/hosts.js';
import { repoDir, sharedDir } from '../testing/shared.js';

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

test('planRefusals answers exactly the refusals of makePlan, for every group and device of every capture and sample', () => {
  const files = [
    ...readdirSync(join(sharedDir(), 'hosts')).filter((f) => f.endsWith('.json')).map((f) => join(sharedDir(), 'hosts', f)),
    ...readdirSync(samplesDir()).filter((f) => f.endsWith('.json')).map((f) => join(samplesDir(), f)),
    ...readdirSync(join(repoDir(), 'fixtures', 'hosts')).filter((f) => f.endsWith('.json')).map((f) => join(repoDir(), 'fixtures', 'hosts', f)),
  ];
  let refused = 0, asked = 0;
  for (const file of files) {
    const view = inspectHost({ host: captureHost(file), names: fixtureNames() });
    const all = [...view.groups.flatMap((g) => g.devices), ...view.ungrouped].map((d) => d.bdf);
    const asks: { bdfs: string[]; opts: Parameters<typeof makePlan>[2] }[] = [{ bdfs: ['0000:ff:1f.7'], opts: {} }];
    for (const g of view.groups) {
      const members = g.devices.map((d) => d.bdf);
      const endpoints = g.devices.filter((d) => d.infrastructure === null).map((d) => d.bdf);
      asks.push({ bdfs: endpoints, opts: { allowGroupMembers: members } }, { bdfs: members, opts: {} }, { bdfs: endpoints, opts: { force: true, driver: 'pci-stub' } });
    }
    for (const b of all) asks.push({ bdfs: [b], opts: {} }, { bdfs: [b], opts: { driver: 'mlx5_vfio_pci', force: true } });
    for (const { bdfs, opts } of asks) {
      const r = makePlan(view, bdfs, opts);
      assert.deepEqual(planRefusals(view, bdfs, opts), r.ok ? [] : r.refusals, `${file}: ${bdfs.join(' ')} ${JSON.stringify(opts)}`);
      asked++;
      if (!r.ok) refused++;
    }
  }
  assert.ok(refused > 50 && refused < asked, `both answers are covered (${refused} of ${asked} refused)`);
});
