import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, schemaErrors } from './testing/cli.js';

test('dmaown demo: the same syscalls end in oops on 5.10 and in EBUSY with the reason on 6.1', async () => {
  const r = await run(['demo']);
  assert.equal(r.code, 0, r.err);
  const [l510, l61] = r.out.split('# kernel 6.1.0-56-amd64');
  assert.match(l510 ?? '', /e1000\/bind {2}→ oops/);
  assert.match(l510 ?? '', /vfio_iommu_group_notifier/);
  assert.match(l61 ?? '', /e1000\/bind {2}→ EBUSY/);
  assert.match(l61 ?? '', /group 1 owned by vfio_group 1/);
  assert.match(l61 ?? '', /iommu_device_use_default_domain/);
});

test('dmaown demo --json is schema-valid; --kernel picks the releases; a bad release is exit 2', async () => {
  const r = await run(['demo', '--json', '--kernel', '5.19.0-1-amd64']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { schema: string; stories: { kernel: string; ending: string }[] };
  assert.equal(schemaErrors(doc), null);
  assert.deepEqual(doc.stories.map((s) => [s.kernel, s.ending]), [['5.19.0-1-amd64', 'EBUSY']]);
  const bad = await run(['demo', '--kernel', 'not-a-kernel']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /not-a-kernel/);
});
