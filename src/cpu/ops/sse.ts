import type { Cpu } from '../cpu.js';
import { VEC_GP } from '../cpu-exception.js';
import type { Insn } from '../insn.js';

/**
 * SSE/SSE2 data movement and the packed-integer operations the x86-64 baseline string
 * and memory routines of glibc and musl use (SDM Vol. 1 ch. 10-11; Vol. 2 per
 * instruction). XMM n occupies cpu.xmm[4n .. 4n+3], lane 0 = bits 31:0.
 *
 * The W (XMM-or-memory) source is first copied into a scratch register so each
 * operation is written once for both forms.
 */
const scratch = new Int32Array(4);
const scratchBytes = new Uint8Array(scratch.buffer);
const scratchWords = new Uint16Array(scratch.buffer);
const unpackScratch = new Uint8Array(16);

/** Loads the 128-bit W operand into `scratch`; `aligned` demands 16-byte alignment (#GP). */
function loadW(cpu: Cpu, i: Insn, aligned: boolean): void {
  if (i.rm >= 0) {
    const b = i.rm * 4;
    scratch[0] = cpu.xmm[b];
    scratch[1] = cpu.xmm[b + 1];
    scratch[2] = cpu.xmm[b + 2];
    scratch[3] = cpu.xmm[b + 3];
    return;
  }
  const addr = cpu.ea(i);
  if (aligned && addr % 16 !== 0) cpu.raise(VEC_GP, 0, `${i.def?.mnemonic} operand not 16-byte aligned`);
  scratch[0] = cpu.mem.read64(addr);
  scratch[1] = cpu.mem.hi;
  scratch[2] = cpu.mem.read64(addr + 8);
  scratch[3] = cpu.mem.hi;
}

function store128(cpu: Cpu, addr: number, reg: number): void {
  const b = reg * 4;
  // Check both halves are writable before storing either (the access is one operation).
  cpu.mem.write64(addr + 8, cpu.xmm[b + 2], cpu.xmm[b + 3]);
  cpu.mem.write64(addr, cpu.xmm[b], cpu.xmm[b + 1]);
}

/** MOVDQA/MOVDQU/MOVAPS/MOVUPS/MOVAPD/MOVUPD V,W (sub 1 = aligned). */
export function movVW(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, i.sub === 1);
  cpu.xmm.set(scratch, i.reg * 4);
}

/** The store direction W,V, also MOVNTDQ/MOVNTPS (non-temporal hints ignored). */
export function movWV(cpu: Cpu, i: Insn): void {
  if (i.rm >= 0) {
    cpu.xmm.copyWithin(i.rm * 4, i.reg * 4, i.reg * 4 + 4);
    return;
  }
  const addr = cpu.ea(i);
  if (i.sub === 1 && addr % 16 !== 0) cpu.raise(VEC_GP, 0, `${i.def?.mnemonic} operand not 16-byte aligned`);
  store128(cpu, addr, i.reg);
}

/** 66 0F 6E: MOVD/MOVQ xmm, r/m32/64 — zero-extends into the register. */
export function movdToXmm(cpu: Cpu, i: Insn): void {
  const v = cpu.readE(i);
  const hi = i.opsize === 8 ? cpu.resHi : 0;
  const b = i.reg * 4;
  cpu.xmm[b] = v;
  cpu.xmm[b + 1] = hi;
  cpu.xmm[b + 2] = 0;
  cpu.xmm[b + 3] = 0;
}

/** 66 0F 7E: MOVD/MOVQ r/m32/64, xmm. */
export function movdFromXmm(cpu: Cpu, i: Insn): void {
  const b = i.reg * 4;
  cpu.writeE(i, cpu.xmm[b], cpu.xmm[b + 1]);
}

/** F3 0F 7E: MOVQ xmm, xmm/m64 — low quadword, upper cleared. */
export function movqLoad(cpu: Cpu, i: Insn): void {
  let lo: number;
  let hi: number;
  if (i.rm >= 0) {
    lo = cpu.xmm[i.rm * 4];
    hi = cpu.xmm[i.rm * 4 + 1];
  } else {
    lo = cpu.mem.read64(cpu.ea(i));
    hi = cpu.mem.hi;
  }
  const b = i.reg * 4;
  cpu.xmm[b] = lo;
  cpu.xmm[b + 1] = hi;
  cpu.xmm[b + 2] = 0;
  cpu.xmm[b + 3] = 0;
}

