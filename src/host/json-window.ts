import { readSync } from 'node:fs';
import { FNV_START, fnvStep, type Interner } from './interner.js';
import { MAX_JSON_DEPTH } from './json-depth.js';

/** Thrown inside the scanner: give up (BAIL) or read on and parse the unit again (MORE). */
export const BAIL = new Error('not the usual capture shape'), MORE = new Error('past the window');
const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN = 0x7b, CLOSE = 0x7d, OPEN_A = 0x5b, CLOSE_A = 0x5d, COMMA = 0x2c, SLASH = 0x2f;

/** Hex digit values, -1 for anything else (including the window's 0 sentinel). */
export const HEX_DIGIT = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX_DIGIT[0x30 + c] = c;
for (let c = 0; c < 6; c++) HEX_DIGIT[0x61 + c] = HEX_DIGIT[0x41 + c] = 10 + c;

/** Longer strings are left to the whole-file reader (V8's strings end at 2^29 - 24 characters). */
export const MAX_TEXT = 1 << 28;

export const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * A JSON text read a window of bytes at a time, and the token readers a scanner builds on.
 * The window: buf[0..end) holds file bytes, buf[end] is a 0 byte (never valid outside a string, and
 * never valid raw inside one), so loops stop there without bounds checks; `stop(i)` then tells the
 * end of the window (MORE: read on and parse the unit again) from a real unexpected byte (BAIL).
 */
export class JsonWindow {
  protected buf: Buffer;
  /** The window as 32-bit words (buf starts its own ArrayBuffer): for scanning 4 bytes at a time. */
  protected words: Uint32Array;
  protected end = 0;
  protected eof = false;
  private total = 0;
  /** Below this many bytes left in the window, it is refilled before the next unit. */
  protected readonly slack: number;
  private scratch = Buffer.allocUnsafe(256);
  /** The string the last `str` read. */
  protected sval = '';
  /** Its id in the interner it was read `into`. */
  protected sid = 0;

  /** `fd`: the file, read from its current offset; `max`: bytes it may have; `window`: bytes read at a time. */
  constructor(private readonly fd: number, private readonly max: number, window: number) {
    this.buf = windowBuffer(window + 1);
    this.words = new Uint32Array(this.buf.buffer, 0, this.buf.buffer.byteLength >> 2);
    this.buf[0] = 0;
    this.slack = window >> 4;
  }

  /**
   * The JSON string whose text starts at b[i] (after its quote), into `sval`; answers the index after
   * its closing quote. `into`: also kept there (ASCII strings once), its id in `sid`.
   */
  protected str(i: number, into: Interner | null): number {
    const b = this.buf;
    let h = FNV_START, c = 0, j = i;
    for (; (c = b[j] as number) !== QUOTE; j++) {
      if (c < 0x20 || c >= 0x80 || c === BACKSLASH) break;
      h = fnvStep(h, c);
    }
    if (j - i > MAX_TEXT) throw BAIL;
    if (c === QUOTE) {
      if (into === null) this.sval = b.toString('latin1', i, j);
      else this.sval = into.strings[this.sid = into.fromBytes(b, i, j, h)] as string;
      return j + 1;
    }
    if (c === BACKSLASH && into !== null && b[j + 1] === 0x6e && b[j + 2] === QUOTE) {
      // "...\n": a sysfs attribute's text, found without unescaping it first.
      this.sval = into.strings[this.sid = into.fromBytes(b, i, j, fnvStep(h, 0x0a), true)] as string;
      return j + 3;
    }
    if (c < 0x20) this.stop(j);
    if (c >= 0x80) {
      // Non-ASCII: decoded as the whole text would be, if there is no escape.
      for (; (c = b[j] as number) !== QUOTE; j++) {
        if (c < 0x20) this.stop(j);
        if (c === BACKSLASH) throw BAIL;
      }
      if (j - i > MAX_TEXT) throw BAIL;
      this.sval = b.toString('utf8', i, j);
      if (into !== null) this.sid = into.append(this.sval);
      return j + 1;
    }
    // Escapes (ASCII only; \u only below 0x80): unescaped into scratch, after the plain prefix.
    let s = this.scratch;
    if (s.length < j - i + 64) s = this.scratch = Buffer.allocUnsafe(2 * (j - i) + 64);
    let n = 0;
    for (let k = i; k < j; k++) s[n++] = b[k] as number;
    for (; (c = b[j] as number) !== QUOTE; j++) {
      if (c < 0x20) this.stop(j);
      if (c >= 0x80) throw BAIL;
      if (c === BACKSLASH) {
        const e = b[++j] as number;
        if (e === 0x6e) c = 0x0a; else if (e === 0x74) c = 0x09; else if (e === 0x72) c = 0x0d;
        else if (e === 0x22 || e === BACKSLASH || e === SLASH) c = e;
        else if (e === 0x62) c = 0x08; else if (e === 0x66) c = 0x0c;
        else if (e === 0x75) {
          if (j + 5 > this.end) this.stop(this.end);
          if (b[j + 1] !== 0x30 || b[j + 2] !== 0x30) throw BAIL;
          const hi = HEX_DIGIT[b[j + 3] as number] as number, lo = HEX_DIGIT[b[j + 4] as number] as number;
          if (hi < 0 || hi > 7 || lo < 0) throw BAIL;
          c = (hi << 4) | lo;
          j += 4;
        } else this.stop(j);
      }
      if (n === s.length) {
        const bigger = Buffer.allocUnsafe(2 * n);
        s.copy(bigger, 0, 0, n);
        s = this.scratch = bigger;
      }
      s[n++] = c;
      h = fnvStep(h, c);
    }
    if (n > MAX_TEXT) throw BAIL;
    if (into === null) this.sval = s.toString('latin1', 0, n);
    else this.sval = into.strings[this.sid = into.fromBytes(s, 0, n, h)] as string;
    return j + 1;
  }

