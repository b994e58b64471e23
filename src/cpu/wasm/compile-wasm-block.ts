import type { Cpu } from '../cpu.js';
import { VEC_GP, VEC_SS } from '../cpu-exception.js';
import type { Insn } from '../insn.js';
import { callE, callRel, jccRel, jmpE, jmpRel, ret } from '../ops/control.js';
import { interpretBlock } from '../interpret-block.js';
import { RSP } from '../registers.js';
import type { BlockProfile, CompiledBlock } from '../translator/compile-block.js';
import { profiledPath } from '../translator/compile-block.js';
import { FlagEffect, flagEffect } from '../translator/templates.js';
import { STATE_FLAGS, STATE_RIP, STATE_SCRATCH128 } from '../../mmu/state-area.js';
import { A, B, BlockEmitter, C, LOCAL_TYPES, LOOPED, P_BASE, P_BUDGET, R, RAISE_BAD_BRANCH, RAISE_BAD_STACK, RET, X, Y } from './block-emitter.js';
import { blockModule, Op, ValType } from './wasm-encoder.js';
import type { FunctionType } from './wasm-encoder.js';
import { pop, wasmTemplateFor } from './wasm-templates.js';

/**
 * The WebAssembly block translator: a hot decoded block becomes one WebAssembly
 * function. V8 compiles it at once with its baseline compiler (Liftoff) and optimizes it
 * later in the background, with no type feedback to gather and nothing to deoptimize, so
 * a block runs at compiled speed from its first call; a JavaScript block
 * (translator/compile-block.ts) runs several times slower than the interpreter until
 * TurboFan has compiled it (docs/performance.md, "Seventh session").
 *
 * Same contract and structure as compileBlock: the function returns the instructions
 * completed (RIP left in the state area), or ~k to finish the block in the interpreter
 * from instruction k; cold paths of the profile end that way. Blocks with an instruction
 * that has no WebAssembly template are compiled to JavaScript instead.
 */

/** Index of each flag word in WasmRuntime.words (Int32Array over the state area from STATE_FLAGS). */
const W_RES = 0;
const W_RES_TOP = 1;
const W_AUX = 2;
const W_AUX_TOP = 3;
const W_SHIFT = 4;
const W_FLAGS_REST = 5;
const W_MXCSR = 6;
const W_POS = 18;
const W_LOOPED = 19;
const W_READ_HI = 20;

const I32 = ValType.I32;
const F64 = ValType.F64;
const IMPORTS: ReadonlyArray<{ name: string; type: FunctionType }> = [
  { name: 'read', type: { params: [F64, I32], results: [I32] } },
  { name: 'write', type: { params: [F64, I32, I32, I32], results: [I32] } },
  { name: 'checkWrite', type: { params: [F64, I32], results: [] } },
  { name: 'read128', type: { params: [F64], results: [] } },
  { name: 'write128', type: { params: [F64], results: [I32] } },
  { name: 'raise', type: { params: [I32, I32], results: [] } },
];
const BLOCK_TYPE: FunctionType = { params: [F64, I32, I32], results: [I32] };

type WasmBlockFunction = (base: number, budget: number, tlbSet: number) => number;

/** The JavaScript side of WebAssembly blocks for one Cpu: the imports and the call glue. */
export class WasmRuntime {
  private readonly words: Int32Array;
  private readonly rip: Float64Array;
  private readonly scratch: Int32Array;
  readonly imports: Record<string, Record<string, unknown>>;
  readonly pages: number;
  readonly state: number;

  constructor(private readonly cpu: Cpu) {
    const phys = cpu.mem.phys;
    this.state = phys.stateOffset;
    this.pages = phys.memory.buffer.byteLength / 65536;
    this.words = phys.stateInt32(STATE_FLAGS, 32);
    this.rip = phys.stateFloat64(STATE_RIP, 1);
    this.scratch = phys.stateInt32(STATE_SCRATCH128, 4);
    const mem = cpu.mem;
    const words = this.words;
    const scratch = this.scratch;
    this.imports = {
      env: {
        memory: phys.memory,
        read(a: number, size: number): number {
          if (size === 1) return mem.read8(a);
          if (size === 2) return mem.read16(a);
          if (size === 4) return mem.read32(a);
          const lo = mem.read64(a);
          words[W_READ_HI] = mem.hi;
          return lo;
        },
        write(a: number, size: number, lo: number, hi: number): number {
          if (size === 1) mem.write8(a, lo);
          else if (size === 2) mem.write16(a, lo);
          else if (size === 4) mem.write32(a, lo);
          else mem.write64(a, lo, hi);
          return cpu.exitRequest;
        },
        checkWrite(a: number, size: number): void {
          mem.checkWrite(a, size);
        },
        read128(a: number): void {
          mem.read128(a, scratch, 0);
        },
        write128(a: number): number {
          mem.write128(a, scratch, 0);
          return cpu.exitRequest;
        },
        raise(kind: number, low4: number): void {
          raise(cpu, kind, low4);
        },
      },
    };
  }

