import { err, ok, type Result } from '../model/errno.js';
import type { SysfsPort } from './port.js';

/**
 * What a host shows besides /sys/bus/pci that the diagnosis and the plan need: is this a virtual
 * machine (the CPU's `hypervisor` flag, DMI vendor/product), and is the user-space driver's module
 * loaded, built in, present for this kernel, or absent. Read live through the port, or from a
 * capture's top-level `evidence` field (written by `dmaown capture`; older captures have none).
 */
export type ModuleState = 'loaded' | 'builtin' | 'available' | 'absent';

export interface HostEvidence {
  /** The `hypervisor` CPU flag: true in a VM; null when /proc/cpuinfo was not seen. */
  readonly hypervisor: boolean | null;
  /** `vendor_id` of /proc/cpuinfo ('GenuineIntel', 'AuthenticAMD'), or null. */
  readonly cpuVendor: string | null;
  /** /sys/class/dmi/id/sys_vendor and product_name (trimmed), or null each. */
  readonly dmi: { readonly sysVendor: string | null; readonly productName: string | null };
  /** Module name (underscores) → state, for the modules looked at; null: not known (an old capture). */
  readonly modules: Readonly<Record<string, ModuleState>> | null;
}

/** The modules whose state a capture records: the user-space drivers dmaown plans with. */
export const EVIDENCE_MODULES: readonly string[] = ['vfio_pci', 'pci_stub'];

/** A driver's module name as modprobe normalises it ('vfio-pci' → 'vfio_pci'). */
export function moduleName(driver: string): string {
  return driver.replace(/-/g, '_');
}

export const NO_EVIDENCE: HostEvidence = { hypervisor: null, cpuVendor: null, dmi: { sysVendor: null, productName: null }, modules: null };

const text = (port: SysfsPort, path: string): string | null => {
  const r = port.read(path);
  return r.ok ? r.value : null;
};

/**
 * Live (or a tree): /proc/cpuinfo, DMI, and for `modules` the loaded drivers (/sys/bus/pci/drivers,
 * /sys/module), `modules.builtin` and `modules.dep` under /lib/modules/RELEASE (read through the port).
 */
export function readEvidence(port: SysfsPort, release: string, modules: readonly string[] = EVIDENCE_MODULES): HostEvidence {
  const cpuinfo = text(port, '/proc/cpuinfo');
  const flags = cpuinfo === null ? null : (/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '');
  const trim = (s: string | null): string | null => (s === null ? null : s.trim() || null);
  const builtin = text(port, `/lib/modules/${release}/modules.builtin`);
  const dep = text(port, `/lib/modules/${release}/modules.dep`);
  const drivers = port.list('/sys/bus/pci/drivers');
  const state: Record<string, ModuleState> = Object.create(null) as Record<string, ModuleState>;
  let known = false;
  for (const m of modules) {
    const file = new RegExp(`(^|/)${m.replace(/_/g, '[-_]')}\\.ko(\\.[a-z0-9]+)?:?(\\s|$)`, 'm');
    const loaded = (drivers.ok && drivers.value.some((d) => moduleName(d) === m)) || port.list(`/sys/module/${m}`).ok;
    if (loaded && builtin !== null && file.test(builtin)) state[m] = 'builtin';
    else if (loaded) state[m] = 'loaded';
    else if (builtin !== null && file.test(builtin)) state[m] = 'builtin';
    else if (dep !== null && file.test(dep)) state[m] = 'available';
    else if (dep !== null) state[m] = 'absent';
    else continue;
    known = true;
  }
  return {
    hypervisor: flags === null ? null : /\bhypervisor\b/.test(flags),
    cpuVendor: cpuinfo === null ? null : (/^vendor_id\s*:\s*(\S+)/m.exec(cpuinfo)?.[1] ?? null),
    dmi: { sysVendor: trim(text(port, '/sys/class/dmi/id/sys_vendor')), productName: trim(text(port, '/sys/class/dmi/id/product_name')) },
    modules: known ? state : null,
  };
}

const STATES: ReadonlySet<string> = new Set(['loaded', 'builtin', 'available', 'absent']);

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** A capture's `evidence` field, checked: absent → NO_EVIDENCE; malformed → EINVAL naming the field. */
export function parseEvidence(v: unknown, file: string): Result<HostEvidence> {
  if (v === undefined) return ok(NO_EVIDENCE);
  const where = `${file}: "evidence"`;
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObj(v)) return err('EINVAL', `${where} must be an object, got ${short(v)}`);
  const str = (x: unknown, name: string): Result<string | null> =>
    x === undefined || x === null ? ok(null) : typeof x === 'string' && x.length <= 256 ? ok(x) : err('EINVAL', `${where}.${name} must be a string of at most 256 characters, got ${short(x)}`);
  const hv = v['hypervisor'];
  if (hv !== undefined && hv !== null && typeof hv !== 'boolean') return err('EINVAL', `${where}.hypervisor must be true, false or null, got ${short(hv)}`);
  const cpu = str(v['cpu_vendor'], 'cpu_vendor');
  if (!cpu.ok) return cpu;
  const dmiV = v['dmi'] ?? {};
  if (!isObj(dmiV)) return err('EINVAL', `${where}.dmi must be an object, got ${short(dmiV)}`);
  const sv = str(dmiV['sys_vendor'], 'dmi.sys_vendor'), pn = str(dmiV['product_name'], 'dmi.product_name');
  if (!sv.ok) return sv;
  if (!pn.ok) return pn;
  let modules: Record<string, ModuleState> | null = null;
  const mv = v['modules'];
  if (mv !== undefined && mv !== null) {
    if (!isObj(mv)) return err('EINVAL', `${where}.modules must be an object of module name → loaded|builtin|available|absent, got ${short(mv)}`);
    modules = Object.create(null) as Record<string, ModuleState>;
    for (const [name, s] of Object.entries(mv)) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) return err('EINVAL', `${where}.modules: ${short(name)} is not a module name`);
      if (typeof s !== 'string' || !STATES.has(s)) return err('EINVAL', `${where}.modules.${name} must be one of loaded, builtin, available, absent; got ${short(s)}`);
      modules[moduleName(name)] = s as ModuleState;
    }
  }
  return ok({ hypervisor: hv === undefined ? null : (hv as boolean | null), cpuVendor: cpu.value, dmi: { sysVendor: sv.value, productName: pn.value }, modules });
}

/** The `evidence` field `dmaown capture` writes. */
export function evidenceJson(e: HostEvidence): Record<string, unknown> {
  return {
    hypervisor: e.hypervisor, cpu_vendor: e.cpuVendor, dmi: { sys_vendor: e.dmi.sysVendor, product_name: e.dmi.productName },
    modules: e.modules === null ? null : { ...e.modules },
  };
}
