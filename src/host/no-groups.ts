import type { HostDescription } from '../model/host-description.js';
import type { HostEvidence } from './evidence.js';

/**
 * Why a host shows no (translated) IOMMU groups — told apart, because the advice differs:
 * - 'groups-present': there are groups; nothing to diagnose.
 * - 'passthrough': groups exist but every default domain is 'identity' (iommu=pt): VFIO works, host DMA is untranslated.
 * - 'vm-without-viommu': a virtual machine whose hypervisor exposes no virtual IOMMU (never "enable VT-d in the BIOS").
 * - 'iommu-disabled': the kernel command line turns the IOMMU off.
 * - 'iommu-not-enabled': Intel host, no DMAR unit and no intel_iommu=on (many kernels default it off).
 * - 'iommu-absent': no IOMMU unit registered: firmware has it off, or the hardware has none.
 * - 'iommu-no-groups': IOMMU units exist but no group was created (check dmesg).
 */
export type NoGroupsCause =
  | 'groups-present' | 'passthrough' | 'vm-without-viommu' | 'iommu-disabled' | 'iommu-not-enabled' | 'iommu-absent' | 'iommu-no-groups';

export interface NoGroupsVerdict {
  readonly cause: NoGroupsCause;
  /** What was seen, one fact per line. */
  readonly evidence: readonly string[];
  /** What to do, in words that fit the cause. */
  readonly advice: string;
}

/** DMI sys_vendor / product strings of hypervisors and clouds. */
const VM_DMI = /qemu|kvm|vmware|microsoft corporation|virtualbox|innotek|xen|amazon ec2|google|bochs|parallels|openstack|digitalocean|hetzner|firecracker|cloud hypervisor/i;
/** PCI vendors that only exist in virtual machines: virtio/Red Hat, QEMU, VMware, Amazon (ENA/NVMe), Google gVNIC, Xen, Hyper-V. */
const VM_PCI_VENDORS: ReadonlyMap<number, string> = new Map([
  [0x1af4, 'virtio (Red Hat)'], [0x1b36, 'QEMU'], [0x15ad, 'VMware'], [0x1d0f, 'Amazon'], [0x1ae0, 'Google'],
  [0x5853, 'Xen'], [0x1414, 'Microsoft Hyper-V'], [0x80ee, 'VirtualBox'],
]);

/**
 * Diagnoses a host without IOMMU groups from its description plus the CPU's hypervisor flag and DMI
 * (`readEvidence` live, a capture's `evidence` field; what is unknown just removes that evidence).
 */
export function diagnoseNoGroups(host: HostDescription, ev: HostEvidence): NoGroupsVerdict {
  const evidence: string[] = [];
  if (host.groups.length > 0 || host.pci.some((d) => d.iommuGroup !== null)) {
    const types = [...new Set(host.groups.map((g) => g.type))];
    if (types.length === 1 && types[0] === 'identity') {
      return {
        cause: 'passthrough',
        evidence: [`${host.groups.length} groups, all with default domain type identity`, ...host.cmdline.filter((c) => /pt|passthrough/.test(c))],
        advice: 'The IOMMU is on in passthrough mode: groups exist and VFIO assignment works, but host drivers DMA without translation. Remove iommu=pt / iommu.passthrough=1 for DMA protection of host devices.',
      };
    }
    return { cause: 'groups-present', evidence: [`${host.groups.length} IOMMU groups`], advice: 'IOMMU groups exist.' };
  }
  const cpuVendor = ev.cpuVendor;
  const dmi = [ev.dmi.sysVendor, ev.dmi.productName].filter((s): s is string => s !== null);
  const vmPci = [...new Set(host.pci.map((d) => VM_PCI_VENDORS.get(d.vendor)).filter((v): v is string => v !== undefined))];
  const inVm = ev.hypervisor === true || dmi.some((s) => VM_DMI.test(s)) || vmPci.length > 0;
  if (ev.hypervisor === true) evidence.push('CPU flag "hypervisor" in /proc/cpuinfo: this is a virtual machine');
  for (const s of dmi) if (VM_DMI.test(s)) evidence.push(`DMI says "${s}"`);
  if (vmPci.length > 0) evidence.push(`virtual-machine PCI devices: ${vmPci.join(', ')}`);
  evidence.push(host.iommus.length === 0 ? 'no IOMMU unit under /sys/class/iommu' : `IOMMU units: ${host.iommus.join(', ')}`);
  const off = host.cmdline.filter((c) => /^(intel_iommu|amd_iommu|iommu)=(off|0)$/.test(c));
  if (off.length > 0) {
    return { cause: 'iommu-disabled', evidence: [...evidence, `kernel parameters: ${off.join(' ')}`], advice: `The kernel command line turns the IOMMU off (${off.join(' ')}): remove it and reboot.` };
  }
  if (host.iommus.length > 0) {
    return { cause: 'iommu-no-groups', evidence, advice: 'IOMMU units are registered but no device was put in a group: check `dmesg | grep -i -e DMAR -e IOMMU -e AMD-Vi` for errors.' };
  }
  if (inVm) {
    return {
      cause: 'vm-without-viommu',
      evidence,
      advice: 'This is a virtual machine without a virtual IOMMU; firmware settings do not apply here. ' +
        'Ask the hypervisor for one (QEMU: -device intel-iommu,intremap=on on q35 with intel_iommu=on in the guest, or -device virtio-iommu-pci; ' +
        'most cloud instances cannot), assign devices from the host instead, or for testing only use VFIO no-IOMMU mode (vfio.enable_unsafe_noiommu_mode=1, no DMA protection).',
    };
  }
  const intel = cpuVendor === 'GenuineIntel' || (cpuVendor === null && host.pci.some((d) => d.vendor === 0x8086 && d.class === 0x060000));
  if (intel && !host.cmdline.some((c) => c === 'intel_iommu=on')) {
    return { cause: 'iommu-not-enabled', evidence: [...evidence, 'Intel host without intel_iommu=on'], advice: 'Add intel_iommu=on to the kernel command line and reboot; if there is still no DMAR unit, enable VT-d in the firmware setup.' };
  }
  return {
    cause: 'iommu-absent',
    evidence,
    advice: `No IOMMU is registered: enable ${intel ? 'VT-d' : cpuVendor === 'AuthenticAMD' ? 'AMD-Vi / IOMMU' : 'the IOMMU (VT-d / AMD-Vi / SMMU)'} in the firmware setup, then check dmesg for DMAR/IVRS messages.`,
  };
}
