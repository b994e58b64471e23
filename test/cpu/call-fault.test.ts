/**
 * CALL to a non-canonical target raises #GP(0) before it pushes anything (SDM Vol. 2A
 * CALL, "Operation": the target is checked, then Push(RIP)). Observed on the host: a
 * `call *%rax` with RAX = 0x0000800000000000 delivers SIGSEGV with RSP exactly as before
 * the call. Checked in the interpreter and in a compiled block.
 */
import { describe, expect, it } from 'vitest';
import type { Insn } from '../../src/cpu/insn.js';
import { RAX, RDX, RSP } from '../../src/cpu/registers.js';
import { compileBlock } from '../../src/cpu/translator/compile-block.js';
import { getReg, raisedFrom, setReg, TestMachine } from './test-machine.js';

const CODE = 0x40_0000;
const STACK = 0x60_0000;
const NON_CANONICAL = 0x0000_8000_0000_0000n;

const CALL_RAX = [0xff, 0xd0]; // call rax
const CALL_MEM = [0xff, 0x12]; // call qword ptr [rdx]

function run(code: number[], compiled: boolean): { vector: number | null; rsp: bigint; below: number[] } {
  const m = new TestMachine();
  m.map(CODE);
  m.map(STACK);
  m.writeBytes(CODE, code);
  m.writeBytes(STACK + 0x100, [0, 0, 0, 0, 0, 0x80, 0, 0]); // the memory operand: 0x0000800000000000
  const cpu = m.cpu;
  setReg(cpu, RAX, NON_CANONICAL);
  setReg(cpu, RDX, BigInt(STACK + 0x100));
  setReg(cpu, RSP, BigInt(STACK + 0x800));
  cpu.rip = CODE;
  let vector: number | null = null;
  if (compiled) {
    const insn: Insn = m.decodeAt(CODE);
    insn.offset = 0;
    insn.nextOffset = insn.length;
    try {
      compileBlock([insn])(cpu, CODE);
    } catch (e) {
      vector = raisedFrom(e).vector;
    }
  } else vector = m.step()?.vector ?? null;
  return { vector, rsp: getReg(cpu, RSP), below: Array.from(m.readBytes(STACK + 0x7f8, 8)) };
}

describe('CALL to a non-canonical target', () => {
  for (const [name, code] of [['call rax', CALL_RAX], ['call [rdx]', CALL_MEM]] as const) {
    for (const compiled of [false, true]) {
      it(`${name} (${compiled ? 'compiled' : 'interpreted'}): #GP(0), nothing pushed`, () => {
        expect(run([...code], compiled)).toEqual({ vector: 13, rsp: BigInt(STACK + 0x800), below: [0, 0, 0, 0, 0, 0, 0, 0] });
      });
    }
  }
});
