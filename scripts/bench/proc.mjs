// Running a child process for measurement: wall time (process.hrtime around spawn..exit), peak
// RSS (GNU time's %M: ru_maxrss of the child, i.e. the largest process of the tree, in KiB), CPU time
// (GNU time's %U + %S: every thread of the child and its children), and a
// hard time cap that kills the whole process group we started.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';
export const hasGnuTime = existsSync(GNU_TIME);

/**
 * Runs argv[0] with argv.slice(1). Resolves to
 * { wallMs, maxRssKb|null, cpuMs|null (user + sys of the child and its waited-for children), code, signal, timedOut, stdout (string, capped), stdoutBytes, stdoutLines, stderr (tail) }.
 */
export function runTimed(argv, { timeoutMs = 600_000, cwd, env, keepStdout = true, onStdout } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
  const out = join(dir, 'rss');
  const full = hasGnuTime ? [GNU_TIME, '-f', '%M %U %S', '-o', out, ...argv] : argv;
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(full[0], full.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    let bytes = 0;
    let lines = 0;
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c) => {
      bytes += c.length;
      for (let i = 0; i < c.length; i++) if (c[i] === 10) lines++;
      if (keepStdout && bytes < 512 * 1024 * 1024) chunks.push(c);
      if (onStdout) onStdout(c);
    });
    child.stderr.on('data', (c) => { stderr = (stderr + c.toString()).slice(-4000); });
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      clearTimeout(timer);
      let maxRssKb = null;
      let cpuMs = null;
      try {
        const m = /^(\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(readFileSync(out, 'utf8').trim().split('\n').pop());
        if (m) { maxRssKb = Number(m[1]); cpuMs = (Number(m[2]) + Number(m[3])) * 1000; }
      } catch { /* killed */ }
      rmSync(dir, { recursive: true, force: true });
      resolve({ wallMs, maxRssKb, cpuMs, code, signal, timedOut, stdout: Buffer.concat(chunks).toString(), stdoutBytes: bytes, stdoutLines: lines, stderr });
    });
  });
}

/** argv that runs `argv` with `tree` bind-mounted over /sys in a private mount namespace (needs root). */
export function inPrivateSys(tree, argv) {
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /sys && shift && exec "$@"', 'sh', tree, ...argv];
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
