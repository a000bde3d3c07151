#!/usr/bin/env node
// Writes the bundled sample hosts (sysfs-capture/1) from the compact descriptions below.
// Run: node samples/generate.mjs   (output committed: samples/*.json)
// Config space is synthesized: ids, class, header type, bus numbers, a PCIe capability with the port
// type and FLR bit, ACS (extended capability 0x0d) where the description says so, SR-IOV (0x10).
// IOMMU groups are written as the kernel's pci_device_group() forms them for this topology.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const PT = { endpoint: 0, rootPort: 4, upstream: 5, downstream: 6, rciep: 9 };

function config(d) {
  const c = new Uint8Array(4096);
  const w16 = (o, v) => { c[o] = v & 0xff; c[o + 1] = (v >> 8) & 0xff; };
  const w32 = (o, v) => { w16(o, v & 0xffff); w16(o + 2, (v >>> 16) & 0xffff); };
  w16(0, d.vendor); w16(2, d.device); w16(4, 0x0406); w16(6, 0x0010);
  c[8] = d.rev ?? 0; c[9] = d.cls & 0xff; c[10] = (d.cls >> 8) & 0xff; c[11] = (d.cls >> 16) & 0xff;
  const bridge = d.cls >> 8 === 0x0604;
  c[0x0e] = (bridge ? 1 : 0) | (d.mf ? 0x80 : 0);
  if (bridge) { c[0x18] = d.bus; c[0x19] = d.secondary; c[0x1a] = d.subordinate ?? d.secondary; }
  else { w16(0x2c, d.svendor ?? d.vendor); w16(0x2e, d.sdevice ?? 0); }
  // Chipset-integrated functions (type rciep here) are conventional PCI: no PCIe capability, so no
  // ACS and no Intel RCiEP ACS quirk; multifunction ones share a group, as on real PCHs.
  if (d.type === PT.rciep) { w16(6, 0); return Buffer.from(c.subarray(0, 256)).toString('hex'); }
  c[0x34] = 0x40;
  // PCIe capability (0x10) at 0x40: version 2, port type; DevCap bit 28 = FLR.
  c[0x40] = 0x10; c[0x41] = 0; w16(0x42, 2 | (d.type << 4) | (bridge && d.type === PT.rootPort ? 0x100 : 0));
  w32(0x44, d.flr ? 1 << 28 : 0);
  let next = 0x100;
  const ext = [];
  if (d.acs) ext.push({ id: 0x0d, body: (o) => { w16(o + 4, 0x1f); w16(o + 6, 0x1d); }, len: 8 });
  if (d.sriov) ext.push({ id: 0x10, len: 0x40, body: (o) => {
    w32(o + 4, 0); w16(o + 8, d.sriov.numvfs ? 0x19 : 0); w16(o + 0x0c, d.sriov.totalvfs); w16(o + 0x0e, d.sriov.totalvfs);
    w16(o + 0x10, d.sriov.numvfs); w16(o + 0x14, d.sriov.offset); w16(o + 0x16, 1); w16(o + 0x1a, d.sriov.vfDevice);
  } });
  if (d.ari) ext.push({ id: 0x0e, len: 8, body: () => {} });
  ext.forEach((e, i) => {
    const after = i + 1 < ext.length ? next + e.len : 0;
    w32(next, e.id | (1 << 16) | (after << 20)); e.body(next); next += e.len;
  });
  return Buffer.from(c).toString('hex');
}

const hx = (n, w) => `0x${n.toString(16).padStart(w, '0')}\n`;

