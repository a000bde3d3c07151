/**
 * Booting the model: a `KernelState` from a `HostDescription`, as the kernel stands after boot —
 * devices indexed by name, path and bus; groups with their default domain; drivers registered; every
 * bound kernel driver already counted in `owner_cnt` (O1+); devices bound to vfio drivers registered
 * in their vfio group. Linear in the size of the description.
 */
import type { HostDescription, PciDeviceDesc } from './host-description.js';
import { deviceAddAtBoot, deviceFromOther, indexPathsOnFirstUse, type BusType, type Device } from './base/device.js';
import { deviceFromPci, pciBusListAdd } from './pci/probe.js';
import { createDriver, driverKey, vfioPciFillIds } from './base/driver-registry.js';
import { allocDomain, type DomainType } from './iommu/group.js';
import type { KernelOps, KernelState, ResolvedOptions } from './kernel-state.js';
import { profileFor, type Profile } from './profiles.js';
import { BUS_TYPE_DMA_OPS } from './pci/pci-driver.js';
import { ACCEPTING_DRIVER, PCIEPORT_DRIVER } from './pci/pcieport.js';
import { SHPCHP_DRIVER } from './pci/shpchp.js';
import { VFIO_PCI_DEVICE_OPS, VFIO_PCI_DRIVER } from './vfio/pci/vfio-pci-core.js';
import { iommuBusNotifier } from './iommu/notifier.js';
import { vfioIommuGroupNotifier } from './vfio/notifier.js';
import { INTEL_IOMMU_OPS } from './iommu/intel/iommu.js';
import { AMD_IOMMU_OPS } from './iommu/amd/iommu.js';
import { deviceAttrShow, deviceAttrStore } from './sysfs/device.js';
import { driverCoreRedo, driverRemoveDone } from './base/dd.js';
import type { KernelOptions } from './uapi.js';
import { vfioGroupAddDevice } from './vfio/group.js';
import { vfioInitDevice } from './vfio/device-class.js';
import { iommufdStateInit } from './iommufd/main.js';
import { iommuPlatformFor } from './iommu/platform.js';
import { ofIommuConfigure } from './iommu/arm/of-iommu.js';

function defaultType(t: string | null): DomainType | null {
  if (t === null || t === 'DMA' || t === 'blocked' || t === 'unmanaged') return 'DMA';
  if (t === 'DMA-FQ' || t === 'identity') return t;
  return null;
}

function resolveOptions(desc: HostDescription, profile: Profile, o: KernelOptions): ResolvedOptions {
  const iommufd = o.iommufd ?? profile.defaultIommufd;
  return {
    capSysRawio: o.capSysRawio ?? true,
    noiommuMode: o.noiommuMode ?? desc.cmdline.some((c) => /^vfio\.enable_unsafe_noiommu_mode=(1|y|Y)$/.test(c)),
    debugTestDriverRemove: o.debugTestDriverRemove ?? false,
    iommufd,
    vfioDeviceCdev: o.vfioDeviceCdev ?? (profile.vfioDeviceCdev && iommufd),
    probeErrors: o.probeErrors ?? {},
  };
}

/**
 * What the upper floors register at boot, so the lower ones call them only through these tables: each bus's
 * `bus_type` DMA callbacks (drivers/pci and the other buses), every driver's probe/remove (`driver_register()`),
 * the IOMMU core on the bus notifier chain and, 5.10, VFIO on the IOMMU group notifier chain, the host's IOMMU
 * driver's `iommu_ops` (Intel with DMAR units, else AMD's — the same `device_group`), the firmware's IOMMU setup
 * at probe (`of_iommu_configure`, arm-smmu-v3), vfio-pci's `vfio_device_ops`, and the attribute `show` a woken
 * sysfs read calls.
 */
function bootOps(profile: Profile, desc: HostDescription): KernelOps {
  return {
    busTypes: BUS_TYPE_DMA_OPS,
    drivers: {
      pcieport: PCIEPORT_DRIVER, shpchp: SHPCHP_DRIVER, 'vfio-pci': VFIO_PCI_DRIVER, 'vfio-platform': VFIO_PCI_DRIVER,
      'pci-stub': ACCEPTING_DRIVER, generic: ACCEPTING_DRIVER,
    },
    busNotifiers: [iommuBusNotifier],
    iommuGroupNotifiers: profile.vfioGroupNotifier ? [vfioIommuGroupNotifier] : [],
    iommu: desc.iommus.some((u) => u.startsWith('dmar')) ? INTEL_IOMMU_OPS : AMD_IOMMU_OPS,
    vfioDeviceOps: VFIO_PCI_DEVICE_OPS,
    ofIommuConfigure,
    deviceAttrShow,
    deviceAttrStore,
    driverCoreRedo,
    driverRemoveDone,
  };
}

