import type { Cpu } from '../cpu.js';
import { VEC_UD, VEC_XM } from '../cpu-exception.js';
import type { Insn } from '../insn.js';

/**
 * The machinery every SSE floating-point instruction shares: MXCSR (rounding control,
 * DAZ, FTZ, exception flags and masks), the staging area the operands are copied into,
 * correct rounding in all four modes, and SIMD floating-point exceptions (#XM).
 *
 * JavaScript gives binary64 arithmetic with round-to-nearest-even, which is exactly the
 * MXCSR default. Everything else is built here (DESIGN.md, "Arithmetic that JavaScript
 * does not give for free"):
 * - The exact result of an operation is held as an unevaluated sum hi + lo (times 2^e):
 *   hi the round-to-nearest double, lo its exact error found by error-free
 *   transformations (TwoSum; Dekker's TwoProduct without FMA for products, quotients and
 *   square roots). Only lo's sign matters after that: every rounding boundary of the
 *   destination format is a multiple of hi's last place, so hi with the sign of lo
 *   rounds exactly like the true value ({@link roundTo}).
 * - Single precision is computed in double and rounded by the same routine; for
 *   round-to-nearest without flags this equals Math.fround (+, -, *, /, sqrt of binary32
 *   operands are exact or innocuously double-rounded in binary64, p >= 2*24+2).
 * - NaNs never pass through JavaScript arithmetic: the engine may canonicalise them. NaN
 *   results are built from the operands' bits through integer views of the staging area.
 *
 * Staging: one 128-byte buffer seen as int32 (SI), float32 (SF) and float64 (SD) lanes.
 * Slots are counted in the element size of the view: A (the destination / first source)
 * is dwords 0-3 (doubles 0-1), B (the second source) dwords 4-7 (doubles 2-3), R (the
 * result) dwords 8-11 (doubles 4-5), and dwords 12-31 are temporaries. The lane
 * primitives take slot numbers, so horizontal and dot-product instructions reuse them.
 * Results are written to R and copied to the register only when no unmasked exception
 * occurred (SDM Vol. 1 §11.5.1: the destination is unchanged on #XM).
 */

// MXCSR (SDM Vol. 1 §10.2.3, Figure 10-3).
export const IE = 0x01; // invalid operation
export const DE = 0x02; // denormal operand
export const ZE = 0x04; // divide by zero
export const OE = 0x08; // overflow
export const UE = 0x10; // underflow
export const PE = 0x20; // precision (inexact)
export const MXCSR_DAZ = 0x40;
export const MXCSR_FTZ = 0x8000;
const MASK_SHIFT = 7;
const RC_SHIFT = 13;

export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;

/** CR4.OSXMMEXCPT: the OS handles #XM; clear, an unmasked exception is #UD (SDM Vol. 3A §2.5). */
const CR4_OSXMMEXCPT = 1 << 10;

/** MXCSR as seen by the instruction being executed, and the flags it raises. */
class FpEnv {
  /** Rounding control, RC_*. */
  rc = RC_NEAREST;
  daz = false;
  ftz = false;
  /** Exception mask bits, aligned with the flag bits (IE..PE). */
  masks = 0x3f;
  /** Pre-computation exceptions raised (IE, DE, ZE) ... */
  pre = 0;
  /** ... and post-computation ones (OE, UE, PE), SDM Vol. 1 §11.5.2. */
  post = 0;
  /**
   * Round-to-nearest with PE already set and masked: a result that is a normal number
   * from normal (or zero) operands can raise nothing new, so the lane primitives return
   * the JavaScript result without the exactness checks.
   */
  fast = false;
}

export const env = new FpEnv();

const staging = new ArrayBuffer(128);
export const SI = new Int32Array(staging);
export const SF = new Float32Array(staging);
export const SD = new Float64Array(staging);

/** Slot numbers: dword lanes of A, B, R and the first temporary (halve for doubles). */
export const A = 0;
export const B = 4;
export const R = 8;
export const T = 12;

/** Reads MXCSR into env and clears the per-instruction flags. */
export function begin(cpu: Cpu): void {
  const m = cpu.mxcsr;
  env.rc = (m >> RC_SHIFT) & 3;
  env.daz = (m & MXCSR_DAZ) !== 0;
  env.ftz = (m & MXCSR_FTZ) !== 0;
  env.masks = (m >> MASK_SHIFT) & 0x3f;
  env.pre = 0;
  env.post = 0;
  // RC = nearest, PM = 1, PE = 1.
  env.fast = (m & ((3 << RC_SHIFT) | (PE << MASK_SHIFT) | PE)) === ((PE << MASK_SHIFT) | PE);
}

