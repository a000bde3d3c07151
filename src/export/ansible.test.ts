import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { run, schemaErrors } from '../cli/testing/cli.js';
import { exportHosts, noGroupsCapture } from './testing/captures.js';

const ajv = new Ajv.default({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(join(process.cwd(), 'schema', 'dmaown-facts-1.schema.json'), 'utf8')) as object);

interface Facts {
  iommu: { enabled: boolean; no_groups_cause: string | null };
  groups: Record<string, { state: string; owner: string; devices: string[]; viable: boolean }>;
  devices: Record<string, { iommu_group: number | null; ready: boolean; driver: string | null }>;
  summary: Record<string, number>;
}

test('ansible facts of every shared capture, sample and the host without groups validate against dmaown-facts/1', async () => {
  for (const h of exportHosts()) {
    const r = await run(['export', '--format', 'ansible', '--capture', h.file]);
    assert.equal(r.code, 0, `${h.name}: ${r.err}`);
    const doc = JSON.parse(r.out) as Facts;
    assert.ok(validate(doc), `${h.name}: ${ajv.errorsText(validate.errors)}`);
    // Groups and devices agree with each other.
    for (const [id, g] of Object.entries(doc.groups)) for (const b of g.devices) assert.equal(doc.devices[b]?.iommu_group, Number(id), `${h.name} ${b}`);
  }
});

test('the facts of server-sriov: ready devices, their groups viable; on a capture a group with a vfio device has owner unknown', async () => {
  const r = await run(['export', '--format', 'ansible', '--sample', 'server-sriov']);
  const doc = JSON.parse(r.out) as Facts;
  const ready = Object.entries(doc.devices).filter(([, d]) => d.ready);
  assert.equal(ready.length, 2);
  for (const [, d] of ready) {
    assert.equal(d.driver, 'vfio-pci');
    assert.equal(doc.groups[String(d.iommu_group)]?.state, 'ready');
    assert.equal(doc.groups[String(d.iommu_group)]?.owner, 'unknown');
  }
  assert.equal(doc.summary['ready'], 2);
  const ng = JSON.parse((await run(['export', '--format', 'ansible', '--capture', noGroupsCapture()])).out) as Facts;
  assert.equal(ng.iommu.enabled, false);
  assert.equal(ng.iommu.no_groups_cause, 'vm-without-viommu');
  assert.ok(Object.values(ng.devices).every((d) => d.iommu_group === null && !d.ready));
});

test('--json wraps any format in dmaown-export/1', async () => {
  const r = await run(['export', '--format', 'nfd', '--sample', 'desktop-gpu', '--json']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { schema: string; content: string; output: null };
  assert.equal(schemaErrors(doc), null);
  assert.match(doc.content, /^dmaown\.feature\.node\.kubernetes\.io\/iommu\.enabled=true$/m);
  const bad = await run(['export', '--format', 'yaml', '--sample', 'desktop-gpu']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--format yaml: choose prometheus, nfd, kubevirt, ansible/);
});
