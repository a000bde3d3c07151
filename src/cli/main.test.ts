import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDir } from '../testing/shared.js';
import { readCaptureFile, materializeCapture } from '../host/index.js';
import { run, schemaErrors } from './testing/cli.js';

const hosts = readdirSync(join(sharedDir(), 'hosts')).filter((f) => f.endsWith('.json')).map((f) => join(sharedDir(), 'hosts', f));
const samples = ['desktop-gpu', 'server-sriov'];
const IDS = ['--pci-ids', '/nonexistent/pci.ids'];
const ESC = '\u001b[';

for (const file of hosts) {
  test(`status on ${file.split('/').pop()}: text and JSON valid against dmaown-status/1`, async () => {
    const t = await run(['--capture', file, ...IDS]);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /IOMMU group \d+/);
    const j = await run(['status', '--capture', file, '--json']);
    assert.equal(j.code, 0, j.err);
    const doc = JSON.parse(j.out) as { schema: string; groups: { id: number; devices: { bdf: string }[] }[] };
    assert.equal(schemaErrors(doc), null);
    assert.ok(doc.groups.length > 0);
  });
}

for (const s of samples) {
  test(`status on sample ${s}: labelled, JSON valid`, async () => {
    const j = await run(['--sample', s, '--json']);
    assert.equal(j.code, 0, j.err);
    const doc = JSON.parse(j.out) as { schema: string; host: { label: string; kind: string } };
    assert.equal(schemaErrors(doc), null);
    assert.equal(doc.host.kind, 'sample');
    assert.equal(doc.host.label, `sample ${s}`);
  });
}

test('the minimum JSON shape: groups[].id, devices[].bdf/driver, assignable, blockers[].bdf/driver', async () => {
  const j = await run(['--sample', 'desktop-gpu', '--json']);
  const doc = JSON.parse(j.out) as { groups: { id: number; assignable: boolean; devices: { bdf: string; driver: string }[]; blockers: { bdf: string; driver: string }[] }[] };
  const g = doc.groups.find((x) => x.devices.some((d) => d.bdf === '0000:01:00.0'));
  assert.ok(g);
  assert.equal(g.assignable, false);
  assert.equal(g.devices[0]?.driver, 'nvidia');
  assert.ok(g.blockers.some((b) => b.bdf === '0000:01:00.1' && b.driver === 'snd_hda_intel'));
});

test('no IOMMU groups here: JSON describes this host (groups: [], a diagnosis object); a terminal also sees a labelled sample', async () => {
  const j = await run(['--json']);
  assert.equal(j.code, 0, j.err);
  const doc = JSON.parse(j.out) as { schema: string; diagnosis: { code: string; evidence: string[]; remedy: string } | null; groups: unknown[]; host: { kind: string } };
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.host.kind, 'live', 'never a sample in JSON');
  if (doc.groups.length > 0) { assert.equal(doc.diagnosis, null); return; }
  assert.ok(doc.diagnosis);
  assert.ok(doc.diagnosis.evidence.length > 0);
  if (doc.diagnosis.code === 'vm-without-viommu') assert.doesNotMatch(doc.diagnosis.remedy, /enable (VT-d|AMD-Vi|the IOMMU) in the firmware/);
  const pipe = await run([]);
  assert.match(pipe.out, /This host has no IOMMU groups/);
  assert.doesNotMatch(pipe.out, /SAMPLE HOST/, 'no sample for a pipe');
  const tty = await run([], { isTTY: true, env: { NO_COLOR: '1' } });
  assert.match(tty.out, /This host has no IOMMU groups[\s\S]*SAMPLE HOST "desktop-gpu" — not this machine/);
  for (const cmd of [['check', '00:00.0'], ['plan', '00:00.0'], ['explain']]) {
    const r = await run([...cmd, '--json']);
    const d = JSON.parse(r.out || '{}') as { diagnosis?: { code: string } | null };
    assert.equal(d.diagnosis?.code, doc.diagnosis.code, `${cmd.join(' ')}: the same diagnosis (${r.err})`);
  }
});