/**
 * Ends the computation: merges the flags into MXCSR, or raises #XM for an unmasked
 * exception. A pre-computation exception that is unmasked stops the instruction before
 * the post-computation flags are examined (SDM Vol. 1 §11.5.2.1 / §11.5.2.2).
 */
export function end(cpu: Cpu): void {
  const unmasked = ~env.masks & 0x3f;
  if (env.pre & unmasked) {
    cpu.mxcsr |= env.pre;
    raiseXm(cpu);
  }
  const all = env.pre | env.post;
  cpu.mxcsr |= all;
  if (all & unmasked) raiseXm(cpu);
}

/**
 * Ends one step of a multi-step instruction (DPPS/DPPD): its flags are merged (or #XM
 * raised) before the next step, whose operands are the step's rounded results — a
 * denormal product is a denormal operand of the sum (DE), as the host CPU shows.
 */
export function endStep(cpu: Cpu): void {
  end(cpu);
  env.pre = 0;
  env.post = 0;
}

function raiseXm(cpu: Cpu): never {
  if (!(cpu.cr4 & CR4_OSXMMEXCPT)) cpu.raise(VEC_UD, 0, 'unmasked SIMD floating-point exception with CR4.OSXMMEXCPT clear');
  cpu.raise(VEC_XM, 0, `SIMD floating-point exception, MXCSR 0x${cpu.mxcsr.toString(16)}`);
}

// ---- fast paths ----------------------------------------------------------------------

/**
 * MXCSR bits that decide whether the handlers' fast paths apply: RC = nearest, PM = 1,
 * PE = 1. Then a normal result from normal (or zero) operands raises nothing new.
 */
export const FAST_MASK = (3 << RC_SHIFT) | (PE << MASK_SHIFT) | PE;
export const FAST_BITS = (PE << MASK_SHIFT) | PE;

/** Float64/Float32 views of the current CPU's XMM registers (rebuilt when the CPU changes). */
class XmmViews {
  owner: Int32Array | null = null;
  d: Float64Array<ArrayBufferLike> = new Float64Array(0);
  f: Float32Array<ArrayBufferLike> = new Float32Array(0);
}
export const xv = new XmmViews();

export function viewsOf(cpu: Cpu): XmmViews {
  if (xv.owner !== cpu.xmm) {
    xv.owner = cpu.xmm;
    xv.d = new Float64Array(cpu.xmm.buffer, cpu.xmm.byteOffset, cpu.xmm.length / 2);
    xv.f = new Float32Array(cpu.xmm.buffer, cpu.xmm.byteOffset, cpu.xmm.length);
  }
  return xv;
}

const cw = new Int32Array(2);
const cd = new Float64Array(cw.buffer);
const cf = new Float32Array(cw.buffer);

/** A double / single memory operand of the instruction as a number (not for NaN bits). */
export function memDouble(cpu: Cpu, i: Insn): number {
  cw[0] = cpu.mem.read64(cpu.ea(i));
  cw[1] = cpu.mem.hi;
  return cd[0];
}

export function memSingle(cpu: Cpu, i: Insn): number {
  cw[0] = cpu.mem.read32(cpu.ea(i));
  return cf[0];
}

// ---- operands ------------------------------------------------------------------------

/** Copies XMM register `reg` into staging dwords at `slot`. */
export function loadReg(cpu: Cpu, reg: number, slot: number): void {
  const x = cpu.xmm;
  const b = reg * 4;
  SI[slot] = x[b];
  SI[slot + 1] = x[b + 1];
  SI[slot + 2] = x[b + 2];
  SI[slot + 3] = x[b + 3];
}

/**
 * Loads the W operand (XMM register or memory) into staging dwords at `slot`. A memory
 * operand is `bytes` long (4, 8 or 16); a 16-byte one must be 16-byte aligned unless
 * `unaligned` (SDM Vol. 1 §11.6.7: legacy SSE packed operands raise #GP(0)).
 */
