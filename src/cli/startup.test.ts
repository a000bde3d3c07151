import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Files reached from `file` through static `import ... from './x.js'` (dynamic import() excluded). */
function staticGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const src = readFileSync(file, 'utf8');
  for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
    const next = resolve(dirname(file), m[1] ?? '');
    if (existsSync(next)) staticGraph(next, seen);
  }
  return seen;
}

test('startup (--version, --help) loads neither the model nor the host layer nor assign: they are imported per command', () => {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const files = [...staticGraph(main)];
  assert.ok(files.some((f) => f.endsWith('/cli/commands.js')));
  const heavy = files.filter((f) => /\/(model|host|assign)\//.test(f));
  assert.deepEqual(heavy, []);
});
