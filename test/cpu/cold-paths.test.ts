/**
 * Profile-guided compiled blocks (translator/compile-block.ts): a branch direction the
 * interpreter never saw while a block warmed up is left out of the compiled code, which
 * stops there and lets the interpreter finish the block (interpretBlock). The guest must
 * not see the difference: the same registers, RIP and retired count as executing one
 * instruction at a time (SDM Vol. 2A Jcc).
 *
 *   0: cmp eax, ebx   2: je 7   4: add ecx, 1   7: add edx, 1   a: jmp 1000   ...   1000: hlt
 *
 * (objdump's reading of the bytes below.) The jump leaves the page, so it ends the block
 * without a fault (a run that faults is not profiled); HLT at CPL 3 then faults, which
 * ends a run.
 */
import { describe, expect, it } from 'vitest';
import { CpuException, VEC_GP } from '../../src/cpu/cpu-exception.js';
import { decode } from '../../src/cpu/decoder.js';
import type { Insn } from '../../src/cpu/insn.js';
import { Interpreter } from '../../src/cpu/interpreter.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { RAX, RBX, RCX, RDX } from '../../src/cpu/registers.js';
import { compileBlock } from '../../src/cpu/translator/compile-block.js';
import type { BlockProfile } from '../../src/cpu/translator/compile-block.js';
import { TestMachine } from './test-machine.js';

const CODE = 0x40_0000;
const PROGRAM = [0x39, 0xd8, 0x74, 0x03, 0x83, 0xc1, 0x01, 0x83, 0xc2, 0x01, 0xe9, 0xf1, 0x0f, 0x00, 0x00];
const HLT = 0x1000;

function machine(): TestMachine {
  const m = new TestMachine();
  m.map(CODE);
  m.map(CODE + HLT);
  m.writeBytes(CODE, PROGRAM);
  m.writeBytes(CODE + HLT, [0xf4]);
  return m;
}

function setRegisters(m: TestMachine, equal: boolean): void {
  const cpu = m.cpu;
  cpu.lo[RAX] = 7;
  cpu.lo[RBX] = equal ? 7 : 8;
  cpu.lo[RCX] = 100;
  cpu.lo[RDX] = 200;
  cpu.rip = CODE;
}

/** The first four instructions as a block, laid out as Interpreter.buildBlock does. */
function decodeBlock(): Insn[] {
  const insns: Insn[] = [];
  for (const offset of [0, 2, 4, 7]) {
    const insn = decode(OPCODES, (o) => PROGRAM[offset + o]);
    insn.offset = offset;
    insn.nextOffset = offset + insn.length;
    insns.push(insn);
  }
  return insns;
}

/**
 * Wraps each instruction's interpreter handler with a counter, after compiling: the
 * compiled code has these instructions inline as templates, so a call means the
 * interpreter ran it.
 */
function countHandlerCalls(insns: Insn[]): number[] {
  const calls = insns.map(() => 0);
  insns.forEach((insn, k) => {
    const exec = insn.exec;
    insn.exec = (cpu, i) => {
      calls[k]++;
      exec(cpu, i);
    };
  });
  return calls;
}

/** A profile of `runs` runs that all left the block after `completed` instructions. */
function profile(runs: number, completed: number): BlockProfile {
  const exits = new Int32Array(5);
  exits[completed] = runs;
  return { exits, lastFallThrough: 0, profiledLength: 4 };
}

