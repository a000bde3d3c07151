import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, schemaErrors } from './testing/cli.js';

const GPU = ['01:00.0', '01:00.1', '01:00.2', '01:00.3'];

test('vm-config --format libvirt on the desktop GPU: four hostdevs on one guest slot; --json validates, ready after apply', async () => {
  const r = await run(['vm-config', ...GPU, '--sample', 'desktop-gpu', '--format', 'libvirt']);
  assert.equal(r.code, 0, r.err);
  assert.equal((r.out.match(/<hostdev mode='subsystem' type='pci' managed='no'>/g) ?? []).length, 4);
  assert.match(r.out, /First bind them: dmaown apply 01:00\.0 01:00\.1 01:00\.2 01:00\.3 --yes/);
  const j = await run(['vm-config', ...GPU, '--sample', 'desktop-gpu', '--format', 'qemu', '--json']);
  const doc = JSON.parse(j.out) as { schema: string; ready: string; config: { argv: string[] } };
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.ready, 'after-apply');
  assert.ok(doc.config.argv.includes('vfio-pci,host=0000:01:00.0,id=hostdev-0000-01-00-0,bus=dmaown-rp0,addr=00.0,multifunction=on,x-vga=on'));
});

test('vm-config: a device already on vfio-pci is ready now; a group with a member left on its driver is refused (exit 1)', async () => {
  const now = await run(['vm-config', '04:00.0', '--sample', 'server-sriov', '--format', 'cloud-hypervisor', '--json']);
  assert.equal(now.code, 0, now.err);
  assert.equal((JSON.parse(now.out) as { ready: string }).ready, 'now');
  const r = await run(['vm-config', '04:00.0', '--sample', 'desktop-gpu', '--format', 'proxmox']);
  assert.equal(r.code, 1);
  assert.match(r.out, /0000:05:00\.0 \(ahci\) shares IOMMU group 6 with 0000:04:00\.0/);
  const j = await run(['vm-config', '04:00.0', '--sample', 'desktop-gpu', '--format', 'proxmox', '--json']);
  assert.equal(schemaErrors(JSON.parse(j.out) as { schema: string }), null);
  const ok = await run(['vm-config', '04:00.0', '--allow-group-member', '05:00.0', '--sample', 'desktop-gpu', '--format', 'proxmox']);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /^hostpci0: 0000:04:00\.0,pcie=1\n/);
  assert.match(ok.out, /note: 0000:05:00\.0 \(on ahci\) is in IOMMU group 6 too/);
});

test('vm-config: a missing or unknown --format and a bad --guest-bus are usage errors (exit 2)', async () => {
  assert.equal((await run(['vm-config', '01:00.0', '--sample', 'desktop-gpu'])).code, 2);
  const bad = await run(['vm-config', '01:00.0', '--sample', 'desktop-gpu', '--format', 'xen']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--format xen: choose libvirt, qemu, proxmox, cloud-hypervisor/);
  assert.equal((await run(['vm-config', '01:00.0', '--sample', 'desktop-gpu', '--format', 'qemu', '--guest-bus', 'zz'])).code, 2);
});
