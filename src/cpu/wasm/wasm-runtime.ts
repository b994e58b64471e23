import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { interpretBlock } from '../interpret-block.js';
import { sampleTsc } from '../ops/system.js';
import type { CompiledBlock } from '../translator/compile-block.js';
import { CHAIN_ENTRIES, STATE_CHAIN_BASE, STATE_CHAIN_BLOCKS, STATE_CHAIN_DONE, STATE_CHAIN_INDEX, STATE_CHAIN_TAGS, STATE_FLAGS, STATE_LOOPED, STATE_POS, STATE_READ_HI, STATE_RIP, STATE_SCRATCH128 } from '../../mmu/state-area.js';
import { Import, RAISE_BAD_BRANCH, RAISE_BAD_STACK, RAISE_BAD_STRING, RAISE_MISALIGNED, RAISE_NON_CANONICAL, RAISE_NON_CANONICAL_ALIGNED, RAISE_NON_CANONICAL_STACK } from './block-emitter.js';
import { blockFaults } from '../translator/compile-block.js';
import { Op, ValType, WasmCode, wasmModule } from './wasm-encoder.js';
import type { FunctionType } from './wasm-encoder.js';

/**
 * The JavaScript side of WebAssembly blocks for one Cpu (compile-wasm-block.ts): the
 * functions a block calls on a TLB miss or to raise an exception, and the call of a block
 * with the Cpu's lazy flags copied into the state area and back.
 *
 * One "runtime module" per Cpu holds what every block shares, so that a block module is
 * cheap to instantiate and to call:
 * - `host`, a WebAssembly function calling the JavaScript one (hostFunction), which is
 *   every block's only import. V8 compiles a call wrapper for each function import of a
 *   module when it compiles the module (--trace-wasm-compilation-times): one per block,
 *   where six imported host functions cost six, most of the 0.5 ms a block's module
 *   took. Blocks import no table: in V8 11 that would keep them alive as long as the
 *   table (every importing instance sits in the table's dispatch list; a fuzzing run
 *   that compiles a block per instruction ran out of WebAssembly code space).
 * - A table of all blocks and one function, `call`, that calls a block by its index: the
 *   JavaScript call site then always calls the same function, which V8 optimizes, where a
 *   call of each block's own export is megamorphic and goes through V8's generic
 *   JavaScript-to-WebAssembly wrapper.
 * - Chaining: when a user-mode block ends with RIP at another WebAssembly block that the
 *   chain cache (mmu/state-area.ts) knows, `call` runs that one too, up to the run loop's
 *   budget, without returning to JavaScript (a block dispatch through the run loop costs
 *   more than a short block's instructions). The cache holds the blocks the run loop has
 *   called in user mode and is emptied whenever a translation or any cached code changes,
 *   as the run loop's own address cache is. Between blocks nothing the run loop checks can
 *   have changed: a block has no instruction that changes CPL, TF or the interrupt state,
 *   and one whose write asks the run loop to stop (cpu.exitRequest) ends the chain.
 */

const I32 = ValType.I32;
const F64 = ValType.F64;

/** host(a: f64, x: i32, y: i32, z: i32, op: i32) -> i32, the one import of a block (block-emitter.ts Import). */
export const HOST_TYPE: FunctionType = { params: [F64, I32, I32, I32, I32], results: [I32] };

/** A block: (base: f64, budget: i32, tlbSet: i32) -> i32. */
export const BLOCK_TYPE: FunctionType = { params: [F64, I32, I32], results: [I32] };

/** Index of each word in WasmRuntime.words (an Int32Array over the state area from STATE_FLAGS). */
const W_RES = 0;
const W_RES_TOP = 1;
const W_AUX = 2;
const W_AUX_TOP = 3;
const W_SHIFT = 4;
const W_FLAGS_REST = 5;
const W_MXCSR = 6;
const W_POS = (STATE_POS - STATE_FLAGS) / 4;
const W_LOOPED = (STATE_LOOPED - STATE_FLAGS) / 4;
const W_READ_HI = (STATE_READ_HI - STATE_FLAGS) / 4;
const W_CHAIN_DONE = (STATE_CHAIN_DONE - STATE_FLAGS) / 4;
const W_CHAIN_INDEX = (STATE_CHAIN_INDEX - STATE_FLAGS) / 4;

/** The chain cache's slot of an address (the same hash as the runtime module's `call`). */
function chainSlot(rip: number): number {
  const low = rip | 0;
  return (low ^ (low >>> 10)) & (CHAIN_ENTRIES - 1);
}

/** Initial size of the block table (it grows by doubling). */
const INITIAL_TABLE = 256;

