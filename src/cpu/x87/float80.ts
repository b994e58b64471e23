/**
 * 80-bit extended-precision arithmetic for the x87, in software (SDM Vol. 1 §4.2, §4.8,
 * §4.9, ch. 8). JavaScript numbers are binary64, so nothing here goes through them:
 * a value is its sign-and-exponent word and its 64-bit significand as a BigInt (the x87
 * is off the integer hot path; DESIGN.md allows BigInt here and only here).
 *
 * Every operation follows one shape: classify the operands (NaNs, unsupported
 * encodings, denormal operands first, as the manual's precedence says), compute the
 * exact result (or an exact prefix plus a sticky bit), then round once with `round`
 * to the precision control and rounding control of the control word. `round` also
 * decides overflow, underflow (tininess after rounding, inexact required when the
 * exception is masked), the precision exception and C1 (the magnitude was rounded up).
 *
 * Exception bits raised go to `env.flags` in status-word positions; callers decide
 * what an unmasked exception does to the destination.
 */

/** Status-word bits (SDM Vol. 1 §8.1.3). */
export const IE = 0x01; //  invalid operation
export const DE = 0x02; //  denormal operand
export const ZE = 0x04; //  zero divide
export const OE = 0x08; //  overflow
export const UE = 0x10; //  underflow
export const PE = 0x20; //  precision (inexact)
export const SF = 0x40; //  stack fault (with IE)
export const ES = 0x80; //  exception summary
export const C0 = 0x100;
export const C1 = 0x200;
export const C2 = 0x400;
export const C3 = 0x4000;
export const BUSY = 0x8000;

/** Rounding control, FCW bits 11:10 (SDM Vol. 1 §4.8.4). */
export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;

/** An 80-bit value: `se` = sign (bit 15) and biased exponent, `sig` = 64-bit significand with the explicit integer bit. */
export interface F80 {
  se: number;
  sig: bigint;
}

/** Value classes (the operand kinds of SDM Vol. 1 §8.2, Table 8-3 and FXAM). */
export const K_ZERO = 0;
export const K_DENORMAL = 1; //    includes pseudo-denormals (exponent 0, integer bit 1)
export const K_NORMAL = 2;
export const K_INF = 3;
export const K_QNAN = 4;
export const K_SNAN = 5;
export const K_UNSUPPORTED = 6; // pseudo-NaN, pseudo-infinity, unnormal (SDM Vol. 1 §8.2.2)

export const BIAS = 16383;
export const EMIN = -16382;
export const EMAX = 16383;
/** Exponent adjustment for unmasked overflow/underflow with a register destination (SDM Vol. 1 §8.4.1). */
export const BIAS_ADJUST = 24576;

export const TOP_BIT = 1n << 63n;
export const MASK64 = (1n << 64n) - 1n;
const QUIET_BIT = 1n << 62n;

/** The QNaN floating-point indefinite: negative, quiet, fraction 0 (SDM Vol. 1 §4.8.3.7). */
export const INDEFINITE: F80 = { se: 0xffff, sig: 0xc000000000000000n };
export const POS_ZERO: F80 = { se: 0, sig: 0n };

/**
 * What an operation needs from the control word, and what it reports back: the exception
 * bits raised (status-word positions) and whether the last rounding increased the
 * magnitude (C1).
 */
export class Env {
  rc = RC_NEAREST;
  /** Precision in bits: 24, 53 or 64 (precision control, SDM Vol. 1 §8.1.5.2). */
  prec = 64;
  /** Exception masks, FCW bits 5:0. */
  masks = 0x3f;
  flags = 0;
  up = false;
  /** A memory operand was a denormal in its own format (it is normal once widened). */
  denormalOperand = false;

  /**
   * Raises DE; true when it is unmasked, which stops the instruction before it computes
   * anything (host: no PE, no result, only DE).
   */
  denormal(): boolean {
    this.flags |= DE;
    return (this.masks & DE) === 0;
  }

