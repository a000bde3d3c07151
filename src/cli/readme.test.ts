import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './testing/cli.js';

/**
 * The README's examples run (#10): every `$ dmaown …` line of a ```text block is run through main()
 * as a user would type it (at 100 columns, names from samples/pci.ids), and what the README shows
 * under it must be what it prints, line for line — except that a line `…` stands for any number of
 * lines left out. Trailing blanks are ignored.
 */
interface Example { readonly argv: string[]; readonly expected: string[] }

function examples(readme: string): Example[] {
  const out: Example[] = [];
  for (const block of readme.matchAll(/```text\n([\s\S]*?)```/g)) {
    let cur: Example | null = null;
    for (const line of (block[1] ?? '').split('\n')) {
      const cmd = /^\$ dmaown(.*)$/.exec(line);
      if (cmd) { cur = { argv: (cmd[1] ?? '').replace(/#.*$/, '').trim().split(/\s+/).filter((w) => w !== ''), expected: [] }; out.push(cur); continue; }
      cur?.expected.push(line.trimEnd());
    }
  }
  for (const e of out) while (e.expected.length > 0 && e.expected[e.expected.length - 1] === '') e.expected.pop();
  return out;
}

/** Does `got` match `want`, where a `…` line in want matches any run of lines? */
function matches(want: readonly string[], got: readonly string[]): boolean {
  const memo = new Map<string, boolean>();
  const m = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === want.length) r = j === got.length;
    else if (want[i] === '…') r = m(i + 1, j) || (j < got.length && m(i, j + 1));
    else r = j < got.length && want[i] === got[j] && m(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return m(0, 0);
}

const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
const all = examples(readme);

test('the README has examples to run', () => {
  assert.ok(all.length >= 4, `${all.length} examples`);
});

for (const e of all) {
  test(`README: dmaown ${e.argv.join(' ')}`, async () => {
    const r = await run([...e.argv, '--pci-ids', 'samples/pci.ids'], { env: { COLUMNS: '100' } });
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.err}`);
    const got = r.out.split('\n').map((l) => l.trimEnd());
    while (got.length > 0 && got[got.length - 1] === '') got.pop();
    assert.ok(matches(e.expected, got), `the README shows:\n${e.expected.join('\n')}\n\nit prints:\n${got.join('\n')}`);
  });
}

test('the matcher: … stands for any lines, others must match exactly', () => {
  assert.ok(matches(['a', '…', 'd'], ['a', 'b', 'c', 'd']));
  assert.ok(matches(['a', '…'], ['a']));
  assert.ok(!matches(['a', 'x'], ['a', 'b']));
  assert.ok(!matches(['a'], ['a', 'b']));
});
