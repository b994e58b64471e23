/**
 * The deterministic PRNG the golden vector generators draw from (test/golden/make-vectors.ts,
 * test/cpu/sse-int/vectors.ts): mulberry32 seeded by an FNV-1a hash of a string, so a form's
 * vectors depend only on its seed.
 */
export class Rng {
  private s: number;
  constructor(seed: string) {
    let h = 2166136261;
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
    this.s = h >>> 0;
  }
  u32(): number {
    this.s = mulberry32Step(this.s);
    return mulberry32Output(this.s);
  }
  int(n: number): number {
    return this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
  bits(w: number): bigint {
    return BigInt.asUintN(w, this.u64());
  }
}

/** mulberry32's state advance (the fuzzer's generator shares it: tools/fuzz-isa). */
export function mulberry32Step(s: number): number {
  return (s + 0x6d2b79f5) >>> 0;
}

/** mulberry32's output for a state. */
export function mulberry32Output(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}
