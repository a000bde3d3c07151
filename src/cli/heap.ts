import { setFlagsFromString } from 'node:v8';

/**
 * How far past what survived its last full collection V8 lets the heap grow before the next one:
 * HEAP_GROWING_PERCENT instead of V8's own factor (MemoryController::GrowingFactor, 1.1–4× chosen from
 * the collector's speed). A report builds its host, model and views once and keeps them to the end,
 * so the default growth mostly holds garbage: measured at 50k functions (BENCHMARKS.md), peak RSS
 * 430 → 330 MB with no more CPU (fewer pages touched, each a fault); at 10k no difference. Read by V8
 * at every collection (`--heap-growing-percent`), so setting it at start-up takes effect; process-wide
 * (worker threads too). DMAOWN_HEAP_GROWING_PERCENT=0 leaves V8's own factor.
 */
export const HEAP_GROWING_PERCENT = 30;

export function tuneHeap(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const asked = env['DMAOWN_HEAP_GROWING_PERCENT'];
  const n = asked !== undefined && /^[0-9]{1,3}$/.test(asked) ? Number(asked) : HEAP_GROWING_PERCENT;
  setFlagsFromString(`--heap-growing-percent=${n}`);
  return n;
}
