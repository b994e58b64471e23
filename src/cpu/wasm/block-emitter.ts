import { HIGH_BYTE, RAX, RCX, RDX, ZERO_REG } from '../registers.js';
import type { Insn } from '../insn.js';
import { usesStackSegment } from '../cpu.js';
import { MXCSR_MM } from '../cpu-model.js';
import { TLB_FOLD, TLB_SIZE } from '../../mmu/mmu.js';
import { PAGE_SIZE } from '../../mmu/physical-memory.js';
import { STATE_FLAGS, STATE_HI, STATE_LO, STATE_LOOPED, STATE_POS, STATE_READ_HI, STATE_RIP, STATE_SCRATCH128, STATE_SEG_BASE, STATE_TLB_FRAME, STATE_TLB_READ, STATE_TLB_WRITE, STATE_XMM } from '../../mmu/state-area.js';
import { Op, SimdOp, ValType, WasmCode } from './wasm-encoder.js';

/**
 * Code-generation helpers for WebAssembly blocks (compile-wasm-block.ts), the counterpart
 * of translator/emit.ts: registers, XMM registers and flags in the state area
 * (mmu/state-area.ts), guest memory through an inlined TLB hit with JavaScript called on
 * a miss, lazy flags in the Cpu's format (cpu.ts) so that the interpreter reads them
 * unchanged.
 *
 * Integer values are i64 locals whatever the operand size: 8-, 16- and 32-bit values
 * zero-extended, results masked to their size before their flags are computed, which
 * gives the same lzRes/lzAux words as the JavaScript templates.
 */

/** Parameters of every block function: (base: f64, budget: i32, tlbSet: i32) -> i32. */
export const P_BASE = 0;
export const P_BUDGET = 1;
export const P_SET = 2;
/** i64 scratch locals. */
export const A = 3;
export const X = 4;
export const Y = 5;
export const R = 6;
export const T = 7;
/** The block's address as i64. */
export const B = 8;
/** The lazy-flag words (Cpu.lzRes, lzResTop, lzAux, lzAuxTop, lzShift). */
export const FR = 9;
export const FRT = 10;
export const FA = 11;
export const FAT = 12;
export const FS = 13;
export const LOOPED = 14;
/** TLB index of the last lookup. */
export const VS = 15;
export const RET = 16;
/** i32 scratch. */
export const C = 17;
export const D = 18;
/** v128 scratch. */
export const V = 19;
export const LOCAL_TYPES: readonly ValType[] = [
  ValType.I64, ValType.I64, ValType.I64, ValType.I64, ValType.I64, ValType.I64,
  ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32,
  ValType.V128,
];

/**
 * The host functions a block calls (wasm-runtime.ts), all through its one import,
 * `host(a: f64, x: i32, y: i32, z: i32, op: i32) -> i32`: a module that imports a table
 * stays alive as long as the table (V8 11 keeps every importing instance in the table's
 * dispatch list), and each function import costs V8 a call wrapper per module.
 */
export const enum Import {
  /** (a, size) -> value: a read the TLB did not answer (1, 2, 4 bytes; 8: low half, high half in the state area). */
  Read,
  /** (a, size, lo, hi) -> cpu.exitRequest: a write the TLB did not take. */
  Write,
  /** (a, size): the write permission of a read-modify-write operand. */
  CheckWrite,
  /** (a): 16 bytes into the state area's scratch (Mmu.read128: both halves checked first). */
  Read128,
  /** (a) -> cpu.exitRequest: the scratch's 16 bytes to memory (Mmu.write128). */
  Write128,
  /** (0, kind, low4): raises the exception `kind` (RAISE_*). */
  Raise,
  /** (0, index): runs entry hook `index` (WasmRuntime.hookIndex: a counted vDSO entry). */
  Hook,
  /** () -> TSC low half: RDTSC (ops/system.ts sampleTsc); the high half in the state area, TSC_AUX in the scratch. */
  ReadTsc,
  /** (rip after, k) -> cpu.exitRequest: runs instruction k of the running block with its interpreter handler. */
  Handler,
}

/** How many i32 arguments each host function takes after the address, and whether it returns a value. */
const HOST_ARGS = [1, 3, 1, 0, 0, 2, 1, 0, 1];
const HOST_RETURNS = [true, true, false, false, true, false, false, true, true];

