import { spawnSync } from 'node:child_process';

/**
 * An external checker a test needs (promtool, systemd-analyze). Present: run it. Absent: under CI
 * (CI=true) the test fails — .ci/run installs it — elsewhere it is skipped with the command that
 * installs it.
 */
export interface Tool {
  readonly available: boolean;
  /** Message for t.skip(), or null when available. */
  readonly skip: string | null;
}

export function findTool(cmd: string, versionArg: string, install: string): Tool {
  const r = spawnSync(cmd, [versionArg], { encoding: 'utf8' });
  if (r.error === undefined && r.status === 0) return { available: true, skip: null };
  if (process.env['CI'] === 'true') throw new Error(`${cmd} is required under CI=true (.ci/run installs it: ${install})`);
  return { available: false, skip: `${cmd} not installed (${install}); skipped outside CI` };
}

export function runTool(cmd: string, args: readonly string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync(cmd, [...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
