/**
 * Decoded x87 instructions in situations the golden vectors do not reach: #NM, #MF
 * delivery and clearing, alignment and MXCSR #GP of FXSAVE/FXRSTOR, a #PF in the middle
 * of a store leaving the FPU untouched, the environment image, and the 16-bit forms.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { RDI } from '../../../src/cpu/registers.js';
import type { F80 } from '../../../src/cpu/x87/float80.js';
import { TestMachine } from '../test-machine.js';

const CODE = 0x400000;
const DATA = 0x600000;
const READ_ONLY = 0x700000;

let m: TestMachine;

beforeEach(() => {
  m = new TestMachine(2 << 20);
  m.map(CODE);
  m.map(CODE + 0x1000);
  m.map(DATA, { nx: true });
  m.map(READ_ONLY, { nx: true, writable: false });
  m.cpu.lo[RDI] = DATA;
  m.cpu.fpu.init();
});

/** Runs the bytes from CODE; returns the vector of the first exception and its offset, or null. */
function run(hex: string): { vector: number; at: number } | null {
  const bytes = hex.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16));
  m.writeBytes(CODE, bytes);
  m.cpu.rip = CODE;
  while (m.cpu.rip < CODE + bytes.length) {
    const at = m.cpu.rip - CODE;
    const raised = m.step();
    if (raised) return { vector: raised.vector, at };
  }
  return null;
}

function hex80(v: F80): string {
  return v.se.toString(16).padStart(4, '0') + v.sig.toString(16).padStart(16, '0');
}

function write80(addr: number, se: number, sig: bigint): void {
  const b: number[] = [];
  for (let k = 0; k < 8; k++) b.push(Number((sig >> BigInt(8 * k)) & 0xffn));
  b.push(se & 0xff, se >> 8);
  m.writeBytes(addr, b);
}

