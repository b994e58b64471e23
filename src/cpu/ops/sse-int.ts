import type { Cpu } from '../cpu.js';
import { VEC_MF, VEC_GP, VEC_UD } from '../cpu-exception.js';
import type { Insn } from '../insn.js';

/**
 * SSE2 packed-integer instructions on XMM registers (SDM Vol. 1 §11.4.3; Vol. 2 per
 * instruction), and the helpers the SSSE3 / SSE4.1 / SSE4.2 integer files share.
 *
 * XMM n is cpu.xmm[4·n .. 4·n+3] (int32 lanes, lane 0 = bits 31:0), seen also as
 * cpu.xmmBytes (16·n ..) and cpu.xmmWords (8·n ..). The W (XMM-or-memory) source is first
 * copied into the module's scratch register `src`, so each operation is written once
 * for both forms; operations whose result lanes depend on other lanes build the result
 * in `res` and copy it back. Nothing here allocates per instruction (DESIGN.md).
 *
 * Handlers dispatch on `insn.sub` once, outside the lane loop.
 */

/** The W source operand after loadSrc (also used as a second scratch register). */
export const src = new Int32Array(4);
export const srcBytes = new Uint8Array(src.buffer);
export const srcWords = new Uint16Array(src.buffer);
/** A result under construction. */
export const res = new Int32Array(4);
export const resBytes = new Uint8Array(res.buffer);
export const resWords = new Uint16Array(res.buffer);

/**
 * Loads the 128-bit W operand into `src`. Legacy SSE demands 16-byte alignment of a
 * 128-bit memory operand (#GP(0), SDM Vol. 2A Table 2-18 "Type 4"); MOVDQU, LDDQU and the
 * PCMPxSTRx instructions are the exceptions ("Type 4UA"), `aligned` = false.
 */
export function loadSrc(cpu: Cpu, i: Insn, aligned: boolean): void {
  if (i.rm >= 0) {
    const b = i.rm * 4;
    const x = cpu.xmm;
    src[0] = x[b];
    src[1] = x[b + 1];
    src[2] = x[b + 2];
    src[3] = x[b + 3];
    return;
  }
  // Into scratch, so a fault leaves the destination intact (Mmu.read128 reads the low
  // quadword first, so CR2 names the lowest missing address as on the host).
  cpu.mem.read128(aligned ? cpu.ea16(i, true) : cpu.ea(i), src, 0);
}

/** Loads `bytes` (2, 4 or 8) from the W operand into the low end of `src`, the rest zero (PMOVSX/ZX). */
export function loadSrcLow(cpu: Cpu, i: Insn, bytes: number): void {
  if (i.rm >= 0) {
    const b = i.rm * 4;
    src[0] = cpu.xmm[b];
    src[1] = cpu.xmm[b + 1];
    src[2] = 0;
    src[3] = 0;
    return;
  }
  const addr = cpu.ea(i);
  src[1] = 0;
  src[2] = 0;
  src[3] = 0;
  if (bytes === 8) {
    src[0] = cpu.mem.read64(addr);
    src[1] = cpu.mem.hi;
  } else if (bytes === 4) src[0] = cpu.mem.read32(addr);
  else src[0] = cpu.mem.read16(addr);
}

/** Copies `res` into XMM register `reg`. */
export function storeRes(cpu: Cpu, reg: number): void {
  const b = reg * 4;
  const x = cpu.xmm;
  x[b] = res[0];
  x[b + 1] = res[1];
  x[b + 2] = res[2];
  x[b + 3] = res[3];
}

/** The E operand of a register-only form arrived with a memory ModRM (table keys say "reg"; kept as a guard). */
export function requireRegister(cpu: Cpu, i: Insn): void {
  if (i.rm < 0) cpu.raise(VEC_UD, 0, `${i.def?.mnemonic} with a memory operand`);
}

export const sx8 = (v: number): number => (v << 24) >> 24;
export const sx16 = (v: number): number => (v << 16) >> 16;
export const satS8 = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
export const satU8 = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);
export const satS16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
export const satU16 = (v: number): number => (v > 65535 ? 65535 : v < 0 ? 0 : v);

