/**
 * The fuzzer's step generator: random uAPI calls in dmaown-trace/1 shape, biased by what the kernel has now
 * so that sequences reach containers, IOMMU backends, device fds, iommufd objects and cdevs (pure random
 * sequences rarely get past driver_override). Every call the trace format can express is produced, and
 * garbage too: unknown ioctls, descriptors that were never opened, paths and data that are wrong.
 */
import type { KernelState } from '../model/index.js';
import type { FileKind } from '../model/file-table.js';
import type { TraceStep } from '../conform/trace.js';
import type { Rng } from './rng.js';

export type FuzzStep = Omit<TraceStep, 'result'>;

/** What the generator may look at: the kernel's state and the executor's descriptors and blocked calls. */
export interface GenContext {
  readonly k: KernelState;
  /** Open descriptors by label, with the kind of file each is. */
  readonly labels: ReadonlyMap<string, FileKind>;
  /** Labels (step ids) of calls that are blocked now. */
  readonly blocked: readonly string[];
  /** iommufd object ids the kernel has returned (IOAS, HWPT, devid), for arguments that name objects. */
  readonly objectIds: readonly number[];
  /** A new, unique label. */
  fresh(prefix: string): string;
  /** Steps still to come of a plan started earlier (each made when its turn comes, from the state then). */
  readonly plan: ((c: GenContext) => FuzzStep[])[];
}

const SYS = '/sys/bus/pci';
const GARBAGE_DATA = ['', '\n', ' ', 'x'.repeat(5000), '0000:zz:00.0', '0000:00:05.0 junk', 'vfio-pci\0pci-stub', '-1', '0x1', '1'];
const GARBAGE_PATHS = ['/sys/bus/pci/drivers/nonexistent/bind', '/sys/bus/pci/devices/0000:ff:1f.7/driver_override', '/sys/bus/pci',
  '/sys/kernel/iommu_groups/999/type', '/dev/vfio/999', '/dev/vfio/devices/vfio99', '/sys/../etc/passwd', 'relative/path', ''];
const CONTAINER_IOCTLS = ['VFIO_GET_API_VERSION', 'VFIO_CHECK_EXTENSION', 'VFIO_SET_IOMMU'];
const IOMMU_TYPES = ['VFIO_TYPE1v2_IOMMU', 'VFIO_TYPE1_IOMMU', 'VFIO_NOIOMMU_IOMMU', 'VFIO_SPAPR_TCE_IOMMU', 'BOGUS'];
const UNKNOWN_IOCTLS = ['VFIO_IOMMU_MAP_DMA', 'VFIO_DEVICE_RESET', 'IOMMU_OPTION', 'TCGETS', 'NOT_AN_IOCTL'];

function byKind(c: GenContext, kind: FileKind): string[] {
  const out: string[] = [];
  for (const [l, k] of c.labels) if (k === kind) out.push(l);
  return out;
}

function pciDevices(k: KernelState): string[] {
  const out: string[] = [];
  for (const d of k.devices.values()) if (d.pci && !d.dead) out.push(d.name);
  return out;
}

function pciDrivers(k: KernelState): string[] {
  const out: string[] = [];
  for (const d of k.drivers.values()) if (d.bus === 'pci') out.push(d.name);
  return out;
}

/** A label of `kind` most of the time; sometimes any open label, sometimes one that never held a descriptor. */
function labelOf(r: Rng, c: GenContext, kind: FileKind): string {
  const mine = byKind(c, kind);
  if (mine.length > 0 && r.chance(0.9)) return r.pick(mine);
  if (c.labels.size > 0 && r.chance(0.5)) return r.pick([...c.labels.keys()]);
  return 'never-opened';
}

function objectId(r: Rng, c: GenContext): number {
  return c.objectIds.length > 0 && r.chance(0.85) ? r.pick(c.objectIds) : r.pick([0, 1, 2, 3, 7, 0xffffffff]);
}

/** driver_override vfio-pci, unbind whatever is bound, bind vfio-pci: the way every trace hands a device to VFIO. */
function toVfio(c: GenContext, bdf: string): FuzzStep[] {
  const out: FuzzStep[] = [{ call: 'write', path: `${SYS}/devices/${bdf}/driver_override`, data: 'vfio-pci', id: c.fresh('w') }];
  const d = c.k.devices.get(bdf);
  if (d?.driver) out.push({ call: 'write', path: `${SYS}/drivers/${d.driver}/unbind`, data: bdf, id: c.fresh('w') });
  out.push({ call: 'write', path: `${SYS}/drivers/vfio-pci/bind`, data: bdf, id: c.fresh('w') });
  return out;
}

