import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * What the published package holds and what its production code may import. A test kit is a module
 * named `*.test.*` or under a `testing/` directory; production is every other module of dist/. The
 * package (`files` in package.json) holds bin/, the production part of dist/, schema/, samples/,
 * deploy/ and docs/ — no test, no test kit, no test fixture.
 */
const root = process.cwd();
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

const isTestKit = (rel: string): boolean => /\.test\.[cm]?js$/.test(rel) || rel.split(sep).includes('testing') || rel.split('/').includes('testing');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
}

/** Every module specifier of a compiled ES module: static imports and exports, and import('…') with a literal. */
export function specifiers(code: string): string[] {
  const out: string[] = [];
  // Static imports and re-exports start a line in compiled output; a comment or a string that says "import … from" does not.
  for (const m of code.matchAll(/^\s*(?:import|export)\s[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/gm)) out.push(m[2]!);
  for (const m of code.matchAll(/^\s*import\s*(['"])([^'"]+)\1/gm)) out.push(m[2]!);
  for (const m of code.matchAll(/\bimport\(\s*(['"`])([^'"`$]+)\1\s*\)/g)) out.push(m[2]!);
  return out;
}

/** What is wrong with one production module's imports (empty: nothing). */
function problems(file: string): string[] {
  const rel = relative(dist, file);
  const out: string[] = [];
  const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  for (const s of specifiers(readFileSync(file, 'utf8'))) {
    if (s.startsWith('.')) {
      const target = relative(dist, resolve(dirname(file), s));
      if (isTestKit(target)) out.push(`${rel} imports the test kit ${target}`);
    } else if (s.startsWith('node:')) {
      if (s === 'node:assert' || s.startsWith('node:assert/') || s === 'node:test') out.push(`${rel} imports ${s}`);
      if (rel.startsWith(`model${sep}`)) out.push(`${rel} (src/model is pure) imports ${s}`);
    } else {
      const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
      if (dev.has(name)) out.push(`${rel} imports the dev dependency ${name}`);
      else if (!deps.has(name)) out.push(`${rel} imports ${name}, which is no dependency`);
      if (rel.startsWith(`model${sep}`) || rel.startsWith(`host${sep}`)) out.push(`${rel} (src/model and src/host have no dependencies) imports ${name}`);
    }
  }
  return out;
}

test('production modules of dist/ import no test kit, no node:assert or node:test, no dev dependency; model and host none at all', () => {
  const modules = walk(dist).filter((f) => !isTestKit(relative(dist, f)));
  assert.ok(modules.length > 100, `${modules.length} production modules found: is dist/ built?`);
  assert.deepEqual(modules.flatMap(problems), []);
});

test('the import check finds what it looks for: a test kit (node:assert) and a module that imports a dev dependency', () => {
  const kits = walk(dist).filter((f) => isTestKit(relative(dist, f)));
  assert.ok(kits.some((f) => problems(f).some((p) => /imports node:assert/.test(p))), 'a test kit importing node:assert is reported');
  assert.ok(kits.some((f) => problems(f).some((p) => /imports the dev dependency (ajv|yaml|playwright-core)/.test(p))), 'a test kit importing a dev dependency is reported');
  assert.deepEqual(specifiers("import a from 'x';\nexport { b } from \"./y.js\";\nconst c = await import('./z.js');\nimport './side.js';\n// an import's own gaps are listed in 'partial' from here\nimport {\n  d,\n  e,\n} from '../w.js';"), ['x', './y.js', '../w.js', './side.js', './z.js']);
});

test('npm pack lists bin, the production dist, schema, samples, deploy and docs — no test, test kit or test fixture', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  const bad = files.filter((f) => /\.test\./.test(f) || f.split('/').includes('testing') || /^(fixtures|conformance|scripts|test-artifacts|src)\//.test(f));
  assert.deepEqual(bad, [], 'no test, test kit, fixture, trace recording or source in the package');
  for (const need of ['bin/dmaown.js', 'dist/cli/main.js', 'dist/model/index.js', 'dist/host/index.js', 'schema/dmaown-status-1.schema.json', 'samples/desktop-gpu.json', 'package.json', 'README.md']) {
    assert.ok(files.includes(need), `${need} is in the package`);
  }
  // Every module the CLI can reach is there: the production modules of dist/ are exactly the package's.
  const prod = walk(dist).map((f) => relative(root, f).split(sep).join('/')).filter((f) => !isTestKit(f.slice('dist/'.length))).sort();
  assert.deepEqual(files.filter((f) => f.startsWith('dist/') && f.endsWith('.js')).sort(), prod);
});
