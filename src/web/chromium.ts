import { existsSync } from 'node:fs';

/**
 * Where the browser tests find Chromium: $DMAOWN_CHROMIUM, else Debian's `chromium` package
 * (/usr/bin/chromium), else other usual places. Null when none is installed.
 */
export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export const CHROMIUM_INSTALL = 'install Chromium to run the browser tests: `sudo apt-get install chromium` (Debian/Ubuntu), or set DMAOWN_CHROMIUM=/path/to/chrome';

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const own = env['DMAOWN_CHROMIUM'];
  if (own !== undefined && own !== '') return existsSync(own) ? own : null;
  return CHROMIUM_PATHS.find((p) => existsSync(p)) ?? null;
}

/**
 * How the browser tests run here: with a Chromium; skipped (with how to install it) when there is
 * none; and under CI=true a missing Chromium is a failure, not a skip.
 */
export function browserTestMode(env: NodeJS.ProcessEnv = process.env): { readonly path: string } | { readonly skip: string } | { readonly fail: string } {
  const path = findChromium(env);
  if (path !== null) return { path };
  return env['CI'] === 'true' ? { fail: `CI=true and no Chromium found: ${CHROMIUM_INSTALL}` } : { skip: `no Chromium found — ${CHROMIUM_INSTALL}` };
}