/** The kernel's state right after boot. Throws Error for a release the model cannot profile. */
export function buildKernelState(desc: HostDescription, o: KernelOptions = {}): KernelState {
  const release = o.release ?? desc.kernel;
  const pr = profileFor(release);
  if (!pr.ok) throw new Error(pr.why);
  const profile = pr.value;
  const k: KernelState = {
    profile, opts: resolveOptions(desc, profile, o), ops: bootOps(profile, desc),
    devices: new Map(), pciBuses: new Map(), groups: new Map(), domains: new Map(), drivers: new Map(),
    vfioGroups: new Map(), deadVfioGroups: new Map(), containers: new Map(), vfioDevIndex: new Map(), vfioDevByIndex: new Map(), freeVfioDevIndexes: new Set(), files: new Map(), pending: new Map(),
    modules: new Set([...desc.pciDrivers, ...(o.loadedModules ?? [])]), buses: new Set(['pci']), iommufd: iommufdStateInit(), vfioIommufdDevs: new Map(), vfioCdevFiles: new Map(), iommus: [...desc.iommus], platform: iommuPlatformFor(desc),
    pathIndex: new Map(), pathChildren: new Map(), pciRemoved: new Map(), freeGroupIds: new Set(), iommuGroupRefs: new Map(), dmarStaleDevInfo: new Map(), pciRescanRemoveLock: null, log: [], taint: [],
    next: { domain: 1, container: 1, pending: 1, iommufdCtx: 1, group: 0, vfioDevice: 0 }, calls: [],
  };
  // pci_device_add() / device_add() of every device; their /sys/devices directories are indexed on first use.
  const later: Device[] = [];
  for (let i = 0; i < desc.pci.length; i++) {
    const dev = deviceFromPci(desc.pci[i] as PciDeviceDesc);
    deviceAddAtBoot(k, dev, later);
    pciBusListAdd(k, dev);
  }
  for (const d of desc.other) deviceAddAtBoot(k, deviceFromOther(d), later);
  indexPathsOnFirstUse(k, later, desc.iommus.map((u) => `devices/virtual/iommu/${u}`));
  const groupDesc = new Map(desc.groups.map((g) => [g.id, g]));
  k.devices.forEach((dev) => {
    if (dev.group === null) return;
    const g = k.groups.get(dev.group);
    if (g) { g.devices.push(dev.name); return; }
    const gd = groupDesc.get(dev.group);
    const t = defaultType(gd?.type ?? null);
    const def = t === null ? null : allocDomain(k, t, `group ${dev.group} default domain`);
    // `devices` starts as a one-member list (most groups keep one): no room reserved for more.
    k.groups.set(dev.group, { id: dev.group, devices: [dev.name], defaultDomain: def, blockingDomain: null, domain: def, ownerCnt: 0, owner: null,
      pasidArray: new Map(), reservedRegions: gd?.reservedRegions ?? [], name: gd?.name ?? null, fake: gd?.name === 'vfio-noiommu' });
  });
  for (const gd of desc.groups) {
    if (k.groups.has(gd.id)) continue;
    const t = defaultType(gd.type);
    const def = t === null ? null : allocDomain(k, t, `group ${gd.id} default domain`);
    k.groups.set(gd.id, { id: gd.id, devices: [], defaultDomain: def, blockingDomain: null, domain: def, ownerCnt: 0, owner: null,
      pasidArray: new Map(), reservedRegions: gd.reservedRegions, name: gd.name, fake: false });
  }
  let maxGroup = -1;
  for (const id of k.groups.keys()) if (id > maxGroup) maxGroup = id;
  k.next.group = maxGroup + 1;
  for (let id = 0; id < maxGroup; id++) if (!k.groups.has(id)) k.freeGroupIds.add(id);
  const bound = new Map<string, Device[]>();
  k.devices.forEach((dev) => {
    if (dev.driver === null) return;
    const key = driverKey(dev.bus, dev.driver);
    let list = bound.get(key);
    if (!list) bound.set(key, (list = []));
    list.push(dev);
  });
  const register = (bus: BusType, name: string): void => {
    const key = driverKey(bus, name);
    const ids = bus === 'pci' && (name === 'vfio-pci' || name === 'pci-stub') ? vfioPciFillIds(desc.cmdline, name) : [];
    if (!k.drivers.has(key)) k.drivers.set(key, createDriver(bus, name, bound.get(key) ?? [], ids));
    k.buses.add(bus);
  };
  for (const name of desc.pciDrivers) register('pci', name);
  for (const key of bound.keys()) {
    const i = key.indexOf('/');
    register(key.slice(0, i) as BusType, key.slice(i + 1));
  }
  k.devices.forEach((dev) => { bootBound(k, dev); });
  return k;
}

/** A device the host shows bound: count its DMA-API use (O1+), or register it with vfio. */
function bootBound(k: KernelState, dev: Device): void {
  if (dev.driver === null) return;
  const drv = k.drivers.get(driverKey(dev.bus, dev.driver));
  if (!drv) return;
  if (drv.kind === 'vfio-pci' || drv.kind === 'vfio-platform') {
    if (dev.group === null) return;
    vfioGroupAddDevice(k, dev.group, dev.name, k.groups.get(dev.group)?.fake ?? false);
    vfioInitDevice(k, dev.name);
    return;
  }
  if (k.profile.dmaOwnership && !drv.driverManagedDma && dev.group !== null) {
    const g = k.groups.get(dev.group);
    if (g) { g.ownerCnt++; dev.defaultDomainUses++; }
  }
}
