import type { Handler, Insn } from '../insn.js';
import { logicVW, movdFromXmm, movdToXmm, movqLoad, movqStore, movScalarLoad, movScalarStore, movVW, movWV } from '../ops/sse.js';
import { byteOp, dwordOp, OP_ABS, OP_ADD, OP_ADDS, OP_ADDUS, OP_AVG, OP_CMPEQ, OP_CMPGT, OP_MAXS, OP_MAXU, OP_MINS, OP_MINU, OP_MULL, OP_SUB, OP_SUBS, OP_SUBUS, pack, pmovmskb, pshuf, qwordOp, SH_LL, SH_RA, SH_RDQ, SH_RL, shiftImm, unpack, wordOp } from '../ops/sse-int.js';
import { palignr, pshufb } from '../ops/sse-int-ssse3.js';
import { MXCSR_MM } from '../cpu-model.js';
import { STATE_FLAGS } from '../../mmu/state-area.js';
import { A, BlockEmitter, RAISE_MISALIGNED, V, X } from './block-emitter.js';
import { Op, SimdOp } from './wasm-encoder.js';
import type { WasmTemplate } from './wasm-template-helpers.js';

/**
 * WebAssembly templates for SSE instructions (XMM registers live in the state area, 16
 * bytes each, lane 0 lowest as on the CPU and in WebAssembly's v128), each doing what its
 * interpreter handler in ops/sse.ts or ops/sse-int.ts does.
 */

/** Raises #GP for a misaligned 16-byte operand at A unless `waivable` and MXCSR.MM is set. */
function alignmentCheck(e: BlockEmitter, waivable: boolean): void {
  const c = e.c;
  c.get(A).op(Op.I32WrapI64).i32Const(15).op(Op.I32And);
  if (waivable) c.i32Const(0).mem(Op.I32Load, e.state + STATE_FLAGS + 24).i32Const(MXCSR_MM).op(Op.I32And).op(Op.I32Eqz).op(Op.I32Mul);
  e.raiseIf(RAISE_MISALIGNED);
}

/** A 16-byte legacy-SSE source (loadSrc(cpu, i, true) in ops/sse-int.ts) into V: aligned unless MXCSR.MM. */
function xmmSource(e: BlockEmitter, i: Insn): void {
  const c = e.c;
  if (i.rm >= 0) {
    c.i32Const(0).simdMem(SimdOp.V128Load, e.xmm(i.rm)).set(V);
    return;
  }
  e.effectiveAddress(i, 'waivable');
  alignmentCheck(e, true);
  e.load128(V);
}

/** dst = op(dst, V) on XMM register i.reg. */
function xmmBinary(e: BlockEmitter, i: Insn, op: SimdOp, swap = false): void {
  const c = e.c;
  c.i32Const(0);
  if (swap) c.get(V).i32Const(0).simdMem(SimdOp.V128Load, e.xmm(i.reg));
  else c.i32Const(0).simdMem(SimdOp.V128Load, e.xmm(i.reg)).get(V);
  c.simd(op).simdMem(SimdOp.V128Store, e.xmm(i.reg));
}

/** XMM register `r` = the 16 bytes of V picked by `lanes` (an index of 16 or more picks a zero byte). */
function storeShuffled(e: BlockEmitter, r: number, lanes: readonly number[]): void {
  const c = e.c;
  c.i32Const(0).get(V).get(V).get(V).simd(SimdOp.V128Xor).shuffle(lanes).simdMem(SimdOp.V128Store, e.xmm(r));
}

/** XMM register `r`'s low quadword = the i64 local `v`, its high quadword zero (MOVQ/MOVD into XMM). */
function setLowQuadword(e: BlockEmitter, r: number, v: number): void {
  const c = e.c;
  c.i32Const(0).get(v).mem(Op.I64Store, e.xmm(r));
  c.i32Const(0).i64Const(0, 0).mem(Op.I64Store, e.xmm(r) + 8);
}

