/**
 * Kernel profiles: which behaviour a given `uname -r` selects (spec §0.1). The model switches on the
 * feature flags below, never on version numbers scattered through the code.
 *
 *   L  5.10–5.18  vfio group notifier + BUG_ON, no ownership in the IOMMU core
 *   O1 5.19–6.0   owner_cnt/owner, blocking domain, VFIO cookie = container file
 *   O2 6.1        VFIO cookie = struct vfio_group, strict iommu_group lifetime in vfio
 *   F  6.2–6.5    iommufd, device-centric claims, pasid_array checks
 *   C  6.6+       vfio cdev, group/cdev exclusion, RESV_DIRECT refuses blocking
 */
import { err, ok, type Result } from './errno.js';

export type ProfileLabel = 'L' | 'O1' | 'O2' | 'F' | 'C';

export interface Profile {
  readonly label: ProfileLabel;
  /** uname -r as given. */
  readonly release: string;
  readonly major: number;
  readonly minor: number;
  /** O1+: `owner_cnt`/`owner`, `iommu_device_use_default_domain()` in bus dma_configure. */
  readonly dmaOwnership: boolean;
  /** L: vfio registers `vfio_iommu_group_notifier` and BUG_ONs on a non-viable BOUND_DRIVER. */
  readonly vfioGroupNotifier: boolean;
  /** VFIO container-path owner cookie: O1 the container file, O2+ the vfio_group. */
  readonly vfioCookie: 'container' | 'vfio_group' | null;
  /** 6.0 (2380f1e8195e) … F: `iommu_is_default_domain()` accepts identity-vs-identity. C uses plain equality. [UNSURE of the release that dropped it] */
  readonly iommuIsDefaultDomain: boolean;
  /** F+: `group->pasid_array` checked by every ownership transition; NULL owner → -EINVAL. */
  readonly pasidArray: boolean;
  /** F+: `iommu_device_claim_dma_owner()` / `iommu_device_release_dma_owner()`. */
  readonly deviceClaim: boolean;
  /** C+: a member with `require_direct` refuses the blocking domain (a48ce36e2786). */
  readonly requireDirect: boolean;
  /** C+: vfio group/cdev mutual exclusion (`cdev_device_open_cnt`). */
  readonly vfioCdevExclusion: boolean;
  /** ≥5.14 (ef6dcbdd8eb2): probe errors flow to sysfs bind; bind of a bound device → EBUSY. Before: ENODEV. */
  readonly bindFlowsProbeErrors: boolean;
  /** ≥6.6 (f429378a9bf8): the test_remove path calls dma_cleanup. */
  readonly testRemoveCleanup: boolean;
  /** ≥6.13: `iommu_device_use_default_domain()` → -EPROBE_DEFER when the group has no default domain. */
  readonly useDefaultDomainProbeDefer: boolean;
  /** §5.6: what unbinding the last vfio device of a group in use does. */
  readonly vfioLastDeviceUnbind: 'wait-container' | 'keep-claim' | 'force-release';
  /**
   * ≥6.1 (3c28a76124b2 "vfio: Add struct device to vfio_device"): every registered vfio device is a
   * class "vfio-dev" device `vfioN` below its parent (N from `vfio.device_ida`); the char node only with C's cdev.
   */
  readonly vfioDeviceClass: boolean;
  /** O2+: the vfio group answers ENODEV once its iommu_group is gone. */
  readonly vfioStrictGroupLifetime: boolean;
  /** /sys/kernel/iommu_groups/N/type writes: none before 5.11, singleton+unbound rule to 6.3, owner_cnt rule from 6.4. */
  readonly groupTypeStore: 'none' | 'singleton' | 'owner';
  /** ≥5.15: IOMMU_DOMAIN_DMA_FQ exists ("DMA-FQ" in sysfs) and the `reset_method` attribute exists. */
  readonly dmaFq: boolean;
  readonly resetMethodAttr: boolean;
  /**
   * L (observed on 5.10, conformance/5.10/S15): intel-iommu keeps the `device_domain_info` of a device
   * hot-removed while its group sat in a non-default (vfio) domain. [UNSURE of the range: 6.1 is clean.]
   */
  readonly dmarStaleDevInfo: boolean;
  /**
   * How PCI `driver_override` is locked. 'device_lock': `driver_override_show()` (drivers/pci/pci-sysfs.c) and
   * `driver_override_store()` / `driver_set_override()` (drivers/base/driver.c) take `device_lock(dev)`, so
   * both wait while another task holds it (recorded: 5.10, 6.1 — conformance S25). 'spinlock': the generic
   * infrastructure of cb3d1049f4ea ("driver core: generalize driver_override in struct device"): the PCI bus
   * opts into `driver_override_show()` / `driver_override_store()` of drivers/base/bus.c, which take only
   * `dev->driver_override.lock` (`__device_set_driver_override()`, drivers/base/dd.c) and never sleep on the
   * device lock — present in Debian's 6.12.117 (recorded, conformance/6.12/S25; read in linux-source-6.12
   * 6.12.118). [UNSURE: the first 6.12.y sublevel with the backport, and the mainline release; the model
   * takes 6.12.117+ only.]
   */
  readonly driverOverrideLock: 'device_lock' | 'spinlock';
}

function at(major: number, minor: number, a: number, b: number): boolean {
  return major > a || (major === a && minor >= b);
}

/** The profile for a release string such as `6.1.0-56-amd64`. Errors: EINVAL for an unparsable or pre-5.10 release. */
export function profileFor(release: string): Result<Profile> {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return err('EINVAL', `kernel release ${JSON.stringify(release)}: not a uname -r (expected e.g. 6.1.0-56-amd64)`);
  const major = Number(m[1]), minor = Number(m[2]), sublevel = Number(m[3] ?? 0);
  if (!at(major, minor, 5, 10)) return err('EINVAL', `kernel release ${release}: the model covers 5.10 and later`);
  const label: ProfileLabel = !at(major, minor, 5, 19) ? 'L' : !at(major, minor, 6, 1) ? 'O1'
    : !at(major, minor, 6, 2) ? 'O2' : !at(major, minor, 6, 6) ? 'F' : 'C';
  const owned = label !== 'L';
  const fPlus = label === 'F' || label === 'C';
  return ok({
    label, release, major, minor,
    dmaOwnership: owned,
    vfioGroupNotifier: !owned,
    vfioCookie: label === 'L' ? null : label === 'O1' ? 'container' : 'vfio_group',
    iommuIsDefaultDomain: at(major, minor, 6, 0) && label !== 'C',
    pasidArray: fPlus,
    deviceClaim: fPlus,
    requireDirect: label === 'C',
    vfioCdevExclusion: label === 'C',
    bindFlowsProbeErrors: at(major, minor, 5, 14),
    testRemoveCleanup: at(major, minor, 6, 6),
    useDefaultDomainProbeDefer: at(major, minor, 6, 13),
    vfioLastDeviceUnbind: label === 'L' ? 'wait-container' : label === 'O1' ? 'keep-claim' : 'force-release',
    vfioDeviceClass: at(major, minor, 6, 1),
    vfioStrictGroupLifetime: at(major, minor, 6, 1),
    groupTypeStore: !at(major, minor, 5, 11) ? 'none' : !at(major, minor, 6, 4) ? 'singleton' : 'owner',
    dmaFq: at(major, minor, 5, 15),
    resetMethodAttr: at(major, minor, 5, 15),
    dmarStaleDevInfo: label === 'L',
    driverOverrideLock: major === 6 && minor === 12 && sublevel >= 117 ? 'spinlock' : 'device_lock',
  });
}
