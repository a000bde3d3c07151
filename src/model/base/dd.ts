/**
 * The driver core (drivers/base/dd.c, bus.c) for binding and unbinding: `really_probe()` in kernel
 * order (dma_configure → driver_sysfs_add → probe → driver_bound), `__device_release_driver()`,
 * and the three ways a probe is started: sysfs bind (errors returned), drivers_probe (EINVAL on a
 * negative error, decision below), and autoprobe (errors swallowed; a negative error stops the
 * search of further drivers, a positive probe error does not).
 */
import { err, ERRNO_NUMBER, isErrno, ok, type Failure, type Outcome, type SysErrno } from '../errno.js';
import type { Device } from './device.js';
import { driverKey, driverMatchDevice, type DeviceDriver } from './driver-registry.js';
import { enter, fail, printk, type KernelState, type PendingRedo } from '../kernel-state.js';
import { busDmaCleanup, busDmaConfigure, busNotify } from './bus.js';
import { callDriverProbe, callDriverRemove, driverRemoveReady, driverRemoveReadyNow } from './driver-probe.js';
import { blockOnDeviceLock, blockOnDriverRemove } from './pending.js';

/** really_probe's answer: bound, or an error that is negative (before probe) or positive (probe's own, 5.14+). */
export type ProbeOutcome = Outcome & { readonly positive?: boolean };

const OK: Outcome = ok();

/**
 * `really_probe()`: dev->driver = drv; bus dma_configure (O1+: ownership check → negative error, nothing
 * to clean up); driver_sysfs_add; probe() (error → dma_cleanup, positive error); CONFIG_DEBUG_TEST_DRIVER_REMOVE
 * remove + re-probe (before 6.6 without dma_cleanup: owner_cnt leaks); driver_bound → BOUND_DRIVER
 * notifier (L: vfio's BUG_ON → 'oops', the device lock stays held).
 */
export function reallyProbe(k: KernelState, dev: Device, drv: DeviceDriver): ProbeOutcome {
  enter(k, 'really_probe');
  const cfg = busDmaConfigure(k, dev, drv);
  if (!cfg.ok) return cfg;
  enter(k, 'driver_sysfs_add');
  const probe = callDriverProbe(k, dev, drv);
  if (!probe.ok) {
    busDmaCleanup(k, dev, drv);
    const errno = probe.errno;
    if (errno !== 'ENODEV' && errno !== 'ENXIO' && errno !== 'EPROBE_DEFER') {
      printk(k, `${drv.name} ${dev.name}: probe of ${dev.name} failed with error -${isErrno(errno) ? ERRNO_NUMBER[errno] : 0}`);
    }
    return { ...probe, positive: true };
  }
  dev.driver = drv.name;
  dev.driverSysfs = true;
  if (k.opts.debugTestDriverRemove) {
    enter(k, 'really_probe: test_remove');
    callDriverRemove(k, dev, drv);
    if (k.profile.testRemoveCleanup) busDmaCleanup(k, dev, drv);
    enter(k, 'really_probe: re_probe');
    const again = busDmaConfigure(k, dev, drv);
    if (!again.ok) { dev.driver = null; dev.driverSysfs = false; return again; }
    callDriverProbe(k, dev, drv);
  }
  enter(k, 'driver_bound');
  const nb = busNotify(k, 'BUS_NOTIFY_BOUND_DRIVER', dev);
  if (!nb.ok) {
    dev.lockHolder = `task killed by kernel BUG while binding ${drv.name} to ${dev.name}`;
    return nb;
  }
  return OK;
}

/** `__driver_probe_device()` (5.14+): dead → -ENODEV, already bound → -EBUSY, else really_probe. */
function driverProbeDevice(k: KernelState, dev: Device, drv: DeviceDriver): ProbeOutcome {
  if (dev.dead) return fail(k, '__driver_probe_device', 'ENODEV', `${dev.name} is being removed`);
  if (dev.driver !== null) return fail(k, '__driver_probe_device', 'EBUSY', `${dev.name} is already bound to ${dev.driver}`);
  return reallyProbe(k, dev, drv);
}

function lockedBlock(k: KernelState, dev: Device, what: string, redo: PendingRedo): Failure<SysErrno> | null {
  if (dev.lockHolder === null) return null;
  return blockOnDeviceLock(k, `${what}: waiting for device_lock(${dev.name}) held by ${dev.lockHolder}`, dev.name, redo);
}

