import { usesStackSegment } from '../cpu.js';
import type { Cpu } from '../cpu.js';
import { VEC_GP, VEC_SS } from '../cpu-exception.js';
import { AF, CF, OF, PF, SF, ZF } from '../flags.js';
import type { Insn } from '../insn.js';

const CANONICAL_LIMIT = 2 ** 47;

/** BT family operation in Insn.sub: 0 BT, 1 BTS, 2 BTR, 3 BTC (= ModRM.reg - 4 of 0F BA). */
const BT = 0;
const BTS = 1;
const BTR = 2;

/** 0F A3/AB/B3/BB: BTx E,G — a register bit offset reaches beyond a memory operand (SDM BT). */
export function btEG(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const bits = size * 8;
  const offLo = cpu.getReg(i.reg, size);
  const offHi = cpu.resHi;
  if (i.rm >= 0) {
    bitOp(cpu, i, -1, offLo & (bits - 1));
    return;
  }
  // Signed bit offset: the operand-size unit holding the bit is floor(offset / bits), the
  // bit in it offset mod bits (its low bits, also for a negative offset).
  let offset: number;
  if (size === 8) offset = offHi * 4294967296 + (offLo >>> 0);
  else if (size === 4) offset = offLo;
  else offset = (offLo << 16) >> 16;
  const bit = offLo & (bits - 1);
  let addr: number;
  if (i.addrsize === 4) {
    // The displacement is part of the 32-bit effective address and wraps with it (host:
    // no fault for any offset). Its low 32 bits, exact also for a 64-bit offset:
    const disp = size === 8 ? ((offLo >>> 6) | (offHi << 26)) << 3 : (offset >> (size === 4 ? 5 : 4)) << (size === 4 ? 2 : 1);
    const seg = cpu.segBase[i.segment];
    addr = ((cpu.ea(i) - seg + disp) >>> 0) + seg;
    if (cpu.compat) addr %= 4294967296;
  } else {
    addr = cpu.ea(i) + Math.floor(offset / bits) * size;
  }
  // The offset can move the access far from the operand: it must be canonical too, and
  // is an SS reference when the operand is (#SS(0) rather than #GP(0)).
  if (addr < -CANONICAL_LIMIT || addr >= CANONICAL_LIMIT) cpu.raise(usesStackSegment(i) ? VEC_SS : VEC_GP, 0, 'non-canonical bit-string address');
  bitOp(cpu, i, addr, bit);
}

/** 0F BA /4-7: BTx E,Ib — the immediate is taken modulo the operand width. */
export function btEImm(cpu: Cpu, i: Insn): void {
  const bit = i.imm & (i.opsize * 8 - 1);
  bitOp(cpu, i, i.rm >= 0 ? -1 : cpu.ea(i), bit);
}

function bitOp(cpu: Cpu, i: Insn, addr: number, bit: number): void {
  const size = i.opsize;
  if (i.rm < 0 && i.sub !== BT) cpu.mem.checkWrite(addr, size); // BTS/BTR/BTC: read-modify-write
  let lo = i.rm >= 0 ? cpu.getReg(i.rm, size) : cpu.readMem(addr, size);
  let hi = cpu.resHi;
  const inHigh = bit >= 32;
  const mask = 1 << (bit & 31);
  const old = ((inHigh ? hi : lo) & mask) !== 0 ? 1 : 0;
  if (i.sub !== BT) {
    const word = inHigh ? hi : lo;
    const updated = i.sub === BTS ? word | mask : i.sub === BTR ? word & ~mask : word ^ mask;
    if (inHigh) hi = updated;
    else lo = updated;
    if (i.rm >= 0) cpu.setReg(i.rm, size, lo, hi);
    else cpu.writeMem(addr, size, lo, hi);
  }
  cpu.setStatusFlags(CF, old);
}

/** Index of the lowest / highest set bit of (lo, hi); -1 for zero. */
function lowestBit(lo: number, hi: number): number {
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  if (hi !== 0) return 63 - Math.clz32(hi & -hi);
  return -1;
}

function highestBit(lo: number, hi: number): number {
  if (hi !== 0) return 63 - Math.clz32(hi);
  if (lo !== 0) return 31 - Math.clz32(lo);
  return -1;
}

function sourceValue(cpu: Cpu, i: Insn): number {
  const v = cpu.readE(i);
  if (i.opsize !== 8) cpu.resHi = 0;
  return i.opsize === 2 ? v & 0xffff : v;
}

/** 0F BC: BSF; 0F BD: BSR. A zero source sets ZF and leaves the destination unchanged. */
export function bsfBsr(cpu: Cpu, i: Insn): void {
  const lo = sourceValue(cpu, i);
  const hi = cpu.resHi;
  const index = i.sub === 0 ? lowestBit(lo, hi) : highestBit(lo, hi);
  if (index < 0) {
    cpu.setStatusFlags(ZF | CF | OF | SF | AF | PF, ZF);
    return;
  }
  cpu.setReg(i.reg, i.opsize, index, 0);
  cpu.setStatusFlags(ZF | CF | OF | SF | AF | PF, 0);
}

/** F3 0F BC: TZCNT; F3 0F BD: LZCNT. CF = source is zero, ZF = result is zero. */
export function tzcntLzcnt(cpu: Cpu, i: Insn): void {
  const lo = sourceValue(cpu, i);
  const hi = cpu.resHi;
  const bits = i.opsize * 8;
  let count: number;
  if ((lo | hi) === 0) count = bits;
  else if (i.sub === 0) count = lowestBit(lo, hi);
  else count = bits - 1 - highestBit(lo, hi);
  cpu.setReg(i.reg, i.opsize, count, 0);
  cpu.setStatusFlags(CF | ZF, (count === bits ? CF : 0) | (count === 0 ? ZF : 0));
}

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** F3 0F B8: POPCNT. ZF = source is zero; CF, OF, SF, AF, PF cleared. */
export function popcnt(cpu: Cpu, i: Insn): void {
  const lo = sourceValue(cpu, i);
  const hi = cpu.resHi;
  const count = popcount32(lo) + popcount32(hi);
  cpu.setReg(i.reg, i.opsize, count, 0);
  cpu.setStatusFlags(ZF | CF | OF | SF | AF | PF, count === 0 ? ZF : 0);
}

export { popcount32 };