describe('compiled blocks leave unseen paths to the interpreter', () => {
  it('a branch never taken while profiling: taken, the JE and what follows it are interpreted', () => {
    const m = machine();
    const insns = decodeBlock();
    const block = compileBlock(insns, CODE, profile(1000, 4));
    const interpreted = countHandlerCalls(insns);
    setRegisters(m, true);
    // The compiled code runs the CMP and stops; interpretBlock runs the JE, which leaves.
    expect(block(m.cpu, CODE)).toBe(2);
    expect([m.cpu.lo[RCX], m.cpu.lo[RDX], m.cpu.rip]).toEqual([100, 200, CODE + 7]);
    expect(interpreted).toEqual([0, 1, 0, 0]);
    setRegisters(m, false);
    expect(block(m.cpu, CODE)).toBe(4);
    expect([m.cpu.lo[RCX], m.cpu.lo[RDX], m.cpu.rip]).toEqual([101, 201, CODE + 0xa]);
    expect(interpreted).toEqual([0, 1, 0, 0]); // all compiled
  });

  it('a branch always taken while profiling: not taken, the instructions after the JE are interpreted', () => {
    const m = machine();
    const insns = decodeBlock();
    const block = compileBlock(insns, CODE, profile(1000, 2));
    const interpreted = countHandlerCalls(insns);
    setRegisters(m, false);
    expect(block(m.cpu, CODE)).toBe(4);
    expect([m.cpu.lo[RCX], m.cpu.lo[RDX], m.cpu.rip]).toEqual([101, 201, CODE + 0xa]);
    expect(interpreted).toEqual([0, 0, 1, 1]);
    setRegisters(m, true);
    expect(block(m.cpu, CODE)).toBe(2);
    expect(m.cpu.rip).toBe(CODE + 7);
    expect(interpreted).toEqual([0, 0, 1, 1]);
  });

  it('an exception in the interpreted part reports its instruction, as in compiled code', () => {
    const m = machine();
    const insns = decodeBlock();
    const block = compileBlock(insns, CODE, profile(1000, 2));
    // The second ADD raises (#GP standing in for any fault) once the interpreter has it.
    insns[3].exec = (cpu) => cpu.raise(VEC_GP, 0, 'test');
    setRegisters(m, false);
    m.cpu.blockPos = -1;
    expect(() => block(m.cpu, CODE)).toThrow(CpuException);
    expect([m.cpu.blockPos, m.cpu.lo[RCX]]).toEqual([3, 101]);
  });

  it('a branch past the profiled part of a retraced path is not called cold', () => {
    // Only the CMP is profiled (profiledLength 1): the JE's zero counts are no evidence.
    const m = machine();
    const block = compileBlock(decodeBlock(), CODE, { ...profile(1000, 4), profiledLength: 1 });
    setRegisters(m, true);
    expect(block(m.cpu, CODE)).toBe(2);
    expect(m.cpu.rip).toBe(CODE + 7);
  });

  it('without a profile (or with too few runs) every path is compiled', () => {
    for (const p of [undefined, profile(10, 4)]) {
      const m = machine();
      const block = compileBlock(decodeBlock(), CODE, p);
      setRegisters(m, true);
      expect(block(m.cpu, CODE)).toBe(2);
      expect(m.cpu.rip).toBe(CODE + 7);
    }
  });

  it('the run loop resumes such a block in the interpreter with the same result', () => {
    // Interpreted reference, then a block compiled after 200 runs that never took the JE.
    const outcome = (m: TestMachine, interp: Interpreter) => {
      m.cpu.retired = 0;
      interp.run(1000);
      return { ecx: m.cpu.lo[RCX], edx: m.cpu.lo[RDX], retired: m.cpu.retired, faultAt: interp.lastFault?.rip };
    };
    const reference = machine();
    const interpreted = new Interpreter(reference.cpu, OPCODES);
    interpreted.translate = false;
    setRegisters(reference, true);
    const want = outcome(reference, interpreted);
    expect(want).toEqual({ ecx: 100, edx: 201, retired: 4, faultAt: CODE + HLT });

    const m = machine();
    const interp = new Interpreter(m.cpu, OPCODES);
    interp.compileThreshold = 200;
    for (let run = 0; run < 200; run++) {
      setRegisters(m, false);
      outcome(m, interp);
    }
    setRegisters(m, true);
    expect(outcome(m, interp)).toEqual(want);
    setRegisters(m, false);
    expect(outcome(m, interp)).toEqual({ ecx: 101, edx: 201, retired: 5, faultAt: CODE + HLT });
  });

  it('a branch always taken while profiling: the hot block goes on at its target (followHotBranch)', () => {
    //   0: cmp eax,ebx   2: je c   4: add ecx,1   7: jmp 1000   c: add edx,1   f: jmp 1000   ...   1000: hlt
    const code = [0x39, 0xd8, 0x74, 0x08, 0x83, 0xc1, 0x01, 0xe9, 0xf4, 0x0f, 0x00, 0x00, 0x83, 0xc2, 0x01, 0xe9, 0xec, 0x0f, 0x00, 0x00];
    const build = (translate: boolean) => {
      const m = new TestMachine();
      m.map(CODE);
      m.map(CODE + HLT);
      m.writeBytes(CODE, code);
      m.writeBytes(CODE + HLT, [0xf4]);
      const interp = new Interpreter(m.cpu, OPCODES);
      interp.translate = translate;
      interp.compileThreshold = 200;
      return { m, interp };
    };
    const outcome = ({ m, interp }: ReturnType<typeof build>, equal: boolean) => {
      setRegisters(m, equal);
      m.cpu.retired = 0;
      interp.run(1000);
      return { ecx: m.cpu.lo[RCX], edx: m.cpu.lo[RDX], retired: m.cpu.retired, faultAt: interp.lastFault?.rip };
    };
    const reference = build(false);
    const traced = build(true);
    for (let run = 0; run < 200; run++) outcome(traced, true);
    // White-box: the block at CODE now runs cmp, je and then the target's instructions.
    const block = (traced.interp as unknown as { blocks: Map<number, { insns: Array<{ offset: number }>; compiled: unknown }> }).blocks.get(traced.m.mmu.translateExec(CODE));
    expect(block?.compiled).not.toBeNull();
    expect(block?.insns.map((i) => i.offset)).toEqual([0, 2, 0xc, 0xf]);
    for (const equal of [true, false, true]) expect(outcome(traced, equal)).toEqual(outcome(reference, equal));
  });
});
