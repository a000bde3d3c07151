import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { capturePort } from './capture-port.js';
import { modaliasIds, readPciDevice, type HostWarning } from './describe-pci.js';
import { livePort } from './live-port.js';
import { validateCapture, type CaptureEntry } from './read-capture.js';

const dir = 'devices/pci0000:00/0000:00:02.0';
function device(files: Record<string, CaptureEntry>): { d: ReturnType<typeof readPciDevice>; warnings: HostWarning[] } {
  const entries: Record<string, CaptureEntry> = { 'bus/pci/devices/0000:00:02.0': { link: `../../../${dir}` } };
  for (const [k, v] of Object.entries(files)) entries[`${dir}/${k}`] = v;
  const c = validateCapture({ format: 'sysfs-capture/1', kernel: '6.1.0', entries });
  assert.ok(c.ok, c.ok ? '' : c.why);
  const warnings: HostWarning[] = [];
  return { d: readPciDevice(capturePort(c.value), '0000:00:02.0', dir, (w) => warnings.push(w)), warnings };
}
// an Intel UHD 630 (8086:3e92, class 030000, subsystem 1028:0869, rev 02), as 6.1 prints it
const ids = {
  vendor: '0x8086\n', device: '0x3e92\n', subsystem_vendor: '0x1028\n', subsystem_device: '0x0869\n',
  class: '0x030000\n', revision: '0x02\n', config: { hex: `86803e92${'00'.repeat(60)}` },
};
const alias = 'pci:v00008086d00003E92sv00001028sd00000869bc03sc00i00\n';

test('modaliasIds reads modalias_show() output (upper-case, and the 2.6-era lower-case interface)', () => {
  assert.deepEqual(modaliasIds(alias), { vendor: 0x8086, device: 0x3e92, subsystemVendor: 0x1028, subsystemDevice: 0x0869, class: 0x030000 });
  assert.equal(modaliasIds('pci:v000010DEd00001F06sv000010DEsd000012AEbc0Csc03i3e\n')?.class, 0x0c033e);
  assert.equal(modaliasIds('pci:v00008086d00003E92sv00001028sd00000869bc03sc00\n'), null); // no interface byte
  assert.equal(modaliasIds('pci:v00018086d00003E92sv00001028sd00000869bc03sc00i00\n'), null); // vendor > 16 bits
  assert.equal(modaliasIds('acpi:PNP0A08:\n'), null);
});

test('ids from a well-formed modalias equal the ids from the vendor/device/subsystem/class files', () => {
  const files = device(ids);
  const both = device({ ...ids, modalias: alias });
  assert.ok(files.d && both.d);
  assert.deepEqual({ ...both.d, attrs: {} }, { ...files.d, attrs: {} });
  assert.equal(both.d.vendor, 0x8086);
  assert.equal(both.d.class, 0x030000);
  assert.equal(both.d.revision, 2); // revision is not in modalias: still its own file
  assert.deepEqual(both.warnings, files.warnings);
});

test('a malformed modalias is kept verbatim and the ids come from their own files', () => {
  const r = device({ ...ids, modalias: 'pci:garbage\n' });
  assert.ok(r.d);
  assert.equal(r.d.attrs['modalias'], 'pci:garbage\n');
  assert.equal(r.d.device, 0x3e92);
  assert.equal(r.d.subsystemDevice, 0x0869);
  assert.deepEqual(r.warnings.map((w) => w.path), [`/sys/${dir}/config`]); // only the 64-byte config one
});

const tmp = mkdtempSync(join(tmpdir(), 'host-pci-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('live port reads files larger than its reused buffer whole, and readBytes answers a copy', () => {
  mkdirSync(join(tmp, 'devices'), { recursive: true });
  const big = Buffer.alloc(200_000);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  writeFileSync(join(tmp, 'devices', 'big'), big);
  writeFileSync(join(tmp, 'devices', 'small'), Buffer.from([1, 2, 3]));
  const p = livePort({ sysRoot: tmp });
  const b = p.readBytes('/sys/devices/big');
  assert.ok(b.ok);
  assert.deepEqual(Buffer.from(b.value), big);
  const s = p.readBytes('/sys/devices/small');
  assert.deepEqual(s, { ok: true, value: new Uint8Array([1, 2, 3]) });
  assert.equal(b.value.length, 200_000);
  assert.equal(b.value[1], 1); // not overwritten by the later read
  assert.deepEqual(p.read('/sys/devices/small'), { ok: true, value: '\x01\x02\x03' });
});
