import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import {
  A, B, begin, dazD, dazS, end, endStep, env, exponentOf, FAST_BITS, FAST_MASK, FMT_D, FMT_S, IE, inputD, inputS,
  invalidD, invalidS, isNegative, ldexp, loadReg, loadW, MAX_D, MAX_S, memDouble, memSingle, MIN_NORMAL_D,
  MIN_NORMAL_S, nanResultD, nanResultS, normalOrZeroD, normalOrZeroS, productError, quietD, quietS, R, RC_DOWN,
  roundTo, SD, SF, SI, storeReg, T, viewsOf, ZE,
} from './sse-float-core.js';

/**
 * SSE/SSE2/SSE3/SSE4.1 floating-point arithmetic: ADD, SUB, MUL, DIV, MIN, MAX, SQRT in
 * the PS/PD/SS/SD forms (SDM Vol. 2 per instruction; Vol. 1 §10.4.2, §11.4.1),
 * ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD (SSE3) and DPPS/DPPD (SSE4.1).
 *
 * Lane primitives work on staging slots (sse-float-core.ts): `x` and `y` are the
 * operands, `r` the result, counted in elements of the precision (floats for *S,
 * doubles for *D). Each has a fast path for the common case (see env.fast) and an exact
 * path that handles NaNs, infinities, DAZ/DE, rounding modes and the flags. The
 * PS/PD/SS/SD handlers first try the same common case directly on the registers
 * (fastS/fastD), without staging.
 */

export const OP_ADD = 0;
export const OP_SUB = 1;
export const OP_MUL = 2;
export const OP_DIV = 3;
export const OP_MIN = 4;
export const OP_MAX = 5;
export const OP_SQRT = 6;

const TWO_POW_1022 = 4.49423283715579e307;

/** env.pre before the current lane's operands were examined (to drop its DE). */
let lanePre = 0;

/** Any single-precision operation of the table: r = x op y (y alone for SQRT). */
export function laneS(op: number, x: number, y: number, r: number): void {
  if (op <= OP_DIV) arithS(op, x, y, r);
  else if (op === OP_SQRT) sqrtS(y, r);
  else minMaxS(op === OP_MAX, x, y, r);
}

export function laneD(op: number, x: number, y: number, r: number): void {
  if (op <= OP_DIV) arithD(op, x, y, r);
  else if (op === OP_SQRT) sqrtD(y, r);
  else minMaxD(op === OP_MAX, x, y, r);
}

// ---- single precision -----------------------------------------------------------------

export function arithS(op: number, x: number, y: number, r: number): void {
  const a = SF[x];
  const b = SF[y];
  if (env.fast) {
    let v = op === OP_ADD ? a + b : op === OP_SUB ? a - b : op === OP_MUL ? a * b : a / b;
    v = Math.fround(v);
    if (((v > MIN_NORMAL_S && v <= MAX_S) || (v < -MIN_NORMAL_S && v >= -MAX_S)) && normalOrZeroS(a) && normalOrZeroS(b)) {
      SF[r] = v;
      return;
    }
  }
  if (a !== a || b !== b) {
    nanResultS(x, y, r, a !== a);
    return;
  }
  const pre = (lanePre = env.pre);
  const v = exactS(op, inputS(a), inputS(b));
  if (v !== v) {
    env.pre = pre; // invalid outranks a denormal operand (SDM Vol. 3A Table 6-8)
    invalidS(r);
  } else SF[r] = v;
}

/** x op y correctly rounded to single under env; NaN stands for an invalid operation. */
function exactS(op: number, a: number, b: number): number {
  if (op === OP_SUB) b = -b;
  if (op <= OP_SUB) return addExact(a, b, FMT_S);
  if (op === OP_MUL) {
    const special = mulSpecial(a, b);
    if (special !== 1) return special;
    return roundTo(a * b, 0, 0, FMT_S); // a 48-bit product: exact in double
  }
  const special = divSpecial(a, b);
  if (special !== 1) return special;
  const q = a / b;
  const p = q * b;
  const rem = a - p - productError(q, b, p);
  return roundTo(q, rem / b, 0, FMT_S);
}

