import type { Cpu } from '../cpu.js';
import { VEC_GP, VEC_SS } from '../cpu-exception.js';
import { PARITY_EVEN } from '../flags.js';
import type { Handler, HookedHandler, Insn } from '../insn.js';
import { cmov, setcc } from '../ops/data.js';
import { mul32, mulS64, mulU64, wide } from '../ops/wide-arith.js';
import { jccRel, jmpRel } from '../ops/control.js';
import { sampleTsc } from '../ops/system.js';
import { interpretBlock } from '../interpret-block.js';
import { RegisterLocals } from './guest-state.js';
import { branchTemplates, CALL_HANDLER, FlagEffect, flagEffect, fusedCondition, jumpTo, templateFor, withoutFlags } from './templates.js';

/**
 * The block translator (issue 6): turns a hot decoded block into one JavaScript
 * function, which V8 then compiles to machine code. Instructions with a template
 * (templates.ts) become straight-line code with their operands folded in; the rest call
 * their interpreter handler, so every instruction the interpreter runs can be in a
 * compiled block and the two always agree.
 *
 * Contract with the run loop (interpreter.ts): `compiled(cpu, base)` runs the block
 * whose first instruction is at virtual address `base` and returns how many
 * instructions completed, with cpu.rip at the next one. If an instruction raises, the
 * function records its index in cpu.blockPos and rethrows: the run loop rolls RIP back
 * to that instruction and delivers the exception, exactly as when interpreting.
 * A set cpu.exitRequest (a hypercall, a write into this block's code) ends the block
 * after the instruction that set it. On a path the profile never saw, the generated
 * code stops before instruction k (internally ~k) and interpretBlock finishes the block.
 */
export type CompiledBlock = (cpu: Cpu, base: number) => number;

/** The exceptions compiled code raises itself (JavaScript blocks here, WebAssembly blocks in wasm-runtime.ts). */
export const blockFaults = {
  nonCanonical(cpu: Cpu): never {
    cpu.raise(VEC_GP, 0, 'non-canonical address');
  },
  nonCanonicalStack(cpu: Cpu): never {
    cpu.raise(VEC_SS, 0, 'non-canonical address');
  },
  badStack(cpu: Cpu): never {
    cpu.raise(VEC_SS, 0, 'non-canonical stack address');
  },
  badBranch(cpu: Cpu): never {
    cpu.raise(VEC_GP, 0, 'branch to a non-canonical address');
  },
  badString(cpu: Cpu): never {
    cpu.raise(VEC_GP, 0, 'non-canonical string address');
  },
  misaligned(cpu: Cpu): never {
    cpu.raise(VEC_GP, 0, 'misaligned 16-byte SSE operand');
  },
};

/** Called from generated code for the cases it does not inline. */
const runtime = {
  ...blockFaults,
  /**
   * A compiled block's result: `ret` completed instructions, or, as ~stopped, the block
   * finished in the interpreter from where compiled code stopped. Every call of every
   * block goes through here. V8 deoptimizes optimized code at the first run of an
   * operation that has no type feedback, and a cold exit's hand-over written in each
   * block was such an operation: reached long after the block was optimized, it sent the
   * block back to V8's unoptimized tiers to be optimized again (memory-glibc: 15 such
   * deoptimizations of hot blocks, 1 now; the wall time moved within noise). Here the
   * call is made on every return, and the hand-over inside has feedback shared by all
   * blocks, from the first cold exit of any.
   */
  finish(cpu: Cpu, insns: readonly Insn[], ret: number, base: number): number {
    return ret >= 0 ? ret : interpretBlock(cpu, insns, ~ret, base);
  },
  // 64×64→128 products for the MUL/IMUL templates (ops/wide-arith.ts; results in wide.w0..w3).
  sampleTsc,
  mul32,
  mulU64,
  mulS64,
  wide,
  /** PF of a result's low byte (flags.ts), for conditions read from a block's flag locals. */
  parityEven: PARITY_EVEN,
  /** A 16-byte memory source read whole before its destination changes (PCMPEQB). */
  xmmSource: new Int32Array(4),
};

