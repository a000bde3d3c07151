import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectHost } from './inspect.js';
import { makePlan, type Plan } from './plan.js';
import { applyPlan } from './apply.js';
import { restoreJournal } from './restore.js';
import { memorySink, parseJournal, type JournalEntry, type JournalHeader } from './journal.js';
import { faultyPort } from './testing/faulty-port.js';
import { createKernel } from '../model/index.js';
import { currentDriver, currentOverride, type AssignPort } from './actions.js';
import { captureHost, fixtureNames, sharedHost } from './testing/hosts.js';
import { join } from 'node:path';
import { samplesDir } from './source.js';
import type { HostDescription } from '../model/host-description.js';
import { planPersistence } from './persist.js';
import { memoryFilePort } from '../host/file-port.js';

const hostFile = 'amd-x570-rtx2060s-5.15.json';
const gpuGroup = { allowGroupMembers: ['0000:09:00.1', '0000:09:00.2', '0000:09:00.3'] };

function gpuPlan(host: HostDescription): Plan {
  const r = makePlan(inspectHost({ host, names: fixtureNames() }), ['0000:09:00.0'], gpuGroup);
  assert.ok(r.ok);
  return r.plan;
}

/** Driver and driver_override of every PCI device, and whether vfio-pci is registered, read through the port. */
function snapshot(port: AssignPort, host: HostDescription): Record<string, string> {
  return {
    ...Object.fromEntries(host.pci.map((d) => {
      const drv = currentDriver(port, d.bdf), ovr = currentOverride(port, d.bdf);
      return [d.bdf, `${drv.ok ? drv.value : drv.errno} ${ovr.ok ? ovr.value : ovr.errno}`];
    })),
    'vfio-pci': port.list('/sys/bus/pci/drivers/vfio-pci').ok ? 'registered' : 'absent',
  };
}

/**
 * The model's simulated kernel of the host's release, behind the same port a live host uses. The X570
 * capture was taken without vfio-pci loaded: its plans start with `modprobe vfio-pci` (loadModule).
 */
function modelPort(host: HostDescription): AssignPort {
  return createKernel(host);
}

/** The desktop sample (6.8, vfio-pci loaded): the model can really bind vfio-pci there. */
const sampleHost = (): HostDescription => captureHost(join(samplesDir(), 'desktop-gpu.json'));
const sampleMembers = { allowGroupMembers: ['0000:01:00.1', '0000:01:00.2', '0000:01:00.3'] };

const opts = (sink: ReturnType<typeof memorySink>) => ({ sink, id: 't', created: '2024-01-01T00:00:00Z' });
const journalOf = (sink: ReturnType<typeof memorySink>) => {
  const j = parseJournal(sink.lines.map((l) => JSON.stringify(l)).join('\n'));
  assert.ok(j.ok);
  return j.value;
};

test('apply hands the whole GPU group to vfio-pci and restore gives it back', () => {
  const host = sharedHost(hostFile), port = modelPort(host), before = snapshot(port, host);
  const plan = gpuPlan(host), sink = memorySink();
  assert.deepEqual(plan.steps[0]?.action, { op: 'modprobe', driver: 'vfio-pci' }, 'vfio-pci is not loaded on the x570: the plan loads it first');
  assert.equal(before['vfio-pci'], 'absent');
  const r = applyPlan(port, plan, opts(sink));
  assert.equal(r.ok, true);
  for (const b of ['0000:09:00.0', '0000:09:00.1', '0000:09:00.2', '0000:09:00.3']) {
    assert.equal(snapshot(port, host)[b], 'vfio-pci vfio-pci');
  }
  assert.equal(snapshot(port, host)['vfio-pci'], 'registered');
  assert.equal((sink.lines.at(-1) as JournalEntry).phase, 'complete');
  const back = restoreJournal(port, journalOf(sink), null, null);
  assert.equal(back.ok, true);
  assert.deepEqual(snapshot(port, host), before);
});