export function sqrtS(y: number, r: number): void {
  const a = SF[y];
  if (env.fast && a >= MIN_NORMAL_S && a <= MAX_S) {
    SF[r] = Math.fround(Math.sqrt(a));
    return;
  }
  if (a !== a) {
    quietS(y, r);
    return;
  }
  const pre = env.pre;
  const v = inputS(a);
  if (v === 0 || v === Infinity) SF[r] = v;
  else if (v < 0) {
    env.pre = pre; // invalid outranks a denormal operand
    invalidS(r);
  }
  else {
    const s = Math.sqrt(v);
    const p = s * s;
    SF[r] = roundTo(s, v - p - productError(s, s, p), 0, FMT_S);
  }
}

/**
 * MINPS/MAXPS lane: the first operand if it is strictly less (greater), else the second
 * — so a NaN in either, or two zeros of any sign, give the second operand unchanged
 * (SDM Vol. 2B, MINPS). Any NaN is invalid (these compares signal on QNaN too).
 */
export function minMaxS(max: boolean, x: number, y: number, r: number): void {
  const a = SF[x];
  const b = SF[y];
  if (a !== a || b !== b) {
    env.pre |= IE;
    if (b !== b) SI[r] = SI[y];
    else SF[r] = dazS(b);
    return;
  }
  const ia = inputS(a);
  const ib = inputS(b);
  const first = max ? ia > ib : ia < ib;
  if (first) SF[r] = ia;
  else SF[r] = ib;
}

// ---- double precision -------------------------------------------------------------------

export function arithD(op: number, x: number, y: number, r: number): void {
  const a = SD[x];
  const b = SD[y];
  if (env.fast) {
    const v = op === OP_ADD ? a + b : op === OP_SUB ? a - b : op === OP_MUL ? a * b : a / b;
    if (((v > MIN_NORMAL_D && v <= MAX_D) || (v < -MIN_NORMAL_D && v >= -MAX_D)) && normalOrZeroD(a) && normalOrZeroD(b)) {
      SD[r] = v;
      return;
    }
  }
  if (a !== a || b !== b) {
    nanResultD(x, y, r, a !== a);
    return;
  }
  const pre = (lanePre = env.pre);
  const v = exactD(op, inputD(a), inputD(b));
  if (v !== v) {
    env.pre = pre;
    invalidD(r);
  } else SD[r] = v;
}

function exactD(op: number, a: number, b: number): number {
  if (op === OP_SUB) b = -b;
  if (op <= OP_SUB) return addExact(a, b, FMT_D);
  const special = op === OP_MUL ? mulSpecial(a, b) : divSpecial(a, b);
  if (special !== 1) return special;
  // Scale both to [1, 2) so the error-free transformations cannot over- or underflow.
  const negative = a < 0 !== b < 0;
  const ea = exponentOf(a);
  const eb = exponentOf(b);
  const ma = ldexp(a < 0 ? -a : a, -ea);
  const mb = ldexp(b < 0 ? -b : b, -eb);
  let hi: number;
  let lo: number;
  let e: number;
  if (op === OP_MUL) {
    hi = ma * mb;
    lo = productError(ma, mb, hi);
    e = ea + eb;
  } else {
    hi = ma / mb;
    const p = hi * mb;
    lo = ma - p - productError(hi, mb, p);
    e = ea - eb;
  }
  return roundTo(negative ? -hi : hi, negative ? -lo : lo, e, FMT_D);
}

export function sqrtD(y: number, r: number): void {
  const a = SD[y];
  if (env.fast && a >= MIN_NORMAL_D && a <= MAX_D) {
    SD[r] = Math.sqrt(a);
    return;
  }
  if (a !== a) {
    quietD(y, r);
    return;
  }
  const pre = env.pre;
  const v = inputD(a);
  if (v === 0 || v === Infinity) SD[r] = v;
  else if (v < 0) {
    env.pre = pre; // invalid outranks a denormal operand
    invalidD(r);
  }
  else {
    // v = m * 2^2k with m in [1, 4): the root of m is in [1, 2).
    const k = Math.floor(exponentOf(v) / 2);
    const m = ldexp(v, -2 * k);
    const s = Math.sqrt(m);
    const p = s * s;
    SD[r] = roundTo(s, m - p - productError(s, s, p), k, FMT_D);
  }
}

