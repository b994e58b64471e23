/**
 * The lazy-flags scheme (src/cpu/cpu.ts): status flags rebuilt from the last result and
 * its carry-out vector must equal what the SDM defines for each operation. Values are
 * derived by hand from the SDM Vol. 1 §3.4.3 and each instruction's "Flags Affected"
 * (the golden vectors check the same against the host CPU in bulk).
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../src/cpu/decoder.js';
import { AF, CF, OF, PF, SF, ZF } from '../../src/cpu/flags.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { getReg, setReg, TestMachine } from './test-machine.js';

const RAX = 0;
const RBX = 3;
const STATUS = CF | PF | AF | ZF | SF | OF;

function hex(s: string): number[] {
  return s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16));
}

/** Runs one instruction with RAX/RBX and the status flags given; returns [rax, status flags]. */
function run(bytes: string, rax: bigint, rbx = 0n, flagsIn = 0): [bigint, number] {
  const m = new TestMachine();
  const cpu = m.cpu;
  setReg(cpu, RAX, rax);
  setReg(cpu, RBX, rbx);
  cpu.setRflags(flagsIn);
  const code = hex(bytes);
  const i = decode(OPCODES, (o) => code[o]);
  i.exec(cpu, i);
  return [getReg(cpu, RAX), cpu.getRflags() & STATUS];
}

const names = (f: number): string =>
  [[OF, 'OF'], [SF, 'SF'], [ZF, 'ZF'], [AF, 'AF'], [PF, 'PF'], [CF, 'CF']].filter(([b]) => f & (b as number)).map(([, n]) => n).join(' ') || '-';

function expectFlags(got: number, want: number): void {
  expect(names(got)).toBe(names(want));
}

describe('lazy flags: addition and subtraction', () => {
  it('8-bit ADD 0x7f + 1 = 0x80 overflows into the sign: OF SF AF, odd parity', () => {
    const [r, f] = run('00 d8', 0x7fn, 1n); // add al,bl
    expect(r & 0xffn).toBe(0x80n);
    expectFlags(f, OF | SF | AF);
  });

  it('8-bit ADD 0xff + 1 = 0 carries out: CF ZF AF PF', () => {
    const [r, f] = run('00 d8', 0xffn, 1n);
    expect(r & 0xffn).toBe(0n);
    expectFlags(f, CF | ZF | AF | PF);
  });

  it('32-bit SUB 0 - 1 borrows: CF SF AF, PF from the low byte 0xff (even)', () => {
    const [r, f] = run('29 d8', 0n, 1n); // sub eax,ebx
    expect(r).toBe(0xffff_ffffn);
    expectFlags(f, CF | SF | AF | PF);
  });

  it('32-bit SUB 0x80000000 - 1 overflows: OF, not SF', () => {
    const [, f] = run('29 d8', 0x8000_0000n, 1n);
    expectFlags(f, OF | AF | PF);
  });

  it('64-bit ADD 0xffffffff + 1 = 0x100000000: a zero low half is not ZF; no carry out of bit 63', () => {
    const [r, f] = run('48 01 d8', 0xffff_ffffn, 1n); // add rax,rbx
    expect(r).toBe(0x1_0000_0000n);
    expectFlags(f, AF | PF);
  });

  it('64-bit ADD of the sign bits carries out of bit 63 and overflows', () => {
    const [r, f] = run('48 01 d8', 0x8000_0000_0000_0000n, 0x8000_0000_0000_0000n);
    expect(r).toBe(0n);
    expectFlags(f, CF | OF | ZF | PF);
  });

  it('64-bit SUB 0x8000000000000000 - 1 overflows; CMP leaves the register alone', () => {
    const [r, f] = run('48 29 d8', 0x8000_0000_0000_0000n, 1n);
    expect(r).toBe(0x7fff_ffff_ffff_ffffn);
    expectFlags(f, OF | AF | PF);
    const [r2, f2] = run('48 39 d8', 0x8000_0000_0000_0000n, 1n); // cmp rax,rbx
    expect(r2).toBe(0x8000_0000_0000_0000n);
    expectFlags(f2, OF | AF | PF);
  });

  it('ADC adds the carry: 0xff + 0 + CF = 0 with CF AF ZF PF', () => {
    const [r, f] = run('10 d8', 0xffn, 0n, CF); // adc al,bl
    expect(r & 0xffn).toBe(0n);
    expectFlags(f, CF | ZF | AF | PF);
    const [r0, f0] = run('10 d8', 0xffn, 0n, 0);
    expect(r0 & 0xffn).toBe(0xffn);
    expectFlags(f0, SF | PF);
  });

  it('SBB subtracts the borrow: 0 - 0 - CF = -1 with CF', () => {
    const [r, f] = run('48 19 d8', 0n, 0n, CF); // sbb rax,rbx
    expect(r).toBe(0xffff_ffff_ffff_ffffn);
    expectFlags(f, CF | SF | AF | PF);
    // 64-bit SBB with a borrow across the 32-bit halves: 0x100000000 - 0xffffffff - 1 = 0
    const [r2, f2] = run('48 19 d8', 0x1_0000_0000n, 0xffff_ffffn, CF);
    expect(r2).toBe(0n);
    expectFlags(f2, ZF | AF | PF);
  });

  it('NEG sets CF unless the operand is zero; NEG of the minimum overflows', () => {
    expectFlags(run('48 f7 d8', 0n)[1], ZF | PF); // neg rax
    expectFlags(run('48 f7 d8', 1n)[1], CF | SF | AF | PF);
    const [r, f] = run('48 f7 d8', 0x8000_0000_0000_0000n);
    expect(r).toBe(0x8000_0000_0000_0000n);
    expectFlags(f, CF | OF | SF | PF);
  });
});

