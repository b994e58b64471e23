import type { Handler, Insn } from '../insn.js';
import { ADC, ADD, aluAccImm, aluEG, aluEImm, aluGE, AND, CMP, incDecE, negE, notE, OR, SBB, SUB, testAccImm, testEG, testEImm } from '../ops/alu.js';
import { cbw, cmov, cmpxchg, cwd, lea, leave, movEG, movEImm, movGE, movsxd, movx, movZImm, nop, popZ, pushE, pushImm, pushZ, setcc, xchgAccZ, xchgEG } from '../ops/data.js';
import { shiftDouble, shiftE1, shiftECl, shiftEImm } from '../ops/shift.js';
import { bsfBsr } from '../ops/bit.js';
import { CF as CF_FLAG, DF, OF as OF_FLAG, ZF as ZF_FLAG } from '../flags.js';
import { imulGE } from '../ops/muldiv.js';
import { RAX, RBP, RCX, RDI, RDX, RSI, RSP } from '../registers.js';
import { REP_NONE } from '../insn.js';
import { stringOp } from '../ops/string.js';
import { rdtsc, rdtscp } from '../ops/system.js';
import { STATE_FLAGS, STATE_SEG_BASE } from '../../mmu/state-area.js';
import { A, B, BlockEmitter, C, D, R, RAISE_BAD_STACK, RAISE_BAD_STRING, T, X, Y } from './block-emitter.js';
import { Op } from './wasm-encoder.js';
import { sseTemplates } from './wasm-sse-templates.js';
import { muldivTemplates } from './wasm-muldiv-templates.js';
import type { WasmTemplate } from './wasm-template-helpers.js';
import { immediate, loadE, mask, setFlagsCO } from './wasm-template-helpers.js';

/**
 * WebAssembly templates for the integer instructions (ALU, moves, shifts and rotates,
 * stack, string moves, branches in compile-wasm-block.ts), each doing exactly what its
 * interpreter handler does; the SSE and one-operand MUL/DIV ones live beside this file.
 */

/** CF PF AF ZF SF OF. */
const STATUS = 0x8d5;

/** X = the `bits`-bit value on the stack sign-extended to 64 bits. */
function signExtend(e: BlockEmitter, bits: number): void {
  e.c.i64Number(64 - bits).op(Op.I64Shl).i64Number(64 - bits).op(Op.I64ShrS).set(X);
}

/**
 * X op= Y for the eight ALU operations (alu() in translator/templates.ts): the result in R
 * masked to its size, the carry vector in T, stored by `store` unless CMP.
 */
function alu(e: BlockEmitter, op: number, size: number, store: (() => void) | null, flagsDead: boolean): void {
  const c = e.c;
  const adds = op === ADD || op === ADC;
  const subtracts = op === SUB || op === SBB || op === CMP;
  const carry = op === ADC || op === SBB;
  if (carry) e.flag(0), c.op(Op.I64ExtendI32U).set(T);
  c.get(X).get(Y).op(adds ? Op.I64Add : subtracts ? Op.I64Sub : op === AND ? Op.I64And : op === OR ? Op.I64Or : Op.I64Xor);
  if (carry) c.get(T).op(adds ? Op.I64Add : Op.I64Sub);
  c.set(R);
  mask(e, R, size);
  if (store !== null) store();
  if (flagsDead) return;
  if (adds) {
    // (x & y) | ((x | y) & ~r)
    c.get(X).get(Y).op(Op.I64And).get(X).get(Y).op(Op.I64Or).get(R).i64Const(-1, -1).ops(Op.I64Xor, Op.I64And, Op.I64Or).set(T);
  } else if (subtracts) {
    // (~x & y) | (~(x ^ y) & r)
    c.get(X).i64Const(-1, -1).op(Op.I64Xor).get(Y).op(Op.I64And).get(X).get(Y).op(Op.I64Xor).i64Const(-1, -1).op(Op.I64Xor).get(R).ops(Op.I64And, Op.I64Or).set(T);
  } else c.i64Const(0, 0).set(T);
  e.setFlags(size, R, T);
}