export function minMaxD(max: boolean, x: number, y: number, r: number): void {
  const a = SD[x];
  const b = SD[y];
  if (a !== a || b !== b) {
    env.pre |= IE;
    if (b !== b) {
      SI[2 * r] = SI[2 * y];
      SI[2 * r + 1] = SI[2 * y + 1];
    } else SD[r] = dazD(b);
    return;
  }
  const ia = inputD(a);
  const ib = inputD(b);
  const first = max ? ia > ib : ia < ib;
  if (first) SD[r] = ia;
  else SD[r] = ib;
}

// ---- shared exact paths -------------------------------------------------------------------

/**
 * a + b (neither NaN) rounded to `fmt`: infinities, exact zeros (whose sign depends on
 * the rounding mode, IEEE 754 §6.3), then the rounded sum with its exact error.
 */
function addExact(a: number, b: number, fmt: number): number {
  if (a === Infinity || a === -Infinity) return b === -a ? NaN : a;
  if (b === Infinity || b === -Infinity) return b;
  if (a < 0 ? -a < (b < 0 ? -b : b) : a < (b < 0 ? -b : b)) {
    const t = a;
    a = b;
    b = t;
  }
  const s = a + b;
  if (s === 0) {
    if (a === 0 && b === 0 && isNegative(a) === isNegative(b)) return a;
    return env.rc === RC_DOWN ? -0 : 0;
  }
  if (fmt === FMT_D && (s === Infinity || s === -Infinity || b >= TWO_POW_1022 || b <= -TWO_POW_1022)) {
    // Near overflow both operands are large: halve them (exactly) and round at e = 1.
    const ha = a * 0.5;
    const hb = b * 0.5;
    const hs = ha + hb;
    return roundTo(hs, hb - (hs - ha), 1, FMT_D);
  }
  // Fast2Sum (|a| >= |b|): the error is exact.
  return roundTo(s, b - (s - a), 0, fmt);
}

/** 0 * inf → NaN (invalid); infinities and zeros exactly; 1 = "finite non-zero operands". */
function mulSpecial(a: number, b: number): number {
  const negative = isNegative(a) !== isNegative(b);
  if (a === Infinity || a === -Infinity || b === Infinity || b === -Infinity) {
    if (a === 0 || b === 0) return NaN;
    return negative ? -Infinity : Infinity;
  }
  if (a === 0 || b === 0) return negative ? -0 : 0;
  return 1;
}

function divSpecial(a: number, b: number): number {
  const negative = isNegative(a) !== isNegative(b);
  const aInf = a === Infinity || a === -Infinity;
  const bInf = b === Infinity || b === -Infinity;
  if (aInf) return bInf ? NaN : negative ? -Infinity : Infinity;
  if (bInf) return negative ? -0 : 0;
  if (b === 0) {
    if (a === 0) return NaN;
    // Divide-by-zero outranks a denormal dividend: ZE alone (SDM Vol. 3A Table 6-8).
    env.pre = lanePre | ZE;
    return negative ? -Infinity : Infinity;
  }
  if (a === 0) return negative ? -0 : 0;
  return 1;
}

// ---- fast paths ----------------------------------------------------------------------------

/**
 * The common case done directly on the registers: round-to-nearest with PE already set
 * and masked (FAST_BITS), operands that are normal numbers or zeros, a normal result.
 * Nothing can be raised then; anything else returns false before writing and the exact
 * path runs (re-reading a memory operand is harmless: it has no side effects).
 * MIN/MAX need no MXCSR condition: with such operands they raise nothing in any mode.
 */
