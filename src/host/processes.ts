import { posix } from 'node:path';
import type { HostReader } from './live-port.js';

/**
 * Who holds DMA ownership from user space: the processes with an open file on `/dev/vfio/N` (a VFIO
 * group), `/dev/vfio/devices/vfioX` (a VFIO device cdev, 6.6+) or `/dev/iommu` (an iommufd context),
 * found the way `fuser`/`lsof` find them: the `/proc/PID/fd/*` links.
 */

export type { HostReader } from './live-port.js';

export interface DmaHolder {
  readonly pid: number;
  /** /proc/PID/comm without the newline ('qemu-system-x86'). */
  readonly comm: string;
  /** The device file held open: '/dev/vfio/7', '/dev/vfio/devices/vfio0', '/dev/iommu'. */
  readonly path: string;
  /** The IOMMU group: N of /dev/vfio/N (and noiommu-N); for a cdev, its device's iommu_group link; else null. */
  readonly group: number | null;
  /** The PCI device of a /dev/vfio/devices/vfioX cdev when sysfs tells it, else null. */
  readonly bdf: string | null;
}

const GROUP_FILE = /^\/dev\/vfio\/(?:noiommu-)?(\d+)$/;
const CDEV_FILE = /^\/dev\/vfio\/devices\/((?:noiommu-)?vfio\d+)$/;

/**
 * Every open VFIO/iommufd file of every process the reader can see. Processes whose fd directory
 * cannot be read (other users' processes without root: EACCES) are skipped — the result is then a
 * lower bound, which the caller says when it is not root.
 */
export function findDmaHolders(r: HostReader): DmaHolder[] {
  return scanDmaHolders(r).holders;
}

/** findDmaHolders(), and how many processes' fd directories could not be read (0: the list is complete). */
export function scanDmaHolders(r: HostReader): { holders: DmaHolder[]; unreadable: number } {
  const pids = r.list('/proc');
  if (!pids.ok) return { holders: [], unreadable: 1 };
  const out: DmaHolder[] = [];
  let unreadable = 0;
  for (const p of pids.value) {
    if (!/^\d+$/.test(p)) continue;
    const fds = r.list(`/proc/${p}/fd`);
    if (!fds.ok) { if (fds.errno !== 'ENOENT') unreadable++; continue; }
    let comm: string | null = null;
    for (const fd of fds.value) {
      const t = r.readLink(`/proc/${p}/fd/${fd}`);
      if (!t.ok) continue;
      const path = t.value;
      const g = GROUP_FILE.exec(path), c = CDEV_FILE.exec(path);
      if (!g && !c && path !== '/dev/iommu') continue;
      comm ??= readComm(r, p);
      if (out.some((h) => h.pid === Number(p) && h.path === path)) continue;
      const bdf = c ? cdevDevice(r, c[1] ?? '') : null;
      const group = g ? Number(g[1]) : bdf !== null ? deviceGroup(r, bdf) : null;
      out.push({ pid: Number(p), comm, path, group, bdf });
    }
  }
  return { holders: out, unreadable };
}

function readComm(r: HostReader, pid: string): string {
  const c = r.read(`/proc/${pid}/comm`);
  return c.ok ? c.value.trim() : '?';
}

const BDF = /[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]/g;

function lastBdf(path: string): string | null {
  const all = path.match(BDF);
  return all ? (all[all.length - 1] ?? null) : null;
}

/**
 * The PCI device of the VFIO cdev `vfioX`. Every vfio device is a class device of class "vfio-dev"
 * under its parent device (drivers/vfio/vfio_main.c, 6.6–6.12: `vfio_init_device()` sets
 * `device->device.parent = dev`; `__vfio_register_dev()` names it `vfio%d`, or `noiommu-vfio%d`), so, in order: the class link `/sys/class/vfio-dev/vfioX` →
 * `…/<BDF>/vfio-dev/vfioX`; its `device` link resolved from the class device's real directory (the
 * kernel prints it relative, `../../../<BDF>`); a scan of `/sys/bus/pci/devices/<BDF>/vfio-dev/`.
 */
export function cdevDevice(r: HostReader, name: string): string | null {
  const cls = r.readLink(`/sys/class/vfio-dev/${name}`);
  const real = cls.ok ? posix.join('/sys/class/vfio-dev', cls.value) : null;
  if (real !== null && real.endsWith(`/vfio-dev/${name}`)) {
    const b = lastBdf(real.slice(0, -`/vfio-dev/${name}`.length));
    if (b) return b;
  }
  const dev = r.readLink(`/sys/class/vfio-dev/${name}/device`);
  if (dev.ok) {
    const b = lastBdf(real !== null ? posix.join(real, dev.value) : dev.value);
    if (b) return b;
  }
  const all = r.list('/sys/bus/pci/devices');
  for (const b of all.ok ? all.value : []) {
    const v = r.list(`/sys/bus/pci/devices/${b}/vfio-dev`);
    if (v.ok && v.value.includes(name)) return b;
  }
  return null;
}

/** The IOMMU group of a PCI device (its iommu_group link), or null. */
function deviceGroup(r: HostReader, bdf: string): number | null {
  const l = r.readLink(`/sys/bus/pci/devices/${bdf}/iommu_group`);
  const m = l.ok ? /(\d+)$/.exec(l.value) : null;
  return m ? Number(m[1]) : null;
}
