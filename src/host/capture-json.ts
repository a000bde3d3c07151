import { err, ok, type Result } from '../model/errno.js';
import { MAX_JSON_DEPTH } from './json-depth.js';
import { escapeControls } from './shown.js';

const TOO_DEEP = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;

/**
 * The JSON value of a capture file, parsed from its bytes in pieces: the top-level object member by
 * member and its `entries` object entry by entry, each piece with `JSON.parse`. A capture of a large
 * host never becomes one string (V8 caps a string at 2^29 - 24 characters, ~512 MiB: a 50k-function
 * capture is 533 MB) and never needs the whole text and the whole object tree in memory at once.
 * The value is the one `JSON.parse(text)` would give (same keys, same order, last duplicate wins),
 * except that `entries` is made without a prototype (so a key like "constructor" is only data);
 * malformed JSON is EINVAL, with `JSON.parse`'s own message when the text fits in a string.
 */
export function parseCaptureJson(bytes: Uint8Array, file: string): Result<unknown> {
  const r = scanTopLevel(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (r.ok) return r;
  if (r.why.startsWith(TOO_DEEP)) return err('EINVAL', `${file}: ${r.why}`);
  if (bytes.byteLength <= WHOLE_TEXT_LIMIT) {
    // Malformed somewhere: let the whole-text parser name the problem as it always has.
    try {
      return ok(JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as unknown);
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      return err('EINVAL', `${file}: not valid JSON (${escapeControls(m.length > 160 ? `${m.slice(0, 160)}…` : m)})`);
    }
  }
  return err('EINVAL', `${file}: not valid JSON (${r.why})`);
}

/** Below this many bytes a malformed file is re-parsed whole for `JSON.parse`'s message. */
const WHOLE_TEXT_LIMIT = 256 * 1024 * 1024;

const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN = 0x7b, CLOSE = 0x7d, OPEN_A = 0x5b, CLOSE_A = 0x5d, COLON = 0x3a, COMMA = 0x2c;

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(b: Buffer, i: number): number {
  while (isSpace(b[i])) i++;
  return i;
}

/** End (exclusive) of the JSON string that starts at b[i] === '"', or -1. */
function stringEnd(b: Buffer, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0) return -1;
    let k = q - 1;
    while (b[k] === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** End (exclusive) of the JSON value that starts at b[i]; the value itself is checked by JSON.parse. */
function valueEnd(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return stringEnd(b, i);
  if (c === OPEN || c === OPEN_A) {
    let depth = 0;
    for (let j = i; j < b.length;) {
      const x = b[j];
      if (x === QUOTE) {
        j = stringEnd(b, j);
        if (j < 0) return -1;
        continue;
      }
      if (x === OPEN || x === OPEN_A) { if (++depth > MAX_JSON_DEPTH) return -2; }
      else if ((x === CLOSE || x === CLOSE_A) && --depth === 0) return j + 1;
      j++;
    }
    return -1;
  }
  let j = i;
  while (j < b.length && b[j] !== COMMA && b[j] !== CLOSE && b[j] !== CLOSE_A && !isSpace(b[j])) j++;
  return j > i ? j : -1;
}

type Scan<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };
const bad = (why: string, at: number): Scan<never> => ({ ok: false, why: `${why} at byte ${at}` });

function piece(b: Buffer, s: number, e: number): Scan<unknown> {
  try {
    return { ok: true, value: JSON.parse(b.toString('utf8', s, e)) as unknown };
  } catch (x) {
    return bad(x instanceof Error ? x.message : String(x), s);
  }
}

/** A string token without escapes or control characters, decoded directly; null for JSON.parse to do. */
function plainString(b: Buffer, s: number, e: number): Scan<string> | null {
  for (let j = s + 1; j < e - 1; j++) {
    const c = b[j] as number;
    if (c < 0x20 || c === BACKSLASH) return null;
  }
  return { ok: true, value: b.toString('utf8', s + 1, e - 1) };
}

/**
 * Members of the object at b[i] === '{', each value parsed by `value(key, start)`, which answers the
 * value and where it ends. Answers the object and the index after its '}'.
 */
function scanObject(b: Buffer, i: number, value: (key: string, at: number) => Scan<{ v: unknown; end: number }>, bare = false): Scan<{ v: Record<string, unknown>; end: number }> {
  const out: Record<string, unknown> = bare ? Object.create(null) as Record<string, unknown> : {};
  i = skipSpace(b, i + 1);
  if (b[i] === CLOSE) return { ok: true, value: { v: out, end: i + 1 } };
  for (;;) {
    if (b[i] !== QUOTE) return bad('expected a key', i);
    const ke = stringEnd(b, i);
    if (ke < 0) return bad('unterminated key', i);
    const key = plainString(b, i, ke) ?? piece(b, i, ke);
    if (!key.ok) return key;
    i = skipSpace(b, ke);
    if (b[i] !== COLON) return bad("expected ':'", i);
    i = skipSpace(b, i + 1);
    const v = value(key.value as string, i);
    if (!v.ok) return v;
    const k = key.value as string;
    // JSON.parse makes "__proto__" an own property; plain assignment would set the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v.value.v, enumerable: true, writable: true, configurable: true });
    else out[k] = v.value.v;
    i = skipSpace(b, v.value.end);
    if (b[i] === CLOSE) return { ok: true, value: { v: out, end: i + 1 } };
    if (b[i] !== COMMA) return bad("expected ',' or '}'", i);
    i = skipSpace(b, i + 1);
  }
}

function scanValue(b: Buffer, i: number): Scan<{ v: unknown; end: number }> {
  const e = valueEnd(b, i);
  if (e === -2) return bad(TOO_DEEP, i);
  if (e < 0) return bad('unterminated value', i);
  const v = piece(b, i, e);
  return v.ok ? { ok: true, value: { v: v.value, end: e } } : v;
}

const CONTROL_RE = /[\u0000-\u001f]/;

/**
 * A capture entry of the usual shape, `{"hex"|"link"|"error":"..."}` written compactly with a string
 * free of escapes, built without JSON.parse (a config's hex is 8 KiB; decoding it once is enough).
 * Anything else, or anything unusual inside, goes through `scanValue`.
 */
function entryValue(b: Buffer, i: number): Scan<{ v: unknown; end: number }> {
  if (b[i] === OPEN && b[i + 1] === QUOTE) {
    const ke = stringEnd(b, i + 1);
    if (ke > 0 && b[ke] === COLON && b[ke + 1] === QUOTE) {
      const ve = stringEnd(b, ke + 1);
      const key = ve > 0 && b[ve] === CLOSE ? b.toString('latin1', i + 2, ke - 1) : '';
      if (key === 'hex' || key === 'link' || key === 'error') {
        const t = b.toString('utf8', ke + 2, ve - 1);
        if (!t.includes('\\') && !CONTROL_RE.test(t)) {
          const v = key === 'hex' ? { hex: t } : key === 'link' ? { link: t } : { error: t };
          return { ok: true, value: { v, end: ve + 1 } };
        }
      }
    }
  }
  return scanValue(b, i);
}

function scanTopLevel(b: Buffer): Scan<unknown> {
  const i = skipSpace(b, 0);
  if (b[i] !== OPEN) return bad('expected a JSON object', i);
  const top = scanObject(b, i, (key, at) => (key === 'entries' && b[at] === OPEN ? scanObject(b, at, (_k, a) => entryValue(b, a), true) : scanValue(b, at)));
  if (!top.ok) return top;
  const end = skipSpace(b, top.value.end);
  return end === b.length ? { ok: true, value: top.value.v } : bad('unexpected text after the object', end);
}