function sysfsStep(r: Rng, c: GenContext, devs: readonly string[]): FuzzStep[] {
  const k = c.k;
  const bdf = devs.length > 0 && r.chance(0.95) ? r.pick(devs) : r.pick([...k.pciRemoved.keys(), '0000:ff:00.0']);
  const drivers = pciDrivers(k);
  const drv = drivers.length > 0 && r.chance(0.95) ? r.pick(drivers) : 'nonexistent';
  const id = c.fresh('w');
  return [r.weighted<FuzzStep>([
    [8, { call: 'write', path: `${SYS}/devices/${bdf}/driver_override`, data: r.pick(['vfio-pci', 'vfio-pci', 'pci-stub', '', drv, r.pick(GARBAGE_DATA)]), id }],
    [6, { call: 'write', path: `${SYS}/drivers/${drv}/bind`, data: bdf, id }],
    [6, { call: 'write', path: `${SYS}/drivers/${k.devices.get(bdf)?.driver ?? drv}/unbind`, data: bdf, id }],
    [2, { call: 'write', path: `${SYS}/devices/${bdf}/driver/unbind`, data: bdf, id }],
    [4, { call: 'write', path: `${SYS}/drivers_probe`, data: r.chance(0.9) ? bdf : r.pick(GARBAGE_DATA), id }],
    [1, { call: 'write', path: `${SYS}/devices/${bdf}/remove`, data: r.pick(['1', '1', '0', 'x']), id }],
    [1.5, { call: 'write', path: `${SYS}/rescan`, data: '1', id }],
    [3, { call: 'read', path: `${SYS}/devices/${bdf}/driver_override`, id }],
    [1, { call: 'read', path: `${SYS}/devices/${bdf}/sriov_numvfs`, id }],
    [2, { call: 'readlink', path: `${SYS}/devices/${bdf}/${r.pick(['driver', 'iommu_group'])}` }],
    [1, { call: 'list', path: `/sys/kernel/iommu_groups/${r.pick([...k.groups.keys(), 99])}/devices` }],
    [1, { call: 'stat', path: r.pick(['/dev/vfio/vfio', `${SYS}/devices/${bdf}`, '/dev/iommu', ...GARBAGE_PATHS]) }],
    [1, { call: 'write', path: r.pick(GARBAGE_PATHS), data: r.pick(GARBAGE_DATA), id }],
    [0.5, { call: 'read', path: r.pick(GARBAGE_PATHS), id }],
  ])];
}

function openStep(r: Rng, c: GenContext): FuzzStep[] {
  const k = c.k;
  const fd = c.fresh('f');
  const groups = [...k.vfioGroups.keys(), ...k.groups.keys()];
  const cdevs = [...k.vfioDevIndex.values()].map((n) => `/dev/vfio/devices/vfio${n}`);
  const path = r.weighted<string>([
    [4, '/dev/vfio/vfio'],
    [5, groups.length > 0 ? `/dev/vfio/${r.pick(groups)}` : '/dev/vfio/1'],
    [k.opts.iommufd ? 4 : 0.3, '/dev/iommu'],
    [cdevs.length > 0 ? 5 : 0.2, cdevs.length > 0 ? r.pick(cdevs) : '/dev/vfio/devices/vfio0'],
    [0.5, r.pick(GARBAGE_PATHS)],
  ]);
  return [{ call: 'open', path, fd }];
}

