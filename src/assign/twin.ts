import { err, ok, type Result } from '../model/errno.js';
import type { HostDescription } from '../model/host-description.js';
import type { AssignPort, PortResult } from './actions.js';

/**
 * A test twin of the kernel's PCI driver-binding sysfs (drivers/base/bus.c bind_store/unbind_store,
 * drivers_probe; drivers/pci/pci-driver.c driver_override), for the apply/restore tests until — and
 * alongside — the model's `createKernel`. It answers like the kernel for the writes a plan makes:
 * bind of a bound device EBUSY, override naming another driver ENODEV, vfio-pci on a bridge EINVAL,
 * on an SR-IOV PF with VFs EBUSY, drivers_probe of an unmatchable device EINVAL.
 */
export interface SimDevice {
  driver: string | null;
  override: string | null;
  readonly native: string | null;
  readonly bridge: boolean;
  readonly numvfs: number;
}

export interface SimPort extends AssignPort {
  readonly devices: Map<string, SimDevice>;
  /** driver and override of every device, for "ends exactly as it began" assertions. */
  snapshot(): Record<string, { driver: string | null; override: string | null }>;
  writes: number;
}

export function simPort(host: HostDescription): SimPort {
  const devices = new Map<string, SimDevice>(host.pci.map((d) => [d.bdf, {
    driver: d.driver, override: d.driverOverride, native: d.driver,
    bridge: ((d.config[0x0e] ?? 0) & 0x7f) !== 0, numvfs: d.sriovNumvfs ?? 0,
  }]));
  const drivers = new Set([...host.pciDrivers, 'vfio-pci', 'pci-stub']);
  const devPath = /^\/sys\/bus\/pci\/devices\/([^/]+)\/(driver_override|driver)$/;
  const drvPath = /^\/sys\/bus\/pci\/drivers\/([^/]+)\/(bind|unbind)$/;
  const bind = (bdf: string, drv: string): Result<void> => {
    const d = devices.get(bdf);
    if (!d || !drivers.has(drv)) return err('ENODEV', `bind_store: no device ${bdf} or driver ${drv}`);
    if (d.override !== null && d.override !== drv) return err('ENODEV', `${bdf}: driver_override=${d.override}, not ${drv}`);
    if (d.driver !== null) return err('EBUSY', `${bdf} already bound to ${d.driver}`);
    if (drv === 'vfio-pci' && d.bridge) return err('EINVAL', `vfio_pci_probe: ${bdf} is not a normal header`);
    if (drv === 'vfio-pci' && d.numvfs > 0) return err('EBUSY', `vfio_pci_probe: Cannot bind to PF with SR-IOV enabled`);
    d.driver = drv;
    return ok();
  };
  const port: SimPort = {
    devices, writes: 0,
    snapshot: () => Object.fromEntries([...devices].map(([b, d]) => [b, { driver: d.driver, override: d.override }])),
    read(path): PortResult<string> {
      const m = devPath.exec(path);
      const d = m ? devices.get(m[1]!) : undefined;
      if (!m || !d || m[2] !== 'driver_override') return err('ENOENT', `${path}: not in the twin`);
      return ok(`${d.override ?? '(null)'}\n`);
    },
    readLink(path): PortResult<string> {
      const m = devPath.exec(path);
      const d = m ? devices.get(m[1]!) : undefined;
      if (!m || !d || m[2] !== 'driver' || d.driver === null) return err('ENOENT', `${path}: no such link`);
      return ok(`../../../bus/pci/drivers/${d.driver}`);
    },
    list(path): PortResult<string[]> {
      return path === '/sys/bus/pci/devices' ? ok([...devices.keys()].sort()) : err('ENOENT', path);
    },
    write(path, data): PortResult<void> {
      port.writes++;
      const bdf = data.trim();
      const m = devPath.exec(path);
      if (m && m[2] === 'driver_override') {
        const d = devices.get(m[1]!);
        if (!d) return err('ENOENT', path);
        d.override = bdf === '' ? null : bdf;
        return ok();
      }
      const b = drvPath.exec(path);
      if (b && b[2] === 'unbind') {
        const d = devices.get(bdf);
        if (!d || d.driver !== b[1]) return err('ENODEV', `unbind_store: ${bdf} not bound to ${b[1]}`);
        d.driver = null;
        return ok();
      }
      if (b && b[2] === 'bind') return bind(bdf, b[1]!);
      if (path === '/sys/bus/pci/drivers_probe') {
        const d = devices.get(bdf);
        if (!d) return err('ENODEV', `drivers_probe: no device ${bdf}`);
        if (d.driver !== null) return ok();
        const want = d.override ?? d.native;
        if (want === null) return ok();
        return bind(bdf, want).ok ? ok() : err('EINVAL', `drivers_probe: ${bdf} did not bind ${want}`);
      }
      return err('EACCES', `${path}: not writable in the twin`);
    },
  };
  return port;
}

/**
 * Wrap a port so that write number `n` (0-based) fails with `errno` — or, with `silent`, returns
 * success without doing anything (drivers_probe "succeeding" while nothing binds).
 */
export function faultyPort(port: AssignPort, n: number, how: 'error' | 'silent' = 'error'): AssignPort {
  let i = 0;
  return {
    read: (p) => port.read(p), readLink: (p) => port.readLink(p), list: (p) => port.list(p),
    write(p, d) {
      if (i++ === n) return how === 'silent' ? ok() : err('EIO', `injected failure at write ${n} (${p})`);
      return port.write(p, d);
    },
  };
}
