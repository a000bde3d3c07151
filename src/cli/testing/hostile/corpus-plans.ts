import { readFileSync } from 'node:fs';
import type { TreeFixture } from '../trees.js';
import type { HostileCase } from './case.js';
import { bad } from './case.js';
import { CorpusDir, esc, nest } from './files.js';

type Plan = Record<string, unknown> & { devices: Record<string, unknown>[]; steps: Record<string, unknown>[] };

/** Mutations of a real plan file: exit 2 naming the file and the field; or a refusal (exit 1) from planning again. */
const MUTATIONS: readonly (readonly [string, (p: Plan) => void, RegExp, number?])[] = [
  ['format missing', (p) => { delete p['format']; }, /"format" is undefined, not "dmaown-plan\/1"/],
  ['format wrong', (p) => { p['format'] = 'dmaown-plan/0'; }, /"format" is "dmaown-plan\/0", not "dmaown-plan\/1"/],
  ['refused plan', (p) => { p['refusals'] = [{ bdf: '', code: 'bridge', why: 'x' }]; }, /the plan was refused when it was made/],
  ['kernel number', (p) => { p['kernel'] = 6; }, /"kernel" is 6, not a kernel release/],
  ['driver ../', (p) => { p['driver'] = '../../bin/sh'; }, /"driver" is "\.\.\/\.\.\/bin\/sh", not a driver name/],
  ['driver escape', (p) => { p['driver'] = 'vfio\u001b[2J'; }, /"driver" is "vfio\\u001b\[2J", not a driver name/],
  ['via bogus', (p) => { p['via'] = 'dma-buf'; }, /"via" is "dma-buf", not group or cdev/],
  ['devices missing', (p) => { delete (p as Record<string, unknown>)['devices']; }, /devices must be a list/],
  ['devices empty', (p) => { p.devices = []; }, /no device is marked requested/],
  ['device ../', (p) => { p.devices[0]!['bdf'] = '../../../etc/driverctl.d/x'; }, /devices\[0\]\.bdf is "\.\.\/\.\.\/\.\.\/etc\/driverctl\.d\/x", not a full PCI address/],
  ['device uppercase', (p) => { p.devices[0]!['bdf'] = '0000:01:00.0 '; }, /devices\[0\]\.bdf is "0000:01:00\.0 "/],
  ['device requested missing', (p) => { delete p.devices[0]!['requested']; }, /devices\[0\]\.requested must be true or false/],
  ['device twice', (p) => { p.devices.push(p.devices[0]!); }, /devices\[4\]: 0000:01:00\.0 is listed twice/],
  ['steps missing', (p) => { delete (p as Record<string, unknown>)['steps']; }, /"steps" must be a non-empty list/],
  ['steps empty', (p) => { p.steps = []; }, /"steps" must be a non-empty list/],
  ['step not object', (p) => { p.steps[0] = 7 as unknown as Record<string, unknown>; }, /steps\[0\] is not an object/],
  ['action unknown', (p) => { (p.steps[0]!['action'] as Record<string, unknown>)['op'] = 'exec'; }, /steps\[0\]\.action: unknown action "exec"/],
  ['action __proto__', (p) => { (p.steps[0]!['action'] as Record<string, unknown>)['op'] = '__proto__'; }, /steps\[0\]\.action: unknown action "__proto__"/],
  ['action path field', (p) => { (p.steps[0]!['action'] as Record<string, unknown>)['path'] = '/etc/passwd'; }, /steps\[0\]\.action: override has no field "path"/],
  ['inverse 9', (p) => { p.steps[0]!['inverse'] = Array(9).fill(p.steps[0]!['action']); }, /steps\[0\]\.inverse must be a list of at most 8 actions/],
  ['step dropped (no undo)', (p) => { p.steps[0]!['inverse'] = []; }, /host changed since the plan, or the plan file was edited: step 1: the plan file says/, 1],
  ['root port added', (p) => { p.devices.push({ bdf: '0000:00:01.0', group: 8, driver: 'pcieport', driverOverride: null, requested: true }); }, /0000:00:01\.0 is a bridge; bridges are never moved/, 1],
  ['kernel changed', (p) => { p['kernel'] = '6.1.0-99-amd64'; }, /host changed since the plan, or the plan file was edited: kernel is .*, the plan was made for 6\.1\.0-99-amd64/, 1],
  ['device not on host', (p) => { p.devices[0]!['bdf'] = '0000:7f:00.0'; }, /no PCI device 0000:7f:00\.0/],
  ['original driver edited', (p) => { p.devices[1]!['driver'] = 'ahci'; }, /host changed since the plan, or the plan file was edited: the plan file has device 0000:01:00\.1 ahci/, 1],
];

export function planCases(d: CorpusDir, f: TreeFixture): HostileCase[] {
  const real = readFileSync(f.plan, 'utf8');
  const apply = (file: string, yes = false): string[] => ['apply', file, '--sysfs-root', f.root, '--state-dir', f.state, ...(yes ? ['--yes'] : [])];
  const out: HostileCase[] = [];
  for (const [i, [n, change, err, code]] of MUTATIONS.entries()) {
    const p = JSON.parse(real) as Plan;
    change(p);
    const file = d.json(`plans/${i}-${n.replace(/\W+/g, '-')}.json`, p);
    if (code === 1) out.push({ name: `plan file: ${n}`, argv: apply(file, i % 2 === 0), code: 1, out: err });
    else out.push(bad(`plan file: ${n}`, apply(file, i % 2 === 0), new RegExp(`${esc(file)}: (.*: )?${err.source}`), { maxErr: 4000, noControls: true }));
  }
  const raw: [string, string, RegExp][] = [
    ['empty', '', /not valid JSON/],
    ['not JSON', 'plan', /not valid JSON/],
    ['array', '[]', /not a JSON object/],
    ['nested 5000 deep', nest(5000), /JSON nested deeper than 64 levels/],
  ];
  for (const [n, text, err] of raw) {
    const file = d.file(`plans/raw-${n.replace(/\W+/g, '-')}.json`, text);
    out.push(bad(`plan file: ${n}`, apply(file), new RegExp(`${esc(file)}: ${err.source}`)));
  }
  out.push(bad('plan file: a FIFO', apply(d.fifo('plans/fifo.json')), /plan file ".*fifo\.json" is not a regular file \(a FIFO\)/));
  out.push(bad('plan file: /dev/zero', apply('/dev/zero'), /plan file "\/dev\/zero" is not a regular file \(a character device\)/));
  out.push(bad('plan file: a directory', apply(d.mkdir('plans/dir.json')), /plan file ".*dir\.json" is a directory/));
  out.push(bad('plan file: not a BDF and no such file', apply('zz:00.0'), /plan file "zz:00\.0" does not exist, and "zz:00\.0" is not a PCI address either/));
  out.push(bad('plan file: over 16 MiB', apply(d.file('plans/huge.json', ' '.repeat(17 * 2 ** 20))), /plan file ".*huge\.json" is \d+ bytes, more than the 16777216/));
  // `apply 02:00.0` with a file of that name in the current directory: the device, never the file.
  const cwd = d.mkdir('cwd');
  d.file('cwd/02:00.0', JSON.stringify({ format: 'dmaown-plan/1' }));
  out.push({ name: 'apply 02:00.0 beside a file named 02:00.0 plans the device', argv: ['apply', '02:00.0', '--sample', 'desktop-gpu'], cwd, code: 0, out: /echo vfio-pci > \/sys\/bus\/pci\/devices\/0000:02:00\.0\/driver_override/ });
  return out;
}
