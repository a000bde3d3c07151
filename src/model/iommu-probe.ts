/**
 * A device joining or leaving an IOMMU group at runtime (hot-add / hot-remove, spec §2.10, §5.7):
 * L attaches the newcomer to the default domain even in a vfio-owned group (and vfio WARNs
 * "Device added to live group"); O1/O2 attach the current domain when the group is owned; 6.x always
 * the current domain. On removal the group is freed when empty (6.12 WARNs unless unowned and on the
 * default domain).
 */
import type { Device } from './device.js';
import { allocDomain, type DomainType, type IommuGroup } from './iommu-group.js';
import { enter, printk, type KernelState } from './kernel-state.js';
import { vfioNotifyAddDevice } from './vfio-notifier.js';

function defaultTypeFor(k: KernelState): DomainType {
  for (const g of k.groups.values()) {
    const d = g.defaultDomain === null ? undefined : k.domains.get(g.defaultDomain);
    if (d) return d.type;
  }
  return 'DMA';
}

/** `iommu_probe_device()` → `iommu_group_add_device()` for a hot-added device (group chosen by the caller). */
export function iommuProbeDevice(k: KernelState, dev: Device, gid: number): IommuGroup {
  enter(k, `iommu_probe_device: group ${gid}`);
  let g = k.groups.get(gid);
  if (!g) {
    const type = defaultTypeFor(k);
    const def = allocDomain(k, type, `group ${gid} default domain`);
    g = { id: gid, devices: [], defaultDomain: def, blockingDomain: null, domain: def, ownerCnt: 0, owner: null,
      pasidArray: new Map(), reservedRegions: [], name: null, fake: false };
    k.groups.set(gid, g);
    if (gid >= k.next.group) k.next.group = gid + 1;
  }
  g.devices.push(dev.name);
  dev.group = gid;
  enter(k, 'iommu_group_add_device');
  if (!k.profile.dmaOwnership && g.domain !== g.defaultDomain) {
    printk(k, `${dev.name}: attached to the default domain of group ${gid}, whose other members are in ${g.domain === null ? 'no domain' : `domain ${g.domain}`} (L: iommu_probe_device attaches the default domain unconditionally)`);
  }
  vfioNotifyAddDevice(k, dev);
  return g;
}

/** `iommu_release_device()`: leave the group; an empty group is freed. */
export function iommuReleaseDevice(k: KernelState, dev: Device): void {
  if (dev.group === null) return;
  const g = k.groups.get(dev.group);
  dev.group = null;
  if (!g) return;
  enter(k, `iommu_release_device: group ${g.id}`);
  g.devices.splice(g.devices.indexOf(dev.name), 1);
  if (g.devices.length > 0) return;
  if (k.profile.label === 'C' && (g.ownerCnt !== 0 || g.domain !== g.defaultDomain)) {
    printk(k, `WARNING: __iommu_group_free_device: group ${g.id} emptied with owner_cnt=${g.ownerCnt}`);
  }
  if (!k.vfioGroups.has(g.id)) {
    for (const d of [g.defaultDomain, g.blockingDomain]) if (d !== null) k.domains.delete(d);
    k.groups.delete(g.id);
  }
}
