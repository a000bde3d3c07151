/**
 * shpchp's probe (`shpc_probe()`, drivers/pci/hotplug/shpchp_core.c; the same in 5.10, 6.1 and 6.12):
 * `is_shpc_capable()` (an SHPC capability, or the AMD Golam 7450) else -ENODEV; `shpc_init()`;
 * `init_slots()` → `pci_hp_register()` per slot. Every failure after the capability check ends at
 * `err_out_none: return -ENODEV` — shpc_probe never returns another errno.
 *
 * `pci_hp_register()` → `pci_create_slot()` answers -EBUSY when the slot already has a hotplug driver.
 * Which bridges' slots ACPI hotplug (acpiphp, built in, registered at boot) already owns is a fact of
 * the platform's firmware that sysfs-capture/1 does not record, so the model keeps it as a table of
 * observed platforms (`ACPIPHP_BRIDGES`), each with the trace that shows it.
 */
import type { Device } from '../base/device.js';
import type { DriverOps } from '../base/driver-probe.js';
import { enter, fail, printk, type KernelState } from '../kernel-state.js';
import { PCI_CAP_ID_SHPC, pciFindCapability } from './caps.js';
import { pciConfigSize } from './config.js';
import { ok, type Outcome } from '../errno.js';

const OK: Outcome = ok();
const PCI_VENDOR_ID_AMD = 0x1022;
const PCI_DEVICE_ID_AMD_GOLAM_7450 = 0x7450;
const EBUSY = 16;

/**
 * Bridges whose hotplug slot acpiphp registers before shpchp can: QEMU's PCIe-to-PCI bridge
 * (`pcie-pci-bridge`, 1b36:000e) on a q35 machine, whose ACPI tables describe its slots for ACPI PCI
 * hotplug. Evidence: conformance/5.10/S9 step 16 (QEMU 7.2 q35, Debian 5.10.0-46): "shpchp 0000:01:00.0:
 * pci_hp_register failed with error -16 | Slot initialization failed", bind → ENODEV. On 6.1 and 6.12 the
 * same bind answers EBUSY earlier, from `iommu_device_use_default_domain()` (the group is user-owned).
 */
export const ACPIPHP_BRIDGES: readonly { readonly vendor: number; readonly device: number; readonly platform: string }[] = [
  { vendor: 0x1b36, device: 0x000e, platform: 'QEMU q35 pcie-pci-bridge (ACPI PCI hotplug on its slots)' },
];

function isShpcCapable(dev: Device): boolean {
  const p = dev.pci;
  if (!p) return false;
  if (p.vendor === PCI_VENDOR_ID_AMD && p.device === PCI_DEVICE_ID_AMD_GOLAM_7450) return true;
  // Config not readable (unprivileged capture): assume the capability, as the model did before.
  const size = pciConfigSize(p);
  if (size < 0x40) return true;
  return pciFindCapability(p.config, PCI_CAP_ID_SHPC, size) !== 0;
}

/** `shpc_probe()`: -ENODEV without an SHPC capability, and -ENODEV when a slot is already owned by acpiphp. */
export function shpcProbe(k: KernelState, dev: Device): Outcome {
  enter(k, 'shpc_probe');
  if (!isShpcCapable(dev)) return fail(k, 'shpc_probe', 'ENODEV', `${dev.name} has no SHPC capability`);
  enter(k, 'init_slots');
  const p = dev.pci;
  const owner = p ? ACPIPHP_BRIDGES.find((b) => b.vendor === p.vendor && b.device === p.device) : undefined;
  if (owner) {
    enter(k, `pci_hp_register: -EBUSY (the slot behind ${dev.name} is already registered by acpiphp: ${owner.platform})`);
    printk(k, `shpchp ${dev.name}: pci_hp_register failed with error -${EBUSY}`);
    printk(k, `shpchp ${dev.name}: Slot initialization failed`);
    return fail(k, 'shpc_probe', 'ENODEV', `${dev.name}: Slot initialization failed (pci_hp_register -EBUSY: acpiphp owns the slot on ${owner.platform})`);
  }
  return OK;
}

/** The `pci_driver` shpchp registers (`shpc_driver`): its probe. */
export const SHPCHP_DRIVER: DriverOps = { probe: (k, dev) => shpcProbe(k, dev) };