test('the journal announces each action and its inverse before the action runs', () => {
  const host = sharedHost(hostFile), plan = gpuPlan(host), sink = memorySink();
  applyPlan(modelPort(host), plan, opts(sink));
  assert.equal((sink.lines[0] as JournalHeader).format, 'dmaown-journal/1');
  const body = sink.lines.slice(1) as JournalEntry[];
  for (let i = 0; i < plan.steps.length; i++) {
    assert.deepEqual(body[2 * i], { seq: i, phase: 'begin', action: plan.steps[i]!.action, inverse: plan.steps[i]!.inverse });
    assert.deepEqual(body[2 * i + 1], { seq: i, phase: 'done' });
  }
});

test('a failure injected at every write in turn: rolled back, the host ends exactly as it began', () => {
  const host = sharedHost(hostFile), plan = gpuPlan(host);
  const writes = plan.steps.filter((s) => s.action.op !== 'verify').length;
  assert.equal(plan.steps[0]?.action.op, 'modprobe');
  for (let n = 0; n < writes; n++) {
    for (const how of ['error', 'silent'] as const) {
      const port = modelPort(host), before = snapshot(port, host), sink = memorySink();
      const r = applyPlan(faultyPort(port, n, how), plan, opts(sink));
      assert.equal(r.ok, false, `write ${n} ${how}`);
      assert.notEqual(r.failedAt, null);
      assert.equal(r.restored, true, `write ${n} ${how}: ${JSON.stringify(r.rollback)}`);
      assert.deepEqual(snapshot(port, host), before, `write ${n} ${how}`);
      assert.equal((sink.lines.at(-1) as JournalEntry).phase, 'rolled-back');
    }
  }
});

test('restore after a kill after step k (no rollback ran): the host ends exactly as it began', () => {
  const host = sharedHost(hostFile), plan = gpuPlan(host);
  for (let k = 0; k <= plan.steps.length; k++) {
    const port = modelPort(host), before = snapshot(port, host), sink = memorySink();
    const r = applyPlan(port, plan, { ...opts(sink), stopAfter: k });
    if (k < plan.steps.length) assert.equal(r.killedAfter, k);
    // A kill between "begin" and the write: the journal's last begin has no done line.
    if (k > 0 && k < plan.steps.length) sink.lines.push({ seq: k, phase: 'begin', action: plan.steps[k]!.action, inverse: plan.steps[k]!.inverse });
    const back = restoreJournal(port, journalOf(sink), null, null);
    assert.equal(back.ok, true, `k=${k}: ${back.remaining.join('; ')}`);
    assert.deepEqual(snapshot(port, host), before, `k=${k}`);
  }
});

test('a torn last journal line (killed mid-write) is ignored', () => {
  const j = parseJournal('{"format":"dmaown-journal/1","id":"x","created":"","kernel":"6.1","driver":"vfio-pci","devices":[]}\n{"seq":0,"pha');
  assert.ok(j.ok);
  assert.equal(j.value.entries.length, 0);
});

test('restore unloads vfio-pci only when dmaown loaded it and nothing is bound to it', () => {
  const host = sharedHost(hostFile), plan = gpuPlan(host), port = modelPort(host), sink = memorySink();
  assert.equal(applyPlan(port, plan, opts(sink)).ok, true);
  // another device is put on vfio-pci by someone else after the apply: restore must leave the module loaded
  assert.ok(port.write('/sys/bus/pci/devices/0000:0b:00.0/driver_override', 'vfio-pci').ok);
  assert.ok(port.write('/sys/bus/pci/drivers_probe', '0000:0b:00.0').ok);
  const back = restoreJournal(port, journalOf(sink), null, null);
  assert.equal(back.ok, true);
  assert.equal(snapshot(port, host)['vfio-pci'], 'registered');
  assert.equal(snapshot(port, host)['0000:0b:00.0'], 'vfio-pci vfio-pci');
  assert.equal(snapshot(port, host)['0000:09:00.0'], 'nvidia null');
});

