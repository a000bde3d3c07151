import type { HostDescription, PciDeviceDesc } from '../model/host-description.js';
import type { HostView } from './inspect.js';
import { libvirtHostdevs, proxmoxLines, qemuArgv, cloudHypervisorArgv } from './vm-formats.js';

/**
 * The configuration that hands devices to a VM, in the VMM's own words: libvirt `<hostdev>` elements,
 * QEMU `-device vfio-pci` arguments, Proxmox `hostpciN:` lines, cloud-hypervisor `--device` arguments.
 * Functions of one host device (same domain:bus:slot) go to one guest slot, function 0 marked
 * multifunction, so the guest sees the card as the host does. A boot GPU gets the options it needs.
 * Every other endpoint of the devices' IOMMU groups is named: it must go to the same VM or stay unbound
 * (or on vfio-pci), since the group is opened whole.
 */
export type VmFormat = 'libvirt' | 'qemu' | 'proxmox' | 'cloud-hypervisor';
export const VM_FORMATS: readonly VmFormat[] = ['libvirt', 'qemu', 'proxmox', 'cloud-hypervisor'];

export interface VmFunction {
  readonly bdf: string;
  readonly domain: number;
  readonly bus: number;
  readonly slot: number;
  readonly function: number;
  /** VGA-compatible controller (class 0x0300) that the firmware booted on (boot_vga=1). */
  readonly bootGpu: boolean;
  /** Guest function number on its slot (0..n-1 in host function order). */
  readonly guestFunction: number;
}

/** One guest slot: the functions of one host device. */
export interface VmSlot {
  readonly index: number;
  readonly functions: readonly VmFunction[];
  /** Every function the host device has is in the slot. */
  readonly whole: boolean;
}

export interface VmConfigOptions {
  readonly format: VmFormat;
  /** libvirt: managed='yes' (libvirt binds vfio-pci at VM start and gives the device back after). */
  readonly managed?: boolean;
  /** The first guest bus used for multifunction slots (libvirt, QEMU). */
  readonly guestBus?: number;
}

export interface VmConfig {
  readonly format: VmFormat;
  readonly slots: readonly VmSlot[];
  /** The configuration as text to paste. */
  readonly text: string;
  /** qemu, cloud-hypervisor: the argument vector (without the program). */
  readonly argv: readonly string[] | null;
  /** Other endpoints of the same groups, each with what must happen to it. */
  readonly others: readonly string[];
  readonly notes: readonly string[];
}

export function parseBdfParts(bdf: string): { domain: number; bus: number; slot: number; function: number } {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(bdf);
  if (!m) throw new Error(`not a full BDF: ${bdf}`);
  return { domain: parseInt(m[1]!, 16), bus: parseInt(m[2]!, 16), slot: parseInt(m[3]!, 16), function: parseInt(m[4]!, 16) };
}

/** Group the devices by host slot, in BDF order; guest functions numbered 0..n-1 per slot. */
export function vmSlots(host: HostDescription, bdfs: readonly string[]): VmSlot[] {
  const devs = bdfs.map((b) => host.pci.find((d) => d.bdf === b)).filter((d): d is PciDeviceDesc => d !== undefined)
    .sort((a, b) => (a.bdf < b.bdf ? -1 : a.bdf > b.bdf ? 1 : 0));
  const bySlot = new Map<string, PciDeviceDesc[]>();
  for (const d of devs) {
    const key = d.bdf.slice(0, -2);
    const list = bySlot.get(key) ?? [];
    list.push(d);
    bySlot.set(key, list);
  }
  return [...bySlot.entries()].map(([key, list], index) => ({
    index,
    whole: host.pci.filter((d) => d.bdf.slice(0, -2) === key).length === list.length,
    functions: list.map((d, i) => ({ bdf: d.bdf, ...parseBdfParts(d.bdf), bootGpu: d.class >> 8 === 0x0300 && d.bootVga === true, guestFunction: i })),
  }));
}

