import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../../../testing/shared.js';
import type { HostileCase } from './case.js';
import { bad } from './case.js';
import { CorpusDir, esc, nest } from './files.js';

type Trace = Record<string, unknown> & { steps: Record<string, unknown>[]; host: Record<string, unknown> };
const base = (): Trace => JSON.parse(readFileSync(join(sharedDir(), 'conformance/6.1/S1.json'), 'utf8')) as Trace;
const OPEN = { call: 'open', path: '/dev/vfio/vfio', fd: 'c', result: 'ok' };

/** Mutations of a real 6.1 trace: each is exit 2 naming the file and the field or step. */
const MUTATIONS: readonly (readonly [string, (t: Trace) => void, RegExp])[] = [
  ['format wrong', (t) => { t['format'] = 'dmaown-trace/9'; }, /field "format" is "dmaown-trace\/9", expected "dmaown-trace\/1"/],
  ['kernel missing', (t) => { delete t['kernel']; }, /field "kernel" \(uname -r\) is missing/],
  ['kernel garbage', (t) => { t['kernel'] = 'garbage'; }, /field "kernel": kernel release "garbage": not a uname -r/],
  ['kernel 4.19', (t) => { t['kernel'] = '4.19.0-20-amd64'; }, /field "kernel": kernel release 4\.19\.0-20-amd64: the model covers 5\.10 and later/],
  ['kernel 3.x', (t) => { t['kernel'] = '3.10.0'; }, /the model covers 5\.10 and later/],
  ['kernel escape', (t) => { t['kernel'] = '\u001b[2J6.1'; }, /field "kernel": kernel release "\\u001b\[2J6\.1": not a uname -r/],
  ['host missing', (t) => { delete (t as Record<string, unknown>)['host']; }, /field "host" \(a sysfs-capture\/1 object\) is missing/],
  ['host kernel garbage', (t) => { t.host['kernel'] = 'garbage'; }, /host: "kernel" is "garbage"/],
  ['host entries bad', (t) => { (t.host['entries'] as Record<string, unknown>)['../x'] = 'y'; }, /host: entry "\.\.\/x": key must be/],
  ['steps missing', (t) => { delete (t as Record<string, unknown>)['steps']; }, /field "steps" is missing or not an array/],
  ['steps object', (t) => { (t as Record<string, unknown>)['steps'] = {}; }, /field "steps" is missing or not an array/],
  ['step null', (t) => { t.steps[3] = null as unknown as Record<string, unknown>; }, /steps\[3\] is not an object/],
  ['call unknown', (t) => { t.steps[0]!['call'] = 'mmap'; }, /steps\[0\]\.call is "mmap", not a known call/],
  ['call __proto__', (t) => { t.steps[0]!['call'] = '__proto__'; }, /steps\[0\]\.call is "__proto__", not a known call/],
  ['result missing', (t) => { delete t.steps[0]!['result']; }, /steps\[0\]\.result is missing/],
  ['write without path', (t) => { t.steps[0] = { call: 'write', data: 'x', result: 'ok' }; }, /steps\[0\] \(write\) needs a string field "path"/],
  ['ioctl __proto__', (t) => { t.steps = [OPEN, { call: 'ioctl', fd: 'c', request: '__proto__', result: 'ENOTTY' }]; }, /steps\[1\]\.request is "__proto__", not an ioctl name/],
  ['ioctl constructor', (t) => { t.steps = [OPEN, { call: 'ioctl', fd: 'c', request: 'constructor', result: 'ENOTTY' }]; }, /steps\[1\]\.request is "constructor", not an ioctl name/],
  ['ioctl toString', (t) => { t.steps = [OPEN, { call: 'ioctl', fd: 'c', request: 'toString', result: 'ENOTTY' }]; }, /request is "toString", not an ioctl name/],
  ['ioctl number', (t) => { t.steps = [OPEN, { call: 'ioctl', fd: 'c', request: 15205, result: 'ENOTTY' }]; }, /steps\[1\] \(ioctl\) needs a string field "request"/],
  ['fd number', (t) => { t.steps = [{ call: 'close', fd: 3, result: 'EBADF' }]; }, /steps\[0\] \(close\) needs a string field "fd"/],
  ['arg array', (t) => { t.steps = [OPEN, { call: 'ioctl', fd: 'c', request: 'VFIO_CHECK_EXTENSION', arg: [1], result: 'ok' }]; }, /steps\[1\]\.arg is not an object/],
  ['data number', (t) => { t.steps = [{ call: 'write', path: '/sys/x', data: 1, result: 'ok' }]; }, /steps\[0\] \(write\) needs a string field "data"/],
  ['note object', (t) => { t.steps[0]!['note'] = { x: 1 }; }, /steps\[0\]\.note is \{"x":1\}, not a string/],
  ['wait unknown', (t) => { t.steps = [{ call: 'wait', id: 'u9', result: 'ok' }]; }, /steps\[0\]: wait for id "u9", which no earlier step blocked on/],
  ['blocked without id', (t) => { t.steps = [{ call: 'write', path: '/sys/x', data: 'y', result: 'blocked' }]; }, /steps\[0\]: a blocked step needs an "id"/],
];

