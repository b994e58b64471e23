import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { A, B, loadReg, loadW, R, SI, storeReg } from './sse-float-core.js';
import { store128 } from './sse.js';

/**
 * Floating-point data rearrangement: SHUFPS/SHUFPD, UNPCKLPS/UNPCKHPS/UNPCKLPD/UNPCKHPD,
 * the SSE3 MOVSLDUP/MOVSHDUP/MOVDDUP, the SSE4.1 BLENDPS/BLENDPD/BLENDVPS/BLENDVPD,
 * INSERTPS and EXTRACTPS, and the non-temporal stores MOVNTPD and MOVNTI (the hint is
 * ignored). None of them raises a SIMD floating-point exception or looks at MXCSR
 * (SDM Vol. 2, per instruction: "SIMD Floating-Point Exceptions: None").
 */

/** SHUFPS (NP 0F C6 /r ib): two lanes from the destination, two from the source. */
export function shufps(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  const imm = i.imm;
  SI[R] = SI[A + (imm & 3)];
  SI[R + 1] = SI[A + ((imm >> 2) & 3)];
  SI[R + 2] = SI[B + ((imm >> 4) & 3)];
  SI[R + 3] = SI[B + ((imm >> 6) & 3)];
  storeReg(cpu, i.reg, 0, R, 4);
}

/** SHUFPD (66 0F C6 /r ib). */
export function shufpd(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  const lo = A + 2 * (i.imm & 1);
  const hi = B + 2 * ((i.imm >> 1) & 1);
  SI[R] = SI[lo];
  SI[R + 1] = SI[lo + 1];
  SI[R + 2] = SI[hi];
  SI[R + 3] = SI[hi + 1];
  storeReg(cpu, i.reg, 0, R, 4);
}

/**
 * UNPCKLPS/UNPCKHPS (NP 0F 14/15) and UNPCKLPD/UNPCKHPD (66 0F 14/15): interleave the
 * low (sub bit 0 clear) or high halves; sub bit 1 set for double lanes.
 */
export function unpckFloat(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  const half = (i.sub & 1) * 2;
  if (i.sub & 2) {
    SI[R] = SI[A + half];
    SI[R + 1] = SI[A + half + 1];
    SI[R + 2] = SI[B + half];
    SI[R + 3] = SI[B + half + 1];
  } else {
    SI[R] = SI[A + half];
    SI[R + 1] = SI[B + half];
    SI[R + 2] = SI[A + half + 1];
    SI[R + 3] = SI[B + half + 1];
  }
  storeReg(cpu, i.reg, 0, R, 4);
}

/** MOVSLDUP (F3 0F 12, sub 0) / MOVSHDUP (F3 0F 16, sub 1): even or odd lanes twice. */
export function movsdup(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 16);
  const o = i.sub;
  SI[R] = SI[R + 1] = SI[B + o];
  SI[R + 2] = SI[R + 3] = SI[B + 2 + o];
  storeReg(cpu, i.reg, 0, R, 4);
}

/** MOVDDUP (F2 0F 12): the low quadword twice (source m64). */
export function movddup(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 8);
  SI[R] = SI[R + 2] = SI[B];
  SI[R + 1] = SI[R + 3] = SI[B + 1];
  storeReg(cpu, i.reg, 0, R, 4);
}

/** BLENDPS (sub 4) / BLENDPD (sub 8) (66 0F 3A 0C/0D /r ib): lane k from the source when imm8 bit k is set. */
export function blendImm(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  const perBit = i.sub === 8 ? 2 : 1;
  for (let k = 0; k < 4; k++) SI[R + k] = (i.imm >> ((k / perBit) | 0)) & 1 ? SI[B + k] : SI[A + k];
  storeReg(cpu, i.reg, 0, R, 4);
}

/** BLENDVPS (sub 4) / BLENDVPD (sub 8) (66 0F 38 14/15): selected by the sign bits of XMM0's lanes. */
export function blendVar(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  const x = cpu.xmm;
  for (let k = 0; k < 4; k++) {
    const mask = i.sub === 8 ? x[k | 1] : x[k];
    SI[R + k] = mask < 0 ? SI[B + k] : SI[A + k];
  }
  storeReg(cpu, i.reg, 0, R, 4);
}

/**
 * INSERTPS (66 0F 3A 21 /r ib): a single from the source (lane imm8[7:6] of a register,
 * or m32) into lane imm8[5:4], then the lanes in imm8[3:0] zeroed.
 */
export function insertps(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 4);
  const imm = i.imm;
  const value = SI[B + (i.rm >= 0 ? (imm >> 6) & 3 : 0)];
  SI[A + ((imm >> 4) & 3)] = value;
  for (let k = 0; k < 4; k++) if (imm & (1 << k)) SI[A + k] = 0;
  storeReg(cpu, i.reg, 0, A, 4);
}

/** EXTRACTPS r/m32, xmm, imm8 (66 0F 3A 17): lane imm8[1:0]; a register destination is zero-extended. */
export function extractps(cpu: Cpu, i: Insn): void {
  const v = cpu.xmm[i.reg * 4 + (i.imm & 3)];
  if (i.rm >= 0) cpu.setReg32(i.rm, v);
  else cpu.mem.write32(cpu.ea(i), v);
}

/** MOVNTPD m128, xmm (66 0F 2B): an aligned store. */
export function movntpd(cpu: Cpu, i: Insn): void {
  store128(cpu, cpu.ea16(i, false), i.reg);
}

/** MOVNTI m32/m64, r32/r64 (NP 0F C3). */
export function movnti(cpu: Cpu, i: Insn): void {
  const addr = cpu.ea(i);
  if (i.opsize === 8) cpu.mem.write64(addr, cpu.lo[i.reg], cpu.hi[i.reg]);
  else cpu.mem.write32(addr, cpu.lo[i.reg]);
}
