import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { HostDescription } from '../model/host-description.js';
import { repoDir, sharedDir } from '../testing/shared.js';
import { capturePort } from './capture-port.js';
import { describeHost } from './describe.js';
import { explainHost, type HostExplanation } from './explain.js';
import { livePort } from './live-port.js';
import { materializeCapture } from './materialize.js';
import type { SysfsPort } from './port.js';
import { readCaptureFile, type SysfsCapture } from './read-capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'host-explain-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The shared real-host captures and the repository's own (fixtures/hosts: the arm64 recorder's guests). */
function captures(): [string, SysfsCapture][] {
  return [join(sharedDir(), 'hosts'), join(repoDir(), 'fixtures', 'hosts')].flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => {
    const c = readCaptureFile(join(dir, f));
    assert.ok(c.ok, c.ok ? '' : c.why);
    return [f, c.value] as [string, SysfsCapture];
  }));
}

/** The same cases on the capture port and on a real tree with real symlinks. */
let trees = 0;
const sources: [string, (name: string, c: SysfsCapture) => SysfsPort][] = [
  ['capture', (_n, c) => capturePort(c)],
  ['directory tree', (n, c) => {
    const m = materializeCapture(c, join(tmp, `${n}-${trees++}`));
    assert.ok(m.ok, m.ok ? '' : m.why);
    return livePort({ sysRoot: m.value.sysRoot, procRoot: m.value.procRoot });
  }],
];

function explainOf(port: SysfsPort): { host: HostDescription; e: HostExplanation } {
  const h = describeHost(port);
  assert.ok(h.ok, h.ok ? '' : h.why);
  return { host: h.value, e: explainHost(h.value) };
}

function reasonsOf(e: HostExplanation, group: number): string {
  const g = e.groups.find((x) => x.group === group);
  assert.ok(g, `group ${group} explained`);
  assert.equal(g.matches, true);
  return g.reasons.join('\n');
}