function capture(host) {
  const entries = {};
  // Group ids in probe order: the kernel numbers groups as devices are added, bus 0 first.
  const order = new Map();
  for (const d of [...host.devices].sort((a, b) => (a.bdf < b.bdf ? -1 : 1))) if (!order.has(d.group)) order.set(d.group, order.size);
  for (const d of host.devices) d.group = order.get(d.group);
  const byBdf = new Map(host.devices.map((d) => [d.bdf, d]));
  const pathOf = (d) => (d.parent ? `${pathOf(byBdf.get(d.parent))}/${d.bdf}` : `devices/pci0000:00/${d.bdf}`);
  const up = (p, n) => '../'.repeat(n) + p;
  const drivers = new Set(host.extraDrivers);
  for (const d of host.devices) {
    const p = pathOf(d), depth = p.split('/').length;
    d.bus = parseInt(d.bdf.slice(5, 7), 16);
    entries[`bus/pci/devices/${d.bdf}`] = { link: up(p, 3) };
    Object.assign(entries, {
      [`${p}/vendor`]: hx(d.vendor, 4), [`${p}/device`]: hx(d.device, 4),
      [`${p}/subsystem_vendor`]: hx(d.svendor ?? d.vendor, 4), [`${p}/subsystem_device`]: hx(d.sdevice ?? 0, 4),
      [`${p}/class`]: hx(d.cls, 6), [`${p}/revision`]: hx(d.rev ?? 0, 2), [`${p}/config`]: { hex: config(d) },
      [`${p}/driver_override`]: `${d.override ?? '(null)'}\n`, [`${p}/numa_node`]: '-1\n', [`${p}/enable`]: d.driver ? '1\n' : '0\n',
      [`${p}/modalias`]: `pci:v0000${d.vendor.toString(16).toUpperCase().padStart(4, '0')}d0000${d.device.toString(16).toUpperCase().padStart(4, '0')}sv0000${(d.svendor ?? d.vendor).toString(16).toUpperCase().padStart(4, '0')}sd0000${(d.sdevice ?? 0).toString(16).toUpperCase().padStart(4, '0')}bc${(d.cls >> 16).toString(16).toUpperCase().padStart(2, '0')}sc${((d.cls >> 8) & 0xff).toString(16).toUpperCase().padStart(2, '0')}i${(d.cls & 0xff).toString(16).padStart(2, '0')}\n`,
      [`${p}/iommu_group`]: { link: up(`kernel/iommu_groups/${d.group}`, depth - 1) },
    });
    if (d.reset !== undefined) entries[`${p}/reset_method`] = `${d.reset}\n`;
    if (d.cls >> 8 === 0x0300) entries[`${p}/boot_vga`] = d.bootVga ? '1\n' : '0\n';
    if (d.sriov) { entries[`${p}/sriov_totalvfs`] = `${d.sriov.totalvfs}\n`; entries[`${p}/sriov_numvfs`] = `${d.sriov.numvfs}\n`; entries[`${p}/sriov_drivers_autoprobe`] = '1\n'; }
    if (d.physfn) {
      entries[`${p}/physfn`] = { link: `../${d.physfn}` };
      const pf = pathOf(byBdf.get(d.physfn));
      entries[`${pf}/virtfn${d.vfIndex}`] = { link: `../${d.bdf}` };
    }
    if (d.driver) {
      drivers.add(d.driver);
      entries[`${p}/driver`] = { link: up(`bus/pci/drivers/${d.driver}`, depth - 1) };
      entries[`bus/pci/drivers/${d.driver}/${d.bdf}`] = { link: up(p, 4) };
    }
    entries[`kernel/iommu_groups/${d.group}/devices/${d.bdf}`] = { link: up(p, 4) };
    entries[`kernel/iommu_groups/${d.group}/type`] = `${host.domainType}\n`;
    entries[`kernel/iommu_groups/${d.group}/reserved_regions`] = '0x00000000fee00000 0x00000000feefffff msi\n';
  }
  for (const drv of drivers) entries[`bus/pci/drivers/${drv}`] = { dir: true };
  for (const u of host.iommus) entries[`class/iommu/${u}`] = { link: `../../devices/virtual/iommu/${u}` };
  const sorted = Object.fromEntries(Object.keys(entries).sort().map((k) => [k, entries[k]]));
  return { format: 'sysfs-capture/1', kernel: host.kernel, cmdline: host.cmdline, name: host.name, synthesized_config: true, note: host.note, entries: sorted };
}

const rp = (bdf, group, sec, acs, extra = {}) => ({ bdf, vendor: 0x8086, device: 0x7ab8, cls: 0x060400, type: PT.rootPort, secondary: sec, acs, driver: 'pcieport', group, ...extra });

