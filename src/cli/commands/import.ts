import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import type { HostOptions } from '../host-options.js';

interface ImportOptions extends HostOptions {
  readonly output?: string;
  readonly kernel?: string;
}

/**
 * `dmaown import FILE...|- [-o CAPTURE]`: reads pasted tool output (group listings, lspci in its forms,
 * kernel logs, Proxmox pvesh), detects each input's format line by line, combines the inputs as one
 * host, prints what it read — per input the formats, per fact how many devices it is known for, the
 * warnings and notes naming file and line — and with `-o` writes a sysfs-capture/1 marked partial
 * (`-o -`: to stdout, the summary to stderr). Exit 2 on binary or unrecognised input, an input over
 * the size limit, or inputs that contradict each other (two hosts).
 */
export async function runImport(files: readonly string[], o: ImportOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const { readInput, importPastes } = await import('../../import/index.js');
  const inputs: { file: string; text: string }[] = [];
  for (const f of files) {
    const t = await readInput(f);
    if (!t.ok) { io.err(`dmaown import: ${t.why}\n`); return EXIT.usage; }
    inputs.push({ file: f === '-' ? '<stdin>' : f, text: t.value });
  }
  const r = importPastes(inputs, o.kernel !== undefined ? { kernel: o.kernel } : {});
  if (!r.ok) { io.err(`dmaown import: ${r.why}\n`); return EXIT.usage; }
  const { importSummary, renderImport } = await import('../render/import.js');
  const summary = importSummary(r.value);
  const toStdout = o.output === '-';
  if (o.json && !toStdout) printJson(io, { schema: 'dmaown-import/1', ...summary, output: o.output ?? null });
  else (toStdout ? io.err : io.out)(renderImport(summary, c));
  if (o.output === undefined) return EXIT.ok;
  const text = `${JSON.stringify(r.value.capture, null, 1)}\n`;
  if (toStdout) { io.out(text); return EXIT.ok; }
  try {
    writeFileSync(o.output, text, { flag: 'wx' });
  } catch (e) {
    io.err(`dmaown import: cannot write ${o.output}: ${(e as NodeJS.ErrnoException).code ?? e} (an existing file is never overwritten)\n`);
    return EXIT.usage;
  }
  if (!o.json) io.out(`wrote ${o.output}: read it with \`dmaown --capture ${o.output}\` (status, check, explain, plan)\n`);
  return EXIT.ok;
}

export function defineImport(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.argument('<file...>', 'pasted output, one file per paste (- reads stdin)')
    .option('-o, --output <capture>', 'write the combined host as a sysfs-capture/1 (never overwrites; - for stdout)')
    .option('--kernel <release>', 'the host\'s kernel release (uname -r) when no paste says it (selects the DMA rules)')
    .action(async (files: string[], _o: unknown, self: Command) => { done(await runImport(files, self.optsWithGlobals<ImportOptions>(), io)); });
}
