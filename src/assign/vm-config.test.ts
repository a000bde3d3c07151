import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostDescription } from '../model/host-description.js';
import { inspectHost } from './inspect.js';
import { vmConfig, type VmConfigOptions } from './vm-config.js';
import { captureHost, fixtureNames, sharedHost } from './testing/hosts.js';
import { samplesDir } from './source.js';

const sample = (n: string): HostDescription => captureHost(join(samplesDir(), `${n}.json`));
const GPU = ['0000:01:00.0', '0000:01:00.1', '0000:01:00.2', '0000:01:00.3'];
const cfg = (host: HostDescription, bdfs: string[], o: VmConfigOptions) => vmConfig(inspectHost({ host, names: fixtureNames() }), host, bdfs, o);

/** libvirt's RelaxNG domain schema as Debian ships it (package libvirt0), checked with xmllint (libxml2-utils). */
const SCHEMA = '/usr/share/libvirt/schemas/domain.rng';
function validator(): ((xml: string) => string | null) | string {
  const missing = [existsSync(SCHEMA) ? null : `${SCHEMA} (apt-get install libvirt0)`, spawnSync('xmllint', ['--version']).error ? 'xmllint (apt-get install libxml2-utils)' : null].filter((x) => x !== null);
  if (missing.length > 0) return `missing ${missing.join(' and ')}; .ci/run installs them`;
  return (xml) => {
    const dir = mkdtempSync(join(tmpdir(), 'dmaown-libvirt-'));
    try {
      writeFileSync(join(dir, 'domain.xml'), xml);
      const r = spawnSync('xmllint', ['--noout', '--relaxng', SCHEMA, join(dir, 'domain.xml')], { encoding: 'utf8' });
      return r.status === 0 ? null : `${r.stderr}`;
    } finally { rmSync(dir, { recursive: true, force: true }); }
  };
}
const domain = (hostdevs: string): string => `<domain type='kvm'>
  <name>guest</name>
  <memory unit='GiB'>8</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
${hostdevs.replace(/^/gm, '    ')}  </devices>
</domain>
`;

test("libvirt: the GPU's four functions on one guest slot, multifunction on function 0, managed='no' by default", () => {
  const c = cfg(sample('desktop-gpu'), GPU, { format: 'libvirt' });
  assert.equal((c.text.match(/<hostdev mode='subsystem' type='pci' managed='no'>/g) ?? []).length, 4);
  assert.match(c.text, /^<controller type='pci' index='16' model='pcie-root-port'\/>\n<hostdev/);
  for (let f = 0; f < 4; f++) {
    assert.match(c.text, new RegExp(`<address domain='0x0000' bus='0x01' slot='0x00' function='0x${f}'/>\\n  </source>\\n  <address type='pci' domain='0x0000' bus='0x10' slot='0x00' function='0x${f}'${f === 0 ? " multifunction='on'" : ''}/>`));
  }
  assert.match(cfg(sample('desktop-gpu'), GPU, { format: 'libvirt', managed: true }).text, /managed='yes'/);
});

test("libvirt XML validates against libvirt's own RelaxNG domain schema (all samples and shared captures, managed and not)", (t) => {
  const v = validator();
  if (typeof v === 'string') {
    if (process.env['CI'] === 'true') assert.fail(`libvirt schema validation cannot run under CI: ${v}`);
    t.skip(v);
    return;
  }
  const cases: [HostDescription, string[]][] = [
    [sample('desktop-gpu'), GPU], [sample('desktop-gpu'), ['0000:01:00.1', '0000:01:00.3', '0000:02:00.0']], [sample('dual-gpu'), ['0000:02:00.0', '0000:02:00.1']],
    [sample('server-sriov'), ['0000:01:02.0', '0000:01:02.1', '0000:03:00.0']], [sharedHost('amd-x570-rtx2060s-5.15.json'), ['0000:09:00.0', '0000:09:00.1', '0000:09:00.2', '0000:09:00.3']],
  ];
  for (const [host, bdfs] of cases) {
    for (const managed of [false, true]) {
      const c = cfg(host, bdfs, { format: 'libvirt', managed });
      assert.equal(v(domain(c.text)), null, c.text);
    }
  }
  // The check can fail: a hostdev without its <source> is rejected.
  assert.notEqual(v(domain("<hostdev mode='subsystem' type='pci' managed='no'>\n</hostdev>\n")), null);
});

