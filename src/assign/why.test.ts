import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { explainHost, type HostExplanation } from '../host/explain.js';
import type { HostDescription } from '../model/host-description.js';
import { captureHost, sharedHost } from './testing/hosts.js';
import { groupReasons } from './why.js';

const counting = (): { n: number; explain: (h: HostDescription) => HostExplanation } => {
  const c = { n: 0, explain: (h: HostDescription) => { c.n++; return explainHost(h); } };
  return c;
};

test('reasons of a multi-device group come from explainHost, computed once for all groups', () => {
  const h = captureHost(join(process.cwd(), 'samples', 'desktop-gpu.json'));
  const c = counting();
  const why = groupReasons(h, c.explain);
  assert.equal(c.n, 0, 'nothing computed before a group is asked about');
  assert.match(why(8).join(' '), /01:00.0, 01:00.1, 01:00.2 and 01:00.3 are functions of one multifunction device/);
  assert.match(why(6).join(' '), /00:1c.4 \(PCIe root port\) has no ACS capability/);
  assert.equal(c.n, 1);
});

test('a single-device group (or an unknown one) never runs the prediction', () => {
  const h = captureHost(join(process.cwd(), 'samples', 'desktop-gpu.json'));
  const c = counting();
  const why = groupReasons(h, c.explain);
  const single = h.groups.find((g) => h.pci.filter((d) => d.iommuGroup === g.id).length === 1);
  assert.ok(single);
  assert.deepEqual(why(single.id), []);
  assert.deepEqual(why(999), []);
  assert.equal(c.n, 0);
});

test('q35 6.12-iommufd: the PCIe-to-PCI bridge group and the multifunction slot are explained', () => {
  const h = sharedHost('qemu-q35-6.12-iommufd.json');
  const why = groupReasons(h);
  assert.match(why(1).join(' '), /00:05.0 and 00:05.1 are functions of one multifunction device/);
  const bridged = h.pci.find((d) => d.bdf === '0000:02:01.0')?.iommuGroup;
  assert.ok(typeof bridged === 'number');
  assert.match(why(bridged).join(' '), /02:01.0 and 02:02.0 are conventional PCI devices behind PCIe-to-PCI bridge 01:00.0/);
});
