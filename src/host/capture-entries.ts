import { CaptureTable, DIR, ERROR, HEX, LINK, OTHER, STR } from './capture-table.js';
import type { CaptureEntry, SysfsCapture } from './read-capture.js';

/**
 * A capture and its node table (capture-table.ts): the table of a capture's `entries` object, and
 * the table a capture read from a file brings along until its `entries` is asked for.
 */

function nibble(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

/**
 * The table of a capture's `entries` object, for captures not read from a file by capture-scan.ts
 * (validated pastes and traces, test fixtures). Keys are split at '/'; hex is decoded as the port
 * always decoded it.
 */
export function tableFromEntries(entries: Readonly<Record<string, CaptureEntry>>): CaptureTable {
  const t = new CaptureTable();
  for (const key of Object.keys(entries)) {
    let n = 0;
    for (let s = 0; ;) {
      const e = key.indexOf('/', s);
      n = t.childOrAdd(n, t.names.fromString(key.slice(s, e < 0 ? key.length : e)));
      if (e < 0) break;
      s = e + 1;
    }
    const v = entries[key] as CaptureEntry;
    if (typeof v === 'string') t.setEntry(n, STR, t.values.fromString(v));
    else if ('link' in v) t.setEntry(n, LINK, t.values.fromString(v.link));
    else if ('dir' in v) t.setEntry(n, DIR, 0);
    else if ('error' in v) t.setEntry(n, ERROR, t.values.fromString(v.error));
    else if ('hex' in v) {
      const hex = v.hex, len = hex.length >> 1;
      const a = t.reserveHex(len);
      let kept = 0;
      for (let i = 0; i < len; i++) if ((a[t.arenaUsed + i] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1))) !== 0) kept = i + 1;
      t.setEntry(n, HEX, t.commitHex(kept, len));
    } else {
      t.others.push(v);
      t.setEntry(n, OTHER, t.others.length - 1);
    }
  }
  return t;
}

const TABLES = new WeakMap<SysfsCapture, CaptureTable>();

/** The table a capture was read into, unless its `entries` has been asked for (and so may have changed). */
export function tableOf(c: SysfsCapture): CaptureTable | undefined {
  return TABLES.get(c);
}

/**
 * `c` (validated, its `entries` a placeholder) with the entries of `t`: `entries` is made from the
 * table only when asked for — a capture port needs the table alone.
 */
export function withTable(c: SysfsCapture, t: CaptureTable): SysfsCapture {
  const out = { format: c.format, kernel: c.kernel, cmdline: c.cmdline, entries: c.entries, extra: c.extra };
  Object.defineProperty(out, 'entries', {
    enumerable: true,
    configurable: true,
    get() {
      TABLES.delete(out);
      const entries = t.entries();
      Object.defineProperty(out, 'entries', { value: entries, enumerable: true, writable: true, configurable: true });
      return entries;
    },
  });
  TABLES.set(out, t);
  return out;
}