  /** Prepares for one instruction under control word `cw`, with precision control applied or not. */
  reset(cw: number, usePrecisionControl: boolean): this {
    this.rc = (cw >> 10) & 3;
    const pc = (cw >> 8) & 3;
    // PC = 01 is reserved; the hardware rounds to 64 bits then (checked by the golden vectors).
    this.prec = usePrecisionControl ? (pc === 0 ? 24 : pc === 2 ? 53 : 64) : 64;
    this.masks = cw & 0x3f;
    this.flags = 0;
    this.up = false;
    this.denormalOperand = false;
    return this;
  }
}

export function f80(se: number, sig: bigint): F80 {
  return { se, sig };
}

export function signOf(v: F80): number {
  return v.se >> 15;
}

export function classify(v: F80): number {
  const exp = v.se & 0x7fff;
  if (exp === 0) return v.sig === 0n ? K_ZERO : K_DENORMAL;
  if ((v.sig & TOP_BIT) === 0n) return K_UNSUPPORTED;
  if (exp === 0x7fff) {
    if ((v.sig & ~TOP_BIT) === 0n) return K_INF;
    return v.sig & QUIET_BIT ? K_QNAN : K_SNAN;
  }
  return K_NORMAL;
}

export function isNaNClass(k: number): boolean {
  return k === K_QNAN || k === K_SNAN;
}

export function infinity(sign: number): F80 {
  return { se: (sign << 15) | 0x7fff, sig: TOP_BIT };
}

export function zero(sign: number): F80 {
  return { se: sign << 15, sig: 0n };
}

export function negate(v: F80): F80 {
  return { se: v.se ^ 0x8000, sig: v.sig };
}

export function abs(v: F80): F80 {
  return { se: v.se & 0x7fff, sig: v.sig };
}

function quiet(v: F80): F80 {
  return { se: v.se, sig: v.sig | QUIET_BIT };
}

/** Number of bits in a positive BigInt. */
export function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/** A finite value as m × 2^e with m the significand (integer) and e the weight of its last bit. */
export interface Exact {
  sign: number;
  m: bigint;
  e: number;
}

/** Finite operands only (zero, denormal, pseudo-denormal, normal). */
export function unpack(v: F80): Exact {
  const exp = v.se & 0x7fff;
  // Denormals and pseudo-denormals have the weight of exponent 1 (SDM Vol. 1 §8.2.2).
  return { sign: v.se >> 15, m: v.sig, e: (exp === 0 ? 1 : exp) - BIAS - 63 };
}

/**
 * The extended encoding of sign × m × 2^e when it is exactly representable (m < 2^64
 * after normalisation). Values below 2^EMIN become denormals.
 */
export function pack(sign: number, m: bigint, e: number): F80 {
  if (m === 0n) return zero(sign);
  const len = bitLength(m);
  const lead = e + len - 1;
  if (lead < EMIN) {
    // Denormal: the significand is aligned to the weight of exponent 1.
    const shift = e - (EMIN - 63);
    return { se: sign << 15, sig: shift >= 0 ? m << BigInt(shift) : m >> BigInt(-shift) };
  }
  const sig = len <= 64 ? m << BigInt(64 - len) : m >> BigInt(len - 64);
  return { se: (sign << 15) | (lead + BIAS), sig };
}

/**
 * Rounds m (> 0), with `sticky` standing for nonzero bits below its last place, after
 * dropping `drop` low bits. Returns the rounded integer; sets roundUp/inexact.
 */
