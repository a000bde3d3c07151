import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCaptureJson } from './capture-json.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const same = (text: string): void => {
  const r = parseCaptureJson(enc(text), 't.json');
  assert.ok(r.ok, r.ok ? '' : r.why);
  assert.deepEqual(JSON.parse(JSON.stringify(r.value)), JSON.parse(text));
  assert.deepEqual(Object.keys(r.value as object), Object.keys(JSON.parse(text) as object));
};

test('piecewise parse gives what JSON.parse gives: escapes, nesting, order, duplicates, __proto__', () => {
  same('{"format":"sysfs-capture/1","kernel":"6.1.0","cmdline":["a","b"],"entries":{}}');
  same(' \n{ "entries" : { "a/b" : "x\\n\\"}\\\\" , "c\\"d/e":{"hex":"00ff"}, "f":{"link":"../g"},"h":{"dir":true},'
    + '"a/b":"second wins","__proto__":"own","10":"int keys first"} , "extra":{"n":[1,{"x":"]}"}],"m":null},"t":true,"k":-1.5e3}\n');
  same('{"entries":[1,2],"e2":"entries is not an object here"}');
  const r = parseCaptureJson(enc('{"entries":{"__proto__":{"link":"x"}}}'), 't.json');
  assert.ok(r.ok);
  const entries = (r.value as { entries: object }).entries;
  assert.deepEqual(Object.keys(entries), ['__proto__']);
  assert.equal(Object.getPrototypeOf(entries), null); // entries is a bare dictionary
  assert.equal(Object.getPrototypeOf((r.value as object)), Object.prototype);
});

test('malformed JSON is EINVAL with the file named and JSON.parse\'s message', () => {
  for (const t of ['{"format": ', '{"entries":{"a":"b",}}', '{"entries":{"a" "b"}}', '{"a":1} x', '{"entries":{"a":tru}}', '\ufeff{}', '']) {
    const r = parseCaptureJson(enc(t), 'bad.json');
    assert.equal(r.ok, false, t);
    if (r.ok) continue;
    assert.equal(r.errno, 'EINVAL');
    let msg = '';
    try { JSON.parse(t); } catch (e) { msg = (e as Error).message; }
    assert.equal(r.why, `bad.json: not valid JSON (${msg})`);
  }
});

test('a non-object top level is handed on as JSON.parse reads it (the validator rejects it)', () => {
  const r = parseCaptureJson(enc('[1,2]'), 'arr.json');
  assert.deepEqual(r, { ok: true, value: [1, 2] });
});