export const RAISE_NON_CANONICAL = 0;
export const RAISE_NON_CANONICAL_STACK = 1;
export const RAISE_BAD_STACK = 2;
export const RAISE_BAD_BRANCH = 3;
export const RAISE_MISALIGNED = 4;
/** Non-canonical, after the CPU model's alignment check comes first (Cpu.alignmentFirst). */
export const RAISE_NON_CANONICAL_ALIGNED = 5;
export const RAISE_BAD_STRING = 6;

const TWO_POW_47 = 2 ** 47;
/** CF PF AF ZF SF OF. */
const STATUS_FLAGS = 0x8d5;

/**
 * One block function under construction: its code, the structured-control depth (for
 * branch labels), the index of the instruction being compiled (for faults) and what is
 * statically known of the flag locals.
 */
export class BlockEmitter {
  readonly c = new WasmCode();
  /** Open structured blocks. */
  depth = 0;
  /** lzShift of the flag locals when an instruction of the block set them (0: the flags are in flagsRest), else null. */
  knownShift: number | null = null;
  /** The index of the instruction being compiled. */
  k = 0;

  constructor(readonly state: number) {}

  open(kind: Op.Block | Op.Loop | Op.If): number {
    this.c.block(kind);
    return this.depth++;
  }

  elseArm(): void {
    this.c.op(Op.Else);
  }

  close(): void {
    this.c.op(Op.End);
    this.depth--;
  }

  /** Branches to the label opened at `label` (open's result). */
  br(label: number, op: Op.Br | Op.BrIf = Op.Br): void {
    this.c.br(op, this.depth - 1 - label);
  }

  // ---- general registers ------------------------------------------------------------

  /** Pushes register `r` at `size` bytes as a zero-extended i64 (HIGH_BYTE: AH..BH). */
  reg(r: number, size: number): void {
    const c = this.c;
    if (r === ZERO_REG) {
      c.i64Const(0, 0);
      return;
    }
    c.i32Const(0);
    if (size === 8) {
      c.mem(Op.I64Load32U, this.state + STATE_LO + 4 * r).i32Const(0).mem(Op.I64Load32U, this.state + STATE_HI + 4 * r).i64Const(32, 0).ops(Op.I64Shl, Op.I64Or);
    } else if (size === 4) c.mem(Op.I64Load32U, this.state + STATE_LO + 4 * r);
    else if (size === 2) c.mem(Op.I64Load16U, this.state + STATE_LO + 4 * r);
    else if (r & HIGH_BYTE) c.mem(Op.I64Load8U, this.state + STATE_LO + 4 * (r & 3) + 1);
    else c.mem(Op.I64Load8U, this.state + STATE_LO + 4 * r);
  }

  /** Pushes the low 32 bits of register r as an i32. */
  reg32(r: number): void {
    if (r === ZERO_REG) this.c.i32Const(0);
    else this.c.i32Const(0).mem(Op.I32Load, this.state + STATE_LO + 4 * r);
  }

  /** Writes the i64 local `v` to register `r` at `size` (32-bit writes clear the high half; 8/16 merge). */
  setReg(r: number, size: number, v: number): void {
    const c = this.c;
    const lo = this.state + STATE_LO + 4 * (r & (size === 1 && r & HIGH_BYTE ? 3 : 31));
    if (size === 8) {
      c.i32Const(0).get(v).mem(Op.I64Store32, lo);
      c.i32Const(0).get(v).i64Const(32, 0).op(Op.I64ShrU).mem(Op.I64Store32, this.state + STATE_HI + 4 * r);
    } else if (size === 4) {
      c.i32Const(0).get(v).mem(Op.I64Store32, lo);
      c.i32Const(0).i32Const(0).mem(Op.I32Store, this.state + STATE_HI + 4 * r);
    } else if (size === 2) c.i32Const(0).get(v).mem(Op.I64Store16, lo);
    else c.i32Const(0).get(v).mem(Op.I64Store8, lo + (r & HIGH_BYTE ? 1 : 0));
  }

  // ---- addresses and memory ---------------------------------------------------------

  /** Calls host function `f` with its arguments pushed (Import: an f64 address, then its i32s), its result pushed if it has one. */
  callHost(f: Import): void {
    const c = this.c;
    for (let k = HOST_ARGS[f]; k < 3; k++) c.i32Const(0);
    c.i32Const(f).call(0);
    if (!HOST_RETURNS[f]) c.op(Op.Drop);
  }