function fastD(op: number, a: number, b: number): number {
  let v: number;
  switch (op) {
    case OP_ADD: v = a + b; break;
    case OP_SUB: v = a - b; break;
    case OP_MUL: v = a * b; break;
    case OP_DIV: v = a / b; break;
    case OP_SQRT: return b >= MIN_NORMAL_D && b <= MAX_D ? Math.sqrt(b) : NaN;
    case OP_MIN: return normalOrZeroD(a) && normalOrZeroD(b) && a === a && b === b ? (a < b ? a : b) : NaN;
    default: return normalOrZeroD(a) && normalOrZeroD(b) && a === a && b === b ? (a > b ? a : b) : NaN;
  }
  return ((v > MIN_NORMAL_D && v <= MAX_D) || (v < -MIN_NORMAL_D && v >= -MAX_D)) && normalOrZeroD(a) && normalOrZeroD(b) ? v : NaN;
}

function fastS(op: number, a: number, b: number): number {
  let v: number;
  switch (op) {
    case OP_ADD: v = Math.fround(a + b); break;
    case OP_SUB: v = Math.fround(a - b); break;
    case OP_MUL: v = Math.fround(a * b); break;
    case OP_DIV: v = Math.fround(a / b); break;
    case OP_SQRT: return b >= MIN_NORMAL_S && b <= MAX_S ? Math.fround(Math.sqrt(b)) : NaN;
    case OP_MIN: return normalOrZeroS(a) && normalOrZeroS(b) && a === a && b === b ? (a < b ? a : b) : NaN;
    default: return normalOrZeroS(a) && normalOrZeroS(b) && a === a && b === b ? (a > b ? a : b) : NaN;
  }
  return ((v > MIN_NORMAL_S && v <= MAX_S) || (v < -MIN_NORMAL_S && v >= -MAX_S)) && normalOrZeroS(a) && normalOrZeroS(b) ? v : NaN;
}

/** Whether the fast path may run: MIN/MAX always, the rest under FAST_BITS. */
function fastAllowed(cpu: Cpu, op: number): boolean {
  return op === OP_MIN || op === OP_MAX || (cpu.mxcsr & FAST_MASK) === FAST_BITS;
}

// ---- handlers ------------------------------------------------------------------------------

/** ADDPS..SQRTPS (NP 0F 5x): sub = OP_*. */
export function arithPs(cpu: Cpu, i: Insn): void {
  const op = i.sub;
  if (fastAllowed(cpu, op)) {
    const x = viewsOf(cpu).f;
    const d = i.reg * 4;
    let s = i.rm * 4;
    let src = x;
    if (i.rm < 0) {
      loadW(cpu, i, B, 16);
      src = SF;
      s = B;
    }
    const r0 = fastS(op, x[d], src[s]);
    const r1 = fastS(op, x[d + 1], src[s + 1]);
    const r2 = fastS(op, x[d + 2], src[s + 2]);
    const r3 = fastS(op, x[d + 3], src[s + 3]);
    if (r0 === r0 && r1 === r1 && r2 === r2 && r3 === r3) {
      x[d] = r0;
      x[d + 1] = r1;
      x[d + 2] = r2;
      x[d + 3] = r3;
      return;
    }
  }
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  begin(cpu);
  for (let k = 0; k < 4; k++) laneS(op, A + k, B + k, R + k);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** ADDPD..SQRTPD (66 0F 5x). */
export function arithPd(cpu: Cpu, i: Insn): void {
  const op = i.sub;
  if (fastAllowed(cpu, op)) {
    const x = viewsOf(cpu).d;
    const d = i.reg * 2;
    let s = i.rm * 2;
    let src = x;
    if (i.rm < 0) {
      loadW(cpu, i, B, 16);
      src = SD;
      s = B / 2;
    }
    const r0 = fastD(op, x[d], src[s]);
    const r1 = fastD(op, x[d + 1], src[s + 1]);
    if (r0 === r0 && r1 === r1) {
      x[d] = r0;
      x[d + 1] = r1;
      return;
    }
  }
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  begin(cpu);
  laneD(op, A / 2, B / 2, R / 2);
  laneD(op, A / 2 + 1, B / 2 + 1, R / 2 + 1);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** ADDSS..SQRTSS (F3 0F 5x): the low lane; the others are kept. */
export function arithSs(cpu: Cpu, i: Insn): void {
  if (fastAllowed(cpu, i.sub)) {
    const x = viewsOf(cpu).f;
    const v = fastS(i.sub, x[i.reg * 4], i.rm >= 0 ? x[i.rm * 4] : memSingle(cpu, i));
    if (v === v) {
      x[i.reg * 4] = v;
      return;
    }
  }
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 4);
  begin(cpu);
  laneS(i.sub, A, B, R);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 1);
}

