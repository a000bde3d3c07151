import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostileCase, HostileResult } from './testing/hostile/case.js';
import { CorpusDir } from './testing/hostile/files.js';
import { captureCases } from './testing/hostile/corpus-captures.js';
import { traceCases } from './testing/hostile/corpus-traces.js';
import { journalCases } from './testing/hostile/corpus-journals.js';
import { planCases } from './testing/hostile/corpus-plans.js';
import { argumentCases } from './testing/hostile/corpus-args.js';
import { lockToolsMissing, treeFixture } from './testing/trees.js';

/**
 * Issue #11's corpus: every hostile input — captures, traces, trees, journals, plan files,
 * arguments — run through the real CLI entry `main()` in a child process, one case at a time, each
 * under a time limit (a case that does not answer is a hang: the child is killed and the case fails).
 * Each must end with its exit code (2 for input errors) and a message naming what and where, or with
 * a correct answer; never a stack trace, never an exception out of main(), never a raw control
 * character on the terminal where the case says so.
 */
const LIMIT_MS = 20_000;
const STACK = /^\s+at .+:\d+:\d+\)?$/m;
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

class Runner {
  private child: ChildProcess | null = null;
  private start(): Promise<ChildProcess> {
    const c = fork(fileURLToPath(new URL('./testing/hostile/runner.js', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, NO_COLOR: '1' } });
    return new Promise((resolve) => { c.once('message', () => resolve(c)); });
  }
  async run(k: HostileCase): Promise<HostileResult | 'hang'> {
    this.child ??= await this.start();
    const c = this.child;
    return new Promise((resolve) => {
      const timer = setTimeout(() => { c.kill('SIGKILL'); this.child = null; resolve('hang'); }, LIMIT_MS);
      c.once('message', (m) => { clearTimeout(timer); resolve(m as HostileResult); });
      c.send({ argv: k.argv, cwd: k.cwd });
    });
  }
  stop(): void { this.child?.kill(); }
}

test('≥150 hostile inputs through main(): each an exit code with what and where (or a correct answer); 0 stack traces, 0 hangs', { timeout: 20 * 60_000, skip: lockToolsMissing() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-hostile-'));
  const runner = new Runner();
  try {
    const d = new CorpusDir(dir);
    const f = await treeFixture('dmaown-hostile-tree-');
    const cases = [
      ...captureCases(d), ...traceCases(d), ...(await journalCases(d, f)), ...planCases(d, f), ...argumentCases(d, f),
    ];
    assert.ok(cases.length >= 150, `${cases.length} cases`);
    const failures: string[] = [];
    let hangs = 0, stacks = 0, slowest = 0;
    for (const k of cases) {
      const r = await runner.run(k);
      if (r === 'hang') { hangs++; failures.push(`${k.name}: no answer within ${LIMIT_MS} ms (a hang)`); continue; }
      slowest = Math.max(slowest, r.ms);
      const all = `${r.out}\n${r.err}`;
      const why: string[] = [];
      if (r.threw !== null) why.push(`main() threw: ${r.threw.slice(0, 300)}`);
      if (STACK.test(all) || /internal error/.test(all)) { stacks++; why.push('a stack trace or internal error'); }
      const codes = typeof k.code === 'number' ? [k.code] : k.code;
      if (!codes.includes(r.code)) why.push(`exit ${r.code}, expected ${codes.join(' or ')}`);
      if (k.err && !k.err.test(r.err)) why.push(`stderr does not match ${k.err}`);
      if (k.out && !k.out.test(r.out)) why.push(`stdout does not match ${k.out}`);
      if (k.noControls && RAW_CONTROL.test(all)) why.push('a raw control character in the output');
      if (r.err.length > (k.maxErr ?? 20_000)) why.push(`a ${r.err.length}-character message`);
      if (why.length > 0) failures.push(`${k.name}: ${why.join('; ')}\n    argv: ${JSON.stringify(k.argv).slice(0, 300)}\n    exit ${r.code}; stderr: ${JSON.stringify(r.err.slice(0, 400))}; stdout: ${JSON.stringify(r.out.slice(0, 200))}`);
    }
    assert.deepEqual({ hangs, stacks }, { hangs: 0, stacks: 0 }, failures.join('\n'));
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases:\n${failures.join('\n')}`);
    console.log(`# hostile corpus: ${cases.length} cases, 0 failures, 0 stack traces, 0 hangs, slowest ${slowest} ms`);
    rmSync(f.dir, { recursive: true, force: true });
  } finally {
    runner.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
