/**
 * Condition fusion in compiled blocks (templates.ts fusedCondition): a Jcc, CMOVcc or
 * SETcc right after a templated ALU instruction tests that instruction's operands instead
 * of the lazy flags. Every condition code after every fusable producer, at every operand
 * size, must branch, move and set as the interpreter does (whose flags the golden vectors
 * check against the real CPU), and leave the same RFLAGS. Encodings are as objdump prints
 * them.
 */
import { describe, expect, it } from 'vitest';
import { RAX, RBX, RCX, RDX } from '../../src/cpu/registers.js';
import { compileBlock } from '../../src/cpu/translator/compile-block.js';
import { TestMachine } from './test-machine.js';

const CODE = 0x40_0000;

const PRODUCERS: Array<[string, number[]]> = [
  ['cmp eax,ebx', [0x39, 0xd8]],
  ['cmp rax,rbx', [0x48, 0x39, 0xd8]],
  ['cmp ax,bx', [0x66, 0x39, 0xd8]],
  ['cmp al,bl', [0x38, 0xd8]],
  ['cmp ebx,eax', [0x3b, 0xd8]],
  ['cmp eax,0x5', [0x83, 0xf8, 0x05]],
  ['cmp rax,0xffffffffffffffff', [0x48, 0x83, 0xf8, 0xff]],
  ['cmp eax,0x80000000', [0x3d, 0x00, 0x00, 0x00, 0x80]],
  ['cmp al,0x80', [0x3c, 0x80]],
  ['sub eax,ebx', [0x29, 0xd8]],
  ['sub rax,rbx', [0x48, 0x29, 0xd8]],
  ['sub bl,al', [0x28, 0xc3]],
  ['sub ax,bx', [0x66, 0x29, 0xd8]],
  ['test eax,ebx', [0x85, 0xd8]],
  ['test rax,rbx', [0x48, 0x85, 0xd8]],
  ['test al,bl', [0x84, 0xd8]],
  ['test ax,bx', [0x66, 0x85, 0xd8]],
  ['test al,0x80', [0xa8, 0x80]],
  ['and eax,ebx', [0x21, 0xd8]],
  ['or rax,rbx', [0x48, 0x09, 0xd8]],
  ['xor al,bl', [0x30, 0xd8]],
  ['add eax,ebx', [0x01, 0xd8]],
  ['add rax,rbx', [0x48, 0x01, 0xd8]],
  ['add ax,bx', [0x66, 0x01, 0xd8]],
];

/** Operand halves at the edges of every width: 0, 1, -1, the signed limits, and their neighbours. */
const EDGES = [0, 1, 2, -1, -2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, -0x80000000, 0x12345678];

/** The condition's users: Jcc +0x10 last in the block and inside it, cmovcc rcx,rdx / ecx,edx, setcc cl. */
const CONSUMERS: Array<(cc: number) => number[]> = [
  (cc) => [0x70 + cc, 0x10],
  (cc) => [0x70 + cc, 0x10, 0x90],
  (cc) => [0x48, 0x0f, 0x40 + cc, 0xca],
  (cc) => [0x0f, 0x40 + cc, 0xca],
  (cc) => [0x0f, 0x90 + cc, 0xc1],
];

describe('a condition fused with the ALU instruction before it acts as in the interpreter', () => {
  for (const [name, producer] of PRODUCERS) {
    it(`${name}; j<cc>, cmov<cc>, set<cc> for all 16 conditions`, () => {
      for (let cc = 0; cc < 16; cc++) {
        for (const consumer of CONSUMERS) {
          const code = [...producer, ...consumer(cc)];
          const m = new TestMachine();
          m.map(CODE);
          m.writeBytes(CODE, code);
          const cpu = m.cpu;
          const insns = m.decodeBlock(CODE, code.length);
          const compiled = compileBlock(insns, CODE);
          const outcome = (values: number[], translate: boolean): number[] => {
            [cpu.lo[RAX], cpu.hi[RAX], cpu.lo[RBX], cpu.hi[RBX]] = values;
            [cpu.lo[RCX], cpu.hi[RCX], cpu.lo[RDX], cpu.hi[RDX]] = [0x11223344, 0x55667788, -0x5a5a5a5b, 0x0badf00d];
            cpu.setRflags(0x2);
            if (translate) compiled(cpu, CODE);
            else {
              for (const i of insns) {
                cpu.rip = CODE + i.nextOffset;
                i.exec(cpu, i);
                if (cpu.rip !== CODE + i.nextOffset) break; // taken
              }
            }
            return [cpu.rip, cpu.getRflags(), cpu.lo[RAX], cpu.lo[RBX], cpu.lo[RCX], cpu.hi[RCX]];
          };
          for (const a of EDGES) {
            for (const b of [...EDGES, a]) {
              for (const [ah, bh] of [[0, 0], [a >> 31, b >> 31], [-1, 0], [0x7fffffff, 0x7fffffff]]) {
                const values = [a, ah, b, bh];
                expect(outcome(values, true), `${name}; cc ${cc}; rax ${ah}:${a} rbx ${bh}:${b}`).toEqual(outcome(values, false));
              }
            }
          }
        }
      }
    });
  }
});
