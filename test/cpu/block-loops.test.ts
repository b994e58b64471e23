/**
 * A block whose last instruction branches back to its own start runs its iterations
 * inside the compiled function (translator/compile-block.ts, LOOP_BACK). The guest must
 * not see it: the run loop's budget and an exception in a later iteration behave as when
 * executing one instruction at a time, which is the reference here. For its first
 * LOOP_WARM_UP calls a block still stops after each iteration, so the runs below are long
 * enough to get past that.
 */
import { describe, expect, it } from 'vitest';
import { Interpreter } from '../../src/cpu/interpreter.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { RAX, RCX, RDI } from '../../src/cpu/registers.js';
import { LOOP_WARM_UP } from '../../src/cpu/translator/compile-block.js';
import { TestMachine } from './test-machine.js';

const CODE = 0x40_0000;
const DATA = 0x50_0000; // one mapped page; the page above it is not mapped

/** 0: add rax, rcx   3: dec rcx   6: jnz 0   8: hlt (objdump -M intel's reading). */
const SUM_LOOP = [0x48, 0x01, 0xc8, 0x48, 0xff, 0xc9, 0x75, 0xf8, 0xf4];
/** 0: mov [rdi], al   2: add rdi, 1   6: dec ecx   8: jnz 0   a: hlt */
const STORE_LOOP = [0x88, 0x07, 0x48, 0x83, 0xc7, 0x01, 0xff, 0xc9, 0x75, 0xf6, 0xf4];

interface Setup {
  m: TestMachine;
  interp: Interpreter;
}

/** A machine running `code` at CODE, interpreted only, or compiling every block on its first run. */
function build(code: number[], translate: boolean): Setup {
  const m = new TestMachine();
  m.map(CODE);
  m.map(DATA);
  m.writeBytes(CODE, code);
  const interp = new Interpreter(m.cpu, OPCODES);
  interp.translate = translate;
  interp.compileThreshold = 1;
  m.cpu.rip = CODE;
  return { m, interp };
}

function state({ m, interp }: Setup) {
  const cpu = m.cpu;
  return {
    rax: cpu.lo[RAX],
    rcx: cpu.lo[RCX],
    rdi: cpu.lo[RDI],
    rip: cpu.rip,
    retired: cpu.retired,
    userRetired: interp.userRetired,
    fault: interp.lastFault ? { vector: interp.lastFault.vector, rip: interp.lastFault.rip } : null,
  };
}

/** The compiled function of the block at CODE (white-box: the interpreter's block cache). */
function compiledAt({ m, interp }: Setup) {
  const blocks = (interp as unknown as { blocks: Map<number, { compiled: ((cpu: unknown, base: number) => number) | null }> }).blocks;
  return blocks.get(m.mmu.translateExec(CODE))?.compiled ?? null;
}

describe('compiled blocks that loop to their own start', () => {
  it('run every iteration in one call and count them', () => {
    const s = build(SUM_LOOP, true);
    s.m.cpu.lo[RCX] = 1;
    s.interp.run(1000); // compiles the block (threshold 1); rcx = 1: one pass, then HLT faults
    const loop = compiledAt(s);
    expect(loop).not.toBeNull();
    const cpu = s.m.cpu;
    cpu.retireLimit = Infinity;
    // Warming up (the run above compiled the block, then faulted at HLT interpreting it):
    // one iteration per call, back at the start.
    for (let call = 1; call <= LOOP_WARM_UP; call++) {
      cpu.lo[RCX] = 100;
      cpu.rip = 0;
      expect(loop!(cpu, CODE)).toBe(3);
      expect([cpu.lo[RCX], cpu.rip]).toEqual([99, CODE]);
    }
    cpu.lo[RAX] = 0;
    cpu.lo[RCX] = 100;
    cpu.retired = 0;
    // One call: 99 iterations branch back inside, the 100th falls through to HLT, which
    // raises #GP at CPL 3 as instruction 3 of the block (the superblock goes on past JNZ).
    expect(() => loop!(cpu, CODE)).toThrow();
    expect([cpu.lo[RAX], cpu.lo[RCX], cpu.blockPos, cpu.retired]).toEqual([5050, 0, 3, 99 * 3]);
  });

  it('stop at the run loop budget and resume with the interpreter’s result', () => {
    const reference = build(SUM_LOOP, false);
    const compiled = build(SUM_LOOP, true);
    for (const s of [reference, compiled]) s.m.cpu.lo[RCX] = 1000;
    const budget = 3 * LOOP_WARM_UP + 100; // the last 100 or so in one call
    compiled.interp.run(budget);
    const stopped = state(compiled);
    // At the loop head, within one block of the budget, with RAX matching the passes made.
    expect(stopped.rip).toBe(CODE);
    expect(stopped.retired).toBeGreaterThanOrEqual(budget);
    expect(stopped.retired).toBeLessThan(budget + 3);
    const passes = stopped.retired / 3;
    expect(stopped.rcx).toBe(1000 - passes);
    expect(stopped.rax).toBe(passes * 1000 - (passes * (passes - 1)) / 2);
    reference.interp.run(10_000);
    compiled.interp.run(10_000);
    expect(state(compiled)).toEqual(state(reference));
    expect(state(reference)).toMatchObject({ rax: 500_500, rcx: 0, fault: { vector: 13, rip: CODE + 8 } });
  });

  it('a fault in a later iteration is delivered at its instruction with the state before it', () => {
    const run = (translate: boolean) => {
      const s = build(STORE_LOOP, translate);
      s.m.cpu.lo[RAX] = 0x5a;
      s.m.cpu.lo[RCX] = 1000;
      s.m.cpu.lo[RDI] = DATA + 0x1000 - 600; // the 601st store leaves the mapped page
      s.interp.run(10_000);
      return state(s);
    };
    const want = run(false);
    expect(want).toMatchObject({ rcx: 400, rdi: DATA + 0x1000, retired: 600 * 4, fault: { vector: 14, rip: CODE } });
    expect(run(true)).toEqual(want);
  });
});