export function loadW(cpu: Cpu, i: Insn, slot: number, bytes: number, unaligned = false): void {
  if (i.rm >= 0) {
    loadReg(cpu, i.rm, slot);
    return;
  }
  const addr = bytes === 16 && !unaligned ? cpu.ea16(i, true) : cpu.ea(i);
  const mem = cpu.mem;
  if (bytes === 16) mem.read128(addr, SI, slot);
  else if (bytes === 8) {
    SI[slot] = mem.read64(addr);
    SI[slot + 1] = mem.hi;
  } else SI[slot] = mem.read32(addr);
}

/** Copies `count` result dwords (from staging dword `slot`) into XMM `reg` from dword `first`. */
export function storeReg(cpu: Cpu, reg: number, first: number, slot: number, count: number): void {
  const x = cpu.xmm;
  const b = reg * 4 + first;
  for (let k = 0; k < count; k++) x[b + k] = SI[slot + k];
}

// ---- binary32 / binary64 facts ---------------------------------------------------------

export const MIN_NORMAL_D = 2.2250738585072014e-308; // 2^-1022
export const MIN_NORMAL_S = 1.1754943508222875e-38; //  2^-126
export const MAX_D = 1.7976931348623157e308;
export const MAX_S = 3.4028234663852886e38;

/** The x86 "real indefinite" (SDM Vol. 1 §4.8.3.7): negative quiet NaN, zero payload. */
export const INDEFINITE_S = 0xffc00000 | 0;
export const INDEFINITE_D_HI = 0xfff80000 | 0;
const QUIET_S = 0x00400000;
const QUIET_D_HI = 0x00080000;

/** Powers of two 2^-1074 .. 2^1023, built from bits (exact). */
const POW2 = new Float64Array(1074 + 1024);
{
  const w = new Int32Array(2);
  const d = new Float64Array(w.buffer);
  for (let n = -1074; n <= 1023; n++) {
    if (n >= -1022) {
      w[0] = 0;
      w[1] = (n + 1023) << 20;
    } else {
      const bit = n + 1074; // denormal: a single mantissa bit
      w[0] = bit < 32 ? 1 << bit : 0;
      w[1] = bit >= 32 ? 1 << (bit - 32) : 0;
    }
    POW2[n + 1074] = d[0];
  }
}

/** x * 2^n, exact whenever the result is a normal double (two steps when 2^n is not one). */
export function ldexp(x: number, n: number): number {
  if (n >= -1022 && n <= 1023) return x * POW2[n + 1074];
  if (n > 1023) return x * POW2[1023 + 1074] * POW2[n - 1023 + 1074];
  return x * POW2[-1022 + 1074] * POW2[n + 1022 + 1074];
}

const ew = new Int32Array(2);
const ed = new Float64Array(ew.buffer);

/** floor(log2(|x|)) for a finite non-zero double, denormals included. */
export function exponentOf(x: number): number {
  ed[0] = x;
  const e = (ew[1] >>> 20) & 0x7ff;
  if (e !== 0) return e - 1023;
  const hi = ew[1] & 0xfffff;
  return hi !== 0 ? -1074 + 32 + (31 - Math.clz32(hi)) : -1074 + (31 - Math.clz32(ew[0]));
}

/** Whether a finite non-zero double is a power of two. */
function isPow2(x: number): boolean {
  ed[0] = x;
  return ew[0] === 0 && (ew[1] & 0xfffff) === 0 && (ew[1] & 0x7ff00000) !== 0;
}

/** A zero or a normal number, infinities included: no DE, no DAZ effect (false for NaN). */
export function normalOrZeroS(x: number): boolean {
  return x === 0 || x >= MIN_NORMAL_S || x <= -MIN_NORMAL_S;
}

export function normalOrZeroD(x: number): boolean {
  return x === 0 || x >= MIN_NORMAL_D || x <= -MIN_NORMAL_D;
}

export function isNegative(x: number): boolean {
  return x < 0 || (x === 0 && 1 / x < 0);
}

// ---- rounding ---------------------------------------------------------------------------

/** Set by roundInt: the rounded value differs from the exact one. */
let inexact = false;

const MAG_NEAREST = 0;
const MAG_TRUNCATE = 1;
const MAG_AWAY = 2;

/** The rounding mode as seen on magnitudes: nearest, toward zero, or away from zero. */
export function magnitudeMode(rc: number, negative: boolean): number {
  if (rc === RC_NEAREST) return MAG_NEAREST;
  if (rc === RC_ZERO) return MAG_TRUNCATE;
  return (rc === RC_UP) !== negative ? MAG_AWAY : MAG_TRUNCATE;
}

