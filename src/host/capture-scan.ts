import { closeSync } from 'node:fs';
import { isErrno } from '../model/errno.js';
import { CaptureTable, DIR, ERROR, HEX, LINK, STR } from './capture-table.js';
import { FNV_START, fnvStep } from './interner.js';
import { INPUT_LIMITS, openInputFile } from './input-file.js';
import { BAIL, HEX_DIGIT, isSpace, JsonWindow, MAX_TEXT, MORE } from './json-window.js';

/**
 * A capture file read in one pass, a window of it at a time, straight into the node table a capture
 * port answers from: no whole-file buffer, no JSON tree, no string per key, config hex decoded into
 * bytes as it is met. It reads the usual shape of a capture — any whitespace, entries as strings or
 * `{"hex"|"link"|"error": "..."}` / `{"dir": true}`, ASCII keys — and gives up (null) on anything
 * else: an error of any kind (fs, size, syntax, depth, content), a key given twice, a key with an
 * escape or a non-ASCII byte, a string mixing escapes and non-ASCII bytes. The caller then reads
 * the file the general way (`parseCaptureJson` + `validateCapture`), which names the problem, so
 * every answer — the capture or the error — is the one that way gives.
 *
 * Answers the top-level members other than `entries` as `JSON.parse` gives them (`entries` an
 * empty placeholder, for `validateCapture` to check the header), and the table of the entries.
 * `window`: bytes read at a time (tests make it tiny so that every token meets its edge).
 */
export function scanCaptureFile(file: string, window = WINDOW): { top: Record<string, unknown>; table: CaptureTable } | null {
  const o = openInputFile(file, { what: 'capture', maxBytes: INPUT_LIMITS.capture });
  if (!o.ok) return null;
  const s = new Scanner(o.value.fd, INPUT_LIMITS.capture, window, o.value.size);
  try {
    return s.capture();
  } catch (e) {
    if (e === BAIL) return null;
    throw e;
  } finally {
    closeSync(o.value.fd);
  }
}

const WINDOW = 1 << 20;
const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN = 0x7b, CLOSE = 0x7d, COLON = 0x3a, COMMA = 0x2c, SLASH = 0x2f, DOT = 0x2e;

/** The scanner of a capture: the window, and the table the entries go into. */
class Scanner extends JsonWindow {
  private readonly t: CaptureTable;
  /** The node of the last `key`, and the directory it is in: its text (with the last '/'), its node. */
  private keyNode = 0;
  private dir = Buffer.alloc(256);
  private dirLen = 0;
  private dirNode = 0;
  /** How many of the bytes the last `hex` decoded are kept (up to the last non-zero one). */
  private hexKept = 0;
  /** Whether the last `entry` ended its object ('}' rather than ','). */
  private closed = false;
  /** `size`: the file's size, from which the table is given room for about as many nodes as it will have. */
  constructor(fd: number, max: number, window: number, size: number) {
    super(fd, max, window);
    this.t = new CaptureTable(Math.min(size >> 8, 1 << 22));
  }

  capture(): { top: Record<string, unknown>; table: CaptureTable } {
    let p = this.unit(0, (i) => { i = this.ws(i); if (this.buf[i] !== OPEN) this.stop(i); return i + 1; });
    const top: Record<string, unknown> = {};
    let entries = false;
    p = this.unit(p, (i) => this.wsMore(i));
    if (this.buf[p] === CLOSE) return this.finish(p + 1, top);
    for (;;) {
      let key = '';
      p = this.unit(p, (i) => {
        if (this.buf[i] !== QUOTE) this.stop(i);
        i = this.str(i + 1, null);
        key = this.sval;
        i = this.ws(i);
        if (this.buf[i] !== COLON) this.stop(i);
        return this.wsMore(i + 1);
      });
      let value: unknown;
      if (key === 'entries') {
        if (entries || this.buf[p] !== OPEN) throw BAIL;
        entries = true;
        p = this.entries(p + 1);
        value = Object.create(null);
      } else {
        p = this.unit(p, (i) => {
          const e = this.valueEnd(i);
          try {
            value = JSON.parse(this.buf.toString('utf8', i, e)) as unknown;
          } catch {
            throw BAIL;
          }
          return e;
        });
      }
      if (key === '__proto__') Object.defineProperty(top, key, { value, enumerable: true, writable: true, configurable: true });
      else top[key] = value;
      let closed = false;
      p = this.unit(p, (i) => {
        i = this.ws(i);
        if (this.buf[i] === CLOSE) closed = true;
        else if (this.buf[i] !== COMMA) this.stop(i);
        return this.ws(i + 1);
      });
      if (closed) return this.finish(p, top);
    }
  }

