import type { Cpu } from '../cpu.js';
import { AF, CF, PF, SF, ZF } from '../flags.js';
import type { Insn } from '../insn.js';
import { RAX, RBP, RDX } from '../registers.js';
import { aluFlags, aluResult, CMP, ADD } from './alu.js';

const TWO_POW_32 = 4294967296;

/** 88/89: MOV E,G. */
export function movEG(cpu: Cpu, i: Insn): void {
  const v = cpu.getReg(i.reg, i.opsize);
  cpu.writeE(i, v, cpu.resHi);
}

/** 8A/8B: MOV G,E. */
export function movGE(cpu: Cpu, i: Insn): void {
  const v = cpu.readE(i);
  cpu.setReg(i.reg, i.opsize, v, cpu.resHi);
}

/** C6/C7 /0: MOV E,imm (Iz sign-extended to 64 bits for REX.W). */
export function movEImm(cpu: Cpu, i: Insn): void {
  cpu.writeE(i, i.imm, i.immHi);
}

/** B0+r / B8+r: MOV Z,imm (B8 with REX.W takes a full imm64). */
export function movZImm(cpu: Cpu, i: Insn): void {
  cpu.setReg(i.reg, i.opsize, i.imm, i.immHi);
}

/** A0-A3: MOV between the accumulator and an absolute 64-bit address (moffs). */
export function movAccMoffs(cpu: Cpu, i: Insn): void {
  let addr = i.immHi * TWO_POW_32 + (i.imm >>> 0) + cpu.segBase[i.segment];
  if (cpu.compat) addr %= TWO_POW_32; // as in Cpu.ea: i386 TLS reads %gs:-offset as a moffs32
  if (addr < -(2 ** 47) || addr >= 2 ** 47) cpu.raise(13, 0, 'non-canonical moffs address');
  if (i.sub === 0) {
    const v = cpu.readMem(addr, i.opsize);
    cpu.setReg(RAX, i.opsize, v, cpu.resHi);
  } else {
    const v = cpu.getReg(RAX, i.opsize);
    cpu.writeMem(addr, i.opsize, v, cpu.resHi);
  }
}

/**
 * 8D: LEA G,M — the effective address without a memory access: no segment base, no
 * canonical check, computed in 32-bit halves so every 64-bit sum is exact (LEA is
 * also plain arithmetic: compilers use it for a + b*k + c).
 */
export function lea(cpu: Cpu, i: Insn): void {
  let lo: number;
  let hi: number;
  if (i.ripRelative) {
    const addr = cpu.rip + i.disp;
    lo = addr | 0;
    hi = Math.floor(addr / TWO_POW_32) | 0;
  } else {
    const sum = (cpu.lo[i.base] >>> 0) + (cpu.lo[i.index] >>> 0) * i.scale + (i.disp >>> 0);
    const carry = Math.floor(sum / TWO_POW_32);
    lo = sum | 0;
    hi = (cpu.hi[i.base] + cpu.hi[i.index] * i.scale + (i.disp < 0 ? -1 : 0) + carry) | 0;
    if (i.addrsize === 4) hi = 0;
  }
  cpu.setReg(i.reg, i.opsize, lo, hi);
}

/** 0F B6/B7: MOVZX; 0F BE/BF: MOVSX (sub = source size, negative for sign extension). */
export function movx(cpu: Cpu, i: Insn): void {
  const srcSize = Math.abs(i.sub);
  let v: number;
  if (i.rm >= 0) v = srcSize === 1 ? cpu.getReg8(i.rm) : cpu.lo[i.rm] & 0xffff;
  else v = cpu.readMem(cpu.ea(i), srcSize);
  if (i.sub < 0) v = srcSize === 1 ? (v << 24) >> 24 : (v << 16) >> 16;
  cpu.setReg(i.reg, i.opsize, i.opsize === 2 ? v & 0xffff : v, v < 0 ? -1 : 0);
}

/** 63 /r: MOVSXD G,Ed (with REX.W; without it, a plain 32-bit move). */
export function movsxd(cpu: Cpu, i: Insn): void {
  const v = i.rm >= 0 ? cpu.lo[i.rm] : cpu.readMem(cpu.ea(i), i.opsize === 2 ? 2 : 4);
  if (i.opsize === 8) cpu.setReg64(i.reg, v, v >> 31);
  else cpu.setReg(i.reg, i.opsize, v, 0);
}

