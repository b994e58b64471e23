import { PageFault } from '../mmu/page-fault.js';
import { PAGE_SIZE } from '../mmu/physical-memory.js';
import { Cpu, DOUBLE_FIELD, EXIT_BREAKPOINT, EXIT_BUDGET, EXIT_FATAL, EXIT_NONE } from './cpu.js';
import { CpuException, MachineHalted, pushesErrorCode, VEC_DB, VEC_PF } from './cpu-exception.js';
import { TF } from './flags.js';
import { decode, InstructionTooLong, UndefinedOpcode } from './decoder.js';
import type { BreakpointHandler, HookedHandler, Insn } from './insn.js';
import { deliverInterrupt } from './interrupts.js';
import { ENDS_BLOCK } from './opcode-table.js';
import type { OpcodeTable } from './opcode-table.js';
import { COMPAT_OPCODES } from './opcodes32.js';
import { interpretBlock } from './interpret-block.js';
import { compileWasmBlock } from './wasm/compile-wasm-block.js';
import { WasmRuntime } from './wasm/wasm-runtime.js';
import { compileBlock, CompiledBlock, MIN_PROFILE_RUNS, profiledPath } from './translator/compile-block.js';
import { jccRel, jmpRel } from './ops/control.js';
import { VEC_GP, VEC_UD } from './cpu-exception.js';

/** Internal exit reason: a write hit the running block's code; decode again from RIP. */
export const EXIT_CODE_CHANGED = 100;

/**
 * Calls a compiled block: the one call site every compiled block goes through. V8
 * speculates on a call target it has seen alone, and the run loop is optimized during
 * boot, long before the second block is compiled; its arrival then deoptimized the run
 * loop, which ran in V8's bytecode interpreter until TurboFan, busy with the new blocks,
 * compiled it again (SHA-256 lost 100 ms of its 600). Calls with different targets
 * when the module loads make the site megamorphic from the start.
 */
function callCompiled(compiled: CompiledBlock, cpu: Cpu, start: number): number {
  return compiled(cpu, start);
}
// (V8 records feedback only once the function has a feedback vector, after a few calls.)
const warmUpTargets = [() => 0, () => 1];
for (let call = 0; call < 100; call++) callCompiled(warmUpTargets[call & 1], undefined as unknown as Cpu, 0);

/** Thrown by a breakpoint's wrapper before its instruction runs. */
class BreakpointHit {}
const BREAKPOINT = new BreakpointHit();

/** Longest run of instructions decoded into one block. */
const MAX_BLOCK_INSNS = 64;

/** A straight-line run of decoded instructions, cached by the physical address of its start. */
export class Block {
  /** Executions so far; at `compileAt` the block is translated (Interpreter.compile). */
  runs = 0;
  compiled: CompiledBlock | null = null;
  /** `compiled` is WebAssembly (which may chain on to other blocks). */
  compiledToWasm = false;
  /** Its entry in the WebAssembly block table, -1 once freed (a block in two frames is invalidated twice). */
  wasmIndex = -1;
  /**
   * Where interpreted runs left the block: exits[k] counts the runs that completed
   * exactly k instructions (a taken branch inside, or the end). With `lastFallThrough`
   * (runs whose last instruction, a conditional branch, was not taken) this is the
   * profile the translator uses to leave paths that were never seen out of the
   * compiled code (BlockProfile, compile-block.ts).
   */
  exits: number[];
  lastFallThrough = 0;
  /** How many leading instructions `exits` describes (all, until the path is retraced). */
  profiledLength: number;

