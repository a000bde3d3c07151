// The `dmaown status` pipeline in-process, phase by phase (wall time, and CPU time of the process:
// the reader's worker threads included).
// Usage: node phases-child.mjs <root> tree|capture <path>. Prints one JSON object.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, kind, path] = process.argv.slice(2);
const mod = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
const phases = [];
let w0 = performance.now(), c0 = cpu();
const lap = (name) => { const w = performance.now(), c = cpu(); phases.push({ name, wallMs: w - w0, cpuMs: c - c0 }); w0 = w; c0 = c; };
try {
  const { loadHost } = await mod('assign/source.js');
  const { inspectHost } = await mod('assign/inspect.js');
  const { lazyPciNames, PCI_IDS_PATHS } = await mod('assign/pci-ids.js');
  const { hostModel } = await mod('assign/host-model.js');
  const { groupStatus } = await mod('assign/group-state.js');
  const { groupReasons } = await mod('assign/why.js');
  const { viewJson } = await mod('cli/json.js');
  const { renderStatus } = await mod('cli/render/status.js');
  const { colorsFor } = await mod('cli/io.js');
  lap('import modules');
  const h = await loadHost(kind === 'tree' ? { kind: 'sysfs-root', root: path } : { kind: 'capture', file: path });
  if (!h.ok) throw new Error(h.why);
  lap(kind === 'tree' ? 'read the tree (describeTreeReport)' : 'read the capture (readCaptureFile + describe)');
  const m = hostModel(h.value.host);
  if (!m.ok) throw new Error(m.why);
  lap('boot the model (hostModel)');
  const view = inspectHost({ host: h.value.host, names: lazyPciNames(PCI_IDS_PATHS), model: m.value, modules: h.value.evidence.modules });
  lap('verdicts per group (inspectHost)');
  const states = view.groups.map((g) => groupStatus(view, g));
  lap('group states (groupStatus)');
  const why = groupReasons(h.value.host);
  const doc = viewJson(view, why, states);
  lap('explanations + JSON objects (viewJson)');
  const json = JSON.stringify(doc, null, 2);
  lap('JSON text (stringify)');
  const text = renderStatus(view, states, 'x', colorsFor({ isTTY: false, env: {} }, false), why, { width: 120, all: false });
  lap('text report (renderStatus)');
  console.log(JSON.stringify({ kind, functions: h.value.host.pci.length, phases, jsonBytes: json.length, textBytes: text.length, rssMb: process.memoryUsage().rss / 2 ** 20 }));
} catch (e) {
  console.log(JSON.stringify({ kind, skipped: String(e?.message ?? e).slice(0, 200), phases }));
}