/** How a driver-core call that slept goes on (base/pending.ts): the call again, or the rest of an unbind. */
export function driverCoreRedo(k: KernelState, redo: Extract<PendingRedo, { kind: 'device_driver_attach' | 'device_release_driver' | 'device_attach' | 'release_driver_finish' }>): Outcome {
  const dev = k.devices.get(redo.device);
  if (!dev) return fail(k, redo.kind, 'ENODEV', `${redo.device} is gone`);
  switch (redo.kind) {
    case 'device_driver_attach': {
      const drv = k.drivers.get(driverKey(dev.bus, redo.driver));
      return drv ? deviceDriverAttach(k, dev, drv) : fail(k, 'device_driver_attach', 'ENODEV', `driver ${redo.driver} is gone`);
    }
    case 'device_release_driver': return deviceReleaseDriver(k, dev);
    case 'device_attach': { const r = deviceAttach(k, dev); return r.ok ? OK : r; }
    case 'release_driver_finish': {
      dev.lockHolder = null;
      const drv = k.drivers.get(driverKey(dev.bus, redo.driver));
      return drv ? releaseDriverFinish(k, dev, drv) : (dev.driver = null, OK);
    }
  }
}

/** Whether drv->remove() of `device` may return now (a driver without a wait: always). */
export function driverRemoveDone(k: KernelState, device: string, driver: string): boolean {
  const dev = k.devices.get(device);
  const drv = dev ? k.drivers.get(driverKey(dev.bus, driver)) : undefined;
  return !dev || !drv || driverRemoveReadyNow(k, dev, drv);
}

function releaseDriverFinish(k: KernelState, dev: Device, drv: DeviceDriver): Outcome {
  callDriverRemove(k, dev, drv);
  busDmaCleanup(k, dev, drv);
  dev.driver = null;
  return OK;
}

/**
 * `device_driver_attach()` as sysfs bind uses it: under device_lock; 5.14+ positive probe errors are
 * negated and -EPROBE_DEFER becomes -EAGAIN; before 5.14 any failure reads as "not bound" (bind: ENODEV).
 */
export function deviceDriverAttach(k: KernelState, dev: Device, drv: DeviceDriver): Outcome {
  const blocked = lockedBlock(k, dev, 'device_driver_attach', { kind: 'device_driver_attach', device: dev.name, driver: drv.name });
  if (blocked) return blocked;
  enter(k, 'device_driver_attach');
  if (!k.profile.bindFlowsProbeErrors && dev.driver !== null) return fail(k, 'device_driver_attach', 'ENODEV', `${dev.name} is already bound to ${dev.driver}`);
  const r = driverProbeDevice(k, dev, drv);
  if (r.ok || r.errno === 'oops' || r.errno === 'blocked') return r;
  if (!k.profile.bindFlowsProbeErrors) return err('ENODEV', `probe failed (${r.errno}): ${r.why}`);
  if (r.errno === 'EPROBE_DEFER') return err('EAGAIN', `probe deferred: ${r.why}`);
  return r;
}

/** `bind_store()` (bus.c): unknown device, driver_override for another driver, no id match → ENODEV. */
export function bindStore(k: KernelState, drv: DeviceDriver, name: string): Outcome {
  enter(k, 'bind_store');
  const dev = k.devices.get(name);
  if (!dev || dev.bus !== drv.bus) return fail(k, 'bind_store', 'ENODEV', `no ${drv.bus} device named ${JSON.stringify(name)}`);
  if (!k.profile.bindFlowsProbeErrors && dev.driver !== null) return fail(k, 'bind_store', 'ENODEV', `${dev.name} is already bound to ${dev.driver}`);
  if (!driverMatchDevice(k, drv, dev)) {
    const why = dev.driverOverride !== null && dev.driverOverride !== drv.name
      ? `${dev.name}: driver_override is ${dev.driverOverride}, not ${drv.name}` : `${drv.name} does not match ${dev.name} (no id table entry)`;
    return fail(k, 'driver_match_device', 'ENODEV', why);
  }
  return deviceDriverAttach(k, dev, drv);
}

/**
 * `__device_release_driver()` (dd.c, same order in 5.10, 6.1 and 6.12): `driver_sysfs_remove()` first —
 * the `driver` links vanish — then drv->remove() (vfio-pci may wait: 'blocked', device lock held,
 * `dev->driver` still set), bus dma_cleanup (owner_cnt-- for kernel drivers), dev->driver = NULL,
 * UNBOUND_DRIVER. In the blocked window a readlink of `driver` answers ENOENT, a 5.10 sysfs bind sees
 * `dev->driver` set (ENODEV), and a 5.14+ bind, unbind or driver_override write waits for the lock
 * (conformance S12, S13).
 */
