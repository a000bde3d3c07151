// Benchmark 1, library level (child process): the host layer's scan and analysis without the CLI,
// phase by phase. Usage: node scan-child.mjs <root> tree|capture <path>. Prints one JSON object.
//   tree:    livePort({ sysRoot }) -> describeHostReport -> explainHost
//   capture: readCaptureFile -> capturePort -> describeHostReport -> explainHost
// `mismatches` is explainHost's count of groups where the model's pci_device_group() prediction
// and the groups in the tree disagree (a cross-check of the generator and of the model).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, kind, path] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const mod = async (p) => { const f = join(root, 'dist', p); return existsSync(f) ? import(pathToFileURL(f).href) : {}; };
const host = await mod('host/index.js');
const live = host.livePort ? host : await mod('host/live-port.js');
const out = { kind, phases: {} };
const need = kind === 'tree' ? ['livePort', 'describeHostReport', 'explainHost'] : ['readCaptureFile', 'capturePort', 'describeHostReport', 'explainHost'];
const lacking = need.filter((n) => typeof (host[n] ?? live[n]) !== 'function');
if (lacking.length) {
  out.skipped = `dist/host lacks ${lacking.join(', ')}`;
  console.log(JSON.stringify(out));
  process.exit(0);
}
const t0 = now();
let port;
if (kind === 'tree') {
  port = live.livePort({ sysRoot: path });
} else {
  const c = host.readCaptureFile(path);
  if (!c.ok) { out.failed = `readCaptureFile: ${c.errno} ${c.why}`; console.log(JSON.stringify(out)); process.exit(0); }
  out.phases.readCaptureMs = now() - t0;
  port = host.capturePort(c.value);
}
const t1 = now();
const r = host.describeHostReport(port, { kernel: '6.1.0-28-amd64' });
if (!r.ok) { out.failed = `describeHostReport: ${r.errno} ${r.why}`; console.log(JSON.stringify(out)); process.exit(0); }
out.phases.describeMs = now() - t1;
const t2 = now();
const ex = host.explainHost(r.value.host);
out.phases.explainMs = now() - t2;
out.totalMs = now() - t0;
out.functions = r.value.host.pci.length;
out.groups = r.value.host.groups.length;
out.warnings = r.value.warnings.length;
out.firstWarning = r.value.warnings[0] ?? null;
out.mismatches = ex.mismatches.length;
out.firstMismatch = ex.mismatches[0] ?? null;
out.unknown = ex.unknown.length;
console.log(JSON.stringify(out));