let roundUp = false;
let roundInexact = false;
export function roundBits(m: bigint, sticky: boolean, drop: number, rc: number, sign: number): bigint {
  if (drop <= 0) {
    roundUp = false;
    roundInexact = sticky;
    // Callers keep enough bits that sticky never matters here except for direction.
    if (!sticky) return drop === 0 ? m : m << BigInt(-drop);
    const q = drop === 0 ? m : m << BigInt(-drop);
    const inc = rc === RC_DOWN ? sign === 1 : rc === RC_UP ? sign === 0 : false;
    roundUp = inc;
    return inc ? q + 1n : q;
  }
  const d = BigInt(drop);
  const q = m >> d;
  const rem = m & ((1n << d) - 1n);
  const inexact = rem !== 0n || sticky;
  let inc = false;
  if (inexact) {
    switch (rc) {
      case RC_NEAREST: {
        const half = 1n << (d - 1n);
        inc = rem > half || (rem === half && (sticky || (q & 1n) === 1n));
        break;
      }
      case RC_DOWN: inc = sign === 1; break;
      case RC_UP: inc = sign === 0; break;
      default: inc = false;
    }
  }
  roundUp = inc;
  roundInexact = inexact;
  return inc ? q + 1n : q;
}

/** A destination format: precision and exponent range (the x87 registers use EMIN/EMAX with any precision). */
export interface Format {
  prec: number;
  emin: number;
  emax: number;
}

export const FMT_SINGLE: Format = { prec: 24, emin: -126, emax: 127 };
export const FMT_DOUBLE: Format = { prec: 53, emin: -1022, emax: 1023 };
const FMT_REG: Format[] = [];
function regFormat(prec: number): Format {
  return (FMT_REG[prec] ??= { prec, emin: EMIN, emax: EMAX });
}

/**
 * Rounds the exact value sign × (m + sticky) × 2^e to `fmt` under env's rounding
 * control (SDM Vol. 1 §4.8.4, §4.9.1.4-6), returning it in the extended encoding
 * (exactly representable in fmt). m > 0; when `sticky` is set, m must carry at least
 * fmt.prec + 2 bits.
 *
 * Tininess is detected after rounding with an unbounded exponent; a masked underflow
 * is reported only when the result is also inexact. With a register destination an
 * unmasked overflow or underflow delivers the rounded result with the exponent
 * adjusted by ∓24576 (§4.9.1.4-5); a memory destination stores nothing then (the
 * caller checks env.flags and the masks).
 */
export function round(env: Env, sign: number, m: bigint, e: number, sticky: boolean, fmt: Format, regDest: boolean): F80 {
  const prec = fmt.prec;
  const lead = e + bitLength(m) - 1;
  const lsbNormal = lead - prec + 1;
  const ueMasked = (env.masks & UE) !== 0;
  const oeMasked = (env.masks & OE) !== 0;
  const tinyBefore = lead < fmt.emin;
  // Masked underflow denormalises: the last place is that of the smallest denormal.
  const lsb = tinyBefore && ueMasked ? fmt.emin - prec + 1 : lsbNormal;
  let q = roundBits(m, sticky, lsb - e, env.rc, sign);
  const up = roundUp;
  const inexact = roundInexact;

  let tiny = false;
  if (tinyBefore) {
    if (lsb === lsbNormal) {
      tiny = q === 0n || lsb + bitLength(q) - 1 < fmt.emin;
    } else {
      const qn = roundBits(m, sticky, lsbNormal - e, env.rc, sign);
      tiny = lsbNormal + bitLength(qn) - 1 < fmt.emin;
    }
  }

  let flags = 0;
  let adjust = 0;
  if (q !== 0n && lsb + bitLength(q) - 1 > fmt.emax) {
    flags |= OE;
    if (oeMasked) {
      flags |= PE;
      env.flags |= flags;
      // Round to nearest and toward the infinity of the result's sign give infinity;
      // the others the largest finite value (SDM Vol. 1 Table 4-10).
      const toInf = env.rc === RC_NEAREST || (env.rc === RC_UP && sign === 0) || (env.rc === RC_DOWN && sign === 1);
      env.up = toInf;
      if (toInf) return infinity(sign);
      return pack(sign, (1n << BigInt(prec)) - 1n, fmt.emax - prec + 1);
    }
    adjust = -BIAS_ADJUST;
  }
  if (tiny) {
    if (!ueMasked) {
      flags |= UE;
      adjust = BIAS_ADJUST;
    } else if (inexact) {
      flags |= UE;
    }
  }
  if (adjust !== 0 && !regDest) {
    // Unmasked overflow or underflow with a memory destination: nothing is stored, and
    // only OE or UE is reported (host).
    env.flags |= flags & (OE | UE);
    return INDEFINITE;
  }
  if (inexact) flags |= PE;
  env.flags |= flags;
  env.up = up && inexact;
  if (adjust !== 0) {
    const leadAdjusted = lsb + adjust + bitLength(q) - 1;
    // Still out of range after the adjustment (only FSCALE gets this far): the masked
    // response, infinity or zero, inexact (host).
    if (leadAdjusted > fmt.emax) {
      env.flags |= PE;
      env.up = true;
      return infinity(sign);
    }
    if (leadAdjusted < fmt.emin) {
      env.flags |= PE;
      env.up = false;
      return zero(sign);
    }
    return pack(sign, q, lsb + adjust);
  }
  if (q === 0n) return zero(sign);
  return pack(sign, q, lsb);
}

