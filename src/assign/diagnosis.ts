import { readFileSync } from 'node:fs';
import type { LoadedHost } from './source.js';

/**
 * Why this host shows no IOMMU groups, in words a user can act on (users.md pain 10: "IOMMU disabled
 * in BIOS" printed inside a VM that simply has no virtual IOMMU). Uses the host layer's diagnosis
 * when it provides one (`src/host/no-groups.ts`, `diagnoseNoGroups`), else these checks:
 * no /sys → not Linux or no sysfs; a hypervisor CPU flag → a VM without a virtual IOMMU;
 * no /sys/class/iommu units → IOMMU off in firmware or on the kernel command line.
 */
export async function noGroupsDiagnosis(loaded: LoadedHost | null, loadError: string | null): Promise<string> {
  const spec = '../host/no-groups.js';
  try {
    const m = (await import(spec)) as { diagnoseNoGroups?: (port: unknown) => { text?: string } | string };
    if (loaded && typeof m.diagnoseNoGroups === 'function') {
      const d = m.diagnoseNoGroups(loaded.port);
      const text = typeof d === 'string' ? d : d.text;
      if (text) return text;
    }
  } catch { /* not available: fall back to the checks below */ }
  if (!loaded) return `/sys could not be read (${loadError ?? 'unknown error'}): not a Linux host, or sysfs is not mounted.`;
  const cmdline = loaded.host.cmdline.join(' ') || '(no IOMMU parameters)';
  let cpuinfo = '';
  try { cpuinfo = readFileSync('/proc/cpuinfo', 'utf8'); } catch { /* not Linux */ }
  const vm = /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo);
  if (loaded.host.iommus.length === 0) {
    return vm
      ? `No IOMMU hardware is registered (/sys/class/iommu is empty) and this is a virtual machine: the hypervisor gives it no virtual IOMMU (QEMU: -device intel-iommu,intremap=on with -machine q35,kernel-irqchip=split). Nothing is wrong with the firmware of this guest. Kernel parameters: ${cmdline}.`
      : `No IOMMU hardware is registered (/sys/class/iommu is empty): enable VT-d / AMD-Vi (often "IOMMU" or "SVM"/"VT-d") in the firmware setup, and on Intel boot with intel_iommu=on. Kernel parameters: ${cmdline}.`;
  }
  return `IOMMU units are registered (${loaded.host.iommus.join(', ')}) but no group exists: check for iommu=off or an IOMMU driver that failed to probe (dmesg | grep -i -e DMAR -e IOMMU). Kernel parameters: ${cmdline}.`;
}
