import type { Command } from 'commander';
import { EXIT, type CliIo } from '../io.js';
import type { HostOptions } from '../host-options.js';
import { reportInput } from './report.js';

export interface ServeOptions extends HostOptions {
  readonly port?: string;
  readonly bind?: string;
}

export const DEFAULT_PORT = 8737;

/**
 * `dmaown serve`: the report live on http://127.0.0.1:PORT/ with the what-if. Runs until interrupted
 * (or `until` resolves: tests). Never writes to the host.
 */
export async function runServe(o: ServeOptions, io: CliIo, until?: (url: string) => Promise<void>): Promise<number> {
  const { checkBind, startServer } = await import('../../web/server.js');
  const bad = checkBind(o.bind ?? '127.0.0.1');
  if (bad !== null) { io.err(`dmaown serve: ${bad}\n`); return EXIT.usage; }
  const port = Number(o.port ?? DEFAULT_PORT);
  if (!/^\d+$/.test(o.port ?? String(DEFAULT_PORT)) || port > 65535) { io.err(`dmaown serve: --port ${o.port}: a port number 0-65535\n`); return EXIT.usage; }
  const r = await reportInput(o, io);
  if (!r.ok) { io.err(`dmaown serve: ${r.why}\n`); return EXIT.usage; }
  const { reportData } = await import('../../web/report-data.js');
  const data = await reportData(r.value, { live: true });
  let running;
  try {
    running = await startServer({ host: r.value.host, view: r.value.view, data, sourceArgs: r.value.sourceArgs }, { port, bind: o.bind ?? '127.0.0.1' });
  } catch (e) {
    io.err(`dmaown serve: cannot listen on 127.0.0.1:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return EXIT.usage;
  }
  if (o.json) io.out(`${JSON.stringify({ schema: 'dmaown-serve/1', url: running.url, port: running.port, host: r.value.label })}\n`);
  else io.out(`dmaown serve: ${r.value.label} on ${running.url} (127.0.0.1 only; read-only: applying stays \`sudo dmaown apply … --yes\`). Ctrl-C stops.\n`);
  await (until?.(running.url) ?? new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); }));
  await running.close();
  return EXIT.ok;
}

export function defineServe(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.option('--port <n>', `TCP port on 127.0.0.1 (0: any free port)`, String(DEFAULT_PORT))
    .option('--bind <address>', 'listen address: 127.0.0.1 only; anything else is refused', '127.0.0.1')
    .action(async (_o: unknown, self: Command) => { done(await runServe(self.optsWithGlobals<ServeOptions>(), io)); });
}
