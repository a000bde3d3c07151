import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { run, schemaErrors } from '../cli/testing/cli.js';
import { reportHtml } from './page.js';
import { reportData, type ReportData } from './report-data.js';
import { pciTree } from './tree.js';
import { inputOf } from './testing/report-input.js';
import { inspectHost } from '../assign/inspect.js';
import { lazyPciNames } from '../assign/pci-ids.js';

const desktop = () => inputOf({ kind: 'sample', name: 'desktop-gpu' }, ['--sample', 'desktop-gpu']);

test('the tree: root complex, root ports, endpoints below their port, VFs fanned out below their PF', async () => {
  const d = await desktop();
  const t = pciTree(d.host);
  assert.equal(t[0]?.id, 'pci0000:00');
  assert.equal(t[0]?.kind, 'root-complex');
  const at = (id: string) => t.find((n) => n.id === id);
  assert.equal(at('0000:00:01.0')?.kind, 'root-port');
  assert.equal(t[at('0000:01:00.0')?.parent ?? -1]?.id, '0000:00:01.0');
  assert.equal(t[at('0000:04:00.0')?.parent ?? -1]?.id, '0000:00:1c.2');
  assert.equal(t.length, d.host.pci.length + 1);
  assert.ok(t.every((n) => !n.collapsed), 'small hosts open fully expanded');
  const s = await inputOf({ kind: 'sample', name: 'server-sriov' });
  const ts = pciTree(s.host);
  const vf = ts.find((n) => n.id === '0000:01:02.0');
  assert.equal(vf?.kind, 'vf');
  assert.equal(ts[vf?.parent ?? -1]?.id, '0000:01:00.0');
  assert.ok(pciTree(s.host, { collapseAbove: 4 }).find((n) => n.id === '0000:01:00.0')?.collapsed, 'a VF fan collapses on large hosts');
});

test('report data: verdicts, blockers, the explain chain and a simulated plan per group', async () => {
  const data = await reportData(await desktop());
  const g8 = data.groups.find((g) => g.id === 8);
  assert.equal(g8?.verdict, 'held');
  assert.equal(g8?.state, 'needs-rebind');
  assert.equal(g8?.label, '✖ held by nvidia +3');
  assert.deepEqual(g8?.blockers.map((b) => b.driver), ['nvidia', 'snd_hda_intel', 'xhci_hcd', 'nvidia-gpu']);
  assert.match(g8?.reasons.join(' ') ?? '', /multifunction device \(slot 01:00\)/);
  assert.equal(g8?.plan?.command, 'dmaown plan 01:00.0 --allow-group-member 01:00.1 --allow-group-member 01:00.2 --allow-group-member 01:00.3 --sample desktop-gpu');
  assert.equal(g8?.plan?.sim?.ok, true);
  assert.equal(data.groups.find((g) => g.id === 1)?.verdict, 'infrastructure');
  assert.equal(data.groups.find((g) => g.id === 1)?.plan, null);
  assert.deepEqual({ ...data.totals }, { ready: 0, assignable: 0, held: 7, blocked: 0, 'in-use': 0, infrastructure: 3, unknown: 0, functions: 21, groups: 10 });
  assert.match(reportHtml(data), /<p id="totals">7 groups with devices: 0 ready, 0 assignable now, 7 held by host drivers, 0 blocked; 3 infrastructure<\/p>/);
  assert.equal(data.iommu.hardware, 'Intel VT-d (dmar0, dmar1)');
  assert.equal(data.acsOverride, null);
  // The sriov sample: a vfio-pci VF is ready; the PF's plan is refused (VFs enabled).
  const s = await reportData(await inputOf({ kind: 'sample', name: 'server-sriov' }));
  assert.equal(s.groups.find((g) => g.id === 11)?.verdict, 'ready');
  assert.equal(s.groups.find((g) => g.id === 7)?.verdict, 'blocked');
  assert.equal(s.groups.find((g) => g.id === 7)?.label, '⊘ blocked: SR-IOV PF with VFs');
  assert.deepEqual(s.groups.find((g) => g.id === 7)?.plan?.refusals.map((r) => r.code), ['sriov-pf']);
});