const desktop = {
  name: 'desktop-gpu', kernel: '6.8.0-49-generic', cmdline: ['intel_iommu=on', 'iommu=pt'], domainType: 'identity',
  iommus: ['dmar0', 'dmar1'], extraDrivers: ['vfio-pci', 'pci-stub'],
  note: 'Sample: a typical GPU-passthrough desktop (Intel 600-series chipset, RTX 2060 SUPER). GPU functions (video, HDMI audio, USB-C xHCI, UCSI) taken from the real capture amd-x570-rtx2060s-5.15 in ../shared/hosts; the board around them is synthesized. The PCH root ports lack ACS, so the NIC and the add-in SATA controller share one group with them.',
  devices: [
    { bdf: '0000:00:00.0', vendor: 0x8086, device: 0x4660, cls: 0x060000, type: PT.rciep, group: 0, rev: 2 },
    rp('0000:00:01.0', 1, 1, true, { device: 0x460d }),
    rp('0000:00:06.0', 2, 2, true, { device: 0x464d }),
    { bdf: '0000:00:14.0', vendor: 0x8086, device: 0x7ae0, cls: 0x0c0330, type: PT.rciep, mf: true, driver: 'xhci_hcd', group: 3, reset: '' },
    { bdf: '0000:00:14.2', vendor: 0x8086, device: 0x7aa7, cls: 0x050000, type: PT.rciep, mf: true, group: 3 },
    { bdf: '0000:00:16.0', vendor: 0x8086, device: 0x7ae8, cls: 0x078000, type: PT.rciep, driver: 'mei_me', group: 4 },
    { bdf: '0000:00:17.0', vendor: 0x8086, device: 0x7ae2, cls: 0x010601, type: PT.rciep, driver: 'ahci', group: 5 },
    rp('0000:00:1c.0', 6, 3, false, { device: 0x7ab8, mf: true, subordinate: 3 }),
    rp('0000:00:1c.2', 6, 4, false, { device: 0x7aba, mf: true }),
    rp('0000:00:1c.4', 6, 5, false, { device: 0x7abc, mf: true }),
    { bdf: '0000:00:1f.0', vendor: 0x8086, device: 0x7a84, cls: 0x060100, type: PT.rciep, mf: true, group: 7 },
    { bdf: '0000:00:1f.3', vendor: 0x8086, device: 0x7ad0, cls: 0x040300, type: PT.rciep, mf: true, driver: 'snd_hda_intel', group: 7 },
    { bdf: '0000:00:1f.4', vendor: 0x8086, device: 0x7aa3, cls: 0x0c0500, type: PT.rciep, mf: true, driver: 'i801_smbus', group: 7 },
    { bdf: '0000:00:1f.5', vendor: 0x8086, device: 0x7aa4, cls: 0x0c8000, type: PT.rciep, mf: true, driver: 'intel-spi', group: 7 },
    { bdf: '0000:01:00.0', parent: '0000:00:01.0', vendor: 0x10de, device: 0x1f06, svendor: 0x1043, sdevice: 0x8701, cls: 0x030000, rev: 0xa1, type: PT.endpoint, mf: true, flr: false, reset: 'bus', driver: 'nvidia', bootVga: true, group: 8 },
    { bdf: '0000:01:00.1', parent: '0000:00:01.0', vendor: 0x10de, device: 0x10f9, svendor: 0x1043, sdevice: 0x8701, cls: 0x040300, rev: 0xa1, type: PT.endpoint, mf: true, reset: 'bus', driver: 'snd_hda_intel', group: 8 },
    { bdf: '0000:01:00.2', parent: '0000:00:01.0', vendor: 0x10de, device: 0x1ada, svendor: 0x1043, sdevice: 0x8701, cls: 0x0c0330, rev: 0xa1, type: PT.endpoint, mf: true, reset: 'bus', driver: 'xhci_hcd', group: 8 },
    { bdf: '0000:01:00.3', parent: '0000:00:01.0', vendor: 0x10de, device: 0x1adb, svendor: 0x1043, sdevice: 0x8701, cls: 0x0c8000, rev: 0xa1, type: PT.endpoint, mf: true, reset: 'bus', driver: 'nvidia-gpu', group: 8 },
    { bdf: '0000:02:00.0', parent: '0000:00:06.0', vendor: 0x144d, device: 0xa80a, svendor: 0x144d, sdevice: 0xa801, cls: 0x010802, type: PT.endpoint, flr: true, reset: 'flr bus', driver: 'nvme', group: 9 },
    { bdf: '0000:04:00.0', parent: '0000:00:1c.2', vendor: 0x8086, device: 0x15f3, svendor: 0x1043, sdevice: 0x87d2, cls: 0x020000, rev: 3, type: PT.endpoint, flr: true, reset: 'flr bus', driver: 'igc', group: 6 },
    { bdf: '0000:05:00.0', parent: '0000:00:1c.4', vendor: 0x1b21, device: 0x0612, svendor: 0x1b21, sdevice: 0x1060, cls: 0x010601, rev: 2, type: PT.endpoint, reset: 'bus', driver: 'ahci', group: 6 },
  ],
};

