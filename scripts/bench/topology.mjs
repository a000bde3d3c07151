// Synthetic PCI hosts for the benchmarks: pure and deterministic (no I/O, no clock, no randomness).
//
// generateTopology(n) lays out exactly n PCI functions as a real server would: PCI segments
// (domains) of up to 255 buses, root ports with ACS on bus 0, and behind them a repeating mix of
//   - SR-IOV NICs: two PFs (multifunction, with ACS) and many VFs (physfn/virtfn links, ARI),
//   - PCIe switches whose downstream ports have ACS, and switches whose downstream ports lack it,
//   - multifunction GPUs without ACS (VGA, HDMI audio, USB-C xHCI, UCSI),
//   - PCIe-to-PCI bridges with conventional devices behind them,
//   - single NVMe drives.
// IOMMU groups follow the kernel's pci_device_group() (drivers/iommu/iommu.c, v6.1..v6.12):
// a root port / downstream port with ACS isolates what is below it; ACS "is never applicable" to a
// switch upstream port, so pci_acs_enabled() passes it and every switch port gets its own group;
// an endpoint below a downstream port without ACS joins that port's group (as on the X570 capture
// in ../shared/hosts: {03:08.0, 06:00.*}, {03:09.0, 07:00.0}, upstream port 02:00.0 alone); a multifunction
// endpoint without ACS puts all its functions in one group; conventional devices behind a
// PCIe-to-PCI bridge alias to the bridge and join its group; each VF below an ACS port is alone.

/** PCIe capability port types (PCI_EXP_TYPE_*, include/uapi/linux/pci_regs.h). */
export const PCIE_TYPE = { ENDPOINT: 0, ROOT_PORT: 4, UPSTREAM: 5, DOWNSTREAM: 6, PCI_BRIDGE: 7, RC_END: 9 };

const VFS_PER_PF = 32;
const SWITCH_ACS_PORTS = 8;
const SWITCH_NOACS_PORTS = 4;

/** Block kinds in the order they repeat; each entry: functions it adds and buses it needs. */
const BLOCKS = {
  sriov: { fns: 1 + 2 + 2 * VFS_PER_PF, buses: 1 },
  switchAcs: { fns: 2 + 2 * SWITCH_ACS_PORTS, buses: 2 + SWITCH_ACS_PORTS },
  gpu: { fns: 1 + 4, buses: 1 },
  switchNoAcs: { fns: 2 + 2 * SWITCH_NOACS_PORTS, buses: 2 + SWITCH_NOACS_PORTS },
  pciBridge: { fns: 1 + 1 + 3, buses: 2 },
  nvme: { fns: 2, buses: 1 },
};
const PATTERN = ['sriov', 'switchAcs', 'gpu', 'switchNoAcs', 'pciBridge', 'nvme', 'gpu', 'nvme'];
const BY_SIZE = Object.keys(BLOCKS).sort((a, b) => BLOCKS[b].fns - BLOCKS[a].fns);

/** Device identities (real ids, so lspci names them from pci.ids). */
const ID = {
  hostBridge: { vendor: 0x8086, device: 0x09a2, class: 0x060000, sv: 0x8086, sd: 0x0000, rev: 0x04 },
  rootPort: { vendor: 0x8086, device: 0x347a, class: 0x060400, sv: 0x8086, sd: 0x0000, rev: 0x04 },
  usp: { vendor: 0x10b5, device: 0x8796, class: 0x060400, sv: 0x10b5, sd: 0x8796, rev: 0xab },
  dsp: { vendor: 0x10b5, device: 0x8796, class: 0x060400, sv: 0x10b5, sd: 0x8796, rev: 0xab },
  uspNoAcs: { vendor: 0x1b21, device: 0x1184, class: 0x060400, sv: 0x1b21, sd: 0x118f, rev: 0x00 },
  dspNoAcs: { vendor: 0x1b21, device: 0x1184, class: 0x060400, sv: 0x1b21, sd: 0x118f, rev: 0x00 },
  nvme: { vendor: 0x144d, device: 0xa80a, class: 0x010802, sv: 0x144d, sd: 0xa801, rev: 0x00 },
  mlx: { vendor: 0x15b3, device: 0x101b, class: 0x020700, sv: 0x15b3, sd: 0x0007, rev: 0x00 },
  pf: { vendor: 0x8086, device: 0x1572, class: 0x020000, sv: 0x8086, sd: 0x0001, rev: 0x02 },
  vf: { vendor: 0x8086, device: 0x154c, class: 0x020000, sv: 0x8086, sd: 0x0000, rev: 0x02 },
  gpuVga: { vendor: 0x10de, device: 0x1f06, class: 0x030000, sv: 0x1043, sd: 0x86f5, rev: 0xa1 },
  gpuAudio: { vendor: 0x10de, device: 0x10f9, class: 0x040300, sv: 0x1043, sd: 0x86f5, rev: 0xa1 },
  gpuUsb: { vendor: 0x10de, device: 0x1ada, class: 0x0c0330, sv: 0x1043, sd: 0x86f5, rev: 0xa1 },
  gpuUcsi: { vendor: 0x10de, device: 0x1adb, class: 0x0c8000, sv: 0x1043, sd: 0x86f5, rev: 0xa1 },
  pciBridge: { vendor: 0x8086, device: 0x244e, class: 0x060401, sv: 0x0000, sd: 0x0000, rev: 0xd0 },
  conv: { vendor: 0x1000, device: 0x0030, class: 0x010000, sv: 0x1000, sd: 0x1000, rev: 0x08 },
  rciep: { vendor: 0x8086, device: 0x0b00, class: 0x088000, sv: 0x8086, sd: 0x0000, rev: 0x00 },
};