  /** Runs a compiled block (CompiledBlock's contract): flags in, the call, flags and RIP out. */
  run(fn: WasmBlockFunction, insns: readonly Insn[], base: number): number {
    const cpu = this.cpu;
    const w = this.words;
    w[W_RES] = cpu.lzRes;
    w[W_RES_TOP] = cpu.lzResTop;
    w[W_AUX] = cpu.lzAux;
    w[W_AUX_TOP] = cpu.lzAuxTop;
    w[W_SHIFT] = cpu.lzShift;
    w[W_FLAGS_REST] = cpu.flagsRest;
    w[W_MXCSR] = cpu.mxcsr;
    let ret: number;
    try {
      ret = fn(base, Math.min(cpu.retireLimit - cpu.retired, 0x3fffffff), cpu.mem.set);
    } catch (e) {
      cpu.blockPos = w[W_POS];
      this.flagsBack();
      throw e;
    }
    this.flagsBack();
    if (ret >= 0) {
      cpu.rip = this.rip[0];
      return ret;
    }
    return interpretBlock(cpu, insns, ~ret, base);
  }

  private flagsBack(): void {
    const cpu = this.cpu;
    const w = this.words;
    cpu.lzRes = w[W_RES];
    cpu.lzResTop = w[W_RES_TOP];
    cpu.lzAux = w[W_AUX];
    cpu.lzAuxTop = w[W_AUX_TOP];
    cpu.lzShift = w[W_SHIFT];
    cpu.retired += w[W_LOOPED];
  }
}

function raise(cpu: Cpu, kind: number, low4: number): void {
  switch (kind) {
    case 0:
      cpu.raise(VEC_GP, 0, 'non-canonical address');
    case 1:
      cpu.raise(VEC_SS, 0, 'non-canonical address');
    case 2:
      cpu.raise(VEC_SS, 0, 'non-canonical stack address');
    case 3:
      cpu.raise(VEC_GP, 0, 'branch to a non-canonical address');
    case 4:
      cpu.raise(VEC_GP, 0, 'misaligned 16-byte SSE operand');
    default:
      cpu.alignmentFirst(low4);
  }
}

/**
 * Compiles `insns` (the block at virtual address `address`) to WebAssembly, or returns
 * null when one of its instructions has no WebAssembly template.
 */
