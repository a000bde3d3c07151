// From a synthetic topology to what sysfs shows (pure): the entries of a sysfs-capture/1 file
// (paths relative to /sys) and the HostDescription src/model's createKernel takes.

import { configSpace } from './config-space.mjs';

const hex = (v, w) => v.toString(16).padStart(w, '0');
const HEX = (v, w) => hex(v, w).toUpperCase();

/** readlink text from directory `fromDir` to `to` (both relative to /sys), as the kernel writes it. */
export function relLink(fromDir, to) {
  const a = fromDir.split('/');
  const b = to.split('/');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return '../'.repeat(a.length - i) + b.slice(i).join('/');
}

const resourceLine = (start, size, flags) =>
  size === 0 ? '0x0000000000000000 0x0000000000000000 0x0000000000000000\n'
    : `0x${hex(start, 16)} 0x${hex(start + size - 1, 16)} 0x${hex(flags, 16)}\n`;

function resourceFile(f, idx) {
  const bridge = f.secondary !== null;
  const lines = bridge ? 17 : 13; // PCI_BRIDGE_RESOURCES vs DEVICE_COUNT_RESOURCE (x86-64)
  let s = '';
  for (let i = 0; i < lines; i++) {
    s += i === 0 && !bridge ? resourceLine(0x38000000000 + idx * 0x100000, 0x100000, 0x140204) : resourceLine(0, 0, 0);
  }
  return s;
}

const modalias = (f) => `pci:v${HEX(f.vendor, 8)}d${HEX(f.device, 8)}sv${HEX(f.sv, 8)}sd${HEX(f.sd, 8)}` +
  `bc${HEX(f.class >> 16, 2)}sc${HEX((f.class >> 8) & 0xff, 2)}i${HEX(f.class & 0xff, 2)}\n`;

/**
 * Yields [path, value] for every sysfs entry of the host, value one of: string (file text),
 * { bytes: Uint8Array } (binary config), { link: target }, { dir: true } (empty directory).
 */
export function* sysfsEntries(topo) {
  const byBdf = new Map(topo.functions.map((f) => [f.bdf, f]));
  const driverMembers = new Map(topo.drivers.map((d) => [d, []]));
  for (let d = 0; d < topo.domains; d++) {
    const dmar = `dmar${d}`;
    yield [`class/iommu/${dmar}`, { link: `../../devices/virtual/iommu/${dmar}` }];
    yield [`devices/virtual/iommu/${dmar}`, { dir: true }];
  }
  let idx = 0;
  for (const f of topo.functions) {
    const p = f.path;
    const domain = parseInt(f.bdf.slice(0, 4), 16);
    yield [`bus/pci/devices/${f.bdf}`, { link: relLink('bus/pci/devices', p) }];
    yield [`${p}/vendor`, `0x${hex(f.vendor, 4)}\n`];
    yield [`${p}/device`, `0x${hex(f.device, 4)}\n`];
    yield [`${p}/subsystem_vendor`, `0x${hex(f.sv, 4)}\n`];
    yield [`${p}/subsystem_device`, `0x${hex(f.sd, 4)}\n`];
    yield [`${p}/class`, `0x${hex(f.class, 6)}\n`];
    yield [`${p}/revision`, `0x${hex(f.rev, 2)}\n`];
    yield [`${p}/config`, { bytes: configSpace(f) }];
    yield [`${p}/driver_override`, `${f.driverOverride ?? '(null)'}\n`];
    yield [`${p}/modalias`, modalias(f)];
    yield [`${p}/numa_node`, `${f.numaNode}\n`];
    yield [`${p}/enable`, f.driver ? '1\n' : '0\n'];
    yield [`${p}/irq`, `${f.irq}\n`];
    yield [`${p}/resource`, resourceFile(f, idx++)];
    yield [`${p}/iommu_group`, { link: relLink(p, `kernel/iommu_groups/${f.group}`) }];
    yield [`${p}/iommu`, { link: relLink(p, `devices/virtual/iommu/dmar${domain}`) }];
    if (f.kind === 'ep' || f.kind === 'pf' || f.kind === 'vf' || f.kind === 'rciep') yield [`${p}/reset_method`, 'flr bus\n'];
    if (f.bootVga !== undefined) yield [`${p}/boot_vga`, f.bootVga ? '1\n' : '0\n'];
    if (f.driver) {
      yield [`${p}/driver`, { link: relLink(p, `bus/pci/drivers/${f.driver}`) }];
      driverMembers.get(f.driver)?.push(f);
    }
    if (f.sriov) {
      yield [`${p}/sriov_totalvfs`, `${f.sriov.total}\n`];
      yield [`${p}/sriov_numvfs`, `${f.sriov.num}\n`];
      for (let v = 0; v < f.virtfns.length; v++) {
        yield [`${p}/virtfn${v}`, { link: relLink(p, byBdf.get(f.virtfns[v]).path) }];
      }
    }
    if (f.physfn) yield [`${p}/physfn`, { link: relLink(p, byBdf.get(f.physfn).path) }];
  }
  for (const g of topo.groups) {
    const dir = `kernel/iommu_groups/${g.id}`;
    for (const m of g.members) yield [`${dir}/devices/${m}`, { link: relLink(`${dir}/devices`, byBdf.get(m).path) }];
    yield [`${dir}/type`, 'DMA-FQ\n'];
    yield [`${dir}/reserved_regions`, '0x00000000fee00000 0x00000000feefffff msi\n'];
  }
  for (const [drv, members] of driverMembers) {
    yield [`bus/pci/drivers/${drv}`, { dir: true }];
    for (const f of members) yield [`bus/pci/drivers/${drv}/${f.bdf}`, { link: relLink(`bus/pci/drivers/${drv}`, f.path) }];
  }
  // Loaded modules (dpdk-devbind.py lists /sys/module to see which DPDK-capable drivers are loaded).
  for (const m of ['vfio', 'vfio_pci', 'vfio_iommu_type1', 'pcieport', 'nvme', 'i40e', 'iavf', 'mlx5_core']) {
    yield [`module/${m}`, { dir: true }];
  }
}