test('apply refuses to act when the host changed since the plan (unbind precondition)', () => {
  const host = sharedHost(hostFile), plan = gpuPlan(host), port = modelPort(host);
  assert.ok(port.write('/sys/bus/pci/drivers/snd_hda_intel/unbind', '0000:09:00.1').ok);
  const before = snapshot(port, host);
  const r = applyPlan(port, plan, opts(memorySink()));
  assert.equal(r.ok, false);
  assert.equal(r.failure?.errno, 'verify');
  assert.deepEqual(snapshot(port, host), before);
});

test('--persist=driverctl writes the override files after success; restore puts back the one that existed and removes the rest', () => {
  const host = sharedHost(hostFile), port = modelPort(host), plan = gpuPlan(host), sink = memorySink();
  const files = memoryFilePort({ '/etc/driverctl.d/pci-0000:09:00.1': 'snd_hda_intel\n' });
  const p = planPersistence({ method: 'driverctl', driver: plan.driver, devices: plan.devices, host, critical: () => [], files });
  assert.ok(p.ok);
  const r = applyPlan(port, plan, { ...opts(sink), persist: { files, changes: p.value.changes } });
  assert.equal(r.ok, true);
  assert.equal(new TextDecoder().decode(files.files.get('/etc/driverctl.d/pci-0000:09:00.0')), 'vfio-pci\n');
  assert.equal(r.persisted.length, 4);
  assert.equal(restoreJournal(port, journalOf(sink), null, files).ok, true);
  assert.deepEqual([...files.files].map(([k, v]) => [k, new TextDecoder().decode(v)]), [['/etc/driverctl.d/pci-0000:09:00.1', 'snd_hda_intel\n']]);
});

{
  const planOf = (host: HostDescription): Plan => {
    const r = makePlan(inspectHost({ host, names: fixtureNames() }), ['0000:01:00.0'], sampleMembers);
    assert.ok(r.ok);
    return r.plan;
  };

  test(`desktop-gpu sample: apply then restore on desktop-gpu; the group is on vfio-pci in between`, () => {
    const host = sampleHost(), port = modelPort(host), before = snapshot(port, host), sink = memorySink();
    const r = applyPlan(port, planOf(host), opts(sink));
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    assert.equal(snapshot(port, host)['0000:01:00.1'], 'vfio-pci vfio-pci');
    assert.equal(restoreJournal(port, journalOf(sink), null, null).ok, true);
    assert.deepEqual(snapshot(port, host), before);
  });

  test(`desktop-gpu sample: a failure at every write in turn (error, or silent success) rolls back to exactly the start`, () => {
    const host = sampleHost(), plan = planOf(host);
    const writes = plan.steps.filter((s) => s.action.op !== 'verify').length;
    for (let n = 0; n < writes; n++) {
      for (const how of ['error', 'silent'] as const) {
        const port = modelPort(host), before = snapshot(port, host);
        const r = applyPlan(faultyPort(port, n, how), plan, opts(memorySink()));
        assert.equal(r.ok, false, `write ${n} ${how}`);
        assert.equal(r.restored, true, `write ${n} ${how}`);
        assert.deepEqual(snapshot(port, host), before, `write ${n} ${how}`);
      }
    }
  });

  test(`desktop-gpu sample: killed after step k without rollback, restore from the journal gives the start back`, () => {
    const host = sampleHost(), plan = planOf(host);
    for (let k = 0; k <= plan.steps.length; k++) {
      const port = modelPort(host), before = snapshot(port, host), sink = memorySink();
      applyPlan(port, plan, { ...opts(sink), stopAfter: k });
      const back = restoreJournal(port, journalOf(sink), null, null);
      assert.equal(back.ok, true, `k=${k}: ${back.remaining.join('; ')}`);
      assert.deepEqual(snapshot(port, host), before, `k=${k}`);
    }
  });
}
