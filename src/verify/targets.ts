/**
 * What `dmaown verify` explores: a synthetic group (`--devices N [--bridge]`) or a real one — one IOMMU group
 * of a host (a capture, a sample, a tree, this machine) as it stands, with its own devices and the drivers
 * that exist on that host — on one kernel profile. A real group's model holds only the group's PCI members
 * (nothing outside the group can change its ownership); vfio-pci and pci-stub are registered when the host
 * lacks them (a plan would load them first).
 */
import { err, kernelVersion, ok, profileFor, type Result } from '../model/index.js';
import type { HostDescription, PciDeviceDesc } from '../model/host-description.js';
import { isDriverManagedDma } from '../model/index.js';
import type { GroupSpec } from './ops.js';
import type { RecoveryTarget } from './recovery.js';
import type { VerifyTarget } from './search.js';
import { MAX_SYNTHETIC_DEVICES, SYNTHETIC_DRIVERS, SYNTHETIC_GROUP, syntheticBdf, syntheticHost } from './synthetic-host.js';
import type { SymmetryClasses } from './symmetry.js';

/** `--kernel all`: one release per model profile (L, O1, O2, F, C). */
export const ALL_KERNELS: readonly string[] = ['5.10', '5.19', '6.1', '6.2', '6.6'];

/**
 * A `--kernel` value as a release the model profiles: `5.10` → `5.10.0`, a full `uname -r` as it is.
 * Errors: EINVAL naming the value, for one the model cannot profile (not a release, before 5.10).
 */
export function kernelRelease(v: string): Result<string> {
  const kv = kernelVersion(v);
  const release = kv.ok && v === `${kv.value.major}.${kv.value.minor}` ? `${v}.0` : v;
  const p = profileFor(release);
  if (!p.ok) return err('EINVAL', `--kernel ${JSON.stringify(v.slice(0, 60))}: ${p.why} (profiles: ${ALL_KERNELS.join(', ')}, or a uname -r)`);
  return ok(release);
}

/** The synthetic group of ownership.pml: N devices (device 0 a bridge with `bridge`), every endpoint interchangeable. */
export function syntheticTarget(n: number, bridge: boolean, release: string): Result<VerifyTarget> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SYNTHETIC_DEVICES) return err('EINVAL', `--devices ${n}: out of range (1..${MAX_SYNTHETIC_DEVICES})`);
  const devices = Array.from({ length: n }, (_, i) => syntheticBdf(i, bridge));
  const endpoints = devices.map((_, i) => i).filter((i) => !bridge || i > 0);
  return ok({
    desc: syntheticHost(n, bridge, release), release,
    spec: { group: SYNTHETIC_GROUP, devices, bindDrivers: SYNTHETIC_DRIVERS, overrideDrivers: ['vfio-pci'] },
    classes: [endpoints],
    recovery: endpoints.map((i) => ({ device: devices[i] as string, driver: 'e1000' })),
  });
}

/** Groups of `host` that hold at least one PCI device, by number. */
export function pciGroups(host: HostDescription): number[] {
  const ids = new Set<number>();
  for (const d of host.pci) if (d.iommuGroup !== null) ids.add(d.iommuGroup);
  return [...ids].sort((a, b) => a - b);
}

/** Members alike in everything the kernel looks at — ids, class, header, original driver and override, SR-IOV, reset methods. */
function likeness(d: PciDeviceDesc): string {
  return JSON.stringify([d.vendor, d.device, d.subsystemVendor, d.subsystemDevice, d.class, d.config[0x0e] ?? 0, d.driver, d.driverOverride,
    d.sriovTotalvfs, d.sriovNumvfs, d.physfn !== null, d.resetMethod]);
}

/** IOMMU group `gid` of `host`, on kernel `release`. Errors: ENOENT when the host has no such group (naming those it has). */
export function groupTarget(host: HostDescription, gid: number, release: string, label: string): Result<VerifyTarget> {
  const members = host.pci.filter((d) => d.iommuGroup === gid);
  if (members.length === 0) {
    const groups = pciGroups(host);
    return err('ENOENT', `${label}: no IOMMU group ${gid} with PCI devices (groups: ${groups.length > 0 ? groups.join(', ') : 'none'})`);
  }
  const groupDesc = host.groups.find((g) => g.id === gid);
  const drivers = [...new Set([...host.pciDrivers, 'vfio-pci', 'pci-stub'])];
  const desc: HostDescription = {
    kernel: release, cmdline: host.cmdline, pci: members, other: [],
    groups: groupDesc ? [groupDesc] : [{ id: gid, type: null, reservedRegions: [], name: null }],
    pciDrivers: drivers, iommus: host.iommus,
  };
  const own = [...new Set(members.map((d) => d.driver).filter((d): d is string => d !== null))];
  const bindDrivers = [...new Set([...own, 'vfio-pci', 'pci-stub'])];
  const spec: GroupSpec = { group: gid, devices: members.map((d) => d.bdf), bindDrivers, overrideDrivers: ['vfio-pci'] };
  const byLikeness = new Map<string, number[]>();
  members.forEach((d, i) => { const k = likeness(d); byLikeness.set(k, [...(byLikeness.get(k) ?? []), i]); });
  const classes: SymmetryClasses = [...byLikeness.values()].filter((c) => c.length > 1);
  const recovery: RecoveryTarget[] = members.filter((d) => d.driver !== null && !isDriverManagedDma(d.driver)).map((d) => ({ device: d.bdf, driver: d.driver as string }));
  return ok({ desc, release, spec, classes, recovery });
}
