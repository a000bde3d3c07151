import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBdf } from './dma-alias.js';

/** The regular expression parseBdf() replaced: the reference it must agree with on every string. */
const BDF = /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$/;
function reference(bdf: string): ReturnType<typeof parseBdf> {
  const m = BDF.exec(bdf);
  if (!m) return null;
  const slot = parseInt(m[3] as string, 16), fn = parseInt(m[4] as string, 10);
  return { domain: parseInt(m[1] as string, 16), bus: parseInt(m[2] as string, 16), slot, fn, devfn: (slot << 3) | fn };
}

test('parseBdf reads BDFs as the kernel names them, VMD domains included', () => {
  assert.deepEqual(parseBdf('0000:01:00.1'), { domain: 0, bus: 1, slot: 0, fn: 1, devfn: 1 });
  assert.deepEqual(parseBdf('10000:e1:1f.7'), { domain: 0x10000, bus: 0xe1, slot: 0x1f, fn: 7, devfn: 0xff });
  assert.deepEqual(parseBdf('ffffffff:ff:1f.7'), { domain: 0xffffffff, bus: 0xff, slot: 0x1f, fn: 7, devfn: 0xff });
  for (const bad of ['', '01:00.0', '0000:01:00.8', '0000:01:20.0', '0000:0G:00.0', '0000:01:00.0 ', ' 0000:01:00.0', '0000:01:00:0',
    '0000:01.00.0', '000:01:00.0', '123456789:01:00.0', '0000:01:00.', '0000:A1:00.0', '0000:01:2f.0', '0000:01:00.-']) {
    assert.equal(parseBdf(bad), null, bad);
  }
});

test('parseBdf agrees with the regular expression on every string of a large random sample', () => {
  // Deterministic: a linear congruential generator over characters a BDF is made of, and some it is not.
  const chars = '0123456789abcdefABCDEFgx:.:.: -/\u00e9';
  let seed = 12345;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  let valid = 0;
  for (let i = 0; i < 200_000; i++) {
    let s: string;
    if (i % 2 === 0) {
      // Near-valid: a valid BDF with one character replaced, inserted or deleted.
      const hex = (w: number): string => Array.from({ length: w }, () => '0123456789abcdef'[rnd(16)]).join('');
      s = `${hex(4 + rnd(5))}:${hex(2)}:${rnd(2)}${hex(1)}.${rnd(8)}`;
      const at = rnd(s.length + 1), op = rnd(4);
      if (op === 1) s = s.slice(0, at) + chars[rnd(chars.length)] + s.slice(at + 1);
      else if (op === 2) s = s.slice(0, at) + chars[rnd(chars.length)] + s.slice(at);
      else if (op === 3) s = s.slice(0, at) + s.slice(at + 1);
    } else {
      s = Array.from({ length: 8 + rnd(12) }, () => chars[rnd(chars.length)]).join('');
    }
    const want = reference(s);
    if (want !== null) valid++;
    assert.deepEqual(parseBdf(s), want, JSON.stringify(s));
  }
  assert.ok(valid > 50_000, `the sample holds valid BDFs too (${valid})`);
});
