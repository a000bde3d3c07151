import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Where the shared reference material lives (spec, captures, conformance traces): `../shared` next to
 * the checkout, or $DMAOWN_SHARED. Tests run from the repository root (npm test), as CI does.
 */
export function sharedDir(): string {
  const dir = process.env['DMAOWN_SHARED'] ?? resolve(process.cwd(), '../shared');
  if (!existsSync(dir)) throw new Error(`shared material not found at ${dir} (set DMAOWN_SHARED)`);
  return dir;
}

/** The repository root (tests run from it). */
export function repoDir(): string {
  return process.cwd();
}
