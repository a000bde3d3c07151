import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadHost } from '../assign/source.js';
import { run } from '../cli/testing/cli.js';
import { browserTestMode } from './chromium.js';
import { reportData } from './report-data.js';
import { startServer } from './server.js';
import { allHosts, inputOf } from './testing/report-input.js';

/**
 * The report and `serve` in a real Chromium (Debian's `chromium`, driven by playwright-core): every
 * group box and device drawn, the GPU's group/blocker/plan read from the page, search, filter,
 * keyboard, dark and print, no console errors and no network requests. Screenshots go to
 * test-artifacts/web/ (gitignored). Without Chromium: skipped with how to install it; under CI=true: failed.
 */
const mode = browserTestMode();
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'web');
const work = mkdtempSync(join(tmpdir(), 'dmaown-web-'));
let browser: Browser | null = null;

before(async () => {
  if (!('path' in mode)) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: mode.path, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});
after(async () => { await browser?.close(); rmSync(work, { recursive: true, force: true }); });

function btest(name: string, fn: (b: Browser, t: TestContext) => Promise<void>): void {
  test(name, 'skip' in mode ? { skip: mode.skip } : {}, async (t) => {
    if ('fail' in mode) assert.fail(mode.fail);
    await fn(browser as Browser, t);
  });
}

interface Watched { page: Page; problems: string[] }

/** A page at 1280×800 that records console errors, page errors and every request but `allowed`. */
async function open(b: Browser, url: string, allowed: (u: string) => boolean, colorScheme: 'light' | 'dark' = 'light'): Promise<Watched> {
  const page = await b.newPage({ viewport: { width: 1280, height: 800 }, colorScheme });
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => { if (!allowed(r.url())) problems.push(`request: ${r.method()} ${r.url()}`); });
  await page.goto(url);
  await page.waitForSelector('body.ready');
  return { page, problems };
}

async function report(name: string, args: readonly string[]): Promise<string> {
  const file = join(work, `${name}.html`);
  const r = await run(['report', '--html', file, ...args]);
  assert.equal(r.code, 0, r.err);
  return file;
}

/** What is not drawn: group boxes without a visible rect, devices without a visible row. */
async function undrawn(page: Page): Promise<{ groups: number[]; devices: string[]; boxes: number[]; rows: string[] }> {
  return page.evaluate(() => {
    const shown = (e: Element): boolean => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).display !== 'none'; };
    const boxes = [...document.querySelectorAll('#boxes > g.grp')];
    const rows = [...document.querySelectorAll('#rows > g.node[data-bdf]')];
    return {
      boxes: boxes.map((g) => Number(g.getAttribute('data-group'))),
      rows: rows.map((g) => g.getAttribute('data-bdf') ?? ''),
      groups: boxes.filter((g) => !shown(g) || ![...g.querySelectorAll('rect')].some(shown)).map((g) => Number(g.getAttribute('data-group'))),
      devices: rows.filter((g) => !shown(g)).map((g) => g.getAttribute('data-bdf') ?? ''),
    };
  });
}

for (const [name, sel, args] of allHosts()) {
  btest(`report of ${name}: every group box and every device drawn, no console errors, no network`, async (b) => {
    const h = await loadHost(sel);
    assert.ok(h.ok);
    const groups = [...new Set(h.value.host.pci.flatMap((d) => (d.iommuGroup === null ? [] : [d.iommuGroup])))].sort((x, y) => x - y);
    const file = await report(name, args);
    const url = pathToFileURL(file).href;
    const { page, problems } = await open(b, url, (u) => u === url);
    const u = await undrawn(page);
    assert.deepEqual([...u.boxes].sort((x, y) => x - y), groups, 'one box per IOMMU group');
    assert.deepEqual([...u.rows].sort(), h.value.host.pci.map((d) => d.bdf).sort(), 'one row per PCI function');
    assert.deepEqual(u.groups, [], 'group boxes not drawn');
    assert.deepEqual(u.devices, [], 'devices not drawn');
    await page.screenshot({ path: join(ARTIFACTS, `report-${name}.png`) });
    assert.deepEqual(problems, []);
    await page.close();
  });
}

const text = async (page: Page, sel: string): Promise<string> => ((await page.textContent(sel)) ?? '').replace(/\s+/g, ' ').trim();