export function traceCases(d: CorpusDir): HostileCase[] {
  const out: HostileCase[] = [];
  for (const [i, [name, change, err]] of MUTATIONS.entries()) {
    const t = base();
    change(t);
    const file = d.json(`traces/${i}-${name.replace(/\W+/g, '-')}.json`, t);
    out.push(bad(`trace: ${name}`, ['conform', file], new RegExp(`${esc(file)}: ${err.source}|${esc(file)}: host: ${err.source}|${err.source}`), { maxErr: 4000, noControls: true }));
  }
  const raw: [string, string, RegExp][] = [
    ['not JSON', '{"format":', /not valid JSON/],
    ['top array', '[1,2]', /top level is not an object/],
    ['nested 5000 deep', nest(5000), /JSON nested deeper than 64 levels/],
    ['host nested 5000 deep', `{"format":"dmaown-trace/1","kernel":"6.1.0","host":${nest(5000)},"steps":[]}`, /JSON nested deeper than 64 levels/],
    ['out nested 5000 deep', `{"format":"dmaown-trace/1","kernel":"6.1.0","host":{},"steps":[{"call":"read","path":"/sys/x","result":"ok","out":${nest(5000)}}]}`, /JSON nested deeper than 64 levels/],
  ];
  for (const [name, text, err] of raw) {
    const file = d.file(`traces/raw-${name.replace(/\W+/g, '-')}.json`, text);
    out.push(bad(`trace: ${name}`, ['conform', file], new RegExp(`${esc(file)}: ${err.source}`)));
  }
  const fifo = d.fifo('traces/fifo.json');
  out.push(bad('trace: a FIFO', ['conform', fifo], /trace ".*fifo\.json" is not a regular file \(a FIFO\)/));
  out.push(bad('trace: /dev/zero', ['conform', '/dev/zero'], /trace "\/dev\/zero" is not a regular file \(a character device\)/));
  out.push(bad('trace: missing', ['conform', `${d.dir}/traces/none.json`], /trace ".*none\.json" does not exist/));
  const empty = d.mkdir('traces/empty');
  out.push(bad('conform: an empty directory is nothing to replay', ['conform', empty], /no trace to replay in .*empty/));
  const onlyText = d.mkdir('traces/only-text');
  d.file('traces/only-text/readme.txt', 'x');
  out.push(bad('conform: a directory without *.json', ['conform', onlyText], /no trace to replay/));
  const loops = d.mkdir('traces/loops');
  d.link('traces/loops/self', '.');
  d.link('traces/loops/up', '..');
  d.link('traces/loops/dangling.json', 'nowhere.json');
  d.link('traces/loops/loop.json', 'loop.json');
  d.file('traces/loops/fifo-inside.json', '');
  out.push({ name: 'conform: a directory with link loops and dangling links — warned, the rest still read', argv: ['conform', loops], code: 2, err: /warning: .*(dangling|loop)[\s\S]*fifo-inside\.json/ });
  const good = d.mkdir('traces/good-with-loop');
  d.file('traces/good-with-loop/t.json', readFileSync(join(sharedDir(), 'conformance/6.1/S1.json'), 'utf8'));
  d.link('traces/good-with-loop/again', '.');
  d.link('traces/good-with-loop/gone.json', 'gone-target.json');
  out.push({ name: 'conform: a good trace beside a loop and a dangling link — replayed, the rest warned', argv: ['conform', good], code: 0, out: /24 passed, 0 failed/, err: /warning: .*again.*loop[\s\S]*warning: .*gone\.json.*dangling/ });
  const protoArg = base();
  protoArg.steps = [OPEN, { call: 'ioctl', fd: 'c', request: 'VFIO_GET_API_VERSION', arg: JSON.parse('{"__proto__": {"polluted": 1}}') as Record<string, unknown>, result: 'ok' }];
  const pa = d.json('traces/arg-proto.json', protoArg);
  out.push({ name: 'trace: an arg with a __proto__ key is only data (a correct replay)', argv: ['conform', pa], code: 0, out: /2 passed, 0 failed/ });
  const longPath = base();
  longPath.steps = [{ call: 'read', path: `/sys/${'a/'.repeat(5000)}x`, result: 'ENOENT' }];
  const lp = d.json('traces/long-path.json', longPath);
  out.push({ name: 'trace: a 10k-character path is just a missing file', argv: ['conform', lp], code: 0, out: /1 passed, 0 failed/ });
  return out;
}
