import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, schemaErrors } from './testing/cli.js';

/**
 * Devices in a VMD domain (Intel Volume Management Device: domains 10000 and up, five hex digits)
 * are PCI addresses like any other: status lists them, and check, plan and explain accept them.
 * The host: desktop-gpu with its SATA controller's twin behind a VMD root bus, alone in group 30.
 */
function vmdCapture(dir: string): string {
  const c = JSON.parse(readFileSync(join(process.cwd(), 'samples/desktop-gpu.json'), 'utf8')) as { entries: Record<string, unknown> };
  const e = c.entries, src = 'devices/pci0000:00/0000:00:1c.4/0000:05:00.0', dst = 'devices/pci10000:e1/10000:e1:00.0';
  for (const k of Object.keys(e)) if (k.startsWith(`${src}/`)) e[dst + k.slice(src.length)] = e[k];
  e[`${dst}/iommu_group`] = { link: '../../../kernel/iommu_groups/30' };
  e[`${dst}/driver`] = { link: '../../../bus/pci/drivers/ahci' };
  e['bus/pci/devices/10000:e1:00.0'] = { link: '../../../devices/pci10000:e1/10000:e1:00.0' };
  e['bus/pci/drivers/ahci/10000:e1:00.0'] = { link: '../../../../devices/pci10000:e1/10000:e1:00.0' };
  e['kernel/iommu_groups/30/devices/10000:e1:00.0'] = { link: '../../../../devices/pci10000:e1/10000:e1:00.0' };
  e['kernel/iommu_groups/30/type'] = 'DMA-FQ\n';
  const file = join(dir, 'vmd.json');
  writeFileSync(file, JSON.stringify(c));
  return file;
}

test('a VMD-domain device (10000:e1:00.0): listed, checked, planned and explained like any other', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-vmd-'));
  try {
    const cap = vmdCapture(dir);
    const s = await run(['--capture', cap, '--json']);
    assert.equal(s.code, 0, s.err);
    const status = JSON.parse(s.out) as { groups: { id: number; devices: { bdf: string }[] }[] };
    assert.equal(schemaErrors(status as { schema?: string }), null);
    assert.deepEqual(status.groups.find((g) => g.id === 30)?.devices.map((d) => d.bdf), ['10000:e1:00.0']);
    const c = await run(['check', '10000:e1:00.0', '--capture', cap, '--json']);
    assert.equal(c.code, 0, c.err);
    assert.equal(schemaErrors(JSON.parse(c.out) as { schema?: string }), null);
    const p = await run(['plan', '10000:E1:00.0', '--capture', cap, '--json']);
    assert.equal(p.code, 0, p.err);
    const plan = JSON.parse(p.out) as { schema?: string; devices: { bdf: string }[]; simulated: { ok: boolean } };
    assert.equal(schemaErrors(plan), null);
    assert.deepEqual(plan.devices.map((d) => d.bdf), ['10000:e1:00.0']);
    assert.equal(plan.simulated.ok, true);
    const x = await run(['explain', '10000:e1:00.0', '--capture', cap]);
    assert.equal(x.code, 0, x.err);
    const a = await run(['apply', '10000:e1:00.0', '--capture', cap]);
    assert.equal(a.code, 0, a.err);
    assert.match(a.out, /echo 10000:e1:00\.0 > \/sys\/bus\/pci\/drivers\/ahci\/unbind/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
