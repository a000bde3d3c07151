import { err, ok, type Result } from '../model/errno.js';
import { BDF_RE, bdfKey } from '../host/sys-path.js';
import { shown } from '../host/shown.js';

/** The kernel's dev_name() of a PCI function: a domain of 4 hex digits, or more (VMD domains are 10000 and up). */
const FULL = BDF_RE;
const SHORT = /^([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$/;

/**
 * A PCI device name as the kernel prints it (dev_name(): '0000:01:00.0') from what a user typed:
 * the full form or lspci's short form ('01:00.0', domain 0000). Case-insensitive.
 * Errors: EINVAL when the text is not a BDF.
 */
export function parseBdf(text: string): Result<string> {
  const t = text.trim().toLowerCase();
  if (t.length <= 20 && FULL.test(t)) return ok(t);
  if (SHORT.test(t)) return ok(`0000:${t}`);
  return err('EINVAL', `${shown(text, 40)} is not a PCI address (expected 0000:01:00.0, 01:00.0 or a VMD domain's 10000:e1:00.0)`);
}

/** Parse every BDF, or the first error. */
export function parseBdfs(texts: readonly string[]): Result<string[]> {
  const out: string[] = [];
  for (const t of texts) {
    const r = parseBdf(t);
    if (!r.ok) return r;
    if (!out.includes(r.value)) out.push(r.value);
  }
  return ok(out);
}

/** Sort key for BDFs: numeric domain, bus, device, function. */
export function compareBdf(a: string, b: string): number {
  return bdfKey(a) - bdfKey(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** A full BDF as the kernel names it (journals, plan files): no short form, no upper case. */
export function isFullBdf(text: unknown): text is string {
  return typeof text === 'string' && text.length <= 20 && FULL.test(text);
}
