import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hang, proseWidth, wrap } from './fit.js';
import { run } from '../testing/cli.js';

test('hang wraps prose under its bullet, step number or indentation, and never splits a word', () => {
  const s = '  - 02:01.0 and 02:02.0 are conventional PCI devices behind PCIe-to-PCI bridge 01:00.0, which takes their requester ID';
  const lines = hang(s, 40);
  assert.ok(lines.length > 2);
  for (const l of lines) assert.ok(l.length <= 40, l);
  for (const l of lines.slice(1)) assert.match(l, /^ {4}\S/);
  assert.equal(lines.map((l) => l.trim()).join(' '), s.trim());
  assert.deepEqual(hang('  12. echo vfio-pci > /sys/bus/pci/devices/0000:09:00.0/driver_override', 30).slice(1).map((l) => /^ */.exec(l)?.[0].length), [6]);
  assert.deepEqual(hang(s, Infinity), [s]);
});

test('prose is wrapped to the terminal or $COLUMNS, never when neither is known or with --wide', () => {
  assert.equal(proseWidth(undefined, 80, {}), 80);
  assert.equal(proseWidth(undefined, undefined, { COLUMNS: '72' }), 72);
  assert.equal(proseWidth(undefined, undefined, {}), Infinity);
  assert.equal(proseWidth(true, 80, { COLUMNS: '72' }), Infinity);
  assert.equal(proseWidth(undefined, 20, {}), 60);
});

test('explain and plan fit COLUMNS=64; piped without COLUMNS each reason stays one line', async () => {
  const host = ['--capture', '../shared/hosts/qemu-q35-6.1.json'];
  for (const argv of [['explain', '7', ...host], ['plan', '03:00.0', ...host]]) {
    const narrow = await run(argv, { env: { COLUMNS: '64' } });
    const lines = narrow.out.split('\n');
    for (const l of lines) assert.ok(l.length <= 64 || !/ /.test(l.trim()), `${argv[0]}: ${l.length} > 64: ${l}`);
    const piped = await run(argv);
    assert.equal(piped.code, narrow.code);
    assert.ok(piped.out.split('\n').length < lines.length, `${argv[0]}: piped output is not wrapped`);
    assert.equal(piped.out.replace(/\s+/g, ' '), narrow.out.replace(/\s+/g, ' '));
  }
});

test('a sentence that starts at the margin continues two columns in', () => {
  const lines = hang('warning: vfio-pci is not loaded, and this host does not say whether its module is available', 40);
  assert.ok(lines.length > 1);
  for (const l of lines.slice(1)) assert.match(l, /^ {2}\S/);
});

test('wrap gives what the word-by-word wrap it replaced gives, on random prose, spaces, tabs and widths', () => {
  // The implementation wrap() had before it kept `visible` per word and returned fitting lines whole.
  const reference = (s: string, width: number, indent: string): string[] => {
    if (!Number.isFinite(width)) return [s];
    const lead = /^ */.exec(s)?.[0] ?? '';
    const out: string[] = [];
    let line = lead;
    for (const w of s.slice(lead.length).split(' ')) {
      const room = width - (out.length === 0 ? 0 : indent.length);
      if (line.trim() !== '' && line.length + 1 + w.length > room) { out.push(line); line = w; } else line = line.trim() === '' ? `${line}${w}` : `${line} ${w}`;
    }
    if (line.trim() !== '') out.push(line);
    return out.map((l, i) => (i === 0 ? l : `${indent}${l}`));
  };
  let seed = 7;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const pieces = ['a', 'word', 'IOMMU', 'group 7:', '01:00.0', ' ', ' ', '  ', '\t', '\n', 'x'.repeat(70), '…', '\u00a0'];
  for (let i = 0; i < 20_000; i++) {
    const s = Array.from({ length: rnd(30) }, () => pieces[rnd(pieces.length)]).join(rnd(3) === 0 ? '' : ' ');
    const width = [Infinity, 1, 10, 40, 60, 100, 120, 240][rnd(8)] as number;
    const indent = ['', '  ', '    ', '           '][rnd(4)] as string;
    assert.deepEqual(wrap(s, width, indent), reference(s, width, indent), JSON.stringify({ s, width, indent }));
  }
});
