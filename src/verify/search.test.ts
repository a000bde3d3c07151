/**
 * The search against ../shared/spin: for bridge + endpoints, unreduced, ownership.pml's alphabet, the
 * projection onto its variables has exactly SPIN's reachable states and transitions (the README's table),
 * and the shortest 5.10 path to the BUG_ON is the one SPIN reports. N = 5 runs in the bench (BENCHMARKS.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { search, type SearchResult } from './search.js';
import { syntheticTarget } from './targets.js';
import { opName } from './ops.js';
import { ownershipPml } from './testing/ownership-pml.js';

function run(n: number, release: string, o: { symmetry?: boolean; paranoid?: boolean; maxStates?: number; recovery?: boolean } = {}): SearchResult {
  const t = syntheticTarget(n, true, release);
  assert.ok(t.ok);
  return search(t.value, {
    alphabet: 'spin', symmetry: o.symmetry ?? false, maxStates: o.maxStates ?? 1e6, checkRecovery: o.recovery ?? true,
    projection: !(o.symmetry ?? false), paranoid: o.paranoid ?? false,
  });
}

/** ../shared/spin/README.md: states / transitions as pan counts them. */
const SPIN: Readonly<Record<string, readonly [number, number][]>> = {
  '5.10.0': [[45, 171], [219, 1029], [1035, 5628], [4767, 28839]],
  '5.19.0': [[39, 155], [165, 872], [687, 4562], [2829, 22688]],
};

for (const release of ['5.10.0', '5.19.0']) {
  for (const n of [2, 3, 4]) {
    test(`${release} rules, bridge + ${n - 1} endpoint(s): SPIN's ${SPIN[release]?.[n - 2]?.join(' states / ')} transitions`, () => {
      const r = run(n, release);
      const [states, transitions] = SPIN[release]?.[n - 2] ?? [0, 0];
      assert.ok(r.complete);
      assert.equal(r.projection?.states, states);
      assert.equal(r.projection?.transitions, transitions);
      assert.equal(r.projection?.exact, true, r.projection?.mismatch);
      // pan counts stored + matched = every enabled transition + the initial state: the model's edges are the same.
      if (release === '5.10.0') assert.equal(r.transitions + 1, transitions);
      const verdict = Object.fromEntries(r.properties.map((p) => [p.name, p.holds]));
      assert.deepEqual(verdict, release === '5.10.0'
        ? { ownership: false, oops: n < 2, invariants: true, recovery: true }
        : { ownership: true, oops: true, invariants: true, recovery: true });
    });
  }
}

test('the model keeps more than the Promela variables: 5.19 keeps the blocking domain once allocated, 5.10 which device the BUG died on', () => {
  assert.deepEqual([run(3, '5.10.0').states, run(3, '5.19.0').states], [222, 261]);
});

test('5.10: the shortest path to the BUG_ON is SPIN\'s, 4 ops for N ≥ 3 (5 for N = 2: the group fd keeps the vfio group alive)', () => {
  for (const n of [3, 4]) {
    const oops = run(n, '5.10.0', { recovery: false }).properties.find((p) => p.name === 'oops');
    assert.deepEqual(oops?.path?.map(opName), ['bind(dev1, vfio-pci)', 'open(group)', 'SET_CONTAINER', 'bind(dev2, e1000)']);
  }
  const two = run(2, '5.10.0', { recovery: false }).properties.find((p) => p.name === 'oops');
  assert.deepEqual(two?.path?.map(opName), ['bind(dev1, vfio-pci)', 'open(group)', 'unbind(dev1)', 'SET_CONTAINER', 'bind(dev1, e1000)']);
});

test('symmetry reduction: fewer states, the same verdicts and the same shortest counterexample', () => {
  const full = run(4, '5.10.0');
  const red = run(4, '5.10.0', { symmetry: true });
  assert.ok(red.states < full.states / 2, `${red.states} vs ${full.states}`);
  // The orbits of ownership.pml's 1,035 states under permutations of the 3 endpoints.
  assert.equal(red.states, ownershipPml(4, 0, true).states);
  assert.equal(red.states, 294);
  assert.deepEqual(red.properties.map((p) => [p.name, p.holds, p.path?.length]), full.properties.map((p) => [p.name, p.holds, p.path?.length]));
  const o19 = run(4, '5.19.0', { symmetry: true });
  assert.ok(o19.properties.every((p) => p.holds));
});

test('every failing op leaves the state as it was (checked on each profile)', () => {
  for (const release of ['5.10.0', '5.19.0', '6.1.0', '6.2.0', '6.6.0']) {
    const r = run(3, release, { paranoid: true, recovery: false });
    assert.ok(r.complete, release);
  }
});

test('the state bound stops the search with a message saying how to raise it', () => {
  const r = run(4, '5.10.0', { maxStates: 50 });
  assert.equal(r.complete, false);
  assert.equal(r.states, 50);
  assert.match(r.stopped ?? '', /state bound \(50 states; raise it with --max-states\)/);
  assert.ok(r.properties.every((p) => p.name !== 'recovery' || p.holds));
});

test('the oracle (ownership.pml transcribed) gives SPIN\'s table; with symmetry, 5.10 finds exactly its orbits (N = 5, 6)', () => {
  assert.deepEqual([2, 3, 4, 5].map((n) => ownershipPml(n, 0)), SPIN['5.10.0']?.map(([states, transitions]) => ({ states, transitions })));
  assert.deepEqual([2, 3, 4, 5].map((n) => ownershipPml(n, 1)), SPIN['5.19.0']?.map(([states, transitions]) => ({ states, transitions })));
  for (const n of [5, 6]) {
    const r = run(n, '5.10.0', { symmetry: true, recovery: false });
    assert.deepEqual({ states: r.states, transitions: r.transitions + 1 }, ownershipPml(n, 0, true));
  }
});
