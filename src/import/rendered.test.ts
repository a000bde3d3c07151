import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acsOf, driversOf, fixture, groupsOf, hostOf, importFiles, parentsOf } from './testing/compare.js';
import { RENDERED_HOSTS } from './testing/render-pastes.js';

// Every committed render (fixtures/pastes/rendered/<host>/, see its README) imported on its own and in
// the combinations people paste, compared with the capture it was rendered from.
const only = <T>(rec: Record<string, T>, keys: (k: string) => boolean): Record<string, T> =>
  Object.fromEntries(Object.entries(rec).filter(([k]) => keys(k)));

for (const [name, file] of Object.entries(RENDERED_HOSTS)) {
  const want = hostOf(file);
  const grouped = (b: string): boolean => want.pci.some((d) => d.bdf === b && d.iommuGroup !== null);

  test(`${name}: every group listing recovers the kernel's groups exactly`, () => {
    for (const f of ['arch-loop.txt', 'flat-loop.txt', 'ls-iommu.txt', 'iommu-viewer.txt', 'lspci-vmm.txt', 'lspci-vvv.txt', 'lspci-vvv-nonroot.txt', 'dmesg-new.txt', 'dmesg-old.txt', 'pvesh-table.txt', 'pvesh-json.txt']) {
      const { host, result } = importFiles([fixture(name, f)]);
      assert.deepEqual(only(groupsOf(host), grouped), only(groupsOf(want), grouped), f);
      assert.equal(result.capture.partial.groups, 'known', f);
    }
  });

  test(`${name}: lspci -nnk, -vmm -k, -vvv and iommu_viewer recover every driver exactly, unbound included`, () => {
    for (const f of ['lspci-nnk.txt', 'lspci-vmm.txt', 'lspci-vvv.txt', 'iommu-viewer.txt']) {
      const { host, result } = importFiles([fixture(name, f)]);
      const scope = f === 'iommu-viewer.txt' ? grouped : () => true;
      assert.deepEqual(only(driversOf(host), scope), only(driversOf(want), scope), f);
      const unknownDrivers = Object.entries(result.capture.partial.unknown).filter(([b, u]) => scope(b) && u.includes('driver'));
      assert.deepEqual(unknownDrivers, [], f);
    }
  });

  test(`${name}: group listing + lspci -nnk, combined, give the capture's groups and drivers exactly`, () => {
    const { host } = importFiles([fixture(name, 'arch-loop.txt'), fixture(name, 'lspci-nnk.txt')]);
    assert.deepEqual(groupsOf(host), groupsOf(want));
    assert.deepEqual(driversOf(host), driversOf(want));
  });

  test(`${name}: lspci -vvv as root recovers ACS capability and control of every function; without root ACS is unknown`, () => {
    const { host } = importFiles([fixture(name, 'lspci-vvv.txt')]);
    const w = acsOf(want);
    const known = (b: string): boolean => w[b] !== 'unknown';
    assert.deepEqual(only(acsOf(host), known), only(w, known));
    assert.ok(Object.values(w).some((a) => a === 'none'), 'the host has functions without ACS');
    // Without root, lspci shows `<access denied>` for every capability list; a function whose status
    // register says it has none (Cap-) is still known to have no ACS.
    const nonroot = acsOf(importFiles([fixture(name, 'lspci-vvv-nonroot.txt')]).host);
    for (const [bdf, a] of Object.entries(w)) {
      if (a !== 'none') assert.equal(nonroot[bdf], 'unknown', `${bdf}: ACS ${a} on the capture, unknown without root`);
      else assert.ok(nonroot[bdf] === 'unknown' || nonroot[bdf] === 'none', bdf);
    }
    assert.ok(Object.values(nonroot).filter((a) => a === 'unknown').length >= Object.values(w).filter((a) => a !== 'none').length);
  });

  test(`${name}: lspci -tv and lspci -vvv (bus numbers) recover the topology; -vvv the SR-IOV PFs and their VFs`, () => {
    for (const f of ['lspci-tv.txt', 'lspci-vvv.txt']) {
      const { host } = importFiles([fixture(name, f)]);
      assert.deepEqual(parentsOf(host), parentsOf(want), f);
    }
    const { host } = importFiles([fixture(name, 'lspci-vvv.txt')]);
    const sriov = (h: typeof host): unknown => h.pci.map((d) => [d.bdf, d.sriovTotalvfs, d.sriovNumvfs, d.physfn]);
    assert.deepEqual(sriov(host), sriov(want));
  });

  test(`${name}: a case-sensitive grep of dmesg is reported as lost group lines, not as no groups`, () => {
    const { result } = importFiles([fixture(name, 'dmesg-case-grep.txt')]);
    assert.equal(result.capture.partial.groups, 'unknown');
    assert.match(result.capture.partial.warnings.join('\n'), /dmesg-case-grep\.txt:\d+: kernel log shows the IOMMU but no group lines: the command greps; the groups are unknown, not absent/);
    assert.equal(result.capture.partial.host['iommu']?.startsWith('on'), true);
  });

  test(`${name}: pvesh without --pci-class-blacklist "" hides bridges, and says so`, () => {
    const { result, host } = importFiles([fixture(name, 'pvesh-default.txt')]);
    assert.ok(!host.pci.some((d) => d.class >> 16 === 0x06));
    assert.match(result.capture.partial.notes.join('\n'), /pvesh lists no bridge.*--pci-class-blacklist ""/);
    const full = importFiles([fixture(name, 'pvesh-table.txt')]);
    assert.doesNotMatch(full.result.capture.partial.notes.join('\n'), /pvesh lists no bridge/);
  });
}
