import { err, ok, type Result } from '../model/errno.js';

/** The per-device facts an import records provenance for (and lists as unknown when no paste had them). */
export const PARTIAL_FACTS = ['ids', 'group', 'driver', 'config', 'parent'] as const;
export type PartialFact = (typeof PARTIAL_FACTS)[number];

/**
 * The `partial` member of a capture made by `dmaown import` (readers that do not know it ignore it,
 * as sysfs-capture/1 requires): which inputs were read, where every fact came from, and which facts
 * are unknown. Unknown is never absent: a device whose driver is unknown is not "unbound", a host
 * whose groups are unknown is not "without IOMMU groups".
 */
export interface PartialSection {
  readonly tool: string;
  readonly sources: readonly { readonly file: string; readonly formats: readonly string[] }[];
  /** known: some paste gave groups; none: `IOMMU Group *` (no groups at all); unknown: no paste said. */
  readonly groups: 'known' | 'none' | 'unknown';
  readonly kernel: 'known' | 'given' | 'unknown';
  /**
   * Group numbers below the highest one that no paste lists (the kernel numbers groups from 0 without
   * gaps on a host that has not hot-removed devices): the listing was filtered or cut, so any listed
   * group may have members the pastes do not show. Absent or empty: no gap.
   */
  readonly missingGroups?: readonly number[];
  /** Host-wide facts (iommu on/off, kernel, cmdline) with where they were read. */
  readonly host: Readonly<Record<string, string>>;
  /** Per BDF: fact → "file:line (format)". */
  readonly facts: Readonly<Record<string, Partial<Record<PartialFact, string>>>>;
  /** Per BDF: the facts no paste carried. */
  readonly unknown: Readonly<Record<string, readonly PartialFact[]>>;
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
}

/** What commands need from a `partial` section, checked. */
export interface PartialView {
  readonly section: PartialSection;
  readonly unknownDriver: ReadonlySet<string>;
  readonly unknownConfig: ReadonlySet<string>;
  readonly unknownGroup: ReadonlySet<string>;
  readonly unknownParent: ReadonlySet<string>;
  readonly unknownIds: ReadonlySet<string>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const MAX_ITEMS = 1_000_000;

/**
 * Validates a capture's `partial` member (hostile input: type and size of every field checked).
 * Absent → null. Errors: EINVAL naming the file and the field.
 */
export function readPartial(v: unknown, file: string): Result<PartialView | null> {
  if (v === undefined) return ok(null);
  const bad = (what: string) => err('EINVAL', `${file}: "partial".${what}`);
  if (!isRecord(v)) return bad(' must be an object');
  const { tool, sources, groups, kernel, host, facts, unknown, notes, warnings } = v;
  if (typeof tool !== 'string') return bad('tool must be a string');
  if (!Array.isArray(sources) || sources.length > MAX_ITEMS || !sources.every((s) => isRecord(s) && typeof s['file'] === 'string' && strings(s['formats']))) return bad('sources must be a list of {file, formats}');
  if (groups !== 'known' && groups !== 'none' && groups !== 'unknown') return bad('groups must be "known", "none" or "unknown"');
  if (kernel !== 'known' && kernel !== 'given' && kernel !== 'unknown') return bad('kernel must be "known", "given" or "unknown"');
  if (!isRecord(host) || !Object.values(host).every((x) => typeof x === 'string')) return bad('host must map names to strings');
  if (!isRecord(facts) || !Object.values(facts).every((x) => isRecord(x) && Object.values(x).every((y) => typeof y === 'string'))) return bad('facts must map BDFs to {fact: "where"}');
  if (!isRecord(unknown)) return bad('unknown must map BDFs to lists of facts');
  const sets: Record<PartialFact, Set<string>> = { ids: new Set(), group: new Set(), driver: new Set(), config: new Set(), parent: new Set() };
  for (const [bdf, list] of Object.entries(unknown)) {
    if (!strings(list) || list.length > PARTIAL_FACTS.length) return bad(`unknown["${bdf.slice(0, 40)}"] must be a list of fact names`);
    for (const f of list) {
      if (!(PARTIAL_FACTS as readonly string[]).includes(f)) return bad(`unknown["${bdf.slice(0, 40)}"]: unknown fact "${f.slice(0, 40)}" (expected ${PARTIAL_FACTS.join(', ')})`);
      sets[f as PartialFact].add(bdf);
    }
  }
  if (!strings(notes) || !strings(warnings)) return bad('notes and warnings must be lists of strings');
  const missing = v['missingGroups'];
  if (missing !== undefined && (!Array.isArray(missing) || missing.length > MAX_ITEMS || !missing.every((n) => Number.isSafeInteger(n) && (n as number) >= 0))) return bad('missingGroups must be a list of group numbers');
  return ok({
    section: v as unknown as PartialSection,
    unknownDriver: sets.driver, unknownConfig: sets.config, unknownGroup: sets.group, unknownParent: sets.parent, unknownIds: sets.ids,
  });
}