test('check: the GPU of the x570 needs its group members (exit 1), JSON valid', async () => {
  const file = join(sharedDir(), 'hosts', 'amd-x570-rtx2060s-5.15.json');
  const r = await run(['check', '09:00.0', '--capture', file, '--json']);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.out) as { schema: string; groups: { verdict: string; blockers: unknown[] }[] };
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.groups[0]?.verdict, 'needs-group-members');
  const t = await run(['check', '09:00.0', '--capture', file, ...IDS]);
  assert.match(t.out, /group 23: assignable with the other members\n {2}consent needed: --allow-group-member 09:00.1 --allow-group-member 09:00.2/);
});

test('check: a device already on vfio-pci in its own group is ready (exit 0), and its plan has no step', async () => {
  const r = await run(['check', '0000:04:00.0', '--sample', 'server-sriov', '--json']);
  assert.equal(r.code, 0, r.out);
  assert.equal((JSON.parse(r.out) as { groups: { verdict: string }[] }).groups[0]?.verdict, 'ready');
  const p = await run(['plan', '0000:04:00.0', '--sample', 'server-sriov', '--json']);
  assert.equal(p.code, 0, p.err);
  assert.deepEqual((JSON.parse(p.out) as { steps: unknown[] }).steps, [], 'no rewritten driver_override, no verify');
  const t = await run(['plan', '0000:04:00.0', '--sample', 'server-sriov']);
  assert.match(t.out, /Ready: every device is already on vfio-pci in a viable group — nothing to do/);
});

test('plan: the whole GPU group, simulated viable; {"steps":[...],"simulated":{"ok":true}}', async () => {
  const r = await run(['plan', '01:00.0', '--sample', 'desktop-gpu', '--json',
    '--allow-group-member', '01:00.1', '--allow-group-member', '01:00.2', '--allow-group-member', '01:00.3']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { schema: string; steps: unknown[]; simulated: { ok: boolean; groups: { viable: boolean }[] } };
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.steps.length, 16);
  assert.equal(doc.simulated.ok, true);
  assert.equal(doc.simulated.groups[0]?.viable, true);
});

test('plan refusals exit 1: SR-IOV PF with VFs, bridge; JSON valid', async () => {
  const pf = await run(['plan', '01:00.0', '--sample', 'server-sriov', '--json']);
  assert.equal(pf.code, 1);
  const doc = JSON.parse(pf.out) as { schema: string; refusals: { code: string }[] };
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.refusals[0]?.code, 'sriov-pf');
  const br = await run(['plan', '00:01.0', '--sample', 'desktop-gpu', ...IDS]);
  assert.equal(br.code, 1);
  assert.match(br.out, /bridge/);
});

test('usage and input errors exit 2', async () => {
  assert.equal((await run(['check', 'zz:00.0', '--sample', 'desktop-gpu'])).code, 2);
  assert.equal((await run(['--bogus'])).code, 2);
  assert.equal((await run(['--sample', 'nope'])).code, 2);
  assert.equal((await run(['--capture', '/nonexistent.json'])).code, 2);
  assert.equal((await run(['check'])).code, 2);
});

test('--help shows examples and exit codes; --version prints the version', async () => {
  const h = await run(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /Exit codes: 0 ok; 1/);
  assert.match(h.out, /\$ dmaown plan 01:00.0/);
  const p = await run(['plan', '--help']);
  assert.match(p.out, /--allow-group-member/);
  const v = await run(['--version']);
  assert.match(v.out, /^\d+\.\d+\.\d+/);
});

test('colour only on a TTY and never with NO_COLOR', async () => {
  const args = ['--sample', 'desktop-gpu', ...IDS];
  assert.ok(!(await run(args)).out.includes(ESC));
  assert.ok((await run(args, { isTTY: true })).out.includes(ESC));
  assert.ok(!(await run(args, { isTTY: true, env: { NO_COLOR: '1' } })).out.includes(ESC));
  assert.ok(!(await run([...args, '--no-color'], { isTTY: true })).out.includes(ESC));
});

