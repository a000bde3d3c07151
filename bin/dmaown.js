#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build). main() answers every input error
// itself (exit 2); what reaches here is our bug or a missing build: one line, exit 70, and the stack
// only when asked for (DMAOWN_DEBUG=1).
// `dmaown --version` is answered here, from package.json, before anything else is loaded — this file
// is CommonJS (bin/package.json), so not even the ES module loader starts for it; the full CLI answers
// it the same way when package.json cannot be read here.
// Everything else runs the bundle of the CLI (dist/bundle/, scripts/bundle.mjs: a few files instead of
// ~130 modules) when it was made from the dist/ that is there: it is written after tsc's output, and
// every tsc run rewrites dist/cli/main.js, so a bundle older than that file is stale and tsc's output
// runs instead (two stat calls). DMAOWN_NO_BUNDLE=1 runs tsc's output always (after `tsc --watch`,
// which rewrites only the files that changed).
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const argv = process.argv.slice(2);
const root = join(__dirname, '..');
let answered = false;
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  try {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    if (typeof version === 'string') { process.stdout.write(`${version}\n`); answered = true; }
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
      answered = true;
    }
  } catch { /* no snapshot, or changed files: the full CLI answers */ }
}
/** dist/bundle/main.js when it is at least as new as dist/cli/main.js, else dist/cli/main.js. */
function entry() {
  const tsc = join(root, 'dist', 'cli', 'main.js');
  if (process.env.DMAOWN_NO_BUNDLE) return tsc;
  const bundle = join(root, 'dist', 'bundle', 'main.js');
  try {
    return statSync(bundle).mtimeMs >= statSync(tsc).mtimeMs ? bundle : tsc;
  } catch {
    return tsc;
  }
}
if (!answered) {
  import(pathToFileURL(entry()).href).then((m) => m.main(argv)).then(
    (code) => { process.exitCode = code; },
    (e) => {
      const msg = e && e.message ? e.message : String(e);
      console.error(`dmaown: internal error: ${msg.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?')}${process.env.DMAOWN_DEBUG ? `\n${e && e.stack}` : ' (DMAOWN_DEBUG=1 shows where)'}`);
      process.exitCode = 70;
    },
  );
}
