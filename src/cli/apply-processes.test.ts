import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './testing/cli.js';
import { deviceState, dmaownProcess, lockToolsMissing, treeFixture } from './testing/trees.js';

/**
 * The apply/restore machinery against real processes on a host tree: killed with SIGKILL after every
 * journal line, paused while holding the lock, racing for the lock, and faced with planted, tampered
 * and stale state. The in-process kill test on the model (assign/apply.test.ts) stays as it is.
 */

const journals = (state: string): string[] => { try { return readdirSync(join(state, 'journals')).filter((n) => n.endsWith('.jsonl')).sort(); } catch { return []; } };
/** Node has no mkfifo(3): coreutils' mkfifo(1) makes one. */
const mkfifo = (p: string): void => { assert.equal(spawnSync('mkfifo', [p]).status, 0, `mkfifo ${p}`); };

test('killed (SIGKILL) after every journal line: a second apply is refused, restore gives every device back, then apply runs again', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-kill-');
  try {
    const before = deviceState(f.root, f.devices);
    // The complete journal of this apply on a tree has 12 lines (header, 4 overrides begun and done, the unbind that fails, rolled-back).
    for (let n = 1; n <= 11; n++) {
      const p = dmaownProcess(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state], { DMAOWN_TEST_SIGNAL_AT: `${n}:SIGKILL` });
      const r = await p.done;
      assert.equal(r.signal, 'SIGKILL', `n=${n}: ${r.err}`);
      const [journal] = journals(f.state);
      assert.ok(journal !== undefined, `n=${n}: a journal`);
      const second = await run(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
      assert.equal(second.code, 1, `n=${n}: ${second.err}`);
      assert.match(second.err, new RegExp(`refused, nothing written: .*not finished:\\n  .*${journal.replace(/\./g, '\\.')} is unfinished`, 's'));
      assert.equal(journals(f.state).length, 1, `n=${n}: the refused apply wrote no journal`);
      const back = await run(['restore', '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
      assert.equal(back.code, 0, `n=${n}: ${back.err}${back.out}`);
      assert.deepEqual(deviceState(f.root, f.devices), before, `n=${n}`);
      rmSync(join(f.state, 'journals', journal));
    }
    // Not blocked any more: this apply runs (and, on a tree without a kernel, rolls back by itself).
    const again = await run(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(again.code, 1);
    assert.match(again.out, /Failed; rolled back: every device is back/);
    assert.deepEqual(deviceState(f.root, f.devices), before);
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

test('an unfinished journal can be discarded explicitly; then apply is no longer blocked by it (and re-checks the host)', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-discard-');
  try {
    const r = await dmaownProcess(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state], { DMAOWN_TEST_SIGNAL_AT: '3:SIGKILL' }).done;
    assert.equal(r.signal, 'SIGKILL');
    const [journal] = journals(f.state);
    const d = await run(['restore', join(f.state, 'journals', journal!), '--discard', '--state-dir', f.state]);
    assert.equal(d.code, 0, d.err);
    assert.match(d.out, /discarded: nothing was restored/);
    // Not blocked by the journal any more — but discarding restored nothing: 01:00.0 keeps the
    // driver_override the killed apply wrote, so the plan file no longer matches this host.
    const again = await run(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(again.code, 1);
    assert.doesNotMatch(again.err, /not finished/);
    assert.match(again.out, /host changed since the plan, or the plan file was edited: .*0000:01:00\.0 nvidia vfio-pci/);
    assert.equal(journals(f.state).length, 1);
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

test('two concurrent applies: the one paused holding the lock wins, the other is refused (EBUSY, naming its pid) and writes nothing', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-concurrent-');
  try {
    const before = deviceState(f.root, f.devices);
    const a = dmaownProcess(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state], { DMAOWN_TEST_SIGNAL_AT: '3:SIGSTOP' });
    // Wait until A has stopped itself after journal line 3 (it holds the lock).
    for (let i = 0; i < 300; i++) {
      const st = (() => { try { return readFileSync(`/proc/${a.pid}/stat`, 'utf8'); } catch { return ''; } })();
      if (/\) T /.test(st)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(readFileSync(`/proc/${a.pid}/stat`, 'utf8'), /\) T /, 'A is stopped');
    const b = await dmaownProcess(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]).done;
    assert.equal(b.code, 1, b.err);
    assert.match(b.err, new RegExp(`EBUSY: .*lock is held by another dmaown \\(pid ${a.pid}\\)`));
    assert.equal(journals(f.state).length, 1, 'only A wrote a journal');
    process.kill(a.pid, 'SIGCONT');
    const ra = await a.done;
    assert.equal(ra.code, 1, ra.err);
    assert.match(ra.out, /Failed; rolled back: every device is back/);
    assert.deepEqual(deviceState(f.root, f.devices), before);
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

/** A child that takes the lock, reports, and holds it until its stdin closes. */
function locker(state: string): { result: Promise<string>; release: () => Promise<void> } {
  const code = `import('${join(process.cwd(), 'dist/host/state-port.js')}').then((m) => { const l = m.dirStatePort(${JSON.stringify(state)}).lock(); process.stdout.write(l.ok ? 'got\\n' : 'busy ' + l.errno + '\\n'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0)); })`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const result = new Promise<string>((resolve) => { child.stdout.on('data', (b: Buffer) => { out += b.toString(); if (out.includes('\n')) resolve(out.trim()); }); });
  const exited = new Promise<void>((resolve) => { child.on('exit', () => resolve()); });
  // Released when the process is gone: the next trial must not race a holder still exiting.
  return { result, release: () => { child.stdin.end(); return exited; } };
}

test('a stale lock file (garbage, a dead pid) is no lock: 40 trials of two processes racing for it — exactly one gets it each time', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-race-');
  try {
    for (let i = 0; i < 40; i++) {
      writeFileSync(join(f.state, 'lock'), i % 2 === 0 ? 'pid 999999\n' : 'garbage\u0000\n', { mode: 0o600 });
      const x = locker(f.state), y = locker(f.state);
      const results = (await Promise.all([x.result, y.result])).sort();
      await Promise.all([x.release(), y.release()]);
      assert.deepEqual(results, ['busy EBUSY', 'got'], `trial ${i}`);
    }
    // The holder killed with SIGKILL: the kernel drops the lock with the process, a new apply takes it.
    const k = locker(f.state);
    assert.equal(await k.result, 'got');
    const held = await run(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(held.code, 1);
    assert.match(held.err, /EBUSY/);
    const pids = readFileSync(join(f.state, 'lock'), 'utf8');
    process.kill(Number(/pid (\d+)/.exec(pids)?.[1]), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const after = await run(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.doesNotMatch(after.err, /EBUSY/);
    assert.equal(after.code, 1);
    assert.match(after.out, /Failed; rolled back/);
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});

test('the lock path as a symbolic link or a FIFO, a planted state directory: refused at once, nothing followed or written', { skip: lockToolsMissing() }, async () => {
  const f = await treeFixture('dmaown-lockpath-');
  try {
    const target = join(f.dir, 'victim');
    writeFileSync(target, 'untouched\n');
    symlinkSync(target, join(f.state, 'lock'));
    const s = await run(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(s.code, 2);
    assert.match(s.err, /lock ".*\/lock" is a symbolic link: refused/);
    assert.equal(readFileSync(target, 'utf8'), 'untouched\n');
    rmSync(join(f.state, 'lock'));
    mkfifo(join(f.state, 'lock'));
    const t0 = Date.now();
    const q = await dmaownProcess(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state], {}, 20_000).done;
    assert.equal(q.code, 2, q.err);
    assert.match(q.err, /lock ".*" is not a regular file: refused/);
    assert.ok(Date.now() - t0 < 15_000);
    rmSync(join(f.state, 'lock'));
    chmodSync(f.state, 0o777);
    const w = await run(['apply', f.plan, '--yes', '--sysfs-root', f.root, '--state-dir', f.state]);
    assert.equal(w.code, 2);
    assert.match(w.err, /state directory ".*state" has mode 0777, not 0700 \(chmod 700\): refused/);
    chmodSync(f.state, 0o700);
    if (process.geteuid?.() === 0) {
      // Planted by another user: a state directory root does not own.
      chownSync(f.state, 65534, 65534);
      const o = await run(['restore', '--sysfs-root', f.root, '--state-dir', f.state]);
      assert.equal(o.code, 2);
      assert.match(o.err, /is owned by uid 65534, not by uid 0/);
      assert.equal(statSync(f.state).mode & 0o777, 0o700);
    }
  } finally { rmSync(f.dir, { recursive: true, force: true }); }
});