/** The other endpoints (non-bridge devices) of the devices' groups, and what each must do. */
export function otherEndpoints(view: HostView, bdfs: readonly string[]): string[] {
  const out: string[] = [];
  for (const g of view.groups) {
    if (!g.devices.some((d) => bdfs.includes(d.bdf))) continue;
    for (const d of g.devices) {
      if (bdfs.includes(d.bdf) || d.bridge) continue;
      const now = d.driver === null ? 'unbound' : `on ${d.driver}`;
      out.push(`${d.bdf} (${now}) is in IOMMU group ${g.id} too: pass it to the same VM, or leave it unbound or on vfio-pci — the group is opened whole, and no other VM or host driver can use it meanwhile`);
    }
  }
  return out;
}

/** The configuration for `bdfs` (full BDFs present on the host) in one format. */
export function vmConfig(view: HostView, host: HostDescription, bdfs: readonly string[], opts: VmConfigOptions): VmConfig {
  const slots = vmSlots(host, bdfs);
  const guestBus = opts.guestBus ?? 0x10;
  const notes: string[] = [];
  let text: string, argv: string[] | null = null;
  switch (opts.format) {
    case 'libvirt': ({ text } = libvirtHostdevs(slots, { managed: opts.managed === true, guestBus })); break;
    case 'qemu': argv = qemuArgv(slots, guestBus); text = shellText('qemu-system-x86_64', argv); break;
    case 'proxmox': text = proxmoxLines(slots); break;
    case 'cloud-hypervisor': argv = cloudHypervisorArgv(slots); text = shellText('cloud-hypervisor', argv); break;
  }
  if (slots.some((s) => s.functions.some((f) => f.bootGpu))) {
    notes.push('a boot GPU: its ROM as the host firmware left it may not start in the guest — if the guest shows nothing, dump the card\'s ROM on another host and add it (libvirt <rom file=…/>, QEMU romfile=…, Proxmox romfile=…)');
    if (opts.format === 'qemu' || opts.format === 'proxmox') notes.push('x-vga needs a host kernel built with CONFIG_VFIO_PCI_VGA, and a guest without an emulated VGA (-vga none)');
  }
  if (opts.managed === true && opts.format !== 'libvirt') notes.push(`--managed is libvirt's: ${opts.format} expects the devices already on vfio-pci (dmaown apply)`);
  if (opts.format === 'libvirt' && slots.some((s) => s.functions.length > 1)) notes.push(`each multifunction device sits on a pcie-root-port controller of its own, from index ${guestBus} (--guest-bus): pick an index the domain does not use yet (q35)`);
  if (opts.format === 'libvirt' && opts.managed !== true) notes.push("managed='no': the devices must be on vfio-pci before the VM starts (dmaown apply), and libvirt leaves them there when it stops");
  if (opts.format === 'cloud-hypervisor' && slots.some((s) => s.functions.length > 1)) notes.push('cloud-hypervisor gives every function a guest slot of its own (no multifunction slots)');
  if (opts.format === 'proxmox' && slots.some((s) => s.functions.length > 1 && !s.whole)) notes.push('Proxmox passes a whole device as "BB:SS" (all functions, one guest slot); a subset of functions goes as separate hostpci entries');
  return { format: opts.format, slots, text, argv, others: otherEndpoints(view, bdfs), notes };
}

/** Shell text for an argument vector: one option and its value per line, single-quoted where needed. */
export function shellText(program: string, argv: readonly string[]): string {
  const q = (s: string): string => (/^[A-Za-z0-9_.,:=/@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
  const lines: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a.startsWith('-') && next !== undefined && !next.startsWith('-')) { lines.push(`${q(a)} ${q(next)}`); i++; } else lines.push(q(a));
  }
  return `${program} \\\n  ${lines.join(' \\\n  ')}\n`;
}
