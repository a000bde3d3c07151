/**
 * The sysfs (and /dev) view the model implies, laid out as on a real kernel so the host reader reads a
 * simulated kernel as it reads a real one: /sys/bus/B/{devices,drivers,drivers_probe}, the device
 * directories under /sys/devices with their attributes and `driver`/`iommu_group` links,
 * /sys/kernel/iommu_groups, /sys/class/iommu, /dev/vfio. Links resolve like the VFS does.
 */
import type { Errno } from '../errno.js';
import type { KernelState } from '../kernel-state.js';
import { deviceAttrs, deviceAttrWrite } from './device.js';
import { busNode } from './bus.js';
import { groupNode } from './iommu.js';
import { devNode } from './dev.js';
import { pciConfigBytes } from '../pci/config.js';
import { hasVfioDev, vfioDevClassNode, vfioDevDeviceNode } from '../vfio/device-class.js';
import { dir, link, type SysNode } from '../kernfs.js';

/** The node at canonical path `parts` (no links inside), or null. */
function nodeAt(k: KernelState, parts: readonly string[]): SysNode | null {
  const [top, ...rest] = parts;
  if (top === undefined) return dir(() => ['dev', 'sys']);
  if (top === 'dev') return devNode(k, rest);
  if (top !== 'sys') return null;
  const [area, ...tail] = rest;
  if (area === undefined) return dir(() => ['bus', 'class', 'devices', 'kernel']);
  if (area === 'bus') return busNode(k, tail);
  if (area === 'kernel') return tail[0] === 'iommu_groups' || tail.length === 0 ? groupNode(k, tail) : null;
  if (area === 'class') return classNode(k, tail);
  if (area === 'devices') return devicesNode(k, tail);
  return null;
}

function classNode(k: KernelState, parts: readonly string[]): SysNode | null {
  if (parts.length === 0) return dir(() => (k.vfioDevByIndex.size > 0 ? ['iommu', 'vfio-dev'] : ['iommu']));
  if (parts[0] === 'vfio-dev') return k.vfioDevByIndex.size > 0 ? vfioDevClassNode(k, parts.slice(1)) : null;
  if (parts[0] !== 'iommu') return null;
  if (parts.length === 1) return dir(() => [...k.iommus].sort());
  if (parts.length === 2 && k.iommus.includes(parts[1] ?? '')) return link(`../../devices/virtual/iommu/${parts[1]}`);
  return null;
}

function devicesNode(k: KernelState, parts: readonly string[]): SysNode | null {
  const path = ['devices', ...parts].join('/');
  if (parts.includes('vfio-dev')) return vfioDevDeviceNode(k, parts);
  const name = k.pathIndex.get(path);
  if (name !== undefined) {
    const dev = k.devices.get(name);
    if (!dev) return null;
    if (parts.length > 0) return deviceDir(k, dev, path);
  }
  const attr = parts[parts.length - 1];
  const parentName = k.pathIndex.get(['devices', ...parts.slice(0, -1)].join('/'));
  const parent = parentName === undefined ? undefined : k.devices.get(parentName);
  if (parent && attr !== undefined) {
    const n = deviceAttrs(k, parent)[attr];
    if (n) return n;
    if (parent.pci && attr === 'config') return { kind: 'file', bytes: () => (parent.pci ? pciConfigBytes(parent.pci) : new Uint8Array()) };
  }
  const children = k.pathChildren.get(path);
  if (children) return dir(() => [...children].sort());
  return null;
}

function deviceDir(k: KernelState, dev: NonNullable<ReturnType<KernelState['devices']['get']>>, path: string): SysNode {
  return dir(() => {
    const names = new Set(Object.keys(deviceAttrs(k, dev)));
    if (dev.pci) names.add('config');
    if (hasVfioDev(k, dev.name)) names.add('vfio-dev');
    for (const c of k.pathChildren.get(path) ?? []) names.add(c);
    return [...names].sort();
  });
}

export interface Resolved {
  readonly parts: string[];
  readonly node: SysNode;
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/** Walk `path`, following links in every component (and in the last one when `followLast`). */
export function resolve(k: KernelState, path: string, followLast: boolean): Resolved | Errno {
  let todo = split(path);
  let cur: string[] = [];
  for (let hops = 0; todo.length > 0;) {
    const name = todo.shift() as string;
    if (name === '..') { cur.pop(); continue; }
    const next = [...cur, name];
    const node = nodeAt(k, next);
    if (!node) return 'ENOENT';
    if (node.kind === 'link' && (todo.length > 0 || followLast)) {
      if (++hops > 40) return 'ELOOP';
      todo = [...split(node.target), ...todo];
      continue;
    }
    if (todo.length > 0 && node.kind !== 'dir') return 'ENOTDIR';
    cur = next;
  }
  const node = nodeAt(k, cur);
  return node ? { parts: cur, node } : 'ENOENT';
}

export { deviceAttrWrite };