  constructor(
    /** Its key in the cache: the physical address, + COMPAT_KEY for 32-bit code. */
    readonly physical: number,
    /** The path: decoded instructions in the order the block runs them. */
    public insns: Insn[],
    /** Frames (physical page bases) the block's bytes come from: one, or two for a straddler. */
    readonly frames: number[],
    /** Runs before it is compiled (compileAt below): to WebAssembly first, JavaScript at jsCompileAt. */
    public compileAt: number,
    readonly jsCompileAt: number,
  ) {
    // A plain array: a typed array's backing store is external memory, which hurries
    // V8's garbage collector at start-up, when thousands of blocks are built.
    this.exits = new Array<number>(insns.length + 1).fill(0);
    this.profiledLength = insns.length;
  }

  /** Replaces the path (Interpreter.followHotBranch) and the profile that goes with it. */
  retrace(insns: Insn[], exits: number[], profiledLength: number): void {
    this.insns = insns;
    this.exits = exits;
    this.profiledLength = profiledLength;
  }
}

/**
 * Added to a block's physical address in the cache when it was decoded in compatibility
 * mode: the same bytes decode differently in 32-bit code (40-4F, operand sizes).
 */
const COMPAT_KEY = 2 ** 40;

/** Entries of the RIP → block cache (a power of two). */
const RIP_CACHE_SIZE = 4096;
const RIP_CACHE_MASK = RIP_CACHE_SIZE - 1;

/**
 * Executions of a block before it is compiled. A compiled block is a new JavaScript
 * function that V8 first runs in its bytecode interpreter, slower than our already-
 * optimized handlers, and TurboFan then spends milliseconds on it (on the other core);
 * only blocks hot enough repay the translation. Wall time relative to 10,000 once
 * registers and flags lived in locals (docs/performance.md, fourth session): SHA-256
 * 0.92-0.93, qsort-glibc 0.91, memory-glibc 0.91, bytecode 0.97, qsort-musl 0.96, hello
 * world 0.99; 1,000 was no better than 2,000. That is for a block of TYPICAL_BLOCK_INSNS
 * or fewer; a longer one is compiled after proportionally fewer runs, so that no block
 * is interpreted for much more than 16,000 instructions (SHA-256's unrolled rounds, 64
 * instructions a block, were interpreted for the first eighth of the hashing).
 */
const COMPILE_THRESHOLD = 2_000;
/**
 * A block that compiles to WebAssembly does so after a quarter of the runs (500 for a
 * typical block): WebAssembly has no warm-up to amortise (docs/performance.md, "Eighth
 * session"). Paired wall against compiling at 2,000: qsort-glibc 0.95, memory-glibc 0.92,
 * bytecode 0.98, qsort-musl 0.98, SHA-256 1.02; a tenth of the runs was worse on all but
 * qsort-glibc (earlier profiles call paths cold that turn hot later, and a compiled block
 * leaves those to the interpreter).
 */
const WASM_THRESHOLD_DIVISOR = 4;
const TYPICAL_BLOCK_INSNS = 8;

/** Runs before a block of `length` instructions is compiled, for a threshold (COMPILE_THRESHOLD). */
function compileAt(threshold: number, length: number): number {
  return Math.ceil(threshold * Math.min(1, TYPICAL_BLOCK_INSNS / length));
}

/** What the last exception was, for the kernel's report and the debugger. */
export interface FaultRecord {
  vector: number;
  errorCode: number;
  rip: number;
  /** CR2 for #PF. */
  address: number;
  cpl: number;
  detail: string;
}

/**
 * The interpreter: decodes straight-line blocks once, caches them by physical address,
 * and runs them. Writes into a frame holding cached code drop that frame's blocks
 * (the MMU routes such writes to `onCodeWrite`), so self-modifying code and code
 * written through another mapping behave as on hardware.
 *
 * Exceptions abort the current instruction (handlers throw the CPU's preallocated
 * exception or the MMU's PageFault), RIP is rolled back to it, and the vector is
 * delivered through the IDT like on the real machine.
 */
