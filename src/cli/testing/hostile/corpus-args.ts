import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeFixture } from '../trees.js';
import type { HostileCase } from './case.js';
import { bad } from './case.js';
import { CorpusDir } from './files.js';

const DEV = 'sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0';

/** Hostile trees (made from the fixture's tree, one copy each) and arguments. */
export function argumentCases(d: CorpusDir, f: TreeFixture): HostileCase[] {
  const out: HostileCase[] = [];
  const tree = (name: string, change: (root: string) => void): string => {
    const root = join(d.dir, 'trees', name);
    spawnSync('mkdir', ['-p', join(d.dir, 'trees')]);
    if (spawnSync('cp', ['-a', f.root, root]).status !== 0) throw new Error('cp -a');
    change(root);
    return root;
  };
  const fifoVendor = tree('fifo-vendor', (r) => { unlinkSync(join(r, DEV, 'vendor')); spawnSync('mkfifo', [join(r, DEV, 'vendor')]); unlinkSync(join(r, DEV, 'modalias')); });
  out.push({ name: 'tree: a FIFO as an attribute is skipped with a warning, never waited on', argv: ['check', '01:00.0', '--sysfs-root', fifoVendor], code: [0, 1], out: /IOMMU group|group 8: / });
  const bigConfig = tree('big-config', (r) => { spawnSync('truncate', ['-s', '1G', join(r, DEV, 'config')]); });
  out.push({ name: 'tree: a 1 GiB config is refused, the rest of the host still read', argv: ['--sysfs-root', bigConfig, '--json'], code: 0, out: /"schema": "dmaown-status\/1"/ });
  out.push({ name: 'tree: after a 1 GiB config, other reads still work', argv: ['check', '02:00.0', '--sysfs-root', bigConfig], code: [0, 1], out: /02:00\.0/ });
  const loopDriver = tree('driver-loop', (r) => { unlinkSync(join(r, DEV, 'driver')); symlinkSync('driver', join(r, DEV, 'driver')); });
  out.push({ name: 'tree: a looping driver link names no driver', argv: ['check', '01:00.0', '--sysfs-root', loopDriver], code: [0, 1], out: /^(?![\s\S]*\bdriver: kernel DMA user)/ });
  const outside = tree('link-outside', (r) => { unlinkSync(join(r, 'sys/bus/pci/devices/0000:02:00.0')); symlinkSync('/etc', join(r, 'sys/bus/pci/devices/0000:02:00.0')); });
  out.push({ name: 'tree: a device link to /etc is not a device', argv: ['check', '02:00.0', '--sysfs-root', outside], code: 2, err: /no PCI device 0000:02:00\.0/ });
  const dangling = tree('group-dangling', (r) => { unlinkSync(join(r, DEV, 'iommu_group')); symlinkSync('../../../kernel/iommu_groups/999', join(r, DEV, 'iommu_group')); });
  out.push({ name: 'tree: an iommu_group link to a missing group', argv: ['--sysfs-root', dangling], code: 0 });
  const badRelease = tree('bad-release', (r) => { writeFileSync(join(r, 'proc/sys/kernel/osrelease'), '\u001b[2Jgarbage\n'); });
  out.push({ name: 'tree: a garbage kernel release — the plan is not proven, no crash, no raw escape', argv: ['plan', '02:00.0', '--sysfs-root', badRelease], code: [1, 2], noControls: true });
  const fifoProc = tree('fifo-proc', (r) => {
    spawnSync('mkdir', ['-p', join(r, 'proc/999/fd')]);
    spawnSync('mkfifo', [join(r, 'proc/999/comm')]);
    symlinkSync('/dev/vfio/8', join(r, 'proc/999/fd/3'));
    spawnSync('mkfifo', [join(r, 'proc/mounts')]);
  });
  out.push({ name: 'tree: FIFOs in the tree\'s /proc (a holder\'s comm, mounts) are never waited on', argv: ['check', '01:00.0', '--sysfs-root', fifoProc], code: [0, 1], out: /01:00\.0/ });
  out.push(bad('tree: --sysfs-root missing', ['--sysfs-root', join(d.dir, 'nope')], /nope/));
  out.push(bad('tree: --sysfs-root is a file', ['--sysfs-root', d.file('a-file', 'x')], /a-file/));
  out.push(bad('args: --sysfs-root /dev/zero', ['--sysfs-root', '/dev/zero'], /dev\/zero/));
  for (const [name, p] of [['/dev/zero', '/dev/zero'], ['a FIFO', d.fifo('pci.ids.fifo')], ['a directory', d.mkdir('pci.ids.dir')]] as const) {
    out.push({ name: `args: --pci-ids ${name} gives numeric ids, never a hang`, argv: ['--sample', 'desktop-gpu', '--pci-ids', p], code: 0, out: /01:00\.0 +10de:1f06 / });
  }
  // PCI addresses: VMD domains are addresses; garbage is named.
  for (const cmd of ['check', 'plan', 'explain']) {
    out.push(bad(`args: ${cmd} accepts a VMD domain address (10000:e1:00.0)`, [cmd, '10000:e1:00.0', '--sample', 'desktop-gpu'], /no PCI device 10000:e1:00\.0 on sample desktop-gpu/));
    out.push(bad(`args: ${cmd} with garbage`, [cmd, 'zz:00.0', '--sample', 'desktop-gpu'], /"zz:00\.0" is not a PCI address/));
  }
  out.push(bad('args: verify a group the host does not have', ['verify', '--sample', 'desktop-gpu', '--group', '4242'], /no IOMMU group 4242 with PCI devices \(groups: /));
  out.push(bad('args: verify --devices out of range', ['verify', '--devices', '100000'], /--devices 100000: out of range \(1\.\.32\)/));
  out.push(bad('args: verify --devices with garbage', ['verify', '--devices', '3\u001b[2J'], /--devices "3\\u001b\[2J": expected an integer/, { noControls: true }));
  out.push(bad('args: verify an unknown kernel', ['verify', '--devices', '2', '--kernel', '5.9'], /--kernel "5\.9": kernel release 5\.9\.0: the model covers 5\.10 and later/));
  out.push(bad('args: verify a kernel that is no release', ['verify', '--devices', '2', '--kernel', '\u001b]0;pwn\u0007'], /--kernel .*not a uname -r/, { noControls: true }));
  out.push(bad('args: function 8', ['check', '0000:01:00.8', '--sample', 'desktop-gpu'], /"0000:01:00\.8" is not a PCI address/));
  out.push(bad('args: a 10k-character device', ['check', 'a'.repeat(10000), '--sample', 'desktop-gpu'], /"a+…" \(10000 characters\) is not a PCI address/, { maxErr: 2000 }));
  out.push(bad('args: a device with escapes', ['check', '\u001b[2J01:00.0', '--sample', 'desktop-gpu'], /"\\u001b\[2J01:00\.0" is not a PCI address/, { noControls: true }));
  out.push(bad('args: --driver ../x', ['plan', '02:00.0', '--driver', '../../x', '--sample', 'desktop-gpu'], /--driver "\.\.\/\.\.\/x": not a user-space driver/));
  out.push(bad('args: --via bogus', ['plan', '02:00.0', '--via', 'bogus', '--sample', 'desktop-gpu'], /--via bogus: choose group/));
  out.push(bad('args: two host sources', ['--sample', 'desktop-gpu', '--capture', 'x.json'], /choose one of --capture, --sample, --sysfs-root/));
  out.push(bad('args: --sample ../../etc/passwd', ['--sample', '../../etc/passwd'], /no sample '\.\.\/\.\.\/etc\/passwd'/));
  out.push(bad('args: apply --yes on a sample', ['apply', '02:00.0', '--yes', '--sample', 'desktop-gpu'], /is a capture, not a host/));
  // State directories that are not ours.
  const linked = join(d.dir, 'state-link');
  symlinkSync(f.state, linked);
  out.push(bad('args: --state-dir is a symbolic link', ['apply', '02:00.0', '--yes', '--sysfs-root', f.root, '--state-dir', linked], /state directory ".*state-link" is a symbolic link: refused/));
  out.push(bad('args: --state-dir is a file', ['apply', '02:00.0', '--yes', '--sysfs-root', f.root, '--state-dir', d.file('state-file', 'x')], /state directory ".*state-file" is not a directory: refused/));
  const open = d.mkdir('state-open');
  chmodSync(open, 0o777);
  out.push(bad('args: --state-dir mode 0777', ['apply', '02:00.0', '--yes', '--sysfs-root', f.root, '--state-dir', open], /has mode 0777, not 0700/));
  out.push(bad('args: restore with no state directory', ['restore', '--sysfs-root', f.root, '--state-dir', join(d.dir, 'no-state')], /no journal in .*no-state/));
  const emptyState = d.mkdir('state-empty');
  chmodSync(emptyState, 0o700);
  d.mkdir('state-empty/journals');
  chmodSync(join(emptyState, 'journals'), 0o700);
  out.push(bad('args: restore with no journal', ['restore', '--sysfs-root', f.root, '--state-dir', emptyState], /no usable journal in .*state-empty/));
  out.push(bad('args: restore on a capture', ['restore', '/x.jsonl', '--sample', 'desktop-gpu'], /journal "\/x\.jsonl" does not exist|restore writes to a host/));
  rmSync(join(d.dir, 'a-file-never'), { force: true });
  return out;
}