/** 66 0F D6: MOVQ xmm/m64, xmm. */
export function movqStore(cpu: Cpu, i: Insn): void {
  const s = i.reg * 4;
  if (i.rm >= 0) {
    const b = i.rm * 4;
    cpu.xmm[b] = cpu.xmm[s];
    cpu.xmm[b + 1] = cpu.xmm[s + 1];
    cpu.xmm[b + 2] = 0;
    cpu.xmm[b + 3] = 0;
  } else cpu.mem.write64(cpu.ea(i), cpu.xmm[s], cpu.xmm[s + 1]);
}

/**
 * MOVSD/MOVSS (F2/F3 0F 10 and 11; sub = element bytes 8 or 4): register to register
 * moves only the low element; a load from memory zeroes the rest; a store writes the
 * low element.
 */
export function movScalarLoad(cpu: Cpu, i: Insn): void {
  const b = i.reg * 4;
  const n = i.sub / 4;
  if (i.rm >= 0) {
    for (let k = 0; k < n; k++) cpu.xmm[b + k] = cpu.xmm[i.rm * 4 + k];
    return;
  }
  const addr = cpu.ea(i);
  const lo = n === 2 ? cpu.mem.read64(addr) : cpu.mem.read32(addr);
  const hi = n === 2 ? cpu.mem.hi : 0;
  cpu.xmm[b] = lo;
  cpu.xmm[b + 1] = hi;
  cpu.xmm[b + 2] = 0;
  cpu.xmm[b + 3] = 0;
}

export function movScalarStore(cpu: Cpu, i: Insn): void {
  const s = i.reg * 4;
  const n = i.sub / 4;
  if (i.rm >= 0) {
    for (let k = 0; k < n; k++) cpu.xmm[i.rm * 4 + k] = cpu.xmm[s + k];
    return;
  }
  const addr = cpu.ea(i);
  if (n === 2) cpu.mem.write64(addr, cpu.xmm[s], cpu.xmm[s + 1]);
  else cpu.mem.write32(addr, cpu.xmm[s]);
}

/**
 * MOVLPS/MOVLPD/MOVHPS/MOVHPD (0F 12/13/16/17): one quadword between memory and the
 * low (sub 0) or high (sub 1) half. The register forms of 0F 12/16 are MOVHLPS/MOVLHPS.
 */
export function movHalfLoad(cpu: Cpu, i: Insn): void {
  const d = i.reg * 4 + i.sub * 2;
  if (i.rm >= 0) {
    // MOVHLPS (sub 0): low ← source high; MOVLHPS (sub 1): high ← source low.
    const s = i.rm * 4 + (i.sub === 0 ? 2 : 0);
    cpu.xmm[d] = cpu.xmm[s];
    cpu.xmm[d + 1] = cpu.xmm[s + 1];
    return;
  }
  const addr = cpu.ea(i);
  cpu.xmm[d] = cpu.mem.read64(addr);
  cpu.xmm[d + 1] = cpu.mem.hi;
}

export function movHalfStore(cpu: Cpu, i: Insn): void {
  if (i.rm >= 0) cpu.raise(6, 0, `${i.def?.mnemonic} with a register destination`);
  const s = i.reg * 4 + i.sub * 2;
  cpu.mem.write64(cpu.ea(i), cpu.xmm[s], cpu.xmm[s + 1]);
}

/** Bitwise PAND/PANDN/POR/PXOR and the PS/PD twins (sub: 0 and, 1 andn, 2 or, 3 xor). */
export function logicVW(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, true);
  const x = cpu.xmm;
  const b = i.reg * 4;
  for (let k = 0; k < 4; k++) {
    const d = x[b + k];
    const s = scratch[k];
    x[b + k] = i.sub === 0 ? d & s : i.sub === 1 ? ~d & s : i.sub === 2 ? d | s : d ^ s;
  }
}

/**
 * Packed integer add/sub/compare/min/max on byte, word or dword lanes.
 * sub = op * 4 + log2(lane bytes); ops: 0 add, 1 sub, 2 cmpeq, 3 cmpgt (signed),
 * 4 minu, 5 maxu, 6 adds-unsigned, 7 subs-unsigned.
 */
