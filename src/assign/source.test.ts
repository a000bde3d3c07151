import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { capturePort, describeHostReport, materializeCapture, readCaptureFile } from '../host/index.js';
import { readCaptureFileWhole } from '../host/read-capture.js';
import { assertReportDetail } from '../host/testing/report-detail.js';
import { sharedDir } from '../testing/shared.js';
import { loadHost, sampleNames, type HostSelection, type LoadedHost } from './source.js';

/** Every bundled sample, shared capture, recorded arm64 capture and a paste. */
function selections(): { name: string; sel: HostSelection }[] {
  const hosts = join(sharedDir(), 'hosts');
  return [
    ...sampleNames().map((name) => ({ name, sel: { kind: 'sample', name } as const })),
    ...readdirSync(hosts).filter((f) => f.endsWith('.json')).map((f) => ({ name: f, sel: { kind: 'capture', file: join(hosts, f) } as const })),
    ...readdirSync('fixtures/hosts').filter((f) => f.endsWith('.json')).map((f) => ({ name: f, sel: { kind: 'capture', file: join('fixtures/hosts', f) } as const })),
    { name: 'paste', sel: { kind: 'paste', files: ['fixtures/pastes/public/arch-loop-nnks.txt'], kernel: '6.1.0' } },
  ];
}

function withoutPort(h: LoadedHost): Omit<LoadedHost, 'port'> {
  const { port: _port, ...rest } = h;
  return rest;
}

test('a capture loaded with keepPort: false is the same host, warnings, evidence and partial view; only its port is gone (throws)', async () => {
  for (const { name, sel } of selections()) {
    const kept = await loadHost(sel);
    const released = await loadHost(sel, { keepPort: false });
    assert.ok(kept.ok && released.ok, name);
    assert.deepEqual(withoutPort(released.value), withoutPort(kept.value), name);
    assert.ok(kept.value.port.list('/sys/bus/pci/devices').ok, `${name}: the kept port answers`);
    assert.throws(() => released.value.port.list('/sys/bus/pci/devices'), /released once the host was described/, name);
  }
});

test('a host tree keeps its port whatever keepPort says (it holds no data)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-source-'));
  try {
    const c = readCaptureFile('samples/desktop-gpu.json');
    assert.ok(c.ok);
    assert.ok(materializeCapture(c.value, dir).ok);
    const h = await loadHost({ kind: 'sysfs-root', root: dir }, { keepPort: false });
    assert.ok(h.ok, h.ok ? '' : h.why);
    assert.ok(h.value.port.list('/sys/bus/pci/devices').ok);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a capture is read as a report reads a tree: 'full' without the attributes no report shows, the revision from config byte 8, config space without its trailing zeros (the same bytes restored)", async () => {
  for (const { name, sel } of selections()) {
    if (sel.kind === 'paste') continue;
    const h = await loadHost(sel, { keepPort: false });
    assert.ok(h.ok, name);
    // The whole-file reader's capture (its entries, no node table), read at full detail: the reader as it was.
    const v = readCaptureFileWhole(sel.kind === 'sample' ? `samples/${sel.name}.json` : sel.kind === 'capture' ? sel.file : '');
    assert.ok(v.ok, name);
    const full = describeHostReport(capturePort(v.value), { kernel: v.value.kernel, cmdline: v.value.cmdline });
    assert.ok(full.ok, name);
    assertReportDetail(h.value.host.pci, full.value.host.pci, name);
    assert.deepStrictEqual({ ...h.value.host, pci: [] }, { ...full.value.host, pci: [] }, `${name}: groups, drivers, units`);
    assert.deepStrictEqual(h.value.warnings, full.value.warnings.map((w) => `${w.path}: ${w.message}`), `${name}: warnings`);
  }
});
