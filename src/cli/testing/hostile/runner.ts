/**
 * The child process of the hostile-input test: receives cases over IPC, runs each through the real
 * CLI entry `main()` with captured output, answers with the exit code and the output. The parent
 * enforces the time limit: a case that does not answer in time is a hang, and this process is killed.
 */
import { main } from '../../main.js';
import type { CliIo } from '../../io.js';

process.on('message', (m: { argv: string[]; cwd?: string }) => {
  void (async () => {
    let out = '', err = '';
    const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, env: {}, isTTY: false };
    const home = process.cwd();
    const t0 = Date.now();
    let code = -1, threw: string | null = null;
    try {
      if (m.cwd) process.chdir(m.cwd);
      code = await main(m.argv, io);
    } catch (e) {
      threw = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    } finally { process.chdir(home); }
    process.send?.({ code, out: out.slice(0, 200_000), err: err.slice(0, 200_000), threw, ms: Date.now() - t0 });
  })();
});
process.send?.({ ready: true });
