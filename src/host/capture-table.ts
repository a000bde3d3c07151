import { Interner } from './interner.js';
import type { CaptureEntry } from './read-capture.js';

/**
 * The node table a capture port answers from: the capture's keys as a tree of components (each
 * component name stored once, `vendor` not 10,000 times), every node a few slots of typed arrays,
 * config space as bytes in one arena with its trailing zeros left out. Built either by the capture
 * file reader straight from the file's bytes (capture-scan.ts) or from a capture's `entries`
 * (`tableFromEntries`, capture-entries.ts); both answer the same.
 */

/** Node kinds. IMPLIED: a directory only implied by the keys below it. */
export const IMPLIED = 0, DIR = 1, STR = 2, LINK = 3, HEX = 4, ERROR = 5, OTHER = 6;

/** Bytes of the slabs config space is copied out into. */
const SLAB = 1 << 18;

export class CaptureTable {
  readonly names = new Interner();
  /** The text of STR, LINK and ERROR nodes (sysfs repeats values a lot: each is stored once). */
  readonly values = new Interner();
  /** Node 0 is /sys itself. */
  size = 1;
  parent: Int32Array<ArrayBuffer>;
  name: Int32Array<ArrayBuffer>;
  /** First child and next sibling, plus one (0: none). */
  firstChild: Int32Array<ArrayBuffer>;
  nextSibling: Int32Array<ArrayBuffer>;
  kind: Uint8Array<ArrayBuffer>;
  /** STR, LINK, ERROR: the id in `values`; HEX: the index into hexOff/hexLen/hexFull; OTHER: into `others`. */
  val: Int32Array<ArrayBuffer>;
  /** Entries of no known kind (only in captures never validated: test fixtures), as given. */
  readonly others: unknown[] = [];
  /** The nodes that are entries (not implied), in the order the capture listed them. */
  order: Int32Array<ArrayBuffer>;
  entryCount = 0;
  private slots: Int32Array<ArrayBuffer>;
  private mask: number;
  /** Config space: bytes up to the last non-zero one, and the length read. */
  arena = new Uint8Array(1 << 16);
  arenaUsed = 0;
  readonly hexOff: number[] = [];
  readonly hexLen: number[] = [];
  readonly hexFull: number[] = [];
  private slab = new Uint8Array(0);
  private slabUsed = 0;