/** 32×32→64-bit products: low and high halves (int32) of the last mulU32/mulS32. */
export let mulLo = 0;
export let mulHi = 0;

/** Unsigned 32×32→64 from 16-bit partial products (exact in doubles). */
export function mulU32(a: number, b: number): void {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const ll = aL * bL;
  const lh = aL * bH;
  const hl = aH * bL;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  mulLo = ((mid << 16) | (ll & 0xffff)) | 0;
  mulHi = (aH * bH + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/** Signed 32×32→64: the unsigned product with the high half corrected for negative factors. */
export function mulS32(a: number, b: number): void {
  mulU32(a, b);
  let hi = mulHi;
  if (a < 0) hi -= b;
  if (b < 0) hi -= a;
  mulHi = hi | 0;
}

// ---- lane-wise arithmetic -------------------------------------------------------------

/** Operation numbers of byteOp/wordOp/dwordOp/qwordOp (insn.sub). */
export const OP_ADD = 0;
export const OP_SUB = 1;
export const OP_CMPEQ = 2;
export const OP_CMPGT = 3; //  signed
export const OP_MINU = 4;
export const OP_MAXU = 5;
export const OP_ADDUS = 6;
export const OP_SUBUS = 7;
export const OP_ADDS = 8; //   signed saturation
export const OP_SUBS = 9;
export const OP_AVG = 10; //   unsigned, rounded
export const OP_MINS = 11;
export const OP_MAXS = 12;
export const OP_ABS = 13; //   SSSE3 PABS*: |source|
export const OP_SIGN = 14; //  SSSE3 PSIGN*
export const OP_MULL = 15; //  low half of the product
export const OP_MULH = 16; //  high half, signed
export const OP_MULHU = 17; // high half, unsigned
export const OP_MULHRS = 18; // SSSE3 PMULHRSW
export const OP_MULUDQ = 19; // qword lanes: unsigned dword 0 × dword 0
export const OP_MULDQ = 20; //  qword lanes: signed (SSE4.1 PMULDQ)

/** Packed byte operations, V ← V op W. */
export function byteOp(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const x = cpu.xmmBytes;
  const s = srcBytes;
  const d = i.reg * 16;
  switch (i.sub) {
    case OP_ADD: for (let k = 0; k < 16; k++) x[d + k] = x[d + k] + s[k]; break;
    case OP_SUB: for (let k = 0; k < 16; k++) x[d + k] = x[d + k] - s[k]; break;
    case OP_CMPEQ: for (let k = 0; k < 16; k++) x[d + k] = x[d + k] === s[k] ? 0xff : 0; break;
    case OP_CMPGT: for (let k = 0; k < 16; k++) x[d + k] = sx8(x[d + k]) > sx8(s[k]) ? 0xff : 0; break;
    case OP_MINU: for (let k = 0; k < 16; k++) if (s[k] < x[d + k]) x[d + k] = s[k]; break;
    case OP_MAXU: for (let k = 0; k < 16; k++) if (s[k] > x[d + k]) x[d + k] = s[k]; break;
    case OP_ADDUS: for (let k = 0; k < 16; k++) x[d + k] = satU8(x[d + k] + s[k]); break;
    case OP_SUBUS: for (let k = 0; k < 16; k++) x[d + k] = satU8(x[d + k] - s[k]); break;
    case OP_ADDS: for (let k = 0; k < 16; k++) x[d + k] = satS8(sx8(x[d + k]) + sx8(s[k])); break;
    case OP_SUBS: for (let k = 0; k < 16; k++) x[d + k] = satS8(sx8(x[d + k]) - sx8(s[k])); break;
    case OP_AVG: for (let k = 0; k < 16; k++) x[d + k] = (x[d + k] + s[k] + 1) >> 1; break;
    case OP_MINS: for (let k = 0; k < 16; k++) if (sx8(s[k]) < sx8(x[d + k])) x[d + k] = s[k]; break;
    case OP_MAXS: for (let k = 0; k < 16; k++) if (sx8(s[k]) > sx8(x[d + k])) x[d + k] = s[k]; break;
    case OP_ABS: for (let k = 0; k < 16; k++) x[d + k] = Math.abs(sx8(s[k])); break;
    case OP_SIGN:
      for (let k = 0; k < 16; k++) {
        const c = sx8(s[k]);
        if (c < 0) x[d + k] = -x[d + k];
        else if (c === 0) x[d + k] = 0;
      }
      break;
    default: cpu.raise(VEC_UD, 0, 'byteOp: bad sub');
  }
}

/** Packed word operations, V ← V op W. */
export function wordOp(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const x = cpu.xmmWords;
  const s = srcWords;
  const d = i.reg * 8;
  switch (i.sub) {
    case OP_ADD: for (let k = 0; k < 8; k++) x[d + k] = x[d + k] + s[k]; break;
    case OP_SUB: for (let k = 0; k < 8; k++) x[d + k] = x[d + k] - s[k]; break;
    case OP_CMPEQ: for (let k = 0; k < 8; k++) x[d + k] = x[d + k] === s[k] ? 0xffff : 0; break;
    case OP_CMPGT: for (let k = 0; k < 8; k++) x[d + k] = sx16(x[d + k]) > sx16(s[k]) ? 0xffff : 0; break;
    case OP_MINU: for (let k = 0; k < 8; k++) if (s[k] < x[d + k]) x[d + k] = s[k]; break;
    case OP_MAXU: for (let k = 0; k < 8; k++) if (s[k] > x[d + k]) x[d + k] = s[k]; break;
    case OP_ADDUS: for (let k = 0; k < 8; k++) x[d + k] = satU16(x[d + k] + s[k]); break;
    case OP_SUBUS: for (let k = 0; k < 8; k++) x[d + k] = satU16(x[d + k] - s[k]); break;
    case OP_ADDS: for (let k = 0; k < 8; k++) x[d + k] = satS16(sx16(x[d + k]) + sx16(s[k])); break;
    case OP_SUBS: for (let k = 0; k < 8; k++) x[d + k] = satS16(sx16(x[d + k]) - sx16(s[k])); break;
    case OP_AVG: for (let k = 0; k < 8; k++) x[d + k] = (x[d + k] + s[k] + 1) >> 1; break;
    case OP_MINS: for (let k = 0; k < 8; k++) if (sx16(s[k]) < sx16(x[d + k])) x[d + k] = s[k]; break;
    case OP_MAXS: for (let k = 0; k < 8; k++) if (sx16(s[k]) > sx16(x[d + k])) x[d + k] = s[k]; break;
    case OP_ABS: for (let k = 0; k < 8; k++) x[d + k] = Math.abs(sx16(s[k])); break;
    case OP_SIGN:
      for (let k = 0; k < 8; k++) {
        const c = sx16(s[k]);
        if (c < 0) x[d + k] = -x[d + k];
        else if (c === 0) x[d + k] = 0;
      }
      break;
    case OP_MULL: for (let k = 0; k < 8; k++) x[d + k] = Math.imul(x[d + k], s[k]); break;
    case OP_MULH: for (let k = 0; k < 8; k++) x[d + k] = Math.imul(sx16(x[d + k]), sx16(s[k])) >> 16; break;
    case OP_MULHU: for (let k = 0; k < 8; k++) x[d + k] = Math.imul(x[d + k], s[k]) >>> 16; break;
    case OP_MULHRS:
      // ((a × b) >> 14) + 1) >> 1, the rounded high half (SDM Vol. 2B, PMULHRSW).
      for (let k = 0; k < 8; k++) x[d + k] = ((Math.imul(sx16(x[d + k]), sx16(s[k])) >> 14) + 1) >> 1;
      break;
    default: cpu.raise(VEC_UD, 0, 'wordOp: bad sub');
  }
}

/** Packed doubleword operations, V ← V op W. */
export function dwordOp(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const x = cpu.xmm;
  const s = src;
  const d = i.reg * 4;
  switch (i.sub) {
    case OP_ADD: for (let k = 0; k < 4; k++) x[d + k] = x[d + k] + s[k]; break;
    case OP_SUB: for (let k = 0; k < 4; k++) x[d + k] = x[d + k] - s[k]; break;
    case OP_CMPEQ: for (let k = 0; k < 4; k++) x[d + k] = x[d + k] === s[k] ? -1 : 0; break;
    case OP_CMPGT: for (let k = 0; k < 4; k++) x[d + k] = x[d + k] > s[k] ? -1 : 0; break;
    case OP_MINU: for (let k = 0; k < 4; k++) if (s[k] >>> 0 < x[d + k] >>> 0) x[d + k] = s[k]; break;
    case OP_MAXU: for (let k = 0; k < 4; k++) if (s[k] >>> 0 > x[d + k] >>> 0) x[d + k] = s[k]; break;
    case OP_MINS: for (let k = 0; k < 4; k++) if (s[k] < x[d + k]) x[d + k] = s[k]; break;
    case OP_MAXS: for (let k = 0; k < 4; k++) if (s[k] > x[d + k]) x[d + k] = s[k]; break;
    case OP_ABS: for (let k = 0; k < 4; k++) x[d + k] = s[k] < 0 ? -s[k] : s[k]; break;
    case OP_SIGN:
      for (let k = 0; k < 4; k++) {
        if (s[k] < 0) x[d + k] = -x[d + k];
        else if (s[k] === 0) x[d + k] = 0;
      }
      break;
    case OP_MULL: for (let k = 0; k < 4; k++) x[d + k] = Math.imul(x[d + k], s[k]); break;
    default: cpu.raise(VEC_UD, 0, 'dwordOp: bad sub');
  }
}

/** Packed quadword operations (two lanes of 32-bit halves), V ← V op W. */
export function qwordOp(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const x = cpu.xmm;
  const s = src;
  const op = i.sub;
  for (let q = 0; q < 4; q += 2) {
    const d = i.reg * 4 + q;
    const dl = x[d];
    const dh = x[d + 1];
    const sl = s[q];
    const sh = s[q + 1];
    switch (op) {
      case OP_ADD: {
        const sum = (dl >>> 0) + (sl >>> 0);
        x[d] = sum | 0;
        x[d + 1] = (dh + sh + (sum > 0xffffffff ? 1 : 0)) | 0;
        break;
      }
      case OP_SUB: {
        x[d] = (dl - sl) | 0;
        x[d + 1] = (dh - sh - (dl >>> 0 < sl >>> 0 ? 1 : 0)) | 0;
        break;
      }
      case OP_CMPEQ:
        x[d] = x[d + 1] = dl === sl && dh === sh ? -1 : 0;
        break;
      case OP_CMPGT:
        x[d] = x[d + 1] = dh > sh || (dh === sh && dl >>> 0 > sl >>> 0) ? -1 : 0;
        break;
      case OP_MULUDQ:
        mulU32(dl >>> 0, sl >>> 0);
        x[d] = mulLo;
        x[d + 1] = mulHi;
        break;
      case OP_MULDQ:
        mulS32(dl, sl);
        x[d] = mulLo;
        x[d + 1] = mulHi;
        break;
      default: cpu.raise(VEC_UD, 0, 'qwordOp: bad sub');
    }
  }
}

/** 66 0F F5: PMADDWD — signed word products, adjacent pairs summed into dwords (wraps at 0x80000000). */
export function pmaddwd(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const w = cpu.xmmWords;
  const d = i.reg * 8;
  for (let k = 0; k < 4; k++) {
    const p0 = sx16(w[d + 2 * k]) * sx16(srcWords[2 * k]);
    const p1 = sx16(w[d + 2 * k + 1]) * sx16(srcWords[2 * k + 1]);
    res[k] = (p0 + p1) | 0;
  }
  storeRes(cpu, i.reg);
}

/** 66 0F F6: PSADBW — sums of absolute byte differences, one per quadword, in its low word. */
export function psadbw(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const x = cpu.xmmBytes;
  const d = i.reg * 16;
  for (let q = 0; q < 16; q += 8) {
    let sum = 0;
    for (let k = q; k < q + 8; k++) sum += Math.abs(x[d + k] - srcBytes[k]);
    res[q >> 2] = sum;
    res[(q >> 2) + 1] = 0;
  }
  storeRes(cpu, i.reg);
}

/**
 * Packs with saturation: the destination's lanes fill the low half of the result, the
 * source's the high half. sub 0 PACKSSWB, 1 PACKSSDW, 2 PACKUSWB, 3 PACKUSDW (SSE4.1).
 */
export function pack(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const b = i.reg * 4;
  switch (i.sub) {
    case 0:
    case 2: {
      const sat = i.sub === 0 ? satS8 : satU8;
      const w = cpu.xmmWords;
      for (let k = 0; k < 8; k++) {
        resBytes[k] = sat(sx16(w[b * 2 + k]));
        resBytes[k + 8] = sat(sx16(srcWords[k]));
      }
      break;
    }
    default: {
      const sat = i.sub === 1 ? satS16 : satU16;
      const x = cpu.xmm;
      for (let k = 0; k < 4; k++) {
        resWords[k] = sat(x[b + k]);
        resWords[k + 4] = sat(src[k]);
      }
    }
  }
  storeRes(cpu, i.reg);
}

// ---- shifts -------------------------------------------------------------------------

/** Shift kinds: sub = kind * 4 + log2(lane bytes). */
export const SH_RL = 0; // logical right
export const SH_RA = 1; // arithmetic right
export const SH_LL = 2; // left
export const SH_RDQ = 3; // PSRLDQ: whole register right by bytes
export const SH_LDQ = 4; // PSLLDQ

/**
 * Shifts the lanes of XMM register `reg` by `count` (already known to fit in 32 bits;
 * anything not smaller than the lane width clears the lanes, or fills them with the
 * sign for arithmetic shifts).
 */
function shiftLanes(cpu: Cpu, reg: number, kind: number, log2w: number, count: number): void {
  if (log2w === 3) {
    const x = cpu.xmm;
    for (let q = reg * 4; q < reg * 4 + 4; q += 2) {
      let lo = x[q];
      let hi = x[q + 1];
      if (count >= 64) lo = hi = 0;
      else if (kind === SH_RL) {
        if (count >= 32) {
          lo = hi >>> (count - 32);
          hi = 0;
        } else if (count > 0) {
          lo = (lo >>> count) | (hi << (32 - count));
          hi = hi >>> count;
        }
      } else if (count >= 32) {
        hi = lo << (count - 32);
        lo = 0;
      } else if (count > 0) {
        hi = (hi << count) | (lo >>> (32 - count));
        lo = lo << count;
      }
      x[q] = lo;
      x[q + 1] = hi;
    }
    return;
  }
  if (log2w === 2) {
    const x = cpu.xmm;
    const b = reg * 4;
    if (kind === SH_RA) {
      const c = count > 31 ? 31 : count;
      for (let k = b; k < b + 4; k++) x[k] = x[k] >> c;
    } else if (count > 31) {
      for (let k = b; k < b + 4; k++) x[k] = 0;
    } else if (kind === SH_RL) {
      for (let k = b; k < b + 4; k++) x[k] = x[k] >>> count;
    } else {
      for (let k = b; k < b + 4; k++) x[k] = x[k] << count;
    }
    return;
  }
  const w = cpu.xmmWords;
  const b = reg * 8;
  if (kind === SH_RA) {
    const c = count > 15 ? 15 : count;
    for (let k = b; k < b + 8; k++) w[k] = sx16(w[k]) >> c;
  } else if (count > 15) {
    for (let k = b; k < b + 8; k++) w[k] = 0;
  } else if (kind === SH_RL) {
    for (let k = b; k < b + 8; k++) w[k] = w[k] >>> count;
  } else {
    for (let k = b; k < b + 8; k++) w[k] = w[k] << count;
  }
}

/**
 * Shifts by immediate (66 0F 71/72/73 /n Ib), including the byte shifts PSRLDQ/PSLLDQ.
 * The destination is the ModRM.rm register.
 */
export function shiftImm(cpu: Cpu, i: Insn): void {
  const count = i.imm & 0xff;
  const kind = i.sub >> 2;
  if (kind < SH_RDQ) {
    shiftLanes(cpu, i.rm, kind, i.sub & 3, count);
    return;
  }
  const x = cpu.xmmBytes;
  const b = i.rm * 16;
  const n = count > 16 ? 16 : count;
  if (kind === SH_RDQ) {
    for (let k = 0; k < 16; k++) x[b + k] = k + n < 16 ? x[b + k + n] : 0;
  } else {
    for (let k = 15; k >= 0; k--) x[b + k] = k >= n ? x[b + k - n] : 0;
  }
}

/** Shifts by the count in an XMM register or m128 (66 0F D1-D3, E1-E2, F1-F3): the low quadword counts. */
export function shiftXmm(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  // A count of 2^32 or more behaves like any count beyond the lane width.
  const count = src[1] !== 0 || src[0] < 0 || src[0] > 64 ? 64 : src[0];
  shiftLanes(cpu, i.reg, i.sub >> 2, i.sub & 3, count);
}

// ---- shuffles, unpacks, extraction ------------------------------------------------------

/**
 * Unpack low/high (PUNPCKLBW..PUNPCKHQDQ): interleave the lanes of the low (or high)
 * halves of destination and source. sub = high * 4 + log2(lane bytes).
 */
export function unpack(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const width = 1 << (i.sub & 3);
  const half = i.sub >> 2 ? 8 : 0;
  const x = cpu.xmmBytes;
  const d = i.reg * 16;
  for (let k = 0; k < 8; k += width) {
    for (let j = 0; j < width; j++) {
      resBytes[2 * k + j] = x[d + half + k + j];
      resBytes[2 * k + width + j] = srcBytes[half + k + j];
    }
  }
  storeRes(cpu, i.reg);
}

/** 66 0F 70: PSHUFD V,W,Ib; F2 0F 70 PSHUFLW; F3 0F 70 PSHUFHW (sub 0, 1, 2). */
export function pshuf(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const order = i.imm;
  if (i.sub === 0) {
    for (let k = 0; k < 4; k++) res[k] = src[(order >> (2 * k)) & 3];
  } else {
    const lowHalf = i.sub === 1;
    const from = lowHalf ? 0 : 4;
    for (let k = 0; k < 8; k++) resWords[k] = srcWords[k];
    for (let k = 0; k < 4; k++) resWords[from + k] = srcWords[from + ((order >> (2 * k)) & 3)];
  }
  storeRes(cpu, i.reg);
}

/** 66 0F D7: PMOVMSKB r32, xmm — the top bit of each byte. */
export function pmovmskb(cpu: Cpu, i: Insn): void {
  requireRegister(cpu, i);
  const x = cpu.xmmBytes;
  const base = i.rm * 16;
  let m = 0;
  for (let k = 0; k < 16; k++) m |= (x[base + k] >> 7) << k;
  cpu.setReg32(i.reg, m);
}

/** 66 0F C5: PEXTRW r32/r64, xmm, Ib — the word, zero-extended into ModRM.reg. */
export function pextrwG(cpu: Cpu, i: Insn): void {
  requireRegister(cpu, i);
  cpu.setReg32(i.reg, cpu.xmmWords[i.rm * 8 + (i.imm & 7)]);
}

/**
 * PEXTRB/PEXTRW/PEXTRD/PEXTRQ r/m, xmm, Ib (66 0F 3A 14/15/16): sub = log2(lane bytes).
 * A register destination is written as 32 bits (upper half cleared), or 64 for PEXTRQ.
 */
export function pextr(cpu: Cpu, i: Insn): void {
  const log2w = i.sub === 2 && i.opsize === 8 ? 3 : i.sub;
  let lo: number;
  let hi = 0;
  const b = i.reg * 4;
  switch (log2w) {
    case 0: lo = cpu.xmmBytes[b * 4 + (i.imm & 15)]; break;
    case 1: lo = cpu.xmmWords[b * 2 + (i.imm & 7)]; break;
    case 2: lo = cpu.xmm[b + (i.imm & 3)]; break;
    default:
      lo = cpu.xmm[b + (i.imm & 1) * 2];
      hi = cpu.xmm[b + (i.imm & 1) * 2 + 1];
  }
  if (i.rm >= 0) {
    if (log2w === 3) cpu.setReg64(i.rm, lo, hi);
    else cpu.setReg32(i.rm, lo);
  } else cpu.writeMem(cpu.ea(i), 1 << log2w, lo, hi);
}

/**
 * PINSRW (66 0F C4), PINSRB/PINSRD/PINSRQ (66 0F 3A 20/22) xmm, r/m, Ib: sub = log2(lane
 * bytes). A register source gives its low bits; a memory source is read at lane size.
 */
export function pinsr(cpu: Cpu, i: Insn): void {
  const log2w = i.sub === 2 && i.opsize === 8 ? 3 : i.sub;
  let lo: number;
  let hi = 0;
  if (i.rm >= 0) {
    lo = cpu.lo[i.rm];
    hi = cpu.hi[i.rm];
  } else {
    lo = cpu.readMem(cpu.ea(i), 1 << log2w);
    if (log2w === 3) hi = cpu.resHi;
  }
  const b = i.reg * 4;
  switch (log2w) {
    case 0: cpu.xmmBytes[b * 4 + (i.imm & 15)] = lo; break;
    case 1: cpu.xmmWords[b * 2 + (i.imm & 7)] = lo; break;
    case 2: cpu.xmm[b + (i.imm & 3)] = lo; break;
    default:
      cpu.xmm[b + (i.imm & 1) * 2] = lo;
      cpu.xmm[b + (i.imm & 1) * 2 + 1] = hi;
  }
}

/**
 * 66 0F F7: MASKMOVDQU xmm1, xmm2 — stores the bytes of xmm1 whose mask byte in xmm2 has
 * its top bit set to [DS:rDI] (a segment override applies; 67 selects EDI).
 */
export function maskmovdqu(cpu: Cpu, i: Insn): void {
  requireRegister(cpu, i);
  let addr = i.addrsize === 4 ? cpu.lo[7] >>> 0 : cpu.regSigned(7);
  addr += cpu.segBase[i.segment];
  // The implicit [RDI] must be canonical: #GP(0), not a #PF (SDM Vol. 2B, MASKMOVDQU, 64-bit mode exceptions).
  if (addr < -(2 ** 47) || addr + 15 >= 2 ** 47) cpu.raise(VEC_GP, 0, 'maskmovdqu to a non-canonical address');
  // The host checks the whole 16-byte destination for writing even when the mask selects
  // no byte (a fuzz:isa finding; the SDM leaves faults with a zero mask implementation-specific).
  cpu.mem.checkWrite(addr, 16);
  const x = cpu.xmmBytes;
  const d = i.reg * 16;
  const m = i.rm * 16;
  for (let k = 0; k < 16; k++) if (x[m + k] & 0x80) cpu.mem.write8(addr + k, x[d + k]);
}

/**
 * 0F 77: EMMS — marks every x87 register empty (tag word all ones), ending MMX use.
 * The MMX register instructions themselves are not implemented (#UD): compilers emit
 * them only for explicit MMX intrinsics, and x86-64 code uses XMM registers.
 */
export function emms(cpu: Cpu, _i: Insn): void {
  // EMMS waits like an x87 instruction: a pending unmasked exception is #MF first (SDM Vol. 2A, EMMS).
  if (cpu.fpu.pending) cpu.raise(VEC_MF, 0, 'unmasked x87 exception pending');
  cpu.fpuTag = 0xffff;
  // The host CPU (golden vector from fuzz:isa) also resets TOP to 0, as the MMX
  // instructions do on entry (SDM Vol. 1 §9.5.1).
  cpu.fpu.top = 0;
}
