/**
 * WebAssembly blocks chain: a block that ends at another WebAssembly block runs it without
 * returning to the run loop (src/cpu/wasm/wasm-runtime.ts). The guest must not see it: a
 * fault in a block the chain reached is delivered at that block's instruction, with the
 * instructions before it counted, and a store into code ends the chain so that the
 * rewritten code runs next. The reference is the same code interpreted only.
 */
import { describe, expect, it } from 'vitest';
import { Interpreter } from '../../src/cpu/interpreter.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { RAX, RBP, RBX, RCX, RDI, RDX, RSI } from '../../src/cpu/registers.js';
import { TestMachine } from './test-machine.js';

const CODE = 0x40_0000;
const B = CODE + 0x40;
const DATA = 0x50_0000; // one mapped page; the page above it is not mapped
const END = CODE + 0x80; // hlt

/**
 * A: 0: mov rax, [rdi]   3: add rdi, 8   7: jmp rbx
 * B: 40: mov rcx, [rdi]  43: sub rsi, 1  47: jnz 0   49: jmp rdx (END)
 * B's load leaves DATA's page after 512 rounds and faults there.
 */
const LOADS = { a: [0x48, 0x8b, 0x07, 0x48, 0x83, 0xc7, 0x08, 0xff, 0xe3], b: [0x48, 0x8b, 0x0f, 0x48, 0x83, 0xee, 0x01, 0x75, 0xb7, 0xff, 0xe2] };
/**
 * A (a page of its own, at A2): 0: add rax, 1 (its immediate is the byte at 3)   4: jmp rbx
 * B: 40: mov [rbp], cl (rbp = A2 + 3)   43: sub rcx, 1   47: jnz A2   4d: jmp rdx (END)
 * Each round B rewrites A's immediate, so A adds a different number every time.
 */
const A2 = CODE + 0x1000;
/**
 * A: rdtsc (0F 31) or rdtscp (0F 01 F9, also ECX = TSC_AUX), then mov [rdi], eax;
 * mov [rdi+4], edx; add rdi, 8; jmp rbx.   B: 40: sub rsi, 1   44: jnz 0   46: jmp rdx (END)
 * Without a timekeeper the TSC is the count of instructions retired (ops/system.ts sampleTsc).
 */
const tscLoop = (read: number[]) => ({ a: [...read, 0x89, 0x07, 0x89, 0x57, 0x04, 0x48, 0x83, 0xc7, 0x08, 0xff, 0xe3], b: [0x48, 0x83, 0xee, 0x01, 0x75, 0xba, 0xff, 0xe2] });
const REWRITE = { a: [0x48, 0x83, 0xc0, 0x01, 0xff, 0xe3], b: [0x88, 0x4d, 0x00, 0x48, 0x83, 0xe9, 0x01, 0x0f, 0x85, 0xb3, 0x0f, 0x00, 0x00, 0xff, 0xe2] };

function run(code: { a: number[]; b: number[] }, registers: Record<number, number>, translate: boolean, a = CODE) {
  const m = new TestMachine();
  m.map(CODE);
  m.map(A2);
  m.map(DATA);
  m.writeBytes(a, code.a);
  m.writeBytes(B, code.b);
  m.writeBytes(END, [0xf4]);
  for (let k = 0; k < 4096; k += 8) m.writeBytes(DATA + k, [k & 0xff, k >> 8]);
  const interp = new Interpreter(m.cpu, OPCODES);
  interp.translate = translate;
  interp.compileThreshold = 1;
  const cpu = m.cpu;
  cpu.tscAux = 3; // RDTSCP's ECX (the kernel's CPU number)
  cpu.lo[RBX] = B;
  cpu.lo[RDX] = END;
  for (const [reg, value] of Object.entries(registers)) cpu.lo[Number(reg)] = value;
  cpu.rip = a;
  interp.run(1_000_000);
  // White-box: which blocks the translator made WebAssembly.
  const blocks = (interp as unknown as { blocks: Map<number, { compiledToWasm: boolean }> }).blocks;
  const wasm = [a, B].map((va) => blocks.get(m.mmu.translateExec(va))?.compiledToWasm ?? false);
  // White-box: how many entries the WebAssembly block table has used.
  const runtime = (interp as unknown as { wasmState: { insnsOf: unknown[] } | null }).wasmState;
  return {
    tableEntries: runtime?.insnsOf.length ?? 0,
    state: {
      rax: cpu.lo[RAX],
      rcx: cpu.lo[RCX],
      rsi: cpu.lo[RSI],
      rdi: cpu.lo[RDI],
      retired: cpu.retired,
      fault: interp.lastFault ? { vector: interp.lastFault.vector, rip: interp.lastFault.rip } : null,
    },
    data: m.readBytes(DATA, 4096),
    compiledToWasm: interp.compiledBlocks.wasm,
    wasm,
  };
}