/** Where a block's write-back and register reload go, filled in once all its code is known. */
const WRITE_BACK = '/*write back*/';
const RELOAD = '/*reload*/';
const RETURN = /\breturn ([^;]+);/g;

/**
 * A call out of the generated code into a handler or hook, which sees the Cpu: registers
 * and flags are written back before it and read again after it. `inHandler` tells the
 * catch that an exception came from inside, where the state is already the Cpu's.
 */
function outside(call: string): string {
  return `${WRITE_BACK} inHandler = 1; ${call} inHandler = 0; ${RELOAD}`;
}

/**
 * A taken branch back to the block's start after `length` instructions (compileBlock):
 * iterate again unless the run loop's budget would be spent. The iteration that stops
 * leaves with RIP at the start and counts through the block's result, not `looped`. An
 * exit request has already ended the block where it was raised, and instructions that
 * change what the run loop checks between blocks (POPF setting TF, SYSCALL) end blocks.
 */
function loopBack(length: number): string {
  return `if (looped + ${length} < budget) { looped += ${length}; continue loop; } cpu.rip = base;`;
}

/**
 * Calls in which a looping block still stops after one iteration. V8 optimizes a function
 * with the type feedback its earlier runs left; one that is entered once and iterates
 * (memcpy over megabytes) is optimized on the stack, mid-loop, with no feedback for the
 * code after the loop, and deoptimizes when it leaves (memory-glibc: 1.3x the CPU time).
 */
export const LOOP_WARM_UP = 500;

/** Instructions whose template may write memory: a write into this block's code must end it. */
const WRITES_MEMORY = /mem\.write/;

/**
 * What the interpreter saw of a block before compiling it (Block in interpreter.ts):
 * exits[k] = runs that completed exactly k instructions; lastFallThrough = runs whose
 * last instruction, a conditional branch, was not taken.
 */
export interface BlockProfile {
  readonly exits: ArrayLike<number>;
  readonly lastFallThrough: number;
  /** How many leading instructions the profile describes (a retraced path goes on unprofiled). */
  readonly profiledLength: number;
}

/**
 * A path taken in fewer than 1 of this many profiled runs is left to the interpreter.
 * V8 optimizes a function with the type feedback of its own first runs: code that never
 * ran by then has none, and reaching it later deoptimizes the whole block back to V8's
 * bytecode interpreter until TurboFan has compiled it again (each memset's loop exit did
 * this). A constant `return ~k` needs no feedback.
 */
const COLD_RATIO = 1000;
/** Fewer profiled runs than this say nothing about which paths are cold. */
export const MIN_PROFILE_RUNS = 100;

/** What a block's exit counts say: reach[k] = runs that went on to instruction k, and whether a count is cold. */
export function profiledPath(exits: ArrayLike<number>): { reach: Float64Array; cold: (count: number) => boolean } {
  let runs = 0;
  for (let k = 0; k < exits.length; k++) runs += exits[k];
  const reach = new Float64Array(exits.length);
  for (let k = 0, left = runs; k < exits.length; k++) reach[k] = left -= exits[k];
  return { reach, cold: (count) => runs >= MIN_PROFILE_RUNS && count * COLD_RATIO < runs };
}

/**
 * flagsDead[k]: a later instruction overwrites every status flag before anything can read
 * them or fault, so instruction k need not compute its own (the common case in ALU
 * sequences: `ror`, `xor`, `add` each replacing the last one's flags). At the block's end
 * the flags are live.
 */
export function deadFlags(insns: readonly Insn[]): boolean[] {
  const flagsDead: boolean[] = new Array(insns.length).fill(false);
  let deadAfter = false;
  for (let k = insns.length - 1; k >= 0; k--) {
    flagsDead[k] = deadAfter;
    const effect = flagEffect(insns[k]);
    if (effect === FlagEffect.WritesAll) deadAfter = true;
    else if (effect !== FlagEffect.None) deadAfter = false;
  }
  return flagsDead;
}

