import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { EXIT, type CliIo } from '../io.js';
import { selectionOf, type HostOptions } from '../host-options.js';

interface CaptureOptions extends HostOptions { readonly output?: string }

/**
 * `dmaown capture [-o FILE]`: write this host (or --sysfs-root) as a sysfs-capture/1 file — PCI, IOMMU
 * group, driver and IOMMU-unit entries only; never network addresses, serial numbers or the full
 * kernel command line. A top-level `evidence` field records what the diagnosis and the plan need
 * besides /sys/bus/pci: the CPU's hypervisor flag and vendor, DMI vendor/product, and whether the
 * vfio-pci and pci-stub modules are loaded, built in, available for this kernel, or absent. Every other command reads it back with --capture FILE.
 */
export async function runCapture(o: CaptureOptions, io: CliIo): Promise<number> {
  const sel = selectionOf(o);
  if (typeof sel === 'string') { io.err(`dmaown: ${sel}\n`); return EXIT.usage; }
  const { loadHost } = await import('../../assign/source.js');
  const { captureToJson, evidenceJson, writeCapture } = await import('../../host/index.js');
  const h = await loadHost(sel);
  if (!h.ok) { io.err(`dmaown capture: ${h.errno}: ${h.why}\n`); return EXIT.usage; }
  const c = writeCapture(h.value.port);
  if (!c.ok) { io.err(`dmaown capture: ${c.errno}: ${c.why}\n`); return EXIT.usage; }
  // The evidence the no-groups diagnosis and the plan's module step use: VM or not, DMI, module states.
  const text = captureToJson({ ...c.value, extra: { ...(c.value.extra ?? {}), evidence: evidenceJson(h.value.evidence) } });
  if (o.output === undefined || o.output === '-') { io.out(text); return EXIT.ok; }
  try {
    writeFileSync(o.output, text, { flag: 'wx' });
  } catch (e) {
    io.err(`dmaown capture: cannot write ${o.output}: ${(e as NodeJS.ErrnoException).code ?? e} (an existing file is never overwritten)\n`);
    return EXIT.usage;
  }
  io.err(`wrote ${o.output}: ${Object.keys(c.value.entries).length} entries, kernel ${c.value.kernel}\n`);
  return EXIT.ok;
}

export function defineCapture(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.option('-o, --output <file>', 'write to FILE (never overwrites; default: stdout)')
    .action(async (_o: unknown, self: Command) => { done(await runCapture(self.optsWithGlobals<CaptureOptions>(), io)); });
}