export class Interpreter {
  readonly cpu: Cpu;
  private readonly table: OpcodeTable;
  private readonly blocks = new Map<number, Block>();
  private readonly blocksInFrame = new Map<number, Block[]>();
  private running: Block | null = null;
  /** Instructions retired at CPL 3 (the rest ran in the kernel). */
  userRetired = DOUBLE_FIELD;
  lastFault: FaultRecord | null = null;
  /** Message of the condition that stopped the machine (EXIT_FATAL). */
  fatalMessage = '';
  /**
   * Calls to make whenever execution enters an instruction at a given physical address
   * (the kernel counts vDSO entries this way). Attached once, when the instruction is
   * decoded, so addresses without a hook cost nothing.
   */
  readonly entryHooks = new Map<number, () => void>();
  /** Compile hot blocks (to WebAssembly or JavaScript; off: interpret everything, for comparisons). */
  translate = true;
  /**
   * Compile hot blocks to WebAssembly where compileWasmBlock takes them (src/cpu/wasm),
   * the rest to JavaScript (off: JavaScript only, for comparisons, and where the host has
   * no WebAssembly).
   */
  wasm: boolean;
  private wasmState: WasmRuntime | null = null;
  /** Blocks translated so far, to WebAssembly and to JavaScript (--stats). */
  readonly compiledBlocks = { wasm: 0, javascript: 0 };
  /** Runs before a block of up to TYPICAL_BLOCK_INSNS is compiled, fewer for longer ones (tests set 1 to compile everything). */
  compileThreshold = COMPILE_THRESHOLD;
  /** Debugger breakpoints, by virtual address: execution stops before these instructions. */
  private readonly breakpoints = new Set<number>();
  /** Resuming from a breakpoint runs its instruction once without stopping. */
  private resumeAt = NaN;

  constructor(cpu: Cpu, table: OpcodeTable) {
    this.cpu = cpu;
    this.table = table;
    this.wasm = cpu.mem.phys.memory !== null;
    cpu.mem.onCodeWrite = (frame) => this.invalidateFrame(frame);
  }

  /**
   * Runs until an exit request (hypercall, halt, stop) or `budget` instructions.
   * Returns the EXIT_* reason.
   */
  run(budget: number): number {
    const cpu = this.cpu;
    const limit = cpu.retired + budget;
    cpu.retireLimit = limit;
    while (cpu.retired < limit) {
      // The trap flag at CPL 3: one instruction at a time, each followed by #DB.
      if ((cpu.flagsRest & TF) !== 0 && cpu.cpl === 3) {
        const reason = this.step();
        if (reason !== EXIT_NONE) return reason;
        continue;
      }
      const start = cpu.rip;
      let block: Block;
      try {
        block = this.blockAt(start);
      } catch (e) {
        const reason = this.deliver(e, start);
        if (reason !== EXIT_NONE) return reason;
        continue;
      }
      const insns = block.insns;
      const n = insns.length;
      const user = cpu.cpl === 3;
      // A compiled loop adds the iterations it ran to cpu.retired itself.
      const retiredBefore = cpu.retired;
      let k = 0;
      this.running = block;
      const compiled = block.compiled;
      try {
        if (compiled !== null) k = callCompiled(compiled, cpu, start);
        else {
          // (32-bit blocks stay interpreted: the translator's templates are 64-bit mode's)
          if (++block.runs === block.compileAt && this.translate && block.physical < COMPAT_KEY) this.compile(block, start);
          k = interpretBlock(cpu, insns, 0, start);
          // (Not the run that compiled the block: its path may have been retraced.)
          if (block.compiled === null) {
            block.exits[k]++;
            if (k === n && cpu.rip === start + insns[n - 1].nextOffset) block.lastFallThrough++;
          }
        }
      } catch (e) {
        k = cpu.blockPos;
        cpu.retired += k;
        if (user) this.userRetired += cpu.retired - retiredBefore;
        this.running = null;
        if (e === BREAKPOINT) {
          cpu.rip = start + insns[k].offset;
          return EXIT_BREAKPOINT;
        }
        const at = Number.isNaN(cpu.faultRip) ? start + insns[k].offset : cpu.faultRip;
        cpu.faultRip = NaN;
        const reason = this.deliver(e, at);
        if (reason !== EXIT_NONE) return reason;
        continue;
      }
      this.running = null;
      cpu.retired += k;
      if (user) this.userRetired += cpu.retired - retiredBefore;
      const reason = cpu.exitRequest;
      if (reason !== EXIT_NONE) {
        cpu.exitRequest = EXIT_NONE;
        if (reason !== EXIT_CODE_CHANGED) return reason;
      }
    }
    return EXIT_BUDGET;
  }

