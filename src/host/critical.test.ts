import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findCriticalDevices } from './critical.js';
import { hostRootPort } from './live-port.js';

const NIC = '0000:04:00.0', NIC2 = '0000:05:00.0', NVME = '0000:02:00.0', SATA = '0000:00:17.0', VGA = '0000:01:00.0';

function host(): string {
  const root = mkdtempSync(join(tmpdir(), 'dmaown-crit-'));
  const file = (p: string, text: string): void => { mkdirSync(dirname(join(root, p)), { recursive: true }); writeFileSync(join(root, p), text); };
  const link = (p: string, target: string): void => { mkdirSync(dirname(join(root, p)), { recursive: true }); symlinkSync(target, join(root, p)); };
  // eth0 default route; eth1 carries 10.1.0.0/16 (the SSH client's network).
  file('proc/net/route', 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n' +
    'eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n' +
    'eth0\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n' +
    'br1\t0000010A\t00000000\t0001\t0\t0\t100\t0000FFFF\t0\t0\t0\n');
  link('sys/class/net/eth0/device', `../../../devices/pci0000:00/0000:00:1c.2/${NIC}`);
  mkdirSync(join(root, 'sys/class/net/br1/brif'), { recursive: true });
  mkdirSync(join(root, 'sys/class/net/br1/brif/eth1'));
  link('sys/class/net/eth1/device', `../../../devices/pci0000:00/0000:00:1c.4/${NIC2}`);
  // / on nvme0n1p2 (259:2); sda held by dm-0 (LVM).
  file('proc/self/mountinfo', '22 1 259:2 / / rw,relatime - ext4 /dev/nvme0n1p2 rw\n25 22 0:21 / /proc rw - proc proc rw\n');
  link('sys/dev/block/259:2', `../../devices/pci0000:00/0000:00:06.0/${NVME}/nvme/nvme0/nvme0n1/nvme0n1p2`);
  link('sys/block/sda', `../devices/pci0000:00/${SATA}/ata1/host0/target0:0:0/0:0:0:0/block/sda`);
  mkdirSync(join(root, `sys/devices/pci0000:00/${SATA}/ata1/host0/target0:0:0/0:0:0:0/block/sda/holders/dm-0`), { recursive: true });
  // fbcon bound; the GPU is the boot VGA.
  file('sys/class/vtconsole/vtcon0/bind', '0\n'); file('sys/class/vtconsole/vtcon0/name', '(S) dummy device\n');
  file('sys/class/vtconsole/vtcon1/bind', '1\n'); file('sys/class/vtconsole/vtcon1/name', '(M) frame buffer device\n');
  file(`sys/bus/pci/devices/${VGA}/boot_vga`, '1\n');
  return root;
}

test('default-route NIC, SSH NIC behind a bridge, mounted and held disks, boot VGA with a console', () => {
  const root = host();
  try {
    const c = findCriticalDevices(hostRootPort(root), { SSH_CONNECTION: '10.1.2.3 50000 10.1.0.1 22' });
    assert.match(c[NIC]?.join() ?? '', /default route \(eth0\)/);
    assert.match(c[NIC2]?.join() ?? '', /SSH session \(br1, from 10\.1\.2\.3\)/);
    assert.match(c[NVME]?.join() ?? '', /mounted on \//);
    assert.match(c[SATA]?.join() ?? '', /held by dm-0/);
    assert.match(c[VGA]?.join() ?? '', /boot VGA/);
    assert.equal(Object.keys(c).length, 5);
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('without SSH and without a bound console only the route and disks count', () => {
  const root = host();
  try {
    writeFileSync(join(root, 'sys/class/vtconsole/vtcon1/bind'), '0\n');
    const c = findCriticalDevices(hostRootPort(root), {});
    assert.equal(c[NIC2], undefined);
    assert.equal(c[VGA], undefined);
    assert.ok(c[NIC]);
  } finally { rmSync(root, { recursive: true, force: true }); }
});
