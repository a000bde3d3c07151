/**
 * `JSON.stringify(value, null, 2)`, handed to `write` a piece at a time instead of as one string. A
 * 50k-function `status --json` is ~56 MB of text: as one string it was then copied whole twice more
 * (made terminal-safe, then encoded for stdout), ~170 MB at the very end of the run, where memory
 * peaks. Here no piece is much larger than `chunk` characters or one array element.
 *
 * The text is exactly JSON.stringify's: plain objects and arrays down to `depth` levels are walked as
 * SerializeJSONObject / SerializeJSONArray walk them (own enumerable string keys in
 * `Object.keys` order, members whose value serialises to nothing left out, such elements written
 * `null`, `{}` and `[]` when empty), and everything below — or anything else, such as a value with a
 * `toJSON` — is JSON.stringify'd and indented by its depth, which is exact because JSON text never
 * holds a raw newline inside a string (a `toJSON` is called with its member's name, as JSON.stringify
 * calls it). A value JSON.stringify throws on (a BigInt, a cycle) throws here too, after the pieces
 * before it were written.
 */
export function writeJsonText(value: unknown, write: (text: string) => void, opts: { readonly depth?: number; readonly chunk?: number } = {}): void {
  const depth = opts.depth ?? 2, chunk = opts.chunk ?? 1 << 16;
  let parts: string[] = [];
  let size = 0;
  const put = (s: string): void => {
    parts.push(s);
    size += s.length;
    if (size >= chunk) flush();
  };
  const flush = (): void => {
    if (size === 0) return;
    write(parts.join(''));
    parts = [];
    size = 0;
  };
  if (!walked(value, 0, depth, put)) put(String(JSON.stringify(value, null, 2)));
  put('\n');
  flush();
}

const GAP = '  ';

/** A plain array or object without toJSON, walked here; anything else is left to JSON.stringify. */
function isWalkable(v: unknown): v is Record<string, unknown> | unknown[] {
  if (typeof v !== 'object' || v === null) return false;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(v)) return Object.getPrototypeOf(v) === Array.prototype;
  const p = Object.getPrototypeOf(v) as unknown;
  return p === Object.prototype || p === null;
}

/** Writes `v` at nesting `level` when it is walked there (answers true); false when it is not walkable. */
function walked(v: unknown, level: number, depth: number, put: (s: string) => void): boolean {
  if (level >= depth || !isWalkable(v)) return false;
  const stepback = GAP.repeat(level), indent = stepback + GAP;
  const member = (x: unknown, key: string): string | undefined => {
    if (typeof x === 'object' && x !== null && typeof (x as { toJSON?: unknown }).toJSON === 'function') {
      // JSON.stringify calls toJSON with the member's name: let it, inside a one-member object.
      const w = JSON.stringify({ [key]: x }, null, 2);
      return w === '{}' ? undefined : w.slice(`{\n  ${JSON.stringify(key)}: `.length, -2).replaceAll('\n  ', `\n${indent}`);
    }
    const s = JSON.stringify(x, null, 2) as string | undefined;
    return s === undefined ? undefined : s.replaceAll('\n', `\n${indent}`);
  };
  const value = (x: unknown, key: string, pre: string): boolean => {
    // A walkable member is written by the walk; any other one as JSON.stringify writes it (or not at all).
    if (level + 1 < depth && isWalkable(x)) {
      put(pre);
      walked(x, level + 1, depth, put);
      return true;
    }
    const s = member(x, key);
    if (s === undefined) return false;
    put(pre + s);
    return true;
  };
  if (Array.isArray(v)) {
    if (v.length === 0) { put('[]'); return true; }
    for (let i = 0; i < v.length; i++) {
      const pre = `${i === 0 ? '[\n' : ',\n'}${indent}`;
      if (!value(v[i], String(i), pre)) put(`${pre}null`);
    }
    put(`\n${stepback}]`);
    return true;
  }
  let first = true;
  for (const k of Object.keys(v)) {
    if (value((v as Record<string, unknown>)[k], k, `${first ? '{\n' : ',\n'}${indent}${JSON.stringify(k)}: `)) first = false;
  }
  put(first ? '{}' : `\n${stepback}}`);
  return true;
}