describe('chained WebAssembly blocks', () => {
  it('deliver a fault in a block the chain reached at that block, as the interpreter does', () => {
    const registers = { [RDI]: DATA, [RSI]: 100_000 };
    const reference = run(LOADS, registers, false);
    expect(reference.state.fault).toEqual({ vector: 14, rip: B });
    const chained = run(LOADS, registers, true);
    expect(chained.wasm).toEqual([true, true]);
    expect(chained.state).toEqual(reference.state);
  });

  it.each([
    ['rdtsc', [0x0f, 0x31]],
    ['rdtscp', [0x0f, 0x01, 0xf9]],
  ])('%s: read the time-stamp counter the interpreter would read, inside a chain', (_name, read) => {
    const registers = { [RDI]: DATA, [RSI]: 300, [RCX]: 0 };
    const reference = run(tscLoop(read), registers, false);
    const readings = new Uint32Array(reference.data.buffer, reference.data.byteOffset, 600).filter((_, k) => k % 2 === 0);
    // Each round retires A's five and B's two instructions before the next RDTSC.
    expect(readings[1] - readings[0]).toBe(7);
    expect(readings[299] - readings[0]).toBe(299 * 7);
    expect(reference.state.rcx).toBe(read.length === 3 ? 3 : 0);
    const chained = run(tscLoop(read), registers, true);
    expect(chained.wasm).toEqual([true, true]);
    expect(chained.data).toEqual(reference.data);
    expect(chained.state).toEqual(reference.state);
  });

  it('run an instruction without a template through its handler, flags in and out', () => {
    // 0: add rax, rbx   3: rcl rcx, 1 (no template)   6: adc rsi, 0   a: sub rdi, 1   e: jnz 0   10: jmp rdx (END)
    // RCL takes the carry ADD left in the block's flags and leaves one for ADC.
    const loop = [0x48, 0x01, 0xd8, 0x48, 0xd1, 0xd1, 0x48, 0x83, 0xd6, 0x00, 0x48, 0x83, 0xef, 0x01, 0x75, 0xf0, 0xff, 0xe2];
    const runLoop = (translate: boolean) => {
      const m = new TestMachine();
      m.map(CODE);
      m.writeBytes(CODE, loop);
      m.writeBytes(END, [0xf4]);
      const interp = new Interpreter(m.cpu, OPCODES);
      interp.translate = translate;
      interp.compileThreshold = 1;
      const cpu = m.cpu;
      cpu.lo[RAX] = 0x9e3779b9;
      cpu.hi[RAX] = 0x7f4a7c15;
      cpu.lo[RBX] = 0x85ebca6b;
      cpu.hi[RBX] = 0xc2b2ae35 | 0;
      cpu.lo[RCX] = 0x2545f491;
      cpu.lo[RDI] = 200;
      cpu.lo[RDX] = END;
      cpu.rip = CODE;
      interp.run(100_000);
      const blocks = (interp as unknown as { blocks: Map<number, { compiledToWasm: boolean }> }).blocks;
      return { wasm: blocks.get(m.mmu.translateExec(CODE))?.compiledToWasm ?? false, regs: [RAX, RCX, RSI, RDI].flatMap((r) => [cpu.lo[r], cpu.hi[r]]), rip: cpu.rip };
    };
    const reference = runLoop(false);
    const compiled = runLoop(true);
    expect(compiled.wasm).toBe(true);
    expect(compiled).toEqual({ ...reference, wasm: true });
  });

  it('stop a block after a handler instruction that writes into its code', () => {
    // 0: xadd [rbp], cl (no template)   4: add rax, imm8 (the byte at 7)   8: sub rdi, 1   c: cmp rdi, 5
    // 10: cmove rbp, rsi   14: test rdi, rdi   17: jnz 0   19: jmp rdx (END)
    // XADD writes into the data page until RDI reaches 5, then into the ADD's immediate,
    // which the ADD right after it must see (the compiled loop is running then).
    const loop = [0x0f, 0xc0, 0x4d, 0x00, 0x48, 0x83, 0xc0, 0x00, 0x48, 0x83, 0xef, 0x01, 0x48, 0x83, 0xff, 0x05, 0x48, 0x0f, 0x44, 0xee, 0x48, 0x85, 0xff, 0x75, 0xe7, 0xff, 0xe2];
    const registers = { [RBP]: DATA + 0x800, [RSI]: CODE + 7, [RCX]: 3, [RDI]: 10 };
    const reference = run({ a: loop, b: [] }, registers, false);
    // (Each rewrite adds to the immediate the byte XADD took from CL: never all zero.)
    expect(reference.state.rax).not.toBe(0);
    const compiled = run({ a: loop, b: [] }, registers, true);
    expect(compiled.compiledToWasm).toBeGreaterThan(0);
    expect(compiled.state).toEqual(reference.state);
  });

  it('stop at a breakpoint in a block the chain reaches, at that instruction', () => {
    // A: 0: add rax, 1   4: jmp rbx.   B: 40: sub rsi, 1   44: add rcx, 1 (breakpoint)   48: jnz 0   4a: jmp rdx (END)
    const m = new TestMachine();
    m.map(CODE);
    m.writeBytes(CODE, [0x48, 0x83, 0xc0, 0x01, 0xff, 0xe3]);
    m.writeBytes(B, [0x48, 0x83, 0xee, 0x01, 0x48, 0x83, 0xc1, 0x01, 0x75, 0xb6, 0xff, 0xe2]);
    m.writeBytes(END, [0xf4]);
    const interp = new Interpreter(m.cpu, OPCODES);
    interp.compileThreshold = 1;
    const cpu = m.cpu;
    cpu.lo[RBX] = B;
    cpu.lo[RDX] = END;
    cpu.lo[RSI] = 1000;
    cpu.rip = CODE;
    interp.addBreakpoint(B + 4);
    for (let hit = 1; hit <= 50; hit++) {
      if (hit > 1) interp.resumeFromBreakpoint();
      interp.run(1_000_000);
      expect({ rip: cpu.rip, rax: cpu.lo[RAX], rcx: cpu.lo[RCX], rsi: cpu.lo[RSI] }).toEqual({ rip: B + 4, rax: hit, rcx: hit - 1, rsi: 1000 - hit });
    }
  });

  it('end at a store into code, so that the rewritten block runs next', () => {
    const registers = { [RCX]: 100, [RBP]: A2 + 3 };
    const reference = run(REWRITE, registers, false, A2);
    // 1 + 100 + 99 + ... + 2 (each round adds the byte the previous one wrote), then HLT at CPL 3 faults.
    expect(reference.state.rax).toBe(1 + (100 * 101) / 2 - 1);
    const chained = run(REWRITE, registers, true, A2);
    expect(chained.wasm[1]).toBe(true);
    expect(chained.state).toEqual(reference.state);
    // A is compiled again in each of the 100 rounds; the entries of the invalidated ones are reused.
    expect(chained.tableEntries).toBeLessThan(10);
  });

  it('free the table entry of a block on two pages once when both pages are written', () => {
    // ffa: add rax, 1   ffe: add rax, 2 (across the page boundary)   1002: add rax, 3   1006: jmp rdx (END):
    // a block on both pages (up to the instruction that straddles them), then one on the second.
    const m = new TestMachine();
    m.map(CODE);
    m.map(A2);
    m.writeBytes(CODE + 0xffa, [0x48, 0x83, 0xc0, 0x01, 0x48, 0x83]);
    m.writeBytes(A2, [0xc0, 0x02, 0x48, 0x83, 0xc0, 0x03, 0xff, 0xe2]);
    m.writeBytes(END, [0xf4]);
    const interp = new Interpreter(m.cpu, OPCODES);
    interp.compileThreshold = 1;
    const runtime = () => (interp as unknown as { wasmState: { freeIndices: number[] } }).wasmState;
    const runOnce = () => {
      m.cpu.lo[RDX] = END;
      m.cpu.rip = CODE + 0xffa;
      interp.run(100);
    };
    runOnce();
    expect(m.cpu.lo[RAX]).toBe(6);
    // A store into each page invalidates the first block twice; each entry is freed once.
    m.mmu.write8(CODE + 0x800, 0);
    m.mmu.write8(A2 + 0x800, 0);
    expect([...runtime().freeIndices].sort()).toEqual([0, 1]);
    runOnce();
    expect(m.cpu.lo[RAX]).toBe(12);
  });
});