/** The ALU's E operand destination: memory is checked for writing before it is read (Cpu.eaRmw). */
function aluToE(i: Insn, loadY: (e: BlockEmitter) => void): ReturnType<WasmTemplate> {
  const size = i.opsize;
  return (e, last, flagsDead) => {
    if (i.rm < 0) {
      e.effectiveAddress(i);
      if (i.sub !== CMP) e.checkWrite(size);
    }
    loadE(e, i, size);
    loadY(e);
    const store = i.sub === CMP ? null : i.rm >= 0 ? () => e.setReg(i.rm, size, R) : () => e.store(size, R, last);
    alu(e, i.sub, size, store, flagsDead);
  };
}

function test(i: Insn, loadY: (e: BlockEmitter) => void): ReturnType<WasmTemplate> {
  return (e, _last, flagsDead) => {
    if (i.rm < 0) e.effectiveAddress(i);
    loadE(e, i, i.opsize);
    loadY(e);
    alu(e, AND, i.opsize, null, flagsDead);
  };
}

const yFromReg = (i: Insn, reg: number) => (e: BlockEmitter) => (e.reg(reg, i.opsize), e.c.set(Y));
const yFromImm = (i: Insn) => (e: BlockEmitter) => immediate(e, i, i.opsize, Y);

/**
 * The frame of a shift by a constant or by CL (shiftE, shiftDouble in ops/shift.ts): a
 * memory operand is checked for writing even when the count is 0 (Cpu.eaRmw); the masked
 * count goes to Y, and `shifted` runs only for a non-zero one: a zero count changes
 * nothing, flags included, but a 32-bit register destination is still written (its upper
 * half cleared).
 */
function withShiftCount(e: BlockEmitter, i: Insn, rawCount: number | 'cl', shifted: () => void): void {
  const c = e.c;
  const size = i.opsize;
  const countMask = size === 8 ? 0x3f : 0x1f;
  if (i.rm < 0) e.effectiveAddress(i), e.checkWrite(size);
  const zeroCount = (): void => {
    if (size === 4 && i.rm >= 0) e.reg(i.rm, 4), c.set(R), e.setReg(i.rm, 4, R);
  };
  if (rawCount !== 'cl') {
    if ((rawCount & countMask) === 0) zeroCount();
    else c.i64Number(rawCount & countMask).set(Y), shifted();
    return;
  }
  e.reg(RCX, 1);
  c.i64Number(countMask).op(Op.I64And).tee(Y).op(Op.I64Eqz);
  e.open(Op.If);
  zeroCount();
  e.elseArm();
  shifted();
  e.close();
  e.knownShift = null; // set in one arm only
}

/**
 * SHL (4), SHR (5), SAR (7) of a 32- or 64-bit register or memory operand by a constant
 * or by CL (shiftE in ops/shift.ts): CF is the last bit shifted out; OF is MSB(result) ^
 * CF for SHL, MSB(source) for SHR, 0 for SAR (a zero count: withShiftCount). ROL/ROR of
 * a register go to rotate().
 */
