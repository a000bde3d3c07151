/**
 * Calls that did not return ('blocked'): a task asleep in the kernel. Each has a condition and a retry;
 * after every syscall the kernel wakes the ones whose condition now holds (as the real waitqueue would),
 * and `wait(id)` reports how the call stands.
 */
import { enter, type KernelState } from './kernel-state.js';
import type { Outcome } from './uapi.js';

/** A syscall that sleeps (a `wait_for_completion()`, a `device_lock()`): park it as pending until `ready()` holds, then `retry`. */
export function blockOn(k: KernelState, what: string, ready: () => boolean, retry: () => Outcome): Outcome {
  const id = `b${k.next.pending++}`;
  k.pending.set(id, { id, what, ready, retry, result: null });
  enter(k, `blocked: ${what}`);
  return { ok: false, errno: 'blocked', why: what, id };
}

/** Wake every pending call whose condition holds; a woken call may block again (its result is then the new block). */
export function wakeUpPending(k: KernelState): void {
  for (let progress = true; progress;) {
    progress = false;
    for (const p of k.pending.values()) {
      if (p.result !== null || !p.ready()) continue;
      const r = p.retry();
      if (!r.ok && r.errno === 'blocked' && r.id !== undefined) {
        const inner = k.pending.get(r.id);
        k.pending.delete(r.id);
        if (inner) { p.ready = inner.ready; p.retry = inner.retry; }
        continue;
      }
      p.result = r;
      progress = true;
    }
  }
}
