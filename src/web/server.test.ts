import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, lstatSync, readlinkSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBind, serveApp, startServer } from './server.js';
import { reportData } from './report-data.js';
import { inputOf } from './testing/report-input.js';
import { run, schemaErrors } from '../cli/testing/cli.js';
import { runServe } from '../cli/commands/serve.js';
import type { CliIo } from '../cli/io.js';
import { materializeCapture, readCaptureFile } from '../host/index.js';
import { samplesDir } from '../assign/source.js';

const desktop = async () => {
  const input = await inputOf({ kind: 'sample', name: 'desktop-gpu' }, ['--sample', 'desktop-gpu']);
  const data = await reportData(input, { live: true });
  return { input, data, serve: { host: input.host, view: input.view, data, sourceArgs: input.sourceArgs } };
};

test('checkBind: only 127.0.0.1 (or localhost) is accepted', () => {
  assert.equal(checkBind('127.0.0.1'), null);
  assert.equal(checkBind('localhost'), null);
  for (const a of ['0.0.0.0', '::', '::1', '192.168.1.10', '10.0.0.1', '', 'example.com']) assert.match(checkBind(a) ?? '', /127\.0\.0\.1 only/, a);
});

test('dmaown serve --bind 0.0.0.0 is refused before anything listens (exit 2)', async () => {
  const r = await run(['serve', '--bind', '0.0.0.0', '--sample', 'desktop-gpu']);
  assert.equal(r.code, 2);
  assert.match(r.err, /refusing to listen on 0\.0\.0\.0: dmaown serve binds to 127\.0\.0\.1 only/);
  const p = await run(['serve', '--port', '70000', '--sample', 'desktop-gpu']);
  assert.equal(p.code, 2);
  assert.match(p.err, /--port 70000/);
});

test('startServer refuses a non-loopback bind', async () => {
  const { serve } = await desktop();
  await assert.rejects(startServer(serve, { port: 0, bind: '0.0.0.0' }), /127\.0\.0\.1 only/);
});

test('Host header: only 127.0.0.1:PORT and localhost:PORT are answered (DNS rebinding)', async () => {
  const { serve } = await desktop();
  const app = serveApp(serve, () => 8737);
  const ok = await app.request('/', { headers: { host: '127.0.0.1:8737' } });
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /<svg id="topology"/);
  assert.equal((await app.request('/', { headers: { host: 'localhost:8737' } })).status, 200);
  for (const host of ['evil.example', 'evil.example:8737', '127.0.0.1:9999', '127.0.0.1', 'localhost.evil.example:8737', '']) {
    const r = await app.request('/', { headers: { host } });
    assert.equal(r.status, 403, host);
    assert.match(await r.text(), /DNS-rebinding protection/);
  }
  const cross = await app.request('/api/what-if?bdf=01:00.0', { headers: { host: '127.0.0.1:8737', origin: 'http://evil.example' } });
  assert.equal(cross.status, 403);
  const site = await app.request('/api/what-if?bdf=01:00.0', { headers: { host: '127.0.0.1:8737', 'sec-fetch-site': 'cross-site' } });
  assert.equal(site.status, 403);
});

test('no endpoint changes state: anything but GET/HEAD is 405, unknown paths 404', async () => {
  const { serve } = await desktop();
  const app = serveApp(serve, () => 8737);
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    for (const path of ['/', '/api/what-if?bdf=01:00.0', '/api/apply']) {
      const r = await app.request(path, { method, headers: { host: '127.0.0.1:8737' } });
      assert.equal(r.status, 405, `${method} ${path}`);
    }
  }
  assert.equal((await app.request('/api/apply', { headers: { host: '127.0.0.1:8737' } })).status, 404);
});

test('what-if: the GPU with its group members simulates to a viable group; errors are 400', async () => {
  const { serve } = await desktop();
  const app = serveApp(serve, () => 8737);
  const h = { headers: { host: '127.0.0.1:8737' } };
  const r = await app.request('/api/what-if?bdf=01:00.0&members=1', h);
  assert.equal(r.status, 200);
  const body = await r.json() as { schema: string; ok: boolean; plan: { command: string; steps: string[]; sim: { ok: boolean; lines: string[] } } };
  assert.equal(schemaErrors(body), null);
  assert.equal(body.plan.command, 'dmaown plan 01:00.0 --allow-group-member 01:00.1 --allow-group-member 01:00.2 --allow-group-member 01:00.3 --sample desktop-gpu');
  assert.equal(body.plan.sim.ok, true);
  assert.ok(body.plan.sim.lines.some((l) => /group 8 becomes viable/.test(l)));
  // Without consent for the members: refused, naming them.
  const alone = await (await app.request('/api/what-if?bdf=01:00.0', h)).json() as { plan: { refusals: { code: string; bdf: string }[]; sim: unknown } };
  assert.deepEqual(alone.plan.refusals.map((x) => x.code), ['group-member', 'group-member', 'group-member']);
  assert.equal(alone.plan.sim, null);
  for (const q of ['', '?bdf=zz:00.0', '?bdf=7f:00.0']) {
    const e = await app.request(`/api/what-if${q}`, h);
    assert.equal(e.status, 400, q);
    const eb = (await e.json()) as { schema: string; error: string };
    assert.equal(schemaErrors(eb), null);
    assert.match(eb.error, /device|PCI address/);
  }
});

function treeDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n), s = lstatSync(p);
      h.update(`${p}\0${s.mode}\0`);
      if (s.isSymbolicLink()) h.update(readlinkSync(p));
      else if (s.isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

test('serve on a real sysfs tree: a what-if over a real socket leaves every file as it was; a foreign Host gets 403', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-serve-'));
  try {
    const c = readCaptureFile(join(samplesDir(), 'desktop-gpu.json'));
    assert.ok(c.ok);
    const m = materializeCapture(c.value, dir);
    assert.ok(m.ok, m.ok ? '' : m.why);
    const before = treeDigest(dir);
    const input = await inputOf({ kind: 'sysfs-root', root: dir }, ['--sysfs-root', dir]);
    const data = await reportData(input, { live: true });
    const srv = await startServer({ host: input.host, view: input.view, data, sourceArgs: input.sourceArgs }, { port: 0 });
    try {
      const get = (path: string, host: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: srv.port, path, headers: { host } }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => { body += d.toString(); });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      const w = await get('/api/what-if?bdf=01:00.0&members=1', `127.0.0.1:${srv.port}`);
      assert.equal(w.status, 200);
      assert.equal((JSON.parse(w.body) as { plan: { sim: { ok: boolean } } }).plan.sim.ok, true);
      const evil = await get('/', `attacker.example:${srv.port}`);
      assert.equal(evil.status, 403);
    } finally {
      await srv.close();
    }
    assert.equal(treeDigest(dir), before, 'the host tree changed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dmaown serve --port 0 --json: prints where it listens (dmaown-serve/1), serves the page, stops cleanly', async () => {
  let out = '', err = '';
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, env: {}, isTTY: false };
  let page = '';
  const code = await runServe({ sample: 'desktop-gpu', port: '0', json: true }, io, async (url) => {
    const r = await fetch(url);
    page = await r.text();
  });
  assert.equal(code, 0, err);
  const line = JSON.parse(out) as { schema: string; url: string };
  assert.equal(schemaErrors(line), null);
  assert.match(line.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.match(page, /connect-src &#39;self&#39;/);
});
