import type { Cpu } from '../cpu.js';
import { VEC_DE } from '../cpu-exception.js';
import type { Insn } from '../insn.js';
import { RAX, RDX } from '../registers.js';
import { divU128, geU64, mul32, mulS64, mulU64, neg64, wide } from './wide-arith.js';

/**
 * MUL / IMUL / DIV / IDIV (SDM Vol. 2A-2B). Multiplication sets CF = OF = 1 when the
 * high half of the product is significant; SF/ZF/AF/PF are undefined (we derive SF, ZF
 * and PF from the low half). Division raises #DE for a zero divisor or a quotient that
 * does not fit.
 */

/** F6/F7 /4: MUL E — unsigned rDX:rAX = rAX * E (AX = AL * Eb for bytes). */
export function mulE(cpu: Cpu, i: Insn): void {
  multiplyAccumulator(cpu, i, false);
}

/** F6/F7 /5: IMUL E (one operand). */
export function imulE(cpu: Cpu, i: Insn): void {
  multiplyAccumulator(cpu, i, true);
}

function multiplyAccumulator(cpu: Cpu, i: Insn, signed: boolean): void {
  const size = i.opsize;
  const src = cpu.readE(i);
  const srcHi = cpu.resHi;
  if (size === 8) {
    if (signed) mulS64(cpu.lo[RAX], cpu.hi[RAX], src, srcHi);
    else mulU64(cpu.lo[RAX], cpu.hi[RAX], src, srcHi);
    const lo = wide.w0;
    const hi = wide.w1;
    const overflow = signed ? wide.w2 !== hi >> 31 || wide.w3 !== hi >> 31 : (wide.w2 | wide.w3) !== 0;
    cpu.setReg64(RDX, wide.w2, wide.w3);
    cpu.setReg64(RAX, lo, hi);
    cpu.setFlagsCOA(lo, hi, 8, overflow ? 1 : 0, overflow ? 1 : 0, 0);
    return;
  }
  if (size === 4) {
    let lo: number;
    let hi: number;
    if (signed) {
      const a = cpu.lo[RAX];
      lo = mul32(a, src);
      hi = wide.w1;
      if (a < 0) hi = (hi - src) | 0;
      if (src < 0) hi = (hi - a) | 0;
    } else {
      lo = mul32(cpu.lo[RAX], src);
      hi = wide.w1;
    }
    const overflow = signed ? hi !== lo >> 31 : hi !== 0;
    cpu.setReg32(RAX, lo);
    cpu.setReg32(RDX, hi);
    cpu.setFlagsCOA(lo, 0, 4, overflow ? 1 : 0, overflow ? 1 : 0, 0);
    return;
  }
  const bits = size * 8;
  const a = signed ? (cpu.lo[RAX] << (32 - bits)) >> (32 - bits) : cpu.lo[RAX] & ((1 << bits) - 1);
  const b = signed ? (src << (32 - bits)) >> (32 - bits) : src;
  const p = a * b; // exact: |p| < 2^32
  const lo = p & ((1 << bits) - 1);
  const high = (p >> bits) & ((1 << bits) - 1);
  const overflow = signed ? p !== (lo << (32 - bits)) >> (32 - bits) : high !== 0;
  if (size === 1) cpu.setReg16(RAX, p & 0xffff);
  else {
    cpu.setReg16(RAX, lo);
    cpu.setReg16(RDX, high);
  }
  cpu.setFlagsCOA(lo, 0, size, overflow ? 1 : 0, overflow ? 1 : 0, 0);
}

