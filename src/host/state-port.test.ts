import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirStatePort, memoryStatePort } from './state-port.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'dmaown-state-'));
}

test('dirStatePort: prepare creates DIR and DIR/journals 0700, refuses a link or a group-writable directory', () => {
  const d = tmp();
  try {
    const s = dirStatePort(join(d, 'state'));
    assert.deepEqual(s.prepare(false).ok, false);
    assert.equal(s.prepare(true).ok, true);
    assert.deepEqual(s.listJournals(), { ok: true, value: [] });
    chmodSync(join(d, 'state'), 0o770);
    const p = s.prepare(false);
    assert.ok(!p.ok && p.errno === 'EPERM' && /has mode 0770, not 0700/.test(p.why));
    symlinkSync(join(d, 'state'), join(d, 'link'));
    const l = dirStatePort(join(d, 'link')).prepare(true);
    assert.ok(!l.ok && l.errno === 'EPERM' && /is a symbolic link/.test(l.why));
  } finally { rmSync(d, { recursive: true, force: true }); }
});

test('dirStatePort journals: created exclusively, appended durably, never through a link; read errors are values', () => {
  const d = tmp();
  try {
    const s = dirStatePort(d);
    assert.equal(s.prepare(true).ok, true);
    const j = s.journalPath('a.jsonl');
    assert.equal(s.appendJournal(j, '{"x":1}', { create: true }).ok, true);
    const again = s.appendJournal(j, '{"x":2}', { create: true });
    assert.ok(!again.ok && again.errno === 'EEXIST');
    assert.equal(s.appendJournal(j, '{"x":2}').ok, true);
    assert.equal(readFileSync(j, 'utf8'), '{"x":1}\n{"x":2}\n');
    assert.deepEqual(s.readJournal(j), { ok: true, value: '{"x":1}\n{"x":2}\n' });
    symlinkSync(j, s.journalPath('b.jsonl'));
    const viaLink = s.appendJournal(s.journalPath('b.jsonl'), '{}');
    assert.ok(!viaLink.ok && viaLink.errno === 'ELOOP');
    const readLink = s.readJournal(s.journalPath('b.jsonl'), { noFollow: true });
    assert.ok(!readLink.ok && readLink.errno === 'ELOOP');
    assert.deepEqual(s.listJournals(), { ok: true, value: ['a.jsonl', 'b.jsonl'] });
    // A directory or a FIFO where a journal should be: an error naming it, at once.
    mkdirSync(s.journalPath('c.jsonl'));
    const dir = s.readJournal(s.journalPath('c.jsonl'));
    assert.ok(!dir.ok && dir.errno === 'EISDIR' && dir.why.includes('c.jsonl'));
    execFileSync('mkfifo', [s.journalPath('d.jsonl')]);
    const fifo = s.readJournal(s.journalPath('d.jsonl'));
    assert.ok(!fifo.ok && fifo.errno === 'EINVAL' && /not a regular file \(a FIFO\)/.test(fifo.why));
    const missing = s.appendJournal(s.journalPath('e.jsonl'), '{}');
    assert.ok(!missing.ok && missing.errno === 'ENOENT');
    writeFileSync(join(d, 'journals', 'f.jsonl'), '{}\n', { mode: 0o666 });
    chmodSync(join(d, 'journals', 'f.jsonl'), 0o666);
    const loose = s.readJournal(s.journalPath('f.jsonl'));
    assert.ok(!loose.ok && loose.errno === 'EPERM' && /writable by everyone/.test(loose.why));
  } finally { rmSync(d, { recursive: true, force: true }); }
});

test('dirStatePort lock: a second taker gets EBUSY until the first releases', { skip: spawnMissing('flock') }, () => {
  const d = tmp();
  try {
    const a = dirStatePort(d).lock();
    assert.ok(a.ok);
    const b = dirStatePort(d).lock();
    assert.ok(!b.ok && b.errno === 'EBUSY' && new RegExp(`pid ${process.pid}`).test(b.why));
    a.value();
    const c = dirStatePort(d).lock();
    assert.ok(c.ok);
    c.value();
  } finally { rmSync(d, { recursive: true, force: true }); }
});

test('memoryStatePort answers the same contract, with injected faults', () => {
  const s = memoryStatePort({ read: { '(memory)/journals/bad.jsonl': 'EIO' }, append: { '(memory)/journals/full.jsonl': { errno: 'ENOSPC', fromLine: 1 } } });
  const full = s.journalPath('full.jsonl');
  assert.equal(s.appendJournal(full, 'one', { create: true }).ok, true);
  const r = s.appendJournal(full, 'two');
  assert.ok(!r.ok && r.errno === 'ENOSPC');
  assert.deepEqual(s.readJournal(full), { ok: true, value: 'one\n' });
  const bad = s.readJournal(s.journalPath('bad.jsonl'));
  assert.ok(!bad.ok && bad.errno === 'EIO');
  const l = s.lock();
  assert.ok(l.ok);
  assert.equal(s.lock().ok, false);
  l.value();
  assert.deepEqual(s.listJournals(), { ok: true, value: ['full.jsonl'] });
});

function spawnMissing(cmd: string): string | false {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`]); return false; } catch { return `${cmd} is not installed (util-linux)`; }
}
