import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDir } from '../testing/shared.js';
import { run, schemaErrors } from './testing/cli.js';

const dir = join(sharedDir(), 'conformance');

test('dmaown conform replays the shared traces and ends with "N passed, 0 failed"', async () => {
  const r = await run(['conform', dir]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^PASS .*5\.10\/S1\.json — 5\.10\.0-46-amd64, 24 steps$/m);
  assert.match(r.out, /^\d+ passed, 0 failed$/m);
});

test('dmaown conform --json validates against dmaown-conform/1', async () => {
  const r = await run(['conform', join(dir, '6.1', 'S1.json'), '--json']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { schema: string; passed: number; failed: number; traces: { steps: { actual: string }[] }[] };
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.failed, 0);
  assert.equal(doc.passed, 24);
  assert.ok(doc.traces[0]!.steps.some((s) => s.actual === 'EPERM'), 'SET_CONTAINER answers EPERM on 6.1');
});

test('a step the model gets wrong is reported with both answers and the model path; exit 1', async () => {
  const t = JSON.parse(readFileSync(join(dir, '6.1', 'S1.json'), 'utf8')) as { steps: { request?: string; result: string }[] };
  const step = t.steps.find((s) => s.request === 'VFIO_GROUP_SET_CONTAINER')!;
  step.result = 'ok'; // pretend the kernel had accepted it
  const tmp = mkdtempSync(join(tmpdir(), 'dmaown-conform-'));
  writeFileSync(join(tmp, 'edited.json'), JSON.stringify(t));
  const r = await run(['conform', join(tmp, 'edited.json')]);
  assert.equal(r.code, 1);
  assert.match(r.out, /FAIL .*edited\.json/);
  assert.match(r.out, /kernel answered ok, model answered EPERM/);
  assert.match(r.out, /iommu_group_claim_dma_owner/);
  assert.match(r.out, /^23 passed, 1 failed$/m);
});

test('an unreadable trace is an input error naming the file; exit 2', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'dmaown-conform-'));
  writeFileSync(join(tmp, 'bad.json'), '{"format":"dmaown-trace/1","kernel":"6.1.0"}');
  const r = await run(['conform', join(tmp, 'bad.json')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /bad\.json: field "host"/);
});
