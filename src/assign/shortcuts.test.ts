import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createKernel } from '../model/index.js';
import { parseBdf } from '../model/pci/dma-alias.js';
import { pciPlacement, pciTopologyFromHost, type Placement } from '../model/pci/host-topology.js';
import { pciAcsPathEnabled, REQ_ACS_FLAGS } from '../model/pci/acs.js';
import { PCI_DEV_ACS_ENABLED, pciDevSpecificAcsEnabled, type AcsContext, type AcsSubject } from '../model/pci/acs-quirks.js';
import type { HostDescription, PciDeviceDesc } from '../model/host-description.js';
import type { KernelState } from '../model/kernel-state.js';
import type { Device } from '../model/base/device.js';
import { createDriver } from '../model/base/driver-registry.js';
import { explainHost } from '../host/explain.js';
import { bdfKey } from '../host/sys-path.js';
import { samplesDir } from './source.js';
import { captureHost, fixtureNames } from './testing/hosts.js';
import { groupStatus } from './group-state.js';
import { hostModel } from './host-model.js';
import { inspectHost } from './inspect.js';
import { groupReasons } from './why.js';
import { repoDir, sharedDir } from '../testing/shared.js';

/**
 * The shortcuts the status pipeline takes (issue #15) give exactly what the long way gave, on every shared
 * capture, sample and fixture host: the model's boot adds each device's directories only below the part
 * it shares with the device added before (addPath's `known`) and only when first read; pciPlacement reads
 * a path in place; a host view remembers ACS paths; ACS quirks are looked up by vendor and device.
 */
const files = [
  ...readdirSync(join(sharedDir(), 'hosts')).filter((f) => f.endsWith('.json')).map((f) => join(sharedDir(), 'hosts', f)),
  ...readdirSync(samplesDir()).filter((f) => f.endsWith('.json')).map((f) => join(samplesDir(), f)),
  ...readdirSync(join(repoDir(), 'fixtures', 'hosts')).filter((f) => f.endsWith('.json')).map((f) => join(repoDir(), 'fixtures', 'hosts', f)),
];

/** The /sys/devices directories as addPath() built them before, level by level for every device: the reference. */
function pathChildrenTheLongWay(paths: readonly string[]): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      let set = m.get(parent);
      if (!set) m.set(parent, (set = new Set()));
      set.add(parts[i] as string);
    }
    if (!m.has(path)) m.set(path, new Set());
  }
  return m;
}

/** A map of sets as data, in insertion order (key order and entry order both count: readdir shows them). */
const asData = (m: ReadonlyMap<string, ReadonlySet<string>>): [string, string[]][] => [...m].map(([k, v]) => [k, [...v]]);

/** A synthetic host: functions below bridges below root buses, in bus order, with a VMD domain and odd paths. */
function syntheticPaths(): string[] {
  const out: string[] = [];
  for (let r = 0; r < 3; r++) {
    const root = `devices/pci000${r}:00`;
    for (let p = 0; p < 4; p++) {
      const port = `${root}/000${r}:00:0${p}.0`;
      out.push(port);
      for (let f = 0; f < 3; f++) out.push(`${port}/000${r}:0${p + 1}:00.${f}`);
      out.push(`${port}/000${r}:0${p + 1}:00.0/pci10000:00/10000:00:0${p}.0`, `${port}/000${r}:0${p + 1}:00.0`);
    }
    out.push(`${root}/000${r}:00:1f.3`, `devices/platform/x${r}`, `devices/pci000${r}:00`, `devices/pci000${r}:000/a`, 'devices', 'devices//x', '');
  }
  return out;
}

test('the model boots the same /sys/devices index, entries in the same order, as adding every level at boot did', () => {
  for (const file of files) {
    const host = captureHost(file);
    const k = createKernel(host).state;
    const devices = [...host.pci.map((d) => [d.bdf, d.path]), ...host.other.map((d) => [d.name, d.path])].map(([name, p]) => [p!.replace(/^\/?(sys\/)?/, ''), name!] as const);
    assert.deepEqual([...k.pathIndex], devices, file);
    const paths = devices.map(([p]) => p);
    assert.deepEqual(asData(k.pathChildren), asData(pathChildrenTheLongWay([...paths, ...host.iommus.map((u) => `devices/virtual/iommu/${u}`)])), file);
    // Read once, the index is a plain field, as it was when built at boot.
    assert.equal(typeof Object.getOwnPropertyDescriptor(k, 'pathIndex')?.value, 'object');
    assert.equal(typeof Object.getOwnPropertyDescriptor(k, 'pathChildren')?.value, 'object');
  }
});

test('status builds no /sys/devices index: verdicts, states and reasons never read it; a sysfs read does', () => {
  const host = captureHost(join(sharedDir(), 'hosts', 'amd-x570-rtx2060s-5.15.json'));
  const m = hostModel(host);
  assert.ok(m.ok);
  const view = inspectHost({ host, names: fixtureNames(), model: m.value });
  for (const g of view.groups) { groupStatus(view, g); groupReasons(host)(g.id); }
  assert.equal(typeof Object.getOwnPropertyDescriptor(m.value.kernel.state, 'pathIndex')?.get, 'function', 'still deferred');
  const r = m.value.kernel.read('/sys/bus/pci/devices/0000:09:00.0/driver_override');
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(typeof Object.getOwnPropertyDescriptor(m.value.kernel.state, 'pathIndex')?.value, 'object');
});

