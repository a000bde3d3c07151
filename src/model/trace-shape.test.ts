/**
 * Replays the steps of the shared conformance traces S1, S2, S9 (5.10, 6.1, 6.12, 6.12-iommufd) against a
 * hand-built q35-like host (testing/host-builder.ts q35Like), comparing result and out at every step and
 * the invariants after every step. The real replayer (src/conform) reads the trace's own host.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../testing/shared.js';
import { createKernel } from './kernel.js';
import { checkInvariants } from './invariants.js';
import { q35Like } from './testing/host-builder.js';
import type { Kernel, SysResult } from './uapi.js';

interface Step { call: string; result: string; path?: string; data?: string; fd?: string; request?: string; arg?: Record<string, unknown>; fdOut?: string; id?: string; out?: unknown }

function replay(k: Kernel, steps: readonly Step[]): string[] {
  const fds = new Map<string, number>();
  const fd = (label: string | undefined): number => fds.get(label ?? '') ?? -1;
  /** Descriptors open now: a new one (open, an fd-returning ioctl) must be none of them. */
  const open = new Set<number>();
  const created = (i: number, what: string, label: string | undefined, value: unknown): void => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) problems.push(`step ${i} ${what}: no descriptor returned (${JSON.stringify(value)})`);
    else if (open.has(value)) problems.push(`step ${i} ${what}: descriptor ${value} returned for ${label ?? '?'} is already open as ${[...fds].find(([, v]) => v === value)?.[0] ?? '?'}`);
    else { open.add(value); fds.set(label ?? '', value); }
  };
  const problems: string[] = [];
  steps.forEach((s, i) => {
    let r: SysResult<unknown>;
    switch (s.call) {
      case 'write': r = k.write(s.path ?? '', s.data ?? ''); break;
      case 'read': r = k.read(s.path ?? ''); break;
      case 'readlink': r = k.readLink(s.path ?? ''); break;
      case 'stat': r = k.stat(s.path ?? ''); break;
      case 'list': r = k.list(s.path ?? ''); break;
      case 'open': r = k.open(s.path ?? ''); if (r.ok) created(i, `open ${s.path ?? ''}`, s.fd, r.value); break;
      case 'close': r = k.close(fd(s.fd)); if (r.ok) open.delete(fd(s.fd)); break;
      case 'wait': r = k.wait(s.id ?? ''); break;
      case 'ioctl': {
        const arg = { ...(s.arg ?? {}) };
        if (typeof arg['fd'] === 'string') arg['fd'] = fd(arg['fd']);
        r = k.ioctl(fd(s.fd), s.request ?? '', arg);
        if (r.ok && s.fdOut) created(i, s.request ?? '', s.fdOut, (r.value as { fd?: unknown }).fd);
        break;
      }
      default: throw new Error(`unknown call ${s.call}`);
    }
    const got = r.ok ? 'ok' : r.errno;
    if (got !== s.result) problems.push(`step ${i} ${s.call} ${s.path ?? s.request ?? ''}: expected ${s.result}, got ${got}${r.ok ? '' : ` (${r.why})`}`);
    else if (s.out !== undefined && r.ok && s.call !== 'open') {
      // A descriptor's number is the model's own: it is compared by its label (checked new above), the rest as recorded.
      const byLabel = (o: unknown): unknown => (s.fdOut && typeof o === 'object' && o !== null ? { ...o, fd: s.fdOut } : o);
      try { assert.deepEqual(byLabel(r.value), byLabel(s.out)); } catch {
        problems.push(`step ${i} ${s.call} ${s.path ?? s.request ?? ''}: out ${JSON.stringify(r.value)} != ${JSON.stringify(s.out)}`);
      }
    }
    const inv = checkInvariants(k);
    if (inv.length) problems.push(`step ${i}: invariants: ${inv.join('; ')}`);
  });
  return problems;
}

for (const dir of ['5.10', '6.1', '6.12', '6.12-iommufd']) {
  for (const s of ['S1', 'S2', 'S9']) {
    test(`trace shape ${dir}/${s} replays on a q35-like host`, () => {
      const trace = JSON.parse(readFileSync(join(sharedDir(), 'conformance', dir, `${s}.json`), 'utf8')) as { kernel: string; steps: Step[] };
      const k = createKernel(q35Like(trace.kernel).build());
      assert.deepEqual(replay(k, trace.steps), []);
    });
  }
}

test('the replayer catches a descriptor handed out while it is still open', () => {
  const k = createKernel(q35Like('6.1.0-56-amd64').build());
  const twice = Object.assign(Object.create(k) as Kernel, { open: (): SysResult<number> => ({ ok: true, value: 3, calls: [] }) });
  const steps: Step[] = [{ call: 'open', path: '/dev/vfio/vfio', fd: 'c', result: 'ok' }, { call: 'open', path: '/dev/vfio/vfio', fd: 'd', result: 'ok' }];
  assert.match(replay(twice, steps).join('\n'), /step 1 open \/dev\/vfio\/vfio: descriptor 3 returned for d is already open as c/);
});
