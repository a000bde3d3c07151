import type { CaptureEntry } from '../host/read-capture.js';
import { buildConfigSpace } from './config-space.js';
import type { CombinedPastes } from './combine.js';
import type { DeviceFacts, Fact } from './facts.js';
import { PARTIAL_FACTS, type PartialFact, type PartialSection } from './partial.js';

/** The capture an import writes: a `sysfs-capture/1` with the `partial` section. */
export interface ImportedCapture {
  readonly format: 'sysfs-capture/1';
  readonly kernel: string;
  readonly cmdline: readonly string[];
  readonly partial: PartialSection;
  readonly entries: Record<string, CaptureEntry>;
}

/**
 * The release written when no paste names the kernel and no --kernel is given: a capture needs one,
 * and 5.19 is the first kernel with the DMA-ownership rule most hosts now follow. The `partial`
 * section says `kernel: "unknown"`, and the suffix says it wherever the release is printed.
 */
export const UNKNOWN_KERNEL = '5.19.0-unknown';

const hex = (v: number, w: number): string => `0x${v.toString(16).padStart(w, '0')}\n`;
const up = (dir: string): string => '../'.repeat(dir.split('/').length);
const where = (f: Fact<unknown>): string => `${f.from.file}:${f.from.line} (${f.from.format})`;

/**
 * Writes combined pastes as a `sysfs-capture/1`: what the pastes said, as sysfs would show it (device
 * directories placed by the topology they gave, ids, the driver and iommu_group links, config space
 * rebuilt from `lspci -vv`), and nothing they did not say. The `partial` section names, per device,
 * the input and line of every fact and the facts that are unknown, so a reader never takes a missing
 * driver link for "unbound" or a missing group for "no IOMMU".
 */
