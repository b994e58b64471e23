/**
 * The 64×64→128 products the MUL/IMUL handlers and templates use (ops/wide-arith.ts),
 * against exact integer arithmetic: edge operands (0, 1, all ones, the sign boundaries,
 * words whose products round in a double) and random ones.
 */
import { describe, expect, it } from 'vitest';
import { mul32, mulS64, mulU64, wide } from '../../src/cpu/ops/wide-arith.js';

const EDGE_WORDS = [0, 1, 2, -1, -2, 0x7fffffff, -0x80000000, 0x10000, 0xffff, 0x12345678, -0x54321, 0x0000ffff, 0x3b9aca00];

/**
 * Word pairs whose product, computed in a double, rounds up across a multiple of 2^32, so
 * that its high word would come out one too large (found by a search against BigInt).
 */
const ROUNDING_PAIRS = [[-0x4061a614, -0x31a59e4b], [-0x25095fbc, -0x6790dad3]];

function* operandPairs(): Generator<[number, number, number, number]> {
  for (const [a, b] of ROUNDING_PAIRS) {
    yield [a, 0, b, 0];
    yield [a, a, b, b];
    yield [b, a, a, b];
  }
  for (const a of EDGE_WORDS) for (const b of EDGE_WORDS) for (const c of EDGE_WORDS) yield [a, b, c, EDGE_WORDS[(a ^ b ^ c) & 7]];
  for (const a of EDGE_WORDS) for (const c of EDGE_WORDS) yield [a, 0, c, 0]; // two 32-bit operands (mulU64's short path)
  let x = 12345;
  const next = (): number => (x = (Math.imul(x, 1103515245) + 12345) | 0) ^ (x >>> 13);
  for (let k = 0; k < 20000; k++) yield [next(), next(), next(), next()];
}

const u64 = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const s64 = (lo: number, hi: number): bigint => BigInt.asIntN(64, u64(lo, hi));
const product = (): bigint => (u64(wide.w2, wide.w3) << 64n) | u64(wide.w0, wide.w1);

describe('wide multiplication', () => {
  it('mul32: the exact 64-bit product of two words', () => {
    for (const [a, b] of operandPairs()) {
      const low = mul32(a, b);
      expect(u64(low, wide.w1), `${a} × ${b}`).toBe(BigInt(a >>> 0) * BigInt(b >>> 0));
    }
  });

  it('mulU64 and mulS64: the exact 128-bit products', () => {
    for (const [aLo, aHi, bLo, bHi] of operandPairs()) {
      mulU64(aLo, aHi, bLo, bHi);
      expect(product()).toBe(u64(aLo, aHi) * u64(bLo, bHi));
      mulS64(aLo, aHi, bLo, bHi);
      expect(product()).toBe(BigInt.asUintN(128, s64(aLo, aHi) * s64(bLo, bHi)));
    }
  });
});