export function packedIntVW(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, true);
  const op = i.sub >> 2;
  const width = 1 << (i.sub & 3);
  const b = i.reg * 4;
  if (width === 8) {
    // Quadword add/sub via 32-bit halves with carry.
    for (let q = 0; q < 2; q++) {
      const d0 = cpu.xmm[b + 2 * q] >>> 0;
      const d1 = cpu.xmm[b + 2 * q + 1];
      const s0 = scratch[2 * q] >>> 0;
      const s1 = scratch[2 * q + 1];
      if (op === 0) {
        const sum = d0 + s0;
        cpu.xmm[b + 2 * q] = sum | 0;
        cpu.xmm[b + 2 * q + 1] = (d1 + s1 + (sum > 0xffffffff ? 1 : 0)) | 0;
      } else if (op === 1) {
        const diff = d0 - s0;
        cpu.xmm[b + 2 * q] = diff | 0;
        cpu.xmm[b + 2 * q + 1] = (d1 - s1 - (diff < 0 ? 1 : 0)) | 0;
      } else {
        const eq = cpu.xmm[b + 2 * q] === scratch[2 * q] && d1 === s1;
        cpu.xmm[b + 2 * q] = cpu.xmm[b + 2 * q + 1] = eq ? -1 : 0;
      }
    }
    return;
  }
  const bits = width * 8;
  const lanes = 16 / width;
  const mask = width === 4 ? -1 : (1 << bits) - 1;
  for (let k = 0; k < lanes; k++) {
    const d = laneGet(cpu, b, k, width);
    const s = width === 1 ? scratchBytes[k] : width === 2 ? scratchWords[k] : scratch[k];
    let r: number;
    switch (op) {
      case 0: r = d + s; break;
      case 1: r = d - s; break;
      case 2: r = (d & mask) === (s & mask) ? -1 : 0; break;
      case 3: r = signed(d, bits) > signed(s, bits) ? -1 : 0; break;
      case 4: r = Math.min(d >>> 0 & mask >>> 0, s >>> 0 & mask >>> 0); break;
      case 5: r = Math.max(d >>> 0 & mask >>> 0, s >>> 0 & mask >>> 0); break;
      case 6: r = Math.min((d & mask) + (s & mask), mask); break;
      default: r = Math.max((d & mask) - (s & mask), 0); break;
    }
    laneSet(cpu, b, k, width, r);
  }
}

function signed(v: number, bits: number): number {
  return bits === 32 ? v | 0 : (v << (32 - bits)) >> (32 - bits);
}

function laneGet(cpu: Cpu, base: number, k: number, width: number): number {
  if (width === 1) return cpu.xmmBytes[base * 4 + k];
  if (width === 2) return cpu.xmmWords[base * 2 + k];
  return cpu.xmm[base + k];
}

function laneSet(cpu: Cpu, base: number, k: number, width: number, v: number): void {
  if (width === 1) cpu.xmmBytes[base * 4 + k] = v;
  else if (width === 2) cpu.xmmWords[base * 2 + k] = v;
  else cpu.xmm[base + k] = v;
}

/** 66 0F D7: PMOVMSKB r32, xmm — the top bit of each byte. */
export function pmovmskb(cpu: Cpu, i: Insn): void {
  const base = i.rm * 16;
  let m = 0;
  for (let k = 0; k < 16; k++) m |= (cpu.xmmBytes[base + k] >> 7) << k;
  cpu.setReg32(i.reg, m);
}

/** 0F 50 / 66 0F 50: MOVMSKPS / MOVMSKPD — sign bits of the lanes. */
export function movmsk(cpu: Cpu, i: Insn): void {
  const b = i.rm * 4;
  const x = cpu.xmm;
  const m = i.sub === 4 ? (x[b] >>> 31) | ((x[b + 1] >>> 31) << 1) | ((x[b + 2] >>> 31) << 2) | ((x[b + 3] >>> 31) << 3) : (x[b + 1] >>> 31) | ((x[b + 3] >>> 31) << 1);
  cpu.setReg32(i.reg, m);
}