/** 0F AF: IMUL G,E; 69/6B: IMUL G,E,imm — the product truncated to the operand size. */
export function imulGE(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const e = cpu.readE(i);
  const eHi = cpu.resHi;
  let b: number;
  let bHi: number;
  if (i.def!.operands.length === 3) {
    b = i.imm;
    bHi = i.immHi;
  } else {
    b = cpu.getReg(i.reg, size);
    bHi = cpu.resHi;
  }
  if (size === 8) {
    mulS64(e, eHi, b, bHi);
    const lo = wide.w0;
    const hi = wide.w1;
    const overflow = wide.w2 !== hi >> 31 || wide.w3 !== hi >> 31;
    cpu.setReg64(i.reg, lo, hi);
    cpu.setFlagsCOA(lo, hi, 8, overflow ? 1 : 0, overflow ? 1 : 0, 0);
    return;
  }
  const bits = size * 8;
  const sa = (e << (32 - bits)) >> (32 - bits);
  const sb = (b << (32 - bits)) >> (32 - bits);
  const lo32 = Math.imul(sa, sb);
  let overflow: boolean;
  if (size === 4) {
    const full = sa * sb; // may exceed 2^53 in magnitude only beyond 2^62: fine for a sign test
    overflow = full !== lo32;
  } else {
    const p = sa * sb;
    overflow = p !== (p << 16) >> 16;
  }
  const lo = size === 4 ? lo32 : lo32 & 0xffff;
  cpu.setReg(i.reg, size, lo, 0);
  cpu.setFlagsCOA(lo, 0, size, overflow ? 1 : 0, overflow ? 1 : 0, 0);
}

/** F6/F7 /6: DIV E — unsigned. */
export function divE(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const d = cpu.readE(i);
  const dHi = cpu.resHi;
  if (size === 8) {
    if ((d | dHi) === 0) cpu.raise(VEC_DE, 0, 'division by zero');
    if (geU64(cpu.lo[RDX], cpu.hi[RDX], d, dHi)) cpu.raise(VEC_DE, 0, 'quotient too large');
    divU128(cpu.lo[RAX], cpu.hi[RAX], cpu.lo[RDX], cpu.hi[RDX], d, dHi);
    cpu.setReg64(RAX, wide.qLo, wide.qHi);
    cpu.setReg64(RDX, wide.rLo, wide.rHi);
    return;
  }
  const divisor = size === 4 ? d >>> 0 : d;
  if (divisor === 0) cpu.raise(VEC_DE, 0, 'division by zero');
  const bits = size * 8;
  let dividend: number;
  if (size === 4) dividend = (cpu.lo[RDX] >>> 0) * 4294967296 + (cpu.lo[RAX] >>> 0);
  else if (size === 2) dividend = (cpu.lo[RDX] & 0xffff) * 65536 + (cpu.lo[RAX] & 0xffff);
  else dividend = cpu.lo[RAX] & 0xffff;
  let q: number;
  let r: number;
  if (size === 4 && dividend >= 2 ** 53) {
    divU128(cpu.lo[RAX], cpu.lo[RDX], 0, 0, d, 0);
    if (wide.qHi !== 0) cpu.raise(VEC_DE, 0, 'quotient too large');
    q = wide.qLo;
    r = wide.rLo;
  } else {
    q = Math.floor(dividend / divisor);
    r = dividend - q * divisor;
    // The double quotient can be off by one when the dividend is near 2^53.
    if (r < 0) { q--; r += divisor; } else if (r >= divisor) { q++; r -= divisor; }
    if (q >= 2 ** bits) cpu.raise(VEC_DE, 0, 'quotient too large');
  }
  writeQuotient(cpu, size, q, r);
}

