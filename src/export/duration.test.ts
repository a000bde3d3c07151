import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from './duration.js';

test('durations as systemd and Prometheus write them; errors name the option', () => {
  const ms = (t: string): number | string => { const r = parseDuration(t, '--x'); return r.ok ? r.value : r.why; };
  assert.equal(ms('90'), 90_000);
  assert.equal(ms('30s'), 30_000);
  assert.equal(ms('5m'), 300_000);
  assert.equal(ms('5min'), 300_000);
  assert.equal(ms('1h30m'), 5_400_000);
  assert.equal(ms('1500ms'), 1500);
  assert.match(String(ms('soon')), /--x soon: not a duration/);
  assert.match(String(ms('500ms')), /at least 1s/);
  assert.match(String(ms('8d')), /at most 7 days/);
  assert.match(String(ms('')), /--x/);
});
