import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkDevices } from './check.js';
import { groupStatus } from './group-state.js';
import { hostModel } from './host-model.js';
import { inspectHost } from './inspect.js';
import { makePlan } from './plan.js';
import { simulatePlan } from './simulate.js';
import { samplesDir } from './source.js';
import { captureHost, fixtureNames } from './testing/hosts.js';
import { repoDir, sharedDir } from '../testing/shared.js';

/**
 * One verdict (#10): for every endpoint function of every shared real-host capture and every sample,
 * `check` and `plan` agree, and both agree with the simulated kernel:
 * - check says ready / needs-rebind / needs-group-members → the plan for that device (with the
 *   consent check names) is not refused and simulates to a viable group;
 * - check says refused → the plan refuses too, and when the refusal names a kernel blocker (a bridge on
 *   a DMA driver, a failed simulation) the simulation of the plan made anyway leaves that blocker;
 * - the members check asks consent for are exactly the blockers the simulation leaves when only the
 *   device itself is moved;
 * - status's group state agrees with check's verdict.
 */
const hosts = [
  ...readdirSync(join(sharedDir(), 'hosts')).filter((f) => f.endsWith('.json')).map((f) => join(sharedDir(), 'hosts', f)),
  ...readdirSync(samplesDir()).filter((f) => f.endsWith('.json')).map((f) => join(samplesDir(), f)),
  // The repository's own captures: the arm64 + SMMUv3 guests of scripts/record (issue 20).
  ...readdirSync(join(repoDir(), 'fixtures', 'hosts')).filter((f) => f.endsWith('.json')).map((f) => join(repoDir(), 'fixtures', 'hosts', f)),
];

for (const file of hosts) {
  test(`check, plan and the simulated kernel agree on every endpoint of ${file.split('/').pop()}`, async () => {
    const host = captureHost(file);
    const model = hostModel(host);
    assert.ok(model.ok);
    const view = inspectHost({ host, names: fixtureNames(), model: model.value });
    let endpoints = 0;
    for (const g of view.groups) {
      const state = groupStatus(view, g).state;
      for (const d of g.devices.filter((x) => x.infrastructure === null)) {
        endpoints++;
        const at = `${d.bdf} (group ${g.id}, ${d.driver ?? 'unbound'})`;
        const c = (await checkDevices(view, host, [d.bdf])).groups[0];
        assert.ok(c, at);
        const consent = { allowGroupMembers: c.consent };
        const p = makePlan(view, [d.bdf], consent);
        if (c.verdict === 'refused') {
          assert.ok(c.refusals.length > 0, `${at}: refused without a reason`);
          const simulationRefusal = c.refusals.every((r) => r.code === 'simulation');
          // On these real hosts no plan dmaown makes may fail its own simulation (it did when vfio-pci was
          // not loaded and no step loaded it): a simulation refusal here is a bug of the plan.
          assert.ok(!simulationRefusal, `${at}: the plan fails its own simulation: ${c.refusals.map((r) => r.why).join('; ')}`);
          {
            assert.ok(!p.ok, `${at}: check refused (${c.refusals.map((r) => r.code).join(', ')}) but plan did not`);
            assert.deepEqual(new Set(p.refusals.map((r) => r.code)), new Set(c.refusals.map((r) => r.code)), at);
          }
          for (const r of c.refusals.filter((x) => x.code === 'blocking-bridge')) {
            const all = makePlan(view, [d.bdf], { allowGroupMembers: g.devices.map((x) => x.bdf) });
            const partial = all.ok ? all.plan : all.partial;
            assert.ok(partial);
            const sim = await simulatePlan(host, partial);
            assert.ok(sim.groups.some((sg) => sg.blockers.some((b) => b.startsWith(r.bdf))), `${at}: the simulation keeps ${r.bdf} as a blocker`);
          }
          assert.notEqual(state, 'ready', at);
          continue;
        }
        assert.ok(p.ok, `${at}: check said ${c.verdict} but plan refuses: ${p.ok ? '' : p.refusals.map((r) => r.why).join('; ')}`);
        const sim = await simulatePlan(host, p.plan);
        assert.ok(sim.ok, `${at}: check said ${c.verdict} but the plan's simulation fails: ${sim.failedStep?.failure.why ?? sim.groups.map((x) => x.blockers.join(',')).join(';')}`);
        assert.ok(sim.groups.every((sg) => sg.viable), at);
        if (c.verdict === 'ready') {
          assert.equal(p.plan.steps.length, 0, `${at}: ready means no step`);
          assert.equal(state, 'ready', at);
        }
        if (c.verdict === 'needs-group-members') {
          // moving only the device itself leaves exactly the members check asked consent for
          const alone = makePlan(view, [d.bdf]);
          assert.ok(!alone.ok && alone.partial, at);
          const left = await simulatePlan(host, alone.partial);
          const blockers = new Set(left.groups.flatMap((sg) => sg.blockers.map((b) => b.split(' ')[0])));
          assert.deepEqual(blockers, new Set(c.consent), `${at}: the simulation's blockers are the consent list`);
          assert.ok(state === 'needs-rebind' || state === 'refused', at);
        }
        if (c.verdict === 'needs-rebind' && g.assignable) assert.ok(state === 'free' || state === 'ready', at);
      }
    }
    assert.ok(endpoints > 0, 'the host has endpoint functions');
  });
}
