/**
 * /dev nodes the model provides: /dev/vfio/vfio, /dev/vfio/N (or noiommu-N) while the vfio group is
 * registered, /dev/vfio/devices/vfioN (C with CONFIG_VFIO_DEVICE_CDEV, not noiommu: vfio/device-class.ts),
 * /dev/iommu (CONFIG_IOMMUFD).
 */
import type { KernelState } from '../kernel-state.js';
import { dir, type CdevKind, type SysNode } from '../kernfs.js';
import { vfioGroupNode, type VfioGroup } from '../vfio/group.js';
import { vfioCdevNames, vfioDeviceByName, vfioDeviceHasCdev } from '../vfio/device-class.js';

const chr = (cdev: CdevKind, name: string): SysNode => ({ kind: 'chardev', cdev, name });

function vfioGroupHasNode(k: KernelState, vg: VfioGroup): boolean {
  return vg.devices.length > 0 || (!k.profile.vfioStrictGroupLifetime && vg.openedFd !== null);
}

/** The vfio groups with a device node: registered and (O2+) not yet detached from their iommu_group. */
export function visibleVfioGroups(k: KernelState): Map<string, number> {
  const out = new Map<string, number>();
  for (const vg of k.vfioGroups.values()) if (vfioGroupHasNode(k, vg)) out.set(vfioGroupNode(vg), vg.id);
  return out;
}

/** The vfio group whose node is /dev/vfio/`name` ('7' or 'noiommu-7'), looked up by id: O(1). */
export function vfioGroupByNode(k: KernelState, name: string): VfioGroup | undefined {
  const m = /^(noiommu-)?(0|[1-9]\d*)$/.exec(name);
  const vg = m ? k.vfioGroups.get(Number(m[2])) : undefined;
  return vg && vfioGroupNode(vg) === name && vfioGroupHasNode(k, vg) ? vg : undefined;
}

export function devNode(k: KernelState, parts: readonly string[]): SysNode | null {
  const cdev = k.profile.vfioDeviceCdev && k.opts.vfioDeviceCdev;
  if (parts.length === 0) return dir(() => (k.opts.iommufd ? ['iommu', 'vfio'] : ['vfio']));
  if (parts[0] === 'iommu') return parts.length === 1 && k.opts.iommufd ? chr('iommu', 'iommu') : null;
  if (parts[0] !== 'vfio') return null;
  if (parts.length === 1) return dir(() => [...(cdev ? ['devices'] : []), ...visibleVfioGroups(k).keys(), 'vfio'].sort());
  const name = parts[1] ?? '';
  if (parts.length === 2) {
    if (name === 'vfio') return chr('vfio', 'vfio');
    if (name === 'devices' && cdev) return dir(() => vfioCdevNames(k));
    return vfioGroupByNode(k, name) ? chr('vfio-group', name) : null;
  }
  if (parts.length === 3 && name === 'devices' && cdev) {
    const d = vfioDeviceByName(k, parts[2] ?? '');
    return d !== undefined && vfioDeviceHasCdev(k, d) ? chr('vfio-device', parts[2] ?? '') : null;
  }
  return null;
}
