#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build).
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code; },
  (e) => { console.error(`dmaown: internal error: ${e && e.stack ? e.stack : e}`); process.exitCode = 70; },
);
