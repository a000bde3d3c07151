/**
 * `createKernel()`: the syscall layer over the kernel state. Each call resets the `calls` record, runs
 * the kernel functions, wakes blocked calls whose condition now holds, and answers a `SysResult`.
 * Paths resolve through the sysfs view (sysfs/sysfs.ts); fds dispatch through one ioctl table per file type.
 */
import type { HostDescription, PciDeviceDesc } from './host-description.js';
import type { BusType } from './base/device.js';
import { driverKey, createDriver, type DeviceDriver } from './base/driver-registry.js';
import { deviceReleaseDriver, driverAttach } from './base/dd.js';
import { pciDeviceAdd, pciStopAndRemoveBusDevice } from './pci/hotplug.js';
import { jsonUnsafePath, type FileOpsTable } from './file-table.js';
import { CDEV_OPEN, FILE_OPS } from './file-ops.js';
import { err, ModelBug, ok } from './errno.js';
import { iommuAttachDevice, iommuAttachDevicePasid, iommuDetachDevice, iommuDetachDevicePasid } from './iommu/attach.js';
import type { DomainType } from './iommu/group.js';
import { buildKernelState } from './kernel-build.js';
import { enter, fail, type KernelState } from './kernel-state.js';
import { wakeUpPending } from './base/pending.js';
import { resolve } from './sysfs/sysfs.js';
import type { HotAddOptions, Kernel, KernelOptions, Outcome, StatInfo, SysResult } from './uapi.js';

const OK: Outcome = ok();

/** Modules that register a vfio driver on a bus other than PCI (drivers/vfio/platform, fsl-mc, cdx); any other driver module is a PCI driver. */
const VFIO_BUS_MODULES = { 'vfio-platform': 'platform', 'vfio-amba': 'amba', 'vfio-fsl-mc': 'fsl-mc', 'vfio-cdx': 'cdx' } as const satisfies Readonly<Record<string, BusType>>;

class SimKernel implements Kernel {
  private readonly cdevOpen = CDEV_OPEN;

  constructor(readonly state: KernelState, private readonly fops: FileOpsTable) {}

  private run<T>(fn: () => Outcome<T>): SysResult<T> {
    const k = this.state;
    k.calls = [];
    const r = fn();
    wakeUpPending(k);
    const calls = k.calls;
    k.calls = [];
    return r.ok ? { ok: true, value: r.value, calls } : { ...r, calls };
  }

  write(path: string, data: string): SysResult {
    return this.run(() => {
      const r = resolve(this.state, path, true);
      if (typeof r === 'string') return fail(this.state, 'write', r, `${path}: ${r === 'ENOENT' ? 'no such file' : r}`);
      if (r.node.kind === 'dir') return fail(this.state, 'write', 'EISDIR', `${path} is a directory`);
      if (r.node.kind !== 'file' || !r.node.write) return fail(this.state, 'write', 'EACCES', `${path} is not writable`);
      return r.node.write(data);
    });
  }

  read(path: string): SysResult<string> {
    return this.run<string>(() => {
      const r = resolve(this.state, path, true);
      if (typeof r === 'string') return fail(this.state, 'read', r, `${path}: ${r === 'ENOENT' ? 'no such file' : r}`);
      if (r.node.kind === 'dir') return fail(this.state, 'read', 'EISDIR', `${path} is a directory`);
      if (r.node.kind !== 'file') return fail(this.state, 'read', 'EINVAL', `${path} is a device node; use open`);
      if (r.node.read) return r.node.read();
      if (r.node.bytes) return ok(String.fromCharCode(...r.node.bytes()));
      return fail(this.state, 'read', 'EACCES', `${path} is write-only`);
    });
  }

  readBytes(path: string): SysResult<Uint8Array> {
    return this.run<Uint8Array>(() => {
      const r = resolve(this.state, path, true);
      if (typeof r === 'string') return fail(this.state, 'read', r, `${path}: ${r}`);
      if (r.node.kind !== 'file') return fail(this.state, 'read', 'EISDIR', `${path} is not a regular file`);
      if (r.node.bytes) return ok(r.node.bytes());
      if (r.node.read) {
        const t = r.node.read();
        return t.ok ? ok(new TextEncoder().encode(t.value)) : t;
      }
      return fail(this.state, 'read', 'EACCES', `${path} is write-only`);
    });
  }

