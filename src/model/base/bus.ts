/**
 * `struct bus_type` callbacks and the bus notifier chain (drivers/base/bus.c, include/linux/device/bus.h): the
 * driver core calls the bus's `dma_configure` / `dma_cleanup` (set by drivers/pci and the other buses) and
 * tells the bus notifier chain (`bus_notify()`) what happened to a device — 5.10's IOMMU core listens there and
 * forwards to the IOMMU group notifier VFIO registers on (iommu/notifier.ts). Both are tables the upper floors
 * fill at boot (kernel-build.ts), so the driver core names none of them.
 */
import { ok, type Outcome } from '../errno.js';
import type { KernelState } from '../kernel-state.js';
import type { BusType, Device } from './device.js';
import type { DeviceDriver } from './driver-registry.js';

/** The `bus_type` callbacks `really_probe()` and `__device_release_driver()` call. */
export interface BusTypeOps {
  /** `bus_type.dma_configure`: before the driver's probe; an error fails the probe. */
  readonly dmaConfigure: (k: KernelState, dev: Device, drv: DeviceDriver) => Outcome;
  /** `bus_type.dma_cleanup` (6.0+): after remove, or after a failed probe. */
  readonly dmaCleanup: (k: KernelState, dev: Device, drv: DeviceDriver) => void;
}

/** The `BUS_NOTIFY_*` actions the model sends (include/linux/device/bus.h). */
export type BusNotifyAction = 'BUS_NOTIFY_BOUND_DRIVER';

/**
 * A `notifier_block` on the bus chain. An answer other than ok is what the chain's caller meets: the model's
 * notifiers fail only with 'oops' (a BUG_ON in the callee kills the calling task).
 */
export type BusNotifier = (k: KernelState, action: BusNotifyAction, dev: Device) => Outcome;

declare module '../kernel-state.js' {
  interface KernelOps {
    /** `bus_type` per bus, as registered by `bus_register()`. */
    readonly busTypes: Readonly<Record<BusType, BusTypeOps>>;
    /**
     * `bus->p->bus_notifier`. One chain for every bus: the only listener, the IOMMU core, registers on every
     * bus it serves (5.10 `iommu_bus_init()`), and the model's buses are all served.
     */
    readonly busNotifiers: readonly BusNotifier[];
  }
}

/** `bus->dma_configure(dev)` as `really_probe()` calls it. */
export function busDmaConfigure(k: KernelState, dev: Device, drv: DeviceDriver): Outcome {
  return k.ops.busTypes[dev.bus].dmaConfigure(k, dev, drv);
}

/** `bus->dma_cleanup(dev)` as `__device_release_driver()` and a failed `really_probe()` call it. */
export function busDmaCleanup(k: KernelState, dev: Device, drv: DeviceDriver): void {
  k.ops.busTypes[dev.bus].dmaCleanup(k, dev, drv);
}

/** `bus_notify()` → `blocking_notifier_call_chain()`: every notifier in order; the first failure is the answer. */
export function busNotify(k: KernelState, action: BusNotifyAction, dev: Device): Outcome {
  for (const nb of k.ops.busNotifiers) {
    const r = nb(k, action, dev);
    if (!r.ok) return r;
  }
  return ok();
}
