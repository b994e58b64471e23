/**
 * The x87's other arithmetic: constants, FSCALE, FXTRACT, FPREM/FPREM1, and the
 * transcendental instructions F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FSINCOS,
 * FPTAN (SDM Vol. 2A/2B).
 *
 * The transcendental functions are evaluated in a small binary floating point with a
 * BigInt significand of WORK bits (far more than the 64 needed) and rounded once to the
 * register format with the rounding control, so results are the correctly rounded
 * values. The hardware is not always correctly rounded (Intel documents errors of up
 * to about one unit in the last place, and FSIN/FCOS/FPTAN reduce their argument with
 * a 66-bit π, `REDUCTION_PI_BITS`): test/cpu/x87 compares these with a tolerance and
 * reports how many match the host bit for bit. The exceptions follow the AMD Zen host
 * the vectors come from: FYL2X and FYL2XP1 use its own 68-bit logarithm (zen-log2.ts),
 * so logl and log10l print what they print there, and FPATAN its 68-bit ratio and
 * constants (zen-precision.ts).
 */
import {
  bitLength, C0, C1, C2, C3, classify, denormalStops, EMAX, EMIN, type Env, type Exact, type F80, IE, INDEFINITE,
  infinity, K_DENORMAL, K_INF, K_NORMAL, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO, pack, prelude, RC_NEAREST, round, roundBits,
  TOP_BIT, unpack, zero, ZE,
} from './float80.js';
import { zenLog2, zenLog2p1 } from './zen-log2.js';
import { quotientZen, roundZen, type Scaled } from './zen-precision.js';

const WORK = 256;
const REG64 = { prec: 64, emin: EMIN, emax: EMAX };

// ---- a binary floating point for intermediate results ----------------------------------

/** value = m × 2^e; m signed, at most WORK bits after `norm`. */
interface BF {
  m: bigint;
  e: number;
}

function norm(x: BF): BF {
  const neg = x.m < 0n;
  const a = neg ? -x.m : x.m;
  const len = bitLength(a);
  if (len <= WORK) return x;
  const s = len - WORK;
  const t = a >> BigInt(s);
  return { m: neg ? -t : t, e: x.e + s };
}

function bf(n: bigint, e = 0): BF {
  return norm({ m: n, e });
}

function bmul(a: BF, b: BF): BF {
  return norm({ m: a.m * b.m, e: a.e + b.e });
}

