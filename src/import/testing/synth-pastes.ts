import type { HostDescription } from '../../model/host-description.js';
import { pciConfigSize } from '../../model/pci/config.js';

/**
 * Pastes of formats no tool here can print from a tree — the kernel log, Proxmox `pvesh`, ls-iommu
 * and iommu_viewer — written from a host description in the layout those tools print (the kernel's
 * printk formats in drivers/pci/probe.c and drivers/iommu/iommu.c; pvesh's table and JSON keys;
 * ls-iommu's and iommu_viewer.sh's line format). Device descriptions are taken from a real
 * `lspci -nns` render (`descs`: BDF → text after the BDF), so names match the rendered fixtures.
 */
export function synthPastes(host: HostDescription, descs: ReadonlyMap<string, string>): Record<string, string> {
  const h = (n: number, w: number): string => n.toString(16).padStart(w, '0');
  const short = (b: string): string => (b.startsWith('0000:') ? b.slice(5) : b);
  const pci = [...host.pci].sort((a, b) => (a.bdf < b.bdf ? -1 : 1));
  const amd = host.iommus.some((n) => n.startsWith('ivhd')) || pci.some((d) => d.vendor === 0x1022);
  let t = 0;
  const ts = (): string => `[${(0.1 + (t++) * 0.001).toFixed(6).padStart(12)}]`;
  const log: string[] = [`${ts()} Linux version ${host.kernel} (builder@dmaown) (gcc) #1 SMP`, `${ts()} Command line: BOOT_IMAGE=/vmlinuz ro quiet ${host.cmdline.join(' ')}`];
  log.push(amd ? `${ts()} AMD-Vi: Using global IVHD EFR:0x0, EFR2:0x0` : `${ts()} DMAR: IOMMU enabled`);
  for (const d of pci) {
    const type = pciConfigSize(d) > 0x0e ? (d.config[0x0e] ?? 0) & 0x7f : (d.class >> 8 === 0x0604 ? 1 : 0);
    log.push(`${ts()} pci ${d.bdf}: [${h(d.vendor, 4)}:${h(d.device, 4)}] type ${h(type, 2)} class 0x${h(d.class, 6)}`);
  }
  for (const d of pci) {
    if ((d.config[0x0e] ?? 0) % 128 === 1 && pciConfigSize(d) > 0x1a) log.push(`${ts()} pci ${d.bdf}: PCI bridge to [bus ${h(d.config[0x19] ?? 0, 2)}${(d.config[0x1a] ?? 0) !== (d.config[0x19] ?? 0) ? `-${h(d.config[0x1a] ?? 0, 2)}` : ''}]`);
  }
  if (amd) log.push(`${ts()} pci 0000:00:00.2: AMD-Vi: Found IOMMU cap 0x40`, `${ts()} AMD-Vi: Interrupt remapping enabled`);
  else log.push(`${ts()} DMAR: Intel(R) Virtualization Technology for Directed I/O`);
  const grouped = pci.filter((d) => d.iommuGroup !== null).sort((a, b) => (a.iommuGroup as number) - (b.iommuGroup as number) || (a.bdf < b.bdf ? -1 : 1));
  const newStyle = [...log, ...grouped.map((d) => `${ts()} pci ${d.bdf}: Adding to iommu group ${d.iommuGroup}`)];
  const oldStyle = [...log, ...grouped.map((d) => `${ts()} iommu: Adding device ${d.bdf} to group ${d.iommuGroup}`)];
  const caseGrep = newStyle.filter((l) => /DMAR|IOMMU/.test(l));

  const cols = ['class', 'device', 'id', 'iommugroup', 'vendor', 'device_name', 'mdev', 'subsystem_device', 'subsystem_vendor'];
  const rows = (hideBridges: boolean): Record<string, string>[] => pci
    .filter((d) => !hideBridges || ![0x05, 0x06, 0x0b].includes(d.class >> 16))
    .map((d) => {
      const desc = descs.get(short(d.bdf)) ?? '';
      const name = /: (.*?) \[[0-9a-f]{4}:[0-9a-f]{4}\]/.exec(desc)?.[1] ?? '';
      return {
        class: `0x${h(d.class, 6)}`, device: `0x${h(d.device, 4)}`, id: d.bdf, iommugroup: String(d.iommuGroup ?? -1),
        vendor: `0x${h(d.vendor, 4)}`, device_name: name, mdev: '', subsystem_device: `0x${h(d.subsystemDevice, 4)}`, subsystem_vendor: `0x${h(d.subsystemVendor, 4)}`,
      };
    });
  const table = (rs: Record<string, string>[]): string => {
    const w = cols.map((c) => Math.max(c.length, ...rs.map((r) => (r[c] ?? '').length)));
    const line = (l: string, m: string, r: string): string => `${l}${w.map((n) => '─'.repeat(n + 2)).join(m)}${r}`;
    const row = (vals: string[]): string => `│${vals.map((v, i) => ` ${i === 3 ? v.padStart(w[i] as number) : v.padEnd(w[i] as number)} `).join('│')}│`;
    return [line('┌', '┬', '┐'), row(cols), line('╞', '╪', '╡').replace(/─/g, '═'), ...rs.map((r) => row(cols.map((c) => r[c] ?? ''))), line('└', '┴', '┘')].join('\n');
  };
  const lsIommu = grouped.map((d) => `IOMMU Group ${String(d.iommuGroup).padStart(3)}: ${d.bdf} ${(descs.get(short(d.bdf)) ?? '').replace(/^(.*?\[[0-9a-f]{4}\]):/, '$1')}`);
  const viewer = grouped.map((d) => `Group: ${String(d.iommuGroup).padStart(2)}   ${d.bdf} ${descs.get(short(d.bdf)) ?? ''}   Driver: ${d.driver ?? ''}`.trimEnd());
  const json = rows(false).map((r) => ({ ...r, iommugroup: Number(r['iommugroup']), mdev: undefined }));
  return {
    'dmesg-new.txt': `${newStyle.join('\n')}\n`,
    'dmesg-old.txt': `${oldStyle.join('\n')}\n`,
    'dmesg-case-grep.txt': `$ sudo dmesg | grep -e DMAR -e IOMMU\n${caseGrep.join('\n')}\n`,
    'pvesh-table.txt': `${table(rows(false))}\n`,
    'pvesh-default.txt': `${table(rows(true))}\n`,
    'pvesh-json.txt': `${JSON.stringify(json, null, 2)}\n`,
    'ls-iommu.txt': `${lsIommu.join('\n')}\n`,
    'iommu-viewer.txt': `${viewer.join('\n')}\n`,
  };
}

/** BDF (short) → the lspci -nns text after it, from an Arch-loop render. */
export function descsFromLoop(loop: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of loop.split('\n')) {
    const x = /^\s+([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) (.*)$/.exec(l);
    if (x) m.set(x[1] as string, x[2] as string);
  }
  return m;
}
