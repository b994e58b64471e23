/**
 * Flag liveness in compiled blocks (translator/compile-block.ts): an instruction whose
 * status flags a later one overwrites before anything can read them or fault skips
 * computing them. Whatever is skipped must not be observable: after the block, and at an
 * exception in its middle, RFLAGS must be what the interpreter leaves — whose every
 * handler is checked against the real CPU by the golden vectors (test/golden). The
 * same comparison covers the shift and 64-bit multiply templates on all of RFLAGS, the
 * flags the manual leaves undefined included, which the golden vectors mask.
 * Encodings are as objdump prints them.
 */
import { describe, expect, it } from 'vitest';
import { RAX, RBX, RCX, RDX } from '../../src/cpu/registers.js';
import { TestMachine } from './test-machine.js';

const CODE = 0x40_0000;
const UNMAPPED = 0x70_0000;

/** ror eax,3; mov ecx,ebx; xor eax,ebx; add ecx,eax; rol eax,5; inc eax; shl eax,4; sub eax,ebx */
const ALU_RUN = [0xc1, 0xc8, 0x03, 0x89, 0xd9, 0x31, 0xd8, 0x01, 0xc1, 0xc1, 0xc0, 0x05, 0xff, 0xc0, 0xc1, 0xe0, 0x04, 0x29, 0xd8];
/** add eax,ebx; mov ecx,[rdx]; xor eax,eax — the load faults, so ADD's flags are live */
const FAULT_AFTER_ADD = [0x01, 0xd8, 0x8b, 0x0a, 0x31, 0xc0];
/** xor eax,ebx; inc eax — INC keeps CF, which XOR cleared: XOR's flags are live */
const INC_READS_CF = [0x31, 0xd8, 0xff, 0xc0];
/**
 * shl rax,cl / shr eax,cl / sar rax,cl / shr rax,33 / shl eax,cl, and the double shifts shrd rax,rbx,cl /
 * shld rax,rbx,cl / shrd eax,ebx,cl / shld eax,ebx,cl / shrd rax,rbx,33 / shld rax,rbx,32 / shld eax,ebx,5:
 * every count from random RCX, zero included
 */
const SHIFTS = [
  [0x48, 0xd3, 0xe0], [0xd3, 0xe8], [0x48, 0xd3, 0xf8], [0x48, 0xc1, 0xe8, 0x21], [0xd3, 0xe0],
  [0x48, 0x0f, 0xad, 0xd8], [0x48, 0x0f, 0xa5, 0xd8], [0x0f, 0xad, 0xd8], [0x0f, 0xa5, 0xd8],
  [0x48, 0x0f, 0xac, 0xd8, 0x21], [0x48, 0x0f, 0xa4, 0xd8, 0x20], [0x0f, 0xa4, 0xd8, 0x05],
];
/**
 * mul rbx / imul rbx / imul rax,rbx / imul rax,rbx,-7: 128-bit products, flags with undefined SF/ZF/PF;
 * imul rax,rbx; add rcx,rax: the product's flags dead, only its low half computed
 */
const MULTIPLIES = [[0x48, 0xf7, 0xe3], [0x48, 0xf7, 0xeb], [0x48, 0x0f, 0xaf, 0xc3], [0x48, 0x6b, 0xc3, 0xf9], [0x48, 0x0f, 0xaf, 0xc3, 0x48, 0x01, 0xc1]];

interface Outcome {
  regs: number[];
  rflags: number;
  raised: number | null;
}

function run(code: number[], seed: number, compiled: boolean): Outcome {
  const m = new TestMachine();
  m.map(CODE);
  m.writeBytes(CODE, code);
  const cpu = m.cpu;
  let x = seed;
  const next = (): number => (x = (Math.imul(x, 1103515245) + 12345) | 0);
  for (const r of [RAX, RBX, RCX]) {
    cpu.lo[r] = next();
    cpu.hi[r] = next();
  }
  cpu.lo[RCX] = (cpu.lo[RCX] & ~0xff) | (seed & 0xff); // CL runs through every shift count, 0 included
  cpu.lo[RDX] = UNMAPPED;
  cpu.tscAux = seed; // RDTSCP's ECX
  cpu.setRflags(next() & 0x8d5); // some status flags set on entry
  cpu.rip = CODE;
  const raised = m.runBlock(CODE, code.length, compiled);
  return { regs: [RAX, RBX, RCX].flatMap((r) => [cpu.lo[r], cpu.hi[r]]), rflags: cpu.getRflags(), raised };
}

describe('compiled blocks skip only dead flag computations', () => {
  for (const [name, code] of [
    ['a run of ALU instructions, each overwriting the flags of the last', ALU_RUN],
    ['a fault after a flag-setting instruction sees its flags', FAULT_AFTER_ADD],
    ['INC after XOR keeps the CF XOR produced', INC_READS_CF],
    ...SHIFTS.map((code) => [`shift ${code.map((x) => x.toString(16)).join(' ')} by every count`, code] as const),
    ...MULTIPLIES.map((code) => [`multiply ${code.map((x) => x.toString(16)).join(' ')}`, code] as const),
    // rdtscp; add rax,rbx: EDX:EAX and ECX as the handler sets them (without a host clock the TSC counts instructions)
    ['rdtscp, then an ADD of its result', [0x0f, 0x01, 0xf9, 0x48, 0x01, 0xd8]],
  ] as const) {
    it(name, () => {
      for (let seed = 1; seed <= 200; seed++) {
        const expected = run([...code], seed, false);
        expect(run([...code], seed, true)).toEqual(expected);
      }
    });
  }

  it('the fault case does fault (#PF), so the comparison covers an exception mid-block', () => {
    expect(run(FAULT_AFTER_ADD, 1, true).raised).toBe(14);
  });
});
