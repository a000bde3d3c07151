#!/usr/bin/env node
// Bundles the compiled CLI (tsc's output in dist/) with esbuild into dist/bundle/, so a command loads
// a handful of files instead of the ~130 modules the ES module loader would resolve, read, compile
// and link one by one (issue #15: that was ~100 ms of every run). bin/dmaown.js runs the bundle when
// it is at least as new as dist/cli/main.js (which every tsc run rewrites), else dist/cli/main.js.
// Run after tsc (npm run build / test / prepare / bench do):
//   node scripts/bundle.mjs [PACKAGE-DIR]   (default: this checkout)
//
// What ends up where:
//   main.js             dist/cli/main.js with every command's definition (they are all loaded to parse
//                       argv) and commander.
//   describe-worker.js  the reader's worker thread (src/host/describe-parallel.ts starts it by
//                       new URL('./describe-worker.js', import.meta.url), so it keeps its name here).
//   core-*.js           what the host commands import lazily (source, inspect, model, render...): one
//                       chunk instead of one file per import().
//   web-*, import-*, verify-*, conform-*, identity-*: what stays lazy because most runs never need it
//                       (hono; paste parsers; the model checker; trace replay; node:crypto).
//   chunk-*.js          code two of those share (esbuild's code splitting).
// Paths found from a module's own URL (samples/, package.json, the worker) resolve the same from here:
// dist/bundle/ is as deep as dist/cli/. The page script of `report`/`serve` is embedded in the page
// as its source text (pageMain.toString()), so it is not bundled: the bundle imports tsc's file.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A relative dynamic import() with a literal, as tsc emits it. */
const DYNAMIC = /\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)/g;

/** Directories of dist/ whose modules stay in a chunk of their own when imported lazily. */
const ISLANDS = ['web', 'import', 'verify', 'conform'];

/**
 * The lazy chunk a dynamic import of `target` from `importer` (both paths relative to dist/) goes to;
 * null: made static (the command table: main defines every command on every run).
 */
export function lazyGroup(importer, target) {
  if (importer === 'cli/commands.js') return null;
  const top = target.split('/')[0];
  if (ISLANDS.includes(top)) return top;
  if (target === 'assign/host-identity.js') return 'identity';
  return 'core';
}

function productionModules(dist) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) { if (e.name !== 'testing' && p !== join(dist, 'bundle')) walk(p); }
      else if (e.name.endsWith('.js') && !/\.test\.js$/.test(e.name)) out.push(p);
    }
  };
  walk(dist);
  return out;
}

/** Every lazy group and the modules it holds: group → (absolute path → export name). */
export function lazyGroups(dist) {
  const groups = new Map();
  for (const f of productionModules(dist)) {
    for (const m of readFileSync(f, 'utf8').matchAll(DYNAMIC)) {
      const target = resolve(dirname(f), m[2]);
      const g = lazyGroup(relative(dist, f), relative(dist, target));
      if (g === null) continue;
      if (!groups.has(g)) groups.set(g, new Map());
      const members = groups.get(g);
      if (!members.has(target)) members.set(target, `m${members.size}`);
    }
  }
  return groups;
}

// Bundled CommonJS dependencies (commander, cli-table3) require node builtins: an ES module has no
// require, so every chunk gets one (Node >= 20.16 has getBuiltinModule; older 20.x take node:module's
// createRequire, which loads more).
const REQUIRE = "const require = typeof process.getBuiltinModule === 'function' ? (id) => process.getBuiltinModule(id) : (await import('node:module')).createRequire(import.meta.url);";

/** Builds dist/bundle/ of the package at `dir`; false (and why, on stderr) when esbuild is not installed. */
export async function writeBundle(dir = root) {
  let esbuild;
  try { esbuild = await import('esbuild'); } catch {
    process.stderr.write('bundle: esbuild is not installed (npm ci installs it): dmaown runs from dist/cli/main.js, ~100 ms slower per command\n');
    return false;
  }
  const dist = join(dir, 'dist');
  const out = join(dist, 'bundle');
  const groups = lazyGroups(dist);
  const r = await esbuild.build({
    absWorkingDir: dir,
    entryPoints: { main: join(dist, 'cli', 'main.js'), 'describe-worker': join(dist, 'host', 'describe-worker.js') },
    bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20',
    outdir: out, write: false, chunkNames: '[name]-[hash]', sourcemap: 'linked',
    // Whitespace and syntax only, and keepNames: a function or class esbuild renames to avoid a clash
    // keeps its .name (commander's errors take theirs from constructor.name).
    minifyWhitespace: true, minifySyntax: true, keepNames: true,
    banner: { js: REQUIRE }, logLevel: 'warning',
    plugins: [{
      name: 'dmaown',
      setup(b) {
        b.onResolve({ filter: /\/page-script\.js$/ }, () => ({ path: '../web/page-script.js', external: true }));
        b.onResolve({ filter: /^dmaown-lazy:/ }, (a) => ({ path: a.path.slice('dmaown-lazy:'.length), namespace: 'dmaown-lazy' }));
        b.onLoad({ filter: /.*/, namespace: 'dmaown-lazy' }, (a) => ({
          contents: [...groups.get(a.path)].map(([t, id]) => `export * as ${id} from ${JSON.stringify(t)};`).join('\n'),
          loader: 'js', resolveDir: dist,
        }));
        b.onLoad({ filter: /\.js$/ }, (a) => {
          if (!a.path.startsWith(dist + '/')) return undefined;
          const src = readFileSync(a.path, 'utf8');
          const head = [];
          const code = src.replace(DYNAMIC, (m, _q, spec) => {
            const target = resolve(dirname(a.path), spec);
            const g = lazyGroup(relative(dist, a.path), relative(dist, target));
            if (g === null) { head.push(`import * as __dmaownStatic${head.length} from '${spec}';`); return `Promise.resolve(__dmaownStatic${head.length - 1})`; }
            return `import('dmaown-lazy:${g}').then((m) => m.${groups.get(g).get(target)})`;
          });
          return { contents: `${head.join('')}${code}`, loader: 'js' };
        });
      },
    }],
  });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // main.js last: bin/dmaown.js takes the bundle when main.js is at least as new as dist/cli/main.js.
  const files = [...r.outputFiles].sort((a, b) => Number(a.path === join(out, 'main.js')) - Number(b.path === join(out, 'main.js')));
  for (const f of files) writeFileSync(f.path, f.contents);
  if (!existsSync(join(out, 'describe-worker.js'))) throw new Error('bundle: no describe-worker.js');
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeBundle(process.argv[2] ? resolve(process.argv[2]) : root);
