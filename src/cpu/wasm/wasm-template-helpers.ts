import type { Insn } from '../insn.js';
import { BlockEmitter, C, D, FA, FAT, FR, FRT, FS, R, X } from './block-emitter.js';
import { Op } from './wasm-encoder.js';

/**
 * WebAssembly for the instructions that dominate real programs, each doing exactly what
 * its interpreter handler does (and what its JavaScript template, translator/templates.ts,
 * does). A template returns null when it does not cover the instruction's form, before
 * emitting anything; the instruction then runs its handler (compile-wasm-block.ts).
 *
 * `flagsDead`: a later instruction overwrites every status flag first (flagEffect), so
 * the flags need not be computed.
 */
export type WasmTemplate = (i: Insn) => ((e: BlockEmitter, last: boolean, flagsDead: boolean) => void) | null;

const MASKS = [0, 0xff, 0xffff, 0, 0xffffffff];

/** Masks the i64 local `v` to `size` bytes. */
export function mask(e: BlockEmitter, v: number, size: number): void {
  if (size === 8) return;
  e.c.get(v).i64Number(MASKS[size]).op(Op.I64And).set(v);
}

/** Loads the E operand (register, or memory at A computed first) into X. */
export function loadE(e: BlockEmitter, i: Insn, size: number): void {
  if (i.rm >= 0) e.reg(i.rm, size), e.c.set(X);
  else e.load(size, X);
}

/** An immediate at `size`, sign-extended to 64 bits and masked to the size. */
export function immediate(e: BlockEmitter, i: Insn, size: number, v: number): void {
  e.c.i64Const(i.imm, size === 8 ? i.immHi : i.imm >> 31).set(v);
  mask(e, v, size);
}

/**
 * Flags from the result in R with explicit CF and OF in the i32 locals C and D, as
 * Cpu.setFlagsCOA encodes them; `af` pushes AF as an i32 0 or 1 (omitted: AF = 0).
 */
export function setFlagsCO(e: BlockEmitter, size: number, af?: () => void): void {
  const c = e.c;
  const shift = size === 8 ? 31 : size * 8 - 1;
  // top = (cf << shift) | ((cf ^ of) << (shift - 1)); aux = top (aux word) | af << 3
  c.get(C).i32Const(shift).op(Op.I32Shl).get(C).get(D).op(Op.I32Xor).i32Const(shift - 1).ops(Op.I32Shl, Op.I32Or).set(D);
  c.get(R).op(Op.I32WrapI64).set(FR);
  if (size === 8) c.get(R).i64Const(32, 0).op(Op.I64ShrU).op(Op.I32WrapI64).set(FRT), c.i32Const(0).set(FA);
  else c.get(FR).set(FRT), c.get(D).set(FA);
  if (af) c.get(FA), af(), c.i32Const(3).ops(Op.I32Shl, Op.I32Or).set(FA);
  c.get(D).set(FAT).i32Const(shift).set(FS);
  e.knownShift = shift;
}
