/**
 * REP MOVS and REP STOS, which the CPU moves a page at a time (ops/string.ts): the
 * result must be the SDM's element-by-element definition (Vol. 2B "MOVS", "STOS",
 * "REP/REPE/REPZ/REPNE/REPNZ"): each iteration moves one element, then advances RSI/RDI
 * and decrements RCX, and a fault leaves them at the faulting element so the instruction
 * restarts there. The expected memory below is computed from that definition.
 */
import { describe, expect, it } from 'vitest';
import { RAX, RCX, RDI, RSI } from '../../src/cpu/registers.js';
import { getReg, setReg, TestMachine } from './test-machine.js';

const CODE = 0x40_0000;
const DATA = 0x60_0000; // four data pages
const REP_MOVSB = [0xf3, 0xa4];
const REP_MOVSQ = [0xf3, 0x48, 0xa5];
const REP_STOSQ = [0xf3, 0x48, 0xab];

function machine(code: number[], dataPages = 4): TestMachine {
  const m = new TestMachine();
  m.map(CODE);
  m.writeBytes(CODE, code);
  for (let p = 0; p < dataPages; p++) m.map(DATA + p * 0x1000);
  m.cpu.rip = CODE;
  return m;
}

/** Bytes from a simple generator, so every position differs from its neighbours. */
function pattern(n: number): number[] {
  return Array.from({ length: n }, (_, k) => (k * 7 + 3) & 0xff);
}

/** The SDM's loop: `count` elements of `size` bytes from src to dst, one after the other. */
function elementwise(memory: number[], src: number, dst: number, count: number, size: number): number[] {
  const out = memory.slice();
  for (let e = 0; e < count; e++) {
    const element = out.slice(src + e * size, src + (e + 1) * size);
    for (let b = 0; b < size; b++) out[dst + e * size + b] = element[b];
  }
  return out;
}

/** The same loop with DF set: element e from src - e·size to dst - e·size (musl's memmove copies this way). */
function elementwiseDown(memory: number[], src: number, dst: number, count: number, size: number): number[] {
  const out = memory.slice();
  for (let e = 0; e < count; e++) {
    const element = out.slice(src - e * size, src - e * size + size);
    for (let b = 0; b < size; b++) out[dst - e * size + b] = element[b];
  }
  return out;
}

const DF = 0x400;

