/**
 * Calls that did not return ('blocked'): a task asleep in the kernel. Each names what it waits for and how
 * it goes on; after every syscall the kernel wakes the ones whose condition now holds (as the real waitqueue
 * or mutex would), and `wait(id)` reports how the call stands.
 *
 * A pending call is data: what it sleeps on (a device's lock, a driver's remove() waiting for its user to let
 * go, the rescan/remove mutex) and how it goes on (read or write an attribute again, run a driver-core call
 * again, finish an unbind), naming devices and drivers by name — so a kernel state with sleeping calls can be
 * copied and compared (src/verify). Only the PCI rescan/remove path still carries closures (`cond`/`fn`).
 */
import { enter, type KernelState, type PendingCall, type PendingRedo, type PendingWait } from '../kernel-state.js';
import { err, type Failure, type Outcome, type SysErrno } from '../errno.js';

declare module '../kernel-state.js' {
  interface KernelOps {
    /**
     * A device attribute's `show()` (`struct device_attribute`), as the sysfs view registers it at boot: a `show`
     * that slept on the device lock reads the attribute again through it once woken.
     */
    readonly deviceAttrShow: (k: KernelState, device: string, attr: string) => Outcome<string>;
    /** A device attribute's `store()`, for a store that slept on the device lock. */
    readonly deviceAttrStore: (k: KernelState, device: string, attr: string, data: string) => Outcome;
    /** The driver core (dd.ts): a call that slept on the device lock runs again, or a sleeping unbind finishes. */
    readonly driverCoreRedo: (k: KernelState, redo: Extract<PendingRedo, { kind: 'device_driver_attach' | 'device_release_driver' | 'device_attach' | 'release_driver_finish' }>) => Outcome;
    /** Whether a driver's remove() of `device` may return now. */
    readonly driverRemoveDone: (k: KernelState, device: string, driver: string) => boolean;
  }
}

/** A syscall that sleeps (a `wait_for_completion()`, a `device_lock()`): park it as pending until `ready()` holds, then `retry`. */
export function blockOn(k: KernelState, what: string, ready: () => boolean, retry: () => Outcome): Failure<SysErrno> {
  return park(k, what, { kind: 'cond', ready }, { kind: 'fn', retry });
}

/** A store or driver-core call that sleeps in `device_lock(dev)` held by another task: `redo` runs once the lock is free. */
export function blockOnDeviceLock(k: KernelState, what: string, device: string, redo: PendingRedo): Failure<SysErrno> {
  return park(k, what, { kind: 'device_lock', device }, redo);
}

/** `__device_release_driver()` asleep in drv->remove(): the rest of the unbind runs once the driver lets go. */
export function blockOnDriverRemove(k: KernelState, what: string, device: string, driver: string): Failure<SysErrno> {
  return park(k, what, { kind: 'driver_remove', device, driver }, { kind: 'release_driver_finish', device, driver });
}

/** A sysfs `remove` or `rescan` that sleeps in `pci_lock_rescan_remove()`: `retry` runs once the mutex is free. */
export function blockOnRescanRemoveLock(k: KernelState, what: string, retry: () => Outcome): Failure<SysErrno> {
  return park(k, what, { kind: 'pci_rescan_remove_lock' }, { kind: 'fn', retry });
}

/** A sysfs `show` that sleeps in `device_lock(dev)`: once the lock is free, the attribute is read again. */
export function blockShowOnDeviceLock(k: KernelState, what: string, device: string, attr: string): Failure<SysErrno> {
  return park(k, what, { kind: 'device_lock', device }, { kind: 'show', device, attr });
}

function park(k: KernelState, what: string, wait: PendingWait, redo: PendingRedo): Failure<SysErrno> {
  const id = `b${k.next.pending++}`;
  k.pending.set(id, { id, what, wait, redo, result: null });
  enter(k, `blocked: ${what}`);
  return err('blocked', what, id);
}

/** Whether what `p` sleeps on is available now. */
export function pendingReady(k: KernelState, p: PendingCall): boolean {
  switch (p.wait.kind) {
    case 'device_lock': {
      const d = k.devices.get(p.wait.device);
      return d === undefined || d.lockHolder === null;
    }
    case 'pci_rescan_remove_lock': return k.pciRescanRemoveLock === null;
    case 'driver_remove': return k.ops.driverRemoveDone(k, p.wait.device, p.wait.driver);
    case 'cond': return p.wait.ready();
  }
}

/** Run a blocked call's `redo` (how it goes on once woken). */
export function runPendingRedo(k: KernelState, redo: PendingRedo): Outcome<unknown> {
  switch (redo.kind) {
    case 'show': return k.ops.deviceAttrShow(k, redo.device, redo.attr);
    case 'store': return k.ops.deviceAttrStore(k, redo.device, redo.attr, redo.data);
    case 'device_driver_attach': case 'device_release_driver': case 'device_attach': case 'release_driver_finish':
      return k.ops.driverCoreRedo(k, redo);
    case 'fn': return redo.retry();
  }
}

/** Wake every pending call whose condition holds; a woken call may block again (its result is then the new block). */
export function wakeUpPending(k: KernelState): void {
  for (let progress = true; progress;) {
    progress = false;
    for (const p of k.pending.values()) {
      if (p.result !== null || !pendingReady(k, p)) continue;
      const r = runPendingRedo(k, p.redo);
      if (!r.ok && r.errno === 'blocked' && r.id !== undefined) {
        const inner = k.pending.get(r.id);
        k.pending.delete(r.id);
        if (inner) { p.wait = inner.wait; p.redo = inner.redo; }
        continue;
      }
      p.result = r;
      progress = true;
    }
  }
}
