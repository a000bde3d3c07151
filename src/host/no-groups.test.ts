import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HostDescription } from '../model/host-description.js';
import { sharedDir } from '../testing/shared.js';
import { capturePort } from './capture-port.js';
import { describeHost } from './describe.js';
import { livePort } from './live-port.js';
import { diagnoseNoGroups } from './no-groups.js';
import { readEvidence } from './evidence.js';
import type { SysfsPort } from './port.js';
import { readCaptureFile } from './read-capture.js';

function q35(): { host: HostDescription; port: SysfsPort } {
  const c = readCaptureFile(join(sharedDir(), 'hosts', 'qemu-q35-6.1.json'));
  assert.ok(c.ok);
  const port = capturePort(c.value);
  const h = describeHost(port);
  assert.ok(h.ok);
  return { host: h.value, port };
}
const bare = (host: HostDescription, over: Partial<HostDescription>): HostDescription => ({
  ...host, groups: [], iommus: [], pci: host.pci.map((d) => ({ ...d, iommuGroup: null })), ...over,
});
const fakeProc = (files: Record<string, string>): SysfsPort => ({
  read: (p) => (files[p] !== undefined ? { ok: true, value: files[p] as string } : { ok: false, errno: 'ENOENT', why: p }),
  readBytes: () => ({ ok: false, errno: 'ENOENT', why: '' }),
  readLink: () => ({ ok: false, errno: 'ENOENT', why: '' }),
  list: () => ({ ok: false, errno: 'ENOENT', why: '' }),
  write: () => ({ ok: false, errno: 'EROFS', why: '' }),
});
const intelCpu = 'vendor_id\t: GenuineIntel\nflags\t\t: fpu vme sse2\n';

test('this machine (a VM without IOMMU) is diagnosed as such, never "enable VT-d in the BIOS"', () => {
  const h = describeHost(livePort());
  assert.ok(h.ok);
  const v = diagnoseNoGroups(h.value, readEvidence(livePort(), h.value.kernel));
  assert.equal(v.cause, 'vm-without-viommu');
  assert.match(v.evidence.join('\n'), /hypervisor/);
  assert.doesNotMatch(v.advice, /BIOS|VT-d in the firmware/);
});

test('groups present, and passthrough told apart', () => {
  const { host, port } = q35();
  assert.equal(diagnoseNoGroups(host, readEvidence(port, '')).cause, 'groups-present');
  const pt = diagnoseNoGroups({ ...host, groups: host.groups.map((g) => ({ ...g, type: 'identity' })) }, readEvidence(port, ''));
  assert.equal(pt.cause, 'passthrough');
});

test('bare metal: disabled on the cmdline, not enabled on Intel, absent on AMD', () => {
  const { host } = q35();
  const metal = bare(host, { pci: host.pci.filter((d) => d.vendor === 0x8086).map((d) => ({ ...d, iommuGroup: null })) });
  assert.equal(diagnoseNoGroups({ ...metal, cmdline: ['intel_iommu=off'] }, readEvidence(fakeProc({ '/proc/cpuinfo': intelCpu }), '')).cause, 'iommu-disabled');
  const ne = diagnoseNoGroups({ ...metal, cmdline: [] }, readEvidence(fakeProc({ '/proc/cpuinfo': intelCpu }), ''));
  assert.equal(ne.cause, 'iommu-not-enabled');
  assert.match(ne.advice, /intel_iommu=on/);
  const amd = diagnoseNoGroups({ ...metal, cmdline: [] }, readEvidence(fakeProc({ '/proc/cpuinfo': 'vendor_id\t: AuthenticAMD\nflags\t: fpu\n' }), ''));
  assert.equal(amd.cause, 'iommu-absent');
  assert.match(amd.advice, /AMD-Vi/);
});

test('a VM is recognised from DMI or virtio devices alone (a cloud GPU guest)', () => {
  const { host } = q35();
  const vm = bare(host, {});
  assert.equal(diagnoseNoGroups(vm, readEvidence(fakeProc({ '/sys/class/dmi/id/sys_vendor': 'Amazon EC2\n' }), '')).cause, 'vm-without-viommu');
  // the q35 capture has QEMU (1b36) bridges: recognised without cpuinfo or DMI
  const v = diagnoseNoGroups(vm, readEvidence(fakeProc({}), ''));
  assert.equal(v.cause, 'vm-without-viommu');
  assert.match(v.evidence.join('\n'), /QEMU/);
});
