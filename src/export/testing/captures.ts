import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDir, repoDir } from '../../testing/shared.js';

/**
 * Every host the export tests run on, as a user would name it: each shared real-host capture
 * (../shared/hosts), each bundled sample, and a host without IOMMU groups — the q35 6.1 capture with
 * its IOMMU taken away (no DMAR unit, no groups, no iommu links, no intel_iommu=on), as a VM without a
 * virtual IOMMU shows it.
 */
export interface ExportHost {
  readonly name: string;
  readonly file: string;
}

let noGroupsFile: string | null = null;

/** The q35 6.1 capture without any IOMMU: written once per test process to a temp dir. */
export function noGroupsCapture(): string {
  if (noGroupsFile !== null) return noGroupsFile;
  const src = JSON.parse(readFileSync(join(sharedDir(), 'hosts', 'qemu-q35-6.1.json'), 'utf8')) as { cmdline: string[]; entries: Record<string, unknown> };
  const entries: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src.entries)) {
    if (k.startsWith('class/iommu') || k.startsWith('kernel/iommu_groups') || k.endsWith('/iommu') || k.endsWith('/iommu_group')) continue;
    entries[k] = v;
  }
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-nogroups-'));
  noGroupsFile = join(dir, 'qemu-q35-6.1-no-iommu.json');
  writeFileSync(noGroupsFile, JSON.stringify({ ...src, cmdline: src.cmdline.filter((w) => !w.includes('iommu')), entries }));
  return noGroupsFile;
}

export function exportHosts(): ExportHost[] {
  const hosts = join(sharedDir(), 'hosts');
  const samples = join(repoDir(), 'samples');
  return [
    ...readdirSync(hosts).filter((f) => f.endsWith('.json')).sort().map((f) => ({ name: f, file: join(hosts, f) })),
    ...readdirSync(samples).filter((f) => f.endsWith('.json')).sort().map((f) => ({ name: `samples/${f}`, file: join(samples, f) })),
    { name: 'qemu-q35-6.1 without IOMMU (no groups)', file: noGroupsCapture() },
  ];
}
