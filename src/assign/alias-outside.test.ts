import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { HostDescription } from '../model/host-description.js';
import { checkDevices } from './check.js';
import { groupStatus } from './group-state.js';
import { hostModel } from './host-model.js';
import { inspectHost } from './inspect.js';
import { makePlan } from './plan.js';
import { simulatePlan } from './simulate.js';
import { captureHost, fixtureNames } from './testing/hosts.js';
import { repoDir, sharedDir } from '../testing/shared.js';

/**
 * Issue 20 (3), on the arm64 guests' own captures (fixtures/hosts/qemu-virt-smmuv3-*.json, recorded by
 * scripts/record under qemu-system-aarch64 virt + SMMUv3): e1000 02:01.0 and 02:02.0 sit behind the
 * PCIe-to-PCI bridge 01:00.0 and both issue DMA as 02:00.0 (stream 512). 02:01.0 is in group 0 with the
 * root port and the bridge; 02:02.0 is in no group ("stream 512 already in tree"), bound to e1000. The
 * kernel hands group 0 to user space all the same (conformance/arm64-6.1/A1-stream-alias-outside-group);
 * dmaown must not.
 */
const captures = ['qemu-virt-smmuv3-6.1.json', 'qemu-virt-smmuv3-6.12.json'];

function withDrivers(host: HostDescription, drivers: Readonly<Record<string, string | null>>): HostDescription {
  return { ...host, pci: host.pci.map((d) => (d.bdf in drivers ? { ...d, driver: drivers[d.bdf] ?? null } : d)) };
}

function view(host: HostDescription) {
  const model = hostModel(host);
  assert.ok(model.ok, model.ok ? '' : model.why);
  return inspectHost({ host, names: fixtureNames(), model: model.value });
}

for (const file of captures) {
  const real = captureHost(join(repoDir(), 'fixtures', 'hosts', file));
  // The bridge's shpchp would block group 0 on its own (a bridge on a DMA driver): take it off, so that
  // what is left is the question of the device outside the group.
  const bridgeOff = withDrivers(real, { '0000:01:00.0': null });

  test(`${file}: 02:02.0 is in no group and bound to e1000, sharing 02:01.0's requester ID (the capture as recorded)`, () => {
    const d = real.pci.find((x) => x.bdf === '0000:02:02.0');
    assert.equal(d?.iommuGroup, null);
    assert.equal(d?.driver, 'e1000');
    assert.equal(real.pci.find((x) => x.bdf === '0000:02:01.0')?.iommuGroup, 0);
  });

  test(`${file}: check and plan refuse group 0 for 02:01.0 while 02:02.0 has e1000; the refusal names the device, the alias and the log line`, async () => {
    const v = view(bridgeOff);
    const g0 = v.groups.find((g) => g.id === 0);
    assert.ok(g0);
    assert.deepEqual(g0.blockers.map((b) => [b.bdf, b.kind]), [['0000:02:01.0', 'kernel-driver'], ['0000:02:02.0', 'dma-alias']]);
    const c = await checkDevices(v, bridgeOff, ['0000:02:01.0']);
    assert.equal(c.groups[0]?.verdict, 'refused');
    assert.deepEqual(c.groups[0]?.refusals.map((r) => r.code), ['dma-alias-outside-group']);
    const r = c.groups[0]?.refusals[0];
    assert.equal(r?.bdf, '0000:02:02.0');
    assert.match(r?.why ?? '', /02:02\.0 \(e1000\) is in no IOMMU group yet issues DMA as requester ID 02:00\.0, as 0000:02:01\.0 of this group does/);
    assert.match(r?.why ?? '', /stream 512 already in tree from dev 0000:02:01\.0/);
    assert.equal(r?.diagnosis?.code, 'dma-alias-outside-group');
    assert.ok(r?.diagnosis?.evidence.some((e) => e.includes('"e1000 0000:02:02.0: stream 512 already in tree from dev 0000:02:01.0"')));
    assert.match(r?.diagnosis?.remedy ?? '', /driver_override.*unbind/);
    const p = makePlan(v, ['0000:02:01.0']);
    assert.ok(!p.ok);
    assert.deepEqual(p.refusals.map((x) => x.code), ['dma-alias-outside-group']);
    assert.equal(groupStatus(v, g0).state, 'refused');
    // The kernel itself sees nothing wrong: the plan made anyway simulates to a viable group 0.
    assert.ok(p.partial);
    const sim = await simulatePlan(bridgeOff, p.partial);
    assert.ok(sim.ok && sim.groups.every((g) => g.viable), 'the kernel model would hand the group over');
  });

  test(`${file}: with 02:02.0 unbound (or parked on pci-stub) group 0 is assignable again`, async () => {
    for (const other of [null, 'pci-stub']) {
      const host = withDrivers(bridgeOff, { '0000:02:02.0': other });
      const v = view(host);
      assert.deepEqual(v.groups.find((g) => g.id === 0)?.blockers.map((b) => b.kind), ['kernel-driver'], `02:02.0 on ${other}`);
      const c = await checkDevices(v, host, ['0000:02:01.0']);
      assert.equal(c.groups[0]?.verdict, 'needs-rebind', `02:02.0 on ${other}`);
    }
  });

  test(`${file}: status on the capture as recorded says group 0 is refused and names 02:02.0`, () => {
    const v = view(real);
    const g0 = v.groups.find((g) => g.id === 0);
    assert.ok(g0);
    const s = groupStatus(v, g0);
    assert.equal(s.state, 'refused');
    assert.ok(s.refusals.some((r) => r.code === 'dma-alias-outside-group' && r.bdf === '0000:02:02.0'));
    // No other group is touched: 02:02.0 shares an ID with group 0's member only.
    assert.deepEqual(v.groups.filter((g) => g.blockers.some((b) => b.kind === 'dma-alias')).map((g) => g.id), [0]);
  });
}

