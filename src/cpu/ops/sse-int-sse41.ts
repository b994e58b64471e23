import type { Cpu } from '../cpu.js';
import { ARITH_FLAGS, CF, ZF } from '../flags.js';
import type { Insn } from '../insn.js';
import { loadSrc, loadSrcLow, res, resWords, src, srcBytes, srcWords, storeRes } from './sse-int.js';

/**
 * SSE4.1 integer instructions that are not plain lane operations (those are in
 * sse-int.ts), and CRC32 from SSE4.2 (SDM Vol. 2, per instruction).
 */

/**
 * PMOVSXxx / PMOVZXxx (66 0F 38 20-25 / 30-35): widen the low lanes of the source.
 * sub = signed * 16 + log2(source lane bytes) * 4 + log2(result lane bytes). The memory
 * form reads only the bytes it widens (m64, m32 or m16) and needs no alignment.
 */
export function pmovx(cpu: Cpu, i: Insn): void {
  const signed = i.sub >= 16;
  const from = (i.sub >> 2) & 3;
  const to = i.sub & 3;
  loadSrcLow(cpu, i, 16 >> (to - from));
  const lanes = 16 >> to;
  const x = cpu.xmm;
  const b = i.reg * 4;
  for (let k = 0; k < lanes; k++) {
    let v: number;
    if (from === 0) v = signed ? (srcBytes[k] << 24) >> 24 : srcBytes[k];
    else if (from === 1) v = signed ? (srcWords[k] << 16) >> 16 : srcWords[k];
    else v = src[k];
    if (to === 1) resWords[k] = v;
    else if (to === 2) res[k] = v;
    else {
      res[2 * k] = v;
      res[2 * k + 1] = signed && v < 0 ? -1 : 0;
    }
  }
  x[b] = res[0];
  x[b + 1] = res[1];
  x[b + 2] = res[2];
  x[b + 3] = res[3];
}

/**
 * 66 0F 38 17: PTEST — ZF = (dest AND source) is zero, CF = (NOT dest AND source) is
 * zero; AF, OF, PF and SF are cleared.
 */
export function ptest(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const x = cpu.xmm;
  const b = i.reg * 4;
  let and = 0;
  let andn = 0;
  for (let k = 0; k < 4; k++) {
    and |= x[b + k] & src[k];
    andn |= ~x[b + k] & src[k];
  }
  setAllStatusFlags(cpu, (and === 0 ? ZF : 0) | (andn === 0 ? CF : 0));
}

/** Replaces all six status flags (PTEST, PCMPxSTRx) without touching the others. */
export function setAllStatusFlags(cpu: Cpu, flags: number): void {
  cpu.setRflags((cpu.flagsRest & ~ARITH_FLAGS) | flags);
}

/** 66 0F 3A 0E: PBLENDW — word k from the source where Ib bit k is set. */
export function pblendw(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const w = cpu.xmmWords;
  const d = i.reg * 8;
  const m = i.imm;
  for (let k = 0; k < 8; k++) if ((m >> k) & 1) w[d + k] = srcWords[k];
}

/** 66 0F 38 10: PBLENDVB — byte k from the source where byte k of XMM0 has its top bit set. */
export function pblendvb(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const x = cpu.xmmBytes;
  const d = i.reg * 16;
  for (let k = 0; k < 16; k++) if (x[k] & 0x80) x[d + k] = srcBytes[k];
}

/** 66 0F 38 41: PHMINPOSUW — the smallest unsigned word in word 0, its (lowest) index in word 1, the rest zero. */
export function phminposuw(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  let min = srcWords[0];
  let at = 0;
  for (let k = 1; k < 8; k++) {
    if (srcWords[k] < min) {
      min = srcWords[k];
      at = k;
    }
  }
  const b = i.reg * 4;
  cpu.xmm[b] = min | (at << 16);
  cpu.xmm[b + 1] = 0;
  cpu.xmm[b + 2] = 0;
  cpu.xmm[b + 3] = 0;
}

/**
 * 66 0F 3A 42: MPSADBW — eight sums of absolute differences between a 4-byte block of the
 * source (Ib bits 1:0 pick it) and sliding 4-byte windows of the destination starting at
 * byte 0 or 4 (Ib bit 2).
 */
export function mpsadbw(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const x = cpu.xmmBytes;
  const d = i.reg * 16 + (i.imm & 4);
  const s = (i.imm & 3) * 4;
  const s0 = srcBytes[s];
  const s1 = srcBytes[s + 1];
  const s2 = srcBytes[s + 2];
  const s3 = srcBytes[s + 3];
  for (let k = 0; k < 8; k++) {
    const at = d + k;
    resWords[k] = Math.abs(x[at] - s0) + Math.abs(x[at + 1] - s1) + Math.abs(x[at + 2] - s2) + Math.abs(x[at + 3] - s3);
  }
  storeRes(cpu, i.reg);
}

/** CRC-32C (Castagnoli, polynomial 11EDC6F41h) in its bit-reflected form, one byte at a time. */
const CRC32C = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  CRC32C[n] = c;
}

function crcBytes(crc: number, v: number, count: number): number {
  for (let k = 0; k < count; k++) {
    crc = CRC32C[(crc ^ v) & 0xff] ^ (crc >>> 8);
    v >>>= 8;
  }
  return crc;
}

/**
 * CRC32 r32/r64, r/m8 (F2 0F 38 F0, sub 1) and r/m16/32/64 (F2 0F 38 F1, sub 0: operand
 * size). Accumulates into the low 32 bits of the destination and zero-extends; flags are
 * not affected.
 */
export function crc32(cpu: Cpu, i: Insn): void {
  const size = i.sub === 1 ? 1 : i.opsize;
  let lo: number;
  let hi = 0;
  if (i.rm >= 0) {
    lo = cpu.getReg(i.rm, size);
    if (size === 8) hi = cpu.resHi;
  } else {
    lo = cpu.readMem(cpu.ea(i), size);
    if (size === 8) hi = cpu.resHi;
  }
  let crc = cpu.lo[i.reg];
  if (size === 8) {
    crc = crcBytes(crc, lo, 4);
    crc = crcBytes(crc, hi, 4);
  } else crc = crcBytes(crc, lo, size);
  cpu.setReg32(i.reg, crc);
}
