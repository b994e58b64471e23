/**
 * The AMD Zen FPU's internal precision for the transcendental instructions: 68
 * significant bits, rounded to nearest-even. Measured on the host (tools/x87-golden/
 * zen/README.md): FYL2X's logarithm, FPATAN's ratio and its π and π/2 all sit on
 * a 68-bit grid before the instruction's single final rounding.
 */
import { bitLength } from './float80.js';

/** m × 2^e, m a signed integer. */
export interface Scaled {
  m: bigint;
  e: number;
}

export const ZEN_PRECISION = 68;

/** Rounds m × 2^e to ZEN_PRECISION significant bits, ties to even; `sticky` stands for nonzero bits below m. */
export function roundZen(m: bigint, e: number, sticky = false): Scaled {
  if (m === 0n) return { m, e: 0 };
  const neg = m < 0n;
  const a = neg ? -m : m;
  const drop = bitLength(a) - ZEN_PRECISION;
  if (drop <= 0) return { m, e };
  const d = BigInt(drop);
  let q = a >> d;
  const rest = a & ((1n << d) - 1n);
  const half = 1n << (d - 1n);
  if (rest > half || (rest === half && (sticky || (q & 1n) === 1n))) q += 1n;
  return { m: neg ? -q : q, e: e + drop };
}

/** n / d (integers, d > 0) rounded to ZEN_PRECISION bits. */
export function quotientZen(n: bigint, d: bigint): Scaled {
  const a = n < 0n ? -n : n;
  // Enough quotient bits to round, and never a right shift (that would lose sticky bits).
  const shift = Math.max(0, ZEN_PRECISION + 2 + bitLength(d) - bitLength(a));
  const scaled = a << BigInt(shift);
  const q = scaled / d;
  return roundZen(n < 0n ? -q : q, -shift, q * d !== scaled);
}
