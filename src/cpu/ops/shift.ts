import type { Cpu } from '../cpu.js';
import { CF, OF } from '../flags.js';
import type { Insn } from '../insn.js';
import { RCX } from '../registers.js';
import { sizeMask } from './alu.js';
import { bit64, out, sar64, shl64, shr64 } from './bits64.js';

/** Group 2 operations by ModRM.reg (SDM Vol. 2D Table A-6). */
const ROL = 0;
const ROR = 1;
const RCL = 2; // RCR = 3 is the remaining rotate
const SHL = 4;
const SHR = 5;
const SAL = 6;

/** C0/C1: shift E by imm8. */
export function shiftEImm(cpu: Cpu, i: Insn): void {
  shiftE(cpu, i, i.imm & 0xff);
}

/** D0/D1: shift E by 1. */
export function shiftE1(cpu: Cpu, i: Insn): void {
  shiftE(cpu, i, 1);
}

/** D2/D3: shift E by CL. */
export function shiftECl(cpu: Cpu, i: Insn): void {
  shiftE(cpu, i, cpu.lo[RCX] & 0xff);
}

/**
 * Shifts and rotates (SDM Vol. 2B, SAL/SAR/SHL/SHR and RCL/RCR/ROL/ROR). The count is
 * masked to 5 bits (6 with REX.W); a masked count of 0 changes nothing, flags included.
 * Shifts set SF/ZF/PF from the result and CF from the last bit shifted out; rotates
 * change only CF and OF. OF is defined for a count of 1 and computed the same way for
 * larger counts (the manual leaves it undefined there).
 */
function shiftE(cpu: Cpu, i: Insn, rawCount: number): void {
  const size = i.opsize;
  const bits = size * 8;
  const count = rawCount & (size === 8 ? 0x3f : 0x1f);
  if (count === 0) {
    // Flags and value unchanged, but a 32-bit register destination is still written, so its
    // upper half is cleared (as on hardware; SDM Vol. 1 §3.4.1.1).
    if (size === 4 && i.rm >= 0) cpu.hi[i.rm] = 0;
    else if (i.rm < 0) cpu.eaRmw(i); // a memory operand is still accessed: it may fault
    return;
  }
  const addr = i.rm >= 0 ? 0 : cpu.eaRmw(i);
  const a = i.rm >= 0 ? cpu.getReg(i.rm, size) : cpu.readMem(addr, size);
  const aHi = size === 8 ? cpu.resHi : 0;
  const op = i.sub === SAL ? SHL : i.sub;
  let r: number;
  let rHi = 0;
  let cf: number;
  let of: number;

  switch (op) {
    case SHL:
      if (size === 8) {
        r = shl64(a, aHi, count);
        rHi = out.hi;
        cf = bit64(a, aHi, 64 - count);
      } else {
        r = count < 32 ? (a << count) & sizeMask(size) : 0;
        cf = count <= bits ? (a >>> (bits - count)) & 1 : 0;
      }
      of = (size === 8 ? rHi >>> 31 : (r >>> (bits - 1)) & 1) ^ cf;
      break;
    case SHR:
      if (size === 8) {
        r = shr64(a, aHi, count);
        rHi = out.hi;
        cf = bit64(a, aHi, count - 1);
      } else {
        const ua = a & sizeMask(size);
        r = count < 32 ? (ua >>> count) | 0 : 0;
        cf = count <= bits ? (ua >>> (count - 1)) & 1 : 0;
      }
      of = size === 8 ? aHi >>> 31 : (a >>> (bits - 1)) & 1;
      break;
    case 7: // SAR
      if (size === 8) {
        r = sar64(a, aHi, count);
        rHi = out.hi;
        cf = bit64(a, aHi, count - 1);
      } else {
        const sa = (a << (32 - bits)) >> (32 - bits);
        const c = Math.min(count, bits);
        r = (sa >> Math.min(c, 31)) & sizeMask(size);
        cf = (sa >> Math.min(c - 1, 31)) & 1;
      }
      of = 0;
      break;
    default:
      rotate(cpu, i, op, addr, a, aHi, count);
      return;
  }
  if (i.rm >= 0) cpu.setReg(i.rm, size, r, rHi);
  else cpu.writeMem(addr, size, r, rHi);
  cpu.setFlagsCOA(r, rHi, size, cf, of, 0);
}

