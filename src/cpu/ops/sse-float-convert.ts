import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import {
  A, B, begin, dazD, dazS, end, env, FAST_BITS, FAST_MASK, FMT_D, FMT_S, IE, inputD, inputS, isSnanD, isSnanS,
  lastInexact, loadReg, loadW, MAX_S, memDouble, memSingle, MIN_NORMAL_S, normalOrZeroD, normalOrZeroS, PE, R,
  RC_NEAREST, roundTo, roundToIntegral, SD, SF, SI, storeReg, sumError, viewsOf,
} from './sse-float-core.js';

/**
 * Conversions between integers, single and double precision (SDM Vol. 1 §11.4.4; Vol. 2
 * per instruction) and the SSE4.1 ROUNDPS/PD/SS/SD.
 *
 * To integer: rounded by MXCSR.RC, or truncated (CVTT*); a NaN or a result outside the
 * destination is invalid and gives the "integer indefinite" (the most negative integer);
 * an inexact result raises PE. Conversions to integer report no DE, but DAZ applies.
 * To floating point: correctly rounded by MXCSR.RC (roundTo); 32-bit integers to double
 * are exact. Between precisions: NaN payloads keep their top bits, SNaNs are quieted.
 */

const TWO_POW_31 = 2147483648;
const TWO_POW_32 = 4294967296;
const TWO_POW_63 = 9223372036854775808;
const INT_INDEFINITE = 0x80000000 | 0;

/** The integer-valued double a conversion produces (truncate or MXCSR.RC). */
function integral(v: number, truncate: boolean): number {
  return truncate ? Math.trunc(v) : roundToIntegral(v, env.rc);
}

/** Float or double `v` (already read; NaN-checked by the caller) to int32. */
function toInt32(v: number, truncate: boolean): number {
  const r = integral(v, truncate);
  if (!(r >= -TWO_POW_31 && r < TWO_POW_31)) {
    env.pre |= IE;
    return INT_INDEFINITE;
  }
  if (r !== v) env.post |= PE;
  return r | 0;
}

/** High half of the last toInt64. */
let int64Hi = 0;

function toInt64(v: number, truncate: boolean): number {
  const r = integral(v, truncate);
  if (!(r >= -TWO_POW_63 && r < TWO_POW_63)) {
    env.pre |= IE;
    int64Hi = INT_INDEFINITE;
    return 0;
  }
  if (r !== v) env.post |= PE;
  const hi = Math.floor(r / TWO_POW_32);
  int64Hi = hi | 0;
  return (r - hi * TWO_POW_32) | 0;
}

/** Single slot `x` to int32 (NaN: invalid). */
function s2i(x: number, truncate: boolean): number {
  const v = SF[x];
  if (v !== v) {
    env.pre |= IE;
    return INT_INDEFINITE;
  }
  return toInt32(dazS(v), truncate);
}

function d2i(x: number, truncate: boolean): number {
  const v = SD[x];
  if (v !== v) {
    env.pre |= IE;
    return INT_INDEFINITE;
  }
  return toInt32(dazD(v), truncate);
}

/**
 * CVTSS2SI/CVTTSS2SI (F3 0F 2D/2C) and CVTSD2SI/CVTTSD2SI (F2 0F 2D/2C) Gy, W:
 * sub = source bytes (4, 8) | 1 to truncate. REX.W gives a 64-bit result.
 */
export function cvtToSi(cpu: Cpu, i: Insn): void {
  const double = (i.sub & 8) !== 0;
  const truncate = (i.sub & 1) !== 0;
  // Fast path: a normal number or zero whose integer part fits, exact or with PE already
  // set and masked; rounding to nearest unless truncating.
  const m = cpu.mxcsr;
  if (truncate || (m & (3 << 13)) === 0) {
    const x = viewsOf(cpu);
    const v = double ? (i.rm >= 0 ? x.d[i.rm * 2] : memDouble(cpu, i)) : i.rm >= 0 ? x.f[i.rm * 4] : memSingle(cpu, i);
    if (double ? normalOrZeroD(v) : normalOrZeroS(v)) {
      const r = truncate ? Math.trunc(v) : roundToIntegral(v, RC_NEAREST);
      if ((r === v || (m & 0x1020) === 0x1020) && r >= -TWO_POW_31 && r < TWO_POW_31) {
        if (i.opsize === 8) cpu.setReg64(i.reg, r | 0, r < 0 ? -1 : 0);
        else cpu.setReg32(i.reg, r | 0);
        return;
      }
    }
  }
  loadW(cpu, i, B, double ? 8 : 4);
  begin(cpu);
  const v = double ? SD[B / 2] : SF[B];
  let lo: number;
  let hi = 0;
  if (v !== v) {
    env.pre |= IE;
    lo = i.opsize === 8 ? 0 : INT_INDEFINITE;
    hi = INT_INDEFINITE;
  } else if (i.opsize === 8) {
    lo = toInt64(double ? dazD(v) : dazS(v), truncate);
    hi = int64Hi;
  } else lo = toInt32(double ? dazD(v) : dazS(v), truncate);
  end(cpu);
  if (i.opsize === 8) cpu.setReg64(i.reg, lo, hi);
  else cpu.setReg32(i.reg, lo);
}