test('apply is a dry run without --yes; --yes on a capture is refused (exit 2), nothing written', async () => {
  const args = ['apply', '02:00.0', '--sample', 'desktop-gpu'];
  const d = await run([...args, '--json']);
  assert.equal(d.code, 0, d.out);
  const doc = JSON.parse(d.out) as { schema: string; dryRun: boolean; result: unknown };
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.dryRun, true);
  assert.equal(doc.result, null);
  const y = await run([...args, '--yes', '--state-dir', '/nonexistent/state']);
  assert.equal(y.code, 2);
  assert.match(y.err, /capture, not a host/);
});

test('apply a plan file to a sysfs tree (no kernel behind it: nothing binds) rolls back; restore is clean', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-cli-'));
  try {
    const c = readCaptureFile(join(process.cwd(), 'samples', 'desktop-gpu.json'));
    assert.ok(c.ok);
    const m = materializeCapture(c.value, join(dir, 'root'));
    assert.ok(m.ok);
    const p = await run(['plan', '02:00.0', '--sysfs-root', join(dir, 'root'), '--json']);
    assert.equal(p.code, 0, p.err + p.out);
    writeFileSync(join(dir, 'plan.json'), p.out);
    const overridePath = join(dir, 'root/sys/devices/pci0000:00/0000:00:06.0/0000:02:00.0/driver_override');
    const before = readFileSync(overridePath, 'utf8');
    const a = await run(['apply', join(dir, 'plan.json'), '--yes', '--sysfs-root', join(dir, 'root'), '--state-dir', join(dir, 'state'), '--json']);
    assert.equal(a.code, 1, a.err);
    const doc = JSON.parse(a.out) as { schema: string; result: { ok: boolean; restored: boolean; failure: { errno: string } }; journal: string };
    assert.equal(schemaErrors(doc), null);
    assert.equal(doc.result.ok, false);
    assert.equal(doc.result.restored, true);
    assert.equal(readFileSync(overridePath, 'utf8').trim() || '(null)', before.trim());
    // A process holding the group: restore refuses (an unbind of vfio-pci would block), writes nothing.
    mkdirSync(join(dir, 'root/proc/999/fd'), { recursive: true });
    writeFileSync(join(dir, 'root/proc/999/comm'), 'qemu-system-x86\n');
    symlinkSync('/dev/vfio/9', join(dir, 'root/proc/999/fd/3'));
    const held = await run(['restore', doc.journal, '--yes', '--sysfs-root', join(dir, 'root'), '--state-dir', join(dir, 'state')]);
    assert.equal(held.code, 1);
    assert.match(held.err, /0000:02:00.0 \(group 9\) is held open by qemu-system-x86 \(pid 999\) through \/dev\/vfio\/9/);
    rmSync(join(dir, 'root/proc/999'), { recursive: true });
    const dry = await run(['restore', doc.journal, '--sysfs-root', join(dir, 'root'), '--state-dir', join(dir, 'state'), '--json']);
    const dd = JSON.parse(dry.out) as { schema: string; dryRun: boolean; steps: unknown[]; planned: string[] };
    assert.equal(schemaErrors(dd), null);
    assert.deepEqual([dry.code, dd.dryRun, dd.steps.length], [0, true, 0], 'restore without --yes writes nothing');
    // The apply was rolled back, so every device already matches the journal: restore says so and
    // lists no steps (issue #12: "When everything already matches, it says so and lists no steps").
    assert.deepEqual(dd.planned, []);
    const r = await run(['restore', doc.journal, '--yes', '--sysfs-root', join(dir, 'root'), '--state-dir', join(dir, 'state'), '--json']);
    const rd = JSON.parse(r.out) as { schema: string; ok: boolean; state: string };
    assert.equal(schemaErrors(rd), null);
    assert.equal(rd.state, 'rolled-back');
    assert.equal(r.code, 0, r.out);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('check takes the consent it asks for: with every --allow-group-member it names, the verdict is needs-rebind (exit 0)', async () => {
  const first = await run(['check', '01:00.0', '--sample', 'desktop-gpu', '--json']);
  const consent = (JSON.parse(first.out) as { groups: { consent: string[] }[] }).groups[0]?.consent ?? [];
  assert.deepEqual(consent, ['0000:01:00.1', '0000:01:00.2', '0000:01:00.3']);
  const again = await run(['check', '01:00.0', '--sample', 'desktop-gpu', '--json', ...consent.flatMap((b) => ['--allow-group-member', b])]);
  assert.equal(again.code, 0, again.err);
  const doc = JSON.parse(again.out) as { schema: string; groups: { verdict: string; allowed: string[] }[] };
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.groups[0]?.verdict, 'needs-rebind');
  assert.deepEqual(doc.groups[0]?.allowed, consent);
  const help = await run(['check', '--help']);
  for (const o of ['--capture', '--sample', '--sysfs-root', '--json', '--allow-group-member']) assert.match(help.out, new RegExp(o), `check --help lists ${o}`);
});

test('a capture whose evidence.modules is malformed is an input error naming the field (exit 2); an absent driver module refuses the plan', async () => {
  const { mkdtempSync, writeFileSync, readFileSync: read } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-evidence-'));
  const src = JSON.parse(read(join(sharedDir(), 'hosts', 'amd-x570-rtx2060s-5.15.json'), 'utf8')) as Record<string, unknown>;
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ ...src, evidence: { modules: { vfio_pci: 'maybe' } } }));
  const r = await run(['plan', '0b:00.0', '--capture', bad]);
  assert.equal(r.code, 2);
  assert.match(r.err, /bad\.json: "evidence"\.modules\.vfio_pci must be one of loaded, builtin, available, absent; got "maybe"/);
  const absent = join(dir, 'absent.json');
  writeFileSync(absent, JSON.stringify({ ...src, evidence: { modules: { vfio_pci: 'absent' } } }));
  const p = await run(['plan', '0b:00.0', '--capture', absent, '--json']);
  assert.equal(p.code, 1);
  assert.ok((JSON.parse(p.out) as { refusals: { code: string }[] }).refusals.some((x) => x.code === 'driver-unavailable'));
  const available = join(dir, 'available.json');
  writeFileSync(available, JSON.stringify({ ...src, evidence: { modules: { vfio_pci: 'available' } } }));
  const ok = await run(['plan', '0b:00.0', '--capture', available, '--json']);
  assert.equal(ok.code, 0, ok.err);
  const doc = JSON.parse(ok.out) as { steps: { action: { op: string } }[]; warnings: string[] };
  assert.equal(doc.steps[0]?.action.op, 'modprobe');
  assert.ok(!doc.warnings.some((w) => /does not say whether its module is available/.test(w)), 'available: no doubt to warn about');
});

test('pcie_acs_override= on the command line: status, check and plan warn that the groups do not reflect hardware isolation', async () => {
  const { mkdtempSync, writeFileSync, readFileSync: read } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-acs-'));
  const src = JSON.parse(read(join(sharedDir(), 'hosts', 'qemu-q35-6.1.json'), 'utf8')) as { cmdline?: string[] };
  const file = join(dir, 'acs.json');
  writeFileSync(file, JSON.stringify({ ...src, cmdline: [...(src.cmdline ?? []), 'pcie_acs_override=downstream,multifunction'] }));
  for (const argv of [['status'], ['check', '03:00.0'], ['plan', '03:00.0', '--allow-group-member', '00:07.0']]) {
    const r = await run([...argv, '--capture', file]);
    assert.match(r.out, /pcie_acs_override=downstream,multifunction is on the kernel command line: these\s+groups\s+are\s+split\s+by\s+a\s+patch\s+that\s+pretends\s+ACS\s+isolation/, argv.join(' '));
  }
  const j = await run(['status', '--capture', file, '--json']);
  assert.equal((JSON.parse(j.out) as { host: { acsOverride: string } }).host.acsOverride, 'pcie_acs_override=downstream,multifunction');
});