/** ADDSD..SQRTSD (F2 0F 5x). */
export function arithSd(cpu: Cpu, i: Insn): void {
  if (fastAllowed(cpu, i.sub)) {
    const x = viewsOf(cpu).d;
    const v = fastD(i.sub, x[i.reg * 2], i.rm >= 0 ? x[i.rm * 2] : memDouble(cpu, i));
    if (v === v) {
      x[i.reg * 2] = v;
      return;
    }
  }
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 8);
  begin(cpu);
  laneD(i.sub, A / 2, B / 2, R / 2);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 2);
}

/** ADDSUBPS (F2 0F D0): subtract in the even lanes, add in the odd ones. */
export function addsubPs(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  begin(cpu);
  for (let k = 0; k < 4; k++) arithS(k & 1 ? OP_ADD : OP_SUB, A + k, B + k, R + k);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** ADDSUBPD (66 0F D0). */
export function addsubPd(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  begin(cpu);
  arithD(OP_SUB, A / 2, B / 2, R / 2);
  arithD(OP_ADD, A / 2 + 1, B / 2 + 1, R / 2 + 1);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** HADDPS / HSUBPS (F2 0F 7C / 7D; sub OP_ADD or OP_SUB): adjacent pairs of each source. */
export function horizontalPs(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  begin(cpu);
  const op = i.sub;
  arithS(op, A, A + 1, R);
  arithS(op, A + 2, A + 3, R + 1);
  arithS(op, B, B + 1, R + 2);
  arithS(op, B + 2, B + 3, R + 3);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** HADDPD / HSUBPD (66 0F 7C / 7D). */
export function horizontalPd(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  begin(cpu);
  arithD(i.sub, A / 2, A / 2 + 1, R / 2);
  arithD(i.sub, B / 2, B / 2 + 1, R / 2 + 1);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/**
 * DPPS (66 0F 3A 40 /r ib): products of the lanes selected by imm8[7:4] (others +0.0),
 * summed pairwise ((p0 + p1) + (p2 + p3)), each step rounded under MXCSR, and the sum
 * written to the lanes selected by imm8[3:0] (others +0.0) (SDM Vol. 2A, DPPS). The
 * steps report their exceptions in turn (endStep).
 */
export function dpps(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  begin(cpu);
  const imm = i.imm;
  for (let k = 0; k < 4; k++) {
    if (imm & (0x10 << k)) arithS(OP_MUL, A + k, B + k, T + k);
    else SI[T + k] = 0;
  }
  endStep(cpu);
  arithS(OP_ADD, T, T + 1, T + 4);
  arithS(OP_ADD, T + 2, T + 3, T + 5);
  endStep(cpu);
  arithS(OP_ADD, T + 4, T + 5, T + 6);
  for (let k = 0; k < 4; k++) SI[R + k] = imm & (1 << k) ? SI[T + 6] : 0;
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** DPPD (66 0F 3A 41 /r ib): the same with two double lanes, imm8[5:4] and imm8[1:0]. */
export function dppd(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  begin(cpu);
  const imm = i.imm;
  const t = T / 2;
  for (let k = 0; k < 2; k++) {
    if (imm & (0x10 << k)) arithD(OP_MUL, A / 2 + k, B / 2 + k, t + k);
    else SD[t + k] = 0;
  }
  endStep(cpu);
  arithD(OP_ADD, t, t + 1, t + 2);
  for (let k = 0; k < 2; k++) {
    SI[R + 2 * k] = imm & (1 << k) ? SI[2 * (t + 2)] : 0;
    SI[R + 2 * k + 1] = imm & (1 << k) ? SI[2 * (t + 2) + 1] : 0;
  }
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}
