import { UNKNOWN_KERNEL, type ImportResult } from '../../import/index.js';
import type { Colors } from '../io.js';

/** What `dmaown import` reports (also its --json, dmaown-import/1). */
export interface ImportSummary {
  readonly inputs: readonly { readonly file: string; readonly formats: readonly string[]; readonly devices: number }[];
  readonly kernel: string;
  readonly devices: number;
  /** Per fact: for how many devices it is known / unknown. */
  readonly facts: Readonly<Record<string, { readonly known: number; readonly unknown: number }>>;
  readonly groups: { readonly state: string; readonly count: number };
  readonly host: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

export function importSummary(r: ImportResult): ImportSummary {
  const p = r.capture.partial;
  const facts: Record<string, { known: number; unknown: number }> = {};
  for (const k of ['ids', 'group', 'driver', 'config', 'parent']) {
    const unknown = Object.values(p.unknown).filter((u) => (u as readonly string[]).includes(k)).length;
    facts[k] = { known: r.combined.devices.size - unknown, unknown };
  }
  const groups = new Set([...r.combined.devices.values()].map((d) => d.group?.value).filter((g) => typeof g === 'number'));
  return {
    inputs: r.reads.map((x) => ({ file: x.file, formats: x.formats, devices: x.devices.size })),
    kernel: r.capture.kernel, devices: r.combined.devices.size, facts,
    groups: { state: p.groups, count: groups.size }, host: p.host, warnings: p.warnings, notes: p.notes,
  };
}

const FACT_WORDS: Readonly<Record<string, string>> = {
  ids: 'ids (vendor:device, class)', group: 'IOMMU group', driver: 'bound driver', config: 'ACS and port type (lspci -vvv as root)', parent: 'topology (parent bridge)',
};

export function renderImport(s: ImportSummary, c: Colors): string {
  const lines: string[] = [];
  for (const i of s.inputs) lines.push(`${c.bold(i.file)}: ${i.formats.join(', ') || 'nothing recognised'} — ${i.devices} device${i.devices === 1 ? '' : 's'}`);
  lines.push('', `${s.devices} PCI functions; kernel ${s.kernel === UNKNOWN_KERNEL ? c.yellow(`unknown (written as ${UNKNOWN_KERNEL}: 5.19+ rules assumed; pass --kernel)`) : s.kernel}`);
  lines.push(s.groups.state === 'known' ? `IOMMU groups: ${s.groups.count}` : s.groups.state === 'none' ? c.yellow('IOMMU groups: none (`IOMMU Group *`: the listing found no groups at all)')
    : c.yellow('IOMMU groups: unknown (no paste lists them)'));
  for (const [k, f] of Object.entries(s.facts)) {
    const words = FACT_WORDS[k] ?? k;
    lines.push(`  ${words}: ${f.unknown === 0 ? c.green(`known for all ${f.known}`) : f.known === 0 ? c.yellow(`unknown for all ${f.unknown}`) : `known for ${f.known}, ${c.yellow(`unknown for ${f.unknown}`)}`}`);
  }
  for (const [k, v] of Object.entries(s.host)) lines.push(`  ${k}: ${v}`);
  for (const n of s.notes) lines.push(`${c.cyan('note:')} ${n}`);
  for (const w of s.warnings.slice(0, 20)) lines.push(`${c.yellow('warning:')} ${w}`);
  if (s.warnings.length > 20) lines.push(`${c.yellow('warning:')} … and ${s.warnings.length - 20} more`);
  lines.push(c.dim('Unknown facts stay unknown: commands say "unknown" where a verdict needs them.'));
  return `${lines.join('\n')}\n`;
}
