import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { inspectHost } from './inspect.js';
import { makePlan } from './plan.js';
import { applyPlan } from './apply.js';
import { restoreJournal } from './restore.js';
import { fileSink, parseJournal } from './journal.js';
import { currentDriver, currentOverride, type AssignPort } from './actions.js';
import { captureHost, fixtureNames } from './testing/hosts.js';
import { samplesDir } from './source.js';
import { createKernel } from '../model/index.js';
import { memoryStatePort } from '../host/state-port.js';
import { memoryFilePort } from '../host/file-port.js';
import type { HostDescription } from '../model/host-description.js';

/** desktop-gpu (6.8, vfio-pci loaded): the GPU group's plan, whose steps the model really performs. */
const host = (): HostDescription => captureHost(join(samplesDir(), 'desktop-gpu.json'));
function plan(h: HostDescription) {
  const r = makePlan(inspectHost({ host: h, names: fixtureNames() }), ['0000:01:00.0'], { allowGroupMembers: ['0000:01:00.1', '0000:01:00.2', '0000:01:00.3'] });
  assert.ok(r.ok);
  return r.plan;
}
const state = (port: AssignPort, h: HostDescription): string[] => h.pci.map((d) => {
  const drv = currentDriver(port, d.bdf), ovr = currentOverride(port, d.bdf);
  return `${d.bdf} ${drv.ok ? drv.value : drv.errno} ${ovr.ok ? ovr.value : ovr.errno}`;
});
const J = '(memory)/journals/j.jsonl';

test('a journal that cannot be written stops apply before the step it would announce; the host is rolled back', () => {
  const h = host(), p = plan(h);
  // Line 0 is the header; then begin/done per step; then complete.
  const lines = 1 + 2 * p.steps.length + 1;
  for (let n = 0; n < lines; n++) {
    const k = createKernel(h), before = state(k, h);
    const store = memoryStatePort({ append: { [J]: { errno: 'ENOSPC', fromLine: n } } });
    const r = applyPlan(k, p, { sink: fileSink(store, J, { create: true }), id: 't', created: '2026-01-01T00:00:00Z' });
    assert.equal(r.ok, false, `line ${n}`);
    assert.equal(r.failure?.errno, 'ENOSPC');
    assert.match(r.failure?.why ?? '', /the journal could not be written .*ENOSPC.*no step runs that the journal does not record/);
    // Every step that ran has its begin line on disk, and the devices are as they were.
    const written = (store.files.get(J) ?? '').split('\n').filter((l) => l !== '');
    assert.equal(written.length, n, `line ${n}: exactly the lines before the failure are on disk`);
    const begun = written.slice(1).map((l) => JSON.parse(l) as { phase: string; seq?: number }).filter((e) => e.phase === 'begin').length;
    assert.ok(r.steps.length <= begun, `line ${n}: ${r.steps.length} steps ran, ${begun} journaled`);
    assert.equal(r.restored, true, `line ${n}`);
    assert.deepEqual(state(k, h), before, `line ${n}: host back as it was`);
  }
});

test('a persistence file is never written when its journal line (its previous bytes) could not be written', () => {
  const h = host(), p = plan(h), k = createKernel(h);
  const path = '/etc/driverctl.d/pci-0000:01:00.0';
  const files = memoryFilePort({ [path]: 'i915\n' });
  const lines = 1 + 2 * p.steps.length;
  const store = memoryStatePort({ append: { [J]: { errno: 'EIO', fromLine: lines } } });
  const r = applyPlan(k, p, { sink: fileSink(store, J, { create: true }), id: 't', created: '', persist: { files, changes: [{ path, before: Buffer.from('i915\n').toString('base64'), after: 'vfio-pci\n' }] } });
  assert.equal(r.ok, false);
  assert.equal(new TextDecoder().decode(files.files.get(path)), 'i915\n', 'the file keeps its content');
  assert.match(r.files[0]?.why ?? '', /not written: the journal could not record its previous content/);
});

test('restore reports a journal it could not mark restored (a new apply stays blocked, restore can run again)', () => {
  const h = host(), p = plan(h), k = createKernel(h), before = state(k, h);
  const store = memoryStatePort();
  assert.equal(applyPlan(k, p, { sink: fileSink(store, J, { create: true }), id: 't', created: '' }).ok, true);
  const j = parseJournal(store.files.get(J) ?? '');
  assert.ok(j.ok);
  const broken = memoryStatePort({ append: { [J]: { errno: 'EROFS', fromLine: 0 } } });
  broken.files.set(J, store.files.get(J) ?? '');
  const back = restoreJournal(k, j.value, fileSink(broken, J), null);
  assert.deepEqual(state(k, h), before, 'the devices are back');
  assert.equal(back.ok, false);
  assert.match(back.remaining.join(), /journal: the outcome could not be recorded \(EROFS/);
});
