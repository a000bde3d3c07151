import type { HostileCase } from './case.js';
import { bad } from './case.js';
import { CorpusDir, esc, nest, sample, sampleText } from './files.js';

type Mutation = readonly [name: string, change: (c: ReturnType<typeof sample>) => void, err: RegExp];

const DEV = 'devices/pci0000:00/0000:00:01.0/0000:01:00.0';

/** Entry-level mutations of the desktop-gpu sample: each must be exit 2 naming the file and the entry or field. */
const MUTATIONS: readonly Mutation[] = [
  ['format missing', (c) => { delete c['format']; }, /"format" must be "sysfs-capture\/1", got null/],
  ['format v2', (c) => { c['format'] = 'sysfs-capture/2'; }, /"format" must be "sysfs-capture\/1", got "sysfs-capture\/2"/],
  ['format number', (c) => { c['format'] = 1; }, /"format" must be/],
  ['kernel missing', (c) => { delete c['kernel']; }, /missing "kernel"/],
  ['kernel garbage', (c) => { c['kernel'] = 'garbage'; }, /"kernel" is "garbage", not a kernel release/],
  ['kernel with escapes', (c) => { c['kernel'] = '6.1\u001b[2J'; }, /"kernel" is "6\.1\\u001b\[2J", not a kernel release/],
  ['kernel 10k long', (c) => { c['kernel'] = `6.1${'x'.repeat(10000)}`; }, /"kernel" is "6\.1x+…" \(10003 characters\), not a kernel release/],
  ['cmdline not array', (c) => { c['cmdline'] = 'quiet'; }, /"cmdline" must be an array of strings/],
  ['cmdline numbers', (c) => { c['cmdline'] = [1, 2]; }, /"cmdline" must be an array of strings/],
  ['entries missing', (c) => { delete (c as Record<string, unknown>)['entries']; }, /missing "entries" object/],
  ['entries array', (c) => { (c as Record<string, unknown>)['entries'] = []; }, /missing "entries" object/],
  ['key ..', (c) => { c.entries['devices/../../etc'] = 'x'; }, /entry "devices\/\.\.\/\.\.\/etc": key must be a path relative to \/sys/],
  ['key absolute', (c) => { c.entries['/etc/passwd'] = 'x'; }, /entry "\/etc\/passwd": key must be/],
  ['key //', (c) => { c.entries['a//b'] = 'x'; }, /entry "a\/\/b": key must be/],
  ['key NUL', (c) => { c.entries['a\u0000b'] = 'x'; }, /entry "a\\u0000b": key has control characters/],
  ['key ESC', (c) => { c.entries['a\u001b[31mb'] = 'x'; }, /entry "a\\u001b\[31mb": key has control characters/],
  ['value number', (c) => { c.entries[`${DEV}/vendor`] = 4318; }, new RegExp(`entry "${esc(DEV)}/vendor": value must be a string or an object, got 4318`)],
  ['value null', (c) => { c.entries[`${DEV}/vendor`] = null; }, /vendor": value must be a string or an object, got null/],
  ['value array', (c) => { c.entries[`${DEV}/vendor`] = ['0x10de']; }, /vendor": value must be a string or an object/],
  ['hex odd', (c) => { c.entries[`${DEV}/config`] = { hex: 'abc' }; }, /config": "hex" must be an even-length string of hex digits/],
  ['hex not hex', (c) => { c.entries[`${DEV}/config`] = { hex: 'zz' }; }, /config": "hex" must be/],
  ['hex number', (c) => { c.entries[`${DEV}/config`] = { hex: 12 }; }, /config": "hex" must be/],
  ['link empty', (c) => { c.entries[`${DEV}/driver`] = { link: '' }; }, /driver": "link" must be a non-empty string/],
  ['link number', (c) => { c.entries[`${DEV}/driver`] = { link: 5 }; }, /driver": "link" must be/],
  ['link with escape', (c) => { c.entries[`${DEV}/driver`] = { link: '../x\u001b]0;pwned\u0007' }; }, /driver": "link" must be a non-empty string without control characters/],
  ['dir false', (c) => { c.entries[DEV] = { dir: false }; }, /"dir" must be true/],
  ['error unknown', (c) => { c.entries[`${DEV}/vendor`] = { error: 'EWHAT' }; }, /"error" must be an errno name, got "EWHAT"/],
  ['error __proto__', (c) => { c.entries[`${DEV}/vendor`] = { error: '__proto__' }; }, /"error" must be an errno name, got "__proto__"/],
  ['two kinds', (c) => { c.entries[`${DEV}/vendor`] = { hex: '00', link: 'x' }; }, /object must have exactly one of hex\/link\/dir\/error, got \{"hex","link"\}/],
  ['unknown kind', (c) => { c.entries[`${DEV}/vendor`] = { foo: 1 }; }, /unknown value kind "foo"/],
  ['10 MB bad entry', (c) => { c.entries[`${DEV}/vendor`] = [`${'A'.repeat(10 * 2 ** 20)}`]; }, /vendor": value must be a string or an object, got \["AAA+… \(\d+ characters\)/],
];

export function captureCases(d: CorpusDir): HostileCase[] {
  const out: HostileCase[] = [];
  for (const [i, [name, change, err]] of MUTATIONS.entries()) {
    const c = sample('desktop-gpu');
    change(c);
    const file = d.json(`captures/${i}-${name.replace(/\W+/g, '-')}.json`, c);
    out.push(bad(`capture: ${name}`, ['--capture', file], new RegExp(`${esc(file)}.*${err.source}|${err.source}`), { maxErr: 4000 }));
  }
  const raw: [string, string | Buffer, RegExp][] = [
    ['empty file', '', /not valid JSON/],
    ['null', 'null', /top level must be a JSON object/],
    ['array', '[]', /top level must be a JSON object/],
    ['string', '"sysfs"', /top level must be a JSON object/],
    ['nested 5000 deep', nest(5000), /top level must be a JSON object|nested deeper than 64/],
    ['entry nested 5000 deep', `{"format":"sysfs-capture/1","kernel":"6.1.0","entries":{"a":${nest(5000)}}}`, /JSON nested deeper than 64 levels/],
    ['member nested 5000 deep', `{"format":"sysfs-capture/1","kernel":"6.1.0","x":${nest(5000)},"entries":{}}`, /JSON nested deeper than 64 levels/],
    ['truncated', sampleText('desktop-gpu').slice(0, 5000), /not valid JSON/],
    ['trailing garbage', `${sampleText('desktop-gpu')}garbage`, /not valid JSON/],
    ['NaN', '{"format":"sysfs-capture/1","kernel":"6.1.0","entries":{"a":NaN}}', /not valid JSON/],
    ['binary', Buffer.from([0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x32, 0x4a]), /not valid JSON/],
  ];
  for (const [name, text, err] of raw) {
    const file = d.file(`captures/raw-${name.replace(/\W+/g, '-')}.json`, text);
    out.push(bad(`capture: ${name}`, ['--capture', file], new RegExp(`${esc(file)}: ${err.source}`), { maxErr: 4000, noControls: true }));
  }
  const fifo = d.fifo('captures/fifo.json'), dir = d.mkdir('captures/dir.json'), loop = d.link('captures/loop.json', 'loop.json');
  for (const [name, file, err] of [['a FIFO', fifo, /is not a regular file \(a FIFO\)/], ['/dev/zero', '/dev/zero', /is not a regular file \(a character device\)/], ['a directory', dir, /is a directory/], ['a symlink loop', loop, /cannot be opened \(ELOOP\)/], ['missing', `${d.dir}/nope.json`, /does not exist/]] as const) {
    for (const cmd of [['status'], ['check', '01:00.0'], ['plan', '01:00.0'], ['explain'], ['verify', '--group', '1']]) {
      out.push(bad(`capture ${name} via ${cmd[0]}`, [...cmd, '--capture', file], new RegExp(`capture "${esc(file)}" ${err.source}`)));
    }
  }
  // Correct answers: hostile content that is still a host.
  const loopDriver = sample('desktop-gpu');
  loopDriver.entries[`${DEV}/driver`] = { link: 'driver' };
  const ld = d.json('captures/driver-loop.json', loopDriver);
  out.push({ name: 'capture: driver link looping on itself names no driver', argv: ['--capture', ld, '--pci-ids', '/nonexistent'], code: 0, err: /driver link does not point to \/sys\/bus\/pci\/drivers\/NAME/, out: /^(?![\s\S]*\bdriver: kernel DMA user)/ });
  const twoGroups = sample('desktop-gpu');
  twoGroups.entries['kernel/iommu_groups/6/devices/0000:01:00.0'] = { link: `../../../../${DEV}` };
  const tg = d.json('captures/two-groups.json', twoGroups);
  out.push({ name: 'capture: a device listed in two groups is flagged', argv: ['--capture', tg, '--pci-ids', '/nonexistent'], code: 0, err: /member 0000:01:00\.0 is also listed in group|also listed in group \d+/ });
  const ansi = sample('desktop-gpu');
  ansi.entries[`${DEV}/driver_override`] = '\u001b]0;pwned\u0007\u001b[2Jvfio-pci\n';
  ansi['note'] = 'evil \u001b[31mred\u001b[0m note';
  const an = d.json('captures/ansi.json', ansi);
  out.push({ name: 'capture: ANSI escapes in values never reach the terminal raw', argv: ['--capture', an, '--pci-ids', '/nonexistent'], code: 0, noControls: true });
  out.push({ name: 'capture: ANSI escapes, check', argv: ['check', '01:00.0', '--capture', an], code: [0, 1], noControls: true });
  const proto = d.file('captures/proto-keys.json', sampleText('desktop-gpu').replace('"entries": {', '"entries": {"__proto__": "x", "constructor": {"dir": true}, "toString": "y",'));
  out.push({ name: 'capture: __proto__/constructor keys are only data', argv: ['--capture', proto, '--pci-ids', '/nonexistent'], code: 0 });
  const old = sample('desktop-gpu');
  old['kernel'] = '4.19.0-20-amd64';
  const ol = d.json('captures/kernel-4.19.json', old);
  out.push({ name: 'capture: kernel older than 5.10 — modelled with the 5.10 rules and said so, no crash', argv: ['plan', '02:00.0', '--capture', ol], code: [0, 1], out: /older than the model's first profile \(5\.10\)/ });
  return out;
}