function shift(i: Insn, rawCount: number | 'cl'): ReturnType<WasmTemplate> {
  const op = i.sub === 6 ? 4 : i.sub;
  const size = i.opsize;
  if (size !== 4 && size !== 8) return null;
  if (op === 0 || op === 1) return rawCount === 'cl' || i.rm < 0 ? null : rotate(i, rawCount);
  if (op !== 4 && op !== 5 && op !== 7) return null;
  const bits = size * 8;
  return (e, last, flagsDead) =>
    withShiftCount(e, i, rawCount, () => {
      const c = e.c;
      loadE(e, i, size);
      // A 32-bit SAR shifts the sign-extended value.
      if (op === 7 && size === 4) c.get(X).i64Number(32).op(Op.I64Shl).i64Number(32).op(Op.I64ShrS).set(X);
      c.get(X).get(Y).op(op === 4 ? Op.I64Shl : op === 5 ? Op.I64ShrU : Op.I64ShrS).set(R);
      mask(e, R, size);
      if (i.rm >= 0) e.setReg(i.rm, size, R);
      else e.store(size, R, last);
      if (flagsDead) return;
      // CF: the last bit shifted out.
      if (op === 4) c.get(X).i64Number(bits).get(Y).op(Op.I64Sub).op(Op.I64ShrU);
      else c.get(X).get(Y).i64Number(1).op(Op.I64Sub).op(op === 5 ? Op.I64ShrU : Op.I64ShrS);
      c.op(Op.I32WrapI64).i32Const(1).op(Op.I32And).set(C);
      if (op === 4) c.get(R).i64Number(bits - 1).op(Op.I64ShrU).op(Op.I32WrapI64).get(C).op(Op.I32Xor).set(D);
      else if (op === 5) c.get(X).i64Number(bits - 1).op(Op.I64ShrU).op(Op.I32WrapI64).i32Const(1).op(Op.I32And).set(D);
      else c.i32Const(0).set(D);
      setFlagsCO(e, size);
    });
}

/**
 * SHLD (sub 0) / SHRD (1) of a 32- or 64-bit destination by a constant or by CL
 * (shiftDouble in ops/shift.ts): the destination shifted, the vacated bits filled from
 * the source register; CF is the last bit shifted out of the destination, OF whether its
 * sign changed, AF 0 (a zero count: withShiftCount). (The vDSO's clock scales the TSC
 * with SHRD.)
 */
function doubleShift(i: Insn): ReturnType<WasmTemplate> {
  const size = i.opsize;
  if (size !== 4 && size !== 8) return null;
  const bits = size * 8;
  const left = i.sub === 0;
  return (e, last, flagsDead) =>
    withShiftCount(e, i, i.def!.operands[2] === 'cl' ? 'cl' : i.imm, () => {
      const c = e.c;
      loadE(e, i, size);
      e.reg(i.reg, size);
      c.set(T);
      // The count is 1 .. bits - 1, so both shifts are in range.
      c.get(X).get(Y).op(left ? Op.I64Shl : Op.I64ShrU);
      c.get(T).i64Number(bits).get(Y).op(Op.I64Sub).op(left ? Op.I64ShrU : Op.I64Shl);
      c.op(Op.I64Or).set(R);
      mask(e, R, size);
      if (i.rm >= 0) e.setReg(i.rm, size, R);
      else e.store(size, R, last);
      if (flagsDead) return;
      if (left) c.get(X).i64Number(bits).get(Y).op(Op.I64Sub).op(Op.I64ShrU);
      else c.get(X).get(Y).i64Number(1).op(Op.I64Sub).op(Op.I64ShrU);
      c.op(Op.I32WrapI64).i32Const(1).op(Op.I32And).set(C);
      c.get(X).get(R).op(Op.I64Xor).i64Number(bits - 1).op(Op.I64ShrU).op(Op.I32WrapI64).i32Const(1).op(Op.I32And).set(D);
      setFlagsCO(e, size);
    });
}

/**
 * ROL (0) / ROR (1) of a 32- or 64-bit register by a constant (rotate in ops/shift.ts):
 * only CF and OF change: CF is the bit rotated into the far end; OF is MSB ^ CF for ROL,
 * the XOR of the two top bits for ROR (defined for a count of 1, computed the same way
 * for the others, like the interpreter).
 */
