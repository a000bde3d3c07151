import type { VmSlot } from './vm-config.js';

/**
 * The four VMM formats of `vm-config`. Each takes the guest slots (functions of one host device
 * together) and writes them as that VMM expects:
 * - libvirt (formatdomain, "Host device assignment"): `<hostdev mode='subsystem' type='pci' managed=…>`
 *   with the host address in `<source>`; a multifunction slot gets a `pcie-root-port` controller of
 *   its own (index = the guest bus, --guest-bus) and explicit guest addresses on its slot 0,
 *   `multifunction='on'` on function 0.
 * - QEMU: `-device vfio-pci,host=…`; a multifunction slot sits on a `pcie-root-port` of its own
 *   (q35), `addr=00.N`, `multifunction=on` on function 0; a boot GPU gets `x-vga=on` and `-vga none`.
 * - Proxmox: `hostpciN:` — "BB:SS" for a whole device (all functions, one slot), `pcie=1` (q35),
 *   `x-vga=1` for a boot GPU.
 * - cloud-hypervisor: one `--device path=/sys/bus/pci/devices/BDF/` per function.
 */
const h = (n: number, w: number): string => `0x${n.toString(16).padStart(w, '0')}`;
const hexNoPrefix = (n: number, w: number): string => n.toString(16).padStart(w, '0');

export function libvirtHostdevs(slots: readonly VmSlot[], o: { managed: boolean; guestBus: number }): { text: string } {
  const out: string[] = [];
  let bus = o.guestBus;
  for (const s of slots) {
    const multi = s.functions.length > 1;
    const guestBus = multi ? bus++ : null;
    // The guest bus the functions share: a PCIe root port of its own (q35), whose index is the bus number.
    if (guestBus !== null) out.push(`<controller type='pci' index='${guestBus}' model='pcie-root-port'/>`);
    for (const f of s.functions) {
      out.push(`<hostdev mode='subsystem' type='pci' managed='${o.managed ? 'yes' : 'no'}'>`);
      out.push('  <source>');
      out.push(`    <address domain='${h(f.domain, 4)}' bus='${h(f.bus, 2)}' slot='${h(f.slot, 2)}' function='${h(f.function, 1)}'/>`);
      out.push('  </source>');
      if (guestBus !== null) {
        out.push(`  <address type='pci' domain='0x0000' bus='${h(guestBus, 2)}' slot='0x00' function='${h(f.guestFunction, 1)}'${f.guestFunction === 0 ? " multifunction='on'" : ''}/>`);
      }
      out.push('</hostdev>');
    }
  }
  return { text: `${out.join('\n')}\n` };
}

/** QEMU's -device option value syntax (QemuOpts): a comma inside a value is written twice. */
export const qemuOptValue = (v: string): string => v.replace(/,/g, ',,');

export function qemuArgv(slots: readonly VmSlot[], guestBus: number): string[] {
  const argv: string[] = [];
  let port = 0;
  let bootGpu = false;
  for (const s of slots) {
    const multi = s.functions.length > 1;
    const rp = multi ? `dmaown-rp${port}` : null;
    if (rp !== null) {
      argv.push('-device', `pcie-root-port,id=${rp},bus=pcie.0,chassis=${guestBus + port},slot=${guestBus + port}`);
      port++;
    }
    for (const f of s.functions) {
      const host = `${hexNoPrefix(f.domain, 4)}:${hexNoPrefix(f.bus, 2)}:${hexNoPrefix(f.slot, 2)}.${f.function}`;
      const opts = [`vfio-pci`, `host=${qemuOptValue(host)}`, `id=hostdev-${host.replace(/[:.]/g, '-')}`];
      if (rp !== null) opts.push(`bus=${rp}`, `addr=00.${f.guestFunction}`, ...(f.guestFunction === 0 ? ['multifunction=on'] : []));
      if (f.bootGpu) { opts.push('x-vga=on'); bootGpu = true; }
      argv.push('-device', opts.join(','));
    }
  }
  if (bootGpu) argv.push('-vga', 'none');
  return argv;
}

export function proxmoxLines(slots: readonly VmSlot[]): string {
  const out: string[] = [];
  let n = 0;
  for (const s of slots) {
    const f0 = s.functions[0]!;
    const vga = s.functions.some((f) => f.bootGpu) ? ',x-vga=1' : '';
    if (s.whole && s.functions.length > 1) {
      out.push(`hostpci${n++}: ${hexNoPrefix(f0.domain, 4)}:${hexNoPrefix(f0.bus, 2)}:${hexNoPrefix(f0.slot, 2)},pcie=1${vga}`);
      continue;
    }
    for (const f of s.functions) out.push(`hostpci${n++}: ${f.bdf},pcie=1${f.bootGpu ? ',x-vga=1' : ''}`);
  }
  return `${out.join('\n')}\n`;
}

export function cloudHypervisorArgv(slots: readonly VmSlot[]): string[] {
  const paths = slots.flatMap((s) => s.functions.map((f) => `path=/sys/bus/pci/devices/${f.bdf}/`));
  return paths.length > 0 ? ['--device', ...paths] : [];
}
