import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCapture, readCaptureFile } from './read-capture.js';

const good = { format: 'sysfs-capture/1', kernel: '6.1.0', entries: { 'a/b': 'x\n' }, future: 1 };

function why(r: { ok: boolean; why?: string }): string {
  assert.equal(r.ok, false);
  return r.why ?? '';
}

test('a good capture parses and keeps unknown top-level fields aside', () => {
  const r = parseCapture(JSON.stringify(good), 'g.json');
  assert.ok(r.ok);
  assert.equal(r.value.kernel, '6.1.0');
  assert.deepEqual(r.value.cmdline, []);
  assert.deepEqual(r.value.extra, { future: 1 });
});

test('malformed captures are rejected with the file and the entry named', () => {
  assert.match(why(parseCapture('{"format": ', 'broken.json')), /broken\.json: not valid JSON/);
  assert.match(why(parseCapture(JSON.stringify({ ...good, format: 'sysfs-capture/2' }), 'f.json')), /f\.json: "format" must be "sysfs-capture\/1", got "sysfs-capture\/2"/);
  assert.match(why(parseCapture(JSON.stringify({ format: 'sysfs-capture/1', entries: {} }), 'k.json')), /k\.json: missing "kernel"/);
  assert.match(why(parseCapture(JSON.stringify({ ...good, entries: { 'x/config': { hex: 'zz' } } }), 'h.json')), /h\.json: entry "x\/config": "hex"/);
  assert.match(why(parseCapture(JSON.stringify({ ...good, entries: { 'x/y': 42 } }), 'n.json')), /entry "x\/y": value must be/);
  assert.match(why(parseCapture(JSON.stringify({ ...good, entries: { 'x/../y': 'a' } }), 'd.json')), /entry "x\/\.\.\/y"/);
  assert.match(why(parseCapture(JSON.stringify({ ...good, entries: { 'x': { error: 'EWHAT' } } }), 'e.json')), /"error" must be an errno name/);
  assert.match(why(parseCapture(JSON.stringify({ ...good, entries: { 'x': { link: 'a', dir: true } } }), 'm.json')), /exactly one of/);
  assert.match(why(parseCapture('[1,2]', 'arr.json')), /top level must be a JSON object/);
});

test('readCaptureFile keeps the fs errno', () => {
  const r = readCaptureFile('/nonexistent/dir/capture.json');
  assert.equal(r.ok ? 'ok' : r.errno, 'ENOENT');
  const d = readCaptureFile('/tmp');
  assert.equal(d.ok ? 'ok' : d.errno, 'EISDIR');
});

test('a top-level "__proto__" member is kept as data: nothing in extra is inherited from it (both readers)', async () => {
  const text = '{"format":"sysfs-capture/1","kernel":"6.1.0","entries":{"a/b":"x\\n"},"__proto__":{"evidence":{"forged":true},"note":"forged"}}';
  const check = (extra: Readonly<Record<string, unknown>> | undefined): void => {
    assert.ok(extra);
    assert.equal(extra['evidence'], undefined);
    assert.equal(extra['note'], undefined);
    assert.deepEqual(Object.keys(extra), ['__proto__']);
    assert.equal(Object.getPrototypeOf(extra), Object.prototype);
  };
  const r = parseCapture(text, 'p.json');
  assert.ok(r.ok);
  check(r.value.extra);
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'capture-proto-'));
  try {
    writeFileSync(join(dir, 'p.json'), text);
    const f = readCaptureFile(join(dir, 'p.json'));
    assert.ok(f.ok);
    check(f.value.extra);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