function rotate(i: Insn, rawCount: number): ReturnType<WasmTemplate> {
  const size = i.opsize;
  const bits = size * 8;
  const n = rawCount & (size === 8 ? 0x3f : 0x1f);
  const left = i.sub === 0;
  return (e, _last, flagsDead) => {
    const c = e.c;
    if (n === 0) {
      if (size === 4) e.reg(i.rm, 4), c.set(R), e.setReg(i.rm, 4, R);
      return;
    }
    e.reg(i.rm, size);
    if (size === 8) c.i64Number(n).op(left ? Op.I64Rotl : Op.I64Rotr);
    else c.op(Op.I32WrapI64).i32Const(n).op(left ? Op.I32Rotl : Op.I32Rotr).op(Op.I64ExtendI32U);
    c.set(R);
    e.setReg(i.rm, size, R);
    if (flagsDead) return;
    const bitOf = (k: number): void => void c.get(R).i64Number(k).op(Op.I64ShrU).op(Op.I32WrapI64).i32Const(1).op(Op.I32And);
    // CF | OF << 11
    if (left) bitOf(0), c.tee(C), bitOf(bits - 1), c.get(C).op(Op.I32Xor);
    else bitOf(bits - 1), c.tee(C), bitOf(bits - 1), bitOf(bits - 2), c.op(Op.I32Xor);
    c.i32Const(11).op(Op.I32Shl).op(Op.I32Or);
    e.setStatusFlags(CF_FLAG | OF_FLAG);
  };
}

/** PUSH of the i64 local `v` (Cpu.push64): the new RSP must be canonical, the store comes before RSP moves. */
export function push(e: BlockEmitter, v: number, last: boolean): void {
  e.reg(RSP, 8);
  e.c.i64Number(8).op(Op.I64Sub).set(A);
  e.checkCanonical(A, RAISE_BAD_STACK);
  e.store(8, v, last);
  e.setReg(RSP, 8, A);
}

/** POP of 64 bits into X (Cpu.pop64) from the address in `from` (RSP; LEAVE's RBP); RSP moves past it. */
export function pop(e: BlockEmitter, from = RSP): void {
  e.reg(from, 8);
  e.c.set(A);
  e.checkCanonical(A, RAISE_BAD_STACK);
  e.load(8, X);
  e.c.get(A).i64Number(8).op(Op.I64Add).set(T);
  e.setReg(RSP, 8, T);
}

