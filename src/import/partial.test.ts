import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPartial } from './partial.js';

const good = { tool: 'dmaown import', sources: [{ file: 'a.txt', formats: ['lspci'] }], groups: 'known', kernel: 'unknown', host: {}, facts: { '0000:01:00.0': { ids: 'a.txt:1 (lspci)' } }, unknown: { '0000:01:00.0': ['driver', 'config'] }, notes: [], warnings: [] };

test('readPartial: a valid section gives the unknown facts per BDF; absent is null', () => {
  const r = readPartial(good, 'c.json');
  assert.ok(r.ok && r.value !== null);
  assert.deepEqual([...r.value.unknownDriver], ['0000:01:00.0']);
  assert.deepEqual([...r.value.unknownGroup], []);
  const none = readPartial(undefined, 'c.json');
  assert.ok(none.ok && none.value === null);
});

test('readPartial: hostile sections are EINVAL naming the file and the field', () => {
  const cases: [unknown, RegExp][] = [
    ['yes', /c\.json: "partial"\. must be an object/],
    [{ ...good, groups: 'some' }, /"partial"\.groups must be "known", "none" or "unknown"/],
    [{ ...good, unknown: { '0000:01:00.0': ['driver', 'soul'] } }, /unknown\["0000:01:00\.0"\]: unknown fact "soul"/],
    [{ ...good, facts: { x: { ids: 3 } } }, /"partial"\.facts must map BDFs/],
    [{ ...good, missingGroups: [1, -2] }, /missingGroups must be a list of group numbers/],
    [{ ...good, sources: [{ file: 1 }] }, /sources must be a list of \{file, formats\}/],
  ];
  for (const [v, re] of cases) {
    const r = readPartial(v, 'c.json');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.why, re);
    assert.equal(r.ok ? '' : r.errno, 'EINVAL');
  }
});
