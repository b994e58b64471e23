import type { Handler, Insn } from '../insn.js';
import { divE, idivE, imulE, mulE } from '../ops/muldiv.js';
import { RAX, RDX } from '../registers.js';
import { A, BlockEmitter, C, D, R, T, X, Y } from './block-emitter.js';
import { Op } from './wasm-encoder.js';
import type { WasmTemplate } from './wasm-template-helpers.js';
import { loadE, setFlagsCO } from './wasm-template-helpers.js';

/**
 * One-operand MUL/IMUL and DIV/IDIV of 32 and 64 bits on rDX:rAX (SDM Vol. 2A/2B MUL,
 * IMUL, DIV, IDIV), as ops/muldiv.ts computes them. WebAssembly has no 64×64→128
 * multiply, so the 64-bit product is built from 32-bit halves. A division whose
 * dividend does not fit WebAssembly's 64-bit divide, or that raises #DE (a zero divisor,
 * a quotient too large), leaves the instruction to the interpreter (~k), which delivers
 * the exception; WebAssembly would trap on both.
 */

const LOW32 = 0xffffffff;

/** T = low 64 bits, R = high 64 bits of the unsigned product X × Y (schoolbook on 32-bit halves; no sum overflows). */
function multiplyWide(e: BlockEmitter): void {
  const c = e.c;
  const low = (v: number): void => void c.get(v).i64Number(LOW32).op(Op.I64And);
  const high = (v: number): void => void c.get(v).i64Number(32).op(Op.I64ShrU);
  low(X), low(Y), c.op(Op.I64Mul).set(T); // xl·yl
  high(X), low(Y), c.op(Op.I64Mul).set(R); // xh·yl
  low(X), high(Y), c.op(Op.I64Mul).set(A); // xl·yh
  // cross = (xl·yl >> 32) + low32(xh·yl) + xl·yh ≤ 2^64 - 1
  high(T), low(R), c.op(Op.I64Add).get(A).op(Op.I64Add).set(A);
  // high = xh·yh + (xh·yl >> 32) + (cross >> 32); low = cross << 32 | low32(xl·yl)
  high(X), high(Y), c.op(Op.I64Mul), high(R), c.op(Op.I64Add), high(A), c.op(Op.I64Add).set(R);
  c.get(A).i64Number(32).op(Op.I64Shl), low(T), c.op(Op.I64Or).set(T);
}

/** MUL (signed false) or IMUL (true) E: rDX:rAX = rAX × E; CF = OF = the high half is more than the low half's extension. */
function multiply(signed: boolean): WasmTemplate {
  return (i: Insn) => {
    const size = i.opsize;
    if (size !== 4 && size !== 8) return null;
    return (e, _last, flagsDead) => {
      const c = e.c;
      if (i.rm < 0) e.effectiveAddress(i);
      loadE(e, i, size);
      e.reg(RAX, size);
      c.set(Y);
      if (size === 8) {
        multiplyWide(e);
        // Signed: high -= (Y < 0 ? X : 0) + (X < 0 ? Y : 0), the two's-complement correction.
        if (signed) {
          for (const [a, b] of [[X, Y], [Y, X]]) c.get(R).get(a).i64Number(0).get(b).i64Number(0).op(Op.I64LtS).op(Op.Select).op(Op.I64Sub).set(R);
        }
        e.setReg(RDX, 8, R);
        e.setReg(RAX, 8, T);
        if (flagsDead) return;
        c.get(R);
        if (signed) c.get(T).i64Number(63).op(Op.I64ShrS);
        else c.i64Number(0);
        c.op(Op.I64Ne).set(C);
        c.get(T).set(R);
      } else {
        if (signed) for (const v of [X, Y]) c.get(v).i64Number(32).op(Op.I64Shl).i64Number(32).op(Op.I64ShrS).set(v);
        c.get(X).get(Y).op(Op.I64Mul).set(T);
        c.get(T).i64Number(LOW32).op(Op.I64And).set(R);
        e.setReg(RAX, 4, R);
        c.get(T).i64Number(32).op(Op.I64ShrU).set(A);
        e.setReg(RDX, 4, A);
        if (flagsDead) return;
        // The product fits in 32 bits (unsigned), or is the 32-bit result sign-extended.
        c.get(T);
        if (signed) c.get(R).i64Number(32).op(Op.I64Shl).i64Number(32).op(Op.I64ShrS);
        else c.get(R);
        c.op(Op.I64Ne).set(C);
      }
      c.get(C).set(D);
      setFlagsCO(e, size);
    };
  };
}

/** DIV (signed false) or IDIV (true) E: rAX = quotient, rDX = remainder, truncated toward zero; the flags are left as they are. */
function divide(signed: boolean): WasmTemplate {
  return (i: Insn) => {
    const size = i.opsize;
    if (size !== 4 && size !== 8) return null;
    return (e) => {
      const c = e.c;
      const toInterpreter = (): void => {
        e.open(Op.If);
        e.leave(~e.k);
        e.close();
      };
      if (i.rm < 0) e.effectiveAddress(i);
      loadE(e, i, size);
      if (signed && size === 4) c.get(X).i64Number(32).op(Op.I64Shl).i64Number(32).op(Op.I64ShrS).set(X);
      // The dividend in Y: rAX when rDX only extends it (64 bits), EDX:EAX (32 bits).
      if (size === 8) {
        e.reg(RAX, 8);
        c.set(Y);
        e.reg(RDX, 8);
        if (signed) c.get(Y).i64Number(63).op(Op.I64ShrS);
        else c.i64Number(0);
        c.op(Op.I64Ne);
        toInterpreter();
      } else {
        e.reg(RDX, 4);
        c.i64Number(32).op(Op.I64Shl);
        e.reg(RAX, 4);
        c.op(Op.I64Or).set(Y);
      }
      // #DE: a zero divisor; for IDIV also the one quotient WebAssembly cannot represent (-2^63 / -1).
      c.get(X).op(Op.I64Eqz);
      if (signed) c.get(Y).i64Const(0, -0x80000000).op(Op.I64Eq).get(X).i64Number(-1).op(Op.I64Eq).op(Op.I32And).op(Op.I32Or);
      toInterpreter();
      c.get(Y).get(X).op(signed ? Op.I64DivS : Op.I64DivU).set(T);
      c.get(Y).get(X).op(signed ? Op.I64RemS : Op.I64RemU).set(R);
      if (size === 4) {
        // #DE: a quotient beyond 32 bits.
        c.get(T);
        if (signed) c.get(T).i64Number(32).op(Op.I64Shl).i64Number(32).op(Op.I64ShrS);
        else c.get(T).i64Number(LOW32).op(Op.I64And);
        c.op(Op.I64Ne);
        toInterpreter();
        for (const v of [T, R]) c.get(v).i64Number(LOW32).op(Op.I64And).set(v);
      }
      e.setReg(RAX, size, T);
      e.setReg(RDX, size, R);
    };
  };
}

export const muldivTemplates = new Map<Handler, WasmTemplate>([
  [mulE, multiply(false)],
  [imulE, multiply(true)],
  [divE, divide(false)],
  [idivE, divide(true)],
]);