/**
 * The packed integer operations (ops/sse-int.ts byteOp, wordOp, dwordOp, qwordOp, by
 * their OP_* sub) that are one WebAssembly lane operation: wrapping and saturating
 * add/subtract, signed compares giving all-ones lanes, minimum/maximum, the rounded
 * unsigned average (PAVGB/W: (a + b + 1) >> 1), the low half of products (PMULLW/D),
 * and PABS* (of the source alone; |-2^(n-1)| keeps its bits in both).
 */
type LaneOps = Partial<Record<number, SimdOp>>;
const BYTE_OPS: LaneOps = {
  [OP_ADD]: SimdOp.I8x16Add, [OP_SUB]: SimdOp.I8x16Sub, [OP_CMPEQ]: SimdOp.I8x16Eq, [OP_CMPGT]: SimdOp.I8x16GtS,
  [OP_MINU]: SimdOp.I8x16MinU, [OP_MAXU]: SimdOp.I8x16MaxU, [OP_MINS]: SimdOp.I8x16MinS, [OP_MAXS]: SimdOp.I8x16MaxS,
  [OP_ADDUS]: SimdOp.I8x16AddSatU, [OP_SUBUS]: SimdOp.I8x16SubSatU, [OP_ADDS]: SimdOp.I8x16AddSatS, [OP_SUBS]: SimdOp.I8x16SubSatS,
  [OP_AVG]: SimdOp.I8x16AvgrU, [OP_ABS]: SimdOp.I8x16Abs,
};
const WORD_OPS: LaneOps = {
  [OP_ADD]: SimdOp.I16x8Add, [OP_SUB]: SimdOp.I16x8Sub, [OP_CMPEQ]: SimdOp.I16x8Eq, [OP_CMPGT]: SimdOp.I16x8GtS,
  [OP_MINU]: SimdOp.I16x8MinU, [OP_MAXU]: SimdOp.I16x8MaxU, [OP_MINS]: SimdOp.I16x8MinS, [OP_MAXS]: SimdOp.I16x8MaxS,
  [OP_ADDUS]: SimdOp.I16x8AddSatU, [OP_SUBUS]: SimdOp.I16x8SubSatU, [OP_ADDS]: SimdOp.I16x8AddSatS, [OP_SUBS]: SimdOp.I16x8SubSatS,
  [OP_AVG]: SimdOp.I16x8AvgrU, [OP_ABS]: SimdOp.I16x8Abs, [OP_MULL]: SimdOp.I16x8Mul,
};
const DWORD_OPS: LaneOps = {
  [OP_ADD]: SimdOp.I32x4Add, [OP_SUB]: SimdOp.I32x4Sub, [OP_CMPEQ]: SimdOp.I32x4Eq, [OP_CMPGT]: SimdOp.I32x4GtS,
  [OP_MINU]: SimdOp.I32x4MinU, [OP_MAXU]: SimdOp.I32x4MaxU, [OP_MINS]: SimdOp.I32x4MinS, [OP_MAXS]: SimdOp.I32x4MaxS,
  [OP_ABS]: SimdOp.I32x4Abs, [OP_MULL]: SimdOp.I32x4Mul,
};
const QWORD_OPS: LaneOps = { [OP_ADD]: SimdOp.I64x2Add, [OP_SUB]: SimdOp.I64x2Sub, [OP_CMPEQ]: SimdOp.I64x2Eq, [OP_CMPGT]: SimdOp.I64x2GtS };

function laneOp(i: Insn, ops: LaneOps): ReturnType<WasmTemplate> {
  const op = ops[i.sub];
  if (op === undefined) return null;
  if (i.sub === OP_ABS) return (e) => (xmmSource(e, i), e.c.i32Const(0).get(V).simd(op).simdMem(SimdOp.V128Store, e.xmm(i.reg)));
  return (e) => (xmmSource(e, i), xmmBinary(e, i, op));
}