btest('desktop sample: the GPU’s group, blocker and plan read from the page; search, filter, keyboard, dark, print', async (b) => {
  const file = await report('desktop-gpu-ui', ['--sample', 'desktop-gpu']);
  const url = pathToFileURL(file).href;
  const { page, problems } = await open(b, url, (u) => u === url);
  await page.click('g.node[data-bdf="0000:01:00.0"]');
  assert.match(await text(page, '#details [data-field=group] h3'), /^IOMMU group 8 · ✖ held by host drivers: 01:00\.0 \(nvidia\), 01:00\.1 \(snd_hda_intel\) \+2$/);
  assert.equal(await page.$eval('#boxes > g.grp[data-group="8"] .glabel', (e) => e.textContent), 'group 8 · ✖ held by nvidia +3');
  assert.deepEqual(await page.$$eval('g.node.blocker', (es) => es.map((e) => e.getAttribute('data-bdf'))).then((x) => x.filter((b) => b?.startsWith('0000:01:'))),
    ['0000:01:00.0', '0000:01:00.1', '0000:01:00.2', '0000:01:00.3']);
  assert.match(await text(page, '#details [data-field=blockers]'), /0000:01:00\.0 is bound to nvidia, which does not set driver_managed_dma/);
  assert.match(await text(page, '#details [data-field=why]'), /functions of one multifunction device \(slot 01:00\)/);
  assert.equal(await text(page, '#details [data-field=command]'),
    'dmaown plan 01:00.0 --allow-group-member 01:00.1 --allow-group-member 01:00.2 --allow-group-member 01:00.3 --sample desktop-gpu');
  assert.match(await text(page, '#details [data-field=sim] h3'), /Simulated on the model of kernel 6\.8\.0-49-generic: ✔ works/);
  assert.match(await text(page, '#details [data-field=sim]'), /group 8 becomes viable/);
  assert.match(await text(page, '#details dd[data-key="boot VGA"]'), /^yes/);
  await page.screenshot({ path: join(ARTIFACTS, 'desktop-gpu-selected.png') });

  // Keyboard: focus a row, Enter selects, ArrowDown moves.
  await page.focus('g.node[data-bdf="0000:01:00.1"]');
  await page.keyboard.press('Enter');
  assert.match(await text(page, '#details h2'), /^01:00\.1 /);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  assert.match(await text(page, '#details h2'), /^01:00\.2 /);

  // Search by vendor:device, by driver, by BDF.
  await page.fill('#search', '10de:1f06');
  await page.press('#search', 'Enter');
  assert.equal(await text(page, '#count'), '1 match');
  assert.deepEqual(await page.$$eval('g.node.match', (es) => es.map((e) => e.getAttribute('data-bdf'))), ['0000:01:00.0']);
  assert.match(await text(page, '#details h2'), /^01:00\.0 /);
  await page.fill('#search', 'ahci');
  await page.press('#search', 'Enter');
  assert.equal(await text(page, '#count'), '2 matches');
  await page.fill('#search', '05:00');
  await page.press('#search', 'Enter');
  assert.equal(await text(page, '#count'), '1 match');

  // Filter: only the boxes of groups with endpoints stay.
  const visibleBoxes = () => page.$$eval('#boxes > g.grp', (es) => es.filter((e) => getComputedStyle(e).display !== 'none').map((e) => Number(e.getAttribute('data-group'))));
  const all = await visibleBoxes();
  await page.check('#only-endpoints');
  const endpoints = await visibleBoxes();
  assert.deepEqual(endpoints, [3, 4, 5, 6, 7, 8, 9]);
  assert.ok(all.length === 10 && all.includes(0) && !endpoints.includes(0));
  await page.uncheck('#only-endpoints');
  assert.deepEqual(await visibleBoxes(), all);

  // Print: the toolbar goes, the tree stays.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.$eval('#toolbar', (e) => getComputedStyle(e).display), 'none');
  assert.notEqual(await page.$eval('#topology', (e) => getComputedStyle(e).display), 'none');
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(problems, []);
  await page.close();

  // A browser without DecompressionStream: the tree is there, the panel says what is missing, no error.
  const old = await b.newPage({ viewport: { width: 1280, height: 800 } });
  const oldErrors: string[] = [];
  old.on('pageerror', (e) => oldErrors.push(e.message));
  await old.addInitScript(() => { delete (globalThis as { DecompressionStream?: unknown }).DecompressionStream; });
  await old.goto(url);
  await old.waitForFunction(() => /DecompressionStream/.test(document.getElementById('details')?.textContent ?? ''));
  assert.equal(await old.$$eval('#rows > g.node[data-bdf]', (es) => es.length), 21);
  assert.deepEqual(oldErrors, []);
  await old.close();

  const dark = await open(b, url, (u) => u === url, 'dark');
  assert.equal(await dark.page.$eval('body', (e) => getComputedStyle(e).backgroundColor), 'rgb(15, 18, 22)');
  await dark.page.click('g.node[data-bdf="0000:01:00.0"]');
  await dark.page.screenshot({ path: join(ARTIFACTS, 'desktop-gpu-dark.png') });
  assert.deepEqual(dark.problems, []);
  await dark.page.close();
});

