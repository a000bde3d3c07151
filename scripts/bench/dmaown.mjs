// How the harness invokes dmaown and decides whether the piece a benchmark needs has landed.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runTimed } from './proc.mjs';

export function dmaownArgv(repo, ...args) {
  return [process.execPath, join(repo, 'bin', 'dmaown.js'), ...args];
}

/** The report command the scan and peer benchmarks time ("status": groups, drivers, roles, verdicts, explanations). */
export const REPORT_ARGS = ['status', '--json'];

/** null when `dmaown --version` works, else the reason the CLI benchmarks are skipped. */
export async function cliMissing(repo) {
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) return 'dist/cli/main.js not built (src/cli has not landed, or run `npm run build`)';
  const r = await runTimed(dmaownArgv(repo, '--version'), { timeoutMs: 30_000 });
  if (r.code !== 0) return `\`dmaown --version\` exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`;
  return null;
}

/**
 * Checks a report run: exit status 0..2 (2 may mean "problems found"), JSON output that names the
 * host's last PCI function (so the scan saw the whole host). Returns null or what is wrong.
 */
export function checkReport(r, lastBdf) {
  if (r.timedOut) return 'timed out';
  if (r.code === null || r.code > 2) return `exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  if (r.stdoutBytes < 512 * 1024 * 1024) {
    try { JSON.parse(r.stdout); } catch (e) { return `output is not JSON (${String(e.message).slice(0, 80)})`; }
  }
  if (lastBdf && !r.stdout.includes(lastBdf)) return `output does not mention ${lastBdf} (incomplete scan?)`;
  return null;
}