/** A compiled block's table entry and its CompiledBlock (the run loop's contract). */
export interface WasmBlock {
  index: number;
  run: CompiledBlock;
}

type CallBlock = (index: number, base: number, budget: number, tlbSet: number) => number;

export class WasmRuntime {
  /** Byte offset of the state area, and the memory's size in 64 KiB pages, for block modules. */
  readonly state: number;
  readonly pages: number;
  /** What a block module's instantiation imports. */
  readonly blockImports: Record<string, Record<string, unknown>>;
  private readonly words: Int32Array;
  private readonly rip: Float64Array;
  private readonly table: WebAssembly.Table;
  private readonly callBlock: CallBlock;
  /** Each table entry's block instructions. */
  private readonly insnsOf: Array<readonly Insn[]> = [];
  private readonly chainTags: Float64Array;
  private readonly chainBlocks: Int32Array;
  private readonly chainBase: Float64Array;
  private chainGeneration = -1;
  private readonly freeIndices: number[] = [];
  /** Entry hooks blocks call (Import.Hook), by index. */
  private readonly hooks: Array<() => void> = [];

  /** The index a block passes to Import.Hook to run `hook`. */
  hookIndex(hook: () => void): number {
    const known = this.hooks.indexOf(hook);
    return known >= 0 ? known : this.hooks.push(hook) - 1;
  }

  /** `memory`: the guest memory's WebAssembly.Memory (PhysicalMemory.memory, when the host has WebAssembly). */
  constructor(
    private readonly cpu: Cpu,
    memory: WebAssembly.Memory,
  ) {
    const phys = cpu.mem.phys;
    this.state = phys.stateOffset;
    this.pages = memory.buffer.byteLength / 65536;
    this.words = phys.stateInt32(STATE_FLAGS, 32);
    this.rip = phys.stateFloat64(STATE_RIP, 1);
    this.chainTags = phys.stateFloat64(STATE_CHAIN_TAGS, CHAIN_ENTRIES).fill(NaN);
    this.chainBlocks = phys.stateInt32(STATE_CHAIN_BLOCKS, CHAIN_ENTRIES);
    this.chainBase = phys.stateFloat64(STATE_CHAIN_BASE, 1);
    const env = { memory, host: hostFunction(cpu, this.words, phys.stateInt32(STATE_SCRATCH128, 4), this.hooks, this.insnsOf) };
    const runtime = new WebAssembly.Instance(new WebAssembly.Module(runtimeModule(this.pages, this.state)), { env });
    const exports = runtime.exports;
    this.table = exports.table as WebAssembly.Table;
    this.callBlock = exports.call as CallBlock;
    this.blockImports = { env: { memory, host: exports.host } };
  }

  /** Adds a block function (a block module's export): its table index, and the CompiledBlock that runs it. */
  add(fn: unknown, insns: readonly Insn[]): WasmBlock {
    const index = this.freeIndices.pop() ?? this.insnsOf.length;
    this.insnsOf[index] = insns;
    if (index >= this.table.length) this.table.grow(this.table.length);
    this.table.set(index, fn);
    return { index, run: (_cpu, base) => this.run(index, insns, base) };
  }

  /**
   * Frees the entry of a block whose code was invalidated (a JIT-style guest replaces its
   * code again and again), after the chains were forgotten: nothing can call it again.
   */
  release(index: number): void {
    // (insnsOf keeps its instructions until the entry is reused: the chain that invalidated
    // the block may have to finish it in the interpreter.)
    this.table.set(index, null);
    this.freeIndices.push(index);
  }

  /** Forgets every chain (code was invalidated). */
  clearChains(): void {
    this.chainTags.fill(NaN);
  }

  /** Runs block `index` (CompiledBlock's contract): flags in, the call, flags and RIP out. */
  private run(index: number, insns: readonly Insn[], base: number): number {
    const cpu = this.cpu;
    const w = this.words;
    flagsToState(cpu, w);
    const mem = cpu.mem;
    if (mem.set !== 0) {
      if (mem.mappingGeneration !== this.chainGeneration) {
        this.clearChains();
        this.chainGeneration = mem.mappingGeneration;
      }
      const slot = chainSlot(base);
      this.chainTags[slot] = base;
      this.chainBlocks[slot] = index;
    }
    let ret: number;
    try {
      ret = this.callBlock(index, base, Math.min(cpu.retireLimit - cpu.retired, 0x3fffffff), mem.set);
    } catch (e) {
      cpu.blockPos = w[W_POS];
      this.flagsBack();
      this.locateFault(index);
      throw e;
    }
    this.flagsBack();
    if (ret >= 0) {
      cpu.rip = this.rip[0];
      return ret;
    }
    const last = w[W_CHAIN_INDEX];
    if (last === index) return interpretBlock(cpu, insns, ~ret, base);
    try {
      return interpretBlock(cpu, this.insnsOf[last], ~ret, this.chainBase[0]);
    } catch (e) {
      this.locateFault(index);
      throw e;
    }
  }