  readLink(path: string): SysResult<string> {
    return this.run<string>(() => {
      const r = resolve(this.state, path, false);
      if (typeof r === 'string') return fail(this.state, 'readlink', r, `${path}: ${r === 'ENOENT' ? 'no such file or link' : r}`);
      if (r.node.kind !== 'link') return fail(this.state, 'readlink', 'EINVAL', `${path} is not a symbolic link`);
      return ok(r.node.target);
    });
  }

  list(path: string): SysResult<string[]> {
    return this.run<string[]>(() => {
      const r = resolve(this.state, path, true);
      if (typeof r === 'string') return fail(this.state, 'readdir', r, `${path}: ${r}`);
      if (r.node.kind !== 'dir') return fail(this.state, 'readdir', 'ENOTDIR', `${path} is not a directory`);
      return ok(r.node.entries().sort());
    });
  }

  stat(path: string): SysResult<StatInfo> {
    return this.run<StatInfo>(() => {
      const r = resolve(this.state, path, true);
      if (typeof r === 'string') return fail(this.state, 'stat', r, `${path}: ${r}`);
      return ok({ kind: r.node.kind });
    });
  }

  open(path: string): SysResult<number> {
    return this.run<number>(() => {
      const k = this.state;
      const r = resolve(k, path, true);
      if (typeof r === 'string') return fail(this.state, 'open', r, `${path}: ${r === 'ENOENT' ? 'no such device node' : r}`);
      if (r.node.kind !== 'chardev') return fail(this.state, 'open', 'EINVAL', `${path}: the model opens only /dev nodes; use read/write for sysfs`);
      return this.cdevOpen[r.node.cdev](k, r.node.name, path);
    });
  }

  ioctl(fd: number, request: string, arg: Readonly<Record<string, unknown>> = {}): SysResult<Record<string, unknown>> {
    return this.run<Record<string, unknown>>(() => {
      const file = this.state.files.get(fd);
      if (!file) return fail(this.state, 'ioctl', 'EBADF', `fd ${fd} is not open`);
      const ops = this.fops[file.kind];
      // Only the table's own entries: a request named "__proto__" or "constructor" is unknown, not Object's.
      const handler = Object.hasOwn(ops.ioctls, request) ? ops.ioctls[request] : undefined;
      if (!handler && !ops.unknownIoctl) return fail(this.state, 'ioctl', 'ENOTTY', `${request} is not an ioctl of a ${file.kind} fd`);
      const r = handler ? handler(this.state, fd, file, arg) : (ops.unknownIoctl as NonNullable<typeof ops.unknownIoctl>)(this.state, fd, file, request);
      const bad = r.ok ? jsonUnsafePath(r.value) : null;
      if (bad !== null) throw new ModelBug(`${request}: ${bad} is not JSON data (a bigint, NaN or an unsafe integer)`);
      return r;
    });
  }

  close(fd: number): SysResult {
    return this.run(() => {
      const k = this.state;
      const file = k.files.get(fd);
      if (!file) return fail(this.state, 'close', 'EBADF', `fd ${fd} is not open`);
      k.files.delete(fd);
      return this.fops[file.kind].release(k, fd, file) ?? OK;
    });
  }

  wait(id: string): SysResult<unknown> {
    return this.run(() => {
      const p = this.state.pending.get(id);
      if (!p) return fail(this.state, 'wait', 'EINVAL', `no blocked call with id ${JSON.stringify(id)}`);
      if (p.result === null) return err('blocked', p.what, id);
      this.state.pending.delete(id);
      return p.result;
    });
  }

  hotAdd(desc: PciDeviceDesc, opts: HotAddOptions = {}): SysResult {
    return this.run(() => pciDeviceAdd(this.state, desc, opts.group));
  }