  /** `nodes`: how many nodes to make room for at first (the arrays grow past it). */
  constructor(nodes = 1024) {
    const n = Math.max(1024, nodes);
    this.parent = new Int32Array(n);
    this.name = new Int32Array(n);
    this.firstChild = new Int32Array(n);
    this.nextSibling = new Int32Array(n);
    this.kind = new Uint8Array(n);
    this.val = new Int32Array(n);
    this.order = new Int32Array(n);
    let size = 2048;
    while (size < 2 * n) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Set by `release`: the table holds nothing any more. */
  released = false;

  /**
   * Lets go of everything the table holds (freed at the next full collection): a capture port over
   * it throws from then on. Config bytes already answered are not the table's and stay valid.
   */
  release(): void {
    this.released = true;
    this.size = 0;
    this.entryCount = 0;
    this.parent = this.name = this.firstChild = this.nextSibling = this.val = this.order = this.slots = this.ranks = new Int32Array(0);
    this.kind = this.arena = new Uint8Array(0);
    this.mask = 0;
    this.arenaUsed = 0;
    this.hexOff.length = this.hexLen.length = this.hexFull.length = this.others.length = 0;
    this.names.clear();
    this.values.clear();
    this.rank = this.sorted = null;
  }

  /** The child of `dir` named by name id `nm`, or -1. */
  child(dir: number, nm: number): number {
    for (let i = slotHash(dir, nm) & this.mask; ; i = (i + 1) & this.mask) {
      const c = (this.slots[i] as number) - 1;
      if (c < 0) return -1;
      if (this.parent[c] === dir && this.name[c] === nm) return c;
    }
  }

  /** The child of `dir` named `nm`, added as an implied directory when new. */
  childOrAdd(dir: number, nm: number): number {
    let i = slotHash(dir, nm) & this.mask;
    for (; ; i = (i + 1) & this.mask) {
      const c = (this.slots[i] as number) - 1;
      if (c < 0) break;
      if (this.parent[c] === dir && this.name[c] === nm) return c;
    }
    if (this.size === this.parent.length) this.growNodes();
    const c = this.size++;
    this.parent[c] = dir;
    this.name[c] = nm;
    this.nextSibling[c] = this.firstChild[dir] as number;
    this.firstChild[dir] = c + 1;
    this.slots[i] = c + 1;
    if (this.size * 2 > this.mask) this.rehash();
    return c;
  }

  /** Makes node `n` an entry (`val` as in `val`). False when it already is one (a key given twice). */
  setEntry(n: number, kind: number, val: number): boolean {
    if (this.kind[n] !== IMPLIED) return false;
    this.kind[n] = kind;
    this.val[n] = val;
    if (this.entryCount === this.order.length) this.order = grown(this.order, this.order.length * 2);
    this.order[this.entryCount++] = n;
    return true;
  }

  /** Room for `n` more config bytes at `arenaUsed`. */
  reserveHex(n: number): Uint8Array {
    if (this.arenaUsed + n > this.arena.length) {
      const a = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + n));
      a.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = a;
    }
    return this.arena;
  }

  /**
   * Keeps the `full` bytes just written at `arenaUsed`, of which the first `kept` are all up to the
   * last non-zero one (the rest are zeros and not stored); answers the hex index.
   */
  commitHex(kept: number, full: number): number {
    this.hexOff.push(this.arenaUsed);
    this.hexLen.push(kept);
    this.hexFull.push(full);
    this.arenaUsed += kept;
    return this.hexOff.length - 1;
  }

  /**
   * The bytes of hex index `h`, a fresh copy: a view of its own part of a zeroed slab (one allocation
   * per 256 KiB instead of one per config space), which no other call answers again.
   */
  hexBytes(h: number): Uint8Array {
    return this.copyOut(h, this.hexFull[h] as number);
  }

  /**
   * The bytes of hex index `h` up to its last non-zero one (what the table stores), a fresh copy as
   * `hexBytes` makes, and how many bytes it has in all (`hexBytes(h).length`).
   */
  hexKept(h: number): { readonly bytes: Uint8Array; readonly size: number } {
    return { bytes: this.copyOut(h, this.hexLen[h] as number), size: this.hexFull[h] as number };
  }

  /** `len` bytes (at least the stored ones; the rest zero) of hex index `h`, copied out. */
  private copyOut(h: number, len: number): Uint8Array {
    const off = this.hexOff[h] as number;
    let out: Uint8Array;
    if (len > SLAB >> 4) out = new Uint8Array(len);
    else {
      if (this.slabUsed + len > this.slab.length) {
        this.slab = new Uint8Array(SLAB);
        this.slabUsed = 0;
      }
      out = this.slab.subarray(this.slabUsed, this.slabUsed + len);
      this.slabUsed += len;
    }
    out.set(this.arena.subarray(off, off + (this.hexLen[h] as number)));
    return out;
  }

  /**
   * Names of the children of `n`, sorted as `Array.prototype.sort` sorts strings: by the rank of
   * each name among all names (ranked once, when a directory is first listed), a sort of integers.
   */
  childNames(n: number): string[] {
    if (this.rank === null) this.rankNames();
    const rank = this.rank as Int32Array, sorted = this.sorted as string[];
    let k = 0, r = this.ranks;
    for (let c = (this.firstChild[n] as number) - 1; c >= 0; c = (this.nextSibling[c] as number) - 1) {
      if (k === r.length) {
        const more = new Int32Array(2 * k);
        more.set(r);
        r = this.ranks = more;
      }
      r[k++] = rank[this.name[c] as number] as number;
    }
    const ranks = r.subarray(0, k).sort();
    const out = new Array<string>(k);
    for (let i = 0; i < k; i++) out[i] = sorted[ranks[i] as number] as string;
    return out;
  }

  /** Each name id's place among all names in string order, and the names in that order. */
  private rank: Int32Array | null = null;
  private sorted: string[] | null = null;
  private ranks = new Int32Array(64);

  private rankNames(): void {
    const names = this.names.strings;
    this.sorted = [...names].sort();
    const ids = new Map<string, number>();
    for (let i = 0; i < this.sorted.length; i++) ids.set(this.sorted[i] as string, i);
    this.rank = new Int32Array(names.length);
    for (let id = 0; id < names.length; id++) this.rank[id] = ids.get(names[id] as string) as number;
  }

  /** The key of node `n` (its path below /sys). */
  keyOf(n: number): string {
    const parts: string[] = [];
    for (; n > 0; n = this.parent[n] as number) parts.push(this.names.strings[this.name[n] as number] as string);
    return parts.reverse().join('/');
  }

  /** The text of a STR, LINK or ERROR node. */
  text(n: number): string {
    return this.values.strings[this.val[n] as number] as string;
  }

  /** The entry node `n` holds, as a capture's `entries` has it. */
  entryOf(n: number): CaptureEntry {
    switch (this.kind[n]) {
      case STR: return this.text(n);
      case LINK: return { link: this.text(n) };
      case ERROR: return { error: this.text(n) as never };
      case HEX: return { hex: Buffer.from(this.hexBytes(this.val[n] as number)).toString('hex') };
      case DIR: return { dir: true };
      default: return this.others[this.val[n] as number] as CaptureEntry;
    }
  }

  /** The `entries` object of the capture this table was read from: same keys, same order, same values. */
  entries(): Record<string, CaptureEntry> {
    if (this.released) throw new Error('the capture\'s table was released: its entries are gone');
    const out = Object.create(null) as Record<string, CaptureEntry>;
    for (let i = 0; i < this.entryCount; i++) {
      const n = this.order[i] as number;
      const k = this.keyOf(n);
      if (k === '__proto__') Object.defineProperty(out, k, { value: this.entryOf(n), enumerable: true, writable: true, configurable: true });
      else out[k] = this.entryOf(n);
    }
    return out;
  }

  private growNodes(): void {
    const size = this.parent.length * 2;
    this.parent = grown(this.parent, size);
    this.name = grown(this.name, size);
    this.firstChild = grown(this.firstChild, size);
    this.nextSibling = grown(this.nextSibling, size);
    this.val = grown(this.val, size);
    const k = new Uint8Array(size);
    k.set(this.kind);
    this.kind = k;
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let c = 1; c < this.size; c++) {
      let i = slotHash(this.parent[c] as number, this.name[c] as number) & this.mask;
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = c + 1;
    }
  }
}

function slotHash(dir: number, nm: number): number {
  const h = Math.imul(dir, 0x9e3779b1) ^ Math.imul(nm + 1, 0x85ebca77);
  return (h ^ (h >>> 15)) >>> 0;
}

function grown(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}