  /** Runs entry hook `index` (WasmRuntime.hookIndex) through the host. */
  callHook(index: number): void {
    this.noAddress();
    this.c.i32Const(index);
    this.callHost(Import.Hook);
  }

  /**
   * RDTSC (and RDTSCP's TSC_AUX): EDX:EAX (ECX) from the host's time-stamp counter, which
   * raises #GP when CR4.TSD forbids it at CPL 3; the flags are written back first.
   */
  readTsc(withAux: boolean): void {
    const c = this.c;
    this.flushFlags();
    this.noAddress();
    this.callHost(Import.ReadTsc);
    c.op(Op.I64ExtendI32U).set(X);
    this.setReg(RAX, 4, X);
    c.i32Const(0).mem(Op.I64Load32U, this.state + STATE_READ_HI).set(X);
    this.setReg(RDX, 4, X);
    if (!withAux) return;
    c.i32Const(0).mem(Op.I64Load32U, this.state + STATE_SCRATCH128).set(X);
    this.setReg(RCX, 4, X);
  }

  /**
   * Runs instruction k with its interpreter handler, RIP at the next instruction as the
   * handler expects: the flags go to the Cpu and come back (registers already live in the
   * state area). Pushes cpu.exitRequest.
   */
  callHandler(nextOffset: number): void {
    const c = this.c;
    this.flushFlags();
    c.get(B).i64Number(nextOffset).op(Op.I64Add).op(Op.F64ConvertI64S).i32Const(this.k);
    this.callHost(Import.Handler);
    this.loadFlags();
  }

  /** The address argument of a host call that has none. */
  private noAddress(): void {
    this.c.i32Const(0).op(Op.F64ConvertI32S);
  }

  /** Leaves the instruction index where the glue finds it if a call out raises. */
  position(): void {
    this.c.i32Const(0).i32Const(this.k).mem(Op.I32Store, this.state + STATE_POS);
  }

  /**
   * The effective address of `i`'s memory operand into local A, as Cpu.ea computes it
   * (64-bit sum, FS/GS base, #GP or #SS when not canonical). `aligned16`: a 16-byte
   * operand whose misalignment the CPU model may report first ('waivable': unless
   * MXCSR.MM, which the glue passes in).
   */
  effectiveAddress(i: Insn, aligned16: boolean | 'waivable' = false): void {
    const c = this.c;
    if (i.ripRelative) {
      c.get(B).i64Number(i.nextOffset + i.disp).op(Op.I64Add);
    } else if (i.addrsize === 4) {
      this.reg32(i.base);
      if (i.index !== ZERO_REG) this.reg32(i.index), c.i32Const(i.scale).ops(Op.I32Mul, Op.I32Add);
      c.i32Const(i.disp).ops(Op.I32Add, Op.I64ExtendI32U);
    } else {
      this.reg(i.base, 8);
      if (i.index !== ZERO_REG) this.reg(i.index, 8), c.i64Number(i.scale).ops(Op.I64Mul, Op.I64Add);
      if (i.disp !== 0) c.i64Number(i.disp).op(Op.I64Add);
    }
    if (i.segment) c.i32Const(0).mem(Op.F64Load, this.state + STATE_SEG_BASE + 8 * i.segment).ops(Op.I64TruncF64S, Op.I64Add);
    c.set(A);
    // Canonical: a + 2^47 < 2^48 as unsigned.
    c.get(A).i64Number(TWO_POW_47).op(Op.I64Add).i64Number(48).op(Op.I64ShrU).op(Op.I64Eqz).op(Op.I32Eqz);
    this.open(Op.If);
    this.flushFlags();
    if (aligned16 === true || aligned16 === 'waivable') {
      this.noAddress();
      c.i32Const(RAISE_NON_CANONICAL_ALIGNED).get(A).op(Op.I32WrapI64).i32Const(15).op(Op.I32And);
      if (aligned16 === 'waivable') c.i32Const(0).mem(Op.I32Load, this.state + STATE_FLAGS + 24).i32Const(MXCSR_MM).op(Op.I32And).op(Op.I32Eqz).op(Op.I32Mul);
      this.callHost(Import.Raise);
    }
    this.noAddress();
    c.i32Const(usesStackSegment(i) ? RAISE_NON_CANONICAL_STACK : RAISE_NON_CANONICAL).i32Const(0);
    this.callHost(Import.Raise);
    this.close();
  }

