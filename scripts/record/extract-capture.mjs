#!/usr/bin/env node
// extract-capture.mjs TRACE OUT — write the sysfs-capture/1 a recorded trace carries as `host` (the guest's
// /sys right before the first step) to its own file, one entry per line: how the arm64 guests' captures
// in fixtures/hosts/ were made (from conformance/arm64-*/S22-driver-override-bind-enodev.json).
import { readFileSync, writeFileSync } from 'node:fs';

const [trace, out] = process.argv.slice(2);
if (!trace || !out) { console.error('usage: extract-capture.mjs TRACE OUT'); process.exit(2); }
const t = JSON.parse(readFileSync(trace, 'utf8'));
const h = t.host;
if (t.format !== 'dmaown-trace/1' || h?.format !== 'sysfs-capture/1') { console.error(`${trace}: not a dmaown-trace/1 with a sysfs-capture/1 host`); process.exit(1); }
const entries = Object.entries(h.entries).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n');
writeFileSync(out, `{
  "format": "sysfs-capture/1",
  "kernel": ${JSON.stringify(h.kernel)},
  "cmdline": ${JSON.stringify(h.cmdline)},
  "source": ${JSON.stringify(`${t.source}; the capture of ${trace.split('/').slice(-2).join('/')}`)},
  "entries": {
${entries}
  }
}
`);
console.log(`${out}: ${Object.keys(h.entries).length} entries`);
