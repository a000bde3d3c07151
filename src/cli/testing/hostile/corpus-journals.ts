import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeFixture } from '../trees.js';
import { run } from '../cli.js';
import type { HostileCase } from './case.js';
import { bad } from './case.js';
import { CorpusDir, esc, nest } from './files.js';

type Line = Record<string, unknown>;
const DEV = { bdf: '0000:01:00.0', group: 8, driver: 'nvidia', driverOverride: null, requested: true };

/** Mutations of a real journal (from an apply on the tree): each is exit 2 naming the file, the line and the field. */
const MUTATIONS: readonly (readonly [string, (l: Line[]) => void, RegExp])[] = [
  ['header not object', (l) => { l[0] = [] as unknown as Line; }, /line 1 is not a dmaown-journal\/1 header/],
  ['format wrong', (l) => { l[0]!['format'] = 'dmaown-journal/2'; }, /line 1 is not a dmaown-journal\/1 header/],
  ['header id object', (l) => { l[0]!['id'] = {}; }, /header\.id is \{\}, not a printable string/],
  ['header id escape', (l) => { l[0]!['id'] = 'x\u001b[2J'; }, /header\.id is "x\\u001b\[2J", not a printable string/],
  ['header kernel 10k', (l) => { l[0]!['kernel'] = 'k'.repeat(10000); }, /header\.kernel is "k+…" \(10000 characters\)/],
  ['driver ../', (l) => { l[0]!['driver'] = '../../../etc'; }, /header\.driver is "\.\.\/\.\.\/\.\.\/etc", not a driver name/],
  ['driver with space', (l) => { l[0]!['driver'] = 'vfio pci'; }, /header\.driver is "vfio pci", not a driver name/],
  ['devices missing', (l) => { delete l[0]!['devices']; }, /header\.devices must be a list/],
  ['devices object', (l) => { l[0]!['devices'] = {}; }, /header\.devices must be a list/],
  ['device bdf ../', (l) => { l[0]!['devices'] = [{ ...DEV, bdf: '../../x' }]; }, /header\.devices\[0\]\.bdf is "\.\.\/\.\.\/x", not a full PCI address/],
  ['device bdf short', (l) => { l[0]!['devices'] = [{ ...DEV, bdf: '01:00.0' }]; }, /header\.devices\[0\]\.bdf is "01:00\.0", not a full PCI address/],
  ['device group -1', (l) => { l[0]!['devices'] = [{ ...DEV, group: -1 }]; }, /header\.devices\[0\]\.group is -1, not an IOMMU group number/],
  ['device group string', (l) => { l[0]!['devices'] = [{ ...DEV, group: '8' }]; }, /header\.devices\[0\]\.group is "8"/],
  ['device driver ../', (l) => { l[0]!['devices'] = [{ ...DEV, driver: '../nvme' }]; }, /header\.devices\[0\]\.driver is "\.\.\/nvme", not a driver name or null/],
  ['device override number', (l) => { l[0]!['devices'] = [{ ...DEV, driverOverride: 7 }]; }, /header\.devices\[0\]\.driverOverride is 7/],
  ['device requested missing', (l) => { const { requested: _r, ...d } = DEV; l[0]!['devices'] = [d]; }, /header\.devices\[0\]\.requested must be true or false/],
  ['device twice', (l) => { l[0]!['devices'] = [DEV, DEV]; }, /header\.devices\[1\]: 0000:01:00\.0 is listed twice/],
  ['host identity bad', (l) => { l[0]!['host'] = { machine: 1 }; }, /header\.host must hold machine, boot, kernel and devices/],
  ['action unknown op', (l) => { (l[1]!['action'] as Line)['op'] = 'format-disk'; }, /line 2: action: unknown action "format-disk"/],
  ['action op __proto__', (l) => { (l[1]!['action'] as Line)['op'] = '__proto__'; }, /line 2: action: unknown action "__proto__"/],
  ['action extra field', (l) => { (l[1]!['action'] as Line)['path'] = '/etc/shadow'; }, /line 2: action: override has no field "path"/],
  ['action bdf foreign', (l) => { l[1] = { seq: 0, phase: 'begin', action: { op: 'probe', bdf: '0000:05:00.0' }, inverse: [{ op: 'unbind', bdf: '0000:05:00.0', driver: 'vfio-pci' }] }; }, /line 2: probe on 0000:05:00\.0, which is not one of the journal's devices/],
  ['inverse not list', (l) => { l[1]!['inverse'] = {}; }, /line 2: inverse must be a list of at most 8 actions/],
  ['inverse 9 actions', (l) => { l[1]!['inverse'] = Array(9).fill(l[1]!['action']); }, /line 2: inverse must be a list of at most 8 actions/],
  ['inverse tampered', (l) => { l[1]!['inverse'] = [{ op: 'bind', bdf: '0000:01:00.0', driver: 'ahci' }]; }, /line 2: the inverse of override 0000:01:00\.0 is recorded as .*a tampered journal/],
  ['unbind of another driver', (l) => { l[1] = { seq: 0, phase: 'begin', action: { op: 'unbind', bdf: '0000:01:00.0', driver: 'ahci' }, inverse: [] }; }, /line 2: unbind 0000:01:00\.0 is not a step dmaown takes/],
  ['seq -1', (l) => { l[1]!['seq'] = -1; }, /line 2: begin\.seq is -1, not a step number/],
  ['seq huge', (l) => { l[1]!['seq'] = 1e12; }, /line 2: begin\.seq is 1000000000000/],
  ['seq string', (l) => { l[2]!['seq'] = '0'; }, /line 3: done\.seq is "0"/],
  ['phase unknown', (l) => { l[2]!['phase'] = 'exec'; }, /line 3: unknown phase "exec"/],
  ['phase __proto__', (l) => { l[2]!['phase'] = '__proto__'; }, /line 3: unknown phase "__proto__"/],
  ['persist /etc/shadow', (l) => { l.splice(-1, 0, { phase: 'persist', file: '/etc/shadow', previous: null }); }, /persistence file "\/etc\/shadow": not a persistence file dmaown writes/],
  ['persist other device', (l) => { l.splice(-1, 0, { phase: 'persist', file: '/etc/driverctl.d/pci-0000:05:00.0', previous: null }); }, /persistence file "\/etc\/driverctl\.d\/pci-0000:05:00\.0": 0000:05:00\.0 is not one of the journal's devices/],
  ['persist previous number', (l) => { l.splice(-1, 0, { phase: 'persist', file: '/etc/driverctl.d/pci-0000:01:00.0', previous: 5 }); }, /persist\.previous must be the file's content/],
  ['persist encoding hex', (l) => { l.splice(-1, 0, { phase: 'persist', file: '/etc/driverctl.d/pci-0000:01:00.0', previous: 'aa', encoding: 'hex' }); }, /persist\.encoding is "hex", not base64/],
  ['persist two roots', (l) => { l.splice(-1, 0, { phase: 'persist', file: '/etc/driverctl.d/pci-0000:01:00.0', previous: null, root: '/a' }, { phase: 'persist', file: '/etc/driverctl.d/pci-0000:01:00.1', previous: null, root: '/' }); }, /persistence root "\/" differs from the journal's "\/a"/],
];

/** Journals given to restore (and a few to apply's state directory): every malformed kind, plus hostile file types. */
export async function journalCases(d: CorpusDir, f: TreeFixture): Promise<HostileCase[]> {
  await run(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
  const name = readdirSync(join(f.state, 'journals')).sort().at(-1)!;
  const real = readFileSync(join(f.state, 'journals', name), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
  const restore = (file: string): string[] => ['restore', file, '--sysfs-root', f.root, '--state-dir', f.state];
  const write = (n: string, lines: readonly unknown[]): string => d.file(`journals/${n}.jsonl`, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`, 0o600);
  const out: HostileCase[] = [];
  for (const [i, [n, change, err]] of MUTATIONS.entries()) {
    const lines = real.map((l) => JSON.parse(JSON.stringify(l)) as Line);
    change(lines);
    const file = write(`${i}-${n.replace(/\W+/g, '-')}`, lines);
    out.push(bad(`journal: ${n}`, restore(file), new RegExp(`${esc(file)}: (line \\d+: )?${err.source}`), { maxErr: 4000, noControls: true }));
  }
  const raw: [string, string, RegExp][] = [
    ['empty', '', /line 1 is not a dmaown-journal\/1 header/],
    ['not JSON', 'journal\n{}\n', /line 1: not valid JSON/],
    ['line 2 not JSON', `${JSON.stringify(real[0])}\nnot json\n${JSON.stringify(real[1])}\n`, /line 2: not valid JSON/],
    ['nested 5000 deep', `${JSON.stringify(real[0])}\n${nest(5000)}\n{}\n`, /line 2: JSON nested deeper than 16 levels/],
    ['header nested', `{"format":"dmaown-journal/1","x":${nest(100)}}\n`, /line 1: JSON nested deeper than 16 levels/],
  ];
  for (const [n, text, err] of raw) {
    const file = d.file(`journals/raw-${n.replace(/\W+/g, '-')}.jsonl`, text, 0o600);
    out.push(bad(`journal: ${n}`, restore(file), new RegExp(`${esc(file)}: ${err.source}`)));
  }
  const fifo = d.fifo('journals/fifo.jsonl');
  out.push(bad('journal: a FIFO', restore(fifo), /journal ".*fifo\.jsonl" is not a regular file \(a FIFO\)/));
  out.push(bad('journal: /dev/zero', restore('/dev/zero'), /journal "\/dev\/zero" is not a regular file \(a character device\)/));
  out.push(bad('journal: a directory', restore(d.mkdir('journals/dir.jsonl')), /journal ".*dir\.jsonl" is a directory/));
  out.push(bad('journal: missing', restore(`${d.dir}/journals/none.jsonl`), /journal ".*none\.jsonl" does not exist/));
  out.push(bad('journal: writable by others', restore(d.file('journals/mode666.jsonl', real.map((l) => JSON.stringify(l)).join('\n'), 0o666)), /journal ".*mode666\.jsonl" is writable by everyone \(mode 666\): refused/));
  out.push(bad('journal: over 16 MiB', restore(d.file('journals/huge.jsonl', `${JSON.stringify(real[0])}\n${' '.repeat(17 * 2 ** 20)}\n`, 0o600)), /journal ".*huge\.jsonl" is \d+ bytes, more than the 16777216 a journal may have/));
  const torn = write('torn', real.slice(0, 3));
  d.file('journals/torn.jsonl', `${real.slice(0, 3).map((l) => JSON.stringify(l)).join('\n')}\n{"seq":1,"pha`, 0o600);
  out.push({ name: 'journal: a torn last line (killed mid-write) is read without it', argv: restore(torn), code: 0, out: /journal .*torn\.jsonl \(interrupted\)/ });
  const other = real.map((l) => JSON.parse(JSON.stringify(l)) as Line);
  other[0]!['host'] = { machine: 'f'.repeat(32), boot: '00000000-0000-0000-0000-000000000000', kernel: '6.8.0-49-generic', devices: 'e'.repeat(32) };
  out.push({ name: 'journal: from another host — refused with the reason', argv: [...restore(write('other-host', other)), '--yes'], code: 1, err: /refused, nothing written: the journal was written on another host: the PCI functions and their ids differ/ });
  return out;
}