  /** Raises `kind` unless the i64 local `v` is canonical. */
  checkCanonical(v: number, kind: number): void {
    this.c.get(v).i64Number(TWO_POW_47).op(Op.I64Add).i64Number(48).op(Op.I64ShrU).op(Op.I64Eqz).op(Op.I32Eqz);
    this.raiseIf(kind);
  }

  /** Raises `kind` (RAISE_*) when the i32 on the stack is non-zero, with the flags written back first. */
  raiseIf(kind: number): void {
    this.open(Op.If);
    this.flushFlags();
    this.noAddress();
    this.c.i32Const(kind).i32Const(0);
    this.callHost(Import.Raise);
    this.close();
  }

  /**
   * Pushes an i32 that is non-zero when the TLB (tag column at `tags`) holds A's page
   * and `size` bytes fit in it, leaving the entry's index in VS (Mmu's slot, plus the set).
   */
  private tlbHit(tags: number, size: number): void {
    const c = this.c;
    // vp = A >> 12; VS = ((vp ^ (vp >>> FOLD)) & (TLB_SIZE - 1)) + set, on vp's low 32 bits as Mmu does.
    c.get(A).i64Number(12).op(Op.I64ShrS).op(Op.I32WrapI64).tee(VS);
    c.get(VS).i32Const(TLB_FOLD).op(Op.I32ShrU).op(Op.I32Xor).i32Const(TLB_SIZE - 1).op(Op.I32And).get(P_SET).op(Op.I32Add).tee(VS);
    c.i32Const(3).op(Op.I32Shl).mem(Op.F64Load, this.state + tags);
    c.get(A).i64Number(12).op(Op.I64ShrS).op(Op.F64ConvertI64S).op(Op.F64Eq);
    if (size > 1) c.get(A).op(Op.I32WrapI64).i32Const(PAGE_SIZE - 1).op(Op.I32And).i32Const(PAGE_SIZE - size).op(Op.I32LeU).op(Op.I32And);
  }

  /** Pushes the host address of A after a TLB hit at VS. */
  private hitAddress(): void {
    this.c.get(VS).i32Const(2).op(Op.I32Shl).mem(Op.I32Load, this.state + STATE_TLB_FRAME).get(A).op(Op.I32WrapI64).i32Const(PAGE_SIZE - 1).op(Op.I32And).op(Op.I32Add);
  }

  /** Reads `size` bytes at A into the i64 local `v` (zero-extended). */
  load(size: number, v: number): void {
    const c = this.c;
    this.tlbHit(STATE_TLB_READ, size);
    this.open(Op.If);
    this.hitAddress();
    c.mem(size === 1 ? Op.I64Load8U : size === 2 ? Op.I64Load16U : size === 4 ? Op.I64Load32U : Op.I64Load, 0).set(v);
    this.elseArm();
    this.flushFlags();
    c.get(A).op(Op.F64ConvertI64S).i32Const(size);
    this.callHost(Import.Read);
    c.op(Op.I64ExtendI32U);
    if (size === 8) c.i32Const(0).mem(Op.I64Load32U, this.state + STATE_READ_HI).i64Const(32, 0).ops(Op.I64Shl, Op.I64Or);
    c.set(v);
    this.close();
  }

  /**
   * Writes the low `size` bytes of the i64 local `v` at A. A frame holding code never
   * hits (Mmu), so a write into code goes to JavaScript, which invalidates it and asks
   * the block to end: then, unless `last`, the block stops before instruction k + 1.
   */
  store(size: number, v: number, last: boolean | { orInto: number }): void {
    const c = this.c;
    this.tlbHit(STATE_TLB_WRITE, size);
    this.open(Op.If);
    this.hitAddress();
    c.get(v).mem(size === 1 ? Op.I64Store8 : size === 2 ? Op.I64Store16 : size === 4 ? Op.I64Store32 : Op.I64Store, 0);
    this.elseArm();
    this.flushFlags();
    c.get(A).op(Op.F64ConvertI64S).i32Const(size).get(v).op(Op.I32WrapI64).get(v).i64Const(32, 0).op(Op.I64ShrU).op(Op.I32WrapI64);
    this.callHost(Import.Write);
    // (An instruction that writes more than once, REP STOS, ends the block after all of them.)
    if (typeof last === 'object') c.get(last.orInto).op(Op.I32Or).set(last.orInto);
    else this.endUnlessLast(last);
    this.close();
  }