/** 86/87: XCHG E,G (implicitly locked); 90+r: XCHG rAX,Z. */
export function xchgEG(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const g = cpu.getReg(i.reg, size);
  const gHi = cpu.resHi;
  if (i.rm >= 0) {
    const e = cpu.getReg(i.rm, size);
    const eHi = cpu.resHi;
    cpu.setReg(i.rm, size, g, gHi);
    cpu.setReg(i.reg, size, e, eHi);
  } else {
    const addr = cpu.eaRmw(i);
    const e = cpu.readMem(addr, size);
    const eHi = cpu.resHi;
    cpu.writeMem(addr, size, g, gHi);
    cpu.setReg(i.reg, size, e, eHi);
  }
}

export function xchgAccZ(cpu: Cpu, i: Insn): void {
  // 90 (also 66 90, 48 90) is NOP: XCHG EAX,EAX through 90 does not clear RAX[63:32]
  // (SDM Vol. 2B, XCHG: "XCHG (E)AX, (E)AX (encoded instruction byte is 90H) is an alias for NOP").
  if (i.reg === RAX) return;
  const size = i.opsize;
  const a = cpu.getReg(RAX, size);
  const aHi = cpu.resHi;
  const z = cpu.getReg(i.reg, size);
  cpu.setReg(RAX, size, z, cpu.resHi);
  cpu.setReg(i.reg, size, a, aHi);
}

/** 90 without REX.B: NOP (also F3 90 PAUSE, 0F 1F NOP Ev, ENDBR64, fences, prefetches). */
export function nop(_cpu: Cpu, _i: Insn): void {}

/** 50+r: PUSH Z (64 bits, or 16 with 66h). */
export function pushZ(cpu: Cpu, i: Insn): void {
  pushValue(cpu, i.opsize, cpu.lo[i.reg], cpu.hi[i.reg]);
}

/** 58+r: POP Z. */
export function popZ(cpu: Cpu, i: Insn): void {
  const v = popValue(cpu, i.opsize);
  cpu.setReg(i.reg, i.opsize, v, cpu.resHi);
}

/** 6A/68: PUSH imm (sign-extended to 64 bits). */
export function pushImm(cpu: Cpu, i: Insn): void {
  pushValue(cpu, i.opsize, i.imm, i.immHi);
}

/** FF /6: PUSH E. */
export function pushE(cpu: Cpu, i: Insn): void {
  const v = cpu.readE(i);
  pushValue(cpu, i.opsize, v, cpu.resHi);
}

/** 8F /0: POP E. RSP is incremented before the destination address is computed (SDM POP). */
export function popE(cpu: Cpu, i: Insn): void {
  const v = popValue(cpu, i.opsize);
  const hi = cpu.resHi;
  try {
    cpu.writeE(i, v, hi);
  } catch (e) {
    cpu.setRsp(cpu.rsp() - i.opsize); // the instruction did not happen
    throw e;
  }
}

export function pushValue(cpu: Cpu, size: number, lo: number, hi: number): void {
  if (size === 8) cpu.push64(lo, hi);
  else if (size === 4) {
    const sp = cpu.stackAddress(cpu.rsp() - 4);
    cpu.mem.write32(sp, lo);
    cpu.setRsp(sp);
  } else {
    const sp = cpu.stackAddress(cpu.rsp() - 2);
    cpu.mem.write16(sp, lo);
    cpu.setRsp(sp);
  }
}

export function popValue(cpu: Cpu, size: number): number {
  if (size === 8) return cpu.pop64();
  const sp = cpu.stackAddress(cpu.rsp());
  const v = size === 4 ? cpu.mem.read32(sp) : cpu.mem.read16(sp);
  cpu.setRsp(sp + size);
  cpu.resHi = 0;
  return v;
}

/** C9: LEAVE = mov rsp, rbp; pop rbp. */
export function leave(cpu: Cpu, i: Insn): void {
  // The read is an SS reference: a non-canonical RBP is #SS(0) (SDM Vol. 2A, LEAVE).
  const frame = cpu.stackAddress(cpu.regSigned(RBP));
  const v = i.opsize === 8 ? cpu.mem.read64(frame) : i.opsize === 4 ? cpu.mem.read32(frame) : cpu.mem.read16(frame);
  const hi = cpu.mem.hi;
  cpu.setRsp(frame + i.opsize);
  cpu.setReg(RBP, i.opsize, v, hi);
}