/**
 * Rounds the magnitude m + tail (m >= 0 a double, tail standing for a remainder smaller
 * than half a unit of m's last place; only its sign is used) to an integer.
 */
function roundInt(m: number, tail: number, mode: number): number {
  const fl = Math.floor(m);
  const f = m - fl;
  inexact = f !== 0 || tail !== 0;
  if (!inexact) return m;
  if (mode === MAG_NEAREST) {
    if (f > 0.5 || (f === 0.5 && tail > 0)) return fl + 1;
    if (f < 0.5 || tail < 0) return fl;
    return fl % 2 === 0 ? fl : fl + 1;
  }
  if (mode === MAG_TRUNCATE) return f === 0 && tail < 0 ? fl - 1 : fl;
  return f === 0 && tail < 0 ? fl : fl + 1;
}

/** Destination formats of roundTo: binary32, binary64. */
export const FMT_S = 0;
export const FMT_D = 1;

/**
 * Rounds the exact value (hi + lo) * 2^e to binary32 (FMT_S) or binary64 (FMT_D) under
 * env.rc, records PE/UE/OE in env.post, and applies FTZ. hi is a non-zero finite double,
 * lo a tail of hi's sign-relative remainder (|lo| at most half an ulp of hi; only its
 * sign counts). Tininess is detected after rounding (the value rounded with an
 * unbounded exponent range is below 2^emin), as the host CPU does (SDM Vol. 1 §4.9.1.5
 * allows either; tools/sse-golden/README.md has the vector that decides).
 */
export function roundTo(hi: number, lo: number, e: number, fmt: number): number {
  const p = fmt === FMT_D ? 53 : 24;
  const emin = fmt === FMT_D ? -1022 : -126;
  const emax = fmt === FMT_D ? 1023 : 127;
  const negative = hi < 0;
  const mag = negative ? -hi : hi;
  const tail = negative ? -lo : lo;
  const mode = magnitudeMode(env.rc, negative);
  // Binade of the exact value (just below a power of two when the tail is negative).
  let ex = exponentOf(mag) + e;
  if (tail < 0 && isPow2(mag)) ex--;

  if (ex >= emin) {
    const q = ex - (p - 1);
    const r = roundInt(ldexp(mag, e - q), tail, mode);
    if (inexact) env.post |= PE;
    if (ex > emax || (ex === emax && r >= POW2[p + 1074])) return overflow(negative, fmt);
    const v = ldexp(r, q);
    return negative ? -v : v;
  }

  // Below the normal range: round at the fixed quantum of the denormals.
  const qs = emin - (p - 1);
  let r: number;
  if (ex < qs - 2) {
    // Less than a quarter of the smallest denormal: only the direction matters.
    r = roundInt(0.125, 0, mode);
  } else r = roundInt(ldexp(mag, e - qs), tail, mode);
  const wasInexact = inexact;
  // Tiny after rounding unless rounding with unbounded exponent reaches 2^emin.
  let tiny = true;
  if (ex === emin - 1) {
    const ru = roundInt(ldexp(mag, e - (ex - (p - 1))), tail, mode);
    tiny = ru < POW2[p + 1074];
  }
  if (tiny) {
    if (!(env.masks & UE)) {
      // Unmasked: underflow is reported for any tiny result, with PE when the result
      // rounded to full precision (for the handler, exponent unbounded) is inexact.
      env.post |= UE;
      roundInt(ldexp(mag, e - (ex - (p - 1))), tail, mode);
      if (inexact) env.post |= PE;
      return 0;
    }
    if (env.ftz) {
      env.post |= UE | PE;
      return negative ? -0 : 0;
    }
    if (wasInexact) env.post |= UE;
  }
  if (wasInexact) env.post |= PE;
  const v = ldexp(r, qs);
  return negative ? -v : v;
}

/**
 * Overflow: masked, OE and PE with infinity or the largest finite number by the rounding
 * mode (SDM Vol. 1 §4.9.1.4, Table 4-10); unmasked, OE, and PE only when the result with
 * unbounded exponent is inexact (the caller flagged that); the result is not stored.
 */
