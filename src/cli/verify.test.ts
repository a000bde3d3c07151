import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, schemaErrors } from './testing/cli.js';

test('verify --devices 3 --bridge --kernel 5.10 5.19 --alphabet spin --no-symmetry: SPIN\'s counts, the 5.10 BUG in 4 ops, exit 1', async () => {
  const r = await run(['verify', '--devices', '3', '--bridge', '--kernel', '5.10', '5.19', '--alphabet', 'spin', '--no-symmetry']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /kernel 5\.10\.0 \(L\)\n {2}222 states, 1028 transitions, depth 8/);
  assert.match(r.out, /as ownership\.pml's variables: 219 states, 1029 transitions as pan counts them/);
  assert.match(r.out, /as ownership\.pml's variables: 165 states, 872 transitions as pan counts them/);
  assert.match(r.out, /oops {7}VIOLATED \(expected before 5\.19[^\n]*\n +shortest path, 4 op\(s\): bind\(dev1, vfio-pci\), open\(group\), SET_CONTAINER, bind\(dev2, e1000\)/);
  assert.match(r.out, /kernel 5\.19\.0 \(O1\)[\s\S]*ownership  holds\n {2}oops {7}holds\n {2}invariants holds\n {2}recovery   holds/);
});

test('verify --json on a sample group, every profile: valid against the schema; the counterexample trace replays on the model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-verify-'));
  try {
    const r = await run(['verify', '--sample', 'desktop-gpu', '--group', '4', '--kernel', 'all', '--json', '--trace-dir', dir]);
    assert.equal(r.code, 1, r.err);
    const doc = JSON.parse(r.out) as { schema: string; verdict: string; runs: { profile: string; complete: boolean; properties: { name: string; holds: boolean; trace?: string }[] }[] };
    assert.equal(schemaErrors(doc), null);
    assert.equal(doc.verdict, 'violated');
    assert.deepEqual(doc.runs.map((x) => x.profile), ['L', 'O1', 'O2', 'F', 'C']);
    assert.ok(doc.runs.slice(1).every((x) => x.complete && x.properties.every((p) => p.holds)));
    const oops = doc.runs[0]?.properties.find((p) => p.name === 'oops');
    assert.equal(oops?.holds, false);
    assert.deepEqual(readdirSync(dir).sort(), ['verify-group4-5.10.0-oops.json', 'verify-group4-5.10.0-ownership.json']);
    const c = await run(['conform', join(dir, 'verify-group4-5.10.0-oops.json')]);
    assert.equal(c.code, 0, c.out + c.err);
    assert.match(c.out, /\b11 passed, 0 failed/);
    assert.match(c.out, /oops/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verify: bad input is a clear error, exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['verify', '--sample', 'desktop-gpu', '--group', '99'], /sample desktop-gpu: no IOMMU group 99 with PCI devices \(groups: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9\)/],
    [['verify', '--devices', '0'], /--devices "0": expected an integer from 1/],
    [['verify', '--devices', '33'], /--devices 33: out of range \(1\.\.32\)/],
    [['verify', '--devices', 'many'], /--devices "many": expected an integer/],
    [['verify', '--devices', '3', '--kernel', '4.19'], /--kernel "4\.19": kernel release 4\.19\.0: the model covers 5\.10 and later/],
    [['verify', '--devices', '3', '--kernel', 'banana'], /--kernel "banana": kernel release "banana": not a uname -r/],
    [['verify', '--devices', '3', '--alphabet', 'morse'], /--alphabet "morse": expected spin or full/],
    [['verify', '--devices', '3', '--sample', 'desktop-gpu'], /--devices N verifies a synthetic group/],
    [['verify', '--bridge'], /--bridge needs --devices N/],
    [['verify', '--sample', 'desktop-gpu', '--group', 'x'], /--group "x": expected an IOMMU group number/],
    [['verify', '--capture', '/nonexistent/host.json'], /nonexistent/],
    [['verify', '--devices', '3', '--max-states', '-5'], /--max-states "-5": expected an integer/],
  ];
  for (const [argv, msg] of cases) {
    const r = await run(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.out}${r.err}`);
    assert.match(r.err, msg, argv.join(' '));
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
});

test('verify: the state bound is reported, the search incomplete, exit 1', async () => {
  const r = await run(['verify', '--devices', '6', '--bridge', '--kernel', '5.19', '--max-states', '100']);
  assert.equal(r.code, 1);
  assert.match(r.out, /100 states, .* incomplete: stopped at the state bound \(100 states; raise it with --max-states\)/);
  assert.match(r.out, /ownership  no violation within the bound/);
});

test('verify --trace-dir: a capture whose kernel release holds "/.." cannot put a trace outside the directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-verify-escape-'));
  try {
    const cap = JSON.parse(readFileSync(join('..', 'shared', 'hosts', 'qemu-q35-5.10.json'), 'utf8')) as { kernel: string };
    cap.kernel = '5.10.0-46/../../escaped';
    writeFileSync(join(dir, 'cap.json'), JSON.stringify(cap));
    const r = await run(['verify', '--capture', join(dir, 'cap.json'), '--group', '7', '--trace-dir', join(dir, 'a', 'b')]);
    assert.equal(r.code, 1, r.err);
    const written = readdirSync(join(dir, 'a', 'b'));
    assert.ok(written.length >= 1 && written.every((f) => /^verify-group7-5\.10\.0-46_\.\._\.\._escaped-\w+\.json$/.test(f)), written.join(' '));
    assert.deepEqual(readdirSync(dir).sort(), ['a', 'cap.json']);
    assert.deepEqual(readdirSync(join(dir, 'a')), ['b']);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
