/**
 * Kernel profiles: which behaviour a given `uname -r` selects (spec §0.1). The model, the host tool
 * (`src/assign`) and the fuzzer switch on the named feature flags below — each with the kernel commit
 * and release that brought it — never on version numbers or labels scattered through the code; the
 * release is parsed here only (`kernelVersion`). The label is for messages and the spec's tables.
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
  /**
   * O1+ (5.19, 1ea2a07a532b "iommu: Add DMA ownership management interfaces"): `owner_cnt`/`owner`,
   * `iommu_device_use_default_domain()` in bus dma_configure.
   */
  readonly dmaOwnership: boolean;
  /**
   * L: vfio registers `vfio_iommu_group_notifier` and BUG_ONs on a non-viable BOUND_DRIVER (removed in
   * 5.19 by 3b86f317c9c7 "vfio: Remove iommu group notifier").
   */
  readonly vfioGroupNotifier: boolean;
  /**
   * VFIO container-path owner cookie: O1 the container file (5.19, 70693f470848 "vfio: Set DMA ownership
   * for VFIO devices"), O2+ the vfio_group (6.1, 03e650f66115, see `vfioContainerAttachGroup`).
   */
  readonly vfioCookie: 'container' | 'vfio_group' | null;
  /**
   * ≥6.1 (03e650f66115 "vfio: Split the container logic into vfio_container_attach_group()"):
   * VFIO_GROUP_SET_CONTAINER takes the fd first (EBADF), then refuses a group that already has a
   * container or an iommufd (EINVAL) and a group whose iommu_group is gone (ENODEV); the container's own
   * checks (noiommu's CAP_SYS_RAWIO) move into `vfio_container_attach_group()`. Before: a negative fd
   * and `container_users` (EINVAL), noiommu (EPERM), then the fd.
   */
  readonly vfioContainerAttachGroup: boolean;
  /**
   * ≥6.2 (2ff4bed7fee7 "iommufd: File descriptor, context, kconfig and makefiles"): /dev/iommu exists
   * when the kernel is built with CONFIG_IOMMUFD (the model's build: `KernelOptions.iommufd`).
   */
  readonly iommufd: boolean;
  /**
   * Whether the model boots this release built with CONFIG_IOMMUFD when not told (`KernelOptions.iommufd`):
   * F+, except Debian's 6.12 `+deb` kernels, which are built without it (linux-image-6.12.*+deb12).
   */
  readonly defaultIommufd: boolean;
  /**
   * ≥6.6 (8b6f173a4ce4 "vfio: Add cdev for vfio_device"): `/dev/vfio/devices/vfioN`,
   * VFIO_DEVICE_BIND_IOMMUFD, when built with CONFIG_VFIO_DEVICE_CDEV (`KernelOptions.vfioDeviceCdev`).
   */
  readonly vfioDeviceCdev: boolean;
  /**
   * `__iommu_group_free_device()` / `iommu_release_device()` WARN when the last device leaves a group
   * still owned or off its default domain (dba9ca9d41f5 "iommu: Same critical region for device release
   * and removal", merged for 6.4). [UNSURE: the model applies it from 6.6, where it was read (6.12);
   * 6.4 and 6.5 run without it.]
   */
  readonly groupFreeDeviceWarn: boolean;
  /** 6.0 (2380f1e8195e) … F: `iommu_is_default_domain()` accepts identity-vs-identity. C uses plain equality. [UNSURE of the release that dropped it] */
  readonly iommuIsDefaultDomain: boolean;
  /**
   * F+ (6.2, 16603704559c "iommu: Add attach/detach_dev_pasid iommu interfaces"): `group->pasid_array`
   * checked by every ownership transition; NULL owner → -EINVAL.
   */
  readonly pasidArray: boolean;
  /**
   * F+ (6.2, 89395ccedbc1 "iommu: Add device-centric DMA ownership interfaces"):
   * `iommu_device_claim_dma_owner()` / `iommu_device_release_dma_owner()`.
   */
  readonly deviceClaim: boolean;
  /** C+ (6.6 merge window, a48ce36e2786 "iommu: Prevent RESV_DIRECT devices from blocking domains"): a member with `require_direct` refuses the blocking domain. */
  readonly requireDirect: boolean;
  /** C+ (6.6, 270bf4c019b9 "vfio: Add cdev_device_open_cnt to vfio_group"): vfio group/cdev mutual exclusion. */
  readonly vfioCdevExclusion: boolean;
  /** ≥5.14 (ef6dcbdd8eb2 "driver core: Flow the return code from ->probe() through to sysfs bind"): probe errors flow to sysfs bind; bind of a bound device → EBUSY. Before: ENODEV. */
  readonly bindFlowsProbeErrors: boolean;
  /** ≥6.6 (f429378a9bf8 "driver core: Call dma_cleanup() on the test_remove path", also 6.5.y): the test_remove path calls dma_cleanup. */
  readonly testRemoveCleanup: boolean;
  /**
   * ≥6.13: `iommu_device_use_default_domain()` → -EPROBE_DEFER when the group has no default domain
   * ("iommu: Handle race with default domain setup", Robin Murphy, 2025; stable backports to 6.6.y and
   * 6.12.y). [UNSURE: the mainline id (d4e60fa59558?) and release; the model takes 6.13 from the spec.]
   */
  readonly useDefaultDomainProbeDefer: boolean;
  /**
   * §5.6: what unbinding the last vfio device of a group in use does. L waits for the container
   * (`container_q`); O1 returns with the claim kept (5.19, dc15f82f5329 "vfio: Delete container_q"); O2+
   * releases it (6.1, ca5f21b25749 "vfio: Follow a strict lifetime for struct iommu_group").
   */
  readonly vfioLastDeviceUnbind: 'wait-container' | 'keep-claim' | 'force-release';
  /**
   * ≥6.1 (3c28a76124b2 "vfio: Add struct device to vfio_device"): every registered vfio device is a
   * class "vfio-dev" device `vfioN` below its parent (N from `vfio.device_ida`); the char node only with C's cdev.
   */
  readonly vfioDeviceClass: boolean;
  /** O2+ (6.1, ca5f21b25749 "vfio: Follow a strict lifetime for struct iommu_group"): the vfio group answers ENODEV once its iommu_group is gone. */
  readonly vfioStrictGroupLifetime: boolean;
  /**
   * /sys/kernel/iommu_groups/N/type writes: none before 5.11 (08a27c1c3ecf "iommu: Add support to change
   * default domain of an iommu group"), singleton+unbound rule to 6.3, owner_cnt rule from 6.4
   * (49a22aae7d9c "iommu: Replace device_lock() with group->mutex").
   */
  readonly groupTypeStore: 'none' | 'singleton' | 'owner';
  /** ≥5.15 (bf3aed4660c6 "iommu: Introduce explicit type for non-strict DMA domains"): IOMMU_DOMAIN_DMA_FQ exists ("DMA-FQ" in sysfs). */
  readonly dmaFq: boolean;
  /** ≥5.15 (d88f521da3ef "PCI: Allow userspace to query and set device reset mechanism"): the `reset_method` attribute exists. */
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