/**
 * Unpack-low/high (PUNPCKLBW..PUNPCKHQDQ): interleave lanes of the low or high halves.
 * sub = high * 4 + log2(lane bytes).
 */
export function unpack(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, true);
  const width = 1 << (i.sub & 3);
  const high = i.sub >> 2;
  const b = i.reg * 4;
  const dst = unpackScratch;
  const d = cpu.xmmBytes.subarray(b * 4, b * 4 + 16);
  const half = high ? 8 : 0;
  for (let k = 0; k < 8 / width; k++) {
    for (let j = 0; j < width; j++) {
      dst[2 * k * width + j] = d[half + k * width + j];
      dst[(2 * k + 1) * width + j] = scratchBytes[half + k * width + j];
    }
  }
  d.set(dst);
}

/** 66 0F 70: PSHUFD V,W,Ib; F2 0F 70 PSHUFLW; F3 0F 70 PSHUFHW (sub 0, 1, 2). */
export function pshuf(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, true);
  const b = i.reg * 4;
  const order = i.imm;
  if (i.sub === 0) {
    for (let k = 0; k < 4; k++) cpu.xmm[b + k] = scratch[(order >> (2 * k)) & 3];
    return;
  }
  const words = cpu.xmmWords;
  const lowHalf = i.sub === 1;
  for (let k = 0; k < 8; k++) {
    const inShuffled = lowHalf ? k < 4 : k >= 4;
    const from = inShuffled ? (lowHalf ? 0 : 4) + ((order >> (2 * (k & 3))) & 3) : k;
    words[b * 2 + k] = scratchWords[from];
  }
}

/**
 * Shifts by immediate (66 0F 71/72/73): sub = op * 4 + log2(lane bytes) with ops
 * 0 logical right, 1 arithmetic right, 2 left, 3 byte-shift right (PSRLDQ), 4 byte-shift
 * left (PSLLDQ). Counts beyond the lane width give zero (or sign fill).
 */
export function shiftImm(cpu: Cpu, i: Insn): void {
  const count = i.imm & 0xff;
  const op = i.sub >> 2;
  const b = i.rm * 4;
  if (op >= 3) {
    const bytes = cpu.xmmBytes.subarray(b * 4, b * 4 + 16);
    const copy = Uint8Array.from(bytes);
    const n = Math.min(count, 16);
    for (let k = 0; k < 16; k++) {
      const from = op === 3 ? k + n : k - n;
      bytes[k] = from >= 0 && from < 16 ? copy[from] : 0;
    }
    return;
  }
  const width = 1 << (i.sub & 3);
  if (width === 8) {
    for (let q = 0; q < 2; q++) {
      let lo = cpu.xmm[b + 2 * q];
      let hi = cpu.xmm[b + 2 * q + 1];
      if (count >= 64) lo = hi = 0;
      else if (op === 0) {
        if (count >= 32) { lo = hi >>> (count - 32); hi = 0; }
        else if (count > 0) { lo = (lo >>> count) | (hi << (32 - count)); hi = hi >>> count; }
      } else if (count >= 32) { hi = lo << (count - 32); lo = 0; }
      else if (count > 0) { hi = (hi << count) | (lo >>> (32 - count)); lo = lo << count; }
      cpu.xmm[b + 2 * q] = lo;
      cpu.xmm[b + 2 * q + 1] = hi;
    }
    return;
  }
  const bits = width * 8;
  for (let k = 0; k < 16 / width; k++) {
    const v = laneGet(cpu, b, k, width);
    let r: number;
    if (op === 0) r = count >= bits ? 0 : (v >>> 0) >>> count;
    else if (op === 1) r = signed(v, bits) >> Math.min(count, bits - 1);
    else r = count >= bits ? 0 : v << count;
    laneSet(cpu, b, k, width, r);
  }
}

/** 0F AE /3 STMXCSR and /2 LDMXCSR (reserved bits set → #GP). */
export function mxcsrOp(cpu: Cpu, i: Insn): void {
  const addr = cpu.ea(i);
  if (i.sub === 3) {
    cpu.mem.write32(addr, cpu.mxcsr);
    return;
  }
  const v = cpu.mem.read32(addr);
  if (v & ~0xffff) cpu.raise(VEC_GP, 0, 'ldmxcsr with reserved bits set');
  cpu.mxcsr = v;
}

