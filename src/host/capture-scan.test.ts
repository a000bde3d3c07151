import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { capturePort } from './capture-port.js';
import { scanCaptureFile } from './capture-scan.js';
import type { SysfsPort } from './port.js';
import { readCaptureFile, readCaptureFileWhole, type SysfsCapture } from './read-capture.js';
import { referenceCapturePort } from './testing/capture-port-reference.js';
import { sharedDir } from '../testing/shared.js';

/** Paths that exercise every port call on a capture: each key, its directories, links followed, '..', misses. */
function probes(c: SysfsCapture, max = Infinity): string[] {
  const out = new Set(['/sys', '/sys/', '/sys/..', '/sys/nope', '/sys//bus/./pci', '/proc/cmdline', '/proc/sys/kernel/osrelease', '/etc/passwd']);
  for (const k of Object.keys(c.entries)) {
    if (out.size > max) break;
    out.add(`/sys/${k}`);
    const slash = k.lastIndexOf('/');
    if (slash > 0) out.add(`/sys/${k.slice(0, slash)}/nope`); // a miss in the directory just looked in
    out.add(`/sys/${k}/x`);
    if (slash > 0) out.add(`/sys/${k.slice(0, slash)}`);
    if (k.startsWith('bus/pci/devices/')) {
      for (const f of ['config', 'vendor', 'driver', 'iommu_group', 'iommu_group/type', 'iommu_group/devices', '..', 'driver/..', 'physfn/config']) out.add(`/sys/${k}/${f}`);
    }
  }
  return [...out];
}

function samePorts(a: SysfsPort, b: SysfsPort, paths: readonly string[], what: string): void {
  for (const p of paths) {
    assert.deepEqual(a.read(p), b.read(p), `${what}: read ${p}`);
    assert.deepEqual(a.readBytes(p), b.readBytes(p), `${what}: readBytes ${p}`);
    assert.deepEqual(a.readLink(p), b.readLink(p), `${what}: readLink ${p}`);
    assert.deepEqual(a.list(p), b.list(p), `${what}: list ${p}`);
    // The compact read (what a report keeps of config space): readBytes without its trailing zeros.
    const full = b.readBytes(p);
    assert.deepEqual(a.readBytesCompact?.(p), full.ok ? { ok: true, value: { bytes: full.value.subarray(0, lastNonZero(full.value) + 1), size: full.value.length } } : full, `${what}: readBytesCompact ${p}`);
  }
}

function lastNonZero(b: Uint8Array): number {
  let i = b.length - 1;
  while (i >= 0 && b[i] === 0) i--;
  return i;
}

/**
 * readCaptureFile (the one-pass reader, falling back to the whole-file one) gives exactly what the
 * whole-file reader gives: the same error, or the same capture and the same port answers — compared
 * with the port as it was before the node table too.
 */
function sameAnswer(file: string, opts: { fast?: boolean; maxProbes?: number } = {}): void {
  if (opts.fast !== undefined) assert.equal(scanCaptureFile(file) !== null, opts.fast, `${file}: read in one pass`);
  const a = readCaptureFile(file), b = readCaptureFileWhole(file);
  if (!a.ok || !b.ok) {
    assert.deepEqual(a, b, file);
    return;
  }
  const port = capturePort(a.value); // before `entries` is asked for: the table from the scan
  const paths = probes(b.value, opts.maxProbes);
  samePorts(port, referenceCapturePort(b.value), paths, `${file} (reference port)`);
  samePorts(port, capturePort(b.value), paths, `${file} (port of the entries)`);
  sameCapture(a.value, b.value, file);
}

/**
 * The same capture, field for field, keys in the same order. `extra` is compared with its prototype
 * by value: a top-level "__proto__" member becomes extra's prototype (validateCapture assigns it),
 * a different object from each parse.
 */
function sameCapture(a: SysfsCapture, b: SysfsCapture, what: string): void {
  assert.deepEqual({ ...a, extra: null }, { ...b, extra: null }, what);
  assert.deepEqual(Object.keys(a), Object.keys(b), what);
  assert.deepEqual(Object.keys(a.entries), Object.keys(b.entries), `${what}: key order`);
  assert.equal(Object.getPrototypeOf(a.entries), null);
  assert.deepEqual(Object.entries(a.extra ?? {}), Object.entries(b.extra ?? {}), `${what}: extra`);
  assert.deepEqual(Object.getPrototypeOf(a.extra ?? {}), Object.getPrototypeOf(b.extra ?? {}), `${what}: extra's prototype`);
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'capture-scan-'));
}