describe('lazy flags: INC and DEC keep CF (SDM Vol. 2A, INC/DEC)', () => {
  it('INC 0xffffffff with CF set: ZF AF PF, CF still set', () => {
    const [r, f] = run('ff c0', 0xffff_ffffn, 0n, CF); // inc eax
    expect(r).toBe(0n);
    expectFlags(f, CF | ZF | AF | PF);
  });

  it('INC 0x7fffffff with CF clear: OF SF AF PF, CF still clear', () => {
    const [, f] = run('ff c0', 0x7fff_ffffn);
    expectFlags(f, OF | SF | AF | PF);
  });

  it('DEC 0 keeps CF clear; DEC 0x80 (8-bit) overflows', () => {
    expectFlags(run('ff c8', 0n)[1], SF | AF | PF); // dec eax
    expectFlags(run('fe c8', 0x80n, 0n, CF)[1], CF | OF | AF); // dec al
  });
});

describe('lazy flags: logic, shifts, rotates', () => {
  it('AND, OR, XOR, TEST clear CF and OF', () => {
    expectFlags(run('21 d8', 0xf0n, 0x0fn, CF | OF)[1], ZF | PF); // and eax,ebx
    expectFlags(run('48 09 d8', 0x8000_0000_0000_0000n, 0n, CF | OF)[1], SF | PF); // or rax,rbx
    expectFlags(run('85 d8', 0x3n, 0x1n, CF | OF)[1], 0); // test eax,ebx → 1: odd parity
  });

  it('SHL by 1: CF is the bit shifted out, OF = MSB(result) XOR CF', () => {
    const [r, f] = run('d0 e0', 0xc0n); // shl al,1 → 0x80, CF=1, OF=1^1=0
    expect(r & 0xffn).toBe(0x80n);
    expect(f & (CF | OF | SF | ZF)).toBe(CF | SF);
    expect(run('d0 e0', 0x40n)[1] & (CF | OF)).toBe(OF); // 0x80, CF=0, OF=1
  });

  it('SHR by 1: OF is the original MSB; SAR by 1: OF is 0', () => {
    expect(run('d0 e8', 0x81n)[1] & (CF | OF)).toBe(CF | OF); // shr al,1
    expect(run('d0 f8', 0x81n)[1] & (CF | OF)).toBe(CF); //      sar al,1
  });

  it('a shift by a masked count of 0 changes no flag', () => {
    const [, f] = run('c1 e0 20', 1n, 0n, STATUS); // shl eax,32 → count & 31 = 0
    expect(f).toBe(STATUS);
  });

  it('rotates change only CF and OF', () => {
    const [r, f] = run('d0 c0', 0x81n, 0n, ZF | SF | PF | AF); // rol al,1 → 0x03, CF=1, OF=0^1
    expect(r & 0xffn).toBe(0x03n);
    expect(f).toBe(ZF | SF | PF | AF | CF | OF);
  });
});

