/**
 * The NFD feature file against NFD's documented rules (node-feature-discovery docs, customization
 * guide "Local feature source" → "Input format"; nfd-master's label validation):
 * - a file larger than 65536 bytes is ignored entirely;
 * - lines are `<key>[=<value>]`, `#` comments, directives `# +expiry-time=<RFC 3339>`, `# +no-label`,
 *   `# +no-feature` (anything else after `# +` is an error);
 * - the key must carry a namespace (`<namespace>/<name>`); kubernetes.io and its subdomains are denied
 *   except feature.node.kubernetes.io and `*.feature.node.kubernetes.io`;
 * - the key is a Kubernetes qualified name: prefix a DNS subdomain (≤253), name ≤63 of [A-Za-z0-9._-]
 *   with alphanumeric ends; the value a label value (≤63, same alphabet, or empty);
 * - dot files are ignored, so a writer's temporary file must start with '.'.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { run } from '../cli/testing/cli.js';
import { exportHosts, noGroupsCapture } from './testing/captures.js';
import { NFD_PREFIX, nfdText, rfc3339 } from './nfd.js';
import { tempName } from './atomic-write.js';

const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** NFD's reading of a feature file at time `now`: the labels it would create, or the rule broken. */
export function nfdAccepts(text: string, now: Date): { labels: Map<string, string> } | { error: string } {
  if (Buffer.byteLength(text) > 65536) return { error: 'file size limit exceeded (65536 bytes)' };
  const labels = new Map<string, string>();
  let expiry = now;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!line.startsWith('# +')) continue;
      const [key, value] = line.slice(3).split(/=(.*)/s);
      if (key === 'expiry-time') {
        if (value === undefined || !RFC3339.test(value.trim())) return { error: `bad expiry-time: ${line}` };
        expiry = new Date(value.trim());
      } else if (key !== 'no-label' && key !== 'no-feature') return { error: `unknown directive ${key}` };
      continue;
    }
    if (expiry.getTime() < now.getTime()) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq), value = eq < 0 ? 'true' : line.slice(eq + 1);
    const slash = key.indexOf('/');
    if (slash < 0) return { error: `unprefixed key ${key}` };
    const ns = key.slice(0, slash), name = key.slice(slash + 1);
    if (ns.length > 253 || !DNS_SUBDOMAIN.test(ns)) return { error: `namespace ${ns} is not a DNS subdomain` };
    if ((ns === 'kubernetes.io' || ns.endsWith('.kubernetes.io')) && ns !== 'feature.node.kubernetes.io' && !ns.endsWith('.feature.node.kubernetes.io')) {
      return { error: `namespace ${ns} is not allowed` };
    }
    if (!NAME.test(name)) return { error: `name ${name} is not a qualified name part` };
    if (value !== '' && !NAME.test(value)) return { error: `value ${value} of ${key} is not a label value` };
    labels.set(key, value);
  }
  return { labels };
}

test('the checker is real: it rejects what NFD rejects', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  assert.ok('error' in nfdAccepts('x'.repeat(65537), now));
  assert.ok('error' in nfdAccepts('foo=bar\n', now));
  assert.ok('error' in nfdAccepts('kubernetes.io/foo=bar\n', now));
  assert.ok('error' in nfdAccepts(`${NFD_PREFIX}/a=${'v'.repeat(64)}\n`, now));
  assert.ok('error' in nfdAccepts(`${NFD_PREFIX}/-a=1\n`, now));
  assert.ok('error' in nfdAccepts('# +expiry-time=tomorrow\n', now));
  assert.ok('error' in nfdAccepts('# +frobnicate\n', now));
  const ok = nfdAccepts('# +expiry-time=2025-01-01T00:00:00Z\nvendor.io/old=1\n# +expiry-time=2027-01-01T00:00:00Z\nvendor.io/new=2\n', now);
  assert.ok('labels' in ok);
  assert.deepEqual([...ok.labels], [['vendor.io/new', '2']]);
});

test('every shared capture, sample and the host without groups: NFD accepts every line, and the labels expire', async () => {
  const now = new Date();
  for (const h of exportHosts()) {
    const r = await run(['export', '--format', 'nfd', '--capture', h.file]);
    assert.equal(r.code, 0, `${h.name}: ${r.err}`);
    const a = nfdAccepts(r.out, now);
    assert.ok('labels' in a, `${h.name}: ${'error' in a ? a.error : ''}`);
    assert.ok(a.labels.size >= 10, h.name);
    for (const k of a.labels.keys()) assert.ok(k.startsWith(`${NFD_PREFIX}/`), k);
    assert.equal(a.labels.get(`${NFD_PREFIX}/iommu.enabled`), h.file === noGroupsCapture() ? 'false' : 'true', h.name);
    // After the expiry (10 minutes by default) NFD creates none of them.
    const later = nfdAccepts(r.out, new Date(now.getTime() + 11 * 60_000));
    assert.ok('labels' in later && later.labels.size === 0, `${h.name}: labels outlive the expiry`);
  }
});

test('labels say what a scheduler needs: viable GPU group, vfio-pci loaded, counts per class', async () => {
  const r = await run(['export', '--format', 'nfd', '--sample', 'server-sriov']);
  const a = nfdAccepts(r.out, new Date());
  assert.ok('labels' in a);
  const l = (k: string): string | undefined => a.labels.get(`${NFD_PREFIX}/${k}`);
  assert.equal(l('vfio-pci.loaded'), 'true');
  assert.equal(l('gpu.viable-group'), 'false');
  assert.equal(l('class-0200.ready'), '1'); // the VF already on vfio-pci
  assert.equal(l('class-0108.ready'), '1'); // the NVMe already on vfio-pci
  assert.equal(l('groups.ready'), '2');
  const ng = await run(['export', '--format', 'nfd', '--capture', noGroupsCapture()]);
  const b = nfdAccepts(ng.out, new Date());
  assert.ok('labels' in b);
  assert.equal(b.labels.get(`${NFD_PREFIX}/iommu.no-groups-cause`), 'vm-without-viommu');
});

test('--ttl and --watch set the expiry; never below three watch intervals', async () => {
  const r = await run(['export', '--format', 'nfd', '--sample', 'desktop-gpu', '--ttl', '2h']);
  const m = /^# \+expiry-time=(\S+)$/m.exec(r.out);
  assert.ok(m);
  const ahead = new Date(m[1] as string).getTime() - Date.now();
  assert.ok(ahead > 119 * 60_000 && ahead <= 120 * 60_000, String(ahead));
  assert.equal(rfc3339(new Date('2026-12-05T02:33:59.123Z')), '2026-12-05T02:33:59Z');
  const bad = await run(['export', '--format', 'nfd', '--sample', 'desktop-gpu', '--ttl', 'soon']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--ttl soon: not a duration/);
});

test('a file over 64 KiB is refused rather than written for NFD to ignore', async () => {
  const { hostFacts } = await import('./facts.js');
  const view = { kernel: `6.8.0-${'x'.repeat(70000)}`, era: 'ownership' as const, groups: [], ungrouped: [], drivers: [], modules: null, acsOverride: null, modelNote: null, iommufdHolders: [], holdersSeen: 'none' as const };
  const r = nfdText(hostFacts({ view, cmdline: [], source: 't', noGroups: null, now: new Date() }), { expiry: new Date() });
  assert.equal(r.ok, false);
});

test("the atomic writer's temporary file is a dot file, which NFD's local source skips", () => {
  assert.ok(basename(tempName('/etc/kubernetes/node-feature-discovery/features.d/dmaown', 42, 0)).startsWith('.'));
});
