import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { capturePort, describeHost, readCaptureFile, validateCapture } from '../host/index.js';
import type { HostDescription } from '../model/host-description.js';
import { importPastes } from './index.js';
import { acsOf, driversOf, fixture, groupsOf, parentsOf } from './testing/compare.js';
import { RENDERED_HOSTS, renderAll, renderUnavailable } from './testing/render-pastes.js';

// The committed renders (fixtures/pastes/rendered/) are rendered again from their captures by the real
// lspci and the Arch-wiki loop, in a private mount namespace, and must still import to the same facts.
// Names come from the machine's pci.ids, so the text may differ in names; the facts may not.
// A missing package fails under CI=true (.ci/run installs pciutils); no root or no mount namespaces is
// the machine, not a package: skipped with the reason everywhere.
const why = renderUnavailable();
const skip = why === null ? false : process.env['CI'] === 'true' && why.kind === 'package' ? false : `${why.why} — apt-get install pciutils util-linux, run as root`;

function facts(file: string, text: string): Record<string, unknown> {
  const r = importPastes([{ file, text }]);
  assert.ok(r.ok, r.ok ? '' : r.why);
  const c = validateCapture(JSON.parse(JSON.stringify(r.value.capture)) as unknown, file);
  assert.ok(c.ok, c.ok ? '' : c.why);
  const h = describeHost(capturePort(c.value), { kernel: 'x' });
  assert.ok(h.ok);
  const host: HostDescription = h.value;
  return {
    groups: groupsOf(host), drivers: driversOf(host), acs: acsOf(host), parents: parentsOf(host),
    ids: host.pci.map((d) => [d.bdf, d.vendor, d.device, d.class]), unknown: r.value.capture.partial.unknown,
  };
}

test('committed paste fixtures equal a fresh render by lspci and the Arch-wiki loop (facts)', { skip }, () => {
  assert.equal(why, null, `CI=true: rendering must run here (${why?.why ?? ''})`);
  for (const [name, file] of Object.entries(RENDERED_HOSTS)) {
    const c = readCaptureFile(file);
    assert.ok(c.ok);
    const h = describeHost(capturePort(c.value), { kernel: c.value.kernel, cmdline: c.value.cmdline });
    assert.ok(h.ok);
    const fresh = renderAll(c.value, h.value);
    for (const [f, text] of Object.entries(fresh)) {
      const committed = readFileSync(fixture(name, f), 'utf8');
      assert.deepEqual(facts(f, text), facts(f, committed), `${name}/${f}: re-rendered facts differ (run scripts/import-fixtures/render.mjs)`);
    }
  }
});