const templates = new Map<Handler, WasmTemplate>([
  [aluEG, (i) => aluToE(i, yFromReg(i, i.reg))],
  [aluEImm, (i) => aluToE(i, yFromImm(i))],
  [
    aluGE,
    (i) => (e, _last, flagsDead) => {
      const size = i.opsize;
      if (i.rm < 0) e.effectiveAddress(i), e.load(size, Y);
      else e.reg(i.rm, size), e.c.set(Y);
      e.reg(i.reg, size);
      e.c.set(X);
      alu(e, i.sub, size, i.sub === CMP ? null : () => e.setReg(i.reg, size, R), flagsDead);
    },
  ],
  [
    aluAccImm,
    (i) => (e, _last, flagsDead) => {
      e.reg(RAX, i.opsize);
      e.c.set(X);
      immediate(e, i, i.opsize, Y);
      alu(e, i.sub, i.opsize, i.sub === CMP ? null : () => e.setReg(RAX, i.opsize, R), flagsDead);
    },
  ],
  [testEG, (i) => test(i, yFromReg(i, i.reg))],
  [testEImm, (i) => test(i, yFromImm(i))],
  [testAccImm, (i) => (e, _last, flagsDead) => (e.reg(RAX, i.opsize), e.c.set(X), immediate(e, i, i.opsize, Y), alu(e, AND, i.opsize, null, flagsDead))],
  [
    movEG,
    (i) => (e, last) => {
      e.reg(i.reg, i.opsize);
      e.c.set(X);
      if (i.rm >= 0) e.setReg(i.rm, i.opsize, X);
      else e.effectiveAddress(i), e.store(i.opsize, X, last);
    },
  ],
  [movGE, (i) => (e) => (i.rm < 0 && e.effectiveAddress(i), loadE(e, i, i.opsize), e.setReg(i.reg, i.opsize, X))],
  [
    movEImm,
    (i) => (e, last) => {
      immediate(e, i, i.opsize, X);
      if (i.rm >= 0) e.setReg(i.rm, i.opsize, X);
      else e.effectiveAddress(i), e.store(i.opsize, X, last);
    },
  ],
  [movZImm, (i) => (e) => (e.c.i64Const(i.imm, i.immHi).set(X), e.setReg(i.reg, i.opsize, X))],
  [
    lea,
    (i) => {
      if (i.rm >= 0 || i.addrsize !== 8 || (i.opsize !== 8 && i.opsize !== 4)) return null;
      // The 64-bit sum, no segment base and no canonical check (LEA is arithmetic).
      return (e) => {
        const c = e.c;
        if (i.ripRelative) c.get(B).i64Number(i.nextOffset + i.disp).op(Op.I64Add);
        else {
          e.reg(i.base, 8);
          e.reg(i.index, 8);
          c.i64Number(i.scale).ops(Op.I64Mul, Op.I64Add).i64Number(i.disp).op(Op.I64Add);
        }
        c.set(X);
        e.setReg(i.reg, i.opsize, X);
      };
    },
  ],
  [
    movx,
    (i) => (e) => {
      const srcSize = Math.abs(i.sub);
      if (i.rm < 0) e.effectiveAddress(i);
      loadE(e, i, srcSize);
      const bits = 64 - srcSize * 8;
      if (i.sub < 0) e.c.get(X).i64Number(bits).op(Op.I64Shl).i64Number(bits).op(Op.I64ShrS).set(X);
      e.setReg(i.reg, i.opsize, X);
    },
  ],
  [
    movsxd,
    (i) => {
      if (i.opsize !== 8) return null;
      return (e) => {
        if (i.rm < 0) e.effectiveAddress(i);
        loadE(e, i, 4);
        e.c.get(X).i64Number(32).op(Op.I64Shl).i64Number(32).op(Op.I64ShrS).set(X);
        e.setReg(i.reg, 8, X);
      };
    },
  ],
  [pushZ, (i) => (i.opsize === 8 ? (e, last) => (e.reg(i.reg, 8), e.c.set(X), push(e, X, last)) : null)],
  // RSP moves before the popped value is written: POP RSP loads the value (SDM Vol. 2B POP).
  [popZ, (i) => (i.opsize === 8 ? (e) => (pop(e), e.setReg(i.reg, 8, X)) : null)],
  [pushImm, (i) => (i.opsize === 8 ? (e, last) => (e.c.i64Const(i.imm, i.immHi).set(X), push(e, X, last)) : null)],
  [
    incDecE,
    (i) => {
      const size = i.opsize;
      const signBit = size === 8 ? null : 2 ** (size * 8 - 1);
      // INC/DEC keep CF (SDM Vol. 2A INC); OF: the result is the signed minimum (INC) or
      // maximum (DEC); AF: a carry out of, or a borrow into, the low nibble.
      return (e, last, flagsDead) => {
        const c = e.c;
        if (i.rm < 0) e.effectiveAddress(i), e.checkWrite(size);
        if (!flagsDead) e.flag(0), c.set(C);
        loadE(e, i, size);
        c.get(X).i64Number(1).op(i.sub === 0 ? Op.I64Add : Op.I64Sub).set(R);
        mask(e, R, size);
        if (i.rm >= 0) e.setReg(i.rm, size, R);
        else e.store(size, R, last);
        if (flagsDead) return;
        c.get(R);
        if (signBit === null) c.i64Const(0, -0x80000000);
        else c.i64Number(signBit);
        if (i.sub !== 0) c.i64Number(1).op(Op.I64Sub);
        c.op(Op.I64Eq).set(D);
        setFlagsCO(e, size, () => void c.get(R).op(Op.I32WrapI64).i32Const(0xf).op(Op.I32And).i32Const(i.sub === 0 ? 0 : 0xf).op(Op.I32Eq));
      };
    },
  ],
  [
    cmov,
    (i) => {
      const size = i.opsize;
      if (size !== 4 && size !== 8) return null;
      // The source is read (and may fault) whatever the condition.
      return (e) => {
        const c = e.c;
        e.condition(i.sub);
        c.set(C);
        if (i.rm < 0) e.effectiveAddress(i);
        loadE(e, i, size);
        c.get(C);
        e.open(Op.If);
        e.setReg(i.reg, size, X);
        if (size === 4) {
          e.elseArm();
          e.reg(i.reg, 4), c.set(X), e.setReg(i.reg, 4, X);
        }
        e.close();
      };
    },
  ],
  [
    setcc,
    (i) => (e, last) => {
      e.condition(i.sub);
      e.c.op(Op.I64ExtendI32U).set(X);
      if (i.rm >= 0) e.setReg(i.rm, 1, X);
      else e.effectiveAddress(i), e.store(1, X, last);
    },
  ],
  [shiftEImm, (i) => shift(i, i.imm)],
  [shiftE1, (i) => shift(i, 1)],
  [shiftECl, (i) => shift(i, 'cl')],
  [shiftDouble, doubleShift],
  [
    bsfBsr,
    (i) => {
      const size = i.opsize;
      if (i.rm < 0 || (size !== 4 && size !== 8)) return null;
      // A zero source sets ZF and clears CF OF SF AF PF, the destination kept; otherwise
      // the bit's index goes to the destination and all six are cleared (ops/bit.ts).
      return (e) => {
        const c = e.c;
        e.reg(i.rm, size);
        c.tee(X).op(Op.I64Eqz);
        e.open(Op.If);
        c.i32Const(ZF_FLAG);
        e.setStatusFlags(STATUS);
        e.elseArm();
        if (i.sub === 0) c.get(X).op(Op.I64Ctz);
        else c.i64Number(63).get(X).op(Op.I64Clz).op(Op.I64Sub);
        c.set(R);
        e.setReg(i.reg, size, R);
        c.i32Const(0);
        e.setStatusFlags(STATUS);
        e.close();
      };
    },
  ],
  [stringOp, stringMove],
  [
    xchgAccZ,
    // 90 with any operand size is NOP: XCHG (E)AX,(E)AX does not clear RAX[63:32] (SDM Vol. 2B XCHG).
    (i) => (e) => {
      if (i.reg === RAX) return;
      e.reg(RAX, i.opsize);
      e.c.set(X);
      e.reg(i.reg, i.opsize);
      e.c.set(Y);
      e.setReg(RAX, i.opsize, Y);
      e.setReg(i.reg, i.opsize, X);
    },
  ],
  [pushE, (i) => (i.opsize === 8 ? (e, last) => (i.rm < 0 && e.effectiveAddress(i), loadE(e, i, 8), push(e, X, last)) : null)],
  [
    imulGE,
    (i) => {
      const size = i.opsize;
      if (size !== 4 && size !== 8) return null;
      const threeOperands = i.def!.operands.length === 3;
      return (e, _last, flagsDead) => {
        const c = e.c;
        if (i.rm < 0) e.effectiveAddress(i);
        loadE(e, i, size);
        if (threeOperands) c.i64Const(i.imm, i.immHi).set(Y);
        else e.reg(i.reg, size), c.set(Y);
        if (size === 4) {
          // Both signed: the exact 64-bit product; CF = OF = it does not fit in 32 bits.
          for (const v of [X, Y]) c.get(v).i64Number(32).op(Op.I64Shl).i64Number(32).op(Op.I64ShrS).set(v);
          c.get(X).get(Y).op(Op.I64Mul).set(T);
          c.get(T).i64Number(0xffffffff).op(Op.I64And).set(R);
          e.setReg(i.reg, 4, R);
          if (flagsDead) return;
          c.get(T).i64Number(32).op(Op.I64Shl).i64Number(32).op(Op.I64ShrS).get(T).op(Op.I64Ne).tee(C).set(D);
          setFlagsCO(e, 4);
          return;
        }
        c.get(X).get(Y).op(Op.I64Mul).set(R);
        e.setReg(i.reg, 8, R);
        if (flagsDead) return;
        // Overflow of the signed 64×64 product: r / x !== y (x = 0 never overflows; x = -1 with y = MIN does).
        c.get(X).op(Op.I64Eqz);
        e.open(Op.If);
        c.i32Const(0).set(C);
        e.elseArm();
        c.get(X).i64Const(-1, -1).op(Op.I64Eq).get(Y).i64Const(0, -2147483648).op(Op.I64Eq).op(Op.I32And);
        e.open(Op.If);
        c.i32Const(1).set(C);
        e.elseArm();
        c.get(R).get(X).op(Op.I64DivS).get(Y).op(Op.I64Ne).set(C);
        e.close();
        e.close();
        c.get(C).set(D);
        setFlagsCO(e, 8);
      };
    },
  ],
  [nop, () => () => {}],
  // RDTSC, RDTSCP: the vDSO's clock reads (ops/system.ts).
  [rdtsc, () => (e) => e.readTsc(false)],
  [rdtscp, () => (e) => e.readTsc(true)],
  // XCHG E,G: a memory operand is checked for writing before it is read (Cpu.eaRmw).
  [
    xchgEG,
    (i) => (e, last) => {
      const size = i.opsize;
      e.reg(i.reg, size);
      e.c.set(Y);
      if (i.rm >= 0) e.reg(i.rm, size), e.c.set(X), e.setReg(i.rm, size, Y);
      else e.effectiveAddress(i), e.checkWrite(size), e.load(size, X), e.store(size, Y, last);
      e.setReg(i.reg, size, X);
    },
  ],
  // CMPXCHG E,G: equal to rAX, E = G; else rAX = E (a memory E is written back unchanged,
  // the locked cycle's write); the flags are CMP rAX, E's (SDM Vol. 2A CMPXCHG).
  [
    cmpxchg,
    (i) => (e, last, flagsDead) => {
      const size = i.opsize;
      const c = e.c;
      if (i.rm < 0) e.effectiveAddress(i), e.checkWrite(size);
      loadE(e, i, size);
      c.get(X).set(Y);
      e.reg(RAX, size);
      c.tee(X).get(Y).op(Op.I64Eq);
      e.open(Op.If);
      e.reg(i.reg, size);
      c.set(R);
      if (i.rm >= 0) e.setReg(i.rm, size, R);
      else e.store(size, R, last);
      e.elseArm();
      if (i.rm < 0) e.store(size, Y, last);
      e.setReg(RAX, size, Y);
      e.close();
      alu(e, CMP, size, null, flagsDead);
    },
  ],
  // LEAVE: RSP = RBP (an SS reference: non-canonical is #SS), then RBP popped.
  [leave, (i) => (i.opsize === 8 ? (e) => (pop(e, RBP), e.setReg(RBP, 8, X)) : null)],
  [notE, (i) => (i.rm >= 0 ? (e) => (e.reg(i.rm, i.opsize), e.c.i64Const(-1, -1).op(Op.I64Xor).set(X), mask(e, X, i.opsize), e.setReg(i.rm, i.opsize, X)) : null)],
  // NEG is 0 - E, with SUB's flags (SDM Vol. 2B NEG).
  [negE, (i) => (i.rm >= 0 ? (e, _last, flagsDead) => (e.c.i64Const(0, 0).set(X), e.reg(i.rm, i.opsize), e.c.set(Y), alu(e, SUB, i.opsize, () => e.setReg(i.rm, i.opsize, R), flagsDead)) : null)],
  // CDQE and CQO.
  // CWDE, CDQE (rAX's lower half sign-extended into all of it) and CDQ, CQO (rDX filled with rAX's sign).
  [cbw, (i) => (i.opsize >= 4 ? (e) => (e.reg(RAX, i.opsize / 2), signExtend(e, i.opsize * 4), e.setReg(RAX, i.opsize, X)) : null)],
  [cwd, (i) => (i.opsize >= 4 ? (e) => (e.reg(RAX, i.opsize), signExtend(e, i.opsize * 8), e.c.get(X).i64Number(63).op(Op.I64ShrS).set(X), e.setReg(RDX, i.opsize, X)) : null)],
]);