  /**
   * After a fault in a block the chain reached (not the one the run loop called, `index`):
   * the faulting instruction's address for the run loop, which otherwise finds it in the
   * block it called (cpu.blockPos).
   */
  private locateFault(index: number): void {
    const last = this.words[W_CHAIN_INDEX];
    if (last !== index) this.cpu.faultRip = this.chainBase[0] + this.insnsOf[last][this.cpu.blockPos].offset;
  }

  /** The flags (and flagsRest) back to the Cpu, and the instructions of earlier blocks of the chain and of loop iterations. */
  private flagsBack(): void {
    const cpu = this.cpu;
    const w = this.words;
    flagsFromState(cpu, w);
    cpu.retired += w[W_CHAIN_DONE] + w[W_LOOPED];
  }
}

/** The Cpu's lazy flags, flagsRest and MXCSR into the state area, where blocks keep them. */
function flagsToState(cpu: Cpu, w: Int32Array): void {
  w[W_RES] = cpu.lzRes;
  w[W_RES_TOP] = cpu.lzResTop;
  w[W_AUX] = cpu.lzAux;
  w[W_AUX_TOP] = cpu.lzAuxTop;
  w[W_SHIFT] = cpu.lzShift;
  w[W_FLAGS_REST] = cpu.flagsRest;
  w[W_MXCSR] = cpu.mxcsr;
}

/** The flags back from the state area to the Cpu (blocks do not write MXCSR). */
function flagsFromState(cpu: Cpu, w: Int32Array): void {
  cpu.lzRes = w[W_RES];
  cpu.lzResTop = w[W_RES_TOP];
  cpu.lzAux = w[W_AUX];
  cpu.lzAuxTop = w[W_AUX_TOP];
  cpu.lzShift = w[W_SHIFT];
  cpu.flagsRest = w[W_FLAGS_REST];
}

/** The JavaScript behind `host`: the host function `op` (block-emitter.ts Import) with its arguments. */
function hostFunction(
  cpu: Cpu,
  words: Int32Array,
  scratch: Int32Array,
  hooks: ReadonlyArray<() => void>,
  insnsOf: ReadonlyArray<readonly Insn[]>,
): (a: number, x: number, y: number, z: number, op: number) => number {
  const mem = cpu.mem;
  return (a, x, y, z, op) => {
    switch (op) {
      case Import.Read: {
        if (x === 1) return mem.read8(a);
        if (x === 2) return mem.read16(a);
        if (x === 4) return mem.read32(a);
        const lo = mem.read64(a);
        words[W_READ_HI] = mem.hi;
        return lo;
      }
      case Import.Write:
        if (x === 1) mem.write8(a, y);
        else if (x === 2) mem.write16(a, y);
        else if (x === 4) mem.write32(a, y);
        else mem.write64(a, y, z);
        return cpu.exitRequest;
      case Import.CheckWrite:
        mem.checkWrite(a, x);
        return 0;
      case Import.Read128:
        mem.read128(a, scratch, 0);
        return 0;
      case Import.Write128:
        mem.write128(a, scratch, 0);
        return cpu.exitRequest;
      case Import.Raise:
        return raise(cpu, x, y);
      case Import.Hook:
        hooks[x]();
        return 0;
      case Import.Handler: {
        // Instruction x of the block the chain is running. Chains run at CPL 3, where no
        // instruction that comes here changes what the run loop checks between blocks (CPL,
        // TF, IF, mappings): those end blocks (ENDS_BLOCK, left to JavaScript blocks) or are
        // privileged (#GP); a write into code sets exitRequest, which ends the chain.
        const insn = insnsOf[words[W_CHAIN_INDEX]][x];
        cpu.rip = a;
        flagsFromState(cpu, words);
        try {
          insn.exec(cpu, insn);
        } finally {
          flagsToState(cpu, words);
        }
        return cpu.exitRequest;
      }
      default: {
        // Import.ReadTsc. The count the interpreter would see: cpu.retired stands at the chain's first
        // block until the chain returns (the run loop adds it after each block).
        const retired = cpu.retired;
        cpu.retired += words[W_CHAIN_DONE] + words[W_LOOPED];
        try {
          sampleTsc(cpu);
        } finally {
          cpu.retired = retired;
        }
        words[W_READ_HI] = cpu.tscHi;
        scratch[0] = cpu.tscAux;
        return cpu.tscLo;
      }
    }
  };
}

