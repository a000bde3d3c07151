import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { materializeCapture, readCaptureFile } from '../host/index.js';
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
