/**
 * Calls that did not return ('blocked'): a task asleep in the kernel. Each names what it waits for and how
 * it goes on; after every syscall the kernel wakes the ones whose condition now holds (as the real waitqueue
 * or mutex would), and `wait(id)` reports how the call stands.
 *
 * A pending call is data where the model has moved it there: `device_lock` waits name the device, and a sysfs
 * `show` that sleeps on the lock names the device and attribute it will read once woken. The remaining waits
 * (a vfio-pci remove() waiting for its fds, the calls that retry a whole bind or unbind) still carry closures.
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
  }
}

/** A syscall that sleeps (a `wait_for_completion()`, a `device_lock()`): park it as pending until `ready()` holds, then `retry`. */
export function blockOn(k: KernelState, what: string, ready: () => boolean, retry: () => Outcome): Failure<SysErrno> {
  return park(k, what, { kind: 'cond', ready }, { kind: 'fn', retry });
}

/** A store or bind that sleeps in `device_lock(dev)` held by another task: `retry` runs once the lock is free. */
export function blockOnDeviceLock(k: KernelState, what: string, device: string, retry: () => Outcome): Failure<SysErrno> {
  return park(k, what, { kind: 'device_lock', device }, { kind: 'fn', retry });
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
    case 'cond': return p.wait.ready();
  }
}

function pendingRedo(k: KernelState, p: PendingCall): Outcome<unknown> {
  switch (p.redo.kind) {
    case 'show': return k.ops.deviceAttrShow(k, p.redo.device, p.redo.attr);
    case 'fn': return p.redo.retry();
  }
}

/** Wake every pending call whose condition holds; a woken call may block again (its result is then the new block). */
export function wakeUpPending(k: KernelState): void {
  for (let progress = true; progress;) {
    progress = false;
    for (const p of k.pending.values()) {
      if (p.result !== null || !pendingReady(k, p)) continue;
      const r = pendingRedo(k, p);
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