  /** Reads 16 bytes at A into the v128 local `v`. */
  load128(v: number): void {
    const c = this.c;
    this.tlbHit(STATE_TLB_READ, 16);
    this.open(Op.If);
    this.hitAddress();
    c.simdMem(SimdOp.V128Load, 0).set(v);
    this.elseArm();
    this.flushFlags();
    c.get(A).op(Op.F64ConvertI64S);
    this.callHost(Import.Read128);
    c.i32Const(0).simdMem(SimdOp.V128Load, this.state + STATE_SCRATCH128).set(v);
    this.close();
  }

  /** Writes the v128 local `v` at A (a write into code ends the block, as store does). */
  store128(v: number, last: boolean): void {
    const c = this.c;
    this.tlbHit(STATE_TLB_WRITE, 16);
    this.open(Op.If);
    this.hitAddress();
    c.get(v).simdMem(SimdOp.V128Store, 0);
    this.elseArm();
    this.flushFlags();
    c.i32Const(0).get(v).simdMem(SimdOp.V128Store, this.state + STATE_SCRATCH128);
    c.get(A).op(Op.F64ConvertI64S);
    this.callHost(Import.Write128);
    this.endUnlessLast(last);
    this.close();
  }

  /** After a call out that returned cpu.exitRequest: a set one ends the block before instruction k + 1. */
  endUnlessLast(last: boolean): void {
    if (last) {
      this.c.op(Op.Drop);
      return;
    }
    this.open(Op.If);
    this.leave(~(this.k + 1));
    this.close();
  }

  /** Checks that `size` bytes at A may be written (a read-modify-write operand, before it is read). */
  checkWrite(size: number): void {
    const c = this.c;
    this.tlbHit(STATE_TLB_WRITE, size);
    c.op(Op.I32Eqz);
    this.open(Op.If);
    this.flushFlags();
    c.get(A).op(Op.F64ConvertI64S).i32Const(size);
    this.callHost(Import.CheckWrite);
    this.close();
  }

  // ---- flags --------------------------------------------------------------------------

  /** Sets the flag locals: lzRes/lzResTop from the i64 local `res`, lzAux/Top from `aux` (8 bytes: high words; else the low ones twice). */
  setFlags(size: number, res: number, aux: number): void {
    const c = this.c;
    const shift = size === 8 ? 31 : size * 8 - 1;
    c.get(res).op(Op.I32WrapI64).set(FR);
    if (size === 8) c.get(res).i64Const(32, 0).op(Op.I64ShrU).op(Op.I32WrapI64).set(FRT);
    else c.get(FR).set(FRT);
    c.get(aux).op(Op.I32WrapI64).set(FA);
    if (size === 8) c.get(aux).i64Const(32, 0).op(Op.I64ShrU).op(Op.I32WrapI64).set(FAT);
    else c.get(FA).set(FAT);
    c.i32Const(shift).set(FS);
    this.knownShift = shift;
  }

  /** Writes the flag locals and the loop count to the state area, for JavaScript to read. */
  flushFlags(): void {
    const c = this.c;
    const f = this.state + STATE_FLAGS;
    c.i32Const(0).get(FR).mem(Op.I32Store, f);
    c.i32Const(0).get(FRT).mem(Op.I32Store, f + 4);
    c.i32Const(0).get(FA).mem(Op.I32Store, f + 8);
    c.i32Const(0).get(FAT).mem(Op.I32Store, f + 12);
    c.i32Const(0).get(FS).mem(Op.I32Store, f + 16);
    c.i32Const(0).get(LOOPED).mem(Op.I32Store, this.state + STATE_LOOPED);
  }

  /** Loads the flag locals from the state area (the glue put the Cpu's there). */
  loadFlags(): void {
    const c = this.c;
    const f = this.state + STATE_FLAGS;
    for (const [local, off] of [[FR, 0], [FRT, 4], [FA, 8], [FAT, 12], [FS, 16]]) c.i32Const(0).mem(Op.I32Load, f + off).set(local);
    this.knownShift = null;
  }