  /** End of the JSON value at b[i] (as parseCaptureJson finds it; JSON.parse checks it). */
  protected valueEnd(i: number): number {
    const b = this.buf;
    const c = b[i] as number;
    if (c === QUOTE) return this.stringEnd(i);
    if (c === OPEN || c === OPEN_A) {
      let depth = 0;
      for (let j = i; ;) {
        const x = b[j] as number;
        if (x === QUOTE) { j = this.stringEnd(j); continue; }
        if (x === OPEN || x === OPEN_A) { if (++depth > MAX_JSON_DEPTH) throw BAIL; }
        else if ((x === CLOSE || x === CLOSE_A) && --depth === 0) return j + 1;
        else if (x === 0 && j >= this.end) this.stop(j);
        j++;
      }
    }
    let j = i;
    while (b[j] !== COMMA && b[j] !== CLOSE && b[j] !== CLOSE_A && !isSpace(b[j]) && j < this.end) j++;
    if (j === this.end && !this.eof) this.stop(j);
    if (j === i) throw BAIL;
    return j;
  }

  private stringEnd(i: number): number {
    const b = this.buf;
    for (let from = i + 1; ;) {
      const q = b.indexOf(QUOTE, from);
      if (q < 0 || q >= this.end) this.stop(this.end);
      let k = q - 1;
      while (b[k] === BACKSLASH) k--;
      if ((q - 1 - k) % 2 === 0) return q + 1;
      from = q + 1;
    }
  }

  protected ws(i: number): number {
    const b = this.buf;
    while (isSpace(b[i])) i++;
    return i;
  }

  /** `ws`, and a byte after it in the window. */
  protected wsMore(i: number): number {
    i = this.ws(i);
    if (i >= this.end) this.stop(i);
    return i;
  }

  /** At b[i], something other than what the grammar allows: the end of the window, or a real mismatch. */
  protected stop(i: number): never {
    throw i >= this.end && !this.eof ? MORE : BAIL;
  }

  /**
   * `f(p)` — a unit of parsing that changes nothing outside the scanner until it has read all it
   * needs — run again with more of the file while it runs past the window. Answers where it ended.
   */
  protected unit(p: number, f: (p: number) => number): number {
    for (;;) {
      try {
        return f(p);
      } catch (e) {
        if (e !== MORE) throw e;
        p -= this.fill(p, true);
      }
    }
  }

  /**
   * Reads on: keeps buf[keep..end) (moved to the start), fills the rest; `grow` doubles the window
   * when what is kept fills half of it. Answers how far the kept bytes moved.
   */
  protected fill(keep: number, grow: boolean): number {
    if (this.eof) throw BAIL;
    const rest = this.end - keep, cap = this.buf.length - 1;
    if (grow && rest * 2 > cap && cap <= this.max) {
      // Never past the file's limit: a window that large holds all the file can have.
      let bigger: Buffer;
      try {
        bigger = windowBuffer(Math.min(2 * cap, this.max + 1) + 1);
      } catch {
        throw BAIL;
      }
      this.buf.copy(bigger, 0, keep, this.end);
      this.buf = bigger;
      this.words = new Uint32Array(bigger.buffer, 0, bigger.buffer.byteLength >> 2);
    } else if (keep > 0) this.buf.copy(this.buf, 0, keep, this.end);
    this.end = rest;
    const room = this.buf.length - 1;
    while (this.end < room) {
      let got: number;
      try {
        got = readSync(this.fd, this.buf, this.end, room - this.end, null);
      } catch {
        throw BAIL;
      }
      if (got === 0) { this.eof = true; break; }
      this.end += got;
      this.total += got;
      if (this.total > this.max) throw BAIL;
    }
    // A unit that fills the window when nothing more can be read will never fit.
    if (this.end === rest && !this.eof) throw BAIL;
    this.buf[this.end] = 0;
    return keep;
  }
}

/** A buffer of `n` bytes at the start of its own ArrayBuffer (a whole number of words). */
function windowBuffer(n: number): Buffer {
  return Buffer.from(new ArrayBuffer((n + 3) & ~3), 0, n);
}
