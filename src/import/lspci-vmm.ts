import { fullBdf, type IdFacts } from './facts.js';
import type { Line } from './lines.js';
import type { ParseContext } from './parse-context.js';

const FIELD_RE = /^(Slot|Class|Vendor|Device|SVendor|SDevice|Rev|ProgIf|Driver|Module|IOMMUGroup|NUMANode|PhySlot|Domain):\s*(.*)$/;

/** `Intel Corporation [8086]` → [name, 0x8086]; `8086` (-n) → ['', 0x8086]; a name alone → [name, null]. */
function named(v: string): [string, number | null] {
  const m = /^(.*?)\s*\[([0-9a-f]{4})\]$/i.exec(v);
  if (m) return [m[1] as string, parseInt(m[2] as string, 16)];
  if (/^[0-9a-f]{4}$/i.test(v)) return ['', parseInt(v, 16)];
  return [v, null];
}

/**
 * `lspci -vmm` / `-vmm -nn -k` / `-nnvmm` / `-vmm -k -D`: one record per device, `Key:<tab>value`
 * lines, a new record at each `Slot:`. `IOMMUGroup:` is printed since pciutils 3.7 (PR #35, 2020).
 * With `-k` (any Driver:/Module: line in the paste), a record without `Driver:` is unbound.
 */
export function parseLspciVmm(ctx: ParseContext): void {
  const { lines, used, sink } = ctx;
  const records: { slot: Line; fields: Map<string, string[]> }[] = [];
  let cur: { slot: Line; fields: Map<string, string[]> } | null = null;
  for (const l of lines) {
    if (used.has(l.n)) continue;
    const m = FIELD_RE.exec(l.text.trim());
    if (!m) { cur = null; continue; }
    const key = m[1] as string, value = (m[2] as string).trim();
    if (key === 'Slot') {
      cur = { slot: l, fields: new Map() };
      records.push(cur);
    }
    if (cur === null) continue;
    used.add(l.n);
    cur.fields.set(key, [...(cur.fields.get(key) ?? []), value]);
  }
  const groupPaste = records.some((r) => r.fields.has('IOMMUGroup'));
  const kPaste = records.some((r) => r.fields.has('Driver') || r.fields.has('Module'));
  for (const r of records) {
    const f = (k: string): string | undefined => r.fields.get(k)?.[0];
    const bdf = fullBdf(f('Slot') ?? '');
    if (bdf === null) {
      sink.warn(r.slot.n, `Slot ${JSON.stringify(f('Slot') ?? '')} is not a PCI address; record skipped`);
      continue;
    }
    const at = sink.at(r.slot.n, 'lspci -vmm');
    const [className, cls] = named(f('Class') ?? '');
    const [vendorName, vendor] = named(f('Vendor') ?? '');
    const [deviceName, device] = named(f('Device') ?? '');
    const rev = f('Rev'), progIf = f('ProgIf');
    const ids: IdFacts = {
      class: cls ?? 0xffff, progIf: progIf !== undefined && /^[0-9a-f]{2}$/i.test(progIf) ? parseInt(progIf, 16) : null,
      vendor, device, revision: rev !== undefined && /^[0-9a-f]{2}$/i.test(rev) ? parseInt(rev, 16) : null,
      name: `${className}: ${vendorName} ${deviceName}`.trim(),
    };
    sink.set(bdf, 'ids', ids, at);
    const sv = named(f('SVendor') ?? '')[1], sd = named(f('SDevice') ?? '')[1];
    if (sv !== null && sd !== null) sink.set(bdf, 'subsystem', { vendor: sv, device: sd }, at);
    const g = f('IOMMUGroup');
    if (g !== undefined) {
      if (/^[0-9]+$/.test(g)) sink.set(bdf, 'group', parseInt(g, 10), at);
      else sink.warn(r.slot.n, `${bdf}: IOMMUGroup ${JSON.stringify(g)} is not a number`);
    } else if (groupPaste) sink.set(bdf, 'group', null, at);
    const drv = f('Driver');
    if (drv !== undefined) sink.set(bdf, 'driver', drv, at);
    else if (kPaste) sink.set(bdf, 'driver', null, at);
    const mods = r.fields.get('Module');
    if (mods) sink.set(bdf, 'modules', mods, at);
  }
}
