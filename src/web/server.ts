import { Hono } from 'hono';
import { createAdaptorServer } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { parseBdfs } from '../assign/bdf.js';
import type { HostView } from '../assign/inspect.js';
import { planData, type PlanData } from './plan-data.js';
import { reportHtml } from './page.js';
import type { ReportData } from './report-data.js';
import type { HostDescription } from '../model/host-description.js';

/**
 * `dmaown serve`: the report page, live, on 127.0.0.1, and the what-if — pick devices, get the plan
 * and its outcome simulated on the model of the host's kernel. Nothing here writes to the host: the
 * routes are GET only (anything else is 405), the simulation runs on a model kernel, and applying
 * stays `sudo dmaown apply … --yes` in a terminal.
 *
 * DNS rebinding: a page from another site can point its own name at 127.0.0.1 and then read our
 * answers as same-origin. So every request's Host header must name this server (127.0.0.1:PORT or
 * localhost:PORT), and a cross-site Origin or Sec-Fetch-Site is refused too.
 */
export interface ServeInput {
  readonly host: HostDescription;
  readonly view: HostView;
  readonly data: ReportData;
  readonly sourceArgs: readonly string[];
}

export const WHATIF_SCHEMA = 'dmaown-whatif/1';

/** At most this many devices in one what-if (each request simulates on a model of the whole host). */
export const MAX_WHATIF_DEVICES = 64;

/** The addresses `serve` may bind: loopback IPv4 only. */
export function checkBind(address: string): string | null {
  return address === '127.0.0.1' || address === 'localhost' ? null
    : `refusing to listen on ${address}: dmaown serve binds to 127.0.0.1 only (the page shows this host's devices and plans to anyone who can reach it; use \`ssh -L 8737:127.0.0.1:8737 host\` to look from elsewhere)`;
}

export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function serveApp(input: ServeInput, port: () => number): Hono {
  const app = new Hono();
  const page = reportHtml(input.data);
  let queue: Promise<unknown> = Promise.resolve();
  app.use('*', async (c, next) => {
    const allowed = allowedHosts(port());
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (!allowed.has(host)) {
      return c.text(`dmaown serve answers only to http://127.0.0.1:${port()}/ (Host '${host.slice(0, 100)}' refused: DNS-rebinding protection)\n`, 403);
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== 'null' && !allowed.has(origin.replace(/^http:\/\//, ''))) return c.text(`cross-origin request from ${origin.slice(0, 100)} refused\n`, 403);
    if (c.req.header('sec-fetch-site') === 'cross-site') return c.text('cross-site request refused\n', 403);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return c.text('dmaown serve changes nothing: GET only\n', 405, { allow: 'GET, HEAD' });
    await next();
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('cache-control', 'no-store');
    c.header('x-frame-options', 'DENY');
  });
  app.get('/', (c) => c.html(page));
  app.get('/api/what-if', async (c) => {
    const r = parseBdfs(c.req.queries('bdf') ?? []);
    if (!r.ok) return c.json({ schema: WHATIF_SCHEMA, ok: false, error: r.why }, 400);
    if (r.value.length === 0) return c.json({ schema: WHATIF_SCHEMA, ok: false, error: 'name at least one device: /api/what-if?bdf=01:00.0' }, 400);
    if (r.value.length > MAX_WHATIF_DEVICES) return c.json({ schema: WHATIF_SCHEMA, ok: false, error: `at most ${MAX_WHATIF_DEVICES} devices in one what-if` }, 400);
    const known = new Set(input.host.pci.map((d) => d.bdf));
    const missing = r.value.filter((b) => !known.has(b));
    if (missing.length > 0) return c.json({ schema: WHATIF_SCHEMA, ok: false, error: `no PCI device ${missing.join(', ')} on this host` }, 400);
    const allow = c.req.query('members') === '1' ? membersToTake(input.view, r.value) : [];
    // One simulation at a time: each builds the model of the whole host.
    const run = queue.then(() => planData(input.host, input.view, r.value, allow, input.sourceArgs, true));
    queue = run.catch(() => undefined);
    const plan: PlanData = await run;
    return c.json({ schema: WHATIF_SCHEMA, ok: true, plan });
  });
  app.notFound((c) => c.text('not found\n', 404));
  return app;
}

/** The other kernel-driver endpoints of the picked devices' groups (what --allow-group-member would name). */
export function membersToTake(view: HostView, bdfs: readonly string[]): string[] {
  const out: string[] = [];
  for (const g of view.groups) {
    if (!g.devices.some((d) => bdfs.includes(d.bdf))) continue;
    for (const d of g.devices) if (!bdfs.includes(d.bdf) && d.blocks && !d.bridge) out.push(d.bdf);
  }
  return out;
}

export interface Running {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1:`port` (0: any free port). Refuses any other address before opening a socket. */
export async function startServer(input: ServeInput, opts: { readonly port: number; readonly bind?: string }): Promise<Running> {
  const bad = checkBind(opts.bind ?? '127.0.0.1');
  if (bad !== null) throw new Error(bad);
  let port = opts.port;
  const app = serveApp(input, () => port);
  const server = createAdaptorServer({ fetch: app.fetch, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  if (addr.address !== '127.0.0.1') { server.close(); throw new Error(`listening on ${addr.address}, not 127.0.0.1`); }
  port = addr.port;
  return {
    url: `http://127.0.0.1:${port}/`, port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