  hotRemove(bdf: string): SysResult {
    return this.run(() => {
      const dev = this.state.devices.get(bdf);
      if (!dev || dev.dead) return fail(this.state, 'pci_stop_and_remove_bus_device', 'ENODEV', `no device ${bdf}`);
      return pciStopAndRemoveBusDevice(this.state, dev, true);
    });
  }

  loadModule(name: string): SysResult {
    return this.run(() => {
      const k = this.state;
      enter(k, `load_module: ${name}`);
      const bus = Object.hasOwn(VFIO_BUS_MODULES, name) ? VFIO_BUS_MODULES[name as keyof typeof VFIO_BUS_MODULES] : 'pci';
      if (k.modules.has(name) && k.drivers.has(driverKey(bus, name))) return fail(this.state, 'load_module', 'EEXIST', `${name} is already loaded`);
      k.modules.add(name);
      if (/^(vfio_iommu_type1|vfio|iommufd|kvm.*)$/.test(name)) return OK;
      const drv: DeviceDriver = createDriver(bus, name, []);
      enter(k, `driver_register: ${name}`);
      k.drivers.set(driverKey(bus, name), drv);
      k.buses.add(bus);
      return driverAttach(k, drv);
    });
  }

  unloadModule(name: string): SysResult {
    return this.run(() => {
      const k = this.state;
      const drv = [...k.drivers.values()].find((d) => d.name === name);
      if (!drv) {
        if (k.modules.delete(name)) return OK;
        return fail(this.state, 'delete_module', 'ENOENT', `${name} is not loaded`);
      }
      for (const dev of k.devices.values()) {
        if (dev.driver !== name || dev.group === null) continue;
        const open = k.vfioGroups.get(dev.group)?.openDevices.get(dev.name) ?? 0;
        if (open > 0) return fail(this.state, 'delete_module', 'EBUSY', `${name} is in use: ${open} device fd(s) of ${dev.name} open`);
      }
      enter(k, `driver_unregister: ${name}`);
      for (const dev of k.devices.values()) {
        if (dev.driver !== name) continue;
        const r = deviceReleaseDriver(k, dev);
        if (!r.ok) return r;
      }
      k.drivers.delete(driverKey(drv.bus, name));
      k.modules.delete(name);
      return OK;
    });
  }

  private withDevice(bdf: string, fn: (d: NonNullable<ReturnType<KernelState['devices']['get']>>) => Outcome): SysResult {
    return this.run(() => {
      const dev = this.state.devices.get(bdf);
      return dev ? fn(dev) : fail(this.state, 'device lookup', 'ENODEV', `no device ${bdf}`);
    });
  }

  iommuAttachDevice(bdf: string, opts: { type?: DomainType; api?: 'iommu_attach_device' | 'iommu_attach_group' } = {}): SysResult {
    return this.withDevice(bdf, (d) => iommuAttachDevice(this.state, d, opts.type ?? 'unmanaged', opts.api ?? 'iommu_attach_device'));
  }

  iommuDetachDevice(bdf: string): SysResult {
    return this.withDevice(bdf, (d) => iommuDetachDevice(this.state, d));
  }

  attachDevicePasid(bdf: string, pasid: number): SysResult {
    return this.withDevice(bdf, (d) => iommuAttachDevicePasid(this.state, d, pasid));
  }

  detachDevicePasid(bdf: string, pasid: number): SysResult {
    return this.withDevice(bdf, (d) => iommuDetachDevicePasid(this.state, d, pasid));
  }
}

/**
 * Boot a simulated kernel from a host description. `desc.kernel` (or `opts.release`) selects the profile.
 * `fops`: the file operations of /dev nodes (default FILE_OPS, file-ops.ts). Throws Error only for a
 * release the model cannot profile (before 5.10, or not a uname -r).
 */
export function createKernel(desc: HostDescription, opts: KernelOptions = {}, fops: FileOpsTable = FILE_OPS): Kernel {
  return new SimKernel(buildKernelState(desc, opts), fops);
}