btest('a 1000-function host opens with switches and VF fans collapsed; expanding and searching reveal them', async (b) => {
  const gen = pathToFileURL(join(process.cwd(), 'scripts/bench/topology.mjs')).href;
  const wr = pathToFileURL(join(process.cwd(), 'scripts/bench/write-host.mjs')).href;
  const { generateTopology } = await import(gen) as { generateTopology: (n: number) => unknown };
  const { writeCapture } = await import(wr) as { writeCapture: (t: unknown, f: string) => void };
  const cap = join(work, 'host-1000.json');
  writeCapture(generateTopology(1000), cap);
  const file = await report('synthetic-1000', ['--capture', cap]);
  const url = pathToFileURL(file).href;
  const { page, problems } = await open(b, url, (u) => u === url);
  const counts = () => page.$$eval('#rows > g.node[data-bdf]', (es) => ({ all: es.length, shown: es.filter((e) => !e.classList.contains('hidden')).length }));
  const c0 = await counts();
  assert.ok(c0.shown < 500, `collapsed by default: ${c0.shown} of 1000 rows shown`);
  assert.equal(c0.all, c0.shown, 'rows hidden at open are not in the file');
  // A VF of the last PF: not drawn at open, made when a search reveals it.
  const h = await loadHost({ kind: 'capture', file: cap });
  assert.ok(h.ok);
  const lastVf = h.value.host.pci.filter((d) => d.physfn !== null).at(-1)?.bdf ?? '';
  assert.equal(await page.$(`g.node[data-bdf="${lastVf}"]`), null);
  // A PF with VFs is collapsed: its toggle expands the fan.
  const pf = await page.$eval('#rows > g.node.k-endpoint[data-bdf] .badge:not(:empty)', (e) => e.closest('g.node')?.getAttribute('data-bdf') ?? '');
  assert.notEqual(pf, '');
  await page.click(`g.node[data-bdf="${pf}"] .toggle`);
  const c1 = await counts();
  assert.ok(c1.shown > c0.shown, 'expanding showed more rows');
  // Search reveals (and draws) a VF hidden in another collapsed fan.
  await page.click('#collapse-default');
  await page.fill('#search', lastVf.slice(5));
  await page.press('#search', 'Enter');
  assert.equal(await page.$eval(`g.node[data-bdf="${lastVf}"]`, (e) => e.classList.contains('hidden')), false);
  assert.ok((await text(page, '#details h2')).startsWith(`${lastVf.slice(5)} `));
  assert.match(await text(page, '#details [data-key="SR-IOV VF"]'), /^of /);
  await page.click('#expand-all');
  assert.deepEqual(await counts(), { all: 1000, shown: 1000 });
  const undrawnAll = await undrawn(page);
  const groupIds = [...new Set(h.value.host.pci.flatMap((d) => (d.iommuGroup === null ? [] : [d.iommuGroup])))].sort((x, y) => x - y);
  assert.deepEqual([...undrawnAll.boxes].sort((x, y) => x - y), groupIds, 'every group box made once its members show');
  assert.deepEqual(undrawnAll.devices, []);
  assert.deepEqual(undrawnAll.groups, []);
  await page.screenshot({ path: join(ARTIFACTS, 'synthetic-1000.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

btest('serve: the page over 127.0.0.1, a what-if round trip, no request leaves the server', async (b) => {
  const input = await inputOf({ kind: 'sample', name: 'desktop-gpu' }, ['--sample', 'desktop-gpu']);
  const data = await reportData(input, { live: true });
  const srv = await startServer({ host: input.host, view: input.view, data, sourceArgs: input.sourceArgs }, { port: 0 });
  try {
    const { page, problems } = await open(b, srv.url, (u) => u.startsWith(srv.url));
    await page.click('g.node[data-bdf="0000:01:00.0"]');
    assert.match(await text(page, '#details [data-field=group] h3'), /^IOMMU group 8/);
    await page.click('#pick');
    assert.equal(await text(page, '#picked'), '01:00.0');
    const answer = page.waitForResponse((r) => r.url().startsWith(`${srv.url}api/what-if?`));
    await page.click('#run-whatif');
    assert.equal((await answer).status(), 200);
    await page.waitForSelector('#whatif-result [data-field=sim] h3');
    assert.match(await text(page, '#whatif-result [data-field=sim] h3'), /✔ works/);
    assert.equal(await text(page, '#whatif-result [data-field=command]'),
      'dmaown plan 01:00.0 --allow-group-member 01:00.1 --allow-group-member 01:00.2 --allow-group-member 01:00.3 --sample desktop-gpu');
    // Without the members: refused, and the page says so.
    await page.uncheck('#take-members');
    await page.click('#run-whatif');
    await page.waitForSelector('#whatif-result .bad');
    assert.match(await text(page, '#whatif-result [data-field=plan]'), /shares IOMMU group 8/);
    await page.screenshot({ path: join(ARTIFACTS, 'serve-what-if.png') });
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await srv.close();
  }
});