export function pastesToCapture(c: CombinedPastes, opts: { readonly kernel?: string } = {}): ImportedCapture {
  const entries: Record<string, CaptureEntry> = Object.create(null) as Record<string, CaptureEntry>;
  const paths = placeDevices(c.devices);
  const physfn = vfsOf(c.devices);
  const slots = new Map<string, number>();
  for (const bdf of c.devices.keys()) {
    const slot = bdf.slice(0, -2);
    slots.set(slot, (slots.get(slot) ?? 0) + 1);
  }
  const facts: Record<string, Partial<Record<PartialFact, string>>> = {};
  const unknown: Record<string, PartialFact[]> = {};
  const bdfs = [...c.devices.keys()].sort();
  let anyGroup = false;
  for (const bdf of bdfs) {
    const d = c.devices.get(bdf) as DeviceFacts;
    const p = paths.get(bdf) as { dir: string; known: boolean };
    const dir = p.dir;
    entries[`bus/pci/devices/${bdf}`] = { link: `${up('bus/pci/devices')}${dir}` };
    const ids = d.ids?.value;
    if (ids) {
      if (ids.vendor !== null) entries[`${dir}/vendor`] = hex(ids.vendor, 4);
      if (ids.device !== null) entries[`${dir}/device`] = hex(ids.device, 4);
      if (ids.class !== 0xffff) entries[`${dir}/class`] = hex((ids.class << 8) | (ids.progIf ?? 0), 6);
      if (ids.revision !== null) entries[`${dir}/revision`] = hex(ids.revision, 2);
    }
    if (d.subsystem) {
      entries[`${dir}/subsystem_vendor`] = hex(d.subsystem.value.vendor, 4);
      entries[`${dir}/subsystem_device`] = hex(d.subsystem.value.device, 4);
    }
    const cfgFact = d.config?.value ?? null;
    // A VF's header does not make it multifunction (the kernel sets virtfn->multifunction = 0).
    const pf = physfn.get(bdf);
    const config = buildConfigSpace(ids ?? null, cfgFact, d.subsystem?.value ?? null, pf === undefined && (slots.get(bdf.slice(0, -2)) ?? 0) > 1);
    if (pf !== undefined) {
      const pfDir = paths.get(pf)?.dir;
      if (pfDir !== undefined) entries[`${dir}/physfn`] = { link: `${up(dir)}${pfDir}` };
    }
    if (config !== null) entries[`${dir}/config`] = { hex: Buffer.from(config).toString('hex') };
    if (cfgFact !== null && cfgFact !== 'denied' && cfgFact.sriov !== null) {
      entries[`${dir}/sriov_totalvfs`] = `${cfgFact.sriov.totalVfs}\n`;
      entries[`${dir}/sriov_numvfs`] = `${cfgFact.sriov.numVfs}\n`;
    }
    const drv = d.driver?.value;
    if (typeof drv === 'string') {
      entries[`${dir}/driver`] = { link: `${up(dir)}bus/pci/drivers/${drv}` };
      entries[`bus/pci/drivers/${drv}/${bdf}`] = { link: `${up(`bus/pci/drivers/${drv}`)}${dir}` };
    }
    if (d.group && d.group.value !== null) {
      anyGroup = true;
      const g = `kernel/iommu_groups/${d.group.value}`;
      entries[`${dir}/iommu_group`] = { link: `${up(dir)}${g}` };
      entries[`${g}/devices/${bdf}`] = { link: `${up(`${g}/devices`)}${dir}` };
    }
    if (!Object.keys(entries).some((k) => k.startsWith(`${dir}/`))) entries[dir] = { dir: true };
    const f: Partial<Record<PartialFact, string>> = {};
    const u: PartialFact[] = [];
    const known: Record<PartialFact, Fact<unknown> | undefined> = {
      ids: d.ids?.value.vendor != null && d.ids.value.device !== null ? d.ids : undefined, group: d.group, driver: d.driver, config: d.config?.value === 'denied' || (d.config?.value as { acs?: unknown } | undefined)?.acs === 'unknown' ? undefined : d.config,
      parent: p.known ? (d.parent ?? { value: null, from: { file: 'bus numbers', line: 0, format: 'lspci' } }) : undefined,
    };
    for (const k of PARTIAL_FACTS) {
      const fact = known[k];
      if (fact !== undefined) f[k] = fact.from.line === 0 ? fact.from.file : where(fact);
      else u.push(k);
    }
    facts[bdf] = f;
    if (u.length > 0) unknown[bdf] = u;
  }
  if (bdfs.length === 0) entries['bus/pci/devices'] = { dir: true }; // a kernel log without PCI lines: still a sysfs root
  if (c.host.noGroups !== undefined && !anyGroup) entries['kernel/iommu_groups'] = { dir: true };
  const hostFacts: Record<string, string> = {};
  for (const [k, f] of Object.entries(c.host)) {
    if (f !== undefined) hostFacts[k] = `${Array.isArray(f.value) ? f.value.join(' ') : String(f.value)} — ${where(f)}`;
  }
  const kernel = opts.kernel ?? c.host.kernel?.value ?? UNKNOWN_KERNEL;
  const ids = new Set<number>();
  for (const d of c.devices.values()) if (typeof d.group?.value === 'number') ids.add(d.group.value);
  const top = Math.max(-1, ...ids);
  const missingGroups: number[] = [];
  for (let g = 0; g < top && missingGroups.length < 4096; g++) if (!ids.has(g)) missingGroups.push(g);
  const warnings = c.warnings.map((n) => `${n.file}:${n.line}: ${n.message}`);
  if (missingGroups.length > 0) {
    warnings.unshift(`the pastes list IOMMU groups up to ${top} but not ${ranges(missingGroups)}: a filtered or cut listing, so any group may have members they do not show (verdicts are unknown)`);
  }
  const partial: PartialSection = {
    tool: 'dmaown import',
    sources: c.sources.map((s) => ({ file: s.file, formats: [...s.formats] })),
    groups: anyGroup ? 'known' : c.host.noGroups !== undefined ? 'none' : 'unknown',
    kernel: opts.kernel !== undefined ? 'given' : c.host.kernel !== undefined ? 'known' : 'unknown',
    host: hostFacts,
    facts,
    unknown,
    notes: c.notes.map((n) => `${n.file}:${n.line}: ${n.message}`),
    warnings,
    ...(missingGroups.length > 0 ? { missingGroups } : {}),
  };
  return { format: 'sysfs-capture/1', kernel, cmdline: c.host.cmdline?.value ?? [], partial, entries };
}