export function compileWasmBlock(runtime: WasmRuntime, insns: Insn[], profile?: BlockProfile): CompiledBlock | null {
  const n = insns.length;
  const exits = profile?.exits ?? new Array<number>(n + 1).fill(0);
  const { reach, cold } = profiledPath(exits);
  const profiledLength = profile?.profiledLength ?? n;
  const lastFallThrough = profile && profile.profiledLength === n ? profile.lastFallThrough : NaN;
  const flagsDead: boolean[] = new Array(n).fill(false);
  let deadAfter = false;
  for (let k = n - 1; k >= 0; k--) {
    flagsDead[k] = deadAfter;
    const effect = flagEffect(insns[k]);
    if (effect === FlagEffect.WritesAll) deadAfter = true;
    else if (effect !== FlagEffect.None) deadAfter = false;
  }

  const e = new BlockEmitter(runtime.state);
  const c = e.c;
  c.get(P_BASE).op(Op.I64TruncF64S).set(B);
  e.loadFlags();
  c.i32Const(0).set(LOOPED);
  e.exitLabel = e.open(Op.Block);
  const top = e.open(Op.Loop);
  e.knownShift = null; // a loop's next iteration starts with the flags of the last one

  /** A taken branch to base + offset, or back to the block's start (a loop) after `length` instructions. */
  const jumpOrLoop = (i: Insn, length: number): void => {
    const offset = i.nextOffset + i.imm;
    if (offset !== 0) {
      c.get(B).i64Number(offset).op(Op.I64Add).set(A);
      e.checkCanonical(A, RAISE_BAD_BRANCH);
      e.setRip(A);
      return;
    }
    // Iterate again unless the run loop's budget would be spent.
    c.get(LOOPED).i32Const(length).op(Op.I32Add).get(P_BUDGET).op(Op.I32LtS);
    e.open(Op.If);
    c.get(LOOPED).i32Const(length).op(Op.I32Add).set(LOOPED);
    e.br(top);
    e.close();
    e.setRipOffset(0);
  };

  let ripSet = false;
  for (let k = 0; k < n; k++) {
    const i = insns[k];
    const last = k === n - 1;
    e.k = k;
    if (k > 0 && k <= profiledLength && cold(reach[k])) {
      e.leave(~k);
      ripSet = true;
      break;
    }
    if (!last && i.exec === jmpRel) continue; // a jump the superblock follows
    e.position();
    if (i.exec === jccRel) {
      e.condition(i.sub);
      c.set(C);
      if (!last) {
        // Inside a superblock the branch leaves one way: taken, or (a path retraced along the taken side) not taken.
        const followsTaken = insns[k + 1].offset !== i.nextOffset;
        c.get(C);
        if (followsTaken) c.op(Op.I32Eqz);
        e.open(Op.If);
        if (k < profiledLength && cold(exits[k + 1])) e.leave(~k);
        else {
          if (followsTaken) e.setRipOffset(i.nextOffset);
          else jumpOrLoop(i, k + 1);
          e.leave(k + 1);
        }
        e.close();
        continue;
      }
      c.get(C);
      if (cold(exits[n] - lastFallThrough)) {
        e.open(Op.If);
        e.leave(~k);
        e.close();
        e.setRipOffset(i.nextOffset);
      } else if (cold(lastFallThrough)) {
        c.op(Op.I32Eqz);
        e.open(Op.If);
        e.leave(~k);
        e.close();
        jumpOrLoop(i, n);
      } else {
        e.open(Op.If);
        jumpOrLoop(i, n);
        e.elseArm();
        e.setRipOffset(i.nextOffset);
        e.close();
      }
      ripSet = true;
      continue;
    }
    if (last && emitBranch(e, i, jumpOrLoop, n)) {
      ripSet = true;
      continue;
    }
    const template = wasmTemplateFor(i.exec)?.(i);
    if (!template) return null;
    template(e, last, flagsDead[k]);
  }
  if (!ripSet) e.setRipOffset(insns[n - 1].nextOffset);
  e.leave(n);
  e.close(); // loop
  e.close(); // exit
  e.flushFlags();
  c.get(RET);

  const bytes = blockModule(runtime.pages, IMPORTS, BLOCK_TYPE, LOCAL_TYPES, c);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), runtime.imports);
  const fn = instance.exports.f as WasmBlockFunction;
  return (_cpu, base) => runtime.run(fn, insns, base);
}

/** The block-ending branches other than Jcc; false when `i` is none of them (or a form they leave). */
function emitBranch(e: BlockEmitter, i: Insn, jumpOrLoop: (i: Insn, length: number) => void, n: number): boolean {
  const c = e.c;
  const loadTarget = (): boolean => {
    if (i.opsize !== 8) return false;
    if (i.rm >= 0) e.reg(i.rm, 8), c.set(X);
    else e.effectiveAddress(i), e.load(8, X);
    return true;
  };
  /** CALL: the target (in R) is checked before the return address base + next is pushed (ops/control.ts callTo). */
  const callTo = (): void => {
    e.checkCanonical(R, RAISE_BAD_BRANCH);
    c.get(B).i64Number(i.nextOffset).op(Op.I64Add).set(Y);
    e.reg(RSP, 8);
    c.i64Number(8).op(Op.I64Sub).set(A);
    e.checkCanonical(A, RAISE_BAD_STACK);
    e.store(8, Y, true);
    e.setReg(RSP, 8, A);
    e.setRip(R);
  };
  switch (i.exec) {
    case jmpRel:
      jumpOrLoop(i, n);
      return true;
    case callRel:
      c.get(B).i64Number(i.nextOffset + i.imm).op(Op.I64Add).set(R);
      callTo();
      return true;
    case callE:
      if (!loadTarget()) return false;
      c.get(X).set(R);
      callTo();
      return true;
    case jmpE:
      if (!loadTarget()) return false;
      e.checkCanonical(X, RAISE_BAD_BRANCH);
      e.setRip(X);
      return true;
    case ret:
      if (i.sub) return false;
      pop(e);
      e.checkCanonical(X, RAISE_BAD_BRANCH);
      e.setRip(X);
      return true;
    default:
      return false;
  }
}
