/**
 * When the run loop hands a block to the translator (interpreter.ts, compileAt): after
 * COMPILE_THRESHOLD runs for a block of up to 8 instructions, after proportionally fewer
 * for a longer one, so that each block is interpreted for about the same number of
 * instructions before it is compiled.
 */
import { describe, expect, it } from 'vitest';
import { Interpreter } from '../../src/cpu/interpreter.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { TestMachine } from './test-machine.js';

const CODE = 0x40_0000;
const INC_EAX = [0xff, 0xc0];
const HLT = 0xf4; // #GP at CPL 3: ends each run

/** Runs of a block of `incs` × INC EAX and a HLT until it is compiled (white-box: the block cache). */
function runsUntilCompiled(incs: number): number {
  const m = new TestMachine();
  m.map(CODE);
  m.writeBytes(CODE, [...Array.from({ length: incs }, () => INC_EAX).flat(), HLT]);
  const interp = new Interpreter(m.cpu, OPCODES);
  const blocks = (interp as unknown as { blocks: Map<number, { compiled: unknown }> }).blocks;
  for (let run = 1; run <= 5000; run++) {
    m.cpu.rip = CODE;
    interp.run(1000);
    if (blocks.get(m.mmu.translateExec(CODE))?.compiled) return run;
  }
  return Infinity;
}

describe('the compile threshold', () => {
  it('is 2,000 runs for a block of up to 8 instructions', () => {
    expect(runsUntilCompiled(3)).toBe(2000);
    expect(runsUntilCompiled(7)).toBe(2000);
  });

  it('falls with the block length above that', () => {
    expect(runsUntilCompiled(15)).toBe(1000); // 16 instructions
    expect(runsUntilCompiled(63)).toBe(250); // 64
  });
});
