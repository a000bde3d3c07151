#!/usr/bin/env node
// Writes samples/pci.ids: the lines of a pci.ids database (default /usr/share/misc/pci.ids) for the
// vendors and devices found in samples/*.json and ../shared/hosts/*.json, plus the whole class section.
// The README's examples are run by the tests with it, so their output does not depend on the pci.ids
// version a machine happens to have. pci.ids is GPL-2.0-or-later or BSD-3-Clause (its header says so).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const here = new URL('.', import.meta.url).pathname;
const src = process.argv[2] ?? '/usr/share/misc/pci.ids';
const ids = new Set();
const files = [...readdirSync(here).filter((f) => f.endsWith('.json')).map((f) => join(here, f)),
  ...readdirSync(join(here, '../../shared/hosts')).filter((f) => f.endsWith('.json')).map((f) => join(here, '../../shared/hosts', f))];
for (const f of files) {
  const c = JSON.parse(readFileSync(f, 'utf8'));
  const byDir = new Map();
  for (const [k, v] of Object.entries(c.entries)) {
    const m = /^(.*)\/(vendor|device)$/.exec(k);
    if (m && typeof v === 'string') byDir.set(m[1], { ...(byDir.get(m[1]) ?? {}), [m[2]]: v.trim().replace(/^0x/, '') });
  }
  for (const d of byDir.values()) if (d.vendor && d.device) { ids.add(d.vendor); ids.add(`${d.vendor}:${d.device}`); }
}
const out = [];
let vendor = null, keepV = false, inClasses = false;
for (const line of readFileSync(src, 'utf8').split('\n')) {
  if (line.startsWith('#')) { if (out.length < 12 && /Version|Date|License|BSD|GPL|version 2/.test(line)) out.push(line); continue; }
  if (/^C /.test(line)) inClasses = true;
  if (inClasses) { out.push(line); continue; }
  if (/^[0-9a-f]{4} /.test(line)) { vendor = line.slice(0, 4); keepV = ids.has(vendor); if (keepV) out.push(line); continue; }
  if (/^\t[0-9a-f]{4} /.test(line)) { if (keepV && ids.has(`${vendor}:${line.slice(1, 5)}`)) out.push(line); continue; }
}
writeFileSync(join(here, 'pci.ids'), `${out.join('\n').trimEnd()}\n`);
console.log(`samples/pci.ids: ${out.length} lines for ${ids.size} ids`);
