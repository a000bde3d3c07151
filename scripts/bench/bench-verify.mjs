#!/usr/bin/env node
// dmaown verify against ../shared/spin (issue #16): SPIN's table, the unreduced growth curve and the
// symmetry-reduced N = 10 run. Needs a build (npm run build). Results as Markdown on stdout.
//
//   node scripts/bench/bench-verify.mjs [--max-n 8] [--skip-curve]
//
// Times: wall clock and process CPU (user + system) of the search alone; heap after the search.
import { loadavg } from 'node:os';
import { search } from '../../dist/verify/search.js';
import { syntheticTarget } from '../../dist/verify/targets.js';
import { ownershipPml } from '../../dist/verify/testing/ownership-pml.js';

const args = process.argv.slice(2);
const maxN = Number(args[args.indexOf('--max-n') + 1] || 8);

function one(n, release, o) {
  const t = syntheticTarget(n, true, release);
  if (!t.ok) throw new Error(t.why);
  global.gc?.();
  const c0 = process.cpuUsage();
  const r = search(t.value, { alphabet: 'spin', maxStates: 5e7, checkRecovery: true, ...o });
  const c = process.cpuUsage(c0);
  return { ...r, cpu: (c.user + c.system) / 1e6, heap: process.memoryUsage().heapUsed / 2 ** 20 };
}
const s = (x) => x.toFixed(2);
const out = [`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`, ''];

out.push('| rules | N | SPIN states / transitions | verify: projected states / transitions | model states | wall s | CPU s |', '|---|--:|--:|--:|--:|--:|--:|');
for (const [release, rules] of [['5.10.0', 0], ['5.19.0', 1]]) {
  for (let n = 2; n <= 5; n++) {
    const r = one(n, release, { symmetry: false, projection: true });
    const spin = ownershipPml(n, rules);
    out.push(`| ${release} | ${n} | ${spin.states} / ${spin.transitions} | ${r.projection.states} / ${r.projection.transitions}${r.projection.exact ? '' : ' (not exact)'} | ${r.states} | ${s(r.ms / 1000)} | ${s(r.cpu)} |`);
    console.error(out.at(-1));
  }
}
out.push('');
if (!args.includes('--skip-curve')) {
  out.push('Unreduced growth, 5.10 rules, spin alphabet (SPIN\'s counts from the transcription of ownership.pml, src/verify/testing/ownership-pml.ts):', '');
  out.push('| N | SPIN states | SPIN transitions | verify model states | verify transitions (+1) | wall s | CPU s | heap MiB |', '|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (let n = 2; n <= maxN; n++) {
    const r = one(n, '5.10.0', { symmetry: false, projection: false, checkRecovery: false });
    const spin = ownershipPml(n, 0);
    out.push(`| ${n} | ${spin.states} | ${spin.transitions} | ${r.states} | ${r.transitions + 1} | ${s(r.ms / 1000)} | ${s(r.cpu)} | ${r.heap.toFixed(0)} |`);
    console.error(out.at(-1));
  }
  out.push('');
}
out.push('Symmetry reduction (`verify --devices N --bridge --alphabet spin`, recovery checked in every state):', '');
out.push('| rules | N | states | transitions | depth | wall s | CPU s | verdicts |', '|---|--:|--:|--:|--:|--:|--:|---|');
for (const release of ['5.10.0', '5.19.0', '6.1.0']) {
  for (const n of [5, 8, 10]) {
    const r = one(n, release, { symmetry: true, projection: false });
    const v = r.properties.map((p) => `${p.name} ${p.holds ? 'holds' : `violated (${p.path.length} ops)`}`).join(', ');
    out.push(`| ${release} | ${n} | ${r.states} | ${r.transitions} | ${r.depth} | ${s(r.ms / 1000)} | ${s(r.cpu)} | ${v} |`);
    console.error(out.at(-1));
  }
}
console.log(out.join('\n'));
