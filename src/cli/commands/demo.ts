import type { Command } from 'commander';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';

interface DemoOptions { readonly json?: boolean; readonly color?: boolean; readonly kernel?: string[] }

/**
 * `dmaown demo`: the seed's story — the same syscalls on a q35 guest end in a kernel BUG on 5.10
 * (vfio_iommu_group_notifier's BUG_ON) and in EBUSY with the reason on 6.1 (iommu_device_use_default_domain).
 */
export async function runDemo(o: DemoOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const { seedStory } = await import('../../model/examples/seed-story.js');
  const kernels = o.kernel !== undefined && o.kernel.length > 0 ? o.kernel : ['5.10.0-46-amd64', '6.1.0-56-amd64'];
  const { profileFor } = await import('../../model/index.js');
  for (const k of kernels) {
    const p = profileFor(k);
    if (!p.ok) { io.err(`dmaown demo: ${p.why}\n`); return EXIT.usage; }
  }
  const stories = kernels.map((k) => seedStory(k));
  if (o.json) { printJson(io, { schema: 'dmaown-demo/1', stories }); return EXIT.ok; }
  const out: string[] = [
    'The seed\'s story: give 00:05.0 to vfio-pci, take its sibling 00:05.1 (same IOMMU group) off e1000,',
    'open the group for user space, then bind e1000 back to 00:05.1 while user space owns the group.',
  ];
  for (const s of stories) {
    out.push('', c.bold(`# kernel ${s.kernel}`));
    for (const l of s.lines) {
      const res = l.result === 'ok' ? c.green('ok') : l.result === 'oops' ? c.red(c.bold('oops')) : c.red(l.result);
      out.push(`$ ${l.call}  → ${res}`);
      if (l.why !== undefined) out.push(`    why:  ${l.why}`);
      if (l.result !== 'ok' && l.calls.length > 0) out.push(`    path: ${l.calls.join(' → ')}`);
    }
  }
  io.out(`${out.join('\n')}\n`);
  return EXIT.ok;
}

export function defineDemo(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.option('--kernel <release...>', 'kernel releases (uname -r) to tell it on (default: 5.10.0-46-amd64 6.1.0-56-amd64)')
    .action(async (_o: unknown, self: Command) => { done(await runDemo(self.optsWithGlobals<DemoOptions>(), io)); });
}