/**
 * Compiles `insns` (the block at virtual address `address`, which names the function in
 * profiles). With a profile, branch directions it never saw return ~k: "continue
 * interpreting at instruction k", RIP not yet set.
 */
export function compileBlock(insns: Insn[], address = 0, profile?: BlockProfile): CompiledBlock {
  const lines: string[] = [];
  const n = insns.length;
  let ripSet = false;
  const exits = profile?.exits ?? new Array<number>(n + 1).fill(0);
  const { reach, cold } = profiledPath(exits);
  // Instructions past the profiled part (a retraced path) have no counts to call cold.
  const profiledLength = profile?.profiledLength ?? n;
  // The last instruction's fall-through count, when the profile covers it.
  const lastFallThrough = profile && profile.profiledLength === n ? profile.lastFallThrough : NaN;
  const flagsDead = deadFlags(insns);
  // A branch back to the block's start closes a loop that iterates inside the compiled
  // function: registers and flags stay in locals across iterations, and each one saves
  // a dispatch through the run loop (SHA-256's rounds, memchr's and strlen's loops).
  let loops = false;
  const jumpOrLoop = (i: Insn, length: number): string => {
    if (i.nextOffset + i.imm !== 0) return jumpTo(i);
    loops = true;
    return loopBack(length);
  };
  // The instruction just compiled from a template, and its handler, whose operands a
  // Jcc, CMOVcc or SETcc can test directly (fusedCondition).
  let producer: { insn: Insn; handler: Handler } | null = null;
  for (let k = 0; k < n; k++) {
    const i = insns[k];
    const last = k === n - 1;
    const previous = producer;
    producer = null;
    if (k > 0 && k <= profiledLength && cold(reach[k])) {
      // The interpreter runs the rest in the same order, so flagsDead still holds.
      lines.push(`return ~${k};`);
      ripSet = true;
      break;
    }
    lines.push(`k = ${k}; // ${i.def?.mnemonic ?? '?'}`);
    if (!last && i.exec === jmpRel) continue; // a jump the superblock follows: its target comes next
    if (i.exec === jccRel) {
      const cond = (previous && fusedCondition(previous.insn, i.sub, previous.handler)) ?? `cpu.cond(${i.sub})`;
      if (!last) {
        // Inside a superblock the branch leaves the block one way: taken, or, on a path
        // retraced along the taken side (followHotBranch), not taken.
        const followsTaken = insns[k + 1].offset !== i.nextOffset;
        const leaves = followsTaken ? `!${cond}` : cond;
        if (k < profiledLength && cold(exits[k + 1])) lines.push(`if (${leaves}) return ~${k};`);
        else lines.push(`if (${leaves}) { ${followsTaken ? `cpu.rip = base + ${i.nextOffset};` : jumpOrLoop(i, k + 1)} return ${k + 1}; }`);
        continue;
      }
      // (NaN counts, unprofiled, are never cold.)
      if (cold(exits[n] - lastFallThrough)) lines.push(`if (${cond}) return ~${k}; cpu.rip = base + ${i.nextOffset};`);
      else if (cold(lastFallThrough)) lines.push(`if (!${cond}) return ~${k}; ${jumpOrLoop(i, n)}`);
      else lines.push(`if (${cond}) { ${jumpOrLoop(i, n)} } else cpu.rip = base + ${i.nextOffset};`);
      ripSet = true;
      continue;
    }
    const branch = last ? branchTemplates.get(i.exec) : undefined;
    const branchCode = branch === jumpTo ? jumpOrLoop(i, n) : branch ? branch(i) : null;
    if (branchCode !== null && branchCode !== undefined) {
      lines.push(branchCode);
      ripSet = true;
      continue;
    }
    // Behind an entry hook (a counted vDSO entry) the instruction still has its template.
    const inner = (i.exec as Partial<HookedHandler>).inner;
    const template = templateFor(i, inner);
    const generated = template ? template(i) : null;
    let code = generated !== null && flagsDead[k] ? withoutFlags(generated) : generated;
    const fused = code !== null && previous && (i.exec === cmov || (i.exec === setcc && i.rm >= 0)) ? fusedCondition(previous.insn, i.sub, previous.handler) : null;
    if (fused !== null) code = code!.replace(`cpu.cond(${i.sub})`, fused);
    // An exit request (a hypercall, a write into this block's code) ends the block after
    // this instruction: ~(k + 1) with the request set makes the run loop stop there.
    if (code !== null) {
      producer = { insn: i, handler: inner ?? i.exec };
      if (inner) lines.push(outside(`I[${k}].exec.hook();`));
      // (Behind an entry hook, the handler itself: the hook has run.)
      const handler = inner ? `I[${k}].exec.inner` : `I[${k}].exec`;
      lines.push(code.replace(CALL_HANDLER, `cpu.rip = base + ${i.nextOffset}; ${outside(`${handler}(cpu, I[${k}]);`)}`));
      if (WRITES_MEMORY.test(code) && !last) lines.push(`if (cpu.exitRequest !== 0) return ~${k + 1};`);
      continue;
    }
    // The interpreter's handler, with RIP at the next instruction as it expects.
    lines.push(`cpu.rip = base + ${i.nextOffset}; ${outside(`I[${k}].exec(cpu, I[${k}]);`)}`);
    if (last) ripSet = true;
    else lines.push(`if (cpu.exitRequest !== 0) return ~${k + 1};`);
  }
  if (!ripSet) lines.push(`cpu.rip = base + ${insns[n - 1].nextOffset};`);
  // Registers and flags in locals (guest-state.ts); every return leaves through the epilogue.
  const locals = new RegisterLocals();
  const body = lines.map((line) => locals.localize(line).replace(RETURN, '{ ret = $1; break body; }'));
  const writeBack = locals.writeBack();
  const code = body.join('\n      ').replaceAll(WRITE_BACK, writeBack).replaceAll(RELOAD, locals.reload());
  // A looping block counts the instructions of its completed iterations into cpu.retired
  // as it leaves; the run loop adds those of the last one (the result, or cpu.blockPos).
  const [loopHead, loopTail, countLoops] = loops
    ? [`const budget = ++calls > ${LOOP_WARM_UP} ? cpu.retireLimit - cpu.retired : 0;\n  loop: for (;;) {`, 'break; }', 'cpu.retired += looped;']
    : ['', '', ''];
  // The guest address in hex (kernel addresses as 0xffff...) names the function and its
  // source in V8's profiles and traces (--cpu-prof, --trace-deopt).
  const label = address < 0 ? 'ffff' + (2 ** 48 + address).toString(16) : address.toString(16);
  const source = `
let calls = 0;
return function block_${label}(cpu, base) {
  const lo = cpu.lo, hi = cpu.hi, mem = cpu.mem, view = mem.view, bytes = mem.bytes, xmm = cpu.xmm;
  const tlbTags = mem.tagRead, tlbWriteTags = mem.tagWrite, tlbFrames = mem.frameOf, tlbSet = mem.set;
  let a = 0, x = 0, xh = 0, y = 0, yh = 0, r = 0, rh = 0, t = 0, u = 0, k = 0, vp = 0, vs = 0, wv = 0, wh = 0;
  let ret = ${n}, inHandler = 0, fd = 0, fR = 0, fRT = 0, fA = 0, fAT = 0, fS = 0, looped = 0;
  ${locals.prologue()}
  try { ${loopHead}
    body: {
      ${code}
    }
  ${loopTail}} catch (e) {
    cpu.blockPos = k; ${countLoops}
    if (inHandler === 0) { ${writeBack} }
    throw e;
  }
  ${writeBack} ${countLoops}
  return rt.finish(cpu, I, ret, base);
};
//# sourceURL=guest-block-${label}.js`;
  return new Function('I', 'rt', source)(insns, runtime) as CompiledBlock;
}
