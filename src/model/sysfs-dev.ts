/**
 * /dev nodes the model provides: /dev/vfio/vfio, /dev/vfio/N (or noiommu-N) while the vfio group is
 * registered, /dev/vfio/devices/vfioN (C with CONFIG_VFIO_DEVICE_CDEV, not noiommu: vfio-device-class.ts),
 * /dev/iommu (CONFIG_IOMMUFD).
 */
import type { KernelState } from './kernel-state.js';
import { dir, type SysNode } from './sysfs.js';
import { vfioGroupNode } from './vfio-group.js';
import { vfioCdevNames, vfioDeviceByName, vfioDeviceHasCdev } from './vfio-device-class.js';

const CHR: SysNode = { kind: 'chardev' };

/** The vfio groups with a device node: registered and (O2+) not yet detached from their iommu_group. */
export function visibleVfioGroups(k: KernelState): Map<string, number> {
  const out = new Map<string, number>();
  for (const vg of k.vfioGroups.values()) {
    if (vg.devices.length === 0 && (k.profile.vfioStrictGroupLifetime || vg.openedFd === null)) continue;
    out.set(vfioGroupNode(vg), vg.id);
  }
  return out;
}

export function devNode(k: KernelState, parts: readonly string[]): SysNode | null {
  const cdev = k.profile.label === 'C' && k.opts.vfioDeviceCdev;
  if (parts.length === 0) return dir(() => (k.opts.iommufd ? ['iommu', 'vfio'] : ['vfio']));
  if (parts[0] === 'iommu') return parts.length === 1 && k.opts.iommufd ? CHR : null;
  if (parts[0] !== 'vfio') return null;
  if (parts.length === 1) return dir(() => [...(cdev ? ['devices'] : []), ...visibleVfioGroups(k).keys(), 'vfio'].sort());
  const name = parts[1] ?? '';
  if (parts.length === 2) {
    if (name === 'vfio') return CHR;
    if (name === 'devices' && cdev) return dir(() => vfioCdevNames(k));
    return visibleVfioGroups(k).has(name) ? CHR : null;
  }
  if (parts.length === 3 && name === 'devices' && cdev) {
    const d = vfioDeviceByName(k, parts[2] ?? '');
    return d !== undefined && vfioDeviceHasCdev(k, d) ? CHR : null;
  }
  return null;
}
