import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { RAX } from '../registers.js';

/**
 * The eight classic ALU operations, numbered as in their opcodes (00-3F and group 1's
 * ModRM.reg: SDM Vol. 2D Table A-6): ADD OR ADC SBB AND SUB XOR CMP.
 */
export const ADD = 0;
export const OR = 1;
export const ADC = 2;
export const SBB = 3;
export const AND = 4;
export const SUB = 5;
export const XOR = 6;
export const CMP = 7;

const TWO_POW_32 = 4294967296;

export function sizeMask(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
}

/**
 * Result of `a op b` at `size` bytes (1, 2, 4: values in the low word; 8: halves).
 * Returns the low word; the high half goes to cpu.resHi. No flags are touched, so a
 * memory destination can be written (and fault) before the flags change.
 */
export function aluResult(cpu: Cpu, op: number, size: number, a: number, aHi: number, b: number, bHi: number, carryIn: number): number {
  if (size !== 8) {
    let r: number;
    switch (op) {
      case ADD: r = a + b; break;
      case OR: r = a | b; break;
      case ADC: r = a + b + carryIn; break;
      case SBB: r = a - b - carryIn; break;
      case AND: r = a & b; break;
      case XOR: r = a ^ b; break;
      default: r = a - b; break; // SUB, CMP
    }
    cpu.resHi = 0;
    return size === 4 ? r | 0 : r & sizeMask(size);
  }
  let lo: number;
  let hi: number;
  switch (op) {
    case ADD:
    case ADC: {
      const sum = (a >>> 0) + (b >>> 0) + (op === ADC ? carryIn : 0);
      const carry = sum >= TWO_POW_32 ? 1 : 0;
      lo = sum | 0;
      hi = (aHi + bHi + carry) | 0;
      break;
    }
    case OR: lo = a | b; hi = aHi | bHi; break;
    case AND: lo = a & b; hi = aHi & bHi; break;
    case XOR: lo = a ^ b; hi = aHi ^ bHi; break;
    default: { // SUB, SBB, CMP
      const diff = (a >>> 0) - (b >>> 0) - (op === SBB ? carryIn : 0);
      const borrow = diff < 0 ? 1 : 0;
      lo = diff | 0;
      hi = (aHi - bHi - borrow) | 0;
      break;
    }
  }
  cpu.resHi = hi;
  return lo;
}

/**
 * Sets the lazy flags for `r = a op b` (see cpu.ts): the carry-out vector of an
 * addition is (a & b) | ((a | b) & ~r), the borrow-out vector of a subtraction is
 * (~a & b) | (~(a ^ b) & r), bit by bit, so they hold for any width and for carry-in
 * (ADC/SBB) alike; logical operations carry nothing (CF = OF = 0, AF undefined → 0).
 */
export function aluFlags(cpu: Cpu, op: number, size: number, a: number, aHi: number, b: number, bHi: number, r: number, rHi: number): void {
  const shift = size === 8 ? 31 : size * 8 - 1;
  let aux = 0;
  let auxHi = 0;
  if (op === ADD || op === ADC) {
    aux = (a & b) | ((a | b) & ~r);
    auxHi = (aHi & bHi) | ((aHi | bHi) & ~rHi);
  } else if (op === SUB || op === SBB || op === CMP) {
    aux = (~a & b) | (~(a ^ b) & r);
    auxHi = (~aHi & bHi) | (~(aHi ^ bHi) & rHi);
  }
  if (size === 8) cpu.setLazy(r, rHi, aux, auxHi, 31);
  else cpu.setLazy(r, r, aux, aux, shift);
}

/** a op b with flags, for register destinations; returns the low word (high in resHi). */
function aluOp(cpu: Cpu, op: number, size: number, a: number, aHi: number, b: number, bHi: number): number {
  const carryIn = op === ADC || op === SBB ? cpu.getCF() : 0;
  const r = aluResult(cpu, op, size, a, aHi, b, bHi, carryIn);
  const rHi = cpu.resHi;
  aluFlags(cpu, op, size, a, aHi, b, bHi, r, rHi);
  cpu.resHi = rHi;
  return r;
}

/** E op= src, with the memory form written before the flags change. */
function aluToE(cpu: Cpu, i: Insn, b: number, bHi: number): void {
  const size = i.opsize;
  const op = i.sub;
  if (i.rm >= 0) {
    const a = cpu.getReg(i.rm, size);
    const r = aluOp(cpu, op, size, a, cpu.resHi, b, bHi);
    if (op !== CMP) cpu.setReg(i.rm, size, r, cpu.resHi);
    return;
  }
  const addr = op === CMP ? cpu.ea(i) : cpu.eaRmw(i);
  const a = cpu.readMem(addr, size);
  const aHi = cpu.resHi;
  const carryIn = op === ADC || op === SBB ? cpu.getCF() : 0;
  const r = aluResult(cpu, op, size, a, aHi, b, bHi, carryIn);
  const rHi = cpu.resHi;
  if (op !== CMP) cpu.writeMem(addr, size, r, rHi);
  aluFlags(cpu, op, size, a, aHi, b, bHi, r, rHi);
}