/** An integer (lo, hi halves) rounded to single or double under MXCSR. */
function fromInt64(lo: number, hi: number, fmt: number): number {
  const a = hi * TWO_POW_32;
  const b = lo >>> 0;
  const s = a + b;
  if (s === 0) return 0;
  return roundTo(s, sumError(a, b, s), 0, fmt);
}

/** CVTSI2SS (F3 0F 2A, sub 4) / CVTSI2SD (F2 0F 2A, sub 8) V, Ey: the low lane. */
export function cvtFromSi(cpu: Cpu, i: Insn): void {
  // 32-bit source unless REX.W (a 66 prefix does not make it 16-bit).
  let lo: number;
  let hi: number;
  if (i.rm >= 0) {
    lo = cpu.lo[i.rm];
    hi = i.opsize === 8 ? cpu.hi[i.rm] : lo >> 31;
  } else if (i.opsize === 8) {
    lo = cpu.mem.read64(cpu.ea(i));
    hi = cpu.mem.hi;
  } else {
    lo = cpu.mem.read32(cpu.ea(i));
    hi = lo >> 31;
  }
  if (hi === lo >> 31) {
    // A 32-bit value: exact in double, and in single below 2^24.
    if (i.sub === 8) {
      viewsOf(cpu).d[i.reg * 2] = lo;
      return;
    }
    if (lo < 0x1000000 && lo > -0x1000000) {
      viewsOf(cpu).f[i.reg * 4] = lo;
      return;
    }
  }
  loadReg(cpu, i.reg, A);
  begin(cpu);
  if (i.sub === 8) {
    SD[A / 2] = hi === lo >> 31 ? lo : fromInt64(lo, hi, FMT_D);
  } else {
    SF[A] = hi === lo >> 31 && lo < 0x1000000 && lo > -0x1000000 ? lo : fromInt64(lo, hi, FMT_S);
  }
  end(cpu);
  storeReg(cpu, i.reg, 0, A, i.sub === 8 ? 2 : 1);
}

const QUIET_S = 0x00400000;

/** Single slot x to double slot r (exact; NaN payload widened, SNaN quieted). */
function s2d(x: number, r: number): void {
  const v = SF[x];
  if (v !== v) {
    if (isSnanS(x)) env.pre |= IE;
    const bits = SI[x] | QUIET_S;
    SI[2 * r + 1] = (bits & 0x80000000) | 0x7ff00000 | ((bits & 0x7fffff) >>> 3);
    SI[2 * r] = bits << 29;
    return;
  }
  SD[r] = inputS(v);
}

/** Double slot x to single slot r (rounded under MXCSR; NaN payload's top bits kept). */
function d2s(x: number, r: number): void {
  const v = SD[x];
  if (v !== v) {
    if (isSnanD(x)) env.pre |= IE;
    const hi = SI[2 * x + 1];
    SI[r] = (hi & 0x80000000) | 0x7fc00000 | ((hi & 0xfffff) << 3) | (SI[2 * x] >>> 29);
    return;
  }
  const d = inputD(v);
  SF[r] = d === 0 || d === Infinity || d === -Infinity ? d : roundTo(d, 0, 0, FMT_S);
}

/** CVTSS2SD (F3 0F 5A): low lane; the upper quadword is kept. */
export function cvtss2sd(cpu: Cpu, i: Insn): void {
  const x = viewsOf(cpu);
  const v = i.rm >= 0 ? x.f[i.rm * 4] : memSingle(cpu, i);
  if (normalOrZeroS(v)) {
    x.d[i.reg * 2] = v; // exact, nothing to raise
    return;
  }
  loadW(cpu, i, B, 4);
  begin(cpu);
  s2d(B, R / 2);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 2);
}

/** CVTSD2SS (F2 0F 5A): low lane; the upper three dwords are kept. */
export function cvtsd2ss(cpu: Cpu, i: Insn): void {
  if ((cpu.mxcsr & FAST_MASK) === FAST_BITS) {
    const x = viewsOf(cpu);
    const v = i.rm >= 0 ? x.d[i.rm * 2] : memDouble(cpu, i);
    const r = Math.fround(v);
    if (normalOrZeroD(v) && ((r > MIN_NORMAL_S && r <= MAX_S) || (r < -MIN_NORMAL_S && r >= -MAX_S) || v === 0)) {
      x.f[i.reg * 4] = r;
      return;
    }
  }
  loadW(cpu, i, B, 8);
  begin(cpu);
  d2s(B / 2, R);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 1);
}