  /**
   * Pushes status flag bit `bit` (0 CF, 2 PF, 4 AF, 6 ZF, 7 SF, 11 OF) as an i32 0 or 1,
   * as Cpu.getCF ... getOF compute it: from the lazy words, or from flagsRest (in the
   * state area, after the lazy words) while lzShift is 0.
   */
  flag(bit: number): void {
    const c = this.c;
    const rest = (): void => {
      c.i32Const(0).mem(Op.I32Load, this.state + STATE_FLAGS + 20).i32Const(bit).op(Op.I32ShrU).i32Const(1).op(Op.I32And);
    };
    if (this.knownShift === 0) {
      rest();
      return;
    }
    const shift = (): void => {
      if (this.knownShift !== null) c.i32Const(this.knownShift);
      else c.get(FS);
    };
    if (bit === 0) c.get(FAT), shift(), c.op(Op.I32ShrU).i32Const(1).op(Op.I32And);
    else if (bit === 6) c.get(FR).get(FRT).op(Op.I32Or).op(Op.I32Eqz);
    else if (bit === 7) c.get(FRT), shift(), c.op(Op.I32ShrU).i32Const(1).op(Op.I32And);
    else if (bit === 2) c.get(FR).i32Const(0xff).op(Op.I32And).op(Op.I32Popcnt).i32Const(1).op(Op.I32And).op(Op.I32Eqz);
    else if (bit === 4) c.get(FA).i32Const(3).op(Op.I32ShrU).i32Const(1).op(Op.I32And);
    else {
      c.get(FAT), shift(), c.op(Op.I32ShrU);
      c.get(FAT), shift(), c.i32Const(1).ops(Op.I32Sub, Op.I32ShrU, Op.I32Xor).i32Const(1).op(Op.I32And);
    }
    if (this.knownShift !== null) return;
    rest();
    c.get(FS).op(Op.Select);
  }

  /**
   * Cpu.setStatusFlags(mask, value) with `value` pushed as an i32: the six status flags
   * materialised into flagsRest (unless `mask` covers them all), the masked bits replaced,
   * lzShift 0.
   */
  setStatusFlags(mask: number): void {
    const c = this.c;
    const addr = this.state + STATE_FLAGS + 20;
    c.i32Const(mask).op(Op.I32And).set(D);
    c.i32Const(0);
    if ((mask & STATUS_FLAGS) === STATUS_FLAGS) c.i32Const(0).mem(Op.I32Load, addr).i32Const(~STATUS_FLAGS).op(Op.I32And);
    else {
      c.i32Const(0).mem(Op.I32Load, addr).i32Const(~STATUS_FLAGS).op(Op.I32And);
      for (const bit of [0, 2, 4, 6, 7, 11]) {
        if (mask & (1 << bit)) continue;
        this.flag(bit);
        c.i32Const(bit).op(Op.I32Shl).op(Op.I32Or);
      }
    }
    c.get(D).op(Op.I32Or).mem(Op.I32Store, addr);
    c.i32Const(0).set(FS);
    this.knownShift = 0;
  }

  /** Pushes condition `cc` (SDM Vol. 1 Appendix B, tttn) as an i32 0 or 1, as Cpu.cond. */
  condition(cc: number): void {
    const c = this.c;
    switch (cc >> 1) {
      case 0: this.flag(11); break;
      case 1: this.flag(0); break;
      case 2: this.flag(6); break;
      case 3: this.flag(0), this.flag(6), c.op(Op.I32Or); break;
      case 4: this.flag(7); break;
      case 5: this.flag(2); break;
      case 6: this.flag(7), this.flag(11), c.op(Op.I32Xor); break;
      default: this.flag(6), this.flag(7), this.flag(11), c.ops(Op.I32Xor, Op.I32Or);
    }
    if (cc & 1) c.i32Const(1).op(Op.I32Xor);
  }

  // ---- leaving the block ------------------------------------------------------------

  /** The label every return branches to (set by the block compiler). */
  exitLabel = 0;

  /** Ends the block with result `ret` (a count, or ~k: interpret from instruction k). */
  leave(ret: number): void {
    this.c.i32Const(ret).set(RET);
    this.br(this.exitLabel);
  }

  /** Stores the i64 local `v` as the new RIP. */
  setRip(v: number): void {
    this.c.i32Const(0).get(v).op(Op.F64ConvertI64S).mem(Op.F64Store, this.state + STATE_RIP);
  }

  /** Sets RIP to base + offset. */
  setRipOffset(offset: number): void {
    this.c.i32Const(0).get(B).i64Number(offset).op(Op.I64Add).op(Op.F64ConvertI64S).mem(Op.F64Store, this.state + STATE_RIP);
  }

  /** State-area address of XMM register `r`. */
  xmm(r: number): number {
    return this.state + STATE_XMM + 16 * r;
  }
}