/** PACKSSWB, PACKSSDW, PACKUSWB, PACKUSDW (sub 0-3): WebAssembly's narrowing takes signed lanes, as these do. */
const NARROW = [SimdOp.I8x16NarrowI16x8S, SimdOp.I16x8NarrowI32x4S, SimdOp.I8x16NarrowI16x8U, SimdOp.I16x8NarrowI32x4U];
function sseNarrow(i: Insn): ReturnType<WasmTemplate> {
  return (e) => (xmmSource(e, i), xmmBinary(e, i, NARROW[i.sub]));
}

/** PUNPCKL/H BW, WD, DQ, QDQ (sub = high * 4 + log2 lane bytes): the low (high) halves' lanes interleaved, destination first. */
function sseUnpack(i: Insn): ReturnType<WasmTemplate> {
  const width = 1 << (i.sub & 3);
  const half = i.sub >> 2 ? 8 : 0;
  const lanes: number[] = [];
  for (let k = 0; k < 8; k += width) {
    for (let j = 0; j < width; j++) lanes.push(half + k + j);
    for (let j = 0; j < width; j++) lanes.push(16 + half + k + j);
  }
  return (e) => {
    const c = e.c;
    xmmSource(e, i);
    c.i32Const(0).i32Const(0).simdMem(SimdOp.V128Load, e.xmm(i.reg)).get(V).shuffle(lanes).simdMem(SimdOp.V128Store, e.xmm(i.reg));
  };
}

/** The WebAssembly lane shift for a shift kind (SH_*) and log2 of the lane bytes (1 words, 2 dwords, 3 quadwords). */
const LANE_SHIFTS: Record<number, Record<number, SimdOp>> = {
  [SH_RL]: { 1: SimdOp.I16x8ShrU, 2: SimdOp.I32x4ShrU, 3: SimdOp.I64x2ShrU },
  [SH_RA]: { 1: SimdOp.I16x8ShrS, 2: SimdOp.I32x4ShrS },
  [SH_LL]: { 1: SimdOp.I16x8Shl, 2: SimdOp.I32x4Shl, 3: SimdOp.I64x2Shl },
};

/**
 * PSRLW/D/Q, PSRAW/D, PSLLW/D/Q, PSRLDQ, PSLLDQ by an immediate (ops/sse-int.ts shiftImm).
 * WebAssembly shifts take the count modulo the lane width, where SSE clears the lanes (or
 * fills them with the sign) for counts of the width or more (SDM Vol. 2B PSRLW/PSRLD/
 * PSRLQ), so those counts are resolved here; byte shifts are shuffles with zero bytes.
 */
function sseShiftImm(i: Insn): ReturnType<WasmTemplate> {
  const count = i.imm & 0xff;
  const kind = i.sub >> 2;
  const log2w = i.sub & 3;
  if (kind >= SH_RDQ) {
    const n = Math.min(count, 16);
    const lanes = Array.from({ length: 16 }, (_, k) => (kind === SH_RDQ ? (k + n < 16 ? k + n : 16) : k >= n ? k - n : 16));
    return (e) => {
      e.c.i32Const(0).simdMem(SimdOp.V128Load, e.xmm(i.rm)).set(V);
      storeShuffled(e, i.rm, lanes);
    };
  }
  const op = LANE_SHIFTS[kind]?.[log2w];
  if (op === undefined) return null;
  const bits = 8 << log2w;
  return (e) => {
    const c = e.c;
    c.i32Const(0).i32Const(0).simdMem(SimdOp.V128Load, e.xmm(i.rm));
    if (count < bits) c.i32Const(count).simd(op);
    else if (kind === SH_RA) c.i32Const(bits - 1).simd(op);
    else c.set(V).get(V).get(V).simd(SimdOp.V128Xor);
    c.simdMem(SimdOp.V128Store, e.xmm(i.rm));
  };
}