const vfs = [0, 1, 2, 3].map((i) => ({
  bdf: `0000:01:02.${i}`, parent: '0000:00:01.0', vendor: 0x8086, device: 0x154c, svendor: 0x8086, sdevice: 0x0000, cls: 0x020000, rev: 2,
  type: PT.endpoint, flr: true, reset: 'flr', driver: i < 3 ? 'iavf' : 'vfio-pci', physfn: '0000:01:00.0', vfIndex: i, group: 4 + i,
}));
const server = {
  name: 'server-sriov', kernel: '6.1.0-26-amd64', cmdline: ['intel_iommu=on'], domainType: 'DMA-FQ',
  iommus: ['dmar0', 'dmar1', 'dmar2'], extraDrivers: ['vfio-pci', 'pci-stub'],
  note: 'Sample: a 1U server (Debian 12, 6.1) with an Intel X710 SR-IOV NIC (PF with 4 VFs enabled; VF 3 already on vfio-pci for a DPDK guest), three NVMe drives behind ACS root ports (one handed to SPDK on vfio-pci) and an ASPEED BMC VGA behind a root port without ACS. Synthesized.',
  devices: [
    { bdf: '0000:00:00.0', vendor: 0x8086, device: 0x09a2, cls: 0x088000, type: PT.rciep, group: 0 },
    rp('0000:00:01.0', 1, 1, true, { device: 0x347a }),
    rp('0000:00:02.0', 2, 2, true, { device: 0x347b }),
    rp('0000:00:03.0', 3, 3, true, { device: 0x347c }),
    rp('0000:00:04.0', 8, 4, true, { device: 0x347d }),
    rp('0000:00:1c.0', 9, 5, false, { device: 0xa190 }),
    { bdf: '0000:00:1f.0', vendor: 0x8086, device: 0xa1cb, cls: 0x060100, type: PT.rciep, mf: true, group: 10 },
    { bdf: '0000:00:1f.2', vendor: 0x8086, device: 0xa182, cls: 0x010601, type: PT.rciep, mf: true, driver: 'ahci', group: 10 },
    { bdf: '0000:00:1f.4', vendor: 0x8086, device: 0xa1a3, cls: 0x0c0500, type: PT.rciep, mf: true, driver: 'i801_smbus', group: 10 },
    { bdf: '0000:01:00.0', parent: '0000:00:01.0', vendor: 0x8086, device: 0x1572, svendor: 0x8086, sdevice: 0x0001, cls: 0x020000, rev: 2, type: PT.endpoint, flr: true, reset: 'flr', ari: true, driver: 'i40e', sriov: { totalvfs: 32, numvfs: 4, offset: 16, vfDevice: 0x154c }, group: 11 },
    ...vfs,
    { bdf: '0000:02:00.0', parent: '0000:00:02.0', vendor: 0x8086, device: 0x0b60, svendor: 0x8086, sdevice: 0x8008, cls: 0x010802, type: PT.endpoint, flr: true, reset: 'flr bus', driver: 'nvme', group: 12 },
    { bdf: '0000:03:00.0', parent: '0000:00:03.0', vendor: 0x8086, device: 0x0b60, svendor: 0x8086, sdevice: 0x8008, cls: 0x010802, type: PT.endpoint, flr: true, reset: 'flr bus', driver: 'nvme', group: 13 },
    { bdf: '0000:04:00.0', parent: '0000:00:04.0', vendor: 0x8086, device: 0x0b60, svendor: 0x8086, sdevice: 0x8008, cls: 0x010802, type: PT.endpoint, flr: true, reset: 'flr bus', driver: 'vfio-pci', override: 'vfio-pci', group: 14 },
    { bdf: '0000:05:00.0', parent: '0000:00:1c.0', vendor: 0x1a03, device: 0x2000, svendor: 0x1a03, sdevice: 0x2000, cls: 0x030000, rev: 0x41, type: PT.endpoint, reset: 'bus', driver: 'ast', bootVga: true, group: 9 },
  ],
};
// VFs are numbered after the PF's group in probe order; keep group ids in bus order.
vfs.forEach((v, i) => { v.group = 15 + i; });