describe('REP MOVS / REP STOS a page at a time', () => {
  it('a destination one byte above its source repeats the first byte, as element order demands', () => {
    const m = machine(REP_MOVSB);
    const data = pattern(300);
    m.writeBytes(DATA, data);
    setReg(m.cpu, RSI, BigInt(DATA));
    setReg(m.cpu, RDI, BigInt(DATA + 1));
    setReg(m.cpu, RCX, 200n);
    expect(m.step()).toBeNull();
    expect(Array.from(m.readBytes(DATA, 300))).toEqual(elementwise(data, 0, 1, 200, 1));
    expect(getReg(m.cpu, RCX)).toBe(0n);
    expect(getReg(m.cpu, RSI)).toBe(BigInt(DATA + 200));
    expect(getReg(m.cpu, RDI)).toBe(BigInt(DATA + 201));
  });

  it('misaligned quadwords across page boundaries, overlapping downward (memmove order)', () => {
    const m = machine(REP_MOVSQ);
    const data = pattern(4 * 4096);
    m.writeBytes(DATA, data);
    const src = 4096 - 12; // elements straddle the boundary
    const dst = 4096 - 12 - 20;
    const count = 1100;
    setReg(m.cpu, RSI, BigInt(DATA + src));
    setReg(m.cpu, RDI, BigInt(DATA + dst));
    setReg(m.cpu, RCX, BigInt(count));
    expect(m.step()).toBeNull();
    expect(Array.from(m.readBytes(DATA, 4 * 4096))).toEqual(elementwise(data, src, dst, count, 8));
    expect(getReg(m.cpu, RSI)).toBe(BigInt(DATA + src + 8 * count));
    expect(getReg(m.cpu, RDI)).toBe(BigInt(DATA + dst + 8 * count));
  });

  it('a fault in the second page leaves RCX/RDI at its first element and the first page written', () => {
    const m = machine(REP_STOSQ, 1); // only the first data page is mapped
    setReg(m.cpu, RAX, 0x1122334455667788n);
    setReg(m.cpu, RDI, BigInt(DATA + 4096 - 64));
    setReg(m.cpu, RCX, 20n);
    const raised = m.step();
    expect(raised).toMatchObject({ vector: 14, address: DATA + 4096 });
    expect(m.cpu.rip).toBe(CODE); // restarts at the instruction
    expect(getReg(m.cpu, RCX)).toBe(12n); // 8 of 20 stored
    expect(getReg(m.cpu, RDI)).toBe(BigInt(DATA + 4096));
    const stored = Array.from(m.readBytes(DATA + 4096 - 64, 64));
    expect(stored).toEqual(Array.from({ length: 64 }, (_, k) => [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11][k % 8]));
    // Mapped now, the restart finishes the job.
    m.map(DATA + 4096);
    expect(m.step()).toBeNull();
    expect(getReg(m.cpu, RCX)).toBe(0n);
    expect(m.readBytes(DATA + 4096, 96)[95]).toBe(0x11);
  });

  it('a copy into a frame holding decoded code reports the write (self-modifying code stays correct)', () => {
    const m = machine(REP_MOVSB);
    const frame = m.physOf(DATA + 0x1000);
    m.mmu.markCodeFrame(frame - (frame % 4096));
    const seen: number[] = [];
    m.mmu.onCodeWrite = (f) => seen.push(f);
    setReg(m.cpu, RSI, BigInt(DATA));
    setReg(m.cpu, RDI, BigInt(DATA + 0x1000));
    setReg(m.cpu, RCX, 16n);
    expect(m.step()).toBeNull();
    expect(seen).toEqual([frame - (frame % 4096)]);
  });

  for (const [name, size, srcOffset, dstOffset, count] of [
    // musl's memmove(dst > src): from the top down, quadwords straddling page boundaries
    ['quadwords moved up by 15 bytes, copied downward across three pages', 8, 3 * 4096 - 4, 3 * 4096 + 11, 1100],
    // the loop reads what it has just written: element order shows
    ['bytes moved down by 3, copied downward', 1, 2 * 4096 + 100, 2 * 4096 + 97, 5000],
    ['dwords onto themselves', 4, 2 * 4096, 2 * 4096, 1500],
  ] as const) {
    it(`DF set: ${name}`, () => {
      const m = machine(size === 8 ? REP_MOVSQ : size === 4 ? [0xf3, 0xa5] : REP_MOVSB);
      const data = pattern(4 * 4096);
      m.writeBytes(DATA, data);
      m.cpu.setRflags(0x2 | DF);
      setReg(m.cpu, RSI, BigInt(DATA + srcOffset));
      setReg(m.cpu, RDI, BigInt(DATA + dstOffset));
      setReg(m.cpu, RCX, BigInt(count));
      expect(m.step()).toBeNull();
      expect(Array.from(m.readBytes(DATA, 4 * 4096))).toEqual(elementwiseDown(data, srcOffset, dstOffset, count, size));
      expect(getReg(m.cpu, RCX)).toBe(0n);
      expect(getReg(m.cpu, RSI)).toBe(BigInt(DATA + srcOffset - size * count));
      expect(getReg(m.cpu, RDI)).toBe(BigInt(DATA + dstOffset - size * count));
    });
  }

  it('DF set: a fault in the lower page leaves RCX/RDI at its first element and the upper page written', () => {
    const m = machine(REP_STOSQ, 0);
    m.map(DATA + 0x1000); // the page below is not mapped
    m.cpu.setRflags(0x2 | DF);
    setReg(m.cpu, RAX, 0x1122334455667788n);
    setReg(m.cpu, RDI, BigInt(DATA + 0x1000 + 56)); // elements at +56, +48, ..., +0, then -8
    setReg(m.cpu, RCX, 20n);
    const raised = m.step();
    expect(raised).toMatchObject({ vector: 14, address: DATA + 0x1000 - 8 });
    expect(m.cpu.rip).toBe(CODE);
    expect(getReg(m.cpu, RCX)).toBe(12n); // 8 of 20 stored
    expect(getReg(m.cpu, RDI)).toBe(BigInt(DATA + 0x1000 - 8));
    expect(Array.from(m.readBytes(DATA + 0x1000, 64))).toEqual(Array.from({ length: 64 }, (_, k) => [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11][k % 8]));
  });
});
