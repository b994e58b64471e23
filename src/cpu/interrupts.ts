import type { Cpu } from './cpu.js';
import { MachineHalted, VEC_GP, VEC_NP, VECTOR_NAMES } from './cpu-exception.js';
import { IF, NT, RF, TF, VM, IOPL, AC, ID, ARITH_FLAGS, DF, FIXED_1 } from './flags.js';
import { readDescriptor, systemRead32, systemRead64 } from './descriptors.js';
import { RSP, SEG_CS, SEG_SS } from './registers.js';

const TWO_POW_32 = 4294967296;
const CANONICAL_LIMIT = 2 ** 47;

/** Observes privilege transitions (the debugger shows each CPL change). */
export interface TransitionObserver {
  onInterrupt?(vector: number, fromCpl: number, frameAddress: number): void;
}

/**
 * Delivers an interrupt or exception through the 64-bit IDT (SDM Vol. 3A §6.14):
 * reads the 16-byte gate, checks its DPL against the CPL for software interrupts, moves
 * to the stack in TSS.RSP0 (or an IST slot) when the privilege rises, aligns RSP to 16,
 * pushes SS, RSP, RFLAGS, CS, RIP and the error code, and enters the handler with TF,
 * NT and RF cleared (IF too, for an interrupt gate).
 *
 * `returnRip` is the address the handler returns to: the faulting instruction for
 * faults, the next one for traps and INT n. `errorCode` < 0 means none is pushed.
 */
export function deliverInterrupt(cpu: Cpu, vector: number, errorCode: number, returnRip: number, software: boolean): void {
  const gateAddr = cpu.idtBase + vector * 16;
  if (vector * 16 + 15 > cpu.idtLimit) cpu.raise(VEC_GP, vector * 8 + 2, `vector ${vector} beyond the IDT limit`);
  const w0 = systemRead32(cpu, gateAddr);
  const w1 = systemRead32(cpu, gateAddr + 4);
  const w2 = systemRead32(cpu, gateAddr + 8);
  const type = (w1 >> 8) & 15;
  const dpl = (w1 >> 13) & 3;
  const present = (w1 & (1 << 15)) !== 0;
  const ist = w1 & 7;
  if (software && dpl < cpu.cpl) cpu.raise(VEC_GP, vector * 8 + 2, `int 0x${vector.toString(16)} through a gate with DPL ${dpl}`);
  if (!present) cpu.raise(VEC_NP, vector * 8 + 2, `gate ${vector} not present`);
  if (type !== 0xe && type !== 0xf) throw new MachineHalted(`IDT entry ${vector} is not a 64-bit interrupt or trap gate`);
  const selector = w0 >>> 16;
  const target = w2 * TWO_POW_32 + (((w1 & 0xffff0000) | (w0 & 0xffff)) >>> 0);
  const code = readDescriptor(cpu, selector);
  if (!code || !code.present || !code.long) throw new MachineHalted(`IDT entry ${vector} names a bad code segment 0x${selector.toString(16)}`);

  const oldCpl = cpu.cpl;
  const newCpl = code.dpl;
  const oldRsp = cpu.rsp();
  const oldSs = cpu.selectors[SEG_SS];
  const oldCs = cpu.selectors[SEG_CS];
  const oldFlags = cpu.getRflags();
  let rsp = oldRsp;
  if (ist !== 0) {
    const lo = systemRead64(cpu, cpu.trBase + 0x24 + (ist - 1) * 8);
    rsp = cpu.resHi * TWO_POW_32 + (lo >>> 0);
  } else if (newCpl < oldCpl) {
    const lo = systemRead64(cpu, cpu.trBase + 4); // TSS.RSP0 (SDM Vol. 3A §8.7, Figure 8-11)
    rsp = cpu.resHi * TWO_POW_32 + (lo >>> 0);
  }
  rsp -= rsp % 16 < 0 ? rsp % 16 + 16 : rsp % 16;

  cpu.setCpl(newCpl);
  try {
    cpu.setRsp(rsp);
    cpu.push64(oldSs, 0);
    cpu.pushAddress(oldRsp);
    cpu.push64(software || !isFault(vector) ? oldFlags : oldFlags | RF, 0);
    cpu.push64(oldCs, 0);
    cpu.pushAddress(returnRip);
    if (errorCode >= 0) cpu.push64(errorCode, 0);
  } catch (e) {
    cpu.setCpl(oldCpl);
    throw new MachineHalted(`fault while delivering ${VECTOR_NAMES[vector] ?? `vector ${vector}`}: the kernel stack is unusable`);
  }
  cpu.observer?.onInterrupt?.(vector, oldCpl, cpu.rsp());
  if (newCpl < oldCpl) cpu.selectors[SEG_SS] = newCpl; // NULL selector with RPL = new CPL
  cpu.selectors[SEG_CS] = (selector & ~3) | newCpl;
  cpu.compat = false; // the gate's code segment is a 64-bit one (checked above)
  cpu.setRflags(oldFlags & ~(TF | NT | RF | VM | (type === 0xe ? IF : 0)));
  cpu.rip = target;
}

/**
 * Fault-class exceptions save RF = 1 in the RFLAGS image (SDM Vol. 3A §17.3.1.1), so the
 * restarted instruction does not re-trigger an instruction breakpoint; traps (#DB here,
 * #BP, #OF) and aborts (#DF) do not.
 */
function isFault(vector: number): boolean {
  return vector !== 1 && vector !== 3 && vector !== 4 && vector !== 8;
}

/** Bits IRET may load at CPL 0 (VM, VIF, VIP are not set by a 64-bit IRET here). */
const IRET_KERNEL_MASK = ARITH_FLAGS | TF | IF | DF | IOPL | NT | AC | ID | RF | FIXED_1;

/** IRETQ (SDM Vol. 2A, IRET, IA-32e mode): pops RIP, CS, RFLAGS, RSP, SS. */
export function iretq(cpu: Cpu): void {
  const sp = cpu.rsp();
  const ripLo = cpu.mem.read64(sp);
  const ripHi = cpu.mem.hi;
  const cs = cpu.mem.read64(sp + 8) & 0xffff;
  const flags = cpu.mem.read64(sp + 16);
  const rspLo = cpu.mem.read64(sp + 24);
  const rspHi = cpu.mem.hi;
  const ss = cpu.mem.read64(sp + 32) & 0xffff;
  const newCpl = cs & 3;
  if (newCpl < cpu.cpl) cpu.raise(VEC_GP, cs & ~3, 'iret to a more privileged level');
  const target = ripHi * TWO_POW_32 + (ripLo >>> 0);
  if (target < -CANONICAL_LIMIT || target >= CANONICAL_LIMIT) cpu.raise(VEC_GP, 0, 'iret to a non-canonical address');
  const mask = cpu.cpl === 0 ? IRET_KERNEL_MASK : IRET_KERNEL_MASK & ~(IOPL | IF);
  const flagsNow = cpu.getRflags();
  // RF only suppresses instruction breakpoints for the next instruction, and x64emu has
  // no debug-register breakpoints, so it is consumed here rather than kept.
  cpu.setRflags(((flagsNow & ~mask) | (flags & mask)) & ~RF);
  cpu.selectors[SEG_CS] = cs;
  cpu.selectors[SEG_SS] = ss;
  cpu.lo[RSP] = rspLo;
  cpu.hi[RSP] = rspHi;
  cpu.setCpl(newCpl);
  // A code segment with L = 0 (the 32-bit user segment, 0x23) resumes in compatibility mode.
  const code = readDescriptor(cpu, cs);
  cpu.compat = code !== null && !code.long;
  cpu.rip = target;
}