  /**
   * Translates a block that reached its threshold: to WebAssembly when compileWasmBlock
   * takes it (its instructions have WebAssembly templates, with few exceptions), else to
   * JavaScript once it reaches the JavaScript threshold (WASM_THRESHOLD_DIVISOR).
   */
  private compile(block: Block, start: number): void {
    this.followHotBranch(block, start);
    const wasm = this.wasm ? compileWasmBlock(this.wasmRuntime(), block.insns, block) : null;
    if (wasm !== null) {
      block.compiledToWasm = true;
      block.wasmIndex = wasm.index;
      block.compiled = wasm.run;
      this.compiledBlocks.wasm++;
    } else if (block.runs < block.jsCompileAt) block.compileAt = block.jsCompileAt;
    else {
      block.compiled = compileBlock(block.insns, start, block);
      this.compiledBlocks.javascript++;
    }
  }

  private wasmRuntime(): WasmRuntime {
    return (this.wasmState ??= new WasmRuntime(this.cpu, this.cpu.mem.phys.memory!));
  }

  addBreakpoint(addr: number): void {
    this.breakpoints.add(addr);
    this.flushCodeCache(); // blocks get their breakpoint wrappers when rebuilt
  }

  removeBreakpoint(addr: number): boolean {
    const had = this.breakpoints.delete(addr);
    if (had) this.flushCodeCache();
    return had;
  }

  /** The next `run` starts with the instruction at RIP even if it has a breakpoint. */
  resumeFromBreakpoint(): void {
    this.resumeAt = this.cpu.rip;
  }

  private attachBreakpoint(insn: Insn, addr: number): void {
    if (!this.breakpoints.has(addr)) return;
    const exec = insn.exec;
    insn.exec = Object.assign(
      (cpu: Cpu, i: Insn) => {
        if (this.resumeAt === addr) this.resumeAt = NaN;
        else throw BREAKPOINT;
        exec(cpu, i);
      },
      { breakpoint: true as const },
    ) satisfies BreakpointHandler;
  }

  /**
   * Executes exactly one instruction (the debugger's stepi, and every user instruction
   * while RFLAGS.TF is set); returns an EXIT_* reason.
   */
  step(): number {
    const cpu = this.cpu;
    const start = cpu.rip;
    // Single-step trap (SDM Vol. 3B, "Single-Step Exception Condition"): decided by TF as the instruction begins, so
    // the POPF that sets TF does not trap and the one that clears it does. Only user code
    // is stepped: SYSCALL and exceptions enter the kernel with TF clear.
    const trap = (cpu.flagsRest & TF) !== 0 && cpu.cpl === 3;
    let insn: Insn;
    try {
      insn = this.decodeAt(start);
    } catch (e) {
      return this.deliver(e, start);
    }
    const user = cpu.cpl === 3;
    try {
      cpu.rip = start + insn.length;
      insn.exec(cpu, insn);
    } catch (e) {
      return this.deliver(e, start);
    }
    cpu.retired++;
    if (user) this.userRetired++;
    const reason = cpu.exitRequest;
    cpu.exitRequest = EXIT_NONE;
    if (trap && cpu.cpl === 3 && (reason === EXIT_NONE || reason === EXIT_CODE_CHANGED)) return this.singleStepTrap();
    return reason === EXIT_CODE_CHANGED ? EXIT_NONE : reason;
  }

