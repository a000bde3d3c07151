import { err, ok, type Result } from '../model/errno.js';
import { escapeControls } from './shown.js';

/** Deepest nesting of arrays and objects accepted in any JSON input (captures nest 3, traces 6, journals 5). */
export const MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of JSON text, scanned without parsing (strings skipped): answers the byte offset
 * where `max` is first exceeded, or -1. A document nested 5000 deep is refused before JSON.parse and
 * before any recursive code walks it.
 */
export function depthExceededAt(text: Uint8Array | string, max = MAX_JSON_DEPTH): number {
  const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let depth = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x22) {
      for (i++; i < b.length && b[i] !== 0x22; i++) if (b[i] === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return -1;
}

/**
 * JSON.parse for untrusted text: depth-limited first, then parsed with a reviver-free parse and
 * checked for `__proto__` keys being data only (JSON.parse makes them own properties, never a
 * prototype). `where` names the input in the message. Errors: EINVAL.
 */
export function parseJsonInput(text: string, where: string, max = MAX_JSON_DEPTH): Result<unknown> {
  const at = depthExceededAt(text, max);
  if (at >= 0) return err('EINVAL', `${where}: JSON nested deeper than ${max} levels (at byte ${at})`);
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    return err('EINVAL', `${where}: not valid JSON (${escapeControls(m.length > 160 ? `${m.slice(0, 160)}…` : m)})`);
  }
}
