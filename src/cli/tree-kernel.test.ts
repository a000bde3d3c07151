import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { materializeCapture, readCaptureFile } from '../host/index.js';
import { run } from './testing/cli.js';

/** desktop-gpu (kernel 6.8.0-49-generic) as a real tree below a temp dir; `osrelease: false` leaves proc/sys/kernel/osrelease out. */
function tree(osrelease: boolean): { dir: string; root: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-tree-kernel-'));
  const c = readCaptureFile(join(process.cwd(), 'samples', 'desktop-gpu.json'));
  assert.ok(c.ok);
  assert.ok(materializeCapture(c.value, join(dir, 'root')).ok);
  if (!osrelease) unlinkSync(join(dir, 'root/proc/sys/kernel/osrelease'));
  return { dir, root: join(dir, 'root') };
}

test('a --sysfs-root tree without osrelease is an input error saying to pass --kernel (never this machine\'s release)', async () => {
  const t = tree(false);
  try {
    for (const argv of [['--sysfs-root', t.root], ['plan', '01:00.0', '--sysfs-root', t.root], ['check', '02:00.0', '--sysfs-root', t.root, '--json']]) {
      const r = await run(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}${r.out}`);
      assert.match(r.err, /proc\/sys\/kernel\/osrelease does not exist: the tree does not say which kernel it is.*pass --kernel RELEASE/);
      assert.doesNotMatch(r.err, /\n.*\n.*at /, 'no stack trace');
    }
  } finally { rmSync(t.dir, { recursive: true, force: true }); }
});

test('--kernel names the tree\'s release: the rules follow it, and it wins over an osrelease that says otherwise (with a warning)', async () => {
  const t = tree(false);
  try {
    const old = await run(['--sysfs-root', t.root, '--kernel', '5.15.0-71-generic', '--json']);
    assert.equal(old.code, 0, old.err);
    assert.deepEqual([(JSON.parse(old.out) as { host: { kernel: string; era: string } }).host.kernel, (JSON.parse(old.out) as { host: { era: string } }).host.era], ['5.15.0-71-generic', 'legacy']);
    const now = await run(['check', '02:00.0', '--sysfs-root', t.root, '--kernel', '6.8.0-49-generic', '--json']);
    assert.equal((JSON.parse(now.out) as { host: { kernel: string } }).host.kernel, '6.8.0-49-generic', now.err);
    mkdirSync(join(t.root, 'proc/sys/kernel'), { recursive: true });
    writeFileSync(join(t.root, 'proc/sys/kernel/osrelease'), '6.8.0-49-generic\n');
    const over = await run(['--sysfs-root', t.root, '--kernel', '6.1.0-56-amd64']);
    assert.equal(over.code, 0, over.err);
    assert.match(over.out + over.err, /osrelease: says "6\.8\.0-49-generic"; using --kernel 6\.1\.0-56-amd64/);
  } finally { rmSync(t.dir, { recursive: true, force: true }); }
});

test('an osrelease that exists but cannot be read (a directory in its place) is an error naming it, not "absent"', async () => {
  const t = tree(false);
  try {
    mkdirSync(join(t.root, 'proc/sys/kernel/osrelease'));
    const r = await run(['--sysfs-root', t.root]);
    assert.equal(r.code, 2, r.err + r.out);
    assert.match(r.err, /EISDIR: .*proc\/sys\/kernel\/osrelease exists but cannot be read/);
  } finally { rmSync(t.dir, { recursive: true, force: true }); }
});

test('--kernel with a capture or a sample is a usage error (they record their own release)', async () => {
  const r = await run(['--sample', 'desktop-gpu', '--kernel', '6.1.0']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--kernel names the kernel of a --sysfs-root tree or a --paste; a sample records its own/);
});
