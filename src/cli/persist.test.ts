import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, schemaErrors } from './testing/cli.js';

const gpu2 = ['02:00.0', '--allow-group-member', '02:00.1', '--sample', 'dual-gpu'];

test('apply --persist=driverctl dry run prints each file and its exact content; nothing is written', async () => {
  const r = await run(['apply', ...gpu2, '--persist=driverctl']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /create \/etc\/driverctl\.d\/pci-0000:02:00\.0 with:\n {6}\| vfio-pci\n/);
  assert.match(r.out, /create \/etc\/driverctl\.d\/pci-0000:02:00\.1 with:\n {6}\| vfio-pci\n/);
  assert.match(r.out, /driverctl is not installed/);
  assert.match(r.out, /Dry run: nothing was written/);
});

test('apply --persist (no method) is driverctl; an unknown method is a usage error', async () => {
  assert.match((await run(['apply', ...gpu2, '--persist'])).out, /--persist=driverctl/);
  const bad = await run(['apply', ...gpu2, '--persist=grub']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--persist=grub: choose driverctl, modprobe or cmdline/);
});

test('apply --persist=modprobe on two identical GPUs names the host card and refuses (exit 1); --force warns and shows the file', async () => {
  const r = await run(['apply', ...gpu2, '--persist=modprobe']);
  assert.equal(r.code, 1);
  assert.match(r.out, /refused 0000:01:00\.0 \(nvidia\)( "[^"]+")? has the same vendor:device and subsystem ids as 0000:02:00\.0/);
  assert.match(r.out, /The persistence is refused: nothing will be applied/);
  // Named from pci.ids.
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-pciids-'));
  try {
    writeFileSync(join(dir, 'pci.ids'), '10de  NVIDIA Corporation\n\t1f06  TU106 [GeForce RTX 2060 SUPER]\n');
    const named = await run(['apply', ...gpu2, '--persist=modprobe', '--pci-ids', join(dir, 'pci.ids')]);
    assert.match(named.out, /refused 0000:01:00\.0 \(nvidia\) "NVIDIA Corporation TU106 \[GeForce RTX 2060 SUPER\]" has the same/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
  const f = await run(['apply', ...gpu2, '--persist=modprobe', '--force']);
  assert.equal(f.code, 0, f.out);
  assert.match(f.out, /create \/etc\/modprobe\.d\/dmaown-vfio-pci\.conf with:\n.*\n {6}\| options vfio-pci ids=10de:1f06,10de:10f9\n {6}\| softdep nvidia pre: vfio-pci\n {6}\| softdep snd_hda_intel pre: vfio-pci\n/);
});

test('apply --persist=cmdline prints the kernel parameter and where it goes; --json validates', async () => {
  const r = await run(['apply', '01:00.0', '--allow-group-member', '01:00.1', '--allow-group-member', '01:00.2', '--allow-group-member', '01:00.3', '--sample', 'desktop-gpu', '--persist=cmdline']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /kernel parameter: vfio-pci\.ids=10de:1f06,10de:10f9,10de:1ada,10de:1adb/);
  assert.match(r.out, /GRUB: add vfio-pci\.ids=.* to GRUB_CMDLINE_LINUX_DEFAULT/);
  const j = await run(['apply', ...gpu2, '--persist=cmdline', '--force', '--json']);
  const doc = JSON.parse(j.out) as { schema: string; persist: { kernelParams: string[] } };
  assert.equal(schemaErrors(doc), null);
  assert.deepEqual(doc.persist.kernelParams, ['vfio-pci.ids=10de:1f06,10de:10f9']);
});

test('--persist-root: the dry run reads the existing files there (replace, with what they hold now) and the distribution', async () => {
  const root = mkdtempSync(join(tmpdir(), 'dmaown-cli-persist-'));
  try {
    mkdirSync(join(root, 'etc/driverctl.d'), { recursive: true });
    writeFileSync(join(root, 'etc/driverctl.d/pci-0000:02:00.0'), 'pci-stub\n');
    writeFileSync(join(root, 'etc/os-release'), 'ID=fedora\nPRETTY_NAME="Fedora Linux 40"\n');
    const r = await run(['apply', ...gpu2, '--persist=driverctl', '--persist-root', root]);
    assert.match(r.out, new RegExp(`replace ${root}/etc/driverctl\\.d/pci-0000:02:00\\.0 with:\\n {6}\\| vfio-pci\\n {4}\\(it holds now:\\)\\n {6}\\| pci-stub\\n`));
    const m = await run(['apply', ...gpu2, '--persist=modprobe', '--force', '--persist-root', root]);
    assert.match(m.out, /initramfs: dracut --force --regenerate-all {2}\(Fedora Linux 40; run only with --update-initramfs\)/);
    // A file that exists but cannot be read is an error naming it, not "absent".
    mkdirSync(join(root, 'etc/driverctl.d/pci-0000:02:00.1'));
    const bad = await run(['apply', ...gpu2, '--persist=driverctl', '--persist-root', root]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /EISDIR: \/etc\/driverctl\.d\/pci-0000:02:00\.1 exists but cannot be read/);
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('plan --persist shows the same persistence as the apply dry run; its --json validates and still reads back as a plan file', async () => {
  const r = await run(['plan', ...gpu2, '--persist=driverctl']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /create \/etc\/driverctl\.d\/pci-0000:02:00\.0 with:\n {6}\| vfio-pci\n/);
  const refused = await run(['plan', ...gpu2, '--persist=modprobe']);
  assert.equal(refused.code, 1);
  const j = await run(['plan', ...gpu2, '--persist=cmdline', '--force', '--json']);
  const doc = JSON.parse(j.out) as { schema: string; persist: { kernelParams: string[] } };
  assert.equal(schemaErrors(doc), null);
  assert.deepEqual(doc.persist.kernelParams, ['vfio-pci.ids=10de:1f06,10de:10f9']);
});