/** F6/F7 /7: IDIV E — signed, quotient truncated toward zero. */
export function idivE(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const d = cpu.readE(i);
  const dHi = cpu.resHi;
  if (size === 8) {
    if ((d | dHi) === 0) cpu.raise(VEC_DE, 0, 'division by zero');
    // Divide magnitudes, then fix signs: quotient negative when signs differ,
    // remainder takes the dividend's sign.
    let n0 = cpu.lo[RAX];
    let n1 = cpu.hi[RAX];
    let n2 = cpu.lo[RDX];
    let n3 = cpu.hi[RDX];
    const negN = n3 < 0;
    if (negN) {
      // 128-bit two's complement
      n0 = ~n0; n1 = ~n1; n2 = ~n2; n3 = ~n3;
      const words = [n0, n1, n2, n3];
      for (let k = 0; k < 4; k++) {
        words[k] = (words[k] + 1) | 0;
        if (words[k] !== 0) break;
      }
      [n0, n1, n2, n3] = words;
    }
    const negD = dHi < 0;
    let ud = d;
    let udHi = dHi;
    if (negD) {
      ud = neg64(d, dHi);
      udHi = wide.w1;
    }
    if (geU64(n2, n3, ud, udHi)) cpu.raise(VEC_DE, 0, 'quotient too large');
    divU128(n0, n1, n2, n3, ud, udHi);
    let qLo = wide.qLo;
    let qHi = wide.qHi;
    let rLo = wide.rLo;
    let rHi = wide.rHi;
    const negQ = negN !== negD;
    // The magnitude must fit: up to 2^63 for a negative quotient, 2^63 - 1 otherwise.
    if (negQ ? qHi >>> 0 > 0x80000000 || (qHi >>> 0 === 0x80000000 && qLo !== 0) : qHi < 0) {
      cpu.raise(VEC_DE, 0, 'quotient too large');
    }
    if (negQ) {
      qLo = neg64(qLo, qHi);
      qHi = wide.w1;
    }
    if (negN) {
      rLo = neg64(rLo, rHi);
      rHi = wide.w1;
    }
    cpu.setReg64(RAX, qLo, qHi);
    cpu.setReg64(RDX, rLo, rHi);
    return;
  }
  const bits = size * 8;
  const divisor = (d << (32 - bits)) >> (32 - bits);
  if (divisor === 0) cpu.raise(VEC_DE, 0, 'division by zero');
  let dividend: number;
  if (size === 4) dividend = cpu.lo[RDX] * 4294967296 + (cpu.lo[RAX] >>> 0);
  else if (size === 2) dividend = ((cpu.lo[RDX] << 16) >> 16) * 65536 + (cpu.lo[RAX] & 0xffff);
  else dividend = (cpu.lo[RAX] << 16) >> 16;
  // |dividend| < 2^63 is not exact in a double beyond 2^53; use the 64-bit path then.
  let q: number;
  let r: number;
  if (Math.abs(dividend) >= 2 ** 53) {
    const negN = dividend < 0;
    let lo = cpu.lo[RAX];
    let hi = cpu.lo[RDX];
    if (negN) {
      lo = neg64(lo, hi);
      hi = wide.w1;
    }
    divU128(lo, hi, 0, 0, Math.abs(divisor), 0);
    const mag = (wide.qHi >>> 0) * 4294967296 + (wide.qLo >>> 0);
    q = negN !== divisor < 0 ? -mag : mag;
    r = negN ? -(wide.rLo >>> 0) : wide.rLo >>> 0;
  } else {
    q = Math.trunc(dividend / divisor);
    r = dividend - q * divisor;
    // Correct a double quotient that rounded across an integer (dividends near 2^53).
    const mag = Math.abs(divisor);
    if (Math.abs(r) >= mag || (r !== 0 && (r < 0) !== (dividend < 0))) {
      const step = (r < 0) !== (dividend < 0) ? -1 : 1;
      const dir = divisor < 0 ? -step : step;
      q += dir;
      r = dividend - q * divisor;
    }
  }
  const limit = 2 ** (bits - 1);
  if (q >= limit || q < -limit) cpu.raise(VEC_DE, 0, 'quotient too large');
  writeQuotient(cpu, size, q, r);
}

function writeQuotient(cpu: Cpu, size: number, q: number, r: number): void {
  if (size === 4) {
    cpu.setReg32(RAX, q | 0);
    cpu.setReg32(RDX, r | 0);
  } else if (size === 2) {
    cpu.setReg16(RAX, q);
    cpu.setReg16(RDX, r);
  } else {
    cpu.setReg16(RAX, (q & 0xff) | ((r & 0xff) << 8));
  }
}