/** Rounds an exact value to the register format with env's precision. */
export function roundReg(env: Env, x: Exact, sticky: boolean): F80 {
  return round(env, x.sign, x.m, x.e, sticky, regFormat(env.prec), true);
}

// ---- NaNs and operand checks ----------------------------------------------------------

/**
 * The NaN result of a two-operand instruction with at least one NaN operand (SDM Vol. 1
 * §4.8.3.5 Table 4-7, x87 column): an SNaN raises IE and is quieted; of two NaNs the one
 * with the larger significand wins.
 */
export function propagateNaN(env: Env, a: F80, b: F80, ka: number, kb: number): F80 {
  if (ka === K_SNAN || kb === K_SNAN) env.flags |= IE;
  const aNaN = isNaNClass(ka);
  const bNaN = isNaNClass(kb);
  // An SNaN and a QNaN: the QNaN.
  if (ka === K_SNAN && kb === K_QNAN) return b;
  if (kb === K_SNAN && ka === K_QNAN) return a;
  if (aNaN && bNaN) {
    const sa = a.sig | QUIET_BIT;
    const sb = b.sig | QUIET_BIT;
    if (sa > sb) return quiet(a);
    if (sb > sa) return quiet(b);
    // Equal significands: the positive one, whatever the operand order (host).
    return quiet((a.se & 0x8000) === 0 ? a : b);
  }
  return quiet(aNaN ? a : b);
}

/**
 * Common prelude of the two-operand arithmetic instructions: unsupported encodings and
 * NaNs (IE, indefinite or the propagated NaN). Returns the result when it is decided
 * here, or null to go on.
 */
export function prelude(env: Env, a: F80, b: F80, ka: number, kb: number): F80 | null {
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) {
    env.flags |= IE;
    return INDEFINITE;
  }
  if (isNaNClass(ka) || isNaNClass(kb)) return propagateNaN(env, a, b, ka, kb);
  return null;
}

/**
 * The denormal-operand exception, after NaNs (a NaN operand hides a denormal one) and
 * before the arithmetic. True when unmasked: the instruction stops there.
 */
export function denormalStops(env: Env, ka: number, kb: number): boolean {
  if (ka === K_DENORMAL || kb === K_DENORMAL || env.denormalOperand) return env.denormal();
  return false;
}

/** Unmasked invalid, denormal or zero-divide: the instruction does not complete. */
export function blocked(env: Env): boolean {
  return (env.flags & ~env.masks & (IE | DE | ZE)) !== 0;
}

// ---- the basic operations --------------------------------------------------------------