const hex = (v, w) => v.toString(16).padStart(w, '0');
export const bdfOf = (domain, bus, dev, fn) => `${hex(domain, 4)}:${hex(bus, 2)}:${hex(dev, 2)}.${fn}`;

/**
 * Builds the host: { kernel, functions, groups, drivers, domains }. Every function record carries
 * what sysfs shows for it plus the facts the config space encodes (pcieType, acs, bridge buses, SR-IOV).
 */
export function generateTopology(n, opts = {}) {
  if (!Number.isInteger(n) || n < 2) throw new Error(`generateTopology: n must be an integer >= 2, got ${n}`);
  const kernel = opts.kernel ?? '6.1.0-28-amd64';
  const functions = [];
  const groups = [];
  let seq = 0; // deterministic variety (drivers, vfio-pci bindings) without randomness
  let dom = null;

  const newGroup = () => { groups.push({ id: groups.length, members: [] }); return groups.length - 1; };
  const add = (f, group) => {
    const rec = {
      multifunction: false, acs: false, pcieType: PCIE_TYPE.ENDPOINT, secondary: null, subordinate: null,
      sriov: null, physfn: null, virtfns: [], driver: null, driverOverride: null, irq: 0, ...f,
      bdf: bdfOf(dom.domain, f.bus, f.dev, f.fn), group,
    };
    rec.path = `${f.parentPath}/${rec.bdf}`;
    rec.numaNode = dom.domain % 2;
    rec.irq = rec.irq || 24 + (functions.length % 200);
    functions.push(rec);
    groups[group].members.push(rec.bdf);
    return rec;
  };
  const newDomain = () => {
    const domain = dom === null ? 0 : dom.domain + 1;
    dom = { domain, nextBus: 1, nextDevfn: 0, root: `devices/pci${hex(domain, 4)}:00`, iommu: `dmar${domain}` };
    const hb = takeDevfn();
    add({ ...ID.hostBridge, bus: 0, dev: hb >> 3, fn: 0, parentPath: dom.root, pcieType: null, kind: 'hostbridge' }, newGroup());
  };
  // Host bridge in slot 0; root ports fill slots 1..31 function by function (multifunction root ports,
  // each with ACS and so each in its own group, as on AMD/Intel server root complexes).
  const takeDevfn = () => { const d = dom.nextDevfn; dom.nextDevfn += d === 0 ? 8 : 1; return d; };
  const fits = (kind) => dom.nextBus + BLOCKS[kind].buses <= 256 && dom.nextDevfn < 256;
  const rootPort = () => {
    const devfn = takeDevfn();
    const rp = add({ ...ID.rootPort, bus: 0, dev: devfn >> 3, fn: devfn & 7, parentPath: dom.root, kind: 'rp', multifunction: true,
      pcieType: PCIE_TYPE.ROOT_PORT, acs: true, driver: 'pcieport' }, newGroup());
    return rp;
  };
  const bridgeOpen = (b) => { b.secondary = dom.nextBus++; return b.secondary; };
  const bridgeClose = (b) => { b.subordinate = dom.nextBus - 1; };

  const block = {
    nvme(rp) {
      const bus = bridgeOpen(rp);
      add({ ...ID.nvme, bus, dev: 0, fn: 0, parentPath: rp.path, kind: 'ep', driver: 'nvme' }, newGroup());
    },
    gpu(rp) {
      const bus = bridgeOpen(rp);
      const g = newGroup();
      const toVfio = seq++ % 2 === 1; // every other GPU is prepared for passthrough
      const fns = [[ID.gpuVga, 'nvidia'], [ID.gpuAudio, 'snd_hda_intel'], [ID.gpuUsb, 'xhci_hcd'], [ID.gpuUcsi, 'nvidia-gpu']];
      fns.forEach(([id, drv], fn) => add({ ...id, bus, dev: 0, fn, parentPath: rp.path, kind: 'ep', multifunction: true,
        driver: toVfio ? 'vfio-pci' : drv, driverOverride: toVfio ? 'vfio-pci' : null, bootVga: fn === 0 ? false : undefined }, g));
    },
    sriov(rp) {
      const bus = bridgeOpen(rp);
      for (let p = 0; p < 2; p++) {
        const pf = add({ ...ID.pf, bus, dev: 0, fn: p, parentPath: rp.path, kind: 'pf', multifunction: true, acs: true,
          driver: 'i40e', sriov: { total: 64, num: VFS_PER_PF, offset: 16 + p * VFS_PER_PF - p, stride: 1, vfDevice: ID.vf.device } }, newGroup());
        for (let v = 0; v < VFS_PER_PF; v++) {
          const devfn = 16 + p * VFS_PER_PF + v; // ARI: VF routing id = PF routing id + offset + v*stride
          const vfio = (seq++ % 4) === 0;
          const vf = add({ ...ID.vf, bus, dev: devfn >> 3, fn: devfn & 7, parentPath: rp.path, kind: 'vf',
            physfn: pf.bdf, driver: vfio ? 'vfio-pci' : 'iavf', driverOverride: vfio ? 'vfio-pci' : null }, newGroup());
          pf.virtfns.push(vf.bdf);
        }
      }
      bridgeClose(rp);
    },
    switchAcs(rp) { this.switch(rp, true, SWITCH_ACS_PORTS); },
    switchNoAcs(rp) { this.switch(rp, false, SWITCH_NOACS_PORTS); },
    switch(rp, acs, ports) {
      const bus = bridgeOpen(rp);
      const usp = add({ ...(acs ? ID.usp : ID.uspNoAcs), bus, dev: 0, fn: 0, parentPath: rp.path, kind: 'usp',
        pcieType: PCIE_TYPE.UPSTREAM, driver: 'pcieport' }, newGroup());
      const inner = bridgeOpen(usp);
      const dsps = [];
      for (let p = 0; p < ports; p++) {
        dsps.push(add({ ...(acs ? ID.dsp : ID.dspNoAcs), bus: inner, dev: p, fn: 0, parentPath: usp.path, kind: 'dsp',
          pcieType: PCIE_TYPE.DOWNSTREAM, acs, driver: 'pcieport' }, newGroup()));
      }
      for (const dsp of dsps) {
        const b = bridgeOpen(dsp);
        const id = seq++ % 3 === 0 ? ID.mlx : ID.nvme;
        add({ ...id, bus: b, dev: 0, fn: 0, parentPath: dsp.path, kind: 'ep', driver: id === ID.mlx ? 'mlx5_core' : 'nvme' },
          acs ? newGroup() : dsp.group);
        bridgeClose(dsp);
      }
      bridgeClose(usp);
      bridgeClose(rp);
    },
    pciBridge(rp) {
      const bus = bridgeOpen(rp);
      const g = newGroup();
      const br = add({ ...ID.pciBridge, bus, dev: 0, fn: 0, parentPath: rp.path, kind: 'pcibridge', pcieType: PCIE_TYPE.PCI_BRIDGE }, g);
      const b2 = bridgeOpen(br);
      for (let d = 0; d < 3; d++) {
        add({ ...ID.conv, bus: b2, dev: d + 1, fn: 0, parentPath: br.path, kind: 'conv', pcieType: null,
          driver: d === 0 ? 'mptspi' : null }, g);
      }
      bridgeClose(br);
      bridgeClose(rp);
    },
  };

  newDomain();
  let i = 0;
  while (functions.length < n) {
    const left = n - functions.length;
    let kind = PATTERN[i++ % PATTERN.length];
    if (BLOCKS[kind].fns > left) kind = BY_SIZE.find((k) => BLOCKS[k].fns <= left) ?? null;
    if (kind === null) { // one function left: an RCiEP on bus 0 (its own group: not multifunction)
      if (dom.nextDevfn >= 256) newDomain();
      if (functions.length >= n) break;
      const devfn = takeDevfn();
      add({ ...ID.rciep, bus: 0, dev: devfn >> 3, fn: devfn & 7, multifunction: true, parentPath: dom.root, kind: 'rciep', pcieType: PCIE_TYPE.RC_END }, newGroup());
      continue;
    }
    if (!fits(kind)) { newDomain(); continue; }
    const rp = rootPort();
    block[kind](rp);
    if (rp.subordinate === null) bridgeClose(rp);
  }
  const drivers = [...new Set(['pcieport', 'nvme', 'i40e', 'iavf', 'vfio-pci', 'nvidia', 'snd_hda_intel', 'xhci_hcd',
    'nvidia-gpu', 'mlx5_core', 'mptspi', 'pci-stub', 'ahci', 'e1000e'])].sort();
  return { kernel, functions, groups, drivers, domains: dom.domain + 1 };
}