export function deviceReleaseDriver(k: KernelState, dev: Device): Outcome {
  const blocked = lockedBlock(k, dev, 'device_release_driver', { kind: 'device_release_driver', device: dev.name });
  if (blocked) return blocked;
  if (dev.driver === null) return OK;
  const drv = k.drivers.get(driverKey(dev.bus, dev.driver));
  enter(k, 'device_release_driver_internal');
  enter(k, '__device_release_driver');
  enter(k, 'driver_sysfs_remove');
  dev.driverSysfs = false;
  if (!drv) { dev.driver = null; return OK; }
  const wait = driverRemoveReady(k, dev, drv);
  if (wait === null) return releaseDriverFinish(k, dev, drv);
  dev.lockHolder = `unbind of ${dev.name} from ${drv.name} (${wait.why})`;
  return blockOnDriverRemove(k, `${drv.name} remove(${dev.name}): ${wait.why}`, dev.name, drv.name);
}

/** `unbind_store()` (bus.c): the device must be bound to this driver, else ENODEV. */
export function unbindStore(k: KernelState, drv: DeviceDriver, name: string): Outcome {
  enter(k, 'unbind_store');
  const dev = k.devices.get(name);
  if (!dev || dev.bus !== drv.bus || dev.driver !== drv.name) {
    return fail(k, 'unbind_store', 'ENODEV', dev ? `${dev.name} is not bound to ${drv.name}` : `no ${drv.bus} device named ${JSON.stringify(name)}`);
  }
  return deviceReleaseDriver(k, dev);
}

/**
 * `__device_attach()`: try every registered driver of the bus in registration order
 * (`__device_attach_driver`): bound → stop; negative error → stop and return it; positive (probe's own)
 * error → try the next driver (5.14+; before, every failure let the next driver try).
 */
export function deviceAttach(k: KernelState, dev: Device): Outcome<boolean> {
  const blocked = lockedBlock(k, dev, 'device_attach', { kind: 'device_attach', device: dev.name });
  if (blocked) return blocked;
  enter(k, 'device_attach');
  if (dev.driver !== null) return ok(true);
  for (const drv of k.drivers.values()) {
    if (!driverMatchDevice(k, drv, dev)) continue;
    enter(k, `__device_attach_driver: ${drv.name}`);
    const r = driverProbeDevice(k, dev, drv);
    if (r.ok) return ok(true);
    if (r.errno === 'oops' || r.errno === 'blocked') return r;
    if (r.positive && k.profile.bindFlowsProbeErrors && r.errno !== 'EPROBE_DEFER') continue;
    if (!k.profile.bindFlowsProbeErrors) continue;
    return r;
  }
  return ok(false);
}

/**
 * `drivers_probe_store()` → `bus_rescan_devices_helper()` (bus.c): unknown device → ENODEV; a bound device
 * is left alone (success); otherwise `device_attach()` and **any negative result → EINVAL** (the store
 * starts with err = -EINVAL and only a helper result of 0 turns it into success). "No driver matched" is
 * success. Decision from reading drivers/base/bus.c (5.10 and 6.12 alike; spec §3.3 [UNSURE] resolved).
 */
export function driversProbeStore(k: KernelState, bus: Device['bus'], name: string): Outcome {
  enter(k, 'drivers_probe_store');
  const dev = k.devices.get(name);
  if (!dev || dev.bus !== bus) return fail(k, 'drivers_probe_store', 'ENODEV', `no ${bus} device named ${JSON.stringify(name)}`);
  enter(k, 'bus_rescan_devices_helper');
  if (dev.driver !== null) return OK;
  const r = deviceAttach(k, dev);
  if (r.ok) return OK;
  if (r.errno === 'oops' || r.errno === 'blocked') return r;
  return fail(k, 'drivers_probe_store', 'EINVAL', `device_attach(${dev.name}) failed with -${r.errno}: ${r.why}`);
}

/** Autoprobe of one device (device_add / hot-add): like drivers_probe with errors swallowed. */
export function deviceInitialProbe(k: KernelState, dev: Device): Outcome {
  enter(k, 'bus_probe_device');
  const r = deviceAttach(k, dev);
  if (!r.ok && (r.errno === 'oops' || r.errno === 'blocked')) return r;
  return OK;
}

/** `driver_attach()` → `__driver_attach()` for every unbound matching device (new_id, module load); errors swallowed. */
export function driverAttach(k: KernelState, drv: DeviceDriver): Outcome {
  enter(k, `driver_attach: ${drv.name}`);
  for (const dev of k.devices.values()) {
    if (dev.bus !== drv.bus || dev.driver !== null || dev.dead || !driverMatchDevice(k, drv, dev)) continue;
    if (dev.lockHolder !== null) {
      printk(k, `${drv.name}: ${dev.name} skipped: device_lock held by ${dev.lockHolder}`);
      continue;
    }
    enter(k, `__driver_attach: ${dev.name}`);
    const r = driverProbeDevice(k, dev, drv);
    if (!r.ok && r.errno === 'oops') return r;
  }
  return OK;
}
