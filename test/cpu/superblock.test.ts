/**
 * Superblocks (Interpreter.buildBlock): a block runs on past a not-taken conditional
 * branch and through a direct jump to its target; a taken branch leaves the block. The
 * architectural result must be that of executing one instruction at a time (SDM Vol. 2A
 * Jcc, JMP), interpreted and compiled alike, including how many instructions retire.
 *
 *   0: cmp eax, ebx   2: je 9   4: add ecx, 1   7: jmp 0xc   9: add ecx, 2   c: add edx, 1   f: hlt
 *
 * (objdump's reading of the bytes below.) HLT at CPL 3 faults, which ends the run.
 */
import { describe, expect, it } from 'vitest';
import { Interpreter } from '../../src/cpu/interpreter.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { RAX, RBX, RCX, RDX } from '../../src/cpu/registers.js';
import { TestMachine } from './test-machine.js';

const CODE = 0x40_0000;
const PROGRAM = [0x39, 0xd8, 0x74, 0x05, 0x83, 0xc1, 0x01, 0xeb, 0x03, 0x83, 0xc1, 0x02, 0x83, 0xc2, 0x01, 0xf4];

function run(equal: boolean, compileAtOnce: boolean): { ecx: number; edx: number; retired: number; faultAt: number } {
  const m = new TestMachine();
  m.map(CODE);
  m.writeBytes(CODE, PROGRAM);
  const cpu = m.cpu;
  const interp = new Interpreter(cpu, OPCODES);
  interp.compileThreshold = compileAtOnce ? 1 : Infinity;
  // Compiling happens on a block's first run, which is still interpreted: the second
  // pass runs the compiled blocks.
  for (let pass = compileAtOnce ? 2 : 1; ; pass--) {
    cpu.lo[RAX] = 7;
    cpu.lo[RBX] = equal ? 7 : 8;
    cpu.lo[RCX] = 100;
    cpu.lo[RDX] = 200;
    cpu.rip = CODE;
    cpu.retired = 0;
    interp.run(1000);
    if (pass === 1) break;
  }
  return { ecx: cpu.lo[RCX], edx: cpu.lo[RDX], retired: cpu.retired, faultAt: interp.lastFault?.rip ?? -1 };
}

describe('superblocks', () => {
  for (const compiled of [false, true]) {
    const engine = compiled ? 'compiled' : 'interpreted';
    it(`not taken: falls through, follows the jump (${engine})`, () => {
      expect(run(false, compiled)).toEqual({ ecx: 101, edx: 201, retired: 5, faultAt: CODE + 0xf });
    });
    it(`taken: leaves the block at the branch target (${engine})`, () => {
      expect(run(true, compiled)).toEqual({ ecx: 102, edx: 201, retired: 4, faultAt: CODE + 0xf });
    });
  }
});
