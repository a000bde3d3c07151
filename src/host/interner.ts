/**
 * FNV-1a over bytes or UTF-16 code units: the hash strings are found by. Its start is drawn per
 * process, so that a hostile capture cannot be written to make every name collide.
 */
const FNV = (0x811c9dc5 ^ Math.floor(Math.random() * 2 ** 32)) | 0, FNV_PRIME = 0x01000193;
export const fnvStep = (h: number, c: number): number => Math.imul(h ^ c, FNV_PRIME);
export const FNV_START = FNV;

/** Strings stored once, found by their bytes (ASCII) or by a slice of a JS string, no substring made. */
export class Interner {
  readonly strings: string[] = [];
  /** The hash of each findable string (by id), so that growing the table hashes nothing again. */
  private hashes = new Int32Array(1024);
  private slots = new Int32Array(1024);
  private mask = 1023;
  /** How many strings are findable (not `append`ed). */
  private hashed = 0;

  /**
   * The id of the ASCII text b[s..e) — followed by a '\n' when `nl` (the usual end of a sysfs value,
   * written `\n` in the file) — whose FNV hash (newline included) is h; added when new.
   */
  fromBytes(b: Buffer, s: number, e: number, h: number, nl = false): number {
    const len = e - s;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const id = (this.slots[i] as number) - 1;
      if (id < 0) return this.add(nl ? `${b.toString('latin1', s, e)}\n` : b.toString('latin1', s, e), i, h);
      if (this.hashes[id] !== h) continue;
      const t = this.strings[id] as string;
      if (t.length !== (nl ? len + 1 : len) || (nl && t.charCodeAt(len) !== 0x0a)) continue;
      let j = 0;
      while (j < len && t.charCodeAt(j) === b[s + j]) j++;
      if (j === len) return id;
    }
  }

  /** The id of str[s..e), or -1. */
  find(str: string, s: number, e: number): number {
    let h = FNV;
    for (let j = s; j < e; j++) h = fnvStep(h, str.charCodeAt(j));
    const len = e - s;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const id = (this.slots[i] as number) - 1;
      if (id < 0) return -1;
      if (this.hashes[id] !== h) continue;
      const t = this.strings[id] as string;
      if (t.length !== len) continue;
      let j = 0;
      while (j < len && t.charCodeAt(j) === str.charCodeAt(s + j)) j++;
      if (j === len) return id;
    }
  }

  /** Forgets every string (the table it served was released). */
  clear(): void {
    this.strings.length = 0;
    this.hashes = new Int32Array(0);
    this.slots = new Int32Array(0);
    this.mask = 0;
    this.hashed = 0;
  }

  /** A string stored without being findable: its id. */
  append(str: string): number {
    this.strings.push(str);
    return this.strings.length - 1;
  }

  /** The id of str, added when new. */
  fromString(str: string): number {
    const id = this.find(str, 0, str.length);
    if (id >= 0) return id;
    let h = FNV;
    for (let j = 0; j < str.length; j++) h = fnvStep(h, str.charCodeAt(j));
    let i = h & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    return this.add(str, i, h);
  }

  private add(str: string, slot: number, h: number): number {
    const id = this.strings.length;
    this.strings.push(str);
    if (id === this.hashes.length) {
      const more = new Int32Array(2 * id);
      more.set(this.hashes);
      this.hashes = more;
    }
    this.hashes[id] = h;
    this.slots[slot] = id + 1;
    if (++this.hashed * 2 > this.mask) this.rehash();
    return id;
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    const old = this.slots;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let k = 0; k < old.length; k++) {
      const id = (old[k] as number) - 1;
      if (id < 0) continue;
      let i = (this.hashes[id] as number) & this.mask;
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = id + 1;
    }
  }
}
