/** A seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on every machine. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number { return Math.floor(this.next() * n); }

  chance(p: number): boolean { return this.next() < p; }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('Rng.pick of an empty list');
    return xs[this.int(xs.length)] as T;
  }

  /** One of `choices` by weight (weights ≥ 0, at least one > 0). */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of choices) total += w;
    let r = this.next() * total;
    for (const [w, v] of choices) { if ((r -= w) < 0) return v; }
    return (choices[choices.length - 1] as readonly [number, T])[1];
  }
}