export interface KernelVersion {
  readonly major: number;
  readonly minor: number;
  readonly sublevel: number;
}

/**
 * MAJOR.MINOR[.SUBLEVEL] of a `uname -r` (`6.1.0-56-amd64` → 6, 1, 0): the one release parser of
 * dmaown. Errors: EINVAL for a string that does not start with MAJOR.MINOR.
 */
export function kernelVersion(release: string): Result<KernelVersion> {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return err('EINVAL', `kernel release ${JSON.stringify(release.length > 80 ? `${release.slice(0, 80)}…` : release)}: not a uname -r (expected e.g. 6.1.0-56-amd64)`);
  return ok({ major: Number(m[1]), minor: Number(m[2]), sublevel: Number(m[3] ?? 0) });
}

/** The profile for a release string such as `6.1.0-56-amd64`. Errors: EINVAL for an unparsable or pre-5.10 release. */
export function profileFor(release: string): Result<Profile> {
  const v = kernelVersion(release);
  if (!v.ok) return v;
  const { major, minor, sublevel } = v.value;
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
    vfioContainerAttachGroup: at(major, minor, 6, 1),
    iommufd: fPlus,
    defaultIommufd: fPlus && !(/^6\.12\./.test(release) && release.includes('+deb')),
    vfioDeviceCdev: label === 'C',
    groupFreeDeviceWarn: label === 'C',
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

/** How outputs (JSON `era`, the exports) name a profile's DMA rule: 5.10–5.18 VFIO viability, or 5.19+ DMA ownership. */
export type DmaRule = 'legacy' | 'ownership';

/** The DMA rule of a profile, read from its `dmaOwnership` flag. */
export function dmaRule(p: Pick<Profile, 'dmaOwnership'>): DmaRule {
  return p.dmaOwnership ? 'ownership' : 'legacy';
}
