/**
 * 64×64→128 multiplication and 128/64 division on 32-bit words (no arbitrary-precision integers on the integer path)
 * (DESIGN.md: "Arithmetic that JavaScript does not give for free"). Results are left in
 * the exported `wide` record: w0 (bits 31:0) .. w3 (bits 127:96), or quotient and
 * remainder halves for division.
 */
export const wide = { w0: 0, w1: 0, w2: 0, w3: 0, qLo: 0, qHi: 0, rLo: 0, rHi: 0 };

const TWO_POW_32 = 4294967296;

/**
 * The high word of the unsigned product of two 32-bit words, given its low word `low`
 * (Math.imul's, exact). The double product a·b is off the exact one by at most 2^11 (53
 * bits of 64), and subtracting `low` adds as much again, so dividing by 2^32 lands within
 * 2^-20 of the exact high word: rounding gives it exactly.
 */
function highWord(a: number, b: number, low: number): number {
  return Math.round(((a >>> 0) * (b >>> 0) - (low >>> 0)) / TWO_POW_32);
}

/** Unsigned 32×32→64: low word returned, high in wide.w1. */
export function mul32(a: number, b: number): number {
  const low = Math.imul(a, b);
  wide.w1 = highWord(a, b, low) | 0;
  return low;
}

/** Unsigned 64×64→128 into wide.w0..w3. */
export function mulU64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const ll = Math.imul(aLo, bLo);
  const llHi = highWord(aLo, bLo, ll);
  if ((aHi | bHi) === 0) {
    // Two 32-bit operands (the vDSO's delta × mult): one word product.
    wide.w0 = ll;
    wide.w1 = llHi | 0;
    wide.w2 = 0;
    wide.w3 = 0;
    return;
  }
  const lh = Math.imul(aLo, bHi) >>> 0;
  const lhHi = highWord(aLo, bHi, lh);
  const hl = Math.imul(aHi, bLo) >>> 0;
  const hlHi = highWord(aHi, bLo, hl);
  const hh = Math.imul(aHi, bHi) >>> 0;
  const hhHi = highWord(aHi, bHi, hh);
  const s1 = llHi + lh + hl; // < 3·2^32
  const c1 = Math.floor(s1 / 4294967296);
  const s2 = lhHi + hlHi + hh + c1;
  const c2 = Math.floor(s2 / 4294967296);
  wide.w0 = ll;
  wide.w1 = s1 | 0;
  wide.w2 = s2 | 0;
  wide.w3 = (hhHi + c2) | 0;
}

/** Signed 64×64→128: the unsigned product corrected by the operands' signs. */
export function mulS64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  mulU64(aLo, aHi, bLo, bHi);
  // (a - 2^64·[a<0])(b - 2^64·[b<0]) = ab - 2^64(b·[a<0] + a·[b<0]) mod 2^128
  if (aHi < 0) sub64FromHigh(bLo, bHi);
  if (bHi < 0) sub64FromHigh(aLo, aHi);
}

function sub64FromHigh(lo: number, hi: number): void {
  const d = (wide.w2 >>> 0) - (lo >>> 0);
  const borrow = d < 0 ? 1 : 0;
  wide.w2 = d | 0;
  wide.w3 = (wide.w3 - hi - borrow) | 0;
}

/**
 * Unsigned 128/64 division: (nHi:nLo as 64-bit halves n3 n2 n1 n0) / (dHi:dLo).
 * The caller has ruled out a zero divisor and quotient overflow (n3:n2 < d).
 * Restoring shift-subtract over 64 quotient bits; a 32-bit fast path covers the
 * common case of small operands.
 */
export function divU128(n0: number, n1: number, n2: number, n3: number, dLo: number, dHi: number): void {
  if ((n1 | n2 | n3 | dHi) === 0) {
    const a = n0 >>> 0;
    const b = dLo >>> 0;
    const q = Math.floor(a / b);
    wide.qLo = q | 0;
    wide.qHi = 0;
    wide.rLo = (a - q * b) | 0;
    wide.rHi = 0;
    return;
  }
  // Remainder r (64 bits, plus a carry bit) starts as the high 64 bits of the dividend.
  let rLo = n2 >>> 0;
  let rHi = n3 >>> 0;
  let qLo = 0;
  let qHi = 0;
  const dl = dLo >>> 0;
  const dh = dHi >>> 0;
  for (let k = 63; k >= 0; k--) {
    const nextBit = k >= 32 ? (n1 >>> (k - 32)) & 1 : (n0 >>> k) & 1;
    const carry = rHi >>> 31;
    rHi = ((rHi << 1) | (rLo >>> 31)) >>> 0;
    rLo = ((rLo << 1) | nextBit) >>> 0;
    if (carry || rHi > dh || (rHi === dh && rLo >= dl)) {
      const lo = rLo - dl;
      rLo = lo >>> 0;
      rHi = (rHi - dh - (lo < 0 ? 1 : 0)) >>> 0;
      if (k >= 32) qHi |= 1 << (k - 32);
      else qLo |= 1 << k;
    }
  }
  wide.qLo = qLo | 0;
  wide.qHi = qHi | 0;
  wide.rLo = rLo | 0;
  wide.rHi = rHi | 0;
}

/** True when the unsigned 64-bit value (aHi:aLo) >= (bHi:bLo). */
export function geU64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi >>> 0 !== bHi >>> 0 ? aHi >>> 0 > bHi >>> 0 : aLo >>> 0 >= bLo >>> 0;
}

/** Two's-complement negation of a 64-bit value; low word returned, high in wide.w1. */
export function neg64(lo: number, hi: number): number {
  const l = -lo | 0;
  wide.w1 = (~hi + (l === 0 ? 1 : 0)) | 0;
  return l;
}