test('simulations are capped on large hosts and the page says which were not run', async () => {
  const data = await reportData(await desktop(), { simulateLimit: 2 });
  assert.equal(data.simulated.done, 2);
  // The GPU's group first, then the lowest group id with an endpoint.
  assert.deepEqual(data.groups.filter((g) => g.plan?.sim).map((g) => g.id), [3, 8]);
});

test('ACS override: the header warns', async () => {
  const d = await desktop();
  const host = { ...d.host, cmdline: [...d.host.cmdline, 'pcie_acs_override=downstream,multifunction'] };
  const data = await reportData({ ...d, host, view: inspectHost({ host, names: lazyPciNames([]) }) });
  assert.match(data.acsOverride ?? '', /^pcie_acs_override=downstream,multifunction: .*do not reflect hardware isolation/);
  assert.match(reportHtml(data), /id="acs-override"/);
});

test('the HTML is self-contained: a CSP that forbids fetching, no external URL, hostile strings escaped', async () => {
  const d = await desktop();
  const data = await reportData(d);
  const evil = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';
  const hostile: ReportData = { ...data, label: evil, nodes: data.nodes.map((n) => (n.dev ? { ...n, dev: { ...n.dev, driver: evil, deviceName: evil } } : n)) };
  const html = reportHtml(hostile);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-[^"]*connect-src &#39;none&#39;/);
  assert.doesNotMatch(html, /<script>alert|<img src=x/);
  assert.doesNotMatch(html, /\b(src|href)="(https?:)?\/\//);
  assert.equal((html.match(/<script\b/g) ?? []).length, 2, 'the data and the one script');
  // The data round-trips through the page's JSON island.
  const island = /<script type="application\/octet-stream" id="dmaown-data" data-encoding="gzip\+base64">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
  assert.match(island, /^[A-Za-z0-9+/=]+$/);
  assert.equal((JSON.parse(gunzipSync(Buffer.from(island, 'base64')).toString('utf8')) as ReportData).label, evil);
});

test('dmaown report: --html FILE writes the page; --html - prints it; missing --html and unwritable paths are exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-report-'));
  try {
    const f = join(dir, 'r.html');
    const r = await run(['report', '--html', f, '--sample', 'desktop-gpu', '--json']);
    assert.equal(r.code, 0, r.err);
    const summary = JSON.parse(r.out) as { schema: string; bytes: number; groups: number };
    assert.equal(schemaErrors(summary), null);
    assert.equal(summary.groups, 10);
    assert.equal(readFileSync(f).length, summary.bytes);
    const out = await run(['report', '--html', '-', '--sample', 'desktop-gpu']);
    assert.equal(out.code, 0);
    assert.match(out.out, /^<!doctype html>/);
    const none = await run(['report', '--sample', 'desktop-gpu']);
    assert.equal(none.code, 2);
    assert.match(none.err, /--html FILE is required/);
    const bad = await run(['report', '--html', join(dir, 'no/such/dir/r.html'), '--sample', 'desktop-gpu']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /cannot write .*ENOENT/);
    const cap = await run(['report', '--html', f, '--capture', join(dir, 'missing.json')]);
    assert.equal(cap.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a host without IOMMU groups: the report draws the tree and puts the diagnosis in the header (never a sample)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-report-'));
  try {
    const src = JSON.parse(readFileSync(join(process.cwd(), 'samples', 'desktop-gpu.json'), 'utf8')) as { entries: Record<string, unknown>; cmdline: string[] };
    src.entries = Object.fromEntries(Object.entries(src.entries).filter(([k]) => !/iommu/.test(k)));
    src.cmdline = [];
    const cap = join(dir, 'no-iommu.json');
    writeFileSync(cap, JSON.stringify(src));
    const r = await run(['report', '--html', '-', '--capture', cap]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /<p class="warn" id="diagnosis">This host has no IOMMU groups\. /);
    assert.equal((r.out.match(/<g class="grp/g) ?? []).length, 0);
    assert.equal((r.out.match(/data-bdf="/g) ?? []).length, 21);
    assert.doesNotMatch(r.out, /SAMPLE HOST/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