test('samples and shared captures: read in one pass, the same capture and port answers as the whole-file reader', () => {
  const files = [
    ...readdirSync('samples').filter((f) => f.endsWith('.json')).map((f) => join('samples', f)),
    ...readdirSync(join(sharedDir(), 'hosts')).filter((f) => f.endsWith('.json')).map((f) => join(sharedDir(), 'hosts', f)),
  ];
  assert.ok(files.length >= 8);
  for (const f of files) sameAnswer(f, { fast: true });
});

test('a generated host of 700 functions (7 MB, bench generator): one pass, the same answers, with every window size', async () => {
  const dir = tmp();
  try {
    const { generateTopology } = await import(new URL('../../scripts/bench/topology.mjs', import.meta.url).href) as { generateTopology: (n: number) => unknown };
    const { writeCapture } = await import(new URL('../../scripts/bench/write-host.mjs', import.meta.url).href) as { writeCapture: (t: unknown, f: string) => void };
    const file = join(dir, 'capture.json');
    writeCapture(generateTopology(700), file);
    sameAnswer(file, { fast: true, maxProbes: 20000 });
    const whole = scanCaptureFile(file);
    assert.ok(whole !== null);
    const entries = whole.table.entries();
    for (const w of [4096, 8191, 100000]) {
      const r = scanCaptureFile(file, w);
      assert.ok(r !== null, `window ${w}`);
      assert.deepEqual(r.top, whole.top);
      assert.deepEqual(r.table.entries(), entries, `window ${w}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const SMALL = {
  format: 'sysfs-capture/1', kernel: '6.1.0-9-amd64', cmdline: ['intel_iommu=on'], note: 'n\u00e9e "x"',
  entries: {
    'bus/pci/devices/0000:00:02.0': { link: '../../../devices/pci0000:00/0000:00:02.0' },
    'devices/pci0000:00/0000:00:02.0/vendor': '0x8086\n',
    'devices/pci0000:00/0000:00:02.0/config': { hex: '8680a2090000100000000000000000000000' },
    'devices/pci0000:00/0000:00:02.0/label': 'caf\u00e9 \ud83d\ude00',
    'devices/pci0000:00/0000:00:02.0/raw': '\u0000\t"q"\\\u001f\u007f',
    'devices/pci0000:00/0000:00:02.0/iommu_group': { link: '../../../kernel/iommu_groups/7' },
    'devices/pci0000:00/0000:00:02.0/secret': { error: 'EACCES' },
    'kernel/iommu_groups/7/devices/0000:00:02.0': { link: '../../../../devices/pci0000:00/0000:00:02.0' },
    'kernel/iommu_groups/7/type': 'DMA\n',
    'bus/pci/drivers/vfio-pci': { dir: true },
    '10': 'an integer key',
  },
};

test('unusual but valid shapes read the same: pretty-printed, escapes, non-ASCII, uppercase hex, members after entries, __proto__', () => {
  const dir = tmp();
  try {
    const texts: [string, string, boolean][] = [
      ['compact', JSON.stringify(SMALL), true],
      ['pretty', JSON.stringify(SMALL, null, 2), true],
      ['tabs and CRLF', JSON.stringify(SMALL, null, '\t').replace(/\n/g, '\r\n'), true],
      ['members after entries', JSON.stringify(Object.assign({ entries: {} }, SMALL, { extra: [1, { a: '}' }] })), true],
      ['uppercase hex', JSON.stringify(SMALL).replace('8680a209', '8680A209'), true],
      ['escaped slash and \\u in values', JSON.stringify(SMALL).replace('0x8086\\n', '0x8086\\/\\u0041\\u000a'), true],
      ['__proto__ keys', JSON.stringify(SMALL).replace('"entries":{', '"__proto__":{"a":1},"entries":{"__proto__":"x","constructor":{"dir":true},'), true],
      ['empty entries', JSON.stringify({ ...SMALL, entries: {} }), true],
      ['a key given twice', JSON.stringify(SMALL).replace('"entries":{', '"entries":{"kernel/iommu_groups/7/type":"x",'), false],
      ['a key with an escape', JSON.stringify(SMALL).replace('"10":', '"1\\u0030":'), false],
      ['a non-ASCII key', JSON.stringify(SMALL).replace('"10":', '"caf\u00e9":'), false],
      ['a non-ASCII value with an escape', JSON.stringify(SMALL).replace('"0x8086\\n"', '"caf\u00e9\\n"'), false],
      ['\\u above 0x7f', JSON.stringify(SMALL).replace('"0x8086\\n"', '"\\u00e9"'), false],
      ['entries twice', JSON.stringify(SMALL).replace(/}$/, ',"entries":{}}'), false],
    ];
    for (const [name, text, fast] of texts) {
      const f = join(dir, `${name.replace(/\W+/g, '-')}.json`);
      writeFileSync(f, text);
      sameAnswer(f, { fast });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('large tokens across the window: a 3 MB value, a 2 MB member, a 5000-character key', () => {
  const dir = tmp();
  try {
    const big = { ...SMALL, huge: 'y'.repeat(2 << 20), entries: { ...SMALL.entries, 'devices/big': 'x'.repeat(3 << 20), 'devices/hex': { hex: '01'.repeat(1 << 20) } } };
    for (const [name, c] of [['big', big], ['long key', { ...SMALL, entries: { [`a/${'k'.repeat(5000)}`]: 'v' } }]] as const) {
      const f = join(dir, `${name.replace(/\W+/g, '-')}.json`);
      writeFileSync(f, JSON.stringify(c));
      sameAnswer(f, { fast: name === 'big' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every truncation and every one-byte change of a small capture: the same capture or the same error (window 16 and 1 MB)', () => {
  const dir = tmp();
  try {
    const text = Buffer.from(JSON.stringify(SMALL, null, 1));
    const f = join(dir, 'c.json');
    let fast = 0, n = 0;
    const check = (bytes: Buffer): void => {
      writeFileSync(f, bytes);
      const a = readCaptureFile(f), b = readCaptureFileWhole(f);
      n++;
      if (!a.ok || !b.ok) {
        assert.deepEqual(a, b, bytes.toString('latin1'));
        return;
      }
      fast += scanCaptureFile(f) !== null ? 1 : 0;
      sameCapture(a.value, b.value, bytes.toString('latin1'));
      const small = scanCaptureFile(f, 16);
      assert.deepEqual(small === null ? null : small.table.entries(), scanCaptureFile(f)?.table.entries() ?? null);
    };
    for (let i = 0; i <= text.length; i++) check(text.subarray(0, i));
    for (let i = 0; i < text.length; i++) {
      for (const c of ['"', '\\', '}', ',', '/', '\u0000']) {
        const changed = Buffer.concat([text.subarray(0, i), Buffer.from(c), text.subarray(i + 1)]);
        check(changed);
      }
    }
    assert.ok(n > 4000 && fast > 500, `${n} variants, ${fast} read in one pass`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('errors are the whole-file reader\'s: missing, directory, empty, too deep, bad entries (exit 2 messages unchanged)', () => {
  const dir = tmp();
  try {
    const cases: string[] = ['', 'null', '[]', '{', `{"format":"sysfs-capture/1","kernel":"6.1.0","x":${'['.repeat(100)}${']'.repeat(100)},"entries":{}}`,
      JSON.stringify({ ...SMALL, format: 'sysfs-capture/2' }), JSON.stringify({ ...SMALL, kernel: 'garbage' }),
      JSON.stringify({ ...SMALL, entries: { 'a/../b': 'x' } }), JSON.stringify({ ...SMALL, entries: { a: { hex: 'abc' } } }),
      JSON.stringify({ ...SMALL, entries: { a: { link: '' } } }), JSON.stringify({ ...SMALL, entries: { a: { error: 'EWHAT' } } }),
      JSON.stringify({ ...SMALL, entries: { a: { dir: false } } }), JSON.stringify({ ...SMALL, entries: { a: 5 } }),
      `${JSON.stringify(SMALL)} x`];
    cases.forEach((t, i) => {
      const f = join(dir, `${i}.json`);
      writeFileSync(f, t);
      sameAnswer(f);
      assert.equal(readCaptureFile(f).ok, false, t.slice(0, 80));
    });
    sameAnswer(join(dir, 'missing.json'), { fast: false });
    sameAnswer(dir, { fast: false });
    assert.match(readFileSync(join(dir, '0.json'), 'utf8'), /^$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