function ioctlStep(r: Rng, c: GenContext, devs: readonly string[]): FuzzStep[] {
  const k = c.k;
  const kinds = new Set(c.labels.values());
  const member = (): string => {
    const vfio = devs.filter((d) => k.devices.get(d)?.driver === 'vfio-pci');
    return vfio.length > 0 && r.chance(0.85) ? r.pick(vfio) : r.pick([...devs, 'nonexistent', '']);
  };
  const choices: (readonly [number, () => FuzzStep])[] = [
    [kinds.has('vfio-container') ? 6 : 0.3, () => {
      const req = r.pick(CONTAINER_IOCTLS);
      const arg = req === 'VFIO_SET_IOMMU' ? { type: r.chance(0.8) ? 'VFIO_TYPE1v2_IOMMU' : r.pick(IOMMU_TYPES) }
        : req === 'VFIO_CHECK_EXTENSION' ? { extension: r.pick(IOMMU_TYPES) } : undefined;
      return { call: 'ioctl', fd: labelOf(r, c, 'vfio-container'), request: req, ...(arg ? { arg } : {}) };
    }],
    [kinds.has('vfio-group') ? 10 : 0.3, () => {
      const g = labelOf(r, c, 'vfio-group');
      return r.weighted<FuzzStep>([
        [3, { call: 'ioctl', fd: g, request: 'VFIO_GROUP_GET_STATUS', ...(r.chance(0.05) ? { arg: { argsz: r.int(12) } } : {}) }],
        [4, { call: 'ioctl', fd: g, request: 'VFIO_GROUP_SET_CONTAINER', arg: { fd: r.chance(0.8) ? labelOf(r, c, 'vfio-container') : labelOf(r, c, 'iommufd') } }],
        [1.5, { call: 'ioctl', fd: g, request: 'VFIO_GROUP_UNSET_CONTAINER' }],
        [4, { call: 'ioctl', fd: g, request: 'VFIO_GROUP_GET_DEVICE_FD', arg: { name: member() }, fdOut: c.fresh('f') }],
      ]);
    }],
    [kinds.has('vfio-device') || kinds.has('vfio-cdev') ? 8 : 0.3, () => {
      const d = r.chance(0.5) ? labelOf(r, c, 'vfio-cdev') : labelOf(r, c, 'vfio-device');
      return r.weighted<FuzzStep>([
        [2, { call: 'ioctl', fd: d, request: 'VFIO_DEVICE_GET_INFO' }],
        [4, { call: 'ioctl', fd: d, request: 'VFIO_DEVICE_BIND_IOMMUFD', arg: { [r.chance(0.5) ? 'iommufd' : 'fd']: labelOf(r, c, 'iommufd'), ...(r.chance(0.05) ? { flags: 1 } : {}) } }],
        [4, { call: 'ioctl', fd: d, request: 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', arg: { pt_id: objectId(r, c) } }],
        [1.5, { call: 'ioctl', fd: d, request: 'VFIO_DEVICE_DETACH_IOMMUFD_PT' }],
      ]);
    }],
    [kinds.has('iommufd') ? 8 : 0.3, () => {
      const i = labelOf(r, c, 'iommufd');
      return r.weighted<FuzzStep>([
        [4, { call: 'ioctl', fd: i, request: 'IOMMU_IOAS_ALLOC' }],
        [3, { call: 'ioctl', fd: i, request: 'IOMMU_IOAS_MAP', arg: { ioas_id: objectId(r, c), flags: r.chance(0.9) ? ['READABLE', 'WRITEABLE'] : r.pick([[], ['FIXED_IOVA', 'READABLE'], ['BOGUS']]),
          length: r.pick([4096, 8192, 0x200000, 0, 4095]), ...(r.chance(0.3) ? { iova: r.pick([0, 4096, 0x100000, 0xfee00000]) } : {}) } }],
        [2, { call: 'ioctl', fd: i, request: 'IOMMU_IOAS_UNMAP', arg: { ioas_id: objectId(r, c), iova: r.pick([0, 4096]), length: r.pick([4096, 0, '0xffffffffffffffff']) } }],
        [3, { call: 'ioctl', fd: i, request: 'IOMMU_HWPT_ALLOC', arg: { dev_id: objectId(r, c), pt_id: objectId(r, c) } }],
        [2, { call: 'ioctl', fd: i, request: 'IOMMU_DESTROY', arg: { id: objectId(r, c) } }],
      ]);
    }],
    [1, () => ({ call: 'ioctl', fd: c.labels.size > 0 && r.chance(0.8) ? r.pick([...c.labels.keys()]) : 'never-opened', request: r.pick(UNKNOWN_IOCTLS) })],
  ];
  return [r.weighted(choices)()];
}

/**
 * Plans that reach the interesting states in a few steps, as user space does: the container path (container,
 * group, SET_CONTAINER, SET_IOMMU, GET_DEVICE_FD), the iommufd compat path (the group given an iommufd), and
 * the cdev path (iommufd, cdev, BIND_IOMMUFD, IOAS, ATTACH, MAP). Random steps interleave with them.
 */
function startPlan(r: Rng, c: GenContext, bdf: string): void {
  const k = c.k;
  const onVfio = k.devices.get(bdf)?.driver === 'vfio-pci';
  const gid = (): number => k.devices.get(bdf)?.group ?? 0;
  const plan = c.plan;
  if (!onVfio) plan.push((cc) => toVfio(cc, bdf));
  // Mostly the whole group, as `dmaown plan` does: every endpoint member to vfio-pci (bridges keep theirs).
  const g = k.groups.get(gid());
  if (g && r.chance(0.7)) {
    for (const m of g.devices) {
      const md = k.devices.get(m);
      if (m === bdf || !md?.pci || md.pci.class >> 8 === 0x0604 || md.driver === 'vfio-pci') continue;
      plan.push((cc) => toVfio(cc, m));
    }
  }
  const cdev = k.opts.vfioDeviceCdev && k.profile.vfioDeviceCdev;
  const which = r.weighted<'container' | 'compat' | 'cdev'>([[5, 'container'], [k.opts.iommufd && k.profile.deviceClaim ? 2 : 0, 'compat'], [cdev ? 5 : 0, 'cdev']]);
  const [a, b, d] = [c.fresh('f'), c.fresh('f'), c.fresh('f')];
  if (which === 'cdev') {
    plan.push(() => [{ call: 'open', path: '/dev/iommu', fd: a }]);
    plan.push(() => [{ call: 'open', path: `/dev/vfio/devices/vfio${k.vfioDevIndex.get(bdf) ?? 0}`, fd: b }]);
    plan.push(() => [{ call: 'ioctl', fd: b, request: 'VFIO_DEVICE_BIND_IOMMUFD', arg: { iommufd: a } }]);
    plan.push(() => [{ call: 'ioctl', fd: a, request: 'IOMMU_IOAS_ALLOC' }]);
    plan.push((cc) => [{ call: 'ioctl', fd: b, request: 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', arg: { pt_id: cc.objectIds[cc.objectIds.length - 1] ?? 1 } }]);
    plan.push((cc) => [{ call: 'ioctl', fd: a, request: 'IOMMU_IOAS_MAP', arg: { ioas_id: cc.objectIds[cc.objectIds.length - 1] ?? 1, flags: ['READABLE', 'WRITEABLE'], length: 4096 } }]);
    return;
  }
  plan.push(() => [{ call: 'open', path: which === 'compat' ? '/dev/iommu' : '/dev/vfio/vfio', fd: a }]);
  plan.push(() => [{ call: 'open', path: `/dev/vfio/${gid()}`, fd: b }]);
  plan.push(() => [{ call: 'ioctl', fd: b, request: 'VFIO_GROUP_SET_CONTAINER', arg: { fd: a } }]);
  if (which === 'container') plan.push(() => [{ call: 'ioctl', fd: a, request: 'VFIO_SET_IOMMU', arg: { type: 'VFIO_TYPE1v2_IOMMU' } }]);
  plan.push(() => [{ call: 'ioctl', fd: b, request: 'VFIO_GROUP_GET_DEVICE_FD', arg: { name: bdf }, fdOut: d }]);
}

/** A kernel driver offered to a device that shares a group with a vfio-pci device (the BUG_ON / EBUSY / EPERM cases). */
function siblingBind(r: Rng, c: GenContext, devs: readonly string[]): FuzzStep[] {
  const k = c.k;
  const shared = devs.filter((d) => {
    const dev = k.devices.get(d), g = dev?.group == null ? undefined : k.groups.get(dev.group);
    return dev?.driver !== 'vfio-pci' && g !== undefined && g.devices.some((m) => k.devices.get(m)?.driver === 'vfio-pci');
  });
  if (shared.length === 0) return sysfsStep(r, c, devs);
  const bdf = r.pick(shared);
  const dev = k.devices.get(bdf);
  const drv = r.pick(pciDrivers(k).filter((n) => n !== 'vfio-pci'));
  const out: FuzzStep[] = [];
  if (dev?.driverOverride !== null && r.chance(0.7)) out.push({ call: 'write', path: `${SYS}/devices/${bdf}/driver_override`, data: '', id: c.fresh('w') });
  out.push(r.chance(0.7) ? { call: 'write', path: `${SYS}/drivers/${drv}/bind`, data: bdf, id: c.fresh('w') }
    : { call: 'write', path: `${SYS}/drivers_probe`, data: bdf, id: c.fresh('w') });
  return out;
}

/** The next step(s) of a sequence. */
export function generate(r: Rng, c: GenContext): FuzzStep[] {
  const k = c.k;
  const devs = pciDevices(k);
  const onVfio = devs.filter((d) => k.devices.get(d)?.driver === 'vfio-pci').length;
  const endpoints = devs.filter((d) => (k.devices.get(d)?.pci?.class ?? 0) >> 8 !== 0x0604);
  if (c.plan.length > 0 && r.chance(0.8)) return (c.plan.shift() as (c: GenContext) => FuzzStep[])(c);
  return r.weighted<() => FuzzStep[]>([
    [c.plan.length === 0 && endpoints.length > 0 ? 4 : 0, () => { startPlan(r, c, r.pick(endpoints)); return generate(r, c); }],
    [onVfio > 0 ? 3 : 0, () => siblingBind(r, c, devs)],
    [onVfio < 2 ? 6 : 1.5, () => (endpoints.length > 0 ? toVfio(c, r.pick(endpoints)) : sysfsStep(r, c, devs))],
    [10, () => sysfsStep(r, c, devs)],
    [c.labels.size < 3 ? 7 : 3, () => openStep(r, c)],
    [c.labels.size > 0 ? 20 : 1, () => ioctlStep(r, c, devs)],
    [c.labels.size > 0 ? 2.5 : 0.2, () => [{ call: 'close', fd: c.labels.size > 0 && r.chance(0.95) ? r.pick([...c.labels.keys()]) : 'never-opened' }]],
    [c.blocked.length > 0 ? 3 : 0, () => [{ call: 'wait', id: r.pick(c.blocked) }]],
  ])();
}
