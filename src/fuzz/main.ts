/**
 * `npm run fuzz [-- --steps N] [--seed S] [--profile NAME]... [--out DIR]`: the uAPI fuzzer on every profile
 * (fuzz.ts), reporting steps/s, violations and exceptions per profile. A failing sequence is minimised and
 * written as a dmaown-trace/1 file to DIR (default: printed). Exit 1 when anything failed, 2 on bad usage.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fuzzProfile } from './fuzz.js';
import { loadFuzzProfiles } from './profiles.js';

function usage(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\nusage: npm run fuzz -- [--steps N (per profile, default 1000000)] [--seed S] [--profile NAME]... [--out DIR] [--coverage]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let steps = 1_000_000, seed = 1;
let out: string | null = null;
let coverage = false;
const names: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i], v = args[i + 1];
  const num = (): number => { if (v === undefined || !/^\d+$/.test(v)) usage(`${a} needs a number`); i++; return Number(v); };
  if (a === '--steps') steps = num();
  else if (a === '--seed') seed = num();
  else if (a === '--profile') { if (v === undefined) usage('--profile needs a name'); names.push(v); i++; }
  else if (a === '--coverage') coverage = true;
  else if (a === '--out') { if (v === undefined) usage('--out needs a directory'); out = v; i++; }
  else usage(`unknown argument ${JSON.stringify(a)}`);
}

let profiles;
try {
  profiles = loadFuzzProfiles(resolve(process.env['DMAOWN_SHARED'] ?? '../shared', 'hosts'), names);
} catch (e) {
  usage((e as Error).message);
}
let bad = 0;
for (const p of profiles) {
  const t0 = performance.now();
  const r = fuzzProfile(p, { seed, totalSteps: steps });
  const s = (performance.now() - t0) / 1000;
  process.stdout.write(`${p.name.padEnd(13)} ${r.steps} steps in ${r.sequences} sequences, ${s.toFixed(1)} s, ${Math.round(r.steps / s)} steps/s: ` +
    `${r.violations} violations, ${r.exceptions} exceptions (seed ${seed})\n`);
  bad += r.violations;
  if (coverage) for (const [key, n] of [...r.coverage].sort()) process.stdout.write(`    ${key}: ${n}\n`);
  r.failures.forEach((f, i) => {
    const text = `${JSON.stringify(f.trace, null, 1)}\n`;
    process.stdout.write(`  ${f.violation.kind}: ${f.violation.message} (sequence seed ${f.seed}, ${f.originalSteps} steps)\n`);
    if (out === null) { process.stdout.write(text); return; }
    mkdirSync(out, { recursive: true });
    const file = join(out, `fuzz-${p.name}-${i + 1}.json`);
    writeFileSync(file, text);
    process.stdout.write(`  minimised trace: ${file}\n`);
  });
}
process.exit(bad > 0 ? 1 : 0);
