/**
 * The vfio device's own `struct device` (`vfio_device->device`, class "vfio-dev", drivers/vfio/vfio_main.c;
 * 6.1+, 3c28a76124b2 "vfio: Add struct device to vfio_device"): every registered vfio device N — noiommu
 * ones too — is `<parent device>/vfio-dev/vfioN`, and `/sys/class/vfio-dev/vfioN` links there. N is
 * `vfio_device->index` from `vfio.device_ida` (lowest free, reused after `vfio_device_release()`).
 *
 * The char device (6.6+ with CONFIG_VFIO_DEVICE_CDEV, drivers/vfio/vfio.h `vfio_device_add()`): a device that
 * is not noiommu goes through `vfio_init_device_cdev()` (device_cdev.c: `devt = MKDEV(MAJOR(device_devt),
 * index)`) and `cdev_device_add()`, so `device_add()` (drivers/base/core.c) gives it the `dev` attribute
 * (`MAJOR:MINOR`) and the devtmpfs node /dev/vfio/devices/vfioN (`vfio_device_devnode()`); a noiommu device
 * is a plain `device_add()` without a dev_t: no `dev`, no node, an empty `uevent`.
 */
import type { KernelState } from '../kernel-state.js';
import { dir, kernfsGetTargetPath, link, text, type SysNode } from '../kernfs.js';

/**
 * The major `vfio_cdev_init()` gets from `alloc_chrdev_region(&device_devt, 0, MINORMASK + 1, "vfio-dev")`.
 * [UNSURE: dynamic, it depends on the host's other char drivers; the model fixes one value.]
 */
export const VFIO_DEVICE_CDEV_MAJOR = 511;

/**
 * `vfio_init_device()` (vfio_main.c): `ida_alloc_max(&vfio.device_ida, MINORMASK)` — the lowest free index.
 * A no-op before 6.1 (no `vfio_device->device`). Returns the index, or null before 6.1.
 */
export function vfioInitDevice(k: KernelState, devName: string): number | null {
  if (!k.profile.vfioDeviceClass) return null;
  let n: number | null = null;
  for (const i of k.freeVfioDevIndexes) if (n === null || i < n) n = i;
  if (n === null) n = k.next.vfioDevice++;
  else k.freeVfioDevIndexes.delete(n);
  k.vfioDevIndex.set(devName, n);
  k.vfioDevByIndex.set(n, devName);
  return n;
}

/** `vfio_device_release()` (vfio_main.c): `ida_free(&vfio.device_ida, device->index)`. */
export function vfioDeviceRelease(k: KernelState, devName: string): void {
  const n = k.vfioDevIndex.get(devName);
  if (n === undefined) return;
  k.vfioDevIndex.delete(devName);
  k.vfioDevByIndex.delete(n);
  if (n === k.next.vfioDevice - 1) k.next.vfioDevice--;
  else k.freeVfioDevIndexes.add(n);
  while (k.freeVfioDevIndexes.delete(k.next.vfioDevice - 1)) k.next.vfioDevice--;
}

/** The device registered as `vfioN` (a class device name), or undefined. */
export function vfioDeviceByName(k: KernelState, name: string): string | undefined {
  const m = /^vfio(0|[1-9]\d*)$/.exec(name);
  return m ? k.vfioDevByIndex.get(Number(m[1])) : undefined;
}

/**
 * Whether `vfio_device_add()` (drivers/vfio/vfio.h, 6.6+) gave the device a char device: C with
 * CONFIG_VFIO_DEVICE_CDEV and not noiommu ("cdev does not support noiommu device").
 */
export function vfioDeviceHasCdev(k: KernelState, devName: string): boolean {
  if (!k.profile.vfioDeviceCdev || !k.opts.vfioDeviceCdev || !k.vfioDevIndex.has(devName)) return false;
  const gid = k.devices.get(devName)?.group;
  return !(gid === null || gid === undefined || k.vfioGroups.get(gid)?.noiommu === true);
}

/** The `vfioN` names with a char device, sorted by N (/dev/vfio/devices). */
export function vfioCdevNames(k: KernelState): string[] {
  return [...k.vfioDevIndex].filter(([d]) => vfioDeviceHasCdev(k, d)).map(([, n]) => n).sort((a, b) => a - b).map((n) => `vfio${n}`);
}

/** /sys/class/vfio-dev[/vfioN]: `parts` after 'vfio-dev'. */
export function vfioDevClassNode(k: KernelState, parts: readonly string[]): SysNode | null {
  if (parts.length === 0) return dir(() => [...k.vfioDevByIndex.keys()].sort((a, b) => a - b).map((n) => `vfio${n}`));
  const name = parts.length === 1 ? vfioDeviceByName(k, parts[0] ?? '') : undefined;
  const dev = name === undefined ? undefined : k.devices.get(name);
  return dev ? link(`../../${dev.path}/vfio-dev/${parts[0]}`) : null;
}

/**
 * `<device dir>/vfio-dev[/vfioN[/attr]]` below /sys/devices: `parts` after 'devices'. Attributes as
 * `device_add()` makes them: `device` (`device_add_class_symlinks()`, to the parent), `subsystem`,
 * `uevent` (`dev_uevent()`: MAJOR, MINOR, DEVNAME only with a dev_t), `dev` (only with a dev_t).
 */
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
  const cdev = vfioDeviceHasCdev(k, dev.name);
  if (rest.length === 1) return dir(() => [...(cdev ? ['dev'] : []), 'device', 'subsystem', 'uevent']);
  if (rest[1] === 'device') return link(kernfsGetTargetPath(self, devPath));
  if (rest[1] === 'subsystem') return link(kernfsGetTargetPath(self, 'class/vfio-dev'));
  if (rest[1] === 'dev' && cdev) return text(`${VFIO_DEVICE_CDEV_MAJOR}:${n}\n`);
  if (rest[1] === 'uevent') return text(cdev ? `MAJOR=${VFIO_DEVICE_CDEV_MAJOR}\nMINOR=${n}\nDEVNAME=vfio/devices/vfio${n}\n` : '');
  return null;
}

/** Whether a device directory lists a `vfio-dev` entry. */
export function hasVfioDev(k: KernelState, devName: string): boolean {
  return k.vfioDevIndex.has(devName);
}