/** Addition of finite exact values (exactly, with a far-away addend jammed to a sticky stand-in). */
export function addExact(env: Env, x: Exact, y: Exact): F80 {
  if (x.m === 0n && y.m === 0n) {
    // Exact zero sums: +0, or -0 when both are -0 or when rounding down (IEEE 754 §6.3).
    if (x.sign === y.sign) return zero(x.sign);
    return zero(env.rc === RC_DOWN ? 1 : 0);
  }
  let a = x;
  let b = y;
  if (a.m === 0n) return roundReg(env, b, false);
  if (b.m === 0n) return roundReg(env, a, false);
  if (a.e < b.e) [a, b] = [b, a];
  let be = b.e;
  let bm = b.m;
  // An addend far below the other's last place only matters through its sign: a small
  // nonzero stand-in rounds the same way (the sum is never an exact tie then).
  const leadA = a.e + bitLength(a.m) - 1;
  const leadB = b.e + bitLength(b.m) - 1;
  if (leadA - leadB > 140) {
    be = a.e - 140;
    bm = 1n;
  }
  const ma = a.m << BigInt(a.e - Math.min(a.e, be));
  const mb = bm << BigInt(be - Math.min(a.e, be));
  const sum = (a.sign ? -ma : ma) + (b.sign ? -mb : mb);
  const e = Math.min(a.e, be);
  if (sum === 0n) return zero(env.rc === RC_DOWN ? 1 : 0);
  return round(env, sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, e, false, regFormat(env.prec), true);
}

/** FADD/FSUB: a + b, or a - b when `subtract`. */
export function add(env: Env, a: F80, b: F80, subtract: boolean): F80 {
  const ka = classify(a);
  const kb = classify(b);
  const p = prelude(env, a, b, ka, kb);
  if (p) return p;
  if (denormalStops(env, ka, kb)) return INDEFINITE;
  const sb = (b.se >> 15) ^ (subtract ? 1 : 0);
  if (ka === K_INF || kb === K_INF) {
    if (ka === K_INF && kb === K_INF && a.se >> 15 !== sb) {
      env.flags |= IE;
      return INDEFINITE;
    }
    return ka === K_INF ? a : infinity(sb);
  }
  const x = unpack(a);
  const y = unpack(b);
  y.sign = sb;
  return addExact(env, x, y);
}

export function mul(env: Env, a: F80, b: F80): F80 {
  const ka = classify(a);
  const kb = classify(b);
  const p = prelude(env, a, b, ka, kb);
  if (p) return p;
  if (denormalStops(env, ka, kb)) return INDEFINITE;
  const sign = (a.se ^ b.se) >> 15;
  if (ka === K_INF || kb === K_INF) {
    if (ka === K_ZERO || kb === K_ZERO) {
      env.flags |= IE;
      return INDEFINITE;
    }
    return infinity(sign);
  }
  if (ka === K_ZERO || kb === K_ZERO) return zero(sign);
  const x = unpack(a);
  const y = unpack(b);
  return round(env, sign, x.m * y.m, x.e + y.e, false, regFormat(env.prec), true);
}

/** a / b. */
export function div(env: Env, a: F80, b: F80): F80 {
  const ka = classify(a);
  const kb = classify(b);
  const p = prelude(env, a, b, ka, kb);
  if (p) return p;
  const sign = (a.se ^ b.se) >> 15;
  // Division by zero comes before the denormal-operand check (host: ZE without DE).
  if (kb === K_ZERO) {
    if (ka === K_ZERO) {
      env.flags |= IE;
      return INDEFINITE;
    }
    if (ka === K_INF) return infinity(sign);
    env.flags |= ZE;
    return infinity(sign);
  }
  if (denormalStops(env, ka, kb)) return INDEFINITE;
  if (ka === K_INF) {
    if (kb === K_INF) {
      env.flags |= IE;
      return INDEFINITE;
    }
    return infinity(sign);
  }
  if (kb === K_INF) return zero(sign);
  if (ka === K_ZERO) return zero(sign);
  const x = unpack(a);
  const y = unpack(b);
  return divExact(env, sign, x.m, x.e, y.m, y.e, regFormat(env.prec));
}

