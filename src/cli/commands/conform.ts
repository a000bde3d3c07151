import type { Command } from 'commander';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';

interface ConformOptions { readonly json?: boolean; readonly color?: boolean }

/**
 * `dmaown conform TRACE...`: replay dmaown-trace/1 files (or directories of them) on the model and
 * compare every step with what the real kernel answered. Ends with `N passed, N failed` (steps);
 * exit 1 on any mismatch, 2 when a trace cannot be read.
 */
export async function runConform(paths: readonly string[], o: ConformOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const { loadTrace, traceFiles } = await import('../../conform/traces.js');
  const { replayTrace } = await import('../../conform/replay.js');
  const { renderReplay } = await import('../render/conform.js');
  const reports = [];
  let unreadable = 0;
  const found = traceFiles(paths);
  for (const w of found.warnings) io.err(`dmaown conform: warning: ${w}\n`);
  if (found.files.length === 0) {
    io.err(`dmaown conform: no trace to replay in ${paths.join(', ')} (expected dmaown-trace/1 *.json files)\n`);
    return EXIT.usage;
  }
  for (const file of found.files) {
    const t = loadTrace(file);
    const r = t.ok ? replayTrace(t.value, file) : t;
    if (!r.ok) {
      unreadable++;
      io.err(`dmaown conform: ${r.why}\n`);
      continue;
    }
    reports.push(r.value);
    if (!o.json) io.out(renderReplay(r.value, c));
  }
  const passed = reports.reduce((n, r) => n + r.passed, 0);
  const failed = reports.reduce((n, r) => n + r.failed, 0);
  if (o.json) {
    printJson(io, {
      schema: 'dmaown-conform/1', passed, failed, unreadable,
      traces: reports.map((r) => ({
        file: r.file, title: r.title, kernel: r.kernel, passed: r.passed, failed: r.failed,
        steps: r.steps.map((s) => ({
          index: s.index, call: s.step.call, path: s.step.path, fd: s.step.fd, request: s.step.request,
          expected: s.step.result, actual: s.result, match: s.match, mismatch: s.mismatch, why: s.why, calls: s.calls,
        })),
      })),
    });
  } else {
    io.out(`${passed} passed, ${failed} failed\n`);
  }
  if (unreadable > 0) return EXIT.usage;
  return failed > 0 ? EXIT.negative : EXIT.ok;
}

export function defineConform(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.argument('<trace...>', 'dmaown-trace/1 files, or directories searched for *.json')
    .action(async (paths: string[], _o: unknown, self: Command) => {
      done(await runConform(paths, self.optsWithGlobals<ConformOptions>(), io));
    });
}
