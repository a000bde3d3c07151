import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEAP_GROWING_PERCENT, tuneHeap } from './heap.js';

test('tuneHeap: 30 % heap growth unless DMAOWN_HEAP_GROWING_PERCENT says 0..999; anything else is ignored', () => {
  assert.equal(tuneHeap({}), HEAP_GROWING_PERCENT);
  assert.equal(tuneHeap({ DMAOWN_HEAP_GROWING_PERCENT: '0' }), 0);
  assert.equal(tuneHeap({ DMAOWN_HEAP_GROWING_PERCENT: '150' }), 150);
  for (const bad of ['', '-5', '1e3', '30%', '1000', ' 30']) assert.equal(tuneHeap({ DMAOWN_HEAP_GROWING_PERCENT: bad }), HEAP_GROWING_PERCENT, bad);
  tuneHeap({});
});