function overflow(negative: boolean, fmt: number): number {
  if (!(env.masks & OE)) {
    env.post |= OE;
    return 0;
  }
  env.post |= OE | PE;
  const mode = magnitudeMode(env.rc, negative);
  const v = mode === MAG_TRUNCATE ? (fmt === FMT_D ? MAX_D : MAX_S) : Infinity;
  return negative ? -v : v;
}

/** Rounds a double to an integer-valued double in rounding mode `rc` (sign of zero kept). */
export function roundToIntegral(x: number, rc: number): number {
  const negative = x < 0;
  const mag = negative ? -x : x;
  const r = roundInt(mag, 0, magnitudeMode(rc, negative));
  return negative ? -r : r;
}

/** Whether the last roundInt/roundToIntegral changed the value. */
export function lastInexact(): boolean {
  return inexact;
}

// ---- error-free transformations -----------------------------------------------------------

/** 2^27 + 1: Veltkamp's splitter for binary64. */
const SPLITTER = 134217729;

/** The error of p = fl(a * b): a * b - p exactly (Dekker), for |a|,|b| < 2^995 and no underflow. */
export function productError(a: number, b: number, p: number): number {
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** The error of s = fl(a + b): a + b - s exactly (Knuth's TwoSum), absent overflow. */
export function sumError(a: number, b: number, s: number): number {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}

// ---- NaNs and operands -----------------------------------------------------------------

/** A single-precision operand after DAZ, flagging DE for a denormal. */
export function inputS(x: number): number {
  if (x !== 0 && x < MIN_NORMAL_S && x > -MIN_NORMAL_S) {
    if (env.daz) return x < 0 ? -0 : 0;
    env.pre |= DE;
  }
  return x;
}

export function inputD(x: number): number {
  if (x !== 0 && x < MIN_NORMAL_D && x > -MIN_NORMAL_D) {
    if (env.daz) return x < 0 ? -0 : 0;
    env.pre |= DE;
  }
  return x;
}

/** A single-precision operand after DAZ, without any flag (instructions that report no DE). */
export function dazS(x: number): number {
  return env.daz && x !== 0 && x < MIN_NORMAL_S && x > -MIN_NORMAL_S ? (x < 0 ? -0 : 0) : x;
}

export function dazD(x: number): number {
  return env.daz && x !== 0 && x < MIN_NORMAL_D && x > -MIN_NORMAL_D ? (x < 0 ? -0 : 0) : x;
}

export function isSnanS(slot: number): boolean {
  return (SI[slot] & 0x7fc00000) === 0x7f800000 && (SI[slot] & 0x3fffff) !== 0;
}

export function isSnanD(slot: number): boolean {
  const hi = SI[2 * slot + 1];
  return (hi & 0x7ff80000) === 0x7ff00000 && ((hi & 0x7ffff) | SI[2 * slot]) !== 0;
}

/**
 * The NaN result of a two-operand instruction when x or y is a NaN (SDM Vol. 1 §4.8.3.5,
 * Table 4-7): the first source if it is a NaN, else the second, quieted; IE for an SNaN.
 */
export function nanResultS(x: number, y: number, r: number, xNaN: boolean): void {
  if (isSnanS(x) || isSnanS(y)) env.pre |= IE;
  SI[r] = SI[xNaN ? x : y] | QUIET_S;
}

export function nanResultD(x: number, y: number, r: number, xNaN: boolean): void {
  if (isSnanD(x) || isSnanD(y)) env.pre |= IE;
  const from = xNaN ? x : y;
  SI[2 * r] = SI[2 * from];
  SI[2 * r + 1] = SI[2 * from + 1] | QUIET_D_HI;
}

/** Writes the real indefinite and flags IE (invalid operation on non-NaN operands). */
export function invalidS(r: number): void {
  env.pre |= IE;
  SI[r] = INDEFINITE_S;
}

export function invalidD(r: number): void {
  env.pre |= IE;
  SI[2 * r] = 0;
  SI[2 * r + 1] = INDEFINITE_D_HI;
}

/** Quiets the NaN in single slot `x` into slot `r`; IE when it was signalling. */
export function quietS(x: number, r: number): void {
  if (isSnanS(x)) env.pre |= IE;
  SI[r] = SI[x] | QUIET_S;
}

export function quietD(x: number, r: number): void {
  if (isSnanD(x)) env.pre |= IE;
  SI[2 * r] = SI[2 * x];
  SI[2 * r + 1] = SI[2 * x + 1] | QUIET_D_HI;
}