for (const [kind, open] of sources) {
  for (const [name, cap] of captures()) {
    test(`${kind}: ${name}: predicted groups equal the kernel's`, () => {
      const { e } = explainOf(open(name, cap));
      assert.deepEqual(e.unknown, []);
      assert.deepEqual(e.mismatches, []);
      assert.deepEqual(e.predicted, e.kernel);
      assert.deepEqual(e.outside.predicted, e.outside.kernel);
      assert.ok(e.kernel.length > 0);
      for (const g of e.groups) assert.ok(g.reasons.length > 0, `group ${g.group} has an explanation`);
    });
    if (name.startsWith('qemu-q35')) {
      test(`${kind}: ${name}: q35 groups explained`, () => {
        const { e, host } = explainOf(open(name, cap));
        const gid = (bdf: string) => host.pci.find((d) => d.bdf === bdf)?.iommuGroup as number;
        assert.match(reasonsOf(e, gid('0000:00:05.0')), /^00:05\.0 and 00:05\.1 are functions of one multifunction device \(slot 00:05\) without ACS isolation between them \(00:05\.1 is conventional PCI/);
        assert.ok(e.predicted.some((p) => p.length === 1 && p[0] === '0000:00:05.2'), '00:05.2 alone (Intel RCiEP quirk)');
        assert.match(reasonsOf(e, gid('0000:02:01.0')), /^02:01\.0 and 02:02\.0 are conventional PCI devices behind PCIe-to-PCI bridge 01:00\.0, which takes their requester ID/);
        assert.equal(reasonsOf(e, gid('0000:03:00.0')), '00:07.0 (PCIe root port) has no ACS capability, so 03:00.0 below it shares group 4 with it');
      });
    }
    if (name.startsWith('qemu-virt-smmuv3')) {
      test(`${kind}: ${name}: arm64 SMMUv3 groups, and the aliased function the kernel left in no group`, () => {
        const { e, host } = explainOf(open(name, cap));
        assert.deepEqual(e.kernel, [
          ['0000:00:05.0', '0000:00:05.1'], ['0000:00:05.2'], ['0000:00:06.0', '0000:01:00.0', '0000:02:01.0'],
          ['0000:00:07.0', '0000:03:00.0'], ['0000:00:08.0', '0000:04:00.0'],
        ]);
        // Root port 00:08.0 has the ACS capability with its control bits clear: 04:00.0 shares its group (x86: alone).
        assert.match(reasonsOf(e, 2), /00:08\.0 \(PCIe root port\) does not enable ACS/);
        // 02:02.0 probed after 02:01.0, both issue 02:00.0 (stream 512): no group, yet e1000 is bound.
        assert.deepEqual(e.outside.predicted, ['0000:02:02.0']);
        assert.equal(host.pci.find((d) => d.bdf === '0000:02:02.0')?.driver, 'e1000');
        assert.deepEqual(e.outside.why.map((w) => [w.bdf, w.rid, w.member, w.group, w.via, w.logLine]),
          [['0000:02:02.0', 512, '0000:02:01.0', 0, '0000:01:00.0', 'stream 512 already in tree from dev 0000:02:01.0']]);
        // The host bridge no driver probed has no group either, and is no mismatch.
        assert.equal(host.pci.find((d) => d.bdf === '0000:00:00.0')?.iommuGroup, null);
      });
    }
    if (name.startsWith('amd-x570')) {
      test(`${kind}: ${name}: X570 chipset ports and the 4-function GPU explained`, () => {
        const { e } = explainOf(open(name, cap));
        assert.equal(reasonsOf(e, 18), '03:08.0 (PCIe switch downstream port) has no ACS capability, so 06:00.0, 06:00.1 and 06:00.3 below it share group 18 with it');
        assert.match(reasonsOf(e, 19), /^03:09\.0 \(PCIe switch downstream port\) has no ACS capability, so 07:00\.0 below it shares group 19/);
        assert.match(reasonsOf(e, 23), /^09:00\.0, 09:00\.1, 09:00\.2 and 09:00\.3 are functions of one multifunction device \(slot 09:00\) without ACS isolation/);
        assert.match(reasonsOf(e, 13), /00:18\.0, .*00:18\.7 are functions of one multifunction device/);
      });
    }
  }
}

test('64-byte config space: the prediction says unknown instead of guessing', () => {
  const c = captures().find(([n]) => n === 'qemu-q35-6.1.json')?.[1];
  assert.ok(c);
  const entries = { ...c.entries };
  for (const [k, v] of Object.entries(entries)) {
    if (k.endsWith('/config') && typeof v === 'object' && 'hex' in v) entries[k] = { hex: v.hex.slice(0, 128) };
  }
  const { e } = explainOf(capturePort({ ...c, entries }));
  assert.ok(e.unknown.length > 0);
  assert.match(e.unknown.map((u) => u.why).join('\n'), /only 64 bytes of config space/);
  assert.deepEqual(e.mismatches, []);
  const g7 = e.groups.find((g) => g.group === 7);
  assert.equal(g7?.certain, false);
  assert.match(g7?.reasons.join('\n') ?? '', /prediction unknown for/);
});

test('a host without groups gets a hypothetical prediction', () => {
  const c = captures().find(([n]) => n === 'qemu-q35-6.1.json')?.[1];
  assert.ok(c);
  const entries = Object.fromEntries(Object.entries(c.entries).filter(([k]) => !k.startsWith('kernel/iommu_groups') && !k.endsWith('/iommu_group')));
  const { e } = explainOf(capturePort({ ...c, entries }));
  assert.equal(e.scope, 'hypothetical');
  assert.deepEqual(e.kernel, []);
  assert.ok(e.predicted.some((p) => p.join() === '0000:00:07.0,0000:03:00.0'));
  assert.ok(e.groups.some((g) => g.group === null && /one group/.test(g.reasons.join())));
});
