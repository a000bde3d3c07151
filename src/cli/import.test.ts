import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { readInput } from '../import/index.js';
import { run, schemaErrors } from './testing/cli.js';

const F = 'fixtures/pastes/rendered/qemu-q35-6.1';
const X570 = 'fixtures/pastes/rendered/amd-x570-rtx2060s-5.15';
const tmp = (): string => mkdtempSync(join(tmpdir(), 'dmaown-import-'));

test('import: prints the formats and what is known; -o writes a capture that --capture reads, marked partial', async () => {
  const dir = tmp();
  try {
    const out = join(dir, 'host.json');
    const r = await run(['import', `${F}/arch-loop.txt`, `${F}/lspci-nnk.txt`, '-o', out, '--kernel', '6.1.0-56-amd64']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /arch-loop\.txt: iommu-group-loop — 15 devices/);
    assert.match(r.out, /lspci-nnk\.txt: lspci, lspci -k — 15 devices/);
    assert.match(r.out, /IOMMU groups: 9/);
    assert.match(r.out, /bound driver: known for all 15/);
    assert.match(r.out, /ACS and port type \(lspci -vvv as root\): unknown for all 15/);
    const cap = JSON.parse(readFileSync(out, 'utf8')) as { format: string; partial: { unknown: Record<string, string[]>; facts: Record<string, Record<string, string>> } };
    assert.equal(cap.format, 'sysfs-capture/1');
    assert.match(cap.partial.facts['0000:03:00.0']?.['group'] ?? '', /arch-loop\.txt:\d+ \(iommu-group-loop\)/);
    assert.match(cap.partial.facts['0000:03:00.0']?.['driver'] ?? '', /lspci-nnk\.txt:\d+ \(lspci -k\)/);
    assert.deepEqual(cap.partial.unknown['0000:03:00.0'], ['config', 'parent']);
    const s = await run(['check', '03:00.0', '--capture', out, '--json']);
    const doc = JSON.parse(s.out) as { schema: string; groups: { verdict: string; group: number }[]; host: { partial: { groups: string } } };
    assert.equal(schemaErrors(doc), null);
    assert.equal(doc.groups[0]?.group, 4);
    assert.equal(doc.host.partial.groups, 'known');
    assert.notEqual(doc.groups[0]?.verdict, 'unknown', 'drivers are known: a real verdict');
    const again = await run(['import', `${F}/arch-loop.txt`, '-o', out]);
    assert.equal(again.code, 2, 'never overwrites');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('--paste on every command: a driver the paste lacks makes the verdict "unknown", never "unbound"', async () => {
  const st = await run(['status', '--paste', `${F}/arch-loop.txt`]);
  assert.equal(st.code, 0, st.err);
  assert.match(st.out, /IOMMU group 4 {2}owner unknown {2}unknown: the driver of 00:07\.0, 03:00\.0 is not in the paste/);
  assert.match(st.out, /03:00\.0 +[0-9a-f]{4}:[0-9a-f]{4} +\? +driver unknown +Ethernet controller \[0200\]/);
  assert.doesNotMatch(st.out, /unbound/);
  const js = await run(['--paste', `${F}/arch-loop.txt`, '--json']);
  const doc = JSON.parse(js.out) as { schema: string; groups: { ownership: string; assignable: boolean; devices: { role: string; unknown?: string[] }[] }[] };
  assert.equal(schemaErrors(doc), null);
  assert.ok(doc.groups.every((g) => !g.assignable && g.ownership === 'unknown'));
  assert.ok(doc.groups.every((g) => g.devices.every((d) => d.role === 'unknown' && d.unknown?.includes('driver'))));
  const ck = await run(['check', '03:00.0', '--paste', `${F}/arch-loop.txt`]);
  assert.equal(ck.code, 1);
  assert.match(ck.out, /unknown/);
  assert.match(ck.out, /which driver 0000:03:00\.0 \(group 4\) is bound to is unknown/);
  const pl = await run(['plan', '03:00.0', '--paste', `${F}/arch-loop.txt`, '--json']);
  assert.equal(pl.code, 1);
  assert.ok((JSON.parse(pl.out) as { refusals: { code: string }[] }).refusals.some((x) => x.code === 'unknown'));
  // With the drivers pasted too, the same check gives the capture's verdict.
  const both = await run(['check', '03:00.0', '--paste', `${F}/arch-loop.txt`, '--paste', `${F}/lspci-nnk.txt`, '--json']);
  const cap = await run(['check', '03:00.0', '--capture', '../shared/hosts/qemu-q35-6.1.json', '--json']);
  const v = (t: string): string[] => (JSON.parse(t) as { groups: { verdict: string }[] }).groups.map((g) => g.verdict);
  assert.deepEqual(v(both.out), v(cap.out));
});

test('--paste without groups: the devices\' groups are unknown, not "no IOMMU group"', async () => {
  const r = await run(['status', '--paste', `${F}/lspci-nnk.txt`]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Devices whose IOMMU group is unknown \(not in the pasted output\)/);
  assert.doesNotMatch(r.out, /Devices without an IOMMU group/);
  const ck = await run(['check', '03:00.0', '--paste', `${F}/lspci-nnk.txt`, '--json']);
  const doc = JSON.parse(ck.out) as { groups: { verdict: string; refusals: { code: string }[] }[] };
  assert.equal(doc.groups[0]?.verdict, 'unknown');
  assert.equal(doc.groups[0]?.refusals[0]?.code, 'unknown');
});

test('explain on an import with lspci -vvv names the port without ACS, as on the capture', async () => {
  const paste = await run(['explain', '4', '--paste', `${F}/arch-loop.txt`, '--paste', `${F}/lspci-nnk.txt`, '--paste', `${F}/lspci-vvv.txt`]);
  const capture = await run(['explain', '4', '--capture', '../shared/hosts/qemu-q35-6.1.json']);
  assert.equal(paste.code, 0, paste.err);
  assert.match(paste.out, /00:07\.0 \(PCIe root port\) has no ACS capability, so 03:00\.0 below it shares group 4 with it/);
  assert.equal(paste.out.split('\n').slice(1).join('\n'), capture.out.split('\n').slice(1).join('\n'));
  for (const [dir, cap] of [['desktop-gpu', 'samples/desktop-gpu.json'], ['server-sriov', 'samples/server-sriov.json']]) {
    const p = await run(['explain', '--paste', `fixtures/pastes/rendered/${dir}/lspci-vvv.txt`, '--paste', `fixtures/pastes/rendered/${dir}/arch-loop.txt`]);
    const c = await run(['explain', '--capture', cap as string]);
    assert.equal(p.out.split('\n').slice(1).join('\n'), c.out.split('\n').slice(1).join('\n'), dir);
  }
  // lspci -vvv alone prints no ids: the ACS reasons stand, but the kernel's id-keyed quirks make the prediction uncertain.
  const x570 = await run(['explain', '--paste', `${X570}/lspci-vvv.txt`]);
  assert.equal(x570.code, 0);
  assert.match(x570.out, /03:09\.0 \(PCIe downstream port\) has no ACS capability|has no ACS capability/);
  assert.match(x570.out, /prediction unknown: the paste does not give the vendor:device ids of/);
  assert.doesNotMatch(x570.out, /mismatch/);
  // Without -vvv the reasons are unknown, and no mismatch is claimed from guessed topology.
  const bare = await run(['explain', '4', '--paste', `${F}/arch-loop.txt`]);
  assert.equal(bare.code, 0);
  assert.match(bare.out, /why these devices share the group is unknown: the paste does not show which bridge 03:00\.0 sits behind/);
});

test('garbage, binary data and an empty paste: exit 2 naming the file and line', async () => {
  const dir = tmp();
  try {
    const garbage = join(dir, 'garbage.txt');
    writeFileSync(garbage, 'hello\nthis is not lspci output\n{"a": 1}\n');
    let r = await run(['import', garbage]);
    assert.equal(r.code, 2);
    assert.match(r.err, /garbage\.txt:1: no known format \("hello"\)/);
    const bin = join(dir, 'bin.dat');
    writeFileSync(bin, Buffer.concat([Buffer.from('IOMMU Group 1:\n'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0xff, 0xfe])]));
    r = await run(['import', bin]);
    assert.equal(r.code, 2);
    assert.match(r.err, /bin\.dat:2: binary data \(a NUL byte\)/);
    r = await run(['status', '--paste', bin]);
    assert.equal(r.code, 2);
    assert.match(r.err, /bin\.dat:2: binary data/);
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '```\n$ lspci -nnk\n```\n');
    r = await run(['import', empty]);
    assert.equal(r.code, 2);
    assert.match(r.err, /empty\.txt: empty/);
    r = await run(['import', join(dir, 'missing.txt')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /ENOENT|no such file/);
    // Unrecognised lines inside a good paste are warnings naming the line, not errors.
    const mixed = join(dir, 'mixed.txt');
    writeFileSync(mixed, `${readFileSync(`${F}/arch-loop.txt`, 'utf8')}some chatter from the forum\n`);
    r = await run(['import', mixed]);
    assert.equal(r.code, 0);
    assert.match(r.out, /warning: .*mixed\.txt:\d+: 1 line not recognised, ignored \("some chatter from the forum"\)/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a 100 MB paste: reading stops at the limit, memory stays bounded, exit 2', async () => {
  const dir = tmp();
  try {
    const big = join(dir, 'big.txt');
    const fd = openSync(big, 'w');
    const line = Buffer.from(`${readFileSync(`${F}/lspci-nnk.txt`, 'utf8')}`);
    for (let n = 0; n < 100 * 1024 * 1024; n += line.length) writeSync(fd, line);
    closeSync(fd);
    const before = process.memoryUsage().rss;
    const r = await run(['import', big]);
    const grew = (process.memoryUsage().rss - before) / (1024 * 1024);
    assert.equal(r.code, 2);
    assert.match(r.err, /big\.txt: larger than 16 MiB; stopped reading/);
    assert.ok(grew < 80, `rss grew by ${grew.toFixed(0)} MiB`);
    const s = await readInput('-', { stdin: Readable.from((function* () { for (let i = 0; i < 200; i++) yield Buffer.alloc(1 << 20, 0x41); })()) });
    assert.equal(s.ok, false);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('mixed hosts: listings of two machines, as two inputs or in one paste, are an error naming both lines', async () => {
  let r = await run(['import', `${F}/arch-loop.txt`, `${X570}/arch-loop.txt`]);
  assert.equal(r.code, 2);
  assert.match(r.err, /contradict each other, as two different hosts would/);
  assert.match(r.err, /amd-x570-rtx2060s-5\.15\/arch-loop\.txt:16: 0000:00:05\.0: ids \[8086:100e\] class 0200 at .*qemu-q35-6\.1\/arch-loop\.txt:4 but \[1022:1482\] class 0600 at .*amd-x570-rtx2060s-5\.15\/arch-loop\.txt:16/);
  assert.match(r.err, /… and \d+ more/);
  const dir = tmp();
  try {
    const both = join(dir, 'both.txt');
    writeFileSync(both, readFileSync(`${F}/lspci-nnk.txt`, 'utf8') + readFileSync(`${X570}/lspci-nnk.txt`, 'utf8'));
    r = await run(['status', '--paste', both]);
    assert.equal(r.code, 2);
    assert.match(r.err, /both\.txt:\d+: 0000:00:00\.0: ids/);
    // The same host pasted twice is fine.
    r = await run(['import', `${F}/arch-loop.txt`, `${F}/flat-loop.txt`, `${F}/lspci-vmm.txt`]);
    assert.equal(r.code, 0, r.err);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('import --json follows its schema', async () => {
  const r = await run(['import', `${F}/dmesg-case-grep.txt`, '--json']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { schema: string; groups: { state: string }; warnings: string[] };
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.groups.state, 'unknown');
  assert.match(doc.warnings.join('\n'), /no group lines/);
});

test('a filtered listing (group numbers missing) makes every verdict unknown: a listed group may have unlisted members', async () => {
  const r = await run(['check', '0a:00.1', '--paste', 'fixtures/pastes/public/lspci-vmm-davinci.txt', '--json']);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.out) as { groups: { verdict: string; refusals: { code: string; why: string }[] }[] };
  assert.equal(doc.groups[0]?.verdict, 'unknown');
  assert.match(doc.groups[0]?.refusals.map((x) => x.why).join('\n') ?? '', /group 25 may have members .* does not show: the listing skips 23 group number\(s\)/);
  const i = await run(['import', 'fixtures/pastes/public/lspci-vmm-davinci.txt']);
  assert.match(i.out, /the pastes list IOMMU groups up to 25 but not 0, 2–23/);
  // A whole listing has no gap: the same device's verdict is a real one.
  const whole = await run(['check', '03:00.0', '--paste', `${F}/arch-loop.txt`, '--paste', `${F}/lspci-nnk.txt`, '--json']);
  assert.notEqual((JSON.parse(whole.out) as { groups: { verdict: string }[] }).groups[0]?.verdict, 'unknown');
});