/** C8: ENTER Iw,Ib (SDM Vol. 2A, ENTER, 64-bit operand size). */
export function enter(cpu: Cpu, i: Insn): void {
  const size = i.imm & 0xffff;
  const level = i.imm2 & 31;
  // Every access is an SS reference: non-canonical addresses are #SS(0).
  let sp = cpu.stackAddress(cpu.rsp() - 8);
  cpu.mem.write64(sp, cpu.lo[RBP], cpu.hi[RBP]);
  const frameTemp = sp;
  let rbp = cpu.regSigned(RBP);
  for (let n = 1; n < level; n++) {
    rbp = cpu.stackAddress(rbp - 8);
    const lo = cpu.mem.read64(rbp);
    sp = cpu.stackAddress(sp - 8);
    cpu.mem.write64(sp, lo, cpu.mem.hi);
  }
  if (level > 0) {
    sp = cpu.stackAddress(sp - 8);
    cpu.mem.write64(sp, frameTemp | 0, Math.floor(frameTemp / TWO_POW_32));
  }
  cpu.lo[RBP] = frameTemp | 0;
  cpu.hi[RBP] = Math.floor(frameTemp / TWO_POW_32);
  cpu.setRsp(sp - size);
}

/** 98: CBW / CWDE / CDQE — sign-extend the low half of the accumulator into it. */
export function cbw(cpu: Cpu, i: Insn): void {
  const a = cpu.lo[RAX];
  if (i.opsize === 8) cpu.setReg64(RAX, a, a >> 31);
  else if (i.opsize === 4) cpu.setReg32(RAX, (a << 16) >> 16);
  else cpu.setReg16(RAX, (a << 24) >> 24);
}

/** 99: CWD / CDQ / CQO — fill rDX with the accumulator's sign. */
export function cwd(cpu: Cpu, i: Insn): void {
  if (i.opsize === 8) {
    const s = cpu.hi[RAX] >> 31;
    cpu.setReg64(RDX, s, s);
  } else if (i.opsize === 4) cpu.setReg32(RDX, cpu.lo[RAX] >> 31);
  else cpu.setReg16(RDX, (cpu.lo[RAX] << 16) >> 31);
}

/** 0F 40+cc: CMOVcc G,E. The 32-bit form clears the upper half even when false (SDM CMOVcc). */
export function cmov(cpu: Cpu, i: Insn): void {
  const v = cpu.readE(i);
  const hi = cpu.resHi;
  if (cpu.cond(i.sub)) cpu.setReg(i.reg, i.opsize, v, hi);
  else if (i.opsize === 4) cpu.hi[i.reg] = 0;
}

/** 0F 90+cc: SETcc Eb. */
export function setcc(cpu: Cpu, i: Insn): void {
  const v = cpu.cond(i.sub) ? 1 : 0;
  if (i.rm >= 0) cpu.setReg8(i.rm, v);
  else cpu.mem.write8(cpu.ea(i), v);
}

/** 0F C8+r: BSWAP. */
export function bswap(cpu: Cpu, i: Insn): void {
  const r = i.reg;
  if (i.opsize === 8) {
    const lo = swap32(cpu.hi[r]);
    const hi = swap32(cpu.lo[r]);
    cpu.setReg64(r, lo, hi);
  } else {
    cpu.setReg32(r, swap32(cpu.lo[r]));
  }
}

export function swap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/** 0F 38 F0/F1: MOVBE G,M and M,G (sub 0 = load, 1 = store). */
export function movbe(cpu: Cpu, i: Insn): void {
  const addr = cpu.ea(i);
  const size = i.opsize;
  if (i.sub === 0) {
    const v = cpu.readMem(addr, size);
    if (size === 8) cpu.setReg64(i.reg, swap32(cpu.resHi), swap32(v));
    else if (size === 4) cpu.setReg32(i.reg, swap32(v));
    else cpu.setReg16(i.reg, ((v & 0xff) << 8) | ((v >> 8) & 0xff));
  } else {
    const v = cpu.getReg(i.reg, size);
    if (size === 8) cpu.writeMem(addr, 8, swap32(cpu.resHi), swap32(v));
    else if (size === 4) cpu.writeMem(addr, 4, swap32(v), 0);
    else cpu.writeMem(addr, 2, ((v & 0xff) << 8) | ((v >> 8) & 0xff), 0);
  }
}

