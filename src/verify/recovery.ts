/**
 * The recovery property, done rather than argued: from a state, close every descriptor the process holds,
 * clear every member's driver_override, unbind every member, then bind each member's DMA-API driver. The
 * group must end kernel-owned with those drivers bound; the first step that does not succeed is the
 * violation.
 */
import type { Kernel } from '../model/index.js';
import { userOwned } from './properties.js';

export interface RecoveryTarget {
  readonly device: string;
  /** The DMA-API driver that must bind again. */
  readonly driver: string;
}

/** Runs the recovery on `kernel` (mutating it) and answers null, or what failed. */
export function recover(kernel: Kernel, gid: number, members: readonly string[], targets: readonly RecoveryTarget[]): string | null {
  const k = kernel.state;
  const fds = [...k.files.keys()].sort((a, b) => b - a);
  for (const fd of fds) {
    if (!k.files.has(fd)) continue;
    const r = kernel.close(fd);
    if (!r.ok) return `close(fd of ${k.files.get(fd)?.kind ?? 'a file'}): ${r.errno} (${r.why})`;
  }
  for (const p of k.pending.values()) if (p.result === null) return `a blocked call is still blocked after every descriptor was closed: ${p.what}`;
  for (const d of members) {
    if ((k.devices.get(d)?.driverOverride ?? null) === null) continue;
    const r = kernel.write(`/sys/bus/pci/devices/${d}/driver_override`, '');
    if (!r.ok) return `clearing driver_override of ${d}: ${r.errno} (${r.why})`;
  }
  for (const d of members) {
    const drv = k.devices.get(d)?.driver ?? null;
    if (drv === null) continue;
    const r = kernel.write(`/sys/bus/pci/drivers/${drv}/unbind`, d);
    if (!r.ok) return `unbind of ${d} from ${drv}: ${r.errno} (${r.why})`;
  }
  if (userOwned(k, gid)) return `group ${gid} is still user-owned after every descriptor was closed and every member unbound`;
  for (const t of targets) {
    const r = kernel.write(`/sys/bus/pci/drivers/${t.driver}/bind`, t.device);
    if (!r.ok) return `bind of ${t.device} to ${t.driver} after everything was closed and unbound: ${r.errno} (${r.why})`;
  }
  return null;
}
