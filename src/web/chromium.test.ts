import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserTestMode, findChromium } from './chromium.js';

test('no Chromium: the browser tests are skipped with how to install it, and fail under CI=true', () => {
  const none = { DMAOWN_CHROMIUM: '/nonexistent/chromium' };
  assert.equal(findChromium(none), null);
  const local = browserTestMode(none);
  assert.ok('skip' in local && /apt-get install chromium/.test(local.skip));
  const ci = browserTestMode({ ...none, CI: 'true' });
  assert.ok('fail' in ci && /CI=true and no Chromium found/.test(ci.fail));
});

test('DMAOWN_CHROMIUM names the browser', () => {
  assert.deepEqual(browserTestMode({ DMAOWN_CHROMIUM: process.execPath }), { path: process.execPath });
});