/** The capture object (sysfs-capture/1) for a topology; config bytes as lowercase hex. */
export function toCapture(topo) {
  const entries = {};
  for (const [path, v] of sysfsEntries(topo)) {
    entries[path] = v.bytes ? { hex: Buffer.from(v.bytes).toString('hex') } : v;
  }
  return { format: 'sysfs-capture/1', kernel: topo.kernel, cmdline: ['intel_iommu=on', 'iommu=pt'], entries };
}

/** The HostDescription (src/model/host-description.ts) for a topology, without going through sysfs. */
export function toHostDescription(topo) {
  const pci = topo.functions.map((f) => ({
    bdf: f.bdf, path: `devices/${f.path.slice('devices/'.length)}`, vendor: f.vendor, device: f.device,
    subsystemVendor: f.sv, subsystemDevice: f.sd, class: f.class, revision: f.rev, config: configSpace(f),
    driver: f.driver, driverOverride: f.driverOverride, iommuGroup: f.group,
    resetMethod: f.kind === 'ep' || f.kind === 'pf' || f.kind === 'vf' || f.kind === 'rciep' ? ['flr', 'bus'] : null,
    bootVga: f.bootVga === undefined ? null : f.bootVga,
    sriovTotalvfs: f.sriov ? f.sriov.total : null, sriovNumvfs: f.sriov ? f.sriov.num : null, physfn: f.physfn,
    attrs: { numa_node: `${f.numaNode}\n`, enable: f.driver ? '1\n' : '0\n', irq: `${f.irq}\n` },
  }));
  return {
    kernel: topo.kernel, cmdline: ['intel_iommu=on', 'iommu=pt'], pci, other: [],
    groups: topo.groups.map((g) => ({ id: g.id, type: 'DMA-FQ', reservedRegions: [{ start: 0xfee00000n, end: 0xfeefffffn, type: 'msi' }], name: null })),
    pciDrivers: topo.drivers, iommus: Array.from({ length: topo.domains }, (_, d) => `dmar${d}`),
  };
}