function badd(a: BF, b: BF): BF {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  // Drop an addend far below the other's precision.
  const la = a.e + bitLength(a.m < 0n ? -a.m : a.m);
  const lb = b.e + bitLength(b.m < 0n ? -b.m : b.m);
  if (la - lb > WORK + 8) return a;
  if (lb - la > WORK + 8) return b;
  const e = Math.min(a.e, b.e);
  return norm({ m: (a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e });
}

function bneg(a: BF): BF {
  return { m: -a.m, e: a.e };
}

function bsub(a: BF, b: BF): BF {
  return badd(a, bneg(b));
}

function bdiv(a: BF, b: BF): BF {
  const la = bitLength(a.m < 0n ? -a.m : a.m);
  const lb = bitLength(b.m < 0n ? -b.m : b.m);
  const s = Math.max(0, WORK + lb - la + 2);
  return norm({ m: (a.m << BigInt(s)) / b.m, e: a.e - b.e - s });
}

function bshift(a: BF, k: number): BF {
  return { m: a.m, e: a.e + k };
}

/** Magnitude comparison helper: floor(log2 |a|), or -Infinity for zero. */
function bexp(a: BF): number {
  if (a.m === 0n) return -Infinity;
  return a.e + bitLength(a.m < 0n ? -a.m : a.m) - 1;
}

function fromF80(v: F80): BF {
  const x = unpack(v);
  return norm({ m: x.sign ? -x.m : x.m, e: x.e });
}

/** Rounds an inexact intermediate result to the register format (PE always). */
function toF80(env: Env, a: BF): F80 {
  if (a.m === 0n) return zero(0);
  const neg = a.m < 0n;
  return round(env, neg ? 1 : 0, neg ? -a.m : a.m, a.e, true, REG64, true);
}

/** Rounds an exact value (PE only if it does not fit). */
function exactToF80(env: Env, x: Exact): F80 {
  if (x.m === 0n) return zero(x.sign);
  return round(env, x.sign, x.m, x.e, false, REG64, true);
}

// ---- constants ---------------------------------------------------------------------------

/** atan(1/n) × 2^bits as an integer (Taylor series in fixed point). */
function atanInv(n: bigint, bits: bigint): bigint {
  const one = 1n << bits;
  let term = one / n;
  let sum = term;
  const n2 = n * n;
  for (let k = 1n; term !== 0n; k++) {
    term /= n2;
    sum += (k & 1n ? -term : term) / (2n * k + 1n);
  }
  return sum;
}

/** atanh(1/n) × 2^bits. */
function atanhInv(n: bigint, bits: bigint): bigint {
  const one = 1n << bits;
  let term = one / n;
  let sum = term;
  const n2 = n * n;
  for (let k = 1n; term !== 0n; k++) {
    term /= n2;
    sum += term / (2n * k + 1n);
  }
  return sum;
}

const CBITS = 600;
/** π and ln 2 with CBITS fractional bits (Machin's formula; 2 atanh(1/3)). */
const PI_FIXED = 16n * atanInv(5n, BigInt(CBITS + 8)) - 4n * atanInv(239n, BigInt(CBITS + 8));
const PI: BF = norm({ m: PI_FIXED >> 8n, e: -CBITS });
const LN2: BF = norm({ m: (2n * atanhInv(3n, BigInt(CBITS + 8))) >> 8n, e: -CBITS });
const LN10: BF = badd(bmul(LN2, bf(3n)), norm({ m: (2n * atanhInv(9n, BigInt(CBITS + 8))) >> 8n, e: -CBITS })); // ln 8 + ln(10/8) = 3 ln2 + 2 atanh(1/9)
const PI_HALF = bshift(PI, -1);
/** π and π/2 as the Zen host's FPATAN holds them (zen-precision.ts). */
const PI_68: BF = roundZen(PI.m, PI.e, true);
const PI_HALF_68: BF = bshift(PI_68, -1);
const SQRT2 = bsqrt(bf(2n));
/** √2/2 - 1 and √2 - 1: for x between them x / (2 + x) stays within ±(√2 - 1)/(√2 + 1), the range of the host's log2 polynomial. */
const LOG1P_LOW = bsub(bshift(SQRT2, -1), bf(1n));
const LOG1P_HIGH = bsub(SQRT2, bf(1n));

/**
 * FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ. The irrational ones are rounded
 * from the exact value with the rounding control; C1 tells whether it went up.
 */
export function loadConstant(env: Env, which: number): F80 {
  let c: BF;
  switch (which) {
    case 0: return { se: 0x3fff, sig: TOP_BIT };
    case 1: c = bdiv(LN10, LN2); break;
    case 2: c = bdiv(bf(1n), LN2); break;
    case 3: c = PI; break;
    case 4: c = bdiv(LN2, LN10); break;
    case 5: c = LN2; break;
    default: return zero(0);
  }
  const r = toF80(env, c);
  // The constants are not "inexact results": PE and C1 stay clear (seen on the host).
  env.flags &= ~0x20;
  env.up = false;
  return r;
}

// ---- FSCALE, FXTRACT, FPREM -------------------------------------------------------------

/**
 * The common prelude for two-operand functions: unsupported encodings, NaNs, then the
 * denormal-operand exception (an unmasked one stops the instruction). Null to go on.
 */
function nanPrelude(env: Env, a: F80, b: F80, ka: number, kb: number): F80 | null {
  const p = prelude(env, a, b, ka, kb);
  if (p) return p;
  if (denormalStops(env, ka, kb)) return INDEFINITE;
  return null;
}

function invalid(env: Env): F80 {
  env.flags |= IE;
  return INDEFINITE;
}

/** FSCALE: ST(0) × 2^trunc(ST(1)). */
export function fscale(env: Env, a: F80, b: F80): F80 {
  const ka = classify(a);
  const kb = classify(b);
  const p = nanPrelude(env, a, b, ka, kb);
  if (p) return p;
  const sa = a.se >> 15;
  if (kb === K_INF) {
    const negInf = (b.se & 0x8000) !== 0;
    if (ka === K_ZERO) return negInf ? a : invalid(env);
    if (ka === K_INF) return negInf ? invalid(env) : a;
    return negInf ? zero(sa) : infinity(sa);
  }
  if (ka === K_ZERO || ka === K_INF) return a;
  let n = 0;
  if (kb !== K_ZERO) {
    const y = unpack(b);
    if (y.e >= 0) n = 1 << 20;
    else {
      const t = y.m >> BigInt(Math.min(-y.e, 80));
      n = t > 1n << 20n ? 1 << 20 : Number(t);
    }
    if (y.sign) n = -n;
  }
  const x = unpack(a);
  return exactToF80(env, { sign: x.sign, m: x.m, e: x.e + n });
}

/** FXTRACT: [exponent, significand] (the significand is pushed). */
export function fxtract(env: Env, a: F80): [F80, F80] {
  const k = classify(a);
  if (k === K_UNSUPPORTED) return [invalid(env), INDEFINITE];
  if (k === K_SNAN) {
    env.flags |= IE;
    const q = { se: a.se, sig: a.sig | (1n << 62n) };
    return [q, q];
  }
  if (k === K_QNAN) return [a, a];
  if (k === K_INF) return [infinity(0), a];
  if (k === K_ZERO) {
    env.flags |= ZE;
    return [infinity(1), a];
  }
  if (k === K_DENORMAL && env.denormal()) return [INDEFINITE, INDEFINITE];
  const x = unpack(a);
  const len = bitLength(x.m);
  const exponent = x.e + len - 1;
  const significand = pack(x.sign, x.m, -(len - 1));
  const ex = exponent === 0 ? zero(0) : pack(exponent < 0 ? 1 : 0, BigInt(Math.abs(exponent)), 0);
  return [ex, significand];
}

/**
 * FPREM (truncating quotient) and FPREM1 (IEEE remainder, nearest quotient): a partial
 * remainder when the exponents differ by 64 or more (C2 = 1), else the remainder with the
 * quotient's low bits in C0, C3, C1 (SDM Vol. 2A, FPREM).
 */
export function fprem(env: Env, a: F80, b: F80, ieee: boolean): { value: F80; cc: number } {
  const ka = classify(a);
  const kb = classify(b);
  const p = prelude(env, a, b, ka, kb);
  if (p) return { value: p, cc: -1 };
  // Invalid operands come before the denormal-operand check (host).
  if (ka === K_INF || kb === K_ZERO) return { value: invalid(env), cc: -1 };
  if (denormalStops(env, ka, kb)) return { value: INDEFINITE, cc: -1 };
  if (ka === K_ZERO) return { value: a, cc: 0 };
  const x = unpack(a);
  // ST(0) comes back unchanged in value, in its canonical encoding (a pseudo-denormal
  // becomes the normal number it stands for) and as a result: tiny with an unmasked
  // underflow, it is delivered with the exponent adjusted (host).
  if (kb === K_INF) return { value: exactToF80(env, x), cc: 0 };
  const y = unpack(b);
  const ex = x.e + bitLength(x.m) - 1;
  const ey = y.e + bitLength(y.m) - 1;
  const d = ex - ey;
  if (d >= 64) {
    // Partial: reduce by ST(1) × 2^(d - n) with n between 32 and 63; the host picks
    // n = 32 + (d mod 32), so that d - n is a multiple of 32.
    const n = 32 + (d & 31);
    const shift = d - n;
    // q = trunc(|x| / (|y| × 2^shift)); r = |x| - q |y| 2^shift, exact.
    const e = Math.min(x.e, y.e + shift);
    const mx = x.m << BigInt(x.e - e);
    const my = y.m << BigInt(y.e + shift - e);
    const q = mx / my;
    const r = mx - q * my;
    return { value: exactToF80(env, { sign: x.sign, m: r, e }), cc: C2 };
  }
  const e = Math.min(x.e, y.e);
  const mx = x.m << BigInt(x.e - e);
  const my = y.m << BigInt(y.e - e);
  let q = mx / my;
  let r = mx - q * my;
  let sign = x.sign;
  if (ieee) {
    const twice = 2n * r;
    if (twice > my || (twice === my && (q & 1n) === 1n)) {
      q += 1n;
      r = my - r;
      sign ^= 1;
    }
  }
  const cc = (q & 4n ? C0 : 0) | (q & 2n ? C3 : 0) | (q & 1n ? C1 : 0);
  if (r === 0n) return { value: zero(x.sign), cc };
  return { value: exactToF80(env, { sign, m: r, e }), cc };
}


// ---- transcendental functions ----------------------------------------------------------

/** e^t - 1 by its Taylor series (|t| ≤ 1). */
function expm1Series(t: BF): BF {
  let term = t;
  let sum = t;
  for (let k = 2n; ; k++) {
    term = bdiv(bmul(term, t), bf(k));
    if (term.m === 0n || bexp(term) < bexp(sum) - WORK - 4) break;
    sum = badd(sum, term);
  }
  return tail(sum, term);
}

/**
 * A series sum whose first neglected term is `next`. The final rounding treats missing
 * bits as a positive remainder (sticky); when the remainder is of the other sign (an
 * alternating series), the sum is moved down by far less than any rounding unit, so
 * directed rounding goes the right way even when the sum is a short number (sin x ≈ x).
 */
function tail(sum: BF, next: BF): BF {
  if (next.m === 0n || sum.m === 0n || next.m < 0n === sum.m < 0n) return sum;
  const neg = sum.m < 0n;
  const mag = neg ? -sum.m : sum.m;
  const s = WORK + 8 - bitLength(mag);
  const m = (mag << BigInt(s)) - 1n;
  return { m: neg ? -m : m, e: sum.e - s };
}

/** ln x for x > 0 (x = m × 2^k, m near 1, ln m by 2 atanh((m-1)/(m+1))). */
function lnBF(x: BF): BF {
  let k = bexp(x);
  let m = bshift(x, -k); // [1, 2)
  if (bsub(m, SQRT2).m > 0n) {
    // Keep m in [√2/2, √2] so the atanh series converges fast.
    m = bshift(m, -1);
    k += 1;
  }
  return badd(bmul(bf(BigInt(k)), LN2), log1pCore(bsub(m, bf(1n))));
}

/** ln(1 + u) = 2 atanh(u / (2 + u)), accurate for tiny u too. */
function log1pCore(u: BF): BF {
  if (u.m === 0n) return u;
  const s = bdiv(u, badd(bf(2n), u));
  const s2 = bmul(s, s);
  let term = s;
  let sum = s;
  for (let k = 3n; ; k += 2n) {
    term = bmul(term, s2);
    const t = bdiv(term, bf(k));
    if (t.m === 0n || bexp(t) < bexp(sum) - WORK - 4) break;
    sum = badd(sum, t);
  }
  return bshift(sum, 1);
}

/** atan z for |z| ≤ 1 (halving the argument twice, then Taylor). */
function atanSmall(z: BF): BF {
  let t = z;
  let doublings = 0;
  for (let k = 0; k < 4; k++) {
    // atan z = 2 atan(z / (1 + sqrt(1 + z²)))
    if (bexp(t) < -20) break;
    const r = bsqrt(badd(bf(1n), bmul(t, t)));
    t = bdiv(t, badd(bf(1n), r));
    doublings++;
  }
  const t2 = bmul(t, t);
  let term = t;
  let sum = t;
  for (let k = 3n; ; k += 2n) {
    term = bneg(bmul(term, t2));
    const u = bdiv(term, bf(k));
    if (u.m === 0n || bexp(u) < bexp(sum) - WORK - 4) {
      sum = tail(sum, u);
      break;
    }
    sum = badd(sum, u);
  }
  return bshift(sum, doublings);
}

function bsqrt(a: BF): BF {
  // sqrt of a positive value with about WORK bits.
  let m = a.m;
  let e = a.e;
  const need = 2 * WORK + 2 - bitLength(m);
  let s = Math.max(0, need);
  if ((e - s) & 1) s++;
  m <<= BigInt(s);
  e -= s;
  let x = 1n << BigInt((bitLength(m) + 1) >> 1);
  for (;;) {
    const y = (x + m / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  return norm({ m: x, e: e / 2 });
}

/** sin and cos of r with |r| ≤ π/4 (Taylor). */
function sinCosSmall(r: BF): [BF, BF] {
  const r2 = bmul(r, r);
  let term = r;
  let sin = r;
  for (let k = 2n; ; k += 2n) {
    term = bneg(bdiv(bmul(term, r2), bf(k * (k + 1n))));
    if (term.m === 0n || bexp(term) < bexp(sin) - WORK - 4) {
      sin = tail(sin, term);
      break;
    }
    sin = badd(sin, term);
  }
  term = bf(1n);
  let cos = term;
  for (let k = 1n; ; k += 2n) {
    term = bneg(bdiv(bmul(term, r2), bf(k * (k + 1n))));
    if (term.m === 0n || bexp(term) < -WORK - 4) {
      cos = tail(cos, term);
      break;
    }
    cos = badd(cos, term);
  }
  return [sin, cos];
}

/** F2XM1: 2^x - 1, defined for -1 ≤ x ≤ 1. */
export function f2xm1(env: Env, a: F80): F80 {
  const k = classify(a);
  if (k === K_UNSUPPORTED) return invalid(env);
  if (k === K_SNAN) return quietOf(env, a);
  if (k === K_QNAN) return a;
  if (k === K_ZERO) return a;
  if (k === K_INF) return a.se & 0x8000 ? { se: 0xbfff, sig: TOP_BIT } : a;
  if (k === K_DENORMAL && env.denormal()) return INDEFINITE;
  const x = fromF80(a);
  if (bexp(x) >= 0) {
    // The manual leaves |x| > 1 undefined; the host returns x unchanged, inexact. At
    // ±1 it is inexact too: 1 - 2^-64 (1 rounding up) and -0.5.
    env.flags |= PE_FLAG;
    env.up = false;
    const isOne = x.m === 1n << BigInt(bitLength(x.m) - 1) || x.m === -(1n << BigInt(bitLength(-x.m) - 1));
    if (bexp(x) > 0 || !isOne) return a;
    if (x.m < 0n) return { se: 0xbffe, sig: TOP_BIT };
    // 2^1 - 1 comes out a hair below 1: 1 to nearest and up, 1 - 2^-64 down and to zero.
    return round(env, 0, (1n << 80n) - 1n, -80, true, REG64, true);
  }
  return toF80(env, expm1Series(bmul(x, LN2)));
}

const PE_FLAG = 0x20;
const UE_FLAG = 0x10;

/**
 * y × log for FYL2X/FYL2XP1 with the logarithm given exactly (an integer k when the
 * argument is a power of two, or the host's 68-bit log2 x): the product is rounded once
 * and reported inexact even when it fits, as the host does.
 */
function logTimes(env: Env, log: Scaled, b: F80): F80 {
  const y = unpack(b);
  if (log.m === 0n) return zero(y.sign);
  const negative = log.m < 0n;
  return reportedInexact(env, { sign: y.sign ^ (negative ? 1 : 0), m: y.m * (negative ? -log.m : log.m), e: y.e + log.e });
}

/**
 * Rounds an exact value once (a tie goes to even), and reports it inexact even when it
 * fits, as the host does for the transcendental instructions.
 */
function reportedInexact(env: Env, x: Exact): F80 {
  const r = exactToF80(env, x);
  env.flags |= PE_FLAG;
  // Reported inexact, so a tiny result is an underflow too.
  if ((r.se & 0x7fff) === 0 && env.masks & UE_FLAG) env.flags |= UE_FLAG;
  return r;
}

/** x ≤ -1 for FYL2XP1, outside the documented range: the host returns x, inexact. */
function outOfRange(env: Env, a: F80): F80 {
  env.flags |= PE_FLAG;
  env.up = false;
  return a;
}

function quietOf(env: Env, a: F80): F80 {
  env.flags |= IE;
  return { se: a.se, sig: a.sig | (1n << 62n) };
}

/** FYL2X: ST(1) × log2 ST(0); a = ST(0) = x, b = ST(1) = y. */
export function fyl2x(env: Env, a: F80, b: F80): F80 {
  const kx = classify(a);
  const ky = classify(b);
  const p = prelude(env, a, b, kx, ky);
  if (p) return p;
  const sx = a.se >> 15;
  const sy = b.se >> 15;
  // Invalid operands and log2 0 come before the denormal-operand check (host).
  if (sx === 1 && kx !== K_ZERO) return invalid(env);
  if (ky === K_ZERO && (kx === K_ZERO || kx === K_INF)) return invalid(env);
  const isOne = kx === K_NORMAL && a.sig === TOP_BIT && (a.se & 0x7fff) === 0x3fff;
  if (isOne && ky === K_INF) return invalid(env);
  if (kx === K_ZERO) {
    if (ky !== K_INF) env.flags |= ZE;
    return infinity(sy ^ 1);
  }
  if (denormalStops(env, kx, ky)) return INDEFINITE;
  if (kx === K_INF) return infinity(sy);
  // x finite positive.
  const x = fromF80(a);
  const below = bexp(x) < 0;
  if (ky === K_INF) return infinity(sy ^ (below ? 1 : 0));
  if (ky === K_ZERO) return zero(sy ^ (below ? 1 : 0));
  const ux = unpack(a);
  const len = bitLength(ux.m);
  if ((ux.m & (ux.m - 1n)) === 0n) return logTimes(env, { m: BigInt(ux.e + len - 1), e: 0 }, b);
  // The host's own log2 (zen-log2.ts), not the correctly rounded one.
  return logTimes(env, zenLog2(ux.m << BigInt(64 - len), ux.e + len - 1), b);
}

/** FYL2XP1: ST(1) × log2(ST(0) + 1), defined for |x| < 1 - √2/2. */
export function fyl2xp1(env: Env, a: F80, b: F80): F80 {
  const kx = classify(a);
  const ky = classify(b);
  const p = prelude(env, a, b, kx, ky);
  if (p) return p;
  const sx = a.se >> 15;
  const sy = b.se >> 15;
  // Invalid operands before the denormal-operand check (host).
  if (kx === K_ZERO && ky === K_INF) return invalid(env);
  if (kx === K_INF && (sx || ky === K_ZERO)) return invalid(env);
  if (denormalStops(env, kx, ky)) return INDEFINITE;
  if (kx === K_ZERO) return zero(sx ^ sy);
  if (kx === K_INF) return infinity(sy);
  if (ky === K_INF) return infinity(sx ^ sy);
  if (ky === K_ZERO) return zero(sx ^ sy);
  const u = fromF80(a);
  if (bexp(u) >= 0 && u.m < 0n) return outOfRange(env, a);
  // 1 + x a power of two (x = -1 + 2^-k, or x = 2^k - 1): an integer logarithm.
  const ux = unpack(a);
  const e0 = Math.min(ux.e, 0);
  const w = (1n << BigInt(-e0)) + (ux.sign ? -ux.m : ux.m) * (1n << BigInt(ux.e - e0));
  if (w > 0n && (w & (w - 1n)) === 0n) return logTimes(env, { m: BigInt(bitLength(w) - 1 + e0), e: 0 }, b);
  // Where x / (2 + x) stays in the range of the host's log2 polynomial, its own
  // evaluation (zen-log2.ts); it covers the documented |x| < 1 - √2/2.
  if (bsub(u, LOG1P_LOW).m >= 0n && bsub(u, LOG1P_HIGH).m <= 0n) {
    return logTimes(env, zenLog2p1(ux.sign ? -ux.m : ux.m, ux.e), b);
  }
  // Beyond it the manual promises nothing and the host still computes the function in a
  // way not modelled: the correctly rounded value (the atanh series wants a small argument).
  const ln1p = bexp(u) >= -2 ? lnBF(badd(bf(1n), u)) : log1pCore(u);
  return toF80(env, bmul(fromF80(b), bdiv(ln1p, LN2)));
}

/**
 * FPATAN: arctan(ST(1) / ST(0)) with the quadrant of (ST(0), ST(1)); a = ST(0) = x, b = ST(1) = y.
 *
 * As measured on the Zen host (tools/x87-golden/zen/README.md): the ratio of the
 * smaller magnitude to the larger is rounded to 68 bits; in the first quadrant's lower
 * half arctan(ratio) is rounded once to the register, elsewhere it is rounded to 68 bits
 * and added to the 68-bit π/2 or π, and that sum rounded once. Small ratios then agree
 * with the host bit for bit; the host's arctan itself is not modelled (it errs by a
 * fraction of a 68-bit unit), so larger ratios still differ in a few results in 1,000.
 */
export function fpatan(env: Env, a: F80, b: F80): F80 {
  const kx = classify(a);
  const ky = classify(b);
  const p = nanPrelude(env, a, b, kx, ky);
  if (p) return p;
  const sx = a.se >> 15;
  const sy = b.se >> 15;
  const signed = (v: BF): F80 => toF80(env, sy ? bneg(v) : v);
  if (ky === K_ZERO) {
    if (sx === 0) return zero(sy);
    return signed(PI);
  }
  if (kx === K_ZERO) return signed(PI_HALF);
  if (ky === K_INF) {
    if (kx === K_INF) return signed(sx ? bmul(PI, bf(3n, -2)) : bshift(PI, -2));
    return signed(PI_HALF);
  }
  if (kx === K_INF) return sx ? signed(PI) : zero(sy);
  const x = unpack(a);
  const y = unpack(b);
  const larger = bsub(fromF80(abs80(b)), fromF80(abs80(a))).m > 0n; // |y| > |x|
  const [num, den] = larger ? [x, y] : [y, x];
  const ratio = quotientZen(num.m, den.m);
  const angle = atanSmall({ m: ratio.m, e: ratio.e + num.e - den.e });
  // With no constant to add, arctan is rounded straight to the register; before adding
  // one, it is a 68-bit intermediate like the constant.
  if (!larger && !sx) return signed(angle);
  const rounded = roundZen(angle.m, angle.e, true);
  // Two 68-bit numbers: their sum is exact, and a tie between register values (1 in 16 to 32)
  // goes to even.
  const sum = larger ? (sx ? badd(PI_HALF_68, rounded) : bsub(PI_HALF_68, rounded)) : bsub(PI_68, rounded);
  return reportedInexact(env, { sign: sy, m: sum.m, e: sum.e });
}

function abs80(v: F80): F80 {
  return { se: v.se & 0x7fff, sig: v.sig };
}

/**
 * FSIN/FCOS/FSINCOS/FPTAN reduce their argument modulo π/2 with π rounded to 66 bits
 * (Intel documents this; the host's results fit exactly this value, 4.04e-21 below π),
 * so for large arguments the results are those of sin(x - k·π66/2), not sin(x).
 */
export const REDUCTION_PI_BITS = 66;
const PI66: BF = { m: PI_FIXED >> BigInt(CBITS + 8 - (REDUCTION_PI_BITS - 2)), e: -(REDUCTION_PI_BITS - 2) };
const PI66_HALF = bshift(PI66, -1);

/**
 * FSIN (0), FCOS (1), FPTAN (2: [tan, 1.0]), FSINCOS (3: [sin, cos]; cos is pushed).
 * Returns null when |x| ≥ 2^63: the operand stays and C2 is set.
 */
export function fsincos(env: Env, a: F80, which: number): [F80, F80] | null {
  const k = classify(a);
  const one: F80 = { se: 0x3fff, sig: TOP_BIT };
  if (k === K_UNSUPPORTED || k === K_INF) {
    env.flags |= IE;
    return [INDEFINITE, INDEFINITE];
  }
  if (k === K_SNAN || k === K_QNAN) {
    const q = k === K_SNAN ? quietOf(env, a) : a;
    return [q, q];
  }
  if (k === K_ZERO) {
    if (which === 0) return [a, a];
    if (which === 1) return [one, one];
    if (which === 2) return [a, one];
    return [a, one];
  }
  if (k === K_DENORMAL && env.denormal()) return [INDEFINITE, INDEFINITE];
  const x = fromF80(a);
  if (bexp(x) >= 63) return null;
  // Reduce: x = q (π66/2) + r, |r| ≤ π/4 (the product is exact: 66 + 64 bits < WORK).
  const q = bround(bdiv(x, PI66_HALF));
  const r = bsub(x, bmul(bf(q), PI66_HALF));
  const [s0, c0] = sinCosSmall(r);
  const quadrant = Number(((q % 4n) + 4n) % 4n);
  const sin = quadrant === 0 ? s0 : quadrant === 1 ? c0 : quadrant === 2 ? bneg(s0) : bneg(c0);
  const cos = quadrant === 0 ? c0 : quadrant === 1 ? bneg(s0) : quadrant === 2 ? bneg(c0) : s0;
  switch (which) {
    case 0: return [toF80(env, sin), one];
    case 1: return [toF80(env, cos), one];
    case 2: return [toF80(env, bdiv(sin, cos)), one];
    default: {
      const s = toF80(env, sin);
      const flags = env.flags;
      const up = env.up;
      const c = toF80(env, cos);
      env.flags |= flags;
      env.up = up || env.up;
      return [s, c];
    }
  }
}

/** Nearest integer of a BF. */
function bround(a: BF): bigint {
  if (a.e >= 0) return a.m << BigInt(a.e);
  const neg = a.m < 0n;
  const m = neg ? -a.m : a.m;
  const q = roundBits(m, false, -a.e, RC_NEAREST, 0);
  return neg ? -q : q;
}
