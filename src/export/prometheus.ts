import type { DeviceView } from '../assign/inspect.js';
import { hex, type GroupFacts, type HostFacts } from './facts.js';

/**
 * A node_exporter textfile-collector file (`*.prom`, the Prometheus text exposition format 0.0.4):
 * one HELP and TYPE per metric family, every sample a gauge, names prefixed `dmaown_`. PCI addresses
 * use node_exporter's own pcidevice collector labels and formats (`segment` %04x, `bus` %02x,
 * `device` %02x, `function` %x; ids and subsystem ids as `0x%04x`, class `0x%06x`), so
 * `dmaown_device_info * on(segment, bus, device, function) group_left(...) node_pcidevice_info` joins.
 * The IOMMU group label is `iommu_group` (`group` is a PromQL keyword).
 */

/** Escape a label value: backslash, double quote and newline (exposition format). */
export function labelValue(v: string): string {
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

type Labels = Readonly<Record<string, string>>;

class Family {
  readonly lines: string[] = [];
  constructor(readonly name: string, help: string) {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} gauge`);
  }
  add(value: number, labels: Labels = {}): void {
    let ls = '';
    for (const k in labels) ls += `${ls === '' ? '' : ','}${k}="${labelValue(labels[k] as string)}"`;
    this.raw(value, ls);
  }
  /** A sample whose label pairs are already rendered (`a="1",b="2"`, escaped). */
  raw(value: number, ls: string): void {
    this.lines.push(ls === '' ? `${this.name} ${value}` : `${this.name}{${ls}} ${value}`);
  }
}

/** segment, bus, device, function of a BDF ('0000:01:00.0'), formatted as node_exporter does. */
export function pciLocation(bdf: string): Labels {
  const m = /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(bdf);
  if (!m) return { segment: '', bus: '', device: '', function: '' };
  return { segment: m[1] as string, bus: m[2] as string, device: m[3] as string, function: m[4] as string };
}

/** The label pairs of dmaown_device_info, rendered directly (10k devices: no per-label objects). */
function deviceLabels(d: DeviceView, group: GroupFacts | null): string {
  const m = /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(d.bdf);
  return `segment="${m?.[1] ?? ''}",bus="${m?.[2] ?? ''}",device="${m?.[3] ?? ''}",function="${m?.[4] ?? ''}",` +
    `iommu_group="${group === null ? '' : group.id}",vendor_id="0x${hex(d.vendor, 4)}",device_id="0x${hex(d.device, 4)}",` +
    `class_id="0x${hex(d.class, 6)}",subsystem_vendor_id="0x${hex(d.subsystemVendor, 4)}",subsystem_device_id="0x${hex(d.subsystemDevice, 4)}",driver="${labelValue(d.driver ?? '')}",driver_override="${labelValue(d.driverOverride ?? '')}",` +
    `role="${d.role}",blocks="${d.blocks ? 'true' : 'false'}"`;
}

/** The textfile-collector document for one host. */
export function prometheusText(f: HostFacts): string {
  const fam = (name: string, help: string): Family => new Family(`dmaown_${name}`, help);
  const out: Family[] = [];
  const push = (x: Family): Family => { out.push(x); return x; };

  push(fam('export_timestamp_seconds', 'Unix time when dmaown wrote this file.')).add(f.time);
  push(fam('info', 'The exported host: kernel release, DMA-ownership rule (legacy before 5.19, ownership since) and source; value is always 1.'))
    .add(1, { kernel: f.kernel, era: f.era, source: f.source });
  push(fam('iommu_enabled', '1 when the host has IOMMU groups that are not VFIO no-IOMMU groups.')).add(f.iommuEnabled ? 1 : 0);
  push(fam('iommu_groups', 'Number of IOMMU groups.')).add(f.groups.length);
  push(fam('acs_override', '1 when the kernel command line carries pcie_acs_override=: groups do not reflect hardware isolation.'))
    .add(f.acsOverride === null ? 0 : 1, { value: f.acsOverride ?? '' });
  push(fam('noiommu', '1 when VFIO no-IOMMU mode is on (vfio.enable_unsafe_noiommu_mode=1 or vfio-noiommu groups): user space DMA is not translated.'))
    .add(f.noIommu ? 1 : 0);
  push(fam('vfio_pci_module', "vfio-pci's module: loaded, builtin, available (for this kernel, not loaded), absent, unknown (a capture without module evidence); value is always 1.")).add(1, { state: f.vfioPci });
  const ng = push(fam('no_iommu_groups', 'Present only on a host without IOMMU groups: why, as the diagnosis cause; value is always 1.'));
  if (f.noGroups !== null) ng.add(1, { cause: f.noGroups.cause });

  const viable = push(fam('group_viable', '1 when no member of the IOMMU group is bound to a driver that keeps user space from claiming it.'));
  const devices = push(fam('group_devices', 'Number of devices in the IOMMU group.'));
  const endpoint = push(fam('group_endpoint', '1 when the group holds at least one function that is not a bridge (0: root ports and bridges only).'));
  const state = push(fam('group_state', 'The IOMMU group as dmaown status words it: ready, in-use, free, needs-rebind, refused, infrastructure, unknown; one series per group, value is always 1.'));
  const owner = push(fam('group_owner', 'Who owns DMA for the group: kernel, user (a process holds it), idle, unknown (a capture cannot show who holds a vfio group); one series per group, value is always 1.'));
  const holder = push(fam('group_holder_info', 'A process holding the group through /dev/vfio/N, a vfio device cdev or /dev/iommu; value is always 1.'));
  const info = push(fam('device_info', 'A PCI function as dmaown sees it (labels as node_pcidevice_info plus driver, role and IOMMU group); value is always 1.'));
  for (const g of f.groups) {
    const id = `iommu_group="${g.id}"`;
    viable.raw(g.viable ? 1 : 0, id);
    devices.raw(g.devices.length, id);
    endpoint.raw(g.kind === 'endpoint' ? 1 : 0, id);
    state.raw(1, `${id},state="${g.state}"`);
    owner.raw(1, `${id},owner="${g.owner}"`);
    for (const h of g.holders) holder.add(1, { iommu_group: String(g.id), pid: String(h.pid), comm: h.comm, path: h.path });
    for (const d of g.devices) info.raw(1, deviceLabels(d, g));
  }
  for (const d of f.ungrouped) info.raw(1, deviceLabels(d, null));
  return `${out.map((x) => x.lines.join('\n')).join('\n')}\n`;
}