test('a function in no group on arm64 is refused with the platform\'s reason, not "enable the IOMMU"', async () => {
  const host = captureHost(join(repoDir(), 'fixtures', 'hosts', 'qemu-virt-smmuv3-6.1.json'));
  const v = view(host);
  const c = await checkDevices(v, host, ['0000:02:02.0', '0000:00:00.0']);
  const refusals = c.groups.flatMap((g) => g.refusals);
  const alias = refusals.find((r) => r.bdf === '0000:02:02.0');
  assert.equal(alias?.code, 'no-iommu-group');
  assert.match(alias?.why ?? '', /requester ID 02:00\.0, stream 512, which 0000:02:01\.0 of group 0 already holds/);
  assert.match(alias?.hint ?? '', /assign group 0 instead/);
  // Never probed: the first probe makes its group (conformance/arm64-*/A2: vfio-pci's bind gives it group 5).
  const bridge = refusals.find((r) => r.bdf === '0000:00:00.0');
  assert.match(bridge?.why ?? '', /in no IOMMU group yet: on arm-smmu-v3 a function joins its group when a driver first probes it .* a new group of its own/);
  assert.match(bridge?.hint ?? '', /drivers_probe/);
  assert.doesNotMatch(refusals.map((r) => r.hint ?? '').join(' '), /intel_iommu/);
});

test('x86 (q35 + intel-iommu): the two functions behind the PCIe-to-PCI bridge share group 7, nothing is outside a group, nothing is refused for it', () => {
  const host = captureHost(join(sharedDir(), 'hosts', 'qemu-q35-6.1.json'));
  const v = view(host);
  assert.deepEqual(v.groups.flatMap((g) => g.blockers.filter((b) => b.kind === 'dma-alias')), []);
  assert.equal(host.pci.find((d) => d.bdf === '0000:02:02.0')?.iommuGroup, host.pci.find((d) => d.bdf === '0000:02:01.0')?.iommuGroup);
  assert.ok(v.ungrouped.every((d) => d.noGroup === undefined));
});