  /** #DB after a stepped instruction: a trap, so the handler returns to the next one. */
  private singleStepTrap(): number {
    const cpu = this.cpu;
    this.lastFault = { vector: VEC_DB, errorCode: 0, rip: cpu.rip, address: 0, cpl: cpu.cpl, detail: 'single-step trap (RFLAGS.TF)' };
    try {
      deliverInterrupt(cpu, VEC_DB, -1, cpu.rip, false);
    } catch (nested) {
      this.fatalMessage = nested instanceof MachineHalted ? nested.message : `fault while delivering #DB at 0x${cpu.rip.toString(16)}`;
      return EXIT_FATAL;
    }
    return EXIT_NONE;
  }

  /** Decodes the instruction at a virtual address without caching (debugger, disassembly). */
  decodeAt(addr: number): Insn {
    const mem = this.cpu.mem;
    const compat = this.cpu.compat;
    const insn = decode(compat ? COMPAT_OPCODES : this.table, (offset) => mem.bytes[mem.translateExec(addr + offset)], compat);
    this.attachEntryHook(insn, mem.translateExec(addr));
    return insn;
  }

  private attachEntryHook(insn: Insn, physical: number): void {
    const hook = this.entryHooks.get(physical);
    if (!hook) return;
    const exec = insn.exec;
    insn.exec = Object.assign((cpu: Cpu, i: Insn) => {
      hook();
      exec(cpu, i);
    }, { hook, inner: exec }) satisfies HookedHandler;
  }

  /**
   * The block to run at `rip`. A small direct-mapped cache by virtual address skips the
   * page walk and the map lookup for the blocks of hot loops; it is forgotten whenever
   * any translation or any cached code changes, so it never outlives what it saw.
   */
  private blockAt(rip: number): Block {
    const mem = this.cpu.mem;
    if (mem.mappingGeneration !== this.ripCacheGeneration) this.clearRipCache();
    // Separate entries per privilege: a block cached at CPL 0 must not let CPL 3 skip
    // the page walk's U/S check.
    // 32-bit code has slots of its own (its blocks decode differently).
    const slot = (rip & RIP_CACHE_MASK) + (mem.userMode ? (this.cpu.compat ? 2 * RIP_CACHE_SIZE : RIP_CACHE_SIZE) : 0);
    if (this.ripCacheTags[slot] === rip) return this.ripCacheBlocks[slot]!;
    const physical = mem.translateExec(rip);
    const block = this.blocks.get(this.cpu.compat ? physical + COMPAT_KEY : physical) ?? this.buildBlock(rip, physical);
    this.ripCacheTags[slot] = rip;
    this.ripCacheBlocks[slot] = block;
    return block;
  }

  private readonly ripCacheTags = new Float64Array(3 * RIP_CACHE_SIZE).fill(NaN);
  private readonly ripCacheBlocks: Array<Block | null> = new Array(3 * RIP_CACHE_SIZE).fill(null);
  private ripCacheGeneration = -1;

  private clearRipCache(): void {
    this.ripCacheTags.fill(NaN);
    this.ripCacheBlocks.fill(null);
    this.ripCacheGeneration = this.cpu.mem.mappingGeneration;
  }

  private buildBlock(rip: number, physical: number): Block {
    const frames = [physical - (physical % PAGE_SIZE)];
    const insns = this.decodePath(rip, physical, rip, [], frames);
    const key = this.cpu.compat ? physical + COMPAT_KEY : physical;
    const jsAt = compileAt(this.compileThreshold, insns.length);
    // (Never before the profile can call a path cold: MIN_PROFILE_RUNS runs before the one that compiles.)
    const wasmAt = Math.max(Math.ceil(jsAt / WASM_THRESHOLD_DIVISOR), Math.min(jsAt, MIN_PROFILE_RUNS + 1));
    const block = new Block(key, insns, frames, this.wasm ? wasmAt : jsAt, jsAt);
    this.blocks.set(key, block);
    for (const frame of frames) this.addToFrame(block, frame);
    return block;
  }

