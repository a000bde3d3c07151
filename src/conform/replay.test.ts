import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir, sharedDir } from '../testing/shared.js';
import { parseTrace } from './trace.js';
import { compareOut, replayTrace } from './replay.js';
import { loadTrace, traceFiles } from './traces.js';

const roots = [join(sharedDir(), 'conformance'), join(repoDir(), 'conformance')].filter((d) => existsSync(d));
const files = traceFiles(roots).files;

test('there are real-kernel traces to replay', () => {
  assert.ok(files.length >= 16, `found ${files.length} traces under ${roots.join(', ')}`);
});

for (const file of files) {
  test(`replays ${file.slice(file.indexOf('conformance'))} step by step`, () => {
    const trace = loadTrace(file);
    assert.ok(trace.ok, trace.ok ? '' : trace.why);
    const report = replayTrace(trace.value, file);
    assert.ok(report.ok, report.ok ? '' : report.why);
    const bad = report.value.steps.filter((s) => !s.match).map((s) =>
      `step ${s.index} ${s.step.call} ${s.step.path ?? s.step.request ?? s.step.fd ?? ''}: ${s.mismatch}` +
      (s.why ? ` — model: ${s.why}` : '') + ` [${s.calls.join(' → ')}]`);
    assert.deepEqual(bad, []);
    assert.equal(report.value.passed, trace.value.steps.length);
  });
}

test('a trace that is not JSON is an error naming the file', () => {
  const r = parseTrace('{"format": ', 'broken.json');
  assert.ok(!r.ok);
  assert.match(r.why, /^broken\.json: not JSON/);
});

test('a trace with the wrong format or a bad step names the field', () => {
  const wrong = parseTrace(JSON.stringify({ format: 'dmaown-trace/2', kernel: '6.1.0', host: {}, steps: [] }), 't.json');
  assert.ok(!wrong.ok);
  assert.match(wrong.why, /field "format"/);
  const noPath = parseTrace(JSON.stringify({ format: 'dmaown-trace/1', kernel: '6.1.0', host: {}, steps: [{ call: 'write', result: 'ok', data: 'x' }] }), 't.json');
  assert.ok(!noPath.ok);
  assert.match(noPath.why, /steps\[0\] \(write\) needs a string field "path"/);
  const orphanWait = parseTrace(JSON.stringify({ format: 'dmaown-trace/1', kernel: '6.1.0', host: {}, steps: [{ call: 'wait', id: 'u1', result: 'ok' }] }), 't.json');
  assert.ok(!orphanWait.ok);
  assert.match(orphanWait.why, /which no earlier step blocked on/);
});

test('a missing trace file is ENOENT naming the file', () => {
  const r = loadTrace('/nonexistent/trace.json');
  assert.ok(!r.ok);
  assert.equal(r.errno, 'ENOENT');
  assert.match(r.why, /\/nonexistent\/trace\.json/);
});

test('out comparison: flags as sets, only the keys the trace kept', () => {
  assert.equal(compareOut({ flags: ['VIABLE', 'CONTAINER_SET'] }, { flags: ['CONTAINER_SET', 'VIABLE'], extra: 1 }), undefined);
  assert.match(compareOut({ flags: ['VIABLE'] }, { flags: [] }) ?? '', /out\.flags/);
  assert.match(compareOut('../../../bus/pci/drivers/e1000', '../../bus/pci/drivers/e1000') ?? '', /kernel/);
});

test('trace-reader-fd-key: a descriptor argument under "fd" replays as under the uAPI field name (VFIO_DEVICE_BIND_IOMMUFD)', () => {
  const file = join(repoDir(), 'conformance', '6.12-iommufd', 'S17-two-iommufds-cdev.json');
  const trace = loadTrace(file);
  assert.ok(trace.ok, trace.ok ? '' : trace.why);
  let renamed = 0;
  const steps = trace.value.steps.map((s) => {
    if (s.request !== 'VFIO_DEVICE_BIND_IOMMUFD' || s.arg?.['iommufd'] === undefined) return s;
    renamed++;
    const { iommufd, ...rest } = s.arg;
    return { ...s, arg: { ...rest, fd: iommufd } };
  });
  assert.ok(renamed >= 2, `S17 binds through ${renamed} BIND_IOMMUFD steps`);
  const report = replayTrace({ ...trace.value, steps }, file);
  assert.ok(report.ok, report.ok ? '' : report.why);
  assert.deepEqual(report.value.steps.filter((s) => !s.match).map((s) => `${s.index}: ${s.mismatch}`), []);
  const bind = report.value.steps.find((s) => s.step.request === 'VFIO_DEVICE_BIND_IOMMUFD' && s.result === 'ok');
  assert.deepEqual(bind?.out, { devid: 1 });
});

test('trace-reader-fd-key: "fd" and "iommufd" naming different descriptors is an error naming the step', () => {
  const r = parseTrace(JSON.stringify({ format: 'dmaown-trace/1', kernel: '6.12.0', host: {}, steps: [
    { call: 'ioctl', fd: 'dev', request: 'VFIO_DEVICE_BIND_IOMMUFD', arg: { fd: 'a', iommufd: 'b' }, result: 'ok' }] }), 't.json');
  assert.ok(!r.ok);
  assert.match(r.why, /t\.json: steps\[0\]\.arg names the iommufd twice/);
});
