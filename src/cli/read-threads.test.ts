import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { materializeCapture, readCaptureFile } from '../host/index.js';
import { run } from './testing/cli.js';

/**
 * "Nothing given up" by reading on several threads: every answer the CLI gives about a tree — groups,
 * verdicts, explanations, plans, warnings, exit codes — is byte for byte the one it gives reading on
 * one thread (DMAOWN_READ_THREADS=1), for every bundled sample, every shared capture and a generated
 * host (scripts/bench generator, deterministic), each as a directory tree.
 */
async function outputs(root: string, threads: string): Promise<string[]> {
  const saved = process.env['DMAOWN_READ_THREADS'];
  process.env['DMAOWN_READ_THREADS'] = threads;
  try {
    const host = ['--sysfs-root', root, '--pci-ids', join(process.cwd(), 'samples', 'pci.ids')];
    const status = await run(['status', '--json', ...host]);
    const doc = JSON.parse(status.out) as { groups: { devices: { bdf: string; infrastructure: string | null }[] }[] };
    const eps = doc.groups.flatMap((g) => g.devices.filter((d) => d.infrastructure === null).map((d) => d.bdf));
    const mid = eps[eps.length >> 1];
    const cmds = [['status', '--all', '--wide'], ['explain', '--json'], ...(mid === undefined ? [] : [['check', mid, '--json'], ['plan', mid]])];
    const out = [`${status.code}\n${status.out}\n${status.err}`];
    for (const c of cmds) {
      const r = await run([...c, ...host]);
      out.push(`${c.join(' ')}: ${r.code}\n${r.out}\n${r.err}`);
    }
    return out;
  } finally {
    if (saved === undefined) delete process.env['DMAOWN_READ_THREADS']; else process.env['DMAOWN_READ_THREADS'] = saved;
  }
}

test('reading a tree on 3 threads gives every output byte for byte as on one: samples, shared captures, a generated host', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'read-threads-'));
  try {
    const roots: string[] = [];
    const files = [
      ...readdirSync('samples').filter((f) => f.endsWith('.json')).map((f) => join('samples', f)),
      ...readdirSync(join('..', 'shared', 'hosts')).filter((f) => f.endsWith('.json')).map((f) => join('..', 'shared', 'hosts', f)),
    ];
    for (const [i, f] of files.entries()) {
      const c = readCaptureFile(f);
      assert.ok(c.ok, f);
      assert.ok(materializeCapture(c.value, join(dir, String(i))).ok, f);
      roots.push(join(dir, String(i)));
    }
    const { generateTopology } = await import(new URL('../../scripts/bench/topology.mjs', import.meta.url).href) as { generateTopology: (n: number) => unknown };
    const { writeTree } = await import(new URL('../../scripts/bench/write-host.mjs', import.meta.url).href) as { writeTree: (t: unknown, root: string) => number };
    const gen = join(dir, 'generated');
    writeTree(generateTopology(600), join(gen, 'sys'));
    mkdirSync(join(gen, 'proc', 'sys', 'kernel'), { recursive: true });
    writeFileSync(join(gen, 'proc', 'sys', 'kernel', 'osrelease'), '6.1.0-28-amd64\n');
    writeFileSync(join(gen, 'proc', 'cmdline'), 'BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt\n');
    roots.push(gen);
    for (const root of roots) {
      const one = await outputs(root, '1');
      assert.match(one[0] as string, /^0\n\{/, root);
      const many = await outputs(root, '3');
      assert.equal(many.length, one.length);
      for (let i = 0; i < one.length; i++) assert.equal(many[i], one[i], `${root}: output ${i}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
