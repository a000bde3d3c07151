/**
 * Config space kept without its trailing zeros (`pciConfigCompact`, what a report's reader holds: ~330
 * bytes of a PCIe function's 4096) answers every reader exactly as the whole blob does: the parse, the
 * capability walker, the driver core's reads (pci/caps.ts), `pci_std_enable_acs()`, and sysfs `config`
 * read back (`pciConfigBytes`). Checked on every function of every sample and shared capture, cut to
 * every size a reader can get (64, 256, 0x104, 4096 and random), and on random mutations of them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { PciDeviceDesc } from '../host-description.js';
import { pciCapabilityWalk, pciConfigBytes, pciConfigCompact, pciConfigKeptLength, pciConfigParse, pciConfigSize } from './config.js';
import { pciConfigResetMethods, pciHdrType, pciPcieType } from './caps.js';
import { pciStdEnableAcs } from './acs-enable.js';
import { Rng } from '../../fuzz/rng.js';
import { capturePort, describeHostReport, readCaptureFile } from '../../host/index.js';

const checkout = fileURLToPath(new URL('../../../', import.meta.url));

function realFunctions(): PciDeviceDesc[] {
  const files = [
    ...readdirSync(join(checkout, 'samples')).filter((f) => f.endsWith('.json')).map((f) => join(checkout, 'samples', f)),
    ...readdirSync(join(checkout, '..', 'shared', 'hosts')).filter((f) => f.endsWith('.json')).map((f) => join(checkout, '..', 'shared', 'hosts', f)),
  ];
  const out: PciDeviceDesc[] = [];
  for (const f of files) {
    const c = readCaptureFile(f);
    assert.ok(c.ok, f);
    const r = describeHostReport(capturePort(c.value));
    assert.ok(r.ok, f);
    out.push(...r.value.host.pci);
  }
  return out;
}

/** Every answer read from config space, from a description holding `config` (and `configSize`). */
function answers(d: PciDeviceDesc): unknown {
  const size = pciConfigSize(d);
  const walks = [0x01, 0x05, 0x0c, 0x10, 0x11, 0x13, 0xff].map((id) => pciCapabilityWalk(d.config, id, size));
  const acs = pciStdEnableAcs(d.config, size);
  return {
    parse: pciConfigParse(d.config, size), walks, hdr: pciHdrType(d), pcie: pciPcieType(d), resets: pciConfigResetMethods(d),
    acsEnabled: Array.from(pciConfigBytes({ config: acs, configSize: size })), acsSame: acs === d.config,
  };
}

function assertSame(d: PciDeviceDesc, b: Uint8Array, what: string): void {
  const full = { ...d, config: b };
  const c = pciConfigCompact(b);
  const compact = { ...d, ...c };
  assert.equal(c.configSize, b.length, what);
  assert.ok(c.config.length === 0 || c.config[c.config.length - 1] !== 0, `${what}: no trailing zero kept`);
  assert.deepStrictEqual(pciConfigBytes(compact), b, `${what}: restored`);
  const a = answers(full) as { acsSame: boolean };
  const x = answers(compact) as { acsSame: boolean };
  // The same array back (nothing to raise) means the same for both; a raised copy is compared by its bytes.
  assert.deepStrictEqual({ ...x, acsSame: null }, { ...a, acsSame: null }, what);
  assert.equal(x.acsSame, a.acsSame, `${what}: pci_std_enable_acs raises the same`);
}

test('config without its trailing zeros answers every reader as the whole blob: real functions, every size a reader gets', () => {
  const fns = realFunctions();
  assert.ok(fns.length >= 40, `${fns.length} functions`);
  let trimmed = 0;
  for (const d of fns) {
    if (pciConfigCompact(d.config).config.length < d.config.length) trimmed++;
    for (const n of new Set([d.config.length, 64, 256, 0x104, 0x20, 0])) {
      if (n > d.config.length) continue;
      assertSame(d, d.config.slice(0, n), `${d.bdf} cut to ${n}`);
    }
  }
  assert.ok(trimmed > fns.length / 2, `most real functions end in zeros (${trimmed}/${fns.length})`);
});

test('config without its trailing zeros: 3000 random mutations of real functions (pointers, ids, cut points) answer the same', () => {
  const fns = realFunctions().filter((d) => d.config.length >= 256);
  const rng = new Rng(0x5eed);
  for (let i = 0; i < 3000; i++) {
    const d = rng.pick(fns);
    const b = d.config.slice(0, rng.pick([64, 255, 256, 0x103, 0x104, 0x180, 4096, rng.int(4097)]));
    for (let k = rng.int(6); k > 0 && b.length > 0; k--) {
      // Capability pointers and ids, the ext header, and random bytes — sometimes at the very end.
      const at = rng.pick([0x06, 0x0e, 0x34, 0x100, 0x101, 0x102, 0x103, rng.int(b.length), b.length - 1]);
      if (at < b.length) b[at] = rng.pick([0, 0xff, 0x0d, 0x10, 0x40, 0x01, rng.int(256)]);
    }
    assertSame(d, b, `${d.bdf} mutation ${i} (${b.length} bytes)`);
  }
});

test('pciConfigKeptLength: the length without trailing zero bytes, a word at a time, equal to the byte-by-byte answer at every offset and length', () => {
  const naive = (b: Uint8Array): number => { let n = b.length; while (n > 0 && b[n - 1] === 0) n--; return n; };
  const buf = new Uint8Array(4200);
  let seed = 7;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
  for (let i = 0; i < 20000; i++) {
    buf.fill(0);
    const off = rnd(8), len = rnd(4100);
    const b = buf.subarray(off, off + len);
    // A few non-zero bytes, often near the end; sometimes none.
    for (let k = rnd(4); k > 0 && len > 0; k--) b[rnd(3) === 0 ? len - 1 - rnd(Math.min(len, 9)) : rnd(len)] = 1 + rnd(255);
    assert.equal(pciConfigKeptLength(b), naive(b), `offset ${off} length ${len}`);
  }
});