  private addToFrame(block: Block, frame: number): void {
    this.cpu.mem.markCodeFrame(frame);
    let list = this.blocksInFrame.get(frame);
    if (!list) this.blocksInFrame.set(frame, (list = []));
    list.push(block);
  }

  /**
   * Decodes the superblock path from virtual address `at` onto `insns`, for a block that
   * starts at `rip` (physical `physical`), up to MAX_BLOCK_INSNS; a straddler's second
   * frame is added to `frames`.
   */
  private decodePath(rip: number, physical: number, at: number, insns: Insn[], frames: number[]): Insn[] {
    const mem = this.cpu.mem;
    const pageEnd = rip - (((rip % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE) + PAGE_SIZE;
    const compat = this.cpu.compat;
    const table = compat ? COMPAT_OPCODES : this.table;
    // Bytes in the block's page come from its frame directly; only a straddler's tail
    // needs a translation (which may fault: the fetch's #PF).
    const read = (i: number): number => (at + i < pageEnd ? mem.bytes[physical + (at + i - rip)] : mem.bytes[mem.translateExec(at + i)]);
    while (insns.length < MAX_BLOCK_INSNS) {
      let insn: Insn;
      try {
        insn = decode(table, read, compat);
      } catch (e) {
        if (insns.length === 0) throw e; // the instruction at RIP itself is bad
        break; // stop before it; it raises when execution reaches it
      }
      // Every instruction, not only the first: a superblock may run into a hooked entry
      // point by a jump it follows.
      this.attachEntryHook(insn, physical + (at - rip));
      if (this.breakpoints.size) this.attachBreakpoint(insn, at);
      const end = at + insn.length;
      // (| 0: a difference of two doubles is a double to V8 even when small, and one
      // double stored into these small-integer fields would change the hidden class of
      // every Insn and deoptimize the handlers optimized for the old one; see cpu.ts.)
      insn.offset = (at - rip) | 0;
      insn.nextOffset = (end - rip) | 0;
      insns.push(insn);
      if (end > pageEnd) {
        // Straddles into the next page: that frame's writes must drop this block too.
        const second = mem.translateExec(pageEnd);
        frames.push(second - (second % PAGE_SIZE));
        break;
      }
      // A superblock: decoding goes on past a conditional branch along the path not taken,
      // and through a direct jump to its target in the same page, so a run of not-taken
      // branches and the jumps between them cost one dispatch, not several.
      at = end;
      if (insn.exec === jmpRel && !compat) {
        const target = end + insn.imm;
        if (!this.canFollow(insns, rip, pageEnd, target)) break;
        at = target;
      } else if (insn.def && insn.def.attrs & ENDS_BLOCK && insn.exec !== jccRel) break;
      if (at === pageEnd) break;
    }
    return insns;
  }

  /**
   * Whether a superblock may go on at `target`: in the block's page, and not back into
   * the block. A jump back closes a loop: followed, the block would unroll it up to
   * MAX_BLOCK_INSNS and stop mid-body at a point that shifts from run to run, so each
   * iteration would start a different block and none would get hot enough to compile
   * (glibc's strlen loop ran this way 17 blocks wide).
   */
  private canFollow(insns: Insn[], rip: number, pageEnd: number, target: number): boolean {
    return target >= pageEnd - PAGE_SIZE && target < pageEnd && !insns.some((d) => d.offset === target - rip);
  }

  /**
   * When a block becomes hot: if one of its conditional branches was taken on (almost)
   * every profiled run, the block's path goes on at the branch target instead of
   * leaving there (the run would otherwise end and dispatch the next block, as the
   * clock loop did twice per iteration). The profile then describes only the part
   * before the branch (BlockProfile.profiledLength).
   */
  private followHotBranch(block: Block, start: number): void {
    const { insns, exits } = block;
    const path = profiledPath(exits);
    const pageEnd = start - (((start % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE) + PAGE_SIZE;
    for (let j = 0; j < insns.length - 1; j++) {
      const branch = insns[j];
      if (branch.exec !== jccRel || !path.cold(path.reach[j + 1]) || path.cold(exits[j + 1])) continue;
      const target = start + branch.nextOffset + branch.imm;
      const prefix = insns.slice(0, j + 1);
      if (!this.canFollow(prefix, start, pageEnd, target)) return;
      const frames = block.frames.length;
      const trace = this.decodePath(start, block.physical, target, prefix, block.frames);
      for (const frame of block.frames.slice(frames)) this.addToFrame(block, frame);
      // The runs that left at the branch now go on (counted as reaching the end); the
      // few that fell through now leave there.
      const traced = new Array<number>(trace.length + 1).fill(0);
      for (let m = 0; m <= j; m++) traced[m] = exits[m];
      traced[j + 1] = path.reach[j + 1];
      traced[trace.length] = exits[j + 1];
      block.retrace(trace, traced, j + 1);
      return;
    }
  }

  /** Drops every block built from a frame (a write landed in it). */
  invalidateFrame(frame: number): void {
    const list = this.blocksInFrame.get(frame);
    if (!list) return;
    this.ripCacheGeneration = -1;
    this.wasmState?.clearChains();
    this.blocksInFrame.delete(frame);
    for (const block of list) {
      if (this.blocks.get(block.physical) === block) this.blocks.delete(block.physical);
      // (A WebAssembly chain may be running another block than the one the run loop called.)
      if (block === this.running || (this.running?.compiledToWasm ?? false)) this.cpu.exitRequest = EXIT_CODE_CHANGED;
      if (block.wasmIndex >= 0) {
        this.wasmState!.release(block.wasmIndex);
        block.wasmIndex = -1;
      }
    }
  }

  /** Forgets all cached code (e.g. after the kernel rewrites many pages). */
  flushCodeCache(): void {
    for (const frame of [...this.blocksInFrame.keys()]) this.invalidateFrame(frame);
  }

  /**
   * Turns a thrown architectural event into an IDT delivery; returns EXIT_FATAL if the
   * machine cannot continue, else EXIT_NONE.
   */
  private deliver(e: unknown, rip: number): number {
    const cpu = this.cpu;
    let vector: number;
    let errorCode: number;
    let detail = '';
    let address = 0;
    if (e instanceof PageFault) {
      vector = VEC_PF;
      errorCode = e.errorCode;
      address = e.address;
      cpu.cr2 = e.address;
    } else if (e instanceof CpuException) {
      vector = e.vector;
      errorCode = e.errorCode;
      detail = e.detail;
    } else if (e instanceof UndefinedOpcode) {
      vector = VEC_UD;
      errorCode = 0;
      detail = e.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    } else if (e instanceof InstructionTooLong) {
      vector = VEC_GP;
      errorCode = 0;
      detail = 'instruction longer than 15 bytes';
    } else if (e instanceof MachineHalted) {
      this.fatalMessage = e.message;
      return EXIT_FATAL;
    } else {
      throw e;
    }
    this.lastFault = { vector, errorCode, rip, address, cpl: cpu.cpl, detail };
    cpu.rip = rip;
    try {
      deliverInterrupt(cpu, vector, pushesErrorCode(vector) ? errorCode : -1, rip, false);
    } catch (nested) {
      this.fatalMessage =
        nested instanceof MachineHalted ? nested.message : `fault while delivering vector ${vector} at 0x${rip.toString(16)}`;
      return EXIT_FATAL;
    }
    return EXIT_NONE;
  }
}
