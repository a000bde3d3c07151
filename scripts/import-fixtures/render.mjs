// Renders the hosts of RENDERED_HOSTS into paste fixtures (fixtures/pastes/rendered/<host>/*.txt):
// the real lspci and Arch-wiki loop run against each capture written out as a /sys tree in a private
// mount namespace, plus the synthesized formats. Needs root, pciutils and util-linux; run after
// `npx tsc -p .`:   node scripts/import-fixtures/render.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capturePort, describeHost, readCaptureFile } from '../../dist/host/index.js';
import { RENDERED_HOSTS, renderAll, renderUnavailable } from '../../dist/import/testing/render-pastes.js';

const why = renderUnavailable();
if (why) { console.error(`render: ${why.why}`); process.exit(2); }
for (const [name, file] of Object.entries(RENDERED_HOSTS)) {
  const c = readCaptureFile(file);
  if (!c.ok) { console.error(c.why); process.exit(2); }
  const host = describeHost(capturePort(c.value), { kernel: c.value.kernel, cmdline: c.value.cmdline });
  if (!host.ok) { console.error(host.why); process.exit(2); }
  const dir = join('fixtures/pastes/rendered', name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(renderAll(c.value, host.value))) writeFileSync(join(dir, f), text);
  console.log(`${dir}: rendered from ${file}`);
}