/** [2, 3, 4, 7] → '2–4, 7'. */
function ranges(ns: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ns.length; i++) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === (ns[j] as number) + 1) j++;
    out.push(j > i ? `${ns[i]}–${ns[j]}` : String(ns[i]));
    i = j;
  }
  return out.join(', ');
}

/**
 * VF → PF from the PFs' SR-IOV capabilities (`lspci -vvv`: Number of VFs, VF offset, stride): VF n
 * has routing ID PF + offset + n × stride (pci_iov_virtfn_bus/devfn, drivers/pci/iov.c). Only VFs the
 * pastes list are linked.
 */
function vfsOf(devices: ReadonlyMap<string, DeviceFacts>): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of devices.values()) {
    const c = d.config?.value;
    if (c === undefined || c === 'denied' || c.sriov === null || c.sriov.vfOffset === null || c.sriov.vfStride === null) continue;
    const m = /^([0-9a-f]+):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(d.bdf);
    if (!m) continue;
    const rid = (parseInt(m[2] as string, 16) << 8) | (parseInt(m[3] as string, 16) << 3) | parseInt(m[4] as string, 10);
    for (let n = 0; n < c.sriov.numVfs; n++) {
      const v = rid + c.sriov.vfOffset + n * c.sriov.vfStride;
      if (v > 0xffff) break;
      const bdf = `${m[1] as string}:${(v >> 8).toString(16).padStart(2, '0')}:${((v >> 3) & 0x1f).toString(16).padStart(2, '0')}.${v & 7}`;
      if (devices.has(bdf)) out.set(bdf, d.bdf);
    }
  }
  return out;
}

/**
 * Where each function's directory goes: under its parent bridge (from `lspci -tv`, a BDF path, or the
 * bridge whose secondary bus is the function's bus), else on a root bus. Bus 00 is always a root bus;
 * any other bus without a known bridge is placed on a root bus of its own number, marked unknown.
 */
function placeDevices(devices: ReadonlyMap<string, DeviceFacts>): Map<string, { dir: string; known: boolean }> {
  const bySecondary = new Map<string, string>();
  for (const d of devices.values()) {
    if (d.busRange) bySecondary.set(`${d.bdf.slice(0, d.bdf.indexOf(':'))}:${d.busRange.value.secondary.toString(16).padStart(2, '0')}`, d.bdf);
  }
  const parentOf = (bdf: string): { parent: string | null; known: boolean } => {
    const d = devices.get(bdf);
    if (d?.parent) return { parent: d.parent.value, known: true };
    const bus = bdf.slice(0, bdf.lastIndexOf(':'));
    const bridge = bySecondary.get(bus);
    if (bridge !== undefined && bridge !== bdf) return { parent: bridge, known: true };
    return { parent: null, known: bus.endsWith(':00') };
  };
  const out = new Map<string, { dir: string; known: boolean }>();
  for (const bdf of devices.keys()) {
    const chain = [bdf];
    let known = true;
    let cur = bdf;
    for (let depth = 0; depth < 32; depth++) {
      const p = parentOf(cur);
      known &&= p.known;
      if (p.parent === null || chain.includes(p.parent)) break;
      chain.unshift(p.parent);
      cur = p.parent;
    }
    const top = chain[0] as string;
    const root = `pci${top.slice(0, top.lastIndexOf(':'))}`;
    out.set(bdf, { dir: `devices/${root}/${chain.join('/')}`, known });
  }
  return out;
}
