import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { HostSelection } from '../../assign/source.js';
import type { ReportInput } from '../../web/report-data.js';
import { EXIT, printJson, type CliIo } from '../io.js';
import { loadView, selectionOf, type HostOptions, type Viewed } from '../host-options.js';

export interface ReportOptions extends HostOptions {
  readonly html?: string;
}

/** The options that select this host again, for the commands the page shows. */
export function sourceArgs(sel: HostSelection): string[] {
  switch (sel.kind) {
    case 'sample': return ['--sample', sel.name];
    case 'capture': return ['--capture', sel.file];
    case 'sysfs-root': return ['--sysfs-root', sel.root, ...(sel.kernel !== undefined ? ['--kernel', sel.kernel] : [])];
    case 'paste': return sel.files.flatMap((f) => ['--paste', f]);
    default: return [];
  }
}

/** Load the host and what the page needs; a live host without groups gets its diagnosis (never a sample). */
export async function reportInput(o: HostOptions, io: CliIo): Promise<{ ok: true; value: ReportInput & { viewed: Viewed } } | { ok: false; why: string }> {
  const sel = selectionOf(o);
  if (typeof sel === 'string') return { ok: false, why: sel };
  const r = await loadView(o, io, sel);
  if (!r.ok) return r;
  const v = r.value;
  // The same diagnosis every command gives (assign/diagnosis.ts), as one sentence for the page.
  const diagnosis = v.diagnosis === null ? null : `${v.diagnosis.remedy} (${v.diagnosis.code}: ${v.diagnosis.evidence.join('; ')})`;
  return {
    ok: true,
    value: { viewed: v, label: v.loaded.label, kind: v.loaded.kind, sourceArgs: sourceArgs(sel), host: v.loaded.host, view: v.view, why: v.why, diagnosis, note: v.loaded.note },
  };
}

/** `dmaown report --html FILE`: the topology, groups, verdicts, explanations and plans as one self-contained HTML file. */
export async function runReport(o: ReportOptions, io: CliIo): Promise<number> {
  if (o.html === undefined || o.html === '') { io.err('dmaown report: --html FILE is required (the only format so far; `-` writes to stdout)\n'); return EXIT.usage; }
  const r = await reportInput(o, io);
  if (!r.ok) { io.err(`dmaown report: ${r.why}\n`); return EXIT.usage; }
  const { reportData } = await import('../../web/report-data.js');
  const { reportHtml } = await import('../../web/page.js');
  const data = await reportData(r.value);
  const html = reportHtml(data);
  if (o.html === '-') io.out(html);
  else {
    try { writeFileSync(o.html, html); } catch (e) {
      io.err(`dmaown report: cannot write ${o.html}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return EXIT.usage;
    }
  }
  const summary = { schema: 'dmaown-report/1', file: o.html, bytes: Buffer.byteLength(html), functions: data.totals.functions, groups: data.totals.groups, simulated: data.simulated.done };
  if (o.json) printJson(io, summary);
  else if (o.html !== '-') io.err(`wrote ${o.html}: ${data.totals.functions} functions, ${data.totals.groups} IOMMU groups, ${data.simulated.done} plans simulated, ${(summary.bytes / 1024).toFixed(0)} kB\n`);
  return EXIT.ok;
}

export function defineReport(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.option('--html <file>', 'write the report as one self-contained HTML file (no network; - for stdout)')
    .action(async (_o: unknown, self: Command) => { done(await runReport(self.optsWithGlobals<ReportOptions>(), io)); });
}
