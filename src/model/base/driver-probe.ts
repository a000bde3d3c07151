/**
 * Calling a driver's probe() and remove() (`call_driver_probe()`, `device_remove()`, drivers/base/dd.c) through
 * the `device_driver` callbacks each driver registers at boot (kernel-build.ts): pcieport and shpchp refuse
 * devices that are not their kind of bridge (-ENODEV), vfio drivers register a vfio device, pci-stub and the
 * DMA-API drivers accept. A test may inject a probe failure (KernelOptions.probeErrors).
 */
import type { Device } from './device.js';
import type { DeviceDriver, DriverKind } from './driver-registry.js';
import { enter, fail, type KernelState } from '../kernel-state.js';
import type { Outcome } from '../errno.js';

/** `struct device_driver` callbacks (with `struct pci_driver`'s probe/remove folded in). */
export interface DriverOps {
  /** `drv->probe(dev)`. */
  readonly probe: (k: KernelState, dev: Device, drv: DeviceDriver) => Outcome;
  /** `drv->remove(dev)`. */
  readonly remove?: (k: KernelState, dev: Device) => void;
  /** What remove() sleeps on before it can return, or null (vfio: open device fds, §4.5/§5.6). */
  readonly removeWait?: (k: KernelState, dev: Device) => { ready: () => boolean; why: string } | null;
  /** Whether remove() may return now (what `removeWait` waits for has happened); no side effects. */
  readonly removeReady?: (k: KernelState, dev: Device) => boolean;
}

declare module '../kernel-state.js' {
  interface KernelOps {
    /** The callbacks of every kind of driver the model knows, registered at boot (`driver_register()`). */
    readonly drivers: Readonly<Record<DriverKind, DriverOps>>;
  }
}

/** `call_driver_probe()` (drivers/base/dd.c): an injected error, else the driver's probe(). */
export function callDriverProbe(k: KernelState, dev: Device, drv: DeviceDriver): Outcome {
  enter(k, `call_driver_probe: ${drv.name}`);
  const injected = k.opts.probeErrors[`${drv.name}@${dev.name}`] ?? k.opts.probeErrors[drv.name];
  if (injected) return fail(k, `${drv.name} probe`, injected, `${drv.name} probe() of ${dev.name} returned -${injected}`);
  return k.ops.drivers[drv.kind].probe(k, dev, drv);
}

/** What drv->remove() must wait for before it can return, or null. */
export function driverRemoveReady(k: KernelState, dev: Device, drv: DeviceDriver): { ready: () => boolean; why: string } | null {
  return k.ops.drivers[drv.kind].removeWait?.(k, dev) ?? null;
}

/** Whether the driver's remove() of `dev` may return now (a sleeping unbind wakes up): its `removeReady`, else yes. */
export function driverRemoveReadyNow(k: KernelState, dev: Device, drv: DeviceDriver): boolean {
  return k.ops.drivers[drv.kind].removeReady?.(k, dev) ?? true;
}

/** `device_remove()` (drivers/base/dd.c) → the driver's remove(). */
export function callDriverRemove(k: KernelState, dev: Device, drv: DeviceDriver): void {
  enter(k, `device_remove: ${drv.name}`);
  k.ops.drivers[drv.kind].remove?.(k, dev);
}
