import type { Cpu } from './cpu.js';
import { EXIT_NONE } from './cpu.js';
import type { Insn } from './insn.js';

/**
 * Interprets a decoded block (interpreter.ts) from its instruction `k`, the block
 * starting at virtual address `base`, until its end, a taken branch inside it (which
 * leaves the superblock's path) or an exit request. Returns how many of the block's
 * instructions have completed, with RIP at the next one. If an instruction raises,
 * cpu.blockPos is its index when the exception propagates.
 *
 * The run loop interprets blocks that are not compiled with it, and compiled code calls
 * it to finish a block on a path its profile never saw (compile-block.ts). Keeping that
 * hand-over out of the run loop keeps the run loop's optimized code free of a path that
 * first runs long after V8 optimized it: reaching one deoptimized the whole run loop
 * back to V8's bytecode interpreter (SHA-256 lost 100-150 ms to it, a fifth of its run).
 */
export function interpretBlock(cpu: Cpu, insns: readonly Insn[], k: number, base: number): number {
  const n = insns.length;
  // Compiled code stopped for an exit request (a write into its own code): RIP only.
  if (cpu.exitRequest !== EXIT_NONE) {
    cpu.rip = base + insns[k].offset;
    return k;
  }
  try {
    while (k < n) {
      const insn = insns[k];
      cpu.rip = base + insn.nextOffset;
      insn.exec(cpu, insn);
      k++;
      if (cpu.exitRequest !== EXIT_NONE || (k < n && cpu.rip !== base + insns[k].offset)) break;
    }
  } catch (e) {
    cpu.blockPos = k;
    throw e;
  }
  return k;
}
