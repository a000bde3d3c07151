#!/usr/bin/env node
// to-trace.mjs — turn one guest run (the data-port log of guest/dmaown-rec and the console log)
// into a dmaown-trace/1 file with the guest's sysfs-capture/1 embedded as `host`.
//   node to-trace.mjs --scenario S.scn --data run.data --console run.console --source TEXT --out F.json
// Refuses (exit 1, nothing written) when the run did not reach its end: a trace is the kernel's
// answers to the whole script, never a part of it edited by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseCapture, filterCmdline } from './capture.mjs';

const { values: a } = parseArgs({
  options: {
    scenario: { type: 'string' }, data: { type: 'string' }, console: { type: 'string' },
    source: { type: 'string' }, out: { type: 'string' },
  },
});
for (const k of ['scenario', 'data', 'source', 'out']) {
  if (!a[k]) { console.error(`to-trace: --${k} is required`); process.exit(2); }
}

const script = readFileSync(a.scenario, 'utf8');
const title = script.split('\n').filter((l) => l.startsWith('title ')).map((l) => l.slice(6).trim()).join(' ');
const lines = readFileSync(a.data, 'latin1').replace(/\r/g, '').split('\n');
const consoleText = a.console ? readFileSync(a.console, 'latin1') : '';

let kernel = null, cmdline = [], ended = false, exit = null;
const steps = [];
const captureLines = [];
let inCapture = false, captures = 0;
for (const line of lines) {
  if (line === '@CAPTURE-BEGIN') { captures++; inCapture = captures === 1; continue; }
  if (line === '@CAPTURE-END') { inCapture = false; continue; }
  if (inCapture) { captureLines.push(line); continue; }
  if (line.startsWith('@KERNEL ')) kernel = line.slice(8).trim();
  else if (line.startsWith('@CMDLINE ')) cmdline = filterCmdline(line.slice(9));
  else if (line.startsWith('@S ')) steps.push(JSON.parse(Buffer.from(line.slice(3), 'latin1').toString('utf8')));
  else if (line === '@END') ended = true;
  else if (line.startsWith('@EXIT ')) exit = Number(line.slice(6));
}

const fail = (why) => { console.error(`to-trace: ${a.scenario}: ${why}`); process.exit(1); };
if (!kernel) fail('no @KERNEL line: the guest never ran the recorder');
if (captures !== 1) fail(`expected one capture, found ${captures}`);
if (!ended) fail(`the recorder did not reach the end of the script (${steps.length} steps printed)`);
if (exit !== 0) fail(`the recorder exited with ${exit}`);

// A BUG/oops in the console must show up as an "oops" step, and vice versa.
const consoleBug = /kernel BUG at|BUG: |Oops: /.test(consoleText);
const oopsSteps = steps.filter((s) => s.result === 'oops').length;
if (consoleBug && !oopsSteps) console.error(`to-trace: warning: console shows a BUG/oops but no step died`);
if (!consoleBug && oopsSteps && a.console) console.error(`to-trace: warning: an "oops" step but no BUG in the console`);

const trace = {
  format: 'dmaown-trace/1',
  title,
  kernel,
  source: a.source,
  host: { format: 'sysfs-capture/1', kernel, cmdline, entries: parseCapture(captureLines) },
  steps,
};
writeFileSync(a.out, render(trace));
console.log(`to-trace: ${a.out}: ${steps.length} steps, ${Object.keys(trace.host.entries).length} capture entries`);

/** Same layout as ../shared/conformance: one capture entry and one step per line. */
function render(t) {
  const entries = Object.entries(t.host.entries)
    .map(([k, v]) => `      ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n');
  return `{
  "format": ${JSON.stringify(t.format)},
  "title": ${JSON.stringify(t.title)},
  "kernel": ${JSON.stringify(t.kernel)},
  "source": ${JSON.stringify(t.source)},
  "host": {
    "format": "sysfs-capture/1",
    "kernel": ${JSON.stringify(t.kernel)},
    "cmdline": ${JSON.stringify(t.host.cmdline)},
    "entries": {
${entries}
    }
  },
  "steps": [
${t.steps.map((s) => `    ${JSON.stringify(s)}`).join(',\n')}
  ]
}
`;
}