/** 0F C0/C1: XADD E,G — temp = E + G; G = E; E = temp. */
export function xadd(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const g = cpu.getReg(i.reg, size);
  const gHi = cpu.resHi;
  const addr = i.rm >= 0 ? 0 : cpu.eaRmw(i);
  const e = i.rm >= 0 ? cpu.getReg(i.rm, size) : cpu.readMem(addr, size);
  const eHi = cpu.resHi;
  const r = aluResult(cpu, ADD, size, e, eHi, g, gHi, 0);
  const rHi = cpu.resHi;
  if (i.rm >= 0) {
    cpu.setReg(i.reg, size, e, eHi);
    cpu.setReg(i.rm, size, r, rHi);
  } else {
    cpu.writeMem(addr, size, r, rHi);
    cpu.setReg(i.reg, size, e, eHi);
  }
  aluFlags(cpu, ADD, size, e, eHi, g, gHi, r, rHi);
}

/** 0F B0/B1: CMPXCHG E,G — compare the accumulator with E; equal: E = G, else acc = E. */
export function cmpxchg(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const acc = cpu.getReg(RAX, size);
  const accHi = cpu.resHi;
  const addr = i.rm >= 0 ? 0 : cpu.eaRmw(i);
  const e = i.rm >= 0 ? cpu.getReg(i.rm, size) : cpu.readMem(addr, size);
  const eHi = cpu.resHi;
  const equal = e === acc && (size !== 8 || eHi === accHi);
  if (equal) {
    const g = cpu.getReg(i.reg, size);
    const gHi = cpu.resHi;
    if (i.rm >= 0) cpu.setReg(i.rm, size, g, gHi);
    else cpu.writeMem(addr, size, g, gHi);
  } else {
    // The destination is written back unchanged on failure (a locked RMW cycle).
    if (i.rm < 0) cpu.writeMem(addr, size, e, eHi);
    cpu.setReg(RAX, size, e, eHi);
  }
  const r = aluResult(cpu, CMP, size, acc, accHi, e, eHi, 0);
  aluFlags(cpu, CMP, size, acc, accHi, e, eHi, r, cpu.resHi);
}

/** 0F C7 /1: CMPXCHG8B / CMPXCHG16B (REX.W; 16-byte aligned or #GP). */
export function cmpxchg8b16b(cpu: Cpu, i: Insn): void {
  const addr = i.opsize === 8 ? cpu.ea16(i, false) : cpu.ea(i);
  const lo = cpu.lo;
  const hi = cpu.hi;
  if (i.opsize === 8) {
    cpu.mem.checkWrite(addr, 16);
    const m0 = cpu.mem.read64(addr);
    const m0h = cpu.mem.hi;
    const m1 = cpu.mem.read64(addr + 8);
    const m1h = cpu.mem.hi;
    if (m0 === lo[RAX] && m0h === hi[RAX] && m1 === lo[RDX] && m1h === hi[RDX]) {
      cpu.mem.write64(addr, lo[3], hi[3]); // RBX
      cpu.mem.write64(addr + 8, lo[1], hi[1]); // RCX
      cpu.setStatusFlags(ZF, ZF);
    } else {
      cpu.mem.write64(addr, m0, m0h);
      cpu.mem.write64(addr + 8, m1, m1h);
      cpu.setReg64(RAX, m0, m0h);
      cpu.setReg64(RDX, m1, m1h);
      cpu.setStatusFlags(ZF, 0);
    }
  } else {
    cpu.mem.checkWrite(addr, 8);
    const m = cpu.mem.read64(addr);
    const mh = cpu.mem.hi;
    if (m === lo[RAX] && mh === lo[RDX]) {
      cpu.mem.write64(addr, lo[3], lo[1]);
      cpu.setStatusFlags(ZF, ZF);
    } else {
      cpu.mem.write64(addr, m, mh);
      cpu.setReg32(RAX, m);
      cpu.setReg32(RDX, mh);
      cpu.setStatusFlags(ZF, 0);
    }
  }
}

/** 9F: LAHF — AH = SF:ZF:0:AF:0:PF:1:CF. */
export function lahf(cpu: Cpu, _i: Insn): void {
  const f = cpu.getRflags() & (SF | ZF | AF | PF | CF);
  cpu.setReg8(0x20 | 0, f | 2);
}

/** 9E: SAHF — loads SF ZF AF PF CF from AH. */
export function sahf(cpu: Cpu, _i: Insn): void {
  const ah = cpu.getReg8(0x20 | 0);
  cpu.setStatusFlags(SF | ZF | AF | PF | CF, ah);
}

