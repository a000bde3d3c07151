import { deviceReady, GROUP_STATES, hex, type HostFacts } from './facts.js';

/**
 * A Node Feature Discovery feature file for the `local` source
 * (`/etc/kubernetes/node-feature-discovery/features.d/dmaown`): one `<name>=<value>` per line,
 * `#` comments, and `# +expiry-time=<RFC 3339>` before the labels so a file that stops being
 * refreshed stops labelling the node. Within NFD's documented limits (customization guide, "Local
 * feature source"; nfd-master's label validation):
 * - the file is at most 65536 bytes (NFD ignores a larger file entirely);
 * - names are Kubernetes qualified names with a prefix: the prefix a DNS subdomain of at most 253
 *   characters, the name at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric; the prefix
 *   `dmaown.feature.node.kubernetes.io` is a sub-namespace of feature.node.kubernetes.io, which
 *   nfd-master allows without -extra-label-ns;
 * - values are valid label values: at most 63 characters of the same set, or empty.
 * No value changes on every run (no timestamps in labels), so a refresh does not rewrite the Node.
 */
export const NFD_PREFIX = 'dmaown.feature.node.kubernetes.io';
export const NFD_MAX_FILE_BYTES = 65536;

export interface NfdOptions {
  /** When the labels stop counting if the file is not rewritten. */
  readonly expiry: Date;
}

/** Seconds precision, 'Z' suffix: RFC 3339 as Go's time.RFC3339 parses it. */
export function rfc3339(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** The labels (name without prefix → value), in output order. */
export function nfdLabels(f: HostFacts): Map<string, string> {
  const l = new Map<string, string>();
  l.set('iommu.enabled', String(f.iommuEnabled));
  l.set('iommu.groups', String(f.groups.length));
  if (f.noGroups !== null) l.set('iommu.no-groups-cause', f.noGroups.cause);
  l.set('vfio-pci.loaded', String(f.vfioPci === 'loaded' || f.vfioPci === 'builtin'));
  l.set('vfio-pci.module', f.vfioPci);
  l.set('acs-override', String(f.acsOverride !== null));
  l.set('noiommu', String(f.noIommu));
  const endpoint = f.groups.filter((g) => g.kind === 'endpoint');
  for (const s of GROUP_STATES) if (s !== 'infrastructure') l.set(`groups.${s}`, String(endpoint.filter((g) => g.state === s).length));
  const gpuGroups = endpoint.filter((g) => g.devices.some((d) => d.class >> 16 === 0x03));
  l.set('gpu.viable-group', String(gpuGroups.some((g) => g.viable)));
  l.set('gpu.ready', String(gpuGroups.flatMap((g) => g.devices.filter((d) => d.class >> 16 === 0x03 && deviceReady(d, g))).length));
  // Per PCI class (base class + subclass, 4 hex digits): how many functions are ready / in viable groups.
  const perClass = new Map<string, { ready: number; viable: number }>();
  for (const g of endpoint) {
    for (const d of g.devices) {
      if (d.infrastructure !== null) continue;
      const c = hex(d.class >> 8, 4);
      const e = perClass.get(c) ?? { ready: 0, viable: 0 };
      if (deviceReady(d, g)) e.ready++;
      if (g.viable) e.viable++;
      perClass.set(c, e);
    }
  }
  for (const [c, e] of [...perClass].sort(([a], [b]) => a.localeCompare(b))) {
    if (e.ready > 0) l.set(`class-${c}.ready`, String(e.ready));
    if (e.viable > 0) l.set(`class-${c}.viable`, String(e.viable));
  }
  return l;
}

/** Kubernetes label value: empty, or ≤63 of [A-Za-z0-9._-] starting and ending alphanumeric. */
export function validLabelValue(v: string): boolean {
  return v === '' || (v.length <= 63 && /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(v));
}

/** The feature file. Errors only if it would exceed NFD's size limit (it cannot for any real host). */
export function nfdText(f: HostFacts, o: NfdOptions): { ok: true; value: string } | { ok: false; why: string } {
  const lines = [
    `# dmaown: IOMMU groups and DMA ownership of this node (${f.kernel}); written by \`dmaown export --format nfd\``,
    `# +expiry-time=${rfc3339(o.expiry)}`,
  ];
  for (const [k, v] of nfdLabels(f)) lines.push(`${NFD_PREFIX}/${k}=${v}`);
  const text = `${lines.join('\n')}\n`;
  const bytes = Buffer.byteLength(text);
  if (bytes > NFD_MAX_FILE_BYTES) return { ok: false, why: `the feature file would be ${bytes} bytes, over NFD's limit of ${NFD_MAX_FILE_BYTES}` };
  return { ok: true, value: text };
}