/** QemuOpts: "driver,key=value,..." where ",," is a literal comma. */
function parseQemuOpts(s: string): { driver: string; props: Record<string, string> } {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === ',' && s[i + 1] === ',') { cur += ','; i++; } else if (s[i] === ',') { parts.push(cur); cur = ''; } else cur += s[i];
  }
  parts.push(cur);
  const [driver, ...kv] = parts;
  return { driver: driver!, props: Object.fromEntries(kv.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)])) };
}

/** POSIX shell words for the subset the text uses: single quotes, backslash-newline continuations. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === '\n') { i++; continue; }
    if (/\s/.test(ch)) { if (cur !== null) words.push(cur); cur = null; continue; }
    if (ch === "'") { const end = text.indexOf("'", i + 1); cur = (cur ?? '') + text.slice(i + 1, end); i = end; continue; }
    cur = (cur ?? '') + ch;
  }
  if (cur !== null) words.push(cur);
  return words;
}

test('QEMU: the argument vector parsed back gives every host function once, one root port per multifunction device, boot-GPU options', () => {
  const c = cfg(sample('desktop-gpu'), [...GPU, '0000:02:00.0'], { format: 'qemu' });
  assert.deepEqual(shellWords(c.text), ['qemu-system-x86_64', ...c.argv!]);
  const devices = c.argv!.flatMap((a, i) => (c.argv![i - 1] === '-device' ? [parseQemuOpts(a)] : []));
  const ports = devices.filter((d) => d.driver === 'pcie-root-port');
  const vfio = devices.filter((d) => d.driver === 'vfio-pci');
  assert.deepEqual(vfio.map((d) => d.props['host']).sort(), [...GPU, '0000:02:00.0']);
  assert.equal(ports.length, 1);
  const onPort = vfio.filter((d) => d.props['bus'] === ports[0]!.props['id']);
  assert.deepEqual(onPort.map((d) => [d.props['host'], d.props['addr'], d.props['multifunction'] ?? null]),
    GPU.map((b, i) => [b, `00.${i}`, i === 0 ? 'on' : null]));
  assert.equal(vfio.find((d) => d.props['host'] === '0000:01:00.0')!.props['x-vga'], 'on');
  assert.equal(vfio.find((d) => d.props['host'] === '0000:02:00.0')!.props['bus'], undefined);
  assert.deepEqual(c.argv!.slice(-2), ['-vga', 'none']);
  assert.equal(new Set(vfio.map((d) => d.props['id'])).size, vfio.length);
});

test('Proxmox: a whole device as BB:SS with pcie=1 (x-vga=1 for the boot GPU); a subset of functions one entry each', () => {
  assert.equal(cfg(sample('desktop-gpu'), GPU, { format: 'proxmox' }).text, 'hostpci0: 0000:01:00,pcie=1,x-vga=1\n');
  assert.equal(cfg(sample('dual-gpu'), ['0000:02:00.0', '0000:02:00.1'], { format: 'proxmox' }).text, 'hostpci0: 0000:02:00,pcie=1\n');
  assert.equal(cfg(sample('desktop-gpu'), ['0000:01:00.0', '0000:01:00.1'], { format: 'proxmox' }).text, 'hostpci0: 0000:01:00.0,pcie=1,x-vga=1\nhostpci1: 0000:01:00.1,pcie=1\n');
});

test('cloud-hypervisor: one --device with a sysfs path per function', () => {
  const c = cfg(sample('dual-gpu'), ['0000:02:00.0', '0000:02:00.1'], { format: 'cloud-hypervisor' });
  assert.deepEqual(c.argv, ['--device', 'path=/sys/bus/pci/devices/0000:02:00.0/', 'path=/sys/bus/pci/devices/0000:02:00.1/']);
  assert.deepEqual(shellWords(c.text).slice(1), c.argv);
  assert.ok(c.notes.some((n) => /no multifunction/.test(n)));
});

test('every other endpoint of the group is named (bridges are not)', () => {
  const c = cfg(sample('desktop-gpu'), ['0000:04:00.0'], { format: 'qemu' });
  assert.equal(c.others.length, 1);
  assert.match(c.others[0]!, /^0000:05:00\.0 \(on ahci\) is in IOMMU group 6 too: pass it to the same VM, or leave it unbound or on vfio-pci/);
  assert.deepEqual(cfg(sample('desktop-gpu'), GPU, { format: 'qemu' }).others, []);
});
