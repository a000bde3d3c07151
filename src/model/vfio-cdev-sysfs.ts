/**
 * The sysfs side of vfio devices (`vfio_device_class` "vfio-dev", drivers/vfio/vfio_main.c): each
 * registered vfio device N shows as `<parent device>/vfio-dev/vfioN` with a `device` link to its parent,
 * and `/sys/class/vfio-dev/vfioN` links there. N is the device's index (`vfio.device_ida`: lowest free,
 * in registration order, reused after free), the N of /dev/vfio/devices/vfioN. Shown where the model
 * numbers vfio devices (C with CONFIG_VFIO_DEVICE_CDEV). [The class exists since 6.1; not shown before C.]
 */
import type { KernelState } from './kernel-state.js';
import { dir, link, text, type SysNode } from './sysfs.js';
import { cdevMinor } from './sysfs-dev.js';
import { relPath } from './sysfs-device.js';

function sortedNames(k: KernelState): string[] {
  return [...k.vfioDevIndex.values()].sort((a, b) => a - b).map((n) => `vfio${n}`);
}

/** /sys/class/vfio-dev[/vfioN]: `parts` after 'vfio-dev'. */
export function vfioDevClassNode(k: KernelState, parts: readonly string[]): SysNode | null {
  if (parts.length === 0) return dir(() => sortedNames(k));
  const bdf = parts.length === 1 ? cdevMinor(k, parts[0] ?? '') : undefined;
  const dev = bdf === undefined ? undefined : k.devices.get(bdf);
  return dev ? link(`../../${dev.path}/vfio-dev/${parts[0]}`) : null;
}

/** `<device dir>/vfio-dev[/vfioN[/attr]]` below /sys/devices: `parts` after 'devices'. */
export function vfioDevDeviceNode(k: KernelState, parts: readonly string[]): SysNode | null {
  const at = parts.lastIndexOf('vfio-dev');
  if (at < 0 || parts.length - at > 3) return null;
  const devPath = ['devices', ...parts.slice(0, at)].join('/');
  const name = k.pathIndex.get(devPath);
  const dev = name === undefined ? undefined : k.devices.get(name);
  const n = name === undefined ? undefined : k.vfioDevIndex.get(name);
  if (!dev || n === undefined) return null;
  const rest = parts.slice(at + 1);
  if (rest.length === 0) return dir(() => [`vfio${n}`]);
  if (rest[0] !== `vfio${n}`) return null;
  const self = `${devPath}/vfio-dev/vfio${n}`;
  if (rest.length === 1) return dir(() => ['device', 'subsystem', 'uevent']);
  if (rest[1] === 'device') return link(relPath(self, devPath));
  if (rest[1] === 'subsystem') return link(relPath(self, 'class/vfio-dev'));
  if (rest[1] === 'uevent') return text(`DEVNAME=vfio/devices/vfio${n}\n`);
  return null;
}

/** Whether a device directory lists a `vfio-dev` entry. */
export function hasVfioDev(k: KernelState, devName: string): boolean {
  return k.vfioDevIndex.has(devName);
}
