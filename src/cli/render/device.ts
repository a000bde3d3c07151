import type { DeviceView } from '../../assign/inspect.js';
import type { Colors } from '../io.js';

const h4 = (n: number): string => n.toString(16).padStart(4, '0');

/** Short BDF as lspci prints it (domain 0000 omitted). */
export function shortBdf(bdf: string): string {
  return bdf.startsWith('0000:') ? bdf.slice(5) : bdf;
}

/** `01:00.0 VGA compatible controller [0300]: NVIDIA Corporation TU106 [...] [10de:1f06]` — lspci -nn. */
export function lspciLine(d: DeviceView): string {
  const cls = `${d.className ?? 'Class'} [${h4(d.class >> 8)}]`;
  const name = [d.vendorName ?? `Vendor ${h4(d.vendor)}`, d.deviceName ?? `Device ${h4(d.device)}`].join(' ');
  return `${shortBdf(d.bdf)} ${cls}: ${name} [${h4(d.vendor)}:${h4(d.device)}]`;
}

export function roleText(d: DeviceView): string {
  switch (d.role) {
    case 'kernel-dma': return 'kernel DMA user';
    case 'driver-managed': return 'driver-managed';
    case 'unbound': return 'unbound';
    case 'unknown': return 'driver unknown';
  }
}

/** The device line with driver and role, coloured by whether it blocks. */
export function deviceLine(d: DeviceView, c: Colors): string {
  const drv = d.driver ?? (d.role === 'unknown' ? '?' : '-');
  const tag = d.blocks ? c.red(`${drv}: ${roleText(d)}`) : d.role === 'unknown' ? c.yellow(`${drv}: ${roleText(d)}`) : c.green(`${drv}: ${roleText(d)}`);
  const extra = [
    d.bridge ? 'bridge' : null,
    d.driverOverride ? `override=${d.driverOverride}` : null,
    d.sriovNumvfs ? `SR-IOV PF, ${d.sriovNumvfs} VFs` : null,
    d.physfn ? `VF of ${shortBdf(d.physfn)}` : null,
    !d.bridge && d.resetMethod !== null && !d.resetMethod.includes('flr') ? c.yellow(`no FLR (reset_method: ${d.resetMethod.join(' ') || 'none'})`) : null,
    d.critical.length ? c.yellow(`host-critical: ${d.critical.join('; ')}`) : null,
  ].filter((x) => x !== null);
  return `    ${lspciLine(d)}  ${tag}${extra.length ? `  (${extra.join(', ')})` : ''}`;
}