function divExact(env: Env, sign: number, ma: bigint, ea: number, mb: bigint, eb: number, fmt: Format): F80 {
  // A quotient of at least 67 bits, the remainder as sticky.
  const k = Math.max(0, 67 + bitLength(mb) - bitLength(ma));
  const num = ma << BigInt(k);
  const q = num / mb;
  const r = num - q * mb;
  return round(env, sign, q, ea - eb - k, r !== 0n, fmt, true);
}

/** Integer square root (floor) of a positive BigInt. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt(env: Env, a: F80): F80 {
  const k = classify(a);
  if (k === K_UNSUPPORTED) {
    env.flags |= IE;
    return INDEFINITE;
  }
  if (k === K_SNAN) {
    env.flags |= IE;
    return quiet(a);
  }
  if (k === K_QNAN) return a;
  if (k === K_ZERO) return a;
  // A negative operand is invalid before it is a denormal (host: IE without DE).
  if (a.se & 0x8000) {
    env.flags |= IE;
    return INDEFINITE;
  }
  if (k === K_DENORMAL && env.denormal()) return INDEFINITE;
  if (k === K_INF) return a;
  const x = unpack(a);
  // At least 134 bits under the root (67 bits of root), with an even exponent.
  let s = Math.max(0, 134 - bitLength(x.m));
  if ((x.e - s) & 1) s++;
  const n = x.m << BigInt(s);
  const r = isqrt(n);
  return round(env, 0, r, (x.e - s) / 2, r * r !== n, regFormat(env.prec), true);
}

// ---- compares ---------------------------------------------------------------------------

/** Relation of two values: 0 a > b, 1 a < b, 2 equal, 3 unordered. */
export const REL_GT = 0;
export const REL_LT = 1;
export const REL_EQ = 2;
export const REL_UN = 3;

/**
 * FCOM/FUCOM/FCOMI/FUCOMI/FTST/FICOM (SDM Vol. 2A): any NaN operand makes an ordered
 * compare invalid, only an SNaN an unordered one; unsupported encodings are invalid
 * for both. Denormal operands raise DE.
 */
export function compare(env: Env, a: F80, b: F80, quietNaN: boolean): number {
  const ka = classify(a);
  const kb = classify(b);
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) {
    env.flags |= IE;
    return REL_UN;
  }
  if (isNaNClass(ka) || isNaNClass(kb)) {
    if (!quietNaN || ka === K_SNAN || kb === K_SNAN) env.flags |= IE;
    return REL_UN;
  }
  // A denormal operand raises DE, masked or not, and the compare still completes.
  if (ka === K_DENORMAL || kb === K_DENORMAL || env.denormalOperand) env.flags |= DE;
  const c = compareFinite(a, b, ka, kb);
  return c < 0 ? REL_LT : c > 0 ? REL_GT : REL_EQ;
}

/** Ordering of non-NaN values (zeros equal regardless of sign). */
function compareFinite(a: F80, b: F80, ka: number, kb: number): number {
  if (ka === K_ZERO && kb === K_ZERO) return 0;
  const sa = a.se >> 15;
  const sb = b.se >> 15;
  if (ka === K_ZERO) return sb ? 1 : -1;
  if (kb === K_ZERO) return sa ? -1 : 1;
  if (sa !== sb) return sa ? -1 : 1;
  let c: number;
  if (ka === K_INF || kb === K_INF) {
    c = ka === kb ? 0 : ka === K_INF ? 1 : -1;
  } else {
    const x = unpack(a);
    const y = unpack(b);
    // Pseudo-denormals compare by value: bring both to one exponent.
    const e = Math.min(x.e, y.e);
    const mx = x.m << BigInt(x.e - e);
    const my = y.m << BigInt(y.e - e);
    c = mx > my ? 1 : mx < my ? -1 : 0;
  }
  return sa ? -c : c;
}