/** Longest REP MOVS/STOS count a block moves element by element; longer ones go to the interpreter's handler. */
const SHORT_REP = 64;

/**
 * MOVS and STOS with 64-bit addresses (stringMove in translator/templates.ts, as
 * ops/string.ts does them): the source read (FS/GS base added after RSI's canonical
 * check), the destination written, then RSI and RDI step by the element size, down when
 * DF is set. REP goes element by element with RCX counted down after each, so a fault
 * leaves RCX, RSI and RDI at the faulting element; a count above SHORT_REP leaves the
 * instruction to the interpreter (~k). A write into code ends the block after the
 * instruction, not within it.
 */
function stringMove(i: Insn): ReturnType<WasmTemplate> {
  if (i.addrsize !== 8 || (i.sub !== 0 && i.sub !== 2)) return null;
  const size = i.opsize;
  const movs = i.sub === 0;
  const repeat = i.rep !== REP_NONE;
  return (e, last) => {
    const c = e.c;
    c.i32Const(0).set(D); // the exit requests of the writes
    const element = (): void => {
      if (movs) {
        e.reg(RSI, 8);
        c.set(A);
        e.checkCanonical(A, RAISE_BAD_STRING);
        if (i.segment) c.get(A).i32Const(0).mem(Op.F64Load, e.state + STATE_SEG_BASE + 8 * i.segment).op(Op.I64TruncF64S).op(Op.I64Add).set(A);
        e.load(size, X);
      } else e.reg(RAX, size), c.set(X);
      e.reg(RDI, 8);
      c.set(A);
      e.checkCanonical(A, RAISE_BAD_STRING);
      e.store(size, X, { orInto: D });
      // The step: -size when DF (flagsRest bit 10), else size.
      c.i32Const(0).mem(Op.I32Load, e.state + STATE_FLAGS + 20).i32Const(DF).op(Op.I32And);
      e.open(Op.If);
      c.i64Number(-size).set(T);
      e.elseArm();
      c.i64Number(size).set(T);
      e.close();
      for (const r of movs ? [RSI, RDI] : [RDI]) e.reg(r, 8), c.get(T).op(Op.I64Add).set(R), e.setReg(r, 8, R);
    };
    if (!repeat) element();
    else {
      e.reg(RCX, 8);
      c.i64Number(SHORT_REP).op(Op.I64GtU);
      e.open(Op.If);
      e.leave(~e.k);
      e.close();
      const done = e.open(Op.Block);
      const next = e.open(Op.Loop);
      e.reg(RCX, 8);
      c.op(Op.I64Eqz);
      e.br(done, Op.BrIf);
      element();
      e.reg(RCX, 8);
      c.i64Number(1).op(Op.I64Sub).set(R);
      e.setReg(RCX, 8, R);
      e.br(next);
      e.close();
      e.close();
    }
    c.get(D);
    e.endUnlessLast(last);
  };
}

export function wasmTemplateFor(handler: Handler): WasmTemplate | undefined {
  return templates.get(handler) ?? sseTemplates.get(handler) ?? muldivTemplates.get(handler);
}