describe('x87 instructions', () => {
  it('reports an unmasked exception at the next waiting instruction (#MF), not at the one that caused it', () => {
    m.cpu.fpu.control = 0x037b; // ZE unmasked
    // fld1; fldz; fdivp st(1),st  -> ZE pending; fnstsw ax does not wait; fwait faults
    expect(run('d9e8 d9ee def9 dfe0 9b')).toEqual({ vector: 16, at: 8 });
    expect(m.cpu.lo[0] & 0xffff).toBe(0xb084); // B, TOP 6, ES, ZE
    // The stack is as the unmasked exception left it: the division did not happen or pop.
    expect(m.cpu.fpu.top).toBe(6);
    // FNCLEX clears the flags and the summary; then FWAIT passes.
    expect(run('dbe2 9b')).toBeNull();
    expect(m.cpu.fpu.status & 0x80ff).toBe(0);
  });

  it('raises #MF before FLDCW when an exception is pending, and after FLDCW unmasks one', () => {
    m.cpu.fpu.status = 0x0004; // ZE flag set, masked: nothing pending
    m.writeBytes(DATA, [0x7b, 0x03]);
    expect(run('d92f')).toBeNull(); // fldcw unmasks ZE: now pending
    expect(m.cpu.fpu.status & 0x8080).toBe(0x8080);
    expect(run('d9e8')).toEqual({ vector: 16, at: 0 });
    expect(run('d93f')).toBeNull(); // fnstcw is not a waiting instruction
  });

  it('raises #NM with CR0.TS or CR0.EM, and for FWAIT only with CR0.MP and CR0.TS', () => {
    m.cpu.cr0 = 1 << 3; // TS
    expect(run('d9e8')).toEqual({ vector: 7, at: 0 });
    expect(run('9b')).toBeNull();
    m.cpu.cr0 = (1 << 3) | (1 << 1); // TS, MP
    expect(run('9b')).toEqual({ vector: 7, at: 0 });
    m.cpu.cr0 = 1 << 2; // EM
    expect(run('dbe3')).toEqual({ vector: 7, at: 0 });
  });

  it('checks FXSAVE/FXRSTOR alignment and reserved MXCSR bits (#GP), leaving state unchanged', () => {
    m.cpu.lo[RDI] = DATA + 8;
    expect(run('0fae07')).toEqual({ vector: 13, at: 0 });
    m.cpu.lo[RDI] = DATA;
    expect(run('d9eb 0fae07')).toBeNull(); // fldpi; fxsave [rdi]
    const image = m.readBytes(DATA, 512);
    expect(image[4]).toBe(0x80); // abridged tag: R7 in use
    expect(Array.from(image.subarray(32, 42)).reverse().map((b) => b.toString(16).padStart(2, '0')).join('')).toBe('4000c90fdaa22168c235');
    m.writeBytes(DATA + 24, [0x80, 0x1f, 0x01, 0x00]); // MXCSR bit 16
    m.cpu.fpu.init();
    expect(run('0fae0f')).toEqual({ vector: 13, at: 0 });
    expect(m.cpu.fpu.valid).toBe(0);
    m.writeBytes(DATA + 24, [0x80, 0x1f, 0x00, 0x00]);
    expect(run('0fae0f')).toBeNull();
    expect(hex80(m.cpu.fpu.get(0))).toBe('4000c90fdaa22168c235');
  });

  it('leaves the FPU untouched when a store faults (#PF), so the instruction can restart', () => {
    expect(run('d9e8 d9eb')).toBeNull(); // fld1; fldpi
    const before = { top: m.cpu.fpu.top, valid: m.cpu.fpu.valid, status: m.cpu.fpu.status };
    m.cpu.lo[RDI] = READ_ONLY;
    expect(run('db3f')).toEqual({ vector: 14, at: 0 }); // fstp tbyte [rdi]
    expect({ top: m.cpu.fpu.top, valid: m.cpu.fpu.valid, status: m.cpu.fpu.status }).toEqual(before);
    m.cpu.lo[RDI] = DATA + 0xffc; // an 80-bit store across into an unmapped page
    expect(run('db3f')?.vector).toBe(14);
    expect(m.cpu.fpu.top).toBe(before.top);
  });

  it('moves any 80-bit encoding through FLD/FSTP m80 unchanged (SNaN, pseudo-denormal, unnormal)', () => {
    for (const [se, sig] of [[0x7fff, 0x8000000000000001n], [0x0000, 0x8000000000000123n], [0x4000, 0x4000000000000000n]] as const) {
      m.cpu.fpu.init();
      write80(DATA, se, sig);
      expect(run('db2f db7f 10')).toBeNull(); // fld tbyte [rdi]; fstp tbyte [rdi+16]
      expect(Array.from(m.readBytes(DATA + 16, 10))).toEqual(Array.from(m.readBytes(DATA, 10)));
      expect(m.cpu.fpu.status & 0x3f).toBe(0);
    }
  });

  it('rounds to the precision control: 1/3 in 64, 53 and 24 bits', () => {
    const div3 = (cw: number): string => {
      m.cpu.fpu.init();
      m.writeBytes(DATA, [cw & 0xff, cw >> 8, 3, 0]);
      expect(run('d92f d9e8 de77 02')).toBeNull(); // fldcw; fld1; fidiv word [rdi+2]
      return hex80(m.cpu.fpu.get(0));
    };
    expect(div3(0x037f)).toBe('3ffdaaaaaaaaaaaaaaab');
    expect(div3(0x027f)).toBe('3ffdaaaaaaaaaaaaa800');
    expect(div3(0x007f)).toBe('3ffdaaaaab0000000000');
    expect(div3(0x077f)).toBe('3ffdaaaaaaaaaaaaaaaa'); // round down
  });

  it('stores the environment with the full tag word and masks all exceptions (FNSTENV), 28 or 14 bytes', () => {
    expect(run('d9ee d9e8 d9eb ddc1')).toBeNull(); // fldz; fld1; fldpi; ffree st(1)
    expect(run('d937')).toBeNull(); // fnstenv [rdi]
    const env = m.readBytes(DATA, 28);
    const word = (k: number): number => env[k] | (env[k + 1] << 8);
    expect(word(0)).toBe(0x037f);
    expect(word(2)).toBe(0xffff); // reserved halves read as ones
    // R7 zero (01), R6 freed (11), R5 π valid (00), R0-R4 empty (11).
    expect(word(8)).toBe(0x73ff);
    expect(m.cpu.fpu.control & 0x3f).toBe(0x3f);
    // FOP of the last non-control instruction (ffree st(1): DD C1).
    expect((env[18] | (env[19] << 8)) & 0x7ff).toBe(0x5c1);
    // With 66h: the 14-byte form, which FLDENV reads back the same way.
    m.cpu.fpu.control = 0x0c7f;
    expect(run('66d937 66d927')).toBeNull();
    expect(m.readBytes(DATA, 2)).toEqual(Uint8Array.from([0x7f, 0x0c]));
    expect(m.cpu.fpu.control).toBe(0x0c7f);
  });

  it('FNSAVE/FRSTOR round-trip the registers and FNSAVE reinitialises', () => {
    expect(run('d9eb d9ea d9e9')).toBeNull(); // fldpi; fldl2e; fldl2t
    const regs = [0, 1, 2].map((k) => hex80(m.cpu.fpu.get(k)));
    expect(run('dd37')).toBeNull(); // fnsave [rdi]
    expect(m.cpu.fpu.valid).toBe(0);
    expect(m.cpu.fpu.control).toBe(0x037f);
    expect(run('dd27')).toBeNull(); // frstor [rdi]
    expect([0, 1, 2].map((k) => hex80(m.cpu.fpu.get(k)))).toEqual(regs);
    expect(m.cpu.fpu.top).toBe(5);
  });
});