// ---- conversions ------------------------------------------------------------------------

/**
 * FLD m32fp / m64fp: exact widening; denormals raise DE. An SNaN raises IE and is quieted
 * for FLD (`quietSNaN`); as an arithmetic operand it stays signalling for the operation.
 */
export function fromBinary(env: Env, bits: bigint, fmt: Format, quietSNaN: boolean): F80 {
  const fracBits = fmt.prec - 1;
  const expBits = fmt === FMT_SINGLE ? 8 : 11;
  const sign = Number(bits >> BigInt(fracBits + expBits)) & 1;
  const exp = Number((bits >> BigInt(fracBits)) & ((1n << BigInt(expBits)) - 1n));
  const frac = bits & ((1n << BigInt(fracBits)) - 1n);
  const maxExp = (1 << expBits) - 1;
  const bias = maxExp >> 1;
  if (exp === maxExp) {
    if (frac === 0n) return infinity(sign);
    const sig = TOP_BIT | (frac << BigInt(63 - fracBits));
    const nan = { se: (sign << 15) | 0x7fff, sig };
    if ((sig & QUIET_BIT) === 0n && quietSNaN) {
      env.flags |= IE;
      return quiet(nan);
    }
    return nan;
  }
  if (exp === 0) {
    if (frac === 0n) return zero(sign);
    if (quietSNaN) env.flags |= DE;
    else env.denormalOperand = true;
    return pack(sign, frac, 1 - bias - fracBits);
  }
  return pack(sign, frac | (1n << BigInt(fracBits)), exp - bias - fracBits);
}

/**
 * FST m32fp / m64fp: rounds to the format's precision and range with the rounding
 * control. Returns the stored bits, or null when an unmasked overflow or underflow
 * leaves memory unwritten.
 */
export function toBinary(env: Env, v: F80, fmt: Format): bigint | null {
  const fracBits = fmt.prec - 1;
  const expBits = fmt === FMT_SINGLE ? 8 : 11;
  const maxExp = (1 << expBits) - 1;
  const bias = maxExp >> 1;
  const k = classify(v);
  const sign = BigInt(v.se >> 15) << BigInt(fracBits + expBits);
  const infBits = sign | (BigInt(maxExp) << BigInt(fracBits));
  switch (k) {
    case K_UNSUPPORTED:
      env.flags |= IE;
      return binaryIndefinite(fmt);
    case K_SNAN:
    case K_QNAN:
      if (k === K_SNAN) env.flags |= IE;
      return infBits | (((v.sig | QUIET_BIT) & ~TOP_BIT) >> BigInt(63 - fracBits));
    case K_INF:
      return infBits;
    case K_ZERO:
      return sign;
  }
  // Stores do not raise the denormal-operand exception (host).
  const x = unpack(v);
  const r = round(env, x.sign, x.m, x.e, false, fmt, false);
  if ((env.flags & ~env.masks & (OE | UE)) !== 0) return null;
  const rk = classify(r);
  if (rk === K_INF) return infBits;
  if (rk === K_ZERO) return sign;
  const y = unpack(r);
  const lead = y.e + bitLength(y.m) - 1;
  if (lead < fmt.emin) {
    // Denormal in the narrow format.
    return sign | (y.m << BigInt(y.e - (fmt.emin - fracBits)));
  }
  const m = y.m << BigInt(fracBits - (bitLength(y.m) - 1));
  return sign | (BigInt(lead + bias) << BigInt(fracBits)) | (m & ((1n << BigInt(fracBits)) - 1n));
}

export function binaryIndefinite(fmt: Format): bigint {
  return fmt === FMT_SINGLE ? 0xffc00000n : 0xfff8000000000000n;
}

/** FILD: any 64-bit integer is exact. */
export function fromInt(v: bigint): F80 {
  if (v === 0n) return POS_ZERO;
  return v < 0n ? pack(1, -v, 0) : pack(0, v, 0);
}

