import { err, ok, type Result } from '../model/errno.js';
import type { DeviceFacts, Fact, HostFacts, PasteFormat, PasteIssue, PasteRead } from './facts.js';
import { compareFact } from './sink.js';

/** Several pastes of one host, fact by fact, each fact keeping the input and line it came from. */
export interface CombinedPastes {
  readonly sources: readonly { readonly file: string; readonly formats: readonly PasteFormat[] }[];
  readonly devices: ReadonlyMap<string, DeviceFacts>;
  readonly host: HostFacts;
  readonly warnings: readonly PasteIssue[];
  readonly notes: readonly PasteIssue[];
}

/** Conflicts listed in an error before "and N more". */
const SHOWN_CONFLICTS = 5;

/**
 * Combines the reads of several inputs (a group listing, `lspci -nnk`, `lspci -vvv`, …) of one host.
 * Errors (EINVAL): contradictions a single host cannot have — one BDF with two vendor:device ids or in
 * two groups, within one input or across inputs — named by file and line: two machines were pasted.
 * A driver that differs between inputs is a warning (it may have been rebound between them).
 */
export function combinePastes(reads: readonly PasteRead[]): Result<CombinedPastes> {
  const devices = new Map<string, DeviceFacts>();
  const host: HostFacts = {};
  const warnings: PasteIssue[] = [];
  const notes: PasteIssue[] = [];
  const conflicts: PasteIssue[] = [];
  for (const r of reads) {
    conflicts.push(...r.conflicts);
    warnings.push(...r.warnings);
    notes.push(...r.notes);
    for (const [bdf, d] of r.devices) {
      const into = devices.get(bdf) as Record<string, unknown> | undefined;
      if (into === undefined) { devices.set(bdf, { ...d }); continue; }
      for (const [key, f] of Object.entries(d)) {
        if (key === 'bdf' || f === undefined) continue;
        const old = into[key] as Fact<unknown> | undefined;
        if (old === undefined) { into[key] = f; continue; }
        const c = compareFact(key, old, f as Fact<unknown>);
        if (c.merged !== undefined) into[key] = c.merged;
        if (c.conflict !== undefined) (c.fatal ? conflicts : warnings).push({ file: (f as Fact<unknown>).from.file, line: (f as Fact<unknown>).from.line, message: `${bdf}: ${c.conflict}` });
      }
    }
    for (const [key, f] of Object.entries(r.host) as [keyof HostFacts, Fact<unknown>][]) {
      const old = host[key] as Fact<unknown> | undefined;
      if (old === undefined) { (host as Record<string, Fact<unknown>>)[key] = f; continue; }
      const c = compareFact(key, old, f);
      if (c.conflict !== undefined) {
        const issue = { file: f.from.file, line: f.from.line, message: c.conflict };
        if (key === 'kernel') conflicts.push(issue); else warnings.push(issue);
      }
    }
  }
  if (conflicts.length > 0) {
    const shown = conflicts.slice(0, SHOWN_CONFLICTS).map((c) => `  ${c.file}:${c.line}: ${c.message}`);
    const more = conflicts.length > SHOWN_CONFLICTS ? `\n  … and ${conflicts.length - SHOWN_CONFLICTS} more` : '';
    return err('EINVAL', `these pastes contradict each other, as two different hosts would (import one host at a time):\n${shown.join('\n')}${more}`);
  }
  return ok({ sources: reads.map((r) => ({ file: r.file, formats: r.formats })), devices, host, warnings, notes });
}
