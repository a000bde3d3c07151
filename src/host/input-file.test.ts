import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInputFile, readInputText } from './input-file.js';
import { depthExceededAt, parseJsonInput } from './json-depth.js';
import { escapeControls, shown } from './shown.js';

test('readInputFile: a regular file within the limit; a FIFO, /dev/zero, a directory, a link (noFollow), an oversized or foreign-writable file refused', () => {
  const d = mkdtempSync(join(tmpdir(), 'dmaown-input-'));
  try {
    writeFileSync(join(d, 'ok'), 'hello');
    assert.deepEqual(readInputText(join(d, 'ok'), { what: 'plan file', maxBytes: 10 }), { ok: true, value: 'hello' });
    const big = readInputFile(join(d, 'ok'), { what: 'plan file', maxBytes: 4 });
    assert.ok(!big.ok && big.errno === 'EOVERFLOW' && /is 5 bytes, more than the 4 a plan file may have/.test(big.why));
    assert.equal(spawnSync('mkfifo', [join(d, 'fifo')]).status, 0);
    const t0 = Date.now();
    const fifo = readInputFile(join(d, 'fifo'), { what: 'trace', maxBytes: 10 });
    assert.ok(!fifo.ok && fifo.errno === 'EINVAL' && /trace ".*fifo" is not a regular file \(a FIFO\)/.test(fifo.why) && Date.now() - t0 < 2000);
    const zero = readInputFile('/dev/zero', { what: 'capture', maxBytes: 10 });
    assert.ok(!zero.ok && /\(a character device\)/.test(zero.why));
    const dir = readInputFile(d, { what: 'capture', maxBytes: 10 });
    assert.ok(!dir.ok && dir.errno === 'EISDIR');
    symlinkSync(join(d, 'ok'), join(d, 'link'));
    assert.ok(readInputFile(join(d, 'link'), { what: 'journal', maxBytes: 10 }).ok, 'links are followed unless noFollow');
    const nf = readInputFile(join(d, 'link'), { what: 'journal', maxBytes: 10, noFollow: true });
    assert.ok(!nf.ok && nf.errno === 'ELOOP' && /is a symbolic link \(refused\)/.test(nf.why));
    chmodSync(join(d, 'ok'), 0o646);
    const ww = readInputFile(join(d, 'ok'), { what: 'journal', maxBytes: 10, trusted: true });
    assert.ok(!ww.ok && ww.errno === 'EPERM' && /writable by everyone \(mode 646\)/.test(ww.why));
    const missing = readInputFile(join(d, 'none'), { what: 'journal', maxBytes: 10 });
    assert.ok(!missing.ok && missing.errno === 'ENOENT' && /does not exist/.test(missing.why));
  } finally { rmSync(d, { recursive: true, force: true }); }
});

test('JSON depth: refused past the limit before parsing, strings with brackets do not count', () => {
  assert.equal(depthExceededAt('[[[]]]', 3), -1);
  assert.equal(depthExceededAt('[[[[]]]]', 3), 3);
  assert.equal(depthExceededAt('{"a":"[[[[[[[[["}', 2), -1);
  assert.equal(depthExceededAt('{"a":"\\"[[[["}', 2), -1);
  const deep = parseJsonInput(`${'['.repeat(5000)}${']'.repeat(5000)}`, 'x.json');
  assert.ok(!deep.ok && /x\.json: JSON nested deeper than 64 levels \(at byte 64\)/.test(deep.why));
  const bad = parseJsonInput('{\u001b[2J', 'y.json');
  assert.ok(!bad.ok && /y\.json: not valid JSON/.test(bad.why) && !bad.why.includes('\u001b'));
  assert.deepEqual(parseJsonInput('{"__proto__":{"x":1}}', 'z'), { ok: true, value: JSON.parse('{"__proto__":{"x":1}}') as unknown });
  assert.equal(({} as Record<string, unknown>)['x'], undefined);
});

test('shown: quoted, control characters escaped, cut with the length', () => {
  assert.equal(shown('vfio-pci'), '"vfio-pci"');
  assert.equal(shown('a\u001b[31mb\u0007'), '"a\\u001b[31mb\\u0007"');
  assert.equal(shown('x'.repeat(200), 10), '"xxxxxxxxxx…" (200 characters)');
  assert.equal(shown({ a: 1 }), '{"a":1}');
  assert.match(shown(['y'.repeat(10_000_000)], 20), /^\["y+… \(10000004 characters\)$/);
  assert.equal(shown('\u009b2J'), '"\\u009b2J"');
  assert.equal(escapeControls('a\tb\nc\rd'), 'a\tb\nc\\u000dd');
});
