import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoDir, sharedDir } from '../testing/shared.js';
import { run, schemaErrors } from './testing/cli.js';

const hosts = join(sharedDir(), 'hosts');

test('explain on the q35 capture names the bridge, the ACS-less root port and the multifunction slot', async () => {
  const r = await run(['explain', '--capture', join(hosts, 'qemu-q35-6.1.json')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /IOMMU group 7: 01:00\.0 02:01\.0 02:02\.0/);
  assert.match(r.out, /behind PCIe-to-PCI bridge 01:00\.0, which takes their requester ID/);
  assert.match(r.out, /00:07\.0 \(PCIe root port\) has no ACS capability, so 03:00\.0 below it shares group 4/);
  assert.match(r.out, /00:05\.0 and 00:05\.1 are functions of one multifunction device/);
  assert.doesNotMatch(r.out, /IOMMU group 2:/, '00:05.2 is alone (Intel RCiEP ACS quirk)');
});

const own = join(repoDir(), 'fixtures', 'hosts');
for (const path of [...readdirSync(hosts).map((f) => join(hosts, f)), ...readdirSync(own).map((f) => join(own, f))].filter((f) => f.endsWith('.json'))) {
  const file = path.split('/').pop();
  test(`explain --json on ${file}: schema-valid, predicted partition equals the kernel's`, async () => {
    const r = await run(['explain', '--capture', path, '--json']);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { schema: string; predicted: string[][]; kernel: string[][]; unknown: unknown[] };
    assert.equal(schemaErrors(doc), null);
    assert.equal(doc.unknown.length, 0);
    assert.deepEqual(doc.predicted, doc.kernel);
  });
}

test('explain on the arm64 SMMUv3 capture names the function left in no group, the shared ID and the kernel log line', async () => {
  const r = await run(['explain', '--capture', join(own, 'qemu-virt-smmuv3-6.1.json')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /In no IOMMU group: 02:02\.0 \(e1000\) issues DMA with requester ID 02:00\.0 \(512\) like 02:01\.0 of group 0 \(via 01:00\.0\)/);
  assert.match(r.out, /the kernel logged "e1000 0000:02:02\.0: stream 512 already in tree from dev 0000:02:01\.0"/);
  const j = JSON.parse((await run(['explain', '--capture', join(own, 'qemu-virt-smmuv3-6.12.json'), '--json'])).out) as { outside: { predicted: string[]; kernel: string[] } };
  assert.deepEqual(j.outside.predicted, ['0000:02:02.0']);
  assert.deepEqual(j.outside.kernel, ['0000:02:02.0']);
});

test('explain narrows to one group or one device, and rejects unknown ones with exit 2', async () => {
  const cap = join(hosts, 'qemu-q35-6.1.json');
  const g = await run(['explain', '4', '--capture', cap]);
  assert.equal(g.code, 0);
  assert.match(g.out, /IOMMU group 4/);
  assert.doesNotMatch(g.out, /IOMMU group 7/);
  const d = await run(['explain', '02:02.0', '--capture', cap]);
  assert.match(d.out, /IOMMU group 7/);
  assert.doesNotMatch(d.out, /IOMMU group 4/);
  const bad = await run(['explain', '99', '--capture', cap]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /no IOMMU group 99/);
  const badDev = await run(['explain', '0a:00.0', '--capture', cap]);
  assert.equal(badDev.code, 2);
  assert.match(badDev.err, /no PCI device 0000:0a:00\.0/);
});

test('capture of a capture reads back to the same report; -o never overwrites', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'dmaown-capture-'));
  const out = join(tmp, 'again.json');
  const src = join(hosts, 'qemu-q35-6.12.json');
  const w = await run(['capture', '--capture', src, '-o', out]);
  assert.equal(w.code, 0, w.err);
  const again = JSON.parse(readFileSync(out, 'utf8')) as { format: string; kernel: string };
  assert.equal(again.format, 'sysfs-capture/1');
  assert.equal(again.kernel, '6.12.117+deb12-amd64');
  const a = await run(['--capture', src, '--json']);
  const b = await run(['--capture', out, '--json']);
  const strip = (s: string): unknown => { const d = JSON.parse(s) as { host: { label: string } }; d.host.label = ''; return d; };
  assert.deepEqual(strip(b.out), strip(a.out));
  const again2 = await run(['capture', '--capture', src, '-o', out]);
  assert.equal(again2.code, 2);
  assert.match(again2.err, /EEXIST/);
});

test('capture of this machine (no IOMMU groups) reads back to the same host', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'dmaown-capture-'));
  const out = join(tmp, 'this.json');
  const w = await run(['capture', '-o', out]);
  assert.equal(w.code, 0, w.err);
  const fromFile = await run(['explain', '--capture', out, '--json']);
  const fromLive = await run(['explain', '--json']);
  const strip = (s: string): unknown => { const d = JSON.parse(s) as { host: Record<string, unknown> }; d.host = {}; return d; };
  assert.deepEqual(strip(fromFile.out), strip(fromLive.out));
});

test('explain of a device alone in its group speaks of that group, never "every group holds one function" of a host that has shared groups', async () => {
  const file = join(sharedDir(), 'hosts', 'qemu-q35-6.1.json');
  const r = await run(['explain', '00:05.2', '--capture', file]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /IOMMU group 2 holds only 00:05\.2: nothing shares it\./);
  assert.doesNotMatch(r.out, /Every IOMMU group holds one PCI function/);
});

test('explain of a function alone in its group says why: an RCiEP isolated by the kernel quirk, ACS on every bridge to the root', async () => {
  const q35 = join(sharedDir(), 'hosts', 'qemu-q35-6.1.json');
  const r = await run(['explain', '00:05.2', '--capture', q35, '--json']);
  const doc = JSON.parse(r.out) as { schema: string; alone: { group: number; reasons: string[] } };
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.alone.group, 2);
  assert.match(doc.alone.reasons.join('\n'), /root complex integrated endpoint/);
  assert.match(doc.alone.reasons.join('\n'), /isolated by the kernel's ACS quirk pci_quirk_rciep_acs/);
  const d = await run(['explain', '02:00.0', '--sample', 'desktop-gpu']);
  assert.match(d.out, /IOMMU group 9 holds only 02:00\.0: nothing shares it\.\n {2}- every bridge from 00:06\.0 up to the root isolates 02:00\.0 with ACS: 00:06\.0 \(PCIe root port\) enables ACS/);
});

test('explain GROUP|BDF on arm64 keeps the function outside every group only where it concerns the target', async () => {
  const cap = ['--capture', join(own, 'qemu-virt-smmuv3-6.1.json'), '--json'];
  const outsideOf = async (t: string): Promise<string[]> => ((JSON.parse((await run(['explain', t, ...cap])).out) as { outside: { why: { bdf: string }[] } }).outside.why.map((w) => w.bdf));
  assert.deepEqual(await outsideOf('0'), ['0000:02:02.0']);
  assert.deepEqual(await outsideOf('02:01.0'), ['0000:02:02.0']);
  assert.deepEqual(await outsideOf('02:02.0'), ['0000:02:02.0']);
  assert.deepEqual(await outsideOf('3'), []);
  assert.deepEqual(await outsideOf('00:05.0'), []);
  const text = (await run(['explain', '0', '--capture', join(own, 'qemu-virt-smmuv3-6.1.json')])).out;
  assert.match(text, /02:01\.0 is a conventional PCI device behind PCIe-to-PCI bridge 01:00\.0, which takes its requester ID, so it shares group 0 with it/);
  assert.match(text, /In no IOMMU group: 02:02\.0 \(e1000\)/);
});
