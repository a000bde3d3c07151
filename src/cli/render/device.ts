import type { DeviceView } from '../../assign/inspect.js';
import type { Colors } from '../io.js';
import { cut } from './fit.js';

const h4 = (n: number): string => n.toString(16).padStart(4, '0');

/** Short BDF as lspci prints it (domain 0000 omitted). */
export function shortBdf(bdf: string): string {
  return bdf.startsWith('0000:') ? bdf.slice(5) : bdf;
}

/** `VGA compatible controller [0300]: NVIDIA Corporation TU106 [...]` — the lspci -nn name without BDF and ids. */
export function deviceName(d: DeviceView): string {
  return `${d.className ?? 'Class'} [${h4(d.class >> 8)}]: ${d.vendorName ?? `Vendor ${h4(d.vendor)}`} ${d.deviceName ?? `Device ${h4(d.device)}`}`;
}

export function roleText(d: DeviceView): string {
  switch (d.role) {
    case 'kernel-dma': return 'kernel DMA user';
    case 'driver-managed': return 'driver-managed';
    case 'unbound': return 'unbound';
    case 'unknown': return 'driver unknown';
  }
}

/** Notes worth a second line: bridge, override, SR-IOV, no FLR, host-critical. */
export function deviceNotes(d: DeviceView): string[] {
  const out: string[] = [];
  if (d.driverOverride) out.push(`driver_override=${d.driverOverride}`);
  if (d.sriovNumvfs) out.push(`SR-IOV PF, ${d.sriovNumvfs} VFs`);
  if (d.physfn) out.push(`VF of ${shortBdf(d.physfn)}`);
  if (!d.bridge && d.resetMethod !== null && !d.resetMethod.includes('flr')) out.push(`no FLR (reset_method: ${d.resetMethod.join(' ') || 'none'})`);
  if (d.bootVga) out.push('boot VGA');
  if (d.critical.length) out.push(`host-critical: ${d.critical.join('; ')}`);
  return out;
}

/**
 * `  01:00.0  10de:1f06  nvidia           kernel DMA user  VGA compatible controller [0300]: NVIDIA…` —
 * BDF, ids, driver and role always whole; the name cut to `width`; notes on one line below.
 */
export function deviceLine(d: DeviceView, c: Colors, width = Infinity): string {
  const bdf = shortBdf(d.bdf).padEnd(7), ids = `${h4(d.vendor)}:${h4(d.device)}`;
  const drv = (d.driver ?? (d.role === 'unknown' ? '?' : '-')).padEnd(16), role = roleText(d).padEnd(15);
  // The line up to the name: `  ${bdf}  ${ids}  ${drv} ${role}  `.
  const headLength = 2 + bdf.length + 2 + ids.length + 2 + drv.length + 1 + role.length + 2;
  const name = cut(deviceName(d), Math.max(12, width - headLength));
  const tag = d.blocks ? c.red(`${drv} ${role}`) : d.role === 'unknown' ? c.yellow(`${drv} ${role}`) : c.green(`${drv} ${role}`);
  const notes = deviceNotes(d);
  const noteLine = notes.length ? `\n${' '.repeat(11)}${c.yellow(cut(notes.join(', '), Math.max(20, width - 11)))}` : '';
  return `  ${bdf}  ${ids}  ${tag}  ${name}${noteLine}`;
}
