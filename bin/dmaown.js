#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build). main() answers every input error
// itself (exit 2); what reaches here is our bug or a missing build: one line, exit 70, and the stack
// only when asked for (DMAOWN_DEBUG=1).
// `dmaown --version` is answered here, from package.json, before anything else is loaded — this file
// is CommonJS (bin/package.json), so not even the ES module loader starts for it; the full CLI answers
// it the same way when package.json cannot be read here.
// Everything else runs the bundle of the CLI (scripts/bundle.mjs): dist/bundle/main.cjs, one script
// compiled from V8's code cache of it (main.cache) — not ~130 ES modules resolved, read, compiled and
// linked one by one — when it was made from the dist/ that is there: it is written after tsc's output,
// and every tsc run rewrites dist/cli/main.js, so a bundle older than that file is stale and tsc's
// output runs instead (two stat calls). DMAOWN_NO_BUNDLE=1 runs tsc's output always (after
// `tsc --watch`, which rewrites only the files that changed). DMAOWN_DEBUG_START=1 says on stderr
// which ran and whether V8 took the code cache.
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');

const root = join(__dirname, '..');

/** dist/bundle/main.cjs when it is at least as new as dist/cli/main.js; null: tsc's output runs. */
function freshBundle(dir = root, env = process.env) {
  if (env.DMAOWN_NO_BUNDLE) return null;
  const bundle = join(dir, 'dist', 'bundle', 'main.cjs');
  try {
    return statSync(bundle).mtimeMs >= statSync(join(dir, 'dist', 'cli', 'main.js')).mtimeMs ? bundle : null;
  } catch {
    return null;
  }
}

/** The header of main.cache: the build it was made for, as main.cjs's first line names it. */
const CACHE_HEAD = 40;
function cacheHead(build) { return `dmaown-build:${build}`.padEnd(CACHE_HEAD); }

/**
 * Runs main.cjs as the body of a function (exports, require, module, __filename, __dirname and the
 * module URL import.meta.url stands for), compiled from main.cache when that cache was made for this
 * build of main.cjs and V8 accepts it (same Node, same V8 flags). cache: 'accepted', 'rejected' (by V8)
 * or 'none' (no cache, or one for another build).
 */
function loadBundle(file) {
  const vm = require('node:vm');
  const src = readFileSync(file, 'utf8');
  const build = /^\/\*dmaown-build:([0-9a-f]+)\*\//.exec(src);
  let cachedData;
  try {
    const c = readFileSync(join(dirname(file), 'main.cache'));
    if (build !== null && c.subarray(0, CACHE_HEAD).toString('latin1') === cacheHead(build[1])) cachedData = c.subarray(CACHE_HEAD);
  } catch { /* no cache: compiled as usual */ }
  // Named by its URL, as the ES modules of tsc's output are in stack traces and CPU profiles.
  const url = pathToFileURL(file).href;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __dmaownModuleUrl) {${src}\n})`, { filename: url, cachedData });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, file, dirname(file), url);
  return { main: mod.exports.main, script, build: build && build[1], cache: cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted' };
}

function run() {
  const argv = process.argv.slice(2);
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    try {
      const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      if (typeof version === 'string') { process.stdout.write(`${version}\n`); return; }
    } catch { /* the full CLI answers */ }
  }
  // `dmaown --help` to a pipe or an 80-column terminal: the text the build recorded
  // (scripts/help-snapshot.mjs), when every file it was made from is unchanged since.
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') && (!process.stdout.isTTY || process.stdout.columns === 80)) {
    try {
      const snap = JSON.parse(readFileSync(join(root, 'dist', 'cli', 'help-snapshot.json'), 'utf8'));
      const files = Object.keys(snap.stamps);
      const fresh = files.length > 0 && files.every((f) => { const s = statSync(join(root, f)); return snap.stamps[f] === `${s.size}:${s.mtimeMs}`; });
      const now = require('node:fs').readdirSync(join(root, 'dist', 'cli')).filter((f) => f.endsWith('.js')).map((f) => `dist/cli/${f}`);
      if (fresh && typeof snap.text === 'string' && now.every((f) => f in snap.stamps)) {
        process.stdout.on('error', () => {});
        process.stdout.write(snap.text);
        return;
      }
    } catch { /* no snapshot, or changed files: the full CLI answers */ }
  }
  const bundle = freshBundle();
  const start = bundle === null
    ? import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href).then((m) => { debugStart('dist/cli/main.js'); return m.main(argv); })
    : Promise.resolve().then(() => { const b = loadBundle(bundle); debugStart(`dist/bundle/main.cjs, code cache ${b.cache}`); return b.main(argv); });
  start.then(
    (code) => { process.exitCode = code; },
    (e) => {
      const msg = e && e.message ? e.message : String(e);
      console.error(`dmaown: internal error: ${msg.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?')}${process.env.DMAOWN_DEBUG ? `\n${e && e.stack}` : ' (DMAOWN_DEBUG=1 shows where)'}`);
      process.exitCode = 70;
    },
  );
}

function debugStart(what) {
  if (process.env.DMAOWN_DEBUG_START) process.stderr.write(`dmaown: running ${what}\n`);
}

if (require.main === module) run();
else module.exports = { freshBundle, loadBundle, cacheHead, CACHE_HEAD };