  /** After the top-level object: only whitespace to the end of the file. */
  private finish(p: number, top: Record<string, unknown>): { top: Record<string, unknown>; table: CaptureTable } {
    for (;;) {
      while (p < this.end && isSpace(this.buf[p])) p++;
      if (p < this.end) throw BAIL;
      if (this.eof) return { top, table: this.t };
      p -= this.fill(p, false);
    }
  }

  /** The members of `entries`, from just after its '{' to just after its '}'. */
  private entries(p: number): number {
    p = this.unit(p, (i) => this.wsMore(i));
    if (this.buf[p] === CLOSE) return p + 1;
    for (;;) {
      if (this.end - p < this.slack && !this.eof) p -= this.fill(p, false);
      let next: number;
      try {
        next = this.entry(p);
      } catch (e) {
        if (e !== MORE) throw e;
        p -= this.fill(p, true);
        continue;
      }
      p = next;
      if (this.closed) return p;
    }
  }

  /**
   * One `"key": value,` (or its closing '}', then `closed`), added to the table once all of it was
   * read; answers the index after the ',' or '}'.
   */
  private entry(i: number): number {
    const b = this.buf;
    i = this.ws(i);
    if (b[i] !== QUOTE) this.stop(i);
    i = this.ws(this.key(i + 1));
    if (b[i] !== COLON) this.stop(i);
    i = this.ws(i + 1);
    let kind: number, val = 0, hexFull = -1;
    if (b[i] === QUOTE) {
      i = this.str(i + 1, this.t.values);
      kind = STR;
      val = this.sid;
    } else if (b[i] === OPEN) {
      i = this.ws(i + 1);
      if (b[i] !== QUOTE) this.stop(i);
      if (i + 8 > this.end) this.stop(this.end);
      const name = kindName(b, i + 1);
      if (name < 0) throw BAIL;
      i = this.ws(i + (name === LINK ? 6 : name === ERROR ? 7 : 5));
      if (b[i] !== COLON) this.stop(i);
      i = this.ws(i + 1);
      if (name === DIR) {
        if (i + 4 > this.end) this.stop(this.end);
        if (b[i] !== 0x74 || b[i + 1] !== 0x72 || b[i + 2] !== 0x75 || b[i + 3] !== 0x65) this.stop(i);
        i += 4;
        kind = DIR;
      } else {
        if (b[i] !== QUOTE) this.stop(i);
        if (name === HEX) {
          kind = HEX;
          const q = b.indexOf(QUOTE, i + 1);
          if (q < 0 || q >= this.end) this.stop(this.end);
          hexFull = this.hex(i + 1, q);
          i = q + 1;
        } else {
          i = this.str(i + 1, this.t.values);
          val = this.sid;
          if (name === LINK) {
            kind = LINK;
            if (!linkOk(this.sval)) throw BAIL;
          } else {
            kind = ERROR;
            if (!isErrno(this.sval)) throw BAIL;
          }
        }
      }
      i = this.ws(i);
      if (b[i] !== CLOSE) this.stop(i);
      i++;
    } else this.stop(i);
    i = this.ws(i);
    if (b[i] === CLOSE) this.closed = true;
    else if (b[i] === COMMA) this.closed = false;
    else this.stop(i);
    i++;
    // Everything read: the entry goes into the table (a MORE can no longer repeat it).
    if (hexFull >= 0) val = this.t.commitHex(this.hexKept, hexFull);
    if (!this.t.setEntry(this.keyNode, kind, val)) throw BAIL;
    return i;
  }