test('addPath with the previous path known equals addPath alone, for every order of a synthetic tree', async () => {
  const { addPath } = await import('../model/base/device.js');
  const paths = syntheticPaths();
  let seed = 3;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let round = 0; round < 300; round++) {
    const order = round === 0 ? paths : [...paths].sort(() => rnd(3) - 1);
    const k = { pathChildren: new Map() } as unknown as KernelState;
    let known: string | undefined;
    for (const p of order) { addPath(k, p, known); known = p; }
    assert.deepEqual(asData(k.pathChildren), asData(pathChildrenTheLongWay(order)), order.join(' '));
  }
});

/** pciPlacement as it read a path before: split into components, regular expressions. The reference. */
function placementTheLongWay(d: PciDeviceDesc): Placement {
  const BDF = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/, ROOT = /^pci([0-9a-f]{4,8}):([0-9a-f]{2})$/;
  const comps = d.path.split('/');
  const parentComp = comps[comps.length - 2] ?? '';
  const root = ROOT.exec(parentComp);
  const me = parseBdf(d.bdf);
  let realDmaDev: string | null = null;
  const rootIdx = comps.findIndex((c, i) => i > 1 && ROOT.test(c));
  if (rootIdx > 0) {
    const above = comps[rootIdx - 1] ?? '';
    if (BDF.test(above)) realDmaDev = above;
  }
  if (root) return { parent: null, onRootBus: me !== null && parseInt(root[2] as string, 16) === me.bus, realDmaDev };
  return { parent: BDF.test(parentComp) ? parentComp : null, onRootBus: false, realDmaDev };
}

test('pciPlacement reads every path as splitting it into components did', () => {
  const devices: PciDeviceDesc[] = [];
  for (const file of files) devices.push(...(captureHost(file) as HostDescription).pci);
  const proto = devices[0] as PciDeviceDesc;
  for (const path of syntheticPaths()) {
    for (const bdf of [path.slice(path.lastIndexOf('/') + 1), '0000:01:00.0', '0001:00:1f.3', '10000:00:03.0']) devices.push({ ...proto, bdf, path });
  }
  for (const path of ['/pci0000:00/0000:00:01.0', 'pci0000:00/0000:00:01.0', 'x/pci0000:00', 'devices/pci0000:00/pcixx/pci0001:00/0001:00:00.0',
    'devices/pci0000:00/0000:00:0e.0/pci10000:00/pci10000:e0/10000:e0:00.0', 'devices/0000:00:0e.0/pci10000:00', '/', '//', 'a//pci0000:00/b']) {
    devices.push({ ...proto, path }, { ...proto, bdf: '0000:00:00.0', path });
  }
  for (const d of devices) assert.deepEqual(pciPlacement(d), placementTheLongWay(d), `${d.bdf} ${d.path}`);
});

test('a host view remembers each ACS path: the same answer as walking it, for every function of every host', () => {
  let bridges = 0;
  for (const file of files) {
    const host = captureHost(file);
    const view = pciTopologyFromHost(host, new Map());
    for (const d of host.pci) {
      assert.deepEqual(view.acsPathEnabled?.(d.bdf), pciAcsPathEnabled(view, d.bdf, REQ_ACS_FLAGS, view.ctx), `${file} ${d.bdf}`);
      assert.equal(view.acsPathEnabled?.(d.bdf), view.acsPathEnabled?.(d.bdf), 'asked once');
      if (view.parentBridge(d.bdf) !== null) bridges++;
    }
  }
  assert.ok(bridges > 20, `functions below a bridge (${bridges})`);
});

test('the ACS quirk of a function is the first table entry for its vendor and device that answers, as a walk of the whole table finds', () => {
  const walk = (dev: AcsSubject, flags: number, ctx: AcsContext): ReturnType<typeof pciDevSpecificAcsEnabled> => {
    for (const [vendor, device, name, fn] of PCI_DEV_ACS_ENABLED) {
      if (vendor !== dev.vendor || (device !== -1 && device !== dev.device)) continue;
      const r = fn(dev, flags, ctx);
      if (r !== null) return { answer: r, quirk: name };
    }
    return null;
  };
  const subjects: AcsSubject[] = [];
  for (const file of files) {
    const host = captureHost(file);
    const view = pciTopologyFromHost(host, new Map());
    for (const d of host.pci) subjects.push(view.device(d.bdf) as AcsSubject);
  }
  // Every vendor:device the table names (and a neighbour), on the configs of real functions.
  const ids = PCI_DEV_ACS_ENABLED.flatMap(([v, d]) => [[v, d === -1 ? 0x1234 : d], [v, d === -1 ? 0 : d + 1], [v + 1, d]]);
  const configs = subjects.slice(0, 40);
  for (const [vendor, device] of ids) for (const s of configs) subjects.push({ ...s, vendor: vendor as number, device: device as number });
  subjects.push({ ...(subjects[0] as AcsSubject), vendor: NaN }, { ...(subjects[0] as AcsSubject), vendor: 0x8086, device: 0x10000 + 0x1521 });
  let quirked = 0;
  for (const s of subjects) {
    for (const ctx of [{ ivrs: false }, { ivrs: true }]) {
      const want = walk(s, REQ_ACS_FLAGS, ctx);
      assert.deepEqual(pciDevSpecificAcsEnabled(s, REQ_ACS_FLAGS, ctx), want, `${s.vendor.toString(16)}:${s.device.toString(16)}`);
      if (want !== null) quirked++;
    }
  }
  assert.ok(quirked > 100, `quirks answer often enough to matter (${quirked})`);
});

