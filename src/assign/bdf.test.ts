import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBdf, parseBdfs } from './bdf.js';

test('short and full BDFs normalise to the kernel name', () => {
  assert.deepEqual(parseBdf('01:00.0'), { ok: true, value: '0000:01:00.0' });
  assert.deepEqual(parseBdf('0000:0A:00.1'), { ok: true, value: '0000:0a:00.1' });
  assert.deepEqual(parseBdfs(['01:00.0', '0000:01:00.0']), { ok: true, value: ['0000:01:00.0'] });
});

test('anything else is EINVAL', () => {
  const r = parseBdf('01:00');
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.errno, 'EINVAL');
  assert.equal(parseBdf('01:00.8').ok, false);
});
