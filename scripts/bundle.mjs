#!/usr/bin/env node
// Bundles the compiled CLI (tsc's output in dist/) with esbuild into dist/bundle/, and records V8's
// code cache of it, so a command neither resolves, reads, compiles and links ~130 ES modules one by one
// nor compiles the CLI's code again on every run (issue #15: that was ~0.1–0.15 s of CPU per command).
// bin/dmaown.js runs the bundle when it is at least as new as dist/cli/main.js (which every tsc run
// rewrites), else dist/cli/main.js. Run after tsc (npm run build / test / prepare / bench do):
//   node scripts/bundle.mjs [PACKAGE-DIR]   (default: this checkout)
//
// What ends up in dist/bundle/:
//   main.cjs            the whole CLI as one CommonJS script (esbuild; what the code imports lazily is
//                       still evaluated only when imported). Its first line names the build.
//   main.cache          that build's name, then V8's code cache of main.cjs, taken after a training run
//                       of the common commands (status, check, plan, explain on the samples, text and
//                       JSON): the bytecode of the start-up and of every function those ran. bin/dmaown.js
//                       passes it to vm.Script; V8 refuses a cache made by another Node version or with
//                       other V8 flags (then main.cjs is compiled as usual), and bin takes none made for
//                       another build of main.cjs.
//   describe-worker.js  the reader's worker thread (src/host/describe-parallel.ts starts it by
//                       new URL('./describe-worker.js', import.meta.url)), an ES module of its own.
// Paths found from a module's own URL (samples/, package.json, the worker) resolve the same from here:
// import.meta.url becomes main.cjs's URL, and dist/bundle/ is as deep as dist/cli/. The page script of
// `report`/`serve` is embedded in the page as its source text (pageMain.toString()), which must stay
// tsc's text: the bundle holds that text, taken from dist/web/page-script.js.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds dist/bundle/ of the package at `dir`; false (and why, on stderr) when esbuild is not installed. */
export async function writeBundle(dir = root) {
  let esbuild;
  try { esbuild = await import('esbuild'); } catch {
    process.stderr.write('bundle: esbuild is not installed (npm ci installs it): dmaown runs from dist/cli/main.js, ~0.1 s slower per command\n');
    return false;
  }
  const dist = join(dir, 'dist');
  const out = join(dist, 'bundle');
  const build = randomBytes(8).toString('hex');
  const { pageMain } = await import(pathToFileURL(join(dist, 'web', 'page-script.js')).href);
  const common = {
    absWorkingDir: dir, bundle: true, platform: 'node', target: 'node20', write: false, outdir: out, sourcemap: 'linked', sourcesContent: false,
    // Whitespace and syntax only, and keepNames: a function or class esbuild renames to avoid a clash
    // keeps its .name (commander's errors take theirs from constructor.name).
    minifyWhitespace: true, minifySyntax: true, keepNames: true, logLevel: 'warning',
  };
  const main = await esbuild.build({
    ...common,
    entryPoints: { main: join(dist, 'cli', 'main.js') }, format: 'cjs', outExtension: { '.js': '.cjs' },
    // A script run by vm.Script has no module loader for import(): the few import('node:…') become require().
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__dmaownModuleUrl' },
    // bin/dmaown.js runs main.cjs as the body of a function that is handed __dmaownModuleUrl (main.cjs's
    // URL), after the build's name (a comment, so esbuild's "use strict" stays the directive it is).
    banner: { js: `/*dmaown-build:${build}*/` },
    // page.ts only ever turns pageMain into text (pageMain.toString()) for the page: it gets tsc's text,
    // so the report is byte for byte what tsc's output writes.
    plugins: [{
      name: 'page-script',
      setup(b) {
        b.onLoad({ filter: /\/dist\/web\/page-script\.js$/ }, () => ({
          contents: `const text = ${JSON.stringify(pageMain.toString())};\nexport const pageMain = { toString: () => text };\n`, loader: 'js',
        }));
      },
    }],
  });
  const worker = await esbuild.build({ ...common, entryPoints: { 'describe-worker': join(dist, 'host', 'describe-worker.js') }, format: 'esm' });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const f of [...worker.outputFiles, ...main.outputFiles.filter((o) => o.path.endsWith('.map')), ...main.outputFiles.filter((o) => !o.path.endsWith('.map'))]) writeFileSync(f.path, f.contents);
  // The code cache: a training run in a process of its own (node as bin/dmaown.js runs it: no flags).
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle-train.cjs'), dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeBundle(process.argv[2] ? resolve(process.argv[2]) : root);
