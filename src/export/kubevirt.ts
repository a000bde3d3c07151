import type { DeviceView } from '../assign/inspect.js';
import { deviceReady, hex, type GroupFacts, type HostFacts } from './facts.js';

/**
 * KubeVirt's `spec.configuration.permittedHostDevices.pciHostDevices` for this node, as a JSON merge
 * patch of the KubeVirt CR (`kubectl patch kubevirt kubevirt -n kubevirt --type merge -p "$(…)"`).
 * KubeVirt API reference, v1.PciHostDevice: `pciVendorSelector` (required; "vendor_id:product_id"),
 * `resourceName` (required; the extended resource a VM requests, "vendor.com/product_name"; here
 * `vendor.com/pci-VVVV-DDDD`, the same on every node),
 * `externalResourceProvider` (optional bool). One entry per vendor:device among the devices that are
 * ready (on a vfio driver in a viable group) — or will be after a plan that simulated viable.
 *
 * KubeVirt's device plugin matches by vendor:device only and offers every matching function bound
 * to vfio-pci, without looking at the IOMMU group. So each selector that also matches a device that is
 * not ready gets a warning: one on vfio-pci in a non-viable group would be offered and the VM would
 * fail to start; one on another driver makes this node advertise fewer than it has.
 */
export interface PciHostDevice {
  readonly pciVendorSelector: string;
  readonly resourceName: string;
}

export interface KubevirtExport {
  readonly patch: { spec: { configuration: { permittedHostDevices: { pciHostDevices: PciHostDevice[] } } } };
  readonly warnings: readonly string[];
}

/** Vendor domains for resource names (KubeVirt's examples: nvidia.com/…, intel.com/…). */
const VENDOR_DOMAINS: ReadonlyMap<number, string> = new Map([
  [0x10de, 'nvidia.com'], [0x15b3, 'nvidia.com'], [0x8086, 'intel.com'], [0x1002, 'amd.com'], [0x1022, 'amd.com'],
  [0x14e4, 'broadcom.com'], [0x1077, 'marvell.com'], [0x1924, 'amd.com'], [0x144d, 'samsung.com'], [0x1b21, 'asmedia.com.tw'],
]);

/**
 * `vendor-domain/pci-VVVV-DDDD`: from the ids only, never from pci.ids names, so every node of a fleet
 * (whatever its pci.ids version, or none) names the same device the same way — permittedHostDevices
 * is cluster-wide.
 */
export function resourceName(d: DeviceView): string {
  return `${VENDOR_DOMAINS.get(d.vendor) ?? 'pci.dmaown.io'}/pci-${hex(d.vendor, 4)}-${hex(d.device, 4)}`;
}

const selectorOf = (d: DeviceView): string => `${hex(d.vendor, 4)}:${hex(d.device, 4)}`;

/** `planned`: BDFs a plan (simulated viable) will put on vfio-pci; they count as ready. */
export function kubevirtExport(f: HostFacts, planned: ReadonlySet<string> = new Set()): KubevirtExport {
  const all: { d: DeviceView; g: GroupFacts | null }[] = [
    ...f.groups.flatMap((g) => g.devices.map((d) => ({ d, g }))),
    ...f.ungrouped.map((d) => ({ d, g: null })),
  ];
  const ready = (x: { d: DeviceView; g: GroupFacts | null }): boolean => x.d.infrastructure === null && (deviceReady(x.d, x.g) || planned.has(x.d.bdf));
  const bySelector = new Map<string, { first: DeviceView; bdfs: string[] }>();
  for (const x of all) {
    if (!ready(x)) continue;
    const s = selectorOf(x.d);
    const e = bySelector.get(s);
    if (e) e.bdfs.push(x.d.bdf); else bySelector.set(s, { first: x.d, bdfs: [x.d.bdf] });
  }
  const entries: PciHostDevice[] = [];
  const warnings: string[] = [];
  for (const [s, e] of [...bySelector].sort(([a], [b]) => a.localeCompare(b))) {
    const name = resourceName(e.first);
    entries.push({ pciVendorSelector: s, resourceName: name });
    const total = all.filter((x) => selectorOf(x.d) === s).length;
    for (const x of all) {
      if (selectorOf(x.d) !== s || ready(x)) continue;
      const where = x.g === null ? 'no IOMMU group' : `group ${x.g.id} ${x.g.state}`;
      warnings.push(x.d.driver !== null && x.d.driver.startsWith('vfio')
        ? `selector ${s} (${name}) also matches ${x.d.bdf} on ${x.d.driver} in ${where}: KubeVirt would offer it and a VM given it would fail to start (group not viable)`
        : `selector ${s} (${name}) also matches ${x.d.bdf} (${x.d.driver ?? 'no driver'}, ${where}), which is not ready: this node offers ${e.bdfs.length} of the ${total} functions with this id (\`dmaown plan ${x.d.bdf}\` would make it ready)`);
    }
  }
  return { patch: { spec: { configuration: { permittedHostDevices: { pciHostDevices: entries } } } }, warnings };
}

export function kubevirtText(x: KubevirtExport): string {
  return `${JSON.stringify(x.patch, null, 2)}\n`;
}
