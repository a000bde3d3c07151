import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeJsonText } from './json-text.js';

function pieces(v: unknown, opts: { depth?: number; chunk?: number } = {}): string[] {
  const out: string[] = [];
  writeJsonText(v, (t) => out.push(t), opts);
  return out;
}

/** Values with every case JSON.stringify treats specially, nested at every level the walk reaches. */
function corpus(): unknown[] {
  const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [1, { c: 'x' }] });
  const leaves: unknown[] = [
    null, true, false, 0, -0, 1.5, NaN, Infinity, -Infinity, '', 'a\nb"c\\\u0000\u001f\u2028\ud800', 'é😀', undefined, () => 1, Symbol('s'),
    new Date(0), { toJSON: (k: string) => `k=${k}` }, { toJSON: (k: string) => ({ key: k, list: [1, { k }] }) }, { toJSON: () => undefined }, new Number(3), new String('s'), new Boolean(false), [], {}, [[]], [{}], { a: {} },
    [undefined, () => 1, Symbol('x')], { u: undefined, f: () => 1, s: Symbol('y'), n: null }, nullProto, Object.assign([1, 2], { extra: 3 }),
    // eslint-disable-next-line no-sparse-arrays
    [1, , 3], { 2: 'two', 1: 'one', b: 'b', a: 'a' }, new Map([[1, 2]]), new Uint8Array([1, 2]), { nested: { deeper: [1, [2, [3, { x: [] }]]] } },
  ];
  const out: unknown[] = [...leaves];
  out.push(leaves, Object.fromEntries(leaves.map((l, i) => [`k${i}`, l])), Object.fromEntries(leaves.map((l, i) => [`"a": ${i}\n`, l])));
  out.push({ groups: leaves.map((l, i) => ({ id: i, l, list: [l, [l], { l }] })), totals: { a: 1 }, empty: [], none: {} });
  out.push([leaves, [leaves, [leaves]], { x: { y: { z: leaves } } }]);
  return out;
}

test('the text written in pieces is exactly JSON.stringify(value, null, 2) and a newline, at every walk depth and piece size', () => {
  for (const v of corpus()) {
    const want = `${JSON.stringify(v, null, 2)}\n`;
    for (const depth of [0, 1, 2, 3, 6]) {
      for (const chunk of [1, 7, 1 << 16]) assert.equal(pieces(v, { depth, chunk }).join(''), want, `${String(JSON.stringify(v))?.slice(0, 60)} depth ${depth} chunk ${chunk}`);
    }
  }
});

test('a large document is written in pieces of about the chunk size, never as one string', () => {
  const doc = { schema: 'x', groups: Array.from({ length: 5000 }, (_, i) => ({ id: i, devices: [{ bdf: `0000:00:${i}`, name: 'n'.repeat(50) }] })) };
  const p = pieces(doc, { chunk: 4096 });
  assert.equal(p.join(''), `${JSON.stringify(doc, null, 2)}\n`);
  assert.ok(p.length > 100, `${p.length} pieces`);
  assert.ok(Math.max(...p.map((s) => s.length)) < 4096 + 400, 'no piece much larger than the chunk');
});

test('a value JSON.stringify throws on throws here too', () => {
  assert.throws(() => pieces({ a: 1n }), TypeError);
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic['self'] = { inner: cyclic };
  assert.throws(() => pieces(cyclic), TypeError);
});