/**
 * FIST/FISTP (rounding control) and FISTTP (`truncate`): the integer, or null for an
 * invalid operation (NaN, infinity, unsupported, out of range: SDM Vol. 2A FIST).
 */
export function toInt(env: Env, v: F80, bits: number, truncate: boolean): bigint | null {
  const k = classify(v);
  if (k === K_ZERO) return 0n;
  if (k === K_UNSUPPORTED || k === K_INF || isNaNClass(k)) {
    env.flags |= IE;
    return null;
  }
  const x = unpack(v);
  let n: bigint;
  if (x.e >= 0) {
    if (x.e > 64) {
      env.flags |= IE;
      return null;
    }
    n = x.m << BigInt(x.e);
    roundUp = false;
    roundInexact = false;
  } else {
    n = roundBits(x.m, false, -x.e, truncate ? RC_ZERO : env.rc, x.sign);
  }
  const limit = 1n << BigInt(bits - 1);
  if (x.sign ? n > limit : n >= limit) {
    env.flags |= IE;
    return null;
  }
  if (roundInexact) {
    env.flags |= PE;
    env.up = roundUp;
  }
  return x.sign ? -n : n;
}

/** FRNDINT: rounds to an integral value with the rounding control. */
export function roundToInt(env: Env, v: F80): F80 {
  const k = classify(v);
  if (k === K_UNSUPPORTED) {
    env.flags |= IE;
    return INDEFINITE;
  }
  if (k === K_SNAN) {
    env.flags |= IE;
    return quiet(v);
  }
  if (k === K_QNAN || k === K_INF || k === K_ZERO) return v;
  if (k === K_DENORMAL && env.denormal()) return INDEFINITE;
  const x = unpack(v);
  if (x.e >= 0) return v;
  const n = roundBits(x.m, false, -x.e, env.rc, x.sign);
  if (roundInexact) {
    env.flags |= PE;
    env.up = roundUp;
  }
  return pack(x.sign, n, 0);
}

/** FBLD: 18 packed BCD digits and a sign byte; digits above 9 are taken at face value. */
export function fromBcd(bytes: Uint8Array): F80 {
  let n = 0n;
  for (let i = 8; i >= 0; i--) {
    n = n * 10n + BigInt(bytes[i] >> 4);
    n = n * 10n + BigInt(bytes[i] & 15);
  }
  const sign = bytes[9] >> 7;
  return n === 0n ? zero(sign) : pack(sign, n, 0);
}

/** FBSTP: rounds with the rounding control; null when invalid (|value| > 10^18 - 1, NaN, ...). */
export function toBcd(env: Env, v: F80): Uint8Array | null {
  const k = classify(v);
  if (k === K_UNSUPPORTED || k === K_INF || isNaNClass(k)) {
    env.flags |= IE;
    return null;
  }
  let n = 0n;
  if (k !== K_ZERO) {
    const x = unpack(v);
    if (x.e >= 0) {
      if (x.e > 64) {
        env.flags |= IE;
        return null;
      }
      n = x.m << BigInt(x.e);
      roundInexact = false;
    } else {
      n = roundBits(x.m, false, -x.e, env.rc, x.sign);
    }
    if (n > 999999999999999999n) {
      env.flags |= IE;
      return null;
    }
    if (roundInexact) {
      env.flags |= PE;
      env.up = roundUp;
    }
  }
  const out = new Uint8Array(10);
  for (let i = 0; i < 9; i++) {
    const lo = Number(n % 10n);
    n /= 10n;
    const hi = Number(n % 10n);
    n /= 10n;
    out[i] = (hi << 4) | lo;
  }
  out[9] = (v.se >> 15) << 7;
  return out;
}

/** The packed BCD indefinite, FFFF C000 0000 0000 0000 (SDM Vol. 1 §4.7, Table 4-4). */
export const BCD_INDEFINITE = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff]);
