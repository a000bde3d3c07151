#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build). main() answers every input error
// itself (exit 2); what reaches here is our bug or a missing build: one line, exit 70, and the stack
// only when asked for (DMAOWN_DEBUG=1).
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code; },
  (e) => {
    const msg = e && e.message ? e.message : String(e);
    console.error(`dmaown: internal error: ${msg.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?')}${process.env.DMAOWN_DEBUG ? `\n${e && e.stack}` : ' (DMAOWN_DEBUG=1 shows where)'}`);
    process.exitCode = 70;
  },
);