/** CVTPS2PD (NP 0F 5A): the two low singles to doubles (source m64). */
export function cvtps2pd(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 8);
  begin(cpu);
  s2d(B, R / 2);
  s2d(B + 1, R / 2 + 1);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** CVTPD2PS (66 0F 5A): two doubles to the low singles; the upper quadword is zeroed. */
export function cvtpd2ps(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 16);
  begin(cpu);
  d2s(B / 2, R);
  d2s(B / 2 + 1, R + 1);
  SI[R + 2] = 0;
  SI[R + 3] = 0;
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** CVTDQ2PS (NP 0F 5B): four int32 to single under MXCSR. */
export function cvtdq2ps(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 16);
  begin(cpu);
  for (let k = 0; k < 4; k++) {
    const v = SI[B + k];
    SF[R + k] = v < 0x1000000 && v > -0x1000000 ? v : roundTo(v, 0, 0, FMT_S);
  }
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** CVTPS2DQ (66 0F 5B, sub 0) / CVTTPS2DQ (F3 0F 5B, sub 1): four singles to int32. */
export function cvtps2dq(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 16);
  begin(cpu);
  const truncate = i.sub === 1;
  for (let k = 0; k < 4; k++) SI[R + k] = s2i(B + k, truncate);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** CVTDQ2PD (F3 0F E6): the two low int32 to doubles, exactly (source m64). */
export function cvtdq2pd(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 8);
  const b0 = SI[B];
  const b1 = SI[B + 1];
  SD[R / 2] = b0;
  SD[R / 2 + 1] = b1;
  storeReg(cpu, i.reg, 0, R, 4);
}

/** CVTPD2DQ (F2 0F E6, sub 0) / CVTTPD2DQ (66 0F E6, sub 1): two doubles to the low int32. */
export function cvtpd2dq(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 16);
  begin(cpu);
  const truncate = i.sub === 1;
  SI[R] = d2i(B / 2, truncate);
  SI[R + 1] = d2i(B / 2 + 1, truncate);
  SI[R + 2] = 0;
  SI[R + 3] = 0;
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

// ---- SSE4.1 ROUNDxx ------------------------------------------------------------------------

const TWO_POW_23 = 8388608;
const TWO_POW_52 = 4503599627370496;

/**
 * One lane of ROUNDPS/SS: imm8[2] set takes MXCSR.RC, else imm8[1:0]; imm8[3] suppresses
 * PE. An SNaN is invalid and quieted; no DE (SDM Vol. 2B, ROUNDPS).
 */
function roundLaneS(x: number, r: number, imm: number): void {
  const v = SF[x];
  if (v !== v) {
    if (isSnanS(x)) env.pre |= IE;
    SI[r] = SI[x] | QUIET_S;
    return;
  }
  const d = dazS(v);
  if (d === 0 || d >= TWO_POW_23 || d <= -TWO_POW_23) {
    SF[r] = d;
    return;
  }
  const out = roundToIntegral(d, imm & 4 ? env.rc : imm & 3);
  if (lastInexact() && !(imm & 8)) env.post |= PE;
  SF[r] = out;
}

function roundLaneD(x: number, r: number, imm: number): void {
  const v = SD[x];
  if (v !== v) {
    if (isSnanD(x)) env.pre |= IE;
    SI[2 * r] = SI[2 * x];
    SI[2 * r + 1] = SI[2 * x + 1] | 0x00080000;
    return;
  }
  const d = dazD(v);
  if (d === 0 || d >= TWO_POW_52 || d <= -TWO_POW_52) {
    SD[r] = d;
    return;
  }
  const out = roundToIntegral(d, imm & 4 ? env.rc : imm & 3);
  if (lastInexact() && !(imm & 8)) env.post |= PE;
  SD[r] = out;
}

/** ROUNDPS (66 0F 3A 08 /r ib). */
export function roundps(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 16);
  begin(cpu);
  for (let k = 0; k < 4; k++) roundLaneS(B + k, R + k, i.imm);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** ROUNDPD (66 0F 3A 09 /r ib). */
export function roundpd(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 16);
  begin(cpu);
  roundLaneD(B / 2, R / 2, i.imm);
  roundLaneD(B / 2 + 1, R / 2 + 1, i.imm);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** ROUNDSS (66 0F 3A 0A /r ib): the low lane; the rest of the destination is kept. */
export function roundss(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 4);
  begin(cpu);
  roundLaneS(B, R, i.imm);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 1);
}

/** ROUNDSD (66 0F 3A 0B /r ib). */
export function roundsd(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 8);
  begin(cpu);
  roundLaneD(B / 2, R / 2, i.imm);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 2);
}
