import type { DeviceFacts, Fact, HostFacts, IdFacts, PasteFormat, PasteIssue, PasteRead, Where } from './facts.js';

type DeviceKey = Exclude<keyof DeviceFacts, 'bdf'>;
type DeviceValue<K extends DeviceKey> = NonNullable<DeviceFacts[K]> extends Fact<infer T> ? T : never;

/**
 * Collects the facts one input yields. Setting a fact twice with a different value keeps the first
 * and warns, naming both lines ("01:00.0 is in group 3 at line 4 but in group 5 at line 9").
 */
export class FactSink {
  readonly devices = new Map<string, DeviceFacts>();
  readonly host: HostFacts = {};
  readonly warnings: PasteIssue[] = [];
  readonly notes: PasteIssue[] = [];
  /** Contradictions that mean two hosts were pasted together (a BDF with two ids or two groups). */
  readonly conflicts: PasteIssue[] = [];
  readonly formats = new Set<PasteFormat>();

  constructor(readonly file: string) {}

  at(line: number, format: PasteFormat): Where {
    this.formats.add(format);
    return { file: this.file, line, format };
  }

  device(bdf: string): DeviceFacts {
    let d = this.devices.get(bdf);
    if (!d) this.devices.set(bdf, (d = { bdf }));
    return d;
  }

  set<K extends DeviceKey>(bdf: string, key: K, value: DeviceValue<K>, from: Where): void {
    const d = this.device(bdf) as unknown as Record<string, Fact<unknown> | string | undefined>;
    const old = d[key] as Fact<unknown> | undefined;
    if (old === undefined) {
      d[key] = { value, from };
      return;
    }
    const c = compareFact(key, old, { value, from });
    if (c.merged !== undefined) d[key] = c.merged;
    if (c.conflict !== undefined) {
      const issue = { file: this.file, line: from.line, message: `${bdf}: ${c.conflict}` };
      if (c.fatal) this.conflicts.push(issue); else this.warnings.push(issue);
    }
  }

  setHost<K extends keyof HostFacts>(key: K, value: NonNullable<HostFacts[K]>['value'], from: Where): void {
    const old = this.host[key];
    if (old !== undefined) {
      if (JSON.stringify(old.value) !== JSON.stringify(value)) {
        this.warn(from.line, `${key} ${show(value)} here but ${show(old.value)} at line ${old.from.line}; keeping line ${old.from.line}`);
      }
      return;
    }
    (this.host as Record<string, Fact<unknown>>)[key] = { value, from };
  }

  warn(line: number, message: string): void {
    this.warnings.push({ file: this.file, line, message });
  }

  note(line: number, message: string): void {
    if (!this.notes.some((n) => n.message === message)) this.notes.push({ file: this.file, line, message });
  }

  read(): PasteRead {
    return { file: this.file, formats: [...this.formats], devices: this.devices, host: this.host, warnings: this.warnings, notes: this.notes, conflicts: this.conflicts };
  }
}

/**
 * Two readings of one fact: equal (nothing to say), mergeable (ids from two formats: fill what one
 * lacks), a contradiction a host cannot have (two ids or two groups for one BDF: fatal), or a
 * difference in time (a driver rebound between two pastes: a warning; the first reading is kept).
 */
export function compareFact(key: string, a: Fact<unknown>, b: Fact<unknown>): { merged?: Fact<unknown>; conflict?: string; fatal?: boolean } {
  if (JSON.stringify(a.value) === JSON.stringify(b.value)) return {};
  const where = (f: Fact<unknown>): string => `${f.from.file}:${f.from.line}`;
  const msg = `${key} ${show(a.value)} at ${where(a)} but ${show(b.value)} at ${where(b)}`;
  if (key === 'ids') {
    const x = a.value as IdFacts, y = b.value as IdFacts;
    const differ = (p: number | null, q: number | null): boolean => p !== null && q !== null && p !== q && p !== 0xffff && q !== 0xffff;
    if (differ(x.vendor, y.vendor) || differ(x.device, y.device) || differ(x.class, y.class)) return { conflict: `ids ${idText(x)} at ${where(a)} but ${idText(y)} at ${where(b)}`, fatal: true };
    return { merged: { from: a.from, value: mergeIds(x, y) } };
  }
  if (key === 'group' || key === 'parent') return { conflict: msg, fatal: true };
  return { conflict: `${msg}; keeping ${where(a)}` };
}

/** Ids read twice (dmesg's 24-bit class, lspci's names and revision): each field from whichever has it. */
export function mergeIds(a: IdFacts, b: IdFacts): IdFacts {
  return {
    class: a.class !== 0xffff ? a.class : b.class, progIf: a.progIf ?? b.progIf, vendor: a.vendor ?? b.vendor,
    device: a.device ?? b.device, revision: a.revision ?? b.revision, name: a.name !== '' ? a.name : b.name,
  };
}

function idText(x: IdFacts): string {
  const h = (v: number | null): string => (v === null ? '????' : v.toString(16).padStart(4, '0'));
  return `[${h(x.vendor)}:${h(x.device)}] class ${x.class === 0xffff ? '?' : h(x.class)}`;
}

function show(v: unknown): string {
  if (v === null) return 'none';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o['name'] === 'string') return JSON.stringify(o['name']);
    return JSON.stringify(v).slice(0, 60);
  }
  return String(v);
}