// Two identical graphics cards (same vendor:device and subsystem ids): the host keeps the first (boot VGA,
// the desktop), the second is meant for a guest. ids-based persistence (vfio-pci.ids=, modprobe.d
// options) cannot tell them apart and would take both at the next boot.
const gpu = (bus, group, bootVga) => [
  { bdf: `0000:0${bus}:00.0`, parent: `0000:00:01.${bus - 1}`, vendor: 0x10de, device: 0x1f06, svendor: 0x1043, sdevice: 0x8701, cls: 0x030000, rev: 0xa1, type: PT.endpoint, mf: true, flr: false, reset: 'bus', driver: 'nvidia', bootVga, group },
  { bdf: `0000:0${bus}:00.1`, parent: `0000:00:01.${bus - 1}`, vendor: 0x10de, device: 0x10f9, svendor: 0x1043, sdevice: 0x8701, cls: 0x040300, rev: 0xa1, type: PT.endpoint, mf: true, reset: 'bus', driver: 'snd_hda_intel', group },
];
const dual = {
  name: 'dual-gpu', kernel: '6.6.58-gentoo', cmdline: ['intel_iommu=on', 'iommu=pt'], domainType: 'identity',
  iommus: ['dmar0', 'dmar1'], extraDrivers: ['vfio-pci', 'pci-stub'],
  note: 'Sample: a workstation with two identical RTX 2060 SUPER cards (same vendor:device and subsystem ids), the first showing the host desktop, the second meant for a guest; each card (video + HDMI audio) alone in its group behind an ACS root port. Synthesized from the GPU functions of the real capture amd-x570-rtx2060s-5.15.',
  devices: [
    { bdf: '0000:00:00.0', vendor: 0x8086, device: 0x4660, cls: 0x060000, type: PT.rciep, group: 0, rev: 2 },
    rp('0000:00:01.0', 1, 1, true, { device: 0x460d, mf: true }),
    rp('0000:00:01.1', 2, 2, true, { device: 0x460e, mf: true }),
    rp('0000:00:06.0', 3, 3, true, { device: 0x464d }),
    { bdf: '0000:00:17.0', vendor: 0x8086, device: 0x7ae2, cls: 0x010601, type: PT.rciep, driver: 'ahci', group: 4 },
    ...gpu(1, 5, true),
    ...gpu(2, 6, false),
    { bdf: '0000:03:00.0', parent: '0000:00:06.0', vendor: 0x144d, device: 0xa80a, svendor: 0x144d, sdevice: 0xa801, cls: 0x010802, type: PT.endpoint, flr: true, reset: 'flr bus', driver: 'nvme', group: 7 },
  ],
};

for (const h of [desktop, server, dual]) writeFileSync(join(here, `${h.name}.json`), `${JSON.stringify(capture(h), null, 1)}\n`);
console.log('wrote', [desktop, server, dual].map((h) => `${h.name}.json`).join(', '));
