import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { RCX } from '../registers.js';
import { popValue } from './data.js';

const TWO_POW_32 = 4294967296;
const CANONICAL_LIMIT = 2 ** 47;

/**
 * Near branches: RIP already holds the next instruction's address when a handler runs,
 * so a relative target is rip + displacement. A non-canonical target raises #GP at the
 * branch (as Intel does), not at the target.
 */
function branchTo(cpu: Cpu, target: number): void {
  checkTarget(cpu, target);
  cpu.rip = target;
}

function checkTarget(cpu: Cpu, target: number): void {
  if (target < -CANONICAL_LIMIT || target >= CANONICAL_LIMIT) cpu.raise(13, 0, 'branch to a non-canonical address');
}

/**
 * CALL: the target is checked before the return address is pushed (SDM Vol. 2A CALL,
 * "Operation": #GP(0) for a non-canonical tempRIP, then Push(RIP)), so a faulting call
 * leaves RSP and the stack alone, as on the host.
 */
function callTo(cpu: Cpu, target: number): void {
  checkTarget(cpu, target);
  cpu.pushAddress(cpu.rip);
  cpu.rip = target;
}

/** EB / E9: JMP rel8 / rel32. */
export function jmpRel(cpu: Cpu, i: Insn): void {
  branchTo(cpu, cpu.rip + i.imm);
}

/** 70+cc / 0F 80+cc: Jcc rel. */
export function jccRel(cpu: Cpu, i: Insn): void {
  if (cpu.cond(i.sub)) branchTo(cpu, cpu.rip + i.imm);
}

/** E8: CALL rel32. */
export function callRel(cpu: Cpu, i: Insn): void {
  callTo(cpu, cpu.rip + i.imm);
}

/** FF /2: CALL E (64-bit). */
export function callE(cpu: Cpu, i: Insn): void {
  const lo = cpu.readE(i);
  callTo(cpu, cpu.resHi * TWO_POW_32 + (lo >>> 0));
}

/** FF /4: JMP E (64-bit). */
export function jmpE(cpu: Cpu, i: Insn): void {
  const lo = cpu.readE(i);
  branchTo(cpu, cpu.resHi * TWO_POW_32 + (lo >>> 0));
}

/** C3 / C2 Iw: RET, optionally releasing imm16 bytes of arguments. */
export function ret(cpu: Cpu, i: Insn): void {
  const lo = popValue(cpu, 8);
  const target = cpu.resHi * TWO_POW_32 + (lo >>> 0);
  if (i.sub) cpu.setRsp(cpu.rsp() + (i.imm & 0xffff));
  branchTo(cpu, target);
}

/** E0-E2: LOOPNE / LOOPE / LOOP — decrement rCX (address size), branch while non-zero. */
export function loop(cpu: Cpu, i: Insn): void {
  let nonZero: boolean;
  if (i.addrsize === 8) {
    const lo = (cpu.lo[RCX] - 1) | 0;
    const hi = lo === -1 ? (cpu.hi[RCX] - 1) | 0 : cpu.hi[RCX];
    cpu.setReg64(RCX, lo, hi);
    nonZero = (lo | hi) !== 0;
  } else {
    const lo = (cpu.lo[RCX] - 1) | 0;
    cpu.setReg32(RCX, lo);
    nonZero = lo !== 0;
  }
  let take = nonZero;
  if (i.sub === 0) take &&= cpu.getZF() === 0; // LOOPNE
  else if (i.sub === 1) take &&= cpu.getZF() === 1; // LOOPE
  if (take) branchTo(cpu, cpu.rip + i.imm);
}

/** E3: JRCXZ / JECXZ. */
export function jrcxz(cpu: Cpu, i: Insn): void {
  const zero = i.addrsize === 8 ? (cpu.lo[RCX] | cpu.hi[RCX]) === 0 : cpu.lo[RCX] === 0;
  if (zero) branchTo(cpu, cpu.rip + i.imm);
}