/** PSHUFD, PSHUFLW, PSHUFHW (sub 0, 1, 2; ops/sse-int.ts pshuf): lanes picked by the immediate's 2-bit fields. */
function sseShuffle(i: Insn): ReturnType<WasmTemplate> {
  const order = i.imm & 0xff;
  const field = (k: number): number => (order >> (2 * k)) & 3;
  const bytesOf = (lane: number, width: number): number[] => Array.from({ length: width }, (_, j) => lane * width + j);
  const lanes: number[] = [];
  if (i.sub === 0) for (let k = 0; k < 4; k++) lanes.push(...bytesOf(field(k), 4));
  else {
    const from = i.sub === 1 ? 0 : 4;
    for (let w = 0; w < 8; w++) lanes.push(...bytesOf(w >= from && w < from + 4 ? from + field(w - from) : w, 2));
  }
  return (e) => {
    xmmSource(e, i);
    storeShuffled(e, i.reg, lanes);
  };
}

/** MOVD/MOVQ xmm, r/m32/64 (66 0F 6E): the value zero-extended into the register. */
function movdIn(i: Insn): ReturnType<WasmTemplate> {
  return (e) => {
    if (i.rm >= 0) e.reg(i.rm, i.opsize), e.c.set(X);
    else e.effectiveAddress(i), e.load(i.opsize, X);
    setLowQuadword(e, i.reg, X);
  };
}

/** MOVD/MOVQ r/m32/64, xmm (66 0F 7E): a 32-bit register destination has its upper half cleared. */
function movdOut(i: Insn): ReturnType<WasmTemplate> {
  return (e, last) => {
    const c = e.c;
    if (i.rm < 0) e.effectiveAddress(i);
    c.i32Const(0).mem(i.opsize === 8 ? Op.I64Load : Op.I64Load32U, e.xmm(i.reg)).set(X);
    if (i.rm >= 0) e.setReg(i.rm, i.opsize, X);
    else e.store(i.opsize, X, last);
  };
}

/** MOVQ xmm, xmm/m64 (F3 0F 7E): the low quadword, the upper one cleared. */
function movqIn(i: Insn): ReturnType<WasmTemplate> {
  return (e) => {
    if (i.rm >= 0) e.c.i32Const(0).mem(Op.I64Load, e.xmm(i.rm)).set(X);
    else e.effectiveAddress(i), e.load(8, X);
    setLowQuadword(e, i.reg, X);
  };
}

/** MOVQ xmm/m64, xmm (66 0F D6): to a register, the upper quadword is cleared. */
function movqOut(i: Insn): ReturnType<WasmTemplate> {
  return (e, last) => {
    const c = e.c;
    if (i.rm < 0) e.effectiveAddress(i);
    c.i32Const(0).mem(Op.I64Load, e.xmm(i.reg)).set(X);
    if (i.rm >= 0) setLowQuadword(e, i.rm, X);
    else e.store(8, X, last);
  };
}

/**
 * MOVSD/MOVSS (F2/F3 0F 10 and 11, sub = element bytes): between registers only the low
 * element moves; a load from memory clears the rest of the register; a store writes the
 * low element.
 */
function movScalar(i: Insn, load: boolean): ReturnType<WasmTemplate> {
  const bytes = i.sub;
  const loadOp = bytes === 8 ? Op.I64Load : Op.I64Load32U;
  const storeOp = bytes === 8 ? Op.I64Store : Op.I64Store32;
  return (e, last) => {
    const c = e.c;
    if (i.rm >= 0) {
      const [d, s] = load ? [i.reg, i.rm] : [i.rm, i.reg];
      c.i32Const(0).i32Const(0).mem(loadOp, e.xmm(s)).mem(storeOp, e.xmm(d));
      return;
    }
    e.effectiveAddress(i);
    if (load) {
      e.load(bytes, X);
      setLowQuadword(e, i.reg, X);
    } else {
      c.i32Const(0).mem(loadOp, e.xmm(i.reg)).set(X);
      e.store(bytes, X, last);
    }
  };
}