describe('lazy flags: materialisation and conditions', () => {
  it('a 32-bit result clears bits 63:32 and the flags describe the 32-bit result', () => {
    const [r, f] = run('01 d8', 0xdead_beef_8000_0000n, 0x8000_0000n); // add eax,ebx
    expect(r).toBe(0n);
    expectFlags(f, CF | OF | ZF | PF);
  });

  it('SAHF/LAHF round-trip SF ZF AF PF CF through AH, with bit 1 set', () => {
    const m = new TestMachine();
    const cpu = m.cpu;
    const code = hex('9e 9f');
    setReg(cpu, RAX, 0xd5n << 8n); // SF ZF AF PF CF
    for (let at = 0; at < code.length; ) {
      const i = decode(OPCODES, (o) => code[at + o]);
      i.exec(cpu, i);
      at += i.length;
    }
    expect(cpu.getRflags() & STATUS).toBe(SF | ZF | AF | PF | CF);
    expect((getReg(cpu, RAX) >> 8n) & 0xffn).toBe(0xd7n);
  });

  it('setRflags keeps bit 1 set and replaces the lazy state', () => {
    const m = new TestMachine();
    m.cpu.setFlagsCOA(0, 0, 4, 1, 1, 1);
    m.cpu.setRflags(0);
    expect(m.cpu.getRflags()).toBe(0x2);
    expect(m.cpu.getCF()).toBe(0);
  });

  it('every condition code agrees with its definition (SDM Vol. 2D Appendix B.1.4.7)', () => {
    const m = new TestMachine();
    const conds: Array<(f: number) => boolean> = [
      (f) => !!(f & OF), (f) => !(f & OF), (f) => !!(f & CF), (f) => !(f & CF),
      (f) => !!(f & ZF), (f) => !(f & ZF), (f) => !!(f & (CF | ZF)), (f) => !(f & (CF | ZF)),
      (f) => !!(f & SF), (f) => !(f & SF), (f) => !!(f & PF), (f) => !(f & PF),
      (f) => !!(f & SF) !== !!(f & OF), (f) => !!(f & SF) === !!(f & OF),
      (f) => !!(f & ZF) || !!(f & SF) !== !!(f & OF), (f) => !(f & ZF) && !!(f & SF) === !!(f & OF),
    ];
    for (let combo = 0; combo < 64; combo++) {
      const f = [CF, PF, AF, ZF, SF, OF].reduce((acc, bit, k) => (combo & (1 << k) ? acc | bit : acc), 0);
      m.cpu.setRflags(f);
      for (let cc = 0; cc < 16; cc++) expect(m.cpu.cond(cc), `cc ${cc} flags ${names(f)}`).toBe(conds[cc](f));
    }
    // The same through the lazy path: flags of a real subtraction.
    for (const [a, b] of [[1n, 2n], [2n, 1n], [0x8000_0000n, 1n], [5n, 5n], [0n, 0x8000_0000n]]) {
      const [, f] = run('39 d8', a, b); // cmp eax,ebx
      const mm = new TestMachine();
      setReg(mm.cpu, RAX, a);
      setReg(mm.cpu, RBX, b);
      const code = hex('39 d8');
      const i = decode(OPCODES, (o) => code[o]);
      i.exec(mm.cpu, i);
      for (let cc = 0; cc < 16; cc++) expect(mm.cpu.cond(cc), `cmp ${a},${b} cc ${cc}`).toBe(conds[cc](f));
    }
  });
});