function rotate(cpu: Cpu, i: Insn, op: number, addr: number, a: number, aHi: number, count: number): void {
  const size = i.opsize;
  const bits = size * 8;
  let lo = size === 8 ? a : a & sizeMask(size);
  let hi = size === 8 ? aHi : 0;
  let cf = cpu.getCF();
  if (op === ROL || op === ROR) {
    const n = count % bits;
    if (n !== 0) {
      if (size === 8) {
        const l = op === ROL ? shl64(lo, hi, n) : shr64(lo, hi, n);
        const h = out.hi;
        const l2 = op === ROL ? shr64(lo, hi, 64 - n) : shl64(lo, hi, 64 - n);
        lo = l | l2;
        hi = h | out.hi;
      } else {
        const m = sizeMask(size);
        lo = op === ROL ? ((lo << n) | (lo >>> (bits - n))) & m : ((lo >>> n) | (lo << (bits - n))) & m;
        if (size === 4) lo |= 0;
      }
    }
    cf = op === ROL ? lo & 1 : size === 8 ? hi >>> 31 : (lo >>> (bits - 1)) & 1;
  } else {
    // Rotate through carry: the count is taken modulo width + 1 for 8/16-bit operands.
    const n = size === 1 ? count % 9 : size === 2 ? count % 17 : count;
    for (let k = 0; k < n; k++) {
      if (op === RCL) {
        const out1 = size === 8 ? hi >>> 31 : (lo >>> (bits - 1)) & 1;
        if (size === 8) {
          hi = (hi << 1) | (lo >>> 31);
          lo = (lo << 1) | cf;
        } else lo = ((lo << 1) | cf) & sizeMask(size);
        cf = out1;
      } else {
        const out1 = lo & 1;
        if (size === 8) {
          lo = (lo >>> 1) | (hi << 31);
          hi = (hi >>> 1) | (cf << 31);
        } else lo = ((lo >>> 1) | (cf << (bits - 1))) & sizeMask(size);
        cf = out1;
      }
    }
    if (size === 4) lo |= 0;
  }
  const msb = size === 8 ? hi >>> 31 : (lo >>> (bits - 1)) & 1;
  const nextMsb = size === 8 ? (hi >>> 30) & 1 : (lo >>> (bits - 2)) & 1;
  // OF for count 1: ROL/RCL: MSB(result) XOR CF; ROR/RCR: XOR of the two top bits.
  const of = op === ROL || op === RCL ? msb ^ cf : msb ^ nextMsb;
  if (i.rm >= 0) cpu.setReg(i.rm, size, lo, hi);
  else cpu.writeMem(addr, size, lo, hi);
  cpu.setStatusFlags(CF | OF, cf | (of << 11));
}

/** 0F A4/A5 SHLD, 0F AC/AD SHRD: E shifted with bits from G (sub: 0 = left, 1 = right; count from Ib or CL). */
export function shiftDouble(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const bits = size * 8;
  const raw = i.def!.operands[2] === 'cl' ? cpu.lo[RCX] : i.imm;
  const count = raw & (size === 8 ? 0x3f : 0x1f);
  if (count === 0) {
    if (size === 4 && i.rm >= 0) cpu.hi[i.rm] = 0; // the 32-bit destination is written (see shiftE)
    else if (i.rm < 0) cpu.eaRmw(i);
    return;
  }
  const addr = i.rm >= 0 ? 0 : cpu.eaRmw(i);
  const d = i.rm >= 0 ? cpu.getReg(i.rm, size) : cpu.readMem(addr, size);
  const dHi = size === 8 ? cpu.resHi : 0;
  const s = cpu.getReg(i.reg, size);
  const sHi = size === 8 ? cpu.resHi : 0;
  let r: number;
  let rHi = 0;
  let cf: number;
  if (size === 8) {
    if (i.sub === 0) {
      r = shl64(d, dHi, count);
      rHi = out.hi;
      r |= shr64(s, sHi, 64 - count);
      rHi |= out.hi;
      cf = bit64(d, dHi, 64 - count);
    } else {
      r = shr64(d, dHi, count);
      rHi = out.hi;
      r |= shl64(s, sHi, 64 - count);
      rHi |= out.hi;
      cf = bit64(d, dHi, count - 1);
    }
  } else {
    // 16/32-bit: work on the 2*bits concatenation in a double (exact below 2^53 for 16;
    // 32-bit uses halves arithmetic through shifts).
    const m = sizeMask(size);
    const ud = d & m;
    const us = s & m;
    if (i.sub === 0) {
      if (count < bits) {
        r = ((ud << count) | (us >>> (bits - count))) & m;
        cf = (ud >>> (bits - count)) & 1;
      } else {
        // Only reachable for 16-bit operands with counts 16..31: undefined in the manual.
        const c = count - bits;
        r = ((us << c) | (ud >>> (bits - c))) & m;
        cf = c === 0 ? ud & 1 : (us >>> (bits - c)) & 1;
      }
    } else if (count < bits) {
      r = ((ud >>> count) | (us << (bits - count))) & m;
      cf = (ud >>> (count - 1)) & 1;
    } else {
      const c = count - bits;
      r = ((us >>> c) | (ud << (bits - c))) & m;
      cf = c === 0 ? (ud >>> (bits - 1)) & 1 : (us >>> (c - 1)) & 1;
    }
    if (size === 4) r |= 0;
  }
  const msbBefore = size === 8 ? dHi >>> 31 : (d >>> (bits - 1)) & 1;
  const msbAfter = size === 8 ? rHi >>> 31 : (r >>> (bits - 1)) & 1;
  if (i.rm >= 0) cpu.setReg(i.rm, size, r, rHi);
  else cpu.writeMem(addr, size, r, rHi);
  cpu.setFlagsCOA(r, rHi, size, cf, msbBefore ^ msbAfter, 0);
}