  /**
   * The key whose text starts at b[s] (after its quote): printable ASCII, components neither empty nor
   * '.' or '..', at most 4096 bytes. Its node, made with its parents, goes to `keyNode` (making nodes
   * again when the key is read again after a MORE finds the same ones); answers the index after its
   * closing quote. A key starting with the directory of the one before (the usual order) is walked
   * from that directory's node.
   */
  private key(s: number): number {
    const b = this.buf, t = this.t;
    let n = 0, j = s;
    const d = this.dirLen;
    if (d > 0) {
      const p = this.dir;
      let k = 0;
      while (k < d && b[s + k] === p[k]) k++;
      if (k === d) {
        n = this.dirNode;
        j = s + d;
      }
    }
    let from = j, h = FNV_START, dirEnd = j, dirNode = n;
    for (; ; j++) {
      const c = b[j] as number;
      if (c === QUOTE || c === SLASH) {
        const len = j - from;
        if (len === 0 || j - s > 4096 || (b[from] === DOT && (len === 1 || (len === 2 && b[from + 1] === DOT)))) throw BAIL;
        n = t.childOrAdd(n, t.names.fromBytes(b, from, j, h));
        if (c === QUOTE) break;
        from = dirEnd = j + 1;
        dirNode = n;
        h = FNV_START;
      } else if (c < 0x20 || c >= 0x7f || c === BACKSLASH) this.stop(j);
      else h = fnvStep(h, c);
    }
    if (j - s > 4096) throw BAIL;
    if (dirNode !== this.dirNode) {
      const dl = dirEnd - s;
      if (this.dir.length < dl) this.dir = Buffer.allocUnsafe(2 * dl);
      for (let k = 0; k < dl; k++) this.dir[k] = b[s + k] as number;
      this.dirLen = dl;
      this.dirNode = dirNode;
    }
    this.keyNode = n;
    return j + 1;
  }

  /**
   * Hex digits b[s..q) decoded into the table's arena (not yet kept): the trailing run of '0' digits
   * (most of a 4096-byte config space) is found by comparing memory and not decoded or stored.
   * Answers the byte count; `hexKept` is how many of them are stored.
   */
  private hex(s: number, q: number): number {
    if ((q - s) & 1 || q - s > MAX_TEXT) throw BAIL;
    const n = (q - s) >> 1, b = this.buf;
    const kept = n - zeroPairsAtEnd(b, this.words, s, q);
    const a = this.t.reserveHex(kept);
    let o = this.t.arenaUsed;
    for (let j = s, e = s + 2 * kept; j < e; j += 2) {
      const hi = HEX_DIGIT[b[j] as number] as number, lo = HEX_DIGIT[b[j + 1] as number] as number;
      if ((hi | lo) < 0) throw BAIL;
      a[o++] = (hi << 4) | lo;
    }
    this.hexKept = kept;
    return n;
  }

}

/** `validateCapture`'s rule for a link target: non-empty, at most 4096 characters, no control characters. */
function linkOk(l: string): boolean {
  if (l === '' || l.length > 4096) return false;
  for (let i = 0; i < l.length; i++) {
    const c = l.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

/**
 * The kind named by the key at b[i] (after its quote) with its closing quote — `hex"`, `dir"`,
 * `link"`, `error"` — or -1. The caller made sure 8 bytes are in the window.
 */
function kindName(b: Buffer, i: number): number {
  const c = b[i];
  if (c === 0x68) return b[i + 1] === 0x65 && b[i + 2] === 0x78 && b[i + 3] === QUOTE ? HEX : -1;
  if (c === 0x64) return b[i + 1] === 0x69 && b[i + 2] === 0x72 && b[i + 3] === QUOTE ? DIR : -1;
  if (c === 0x6c) return b[i + 1] === 0x69 && b[i + 2] === 0x6e && b[i + 3] === 0x6b && b[i + 4] === QUOTE ? LINK : -1;
  if (c === 0x65) return b[i + 1] === 0x72 && b[i + 2] === 0x72 && b[i + 3] === 0x6f && b[i + 4] === 0x72 && b[i + 5] === QUOTE ? ERROR : -1;
  return -1;
}

/** Four '0' digits, as a 32-bit word (either byte order). */
const ZEROS4 = 0x30303030;

/**
 * How many "00" pairs end the hex digits b[s..q) (q - s even): the trailing run of '0' digits,
 * scanned back a word at a time where the window is word-aligned (`words` is `b` as 32-bit words).
 */
function zeroPairsAtEnd(b: Buffer, words: Uint32Array, s: number, q: number): number {
  let k = q;
  while (k > s && (k & 3) !== 0 && b[k - 1] === 0x30) k--;
  if ((k & 3) === 0) while (k - 4 >= s && words[(k >> 2) - 1] === ZEROS4) k -= 4;
  while (k > s && b[k - 1] === 0x30) k--;
  return (q - k) >> 1;
}
