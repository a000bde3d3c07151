import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capturePort } from './capture-port.js';
import { describeHostReport } from './describe.js';
import { explainHost } from './explain.js';
import type { CaptureEntry, SysfsCapture } from './read-capture.js';
import type { SysfsPort } from './port.js';

/** 16 root ports × `vfs` SR-IOV VFs each (625: 10,016 functions), as a capture. */
function bigCapture(vfs = 625): SysfsCapture {
  const e: Record<string, CaptureEntry> = {};
  const cfg = (type: number, hdr: number) => {
    const b = new Uint8Array(type === 4 ? 4096 : 256);
    b[0] = 0x86; b[1] = 0x80; b[0x0e] = hdr; b[0x06] = 0x10; b[0x34] = 0x40; b[0x40] = 0x10; b[0x42] = (type << 4) | 2;
    if (type === 4) { b[0x100] = 0x0d; b[0x102] = 0x01; b[0x104] = 0x1f; b[0x106] = 0x1f; } // ACS: SV RR CR UF enabled
    return { hex: Buffer.from(b).toString('hex') };
  };
  for (let p = 0; p < 16; p++) {
    const port = `0000:00:${(p + 1).toString(16).padStart(2, '0')}.0`;
    const dir = `devices/pci0000:00/${port}`;
    e[`bus/pci/devices/${port}`] = { link: `../../../${dir}` };
    Object.assign(e, { [`${dir}/vendor`]: '0x8086\n', [`${dir}/config`]: cfg(4, 1), [`${dir}/iommu_group`]: { link: `../../../kernel/iommu_groups/${p}` } });
    e[`kernel/iommu_groups/${p}/devices/${port}`] = { link: `../../../../${dir}` };
    for (let v = 0; v < vfs; v++) {
      const bus = p * 4 + 1 + Math.floor(v / 256);
      const bdf = `0000:${bus.toString(16).padStart(2, '0')}:${((v % 256) >> 3).toString(16).padStart(2, '0')}.${v % 8}`;
      const g = 16 + p * vfs + v;
      const d = `${dir}/${bdf}`;
      e[`bus/pci/devices/${bdf}`] = { link: `../../../${d}` };
      Object.assign(e, { [`${d}/vendor`]: '0x8086\n', [`${d}/device`]: '0x154c\n', [`${d}/config`]: cfg(0, 0), [`${d}/physfn`]: { link: '../0000:00:01.0' }, [`${d}/iommu_group`]: { link: `../../../../kernel/iommu_groups/${g}` } });
      e[`kernel/iommu_groups/${g}/devices/${bdf}`] = { link: `../../../../${d}` };
    }
  }
  return { format: 'sysfs-capture/1', kernel: '6.12.0', cmdline: [], entries: e };
}

/** A capture port that counts the calls describe makes (each is one syscall on a live host). */
function counted(c: SysfsCapture): { port: SysfsPort; calls: () => number } {
  const p = capturePort(c);
  let n = 0;
  const count = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => { n++; return f(...a); };
  return { port: { ...p, read: count(p.read), readBytes: count(p.readBytes), readLink: count(p.readLink), list: count(p.list) }, calls: () => n };
}

test('10k functions from a capture: describe makes a bounded number of port calls per function (linear), explain matches the kernel', () => {
  const small = counted(bigCapture(125)), big = counted(bigCapture());
  const t0 = performance.now();
  const s = describeHostReport(small.port), r = describeHostReport(big.port);
  assert.ok(s.ok && r.ok);
  assert.equal(s.value.host.pci.length, 16 + 16 * 125);
  assert.equal(r.value.host.pci.length, 16 + 16 * 625);
  // Linear: the same calls per function at 2k and at 10k functions (a rescan per device would be quadratic),
  // and a small constant of them (each function's attributes, its links, its group).
  const perSmall = small.calls() / s.value.host.pci.length, perBig = big.calls() / r.value.host.pci.length;
  assert.ok(perBig <= 40, `${perBig.toFixed(1)} port calls per function`);
  assert.ok(Math.abs(perBig - perSmall) / perSmall < 0.02, `calls per function: ${perSmall.toFixed(2)} at 2k, ${perBig.toFixed(2)} at 10k`);
  const e = explainHost(r.value.host);
  assert.deepEqual(e.mismatches, []);
  assert.equal(e.predicted.length, e.kernel.length);
  // Informational only (no timed assertion: the machine is shared): the figure goes to the test log.
  console.log(`describe (2k + 10k) + explain (10k): ${(performance.now() - t0).toFixed(0)} ms; ${perBig.toFixed(1)} port calls per function`);
});