/** 00/08/.../38: ALU Eb,Gb and Ev,Gv. */
export function aluEG(cpu: Cpu, i: Insn): void {
  const b = cpu.getReg(i.reg, i.opsize);
  aluToE(cpu, i, b, cpu.resHi);
}

/** 02/0A/.../3A: ALU Gb,Eb and Gv,Ev. */
export function aluGE(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const b = cpu.readE(i);
  const bHi = cpu.resHi;
  const a = cpu.getReg(i.reg, size);
  const r = aluOp(cpu, i.sub, size, a, cpu.resHi, b, bHi);
  if (i.sub !== CMP) cpu.setReg(i.reg, size, r, cpu.resHi);
}

/** 04/05...: ALU AL,Ib and rAX,Iz. */
export function aluAccImm(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const a = cpu.getReg(RAX, size);
  const r = aluOp(cpu, i.sub, size, a, cpu.resHi, i.imm & sizeMask(size), i.immHi);
  if (i.sub !== CMP) cpu.setReg(RAX, size, r, cpu.resHi);
}

/** 80/81/83: group 1, ALU E,imm (83's Ib sign-extended to the operand size). */
export function aluEImm(cpu: Cpu, i: Insn): void {
  aluToE(cpu, i, i.imm & sizeMask(i.opsize), i.immHi);
}

/** 84/85: TEST E,G; A8/A9: TEST acc,imm; F6/F7 /0: TEST E,imm. AND without a result. */
export function testEG(cpu: Cpu, i: Insn): void {
  const a = cpu.readE(i);
  const aHi = cpu.resHi;
  const b = cpu.getReg(i.reg, i.opsize);
  aluFlags(cpu, AND, i.opsize, 0, 0, 0, 0, a & b, aHi & cpu.resHi);
}

export function testAccImm(cpu: Cpu, i: Insn): void {
  const a = cpu.getReg(RAX, i.opsize);
  aluFlags(cpu, AND, i.opsize, 0, 0, 0, 0, a & i.imm & sizeMask(i.opsize), cpu.resHi & i.immHi);
}

export function testEImm(cpu: Cpu, i: Insn): void {
  const a = cpu.readE(i);
  aluFlags(cpu, AND, i.opsize, 0, 0, 0, 0, a & i.imm & sizeMask(i.opsize), cpu.resHi & i.immHi);
}

/** F6/F7 /3: NEG = 0 - E, flags as SUB (CF = operand != 0). */
export function negE(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const addr = i.rm >= 0 ? 0 : cpu.eaRmw(i);
  const a = i.rm >= 0 ? cpu.getReg(i.rm, size) : cpu.readMem(addr, size);
  const aHi = cpu.resHi;
  const r = aluResult(cpu, SUB, size, 0, 0, a, aHi, 0);
  const rHi = cpu.resHi;
  if (i.rm >= 0) cpu.setReg(i.rm, size, r, rHi);
  else cpu.writeMem(addr, size, r, rHi);
  aluFlags(cpu, SUB, size, 0, 0, a, aHi, r, rHi);
}

/** F6/F7 /2: NOT, no flags. */
export function notE(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  if (i.rm >= 0) {
    const a = cpu.getReg(i.rm, size);
    cpu.setReg(i.rm, size, ~a & sizeMask(size), ~cpu.resHi);
  } else {
    const addr = cpu.eaRmw(i);
    const a = cpu.readMem(addr, size);
    cpu.writeMem(addr, size, ~a & sizeMask(size), ~cpu.resHi);
  }
}

/** FE/FF /0 /1: INC and DEC leave CF unchanged (SDM Vol. 2A, INC). */
export function incDecE(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const addr = i.rm >= 0 ? 0 : cpu.eaRmw(i);
  const a = i.rm >= 0 ? cpu.getReg(i.rm, size) : cpu.readMem(addr, size);
  const aHi = cpu.resHi;
  const op = i.sub === 0 ? ADD : SUB;
  const r = aluResult(cpu, op, size, a, aHi, 1, 0, 0);
  const rHi = cpu.resHi;
  if (i.rm >= 0) cpu.setReg(i.rm, size, r, rHi);
  else cpu.writeMem(addr, size, r, rHi);
  const cf = cpu.getCF();
  aluFlags(cpu, op, size, a, aHi, 1, 0, r, rHi);
  const of = cpu.getOF();
  const af = cpu.getAF();
  cpu.setFlagsCOA(r, rHi, size, cf, of, af);
}