/** MOVDQA/MOVDQU/MOVAPS/MOVUPS loads (V,W) and stores (W,V); sub 1 = aligned (#GP otherwise). */
function xmmMove(i: Insn, load: boolean): ReturnType<WasmTemplate> {
  return (e, last) => {
    const c = e.c;
    if (i.rm >= 0) {
      const [d, s] = load ? [i.reg, i.rm] : [i.rm, i.reg];
      c.i32Const(0).i32Const(0).simdMem(SimdOp.V128Load, e.xmm(s)).simdMem(SimdOp.V128Store, e.xmm(d));
      return;
    }
    e.effectiveAddress(i, i.sub === 1);
    if (i.sub === 1) alignmentCheck(e, false);
    if (load) {
      e.load128(V);
      c.i32Const(0).get(V).simdMem(SimdOp.V128Store, e.xmm(i.reg));
    } else {
      c.i32Const(0).simdMem(SimdOp.V128Load, e.xmm(i.reg)).set(V);
      e.store128(V, last);
    }
  };
}

export const sseTemplates = new Map<Handler, WasmTemplate>([
  [movVW, (i) => xmmMove(i, true)],
  [movWV, (i) => xmmMove(i, false)],
  [
    logicVW,
    (i) => {
      if (i.rm < 0) return null; // a memory source has loadW's alignment rules
      const op = [SimdOp.V128And, SimdOp.V128AndNot, SimdOp.V128Or, SimdOp.V128Xor][i.sub];
      // PANDN is ~dst & src: andnot(src, dst).
      return (e) => (xmmSource(e, i), xmmBinary(e, i, op, i.sub === 1));
    },
  ],
  [
    palignr,
    (i) => {
      const count = i.imm & 0xff;
      if (count > 16) return null;
      // Bytes count .. count+15 of source (low 16 bytes) : destination (high 16 bytes).
      const lanes = Array.from({ length: 16 }, (_, j) => count + j);
      return (e) => {
        const c = e.c;
        xmmSource(e, i);
        c.i32Const(0).get(V).i32Const(0).simdMem(SimdOp.V128Load, e.xmm(i.reg)).shuffle(lanes).simdMem(SimdOp.V128Store, e.xmm(i.reg));
      };
    },
  ],
  [
    pmovmskb,
    (i) => (i.rm >= 0 ? (e) => (e.c.i32Const(0).simdMem(SimdOp.V128Load, e.xmm(i.rm)).simd(SimdOp.I8x16Bitmask).op(Op.I64ExtendI32U).set(X), e.setReg(i.reg, 4, X)) : null),
  ],
  [byteOp, (i) => laneOp(i, BYTE_OPS)],
  [wordOp, (i) => laneOp(i, WORD_OPS)],
  [dwordOp, (i) => laneOp(i, DWORD_OPS)],
  [qwordOp, (i) => laneOp(i, QWORD_OPS)],
  [pack, sseNarrow],
  [unpack, sseUnpack],
  [shiftImm, sseShiftImm],
  [pshuf, sseShuffle],
  [movdToXmm, movdIn],
  [movdFromXmm, movdOut],
  [movqLoad, movqIn],
  [movqStore, movqOut],
  // PSHUFB: a selector with bit 7 set gives 0, else the byte its low four bits pick; i8x16.swizzle
  // gives 0 for any selector from 16 up, so bits 6:4 are cleared first.
  [
    pshufb,
    (i) => (e) => {
      const c = e.c;
      xmmSource(e, i);
      c.i32Const(0).i32Const(0).simdMem(SimdOp.V128Load, e.xmm(i.reg)).get(V).i32Const(0x8f).simd(SimdOp.I8x16Splat).simd(SimdOp.V128And);
      c.simd(SimdOp.I8x16Swizzle).simdMem(SimdOp.V128Store, e.xmm(i.reg));
    },
  ],
  [movScalarLoad, (i) => movScalar(i, true)],
  [movScalarStore, (i) => movScalar(i, false)],
]);
