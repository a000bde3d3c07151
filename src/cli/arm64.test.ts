import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoDir } from '../testing/shared.js';
import { run, schemaErrors } from './testing/cli.js';

/** Issue 20 end to end, as a user runs it on the arm64 + SMMUv3 guests' captures (fixtures/hosts). */
const cap = (v: string): string => join(repoDir(), 'fixtures', 'hosts', `qemu-virt-smmuv3-${v}.json`);

for (const v of ['6.1', '6.12']) {
  test(`status --json on the arm64 ${v} capture: schema-valid; group 0 refused for 02:02.0 outside it; the ungrouped say why`, async () => {
    const r = await run(['status', '--capture', cap(v), '--json']);
    const doc = JSON.parse(r.out) as { schema: string; groups: { id: number; state: string; refusals: { code: string; bdf: string }[] }[]; ungrouped: { bdf: string; noGroup?: { why: string } }[] };
    assert.equal(schemaErrors(doc), null);
    const g0 = doc.groups.find((g) => g.id === 0);
    assert.equal(g0?.state, 'refused');
    assert.ok(g0?.refusals.some((x) => x.code === 'dma-alias-outside-group' && x.bdf === '0000:02:02.0'));
    assert.deepEqual(doc.ungrouped.map((d) => d.bdf), ['0000:00:00.0', '0000:02:02.0']);
    assert.ok(doc.ungrouped.every((d) => d.noGroup !== undefined));
  });

  test(`check 02:01.0 --json on the arm64 ${v} capture: schema-valid refusal with the diagnosis; exit 1`, async () => {
    const r = await run(['check', '02:01.0', '--capture', cap(v), '--json']);
    assert.equal(r.code, 1, r.err);
    const doc = JSON.parse(r.out) as { schema: string; ok: boolean; groups: { verdict: string; refusals: { code: string; diagnosis?: { code: string; evidence: string[] } }[] }[] };
    assert.equal(schemaErrors(doc), null);
    assert.equal(doc.ok, false);
    const alias = doc.groups[0]?.refusals.find((x) => x.code === 'dma-alias-outside-group');
    assert.equal(alias?.diagnosis?.code, 'dma-alias-outside-group');
    assert.ok(alias?.diagnosis?.evidence.some((e) => /stream 512 already in tree from dev 0000:02:01\.0/.test(e)));
    const plan = await run(['plan', '02:01.0', '--capture', cap(v), '--json']);
    const p = JSON.parse(plan.out) as { schema: string };
    assert.equal(schemaErrors(p), null);
    assert.notEqual(plan.code, 0);
  });
}