/** The exceptions of Import.Raise, by RAISE_* kind (RAISE_NON_CANONICAL_ALIGNED has its own path). */
const FAULTS = new Map<number, (cpu: Cpu) => never>([
  [RAISE_NON_CANONICAL, blockFaults.nonCanonical],
  [RAISE_NON_CANONICAL_STACK, blockFaults.nonCanonicalStack],
  [RAISE_BAD_STACK, blockFaults.badStack],
  [RAISE_BAD_BRANCH, blockFaults.badBranch],
  [RAISE_MISALIGNED, blockFaults.misaligned],
  [RAISE_BAD_STRING, blockFaults.badString],
]);

/** Import.Raise: the exception `kind` (RAISE_*). */
function raise(cpu: Cpu, kind: number, low4: number): number {
  // RAISE_NON_CANONICAL_ALIGNED: the model's alignment check first; the block raises #GP after.
  if (kind === RAISE_NON_CANONICAL_ALIGNED) cpu.alignmentFirst(low4);
  else FAULTS.get(kind)!(cpu);
  return 0;
}

/** The runtime module: `host` (calling the JavaScript import of that name), the block table and `call`. */
function runtimeModule(pages: number, state: number): Uint8Array {
  const host = new WasmCode().get(0).get(1).get(2).get(3).get(4).call(0);
  return wasmModule({
    memoryPages: pages,
    imports: [{ name: 'host', type: HOST_TYPE }],
    functions: [
      { type: HOST_TYPE, locals: [], body: host },
      { type: { params: [I32, F64, I32, I32], results: [I32] }, locals: [I32, I32, F64, I32, I32], body: chainCall(state, 3) },
    ],
    tables: [{ size: INITIAL_TABLE, name: 'table' }],
    exports: [
      { name: 'host', func: 1 },
      { name: 'call', func: 2 },
    ],
    indirectTypes: [BLOCK_TYPE],
  });
}

/**
 * call(index, base, budget, tlbSet): runs block `index` at `base` and, while it ends with
 * RIP at a block of the chain cache and the budget allows, the next. Returns the last
 * block's result; leaves in the state area that block's index and address, and the
 * instructions the earlier ones retired (STATE_CHAIN_DONE).
 */
function chainCall(state: number, blockType: number): WasmCode {
  const [INDEX, BASE, BUDGET, SET, RET, DONE, RIP, SLOT, NEXT_DONE] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const c = new WasmCode();
  const enter = (): void => {
    c.i32Const(0).get(INDEX).mem(Op.I32Store, state + STATE_CHAIN_INDEX);
    c.i32Const(0).get(BASE).mem(Op.F64Store, state + STATE_CHAIN_BASE);
    c.i32Const(0).get(DONE).mem(Op.I32Store, state + STATE_CHAIN_DONE);
  };
  enter();
  c.block(Op.Block).block(Op.Loop);
  c.get(BASE).get(BUDGET).get(DONE).op(Op.I32Sub).get(SET).get(INDEX).callIndirect(blockType).tee(RET);
  // Stop on ~k (the interpreter finishes the block), in the kernel, or at the budget.
  c.i32Const(0).op(Op.I32LtS).br(Op.BrIf, 1);
  c.get(SET).op(Op.I32Eqz).br(Op.BrIf, 1);
  c.get(DONE).get(RET).op(Op.I32Add).i32Const(0).mem(Op.I32Load, state + STATE_LOOPED).op(Op.I32Add).tee(NEXT_DONE);
  c.get(BUDGET).op(Op.I32GeS).br(Op.BrIf, 1);
  // The next block, if the cache has it (chainSlot).
  c.i32Const(0).mem(Op.F64Load, state + STATE_RIP).tee(RIP).op(Op.I64TruncF64S).op(Op.I32WrapI64).tee(SLOT);
  c.get(SLOT).i32Const(10).op(Op.I32ShrU).op(Op.I32Xor).i32Const(CHAIN_ENTRIES - 1).op(Op.I32And).set(SLOT);
  c.get(SLOT).i32Const(3).op(Op.I32Shl).mem(Op.F64Load, state + STATE_CHAIN_TAGS).get(RIP).op(Op.F64Ne).br(Op.BrIf, 1);
  c.get(SLOT).i32Const(2).op(Op.I32Shl).mem(Op.I32Load, state + STATE_CHAIN_BLOCKS).set(INDEX);
  c.get(RIP).set(BASE).get(NEXT_DONE).set(DONE);
  enter();
  c.br(Op.Br, 0);
  c.op(Op.End).op(Op.End);
  return c.get(RET);
}
