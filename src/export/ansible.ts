import type { DeviceView } from '../assign/inspect.js';
import { deviceReady, GROUP_STATES, hex, type GroupFacts, type HostFacts } from './facts.js';

/**
 * Ansible local facts: the JSON of `/etc/ansible/facts.d/dmaown.fact` (or printed by an executable
 * fact), read by `setup` into `ansible_local.dmaown`. Keys are snake_case; groups and devices are
 * keyed by id / full BDF so a play can write `ansible_local.dmaown.groups['8'].viable` or
 * `ansible_local.dmaown.devices['0000:01:00.0'].ready`. Versioned by `schema` (dmaown-facts/1).
 */
export const FACTS_SCHEMA = 'dmaown-facts/1';

function deviceFacts(d: DeviceView, g: GroupFacts | null): Record<string, unknown> {
  return {
    vendor: hex(d.vendor, 4), device: hex(d.device, 4), class: hex(d.class, 6),
    subsystem_vendor: hex(d.subsystemVendor, 4), subsystem_device: hex(d.subsystemDevice, 4),
    vendor_name: d.vendorName, device_name: d.deviceName,
    driver: d.driver, driver_override: d.driverOverride, role: d.role, bridge: d.bridge, infrastructure: d.infrastructure,
    iommu_group: g === null ? null : g.id, ready: deviceReady(d, g), critical: d.critical,
  };
}

export function ansibleFacts(f: HostFacts): Record<string, unknown> {
  const groups: Record<string, unknown> = {};
  const devices: Record<string, unknown> = {};
  for (const g of f.groups) {
    groups[String(g.id)] = {
      kind: g.kind, viable: g.viable, state: g.state, owner: g.owner,
      holders: g.holders.map((h) => ({ pid: h.pid, comm: h.comm, path: h.path })),
      devices: g.devices.map((d) => d.bdf),
    };
    for (const d of g.devices) devices[d.bdf] = deviceFacts(d, g);
  }
  for (const d of f.ungrouped) devices[d.bdf] = deviceFacts(d, null);
  return {
    schema: FACTS_SCHEMA,
    generated_at: new Date(f.time * 1000).toISOString(),
    source: f.source,
    kernel: f.kernel,
    dma_rule: f.era,
    iommu: {
      enabled: f.iommuEnabled, groups: f.groups.length, acs_override: f.acsOverride, noiommu: f.noIommu,
      no_groups_cause: f.noGroups?.cause ?? null, no_groups_advice: f.noGroups?.advice ?? null,
    },
    vfio_pci: f.vfioPci,
    holders_seen: f.holdersSeen,
    summary: Object.fromEntries(GROUP_STATES.map((st) => [st.replace('-', '_'), f.groups.filter((g) => g.state === st).length])),
    groups,
    devices,
  };
}

export function ansibleText(f: HostFacts): string {
  return `${JSON.stringify(ansibleFacts(f), null, 2)}\n`;
}
