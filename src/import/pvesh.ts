import { fullBdf, type PasteFormat, type Where } from './facts.js';
import type { ParseContext } from './parse-context.js';
import type { FactSink } from './sink.js';

const HIDES_BRIDGES = 'pvesh lists no bridge (class 06): without --pci-class-blacklist "" it hides classes 05, 06 and 0b, so why devices share a group cannot be told from this paste';

/** One pvesh row: Proxmox `/nodes/<node>/hardware/pci` keys. */
function row(sink: FactSink, r: Record<string, unknown>, at: Where): boolean {
  const id = typeof r['id'] === 'string' ? fullBdf(r['id'].trim()) : null;
  if (id === null) return false;
  const num = (k: string): number | null => {
    const v = r[k];
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && /^(0x)?[0-9a-f]+$/i.test(v.trim())) return parseInt(v.trim().replace(/^0x/i, ''), 16);
    return null;
  };
  const cls = num('class');
  const vendor = num('vendor'), device = num('device');
  const name = [r['vendor_name'], r['device_name']].filter((x) => typeof x === 'string' && x !== '').join(' ');
  sink.set(id, 'ids', { class: cls === null ? 0xffff : cls >> 8, progIf: cls === null ? null : cls & 0xff, vendor, device, revision: null, name }, at);
  const sv = num('subsystem_vendor'), sd = num('subsystem_device');
  if (sv !== null && sd !== null) sink.set(id, 'subsystem', { vendor: sv, device: sd }, at);
  const g = r['iommugroup'];
  const gn = typeof g === 'number' ? g : typeof g === 'string' && /^\s*-?\d+\s*$/.test(g) ? parseInt(g, 10) : null;
  if (gn !== null) sink.set(id, 'group', gn >= 0 ? gn : null, at);
  return true;
}

function bridgesNote(sink: FactSink, line: number, classes: (number | null)[]): void {
  if (classes.length > 0 && !classes.some((c) => c !== null && c >> 16 === 0x06)) sink.note(line, HIDES_BRIDGES);
}

/**
 * Proxmox `pvesh get /nodes/<node>/hardware/pci`: the box-drawing table (`│ class │ device │ id │
 * iommugroup │ …`), its Markdown copy (`| class | … |`), and `--output-format json` (an array of
 * objects). pvesh shows no driver: drivers stay unknown.
 */
export function parsePvesh(ctx: ParseContext): void {
  const { lines, used, sink } = ctx;
  // JSON: the whole remaining text is one array.
  const rest = lines.filter((l) => !used.has(l.n));
  const first = rest[0];
  if (first !== undefined && /^\s*\[\s*(\{|$)/.test(first.text)) {
    let json: unknown = null;
    try { json = JSON.parse(rest.map((l) => l.text).join('\n')); } catch { json = null; }
    if (Array.isArray(json) && json.length > 0 && json.every((x) => typeof x === 'object' && x !== null && 'id' in x)) {
      const at = sink.at(first.n, 'pvesh json');
      const classes: (number | null)[] = [];
      for (const r of json as Record<string, unknown>[]) {
        if (!row(sink, r, at)) sink.warn(first.n, `pvesh json: an entry whose "id" is not a PCI address (${JSON.stringify(r['id']).slice(0, 40)})`);
        classes.push(typeof r['class'] === 'string' ? parseInt(r['class'].replace(/^0x/i, ''), 16) : null);
      }
      for (const l of rest) used.add(l.n);
      bridgesNote(sink, first.n, classes);
      return;
    }
  }
  let header: string[] | null = null;
  let format: PasteFormat = 'pvesh table';
  const classes: (number | null)[] = [];
  let firstRow = 0;
  for (const l of lines) {
    if (used.has(l.n)) continue;
    const t = l.text.trim();
    if (/^[\u2500-\u257f+|:=\- ]+$/.test(t) && /[\u2500\u2550=\-]/.test(t) && !/^│.*[^\u2500-\u257f\s]/.test(t)) {
      if (header !== null) used.add(l.n);
      continue;
    }
    const sep = t.includes('│') ? '│' : t.startsWith('|') ? '|' : null;
    if (sep === null) { header = null; continue; }
    const cells = t.split(sep).slice(1, -1).map((c) => c.trim());
    if (cells.includes('iommugroup') && cells.includes('id')) {
      header = cells;
      used.add(l.n);
      continue;
    }
    if (header === null || cells.length !== header.length) continue;
    const r: Record<string, string> = {};
    header.forEach((h, k) => { r[h] = cells[k] ?? ''; });
    if (row(sink, r, sink.at(l.n, format))) {
      used.add(l.n);
      if (firstRow === 0) firstRow = l.n;
      classes.push(/^0x[0-9a-f]+$/i.test(r['class'] ?? '') ? parseInt((r['class'] as string).slice(2), 16) : null);
    }
    format = 'pvesh table';
  }
  bridgesNote(sink, firstRow, classes);
}
