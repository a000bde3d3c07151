// Benchmark 3 (child process): model build time and throughput on an n-function model.
// Usage: node model-child.mjs <repo> <n> <minSeconds>. Prints one JSON object on stdout.
// Each part is skipped with a reason when the model piece it needs is not there.
// A "cycle" is checked: every call must answer ok, or the part reports the first failure.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateTopology } from './topology.mjs';
import { toHostDescription } from './sysfs-entries.mjs';

const [repo, nArg, secArg] = process.argv.slice(2);
const n = Number(nArg);
const minSeconds = Number(secArg ?? 1);
const out = { n, parts: {} };
const dist = (p) => join(repo, 'dist', 'model', p);
const load = async (p) => (existsSync(dist(p)) ? import(pathToFileURL(dist(p)).href) : null);
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Runs `cycle(i)` until minSeconds have passed; returns cycles/s. `cycle` returns null or a failure. */
function rate(cycle, opsPerCycle) {
  const t0 = now();
  let i = 0;
  let elapsed = 0;
  for (;;) {
    for (let j = 0; j < 256; j++, i++) {
      const bad = cycle(i);
      if (bad) return { failed: `cycle ${i}: ${bad}` };
    }
    elapsed = now() - t0;
    if (elapsed >= minSeconds * 1000) break;
  }
  return { cycles: i, seconds: elapsed / 1000, cyclesPerSec: i / (elapsed / 1000), opsPerSec: (i * opsPerCycle) / (elapsed / 1000) };
}
const bad = (r, what) => (r && r.ok === false ? `${what}: ${r.errno} ${r.why}` : null);

const index = await load('index.js');
const createKernel = index?.createKernel ?? (await load('kernel.js'))?.createKernel;
if (typeof createKernel !== 'function') {
  out.skipped = 'neither dist/model/index.js nor dist/model/kernel.js exports createKernel yet';
  console.log(JSON.stringify(out));
  process.exit(0);
}
const topo = generateTopology(n);
const desc = toHostDescription(topo);
const builds = [];
let k;
for (let i = 0; i < 3; i++) {
  k = null;
  globalThis.gc?.();
  const t0 = now();
  k = createKernel(desc);
  builds.push(now() - t0);
}
globalThis.gc?.();
out.buildMs = builds.sort((a, b) => a - b)[1];
out.heapMbAfterBuild = process.memoryUsage().heapUsed / 2 ** 20;
const st = k.state;
const trimCalls = () => { if (st && Array.isArray(st.calls) && st.calls.length > 4096) st.calls.length = 0; };

// Ownership API (drivers/iommu/iommu.c) called directly: claim/release on groups that have no
// kernel-driver user, use/unuse of the default domain on devices of unowned groups.
const ig = await load('iommu/group.js');
if (ig?.iommuGroupClaimDmaOwner && ig?.iommuGroupReleaseDmaOwner && st?.groups) {
  const free = [];
  for (const g of st.groups.values()) {
    const r = ig.iommuGroupClaimDmaOwner(st, g, 'bench');
    if (r.ok) { ig.iommuGroupReleaseDmaOwner(st, g); free.push(g); }
    if (free.length >= 1024) break;
  }
  trimCalls();
  out.parts.claimRelease = free.length === 0 ? { skipped: 'no group accepts a DMA owner' } : rate((i) => {
    const g = free[i % free.length];
    const f = bad(ig.iommuGroupClaimDmaOwner(st, g, 'bench'), `claim group ${g.id}`);
    ig.iommuGroupReleaseDmaOwner(st, g);
    if ((i & 1023) === 0) trimCalls();
    return f;
  }, 2);
  out.parts.claimRelease.groupsUsed = free.length;
} else out.parts.claimRelease = { skipped: 'dist/model/iommu/group.js lacks iommuGroupClaimDmaOwner/ReleaseDmaOwner' };
if (ig?.iommuDeviceUseDefaultDomain && ig?.iommuDeviceUnuseDefaultDomain && st?.devices) {
  const devs = [...st.devices.values()].slice(0, 1024);
  out.parts.useUnuse = rate((i) => {
    const d = devs[i % devs.length];
    const f = bad(ig.iommuDeviceUseDefaultDomain(st, d), `use ${d.name ?? i}`);
    ig.iommuDeviceUnuseDefaultDomain(st, d);
    if ((i & 1023) === 0) trimCalls();
    return f;
  }, 2);
} else out.parts.useUnuse = { skipped: 'dist/model/iommu/group.js lacks iommuDeviceUseDefaultDomain/UnuseDefaultDomain' };

// Through the uAPI, as user space does it: sysfs writes.
const nvmes = topo.functions.filter((f) => f.driver === 'nvme').slice(0, 256).map((f) => f.bdf);
const w = (p, d) => k.write(p, d);
out.parts.bindUnbind = rate((i) => {
  const b = nvmes[i % nvmes.length];
  return bad(w('/sys/bus/pci/drivers/nvme/unbind', b), `unbind ${b}`) ?? bad(w('/sys/bus/pci/drivers/nvme/bind', b), `bind ${b}`);
}, 2);
out.parts.overrideProbe = rate((i) => {
  const b = nvmes[i % nvmes.length];
  const dev = `/sys/bus/pci/devices/${b}`;
  return bad(w(`${dev}/driver_override`, 'vfio-pci'), 'override') ?? bad(w('/sys/bus/pci/drivers/nvme/unbind', b), 'unbind nvme')
    ?? bad(w('/sys/bus/pci/drivers_probe', b), 'drivers_probe') ?? bad(w('/sys/bus/pci/drivers/vfio-pci/unbind', b), 'unbind vfio-pci')
    ?? bad(w(`${dev}/driver_override`, '\n'), 'clear override') ?? bad(w('/sys/bus/pci/drivers/nvme/bind', b), 'bind nvme');
}, 6);
const link = k.readLink(`/sys/bus/pci/devices/${nvmes[0]}/driver`);
out.parts.overrideProbe.check = link.ok ? link.value : `${link.errno} ${link.why}`;

// VFIO legacy container path: open container + group, SET_CONTAINER, close both.
const driverOf = new Map(topo.functions.map((f) => [f.bdf, f.driver]));
const vfioGroups = topo.groups.filter((g) => g.members.every((m) => driverOf.get(m) === 'vfio-pci'))
  .slice(0, 256).map((g) => g.id);
out.parts.vfioCycle = vfioGroups.length === 0 ? { skipped: 'no group fully bound to vfio-pci' } : rate((i) => {
  const c = k.open('/dev/vfio/vfio');
  if (!c.ok) return bad(c, 'open /dev/vfio/vfio');
  const gid = vfioGroups[i % vfioGroups.length];
  const g = k.open(`/dev/vfio/${gid}`);
  if (!g.ok) return bad(g, `open /dev/vfio/${gid}`);
  return bad(k.ioctl(g.value, 'VFIO_GROUP_SET_CONTAINER', { fd: c.value }), 'SET_CONTAINER')
    ?? bad(k.close(g.value), 'close group') ?? bad(k.close(c.value), 'close container');
}, 5);
out.heapMbEnd = process.memoryUsage().heapUsed / 2 ** 20;
console.log(JSON.stringify(out));