test('a driver booted with devices gets the same id tables as when devices were told apart by their ids as text', () => {
  // Devices with equal and different ids, in range and not (a hostile description), with and without an override.
  const ids = [[0x8086, 0x154c, 0x020000, 0x8086, 0], [0x8086, 0x154c, 0x020000, 0x8086, 1], [0x8086, 0x154c, 0x020000, 0x8086, 0], [-0, 0, 0, 0, 0], [0, 0, 0, 0, 0],
    [0x10000, 0, 0, 0, 0], [1, 0, 0, 0, 0], [0x8086, 0x154c, 0x1020000, 0x8086, 0], [1.5, 2, 3, 4, 5], [1.5, 2, 3, 4, 5], [0xffff, 0xffff, 0xffffff, 0xffff, 0xffff]];
  const devices = ids.flatMap(([vendor, device, cls, sv, sd], i) => [0, 1].map((o): Device => ({
    name: `0000:00:${i.toString(16).padStart(2, '0')}.${o}`, bus: 'pci', path: `devices/pci0000:00/x${i}.${o}`, hdrType: 0, multifunction: false,
    pci: { vendor, device, class: cls, subsystemVendor: sv, subsystemDevice: sd } as PciDeviceDesc,
    driver: null, driverSysfs: false, driverOverride: o === 1 ? 'vfio-pci' : null, group: null, defaultDomainUses: 0, lockHolder: null, sriovNumvfs: null, dead: false,
  })));
  // createDriver as it keyed devices before: the five ids as decimal text.
  const reference = (name: string, boot: readonly Device[]): { ids: unknown[]; dyn: unknown[] } => {
    const known = createDriver('pci', name, []);
    const tbl = [...known.idTable], dyn: unknown[] = [];
    const seen = new Set<string>();
    const matches = (id: { vendor?: number; device?: number }, d: Device): boolean => (id.vendor === undefined || id.vendor === d.pci?.vendor) && (id.device === undefined || id.device === d.pci?.device);
    for (const d of boot) {
      const p = d.pci as PciDeviceDesc;
      const key = `${p.vendor}:${p.device}:${p.class}:${p.subsystemVendor}:${p.subsystemDevice}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (known.kind === 'vfio-pci') {
        if (d.driverOverride !== name && !dyn.some((id) => matches(id as { vendor: number; device: number }, d))) dyn.push({ vendor: p.vendor, device: p.device });
      } else if (!tbl.some((id) => matches(id, d))) tbl.push({ vendor: p.vendor, device: p.device });
    }
    return { ids: tbl, dyn };
  };
  for (const order of [devices, [...devices].reverse(), devices.filter((_, i) => i % 3 !== 1)]) {
    for (const name of ['vfio-pci', 'e1000e-like']) {
      const d = createDriver('pci', name, order);
      const want = reference(name, order);
      assert.deepEqual([d.idTable, d.dynids], [want.ids, want.dyn], name);
    }
  }
});

test('explainHost lists groups and members in BDF order however the functions come (the sorts it skips when in order)', () => {
  const key = (b: string | undefined): number => (b === undefined ? Number.MAX_SAFE_INTEGER : bdfKey(b));
  const inOrder = (a: readonly string[]): boolean => a.every((b, i) => i === 0 || key(a[i - 1]) <= key(b));
  let checked = 0;
  for (const file of files) {
    const host = captureHost(file);
    for (const order of [host.pci, [...host.pci].reverse(), host.pci.filter((_, i) => i % 2 === 0).concat(host.pci.filter((_, i) => i % 2 === 1))]) {
      const x = explainHost({ ...host, pci: order });
      for (const list of [x.predicted, x.kernel]) {
        for (const g of list) assert.ok(inOrder(g), `${file}: ${g.join(' ')}`);
        assert.ok(inOrder(list.map((g) => g[0] as string)), `${file}: groups by first member`);
      }
      assert.ok(x.groups.every((g, i) => i === 0 || (x.groups[i - 1]?.group ?? -1) <= (g.group ?? Infinity)), `${file}: explained groups by id`);
      checked += x.kernel.length;
    }
  }
  assert.ok(checked > 100);
});
