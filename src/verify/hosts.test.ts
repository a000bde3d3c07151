/**
 * `verify` on every IOMMU group of the shared captures and the bundled samples, on every profile (5.10, 5.19,
 * 6.1, 6.2, 6.6), with the full alphabet and symmetry reduction, each search bounded at 200 states to keep the
 * suite short (a bounded search finds every violation within its first 200 states, breadth first: the
 * shortest ones). The verdicts: from 5.19 on nothing violates anything; on 5.10 the groups below reach the
 * BUG_ON (and the ownership breach before it) in the number of ops given — a group alone included, through
 * the group fd that keeps its vfio group alive after its device left vfio-pci.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadHost, type HostSelection } from '../assign/source.js';
import { sharedDir } from '../testing/shared.js';
import { ALL_KERNELS, groupTarget, kernelRelease, pciGroups } from './targets.js';
import { verifyTarget } from './verify.js';

const BOUND = 200;
/** Groups alike but for their addresses (across hosts too) have one verdict: searched once. */
const seen = new Map<string, string>();

/** 5.10: group → [shortest ownership breach, shortest oops] in ops; groups not listed hold (within the bound). */
const L_VIOLATIONS: Readonly<Record<string, Readonly<Record<number, readonly [number, number]>>>> = {
  'amd-x570-rtx2060s-5.15': { 12: [4, 6], 14: [8, 8], 18: [4, 0], 19: [8, 8], 20: [8, 8], 21: [8, 8], 22: [8, 8], 23: [5, 0], 26: [8, 8], 27: [8, 8], 28: [8, 8] },
  'qemu-q35-5.10': { 1: [5, 7], 2: [8, 8], 4: [8, 8], 7: [5, 7], 8: [8, 8] },
  'qemu-q35-6.1': { 1: [5, 7], 2: [8, 8], 4: [8, 8], 7: [5, 7], 8: [8, 8] },
  'qemu-q35-6.12-iommufd': { 1: [5, 7], 2: [8, 8], 4: [8, 8], 7: [5, 7], 8: [8, 8] },
  'qemu-q35-6.12': { 1: [5, 7], 2: [8, 8], 4: [8, 8], 7: [5, 7], 8: [8, 8] },
  'desktop-gpu': { 3: [4, 6], 4: [8, 8], 5: [8, 8], 7: [4, 0], 8: [5, 0], 9: [8, 8] },
  'dual-gpu': { 4: [8, 8], 5: [5, 7], 6: [5, 7], 7: [8, 8] },
  'server-sriov': { 5: [8, 8], 6: [4, 6], 8: [8, 8], 9: [8, 8], 10: [8, 8], 12: [8, 8], 13: [8, 8], 14: [5, 5] },
};

const HOSTS: readonly [string, HostSelection][] = [
  ...['amd-x570-rtx2060s-5.15', 'qemu-q35-5.10', 'qemu-q35-6.1', 'qemu-q35-6.12-iommufd', 'qemu-q35-6.12']
    .map((n): [string, HostSelection] => [n, { kind: 'capture', file: join(sharedDir(), 'hosts', `${n}.json`) }]),
  ...['desktop-gpu', 'dual-gpu', 'server-sriov'].map((n): [string, HostSelection] => [n, { kind: 'sample', name: n }]),
];

for (const [name, sel] of HOSTS) {
  test(`verify every group of ${name} on ${ALL_KERNELS.join(', ')}: the verdicts`, async () => {
    const h = await loadHost(sel);
    assert.ok(h.ok);
    const host = h.value.host;
    for (const gid of pciGroups(host)) {
      for (const k of ALL_KERNELS) {
        const release = kernelRelease(k);
        assert.ok(release.ok);
        const t = groupTarget(host, gid, release.value, name);
        assert.ok(t.ok);
        const shape = JSON.stringify([k, t.value.desc.pci.map((d) => [d.vendor, d.device, d.class, d.driver, d.driverOverride, d.sriovNumvfs, [...d.config]])]);
        let verdict = seen.get(shape);
        if (verdict === undefined) {
          const r = verifyTarget(t.value, name, false, { alphabet: 'full', symmetry: true, maxStates: BOUND, recovery: true, traces: false });
          const bad = r.result.properties.filter((p) => !p.holds);
          verdict = bad.map((p) => `${p.name}@${p.path?.length}`).join(',');
          seen.set(shape, verdict);
        }
        const exp = k === '5.10' ? L_VIOLATIONS[name]?.[gid] : undefined;
        const want = exp === undefined ? '' : exp[1] === 0 ? `ownership@${exp[0]}` : `ownership@${exp[0]},oops@${exp[1]}`;
        assert.equal(verdict, want, `${name} group ${gid} on ${k}`);
      }
    }
  });
}
