/**
 * The long-mode decoder (issue 2: "npm test covers the decoder"). Expected decodings come
 * from the SDM Vol. 2A ch. 2 (instruction format, REX, ModRM/SIB tables 2-2 and 2-3,
 * RIP-relative addressing §2.2.1.6) and were cross-checked with the host's
 * `objdump -D -b binary -m i386:x86-64 -M intel`, whose output is quoted per case.
 */
import { describe, expect, it } from 'vitest';
import { decode, InstructionTooLong, MAX_INSN_LENGTH, raiseDecodeFailure, UndefinedOpcode } from '../../src/cpu/decoder.js';
import type { Insn } from '../../src/cpu/insn.js';
import { REP_E, REP_NE, REP_NONE, SEGOVR_FS, SEGOVR_GS, SEGOVR_NONE } from '../../src/cpu/insn.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { HIGH_BYTE, ZERO_REG } from '../../src/cpu/registers.js';
import { CpuException } from '../../src/cpu/cpu-exception.js';
import { getReg, setReg, TestMachine } from './test-machine.js';

const RAX = 0, RCX = 1, RBX = 3, RSP = 4, RBP = 5, R8 = 8, R9 = 9, R11 = 11, R12 = 12, R13 = 13;

function dec(...bytes: number[]): Insn {
  return decode(OPCODES, (o) => {
    if (o >= bytes.length) throw new RangeError(`read past the test bytes (offset ${o})`);
    return bytes[o];
  });
}

function hex(s: string): number[] {
  return s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16));
}

function decodeFailure(bytes: number[]): unknown {
  try {
    dec(...bytes);
  } catch (e) {
    return e;
  }
  return null;
}

describe('decoder: legacy prefixes', () => {
  it('66 selects 16-bit operands, 67 32-bit addresses', () => {
    expect(dec(...hex('66 01 d8')).opsize).toBe(2); //          add ax,bx
    const a32 = dec(...hex('67 8b 03')); //                     mov eax,DWORD PTR [ebx]
    expect(a32.addrsize).toBe(4);
    expect(a32.opsize).toBe(4);
    expect(a32.base).toBe(RBX);
  });

  it('F0 LOCK, F2/F3 repeat prefixes and the FS/GS overrides are recorded', () => {
    expect(dec(...hex('f0 48 01 03')).lock).toBe(true); //     lock add QWORD PTR [rbx],rax
    expect(dec(...hex('f3 a4')).rep).toBe(REP_E); //          rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]
    expect(dec(...hex('f2 ae')).rep).toBe(REP_NE); //         repnz scas al,BYTE PTR es:[rdi]
    expect(dec(...hex('a4')).rep).toBe(REP_NONE);
    expect(dec(...hex('64 8b 03')).segment).toBe(SEGOVR_FS); // mov eax,DWORD PTR fs:[rbx]
    expect(dec(...hex('65 8b 03')).segment).toBe(SEGOVR_GS);
  });

  it('CS, DS, ES and SS overrides have no effect in 64-bit mode (SDM Vol. 1 §3.3.7.1)', () => {
    const i = dec(...hex('2e 3e 26 36 8b 03'));
    expect(i.segment).toBe(SEGOVR_NONE);
    expect(i.length).toBe(6);
  });
});

describe('decoder: REX', () => {
  it('REX.W selects 64-bit operands; REX.R, X, B extend reg, index and base', () => {
    // 4f 8d 44 8b 10: lea r8,[r11+r9*4+0x10]
    const i = dec(...hex('4f 8d 44 8b 10'));
    expect(i.def!.mnemonic).toBe('lea');
    expect(i.opsize).toBe(8);
    expect(i.reg).toBe(R8);
    expect(i.base).toBe(R11);
    expect(i.index).toBe(R9);
    expect(i.scale).toBe(4);
    expect(i.disp).toBe(0x10);
    expect(i.length).toBe(5);
  });

  it('a REX prefix followed by a legacy prefix is ignored (SDM Vol. 2A §2.2.1)', () => {
    // 48 66 01 d8: objdump "rex.W add ax,bx" — the REX does not count
    const i = dec(...hex('48 66 01 d8'));
    expect(i.opsize).toBe(2);
    expect(i.rex).toBe(false);
    // 41 2e 01 d8: REX.B dropped too, so rm is rax, not r8
    expect(dec(...hex('41 2e 01 d8')).rm).toBe(RAX);
  });

  it('with two REX prefixes only the last counts', () => {
    // 41 48 01 d8: objdump "rex.B add rax,rbx"
    const i = dec(...hex('41 48 01 d8'));
    expect(i.opsize).toBe(8);
    expect(i.rm).toBe(RAX);
    expect(i.reg).toBe(RBX);
  });

  it('66 then REX.W: REX.W wins (64-bit operands)', () => {
    expect(dec(...hex('66 48 01 d8')).opsize).toBe(8); //  "data16 add rax,rbx"
  });
});

describe('decoder: ModRM, SIB and displacements', () => {
  it('[rsp+disp8] needs a SIB byte with no index', () => {
    const i = dec(...hex('8b 44 24 08')); //                 mov eax,DWORD PTR [rsp+0x8]
    expect(i.base).toBe(RSP);
    expect(i.index).toBe(ZERO_REG);
    expect(i.disp).toBe(8);
    expect(i.rm).toBe(-1);
  });

  it('disp32 and negative disp8 are sign-extended', () => {
    expect(dec(...hex('8b 84 24 00 01 00 00')).disp).toBe(0x100); // mov eax,DWORD PTR [rsp+0x100]
    expect(dec(...hex('8b 43 f8')).disp).toBe(-8); //                 mov eax,DWORD PTR [rbx-0x8]
    expect(dec(...hex('8b 83 00 00 00 80')).disp).toBe(-0x80000000);
  });

  it('SIB base 101 with mod 00: no base, disp32 (absolute or index-only)', () => {
    const abs = dec(...hex('8b 04 25 78 56 34 12')); //     mov eax,DWORD PTR ds:0x12345678
    expect(abs.base).toBe(ZERO_REG);
    expect(abs.index).toBe(ZERO_REG);
    expect(abs.disp).toBe(0x12345678);
    const idx = dec(...hex('8b 0c 9d 10 00 00 00')); //     mov ecx,DWORD PTR [rbx*4+0x10]
    expect(idx.base).toBe(ZERO_REG);
    expect(idx.index).toBe(RBX);
    expect(idx.scale).toBe(4);
    // REX.X makes index 100b r12 rather than "none": mov eax,DWORD PTR [r12*1+0x0]
    expect(dec(...hex('42 8b 04 25 00 00 00 00')).index).toBe(R12);
  });

  it('[rbp] and [r13] are encoded with mod 01 and a zero disp8', () => {
    expect(dec(...hex('8b 45 00')).base).toBe(RBP); //       mov eax,DWORD PTR [rbp+0x0]
    const r13 = dec(...hex('41 8b 45 00')); //               mov eax,DWORD PTR [r13+0x0]
    expect(r13.base).toBe(R13);
    expect(r13.ripRelative).toBe(false);
  });

  it('RIP-relative: mod 00 rm 101 is [rip + disp32] from the next instruction (§2.2.1.6)', () => {
    const i = dec(...hex('8b 05 10 00 00 00')); //           mov eax,DWORD PTR [rip+0x10]
    expect(i.ripRelative).toBe(true);
    expect(i.disp).toBe(0x10);
    expect(i.length).toBe(6);
    // The effective address uses RIP after the instruction, which handlers see in cpu.rip.
    const m = new TestMachine();
    m.cpu.rip = 0x40_0000 + i.length;
    expect(m.cpu.ea(i)).toBe(0x40_0016);
    // With REX.B the rm field 101 is still RIP-relative, not r13 (SDM Table 2-5).
    expect(dec(...hex('41 8b 05 10 00 00 00')).ripRelative).toBe(true);
  });

  it('32-bit address size wraps the sum at 2^32', () => {
    const m = new TestMachine();
    const i = dec(...hex('67 8b 43 10')); //                 mov eax,DWORD PTR [ebx+0x10]
    setReg(m.cpu, RBX, 0x1234_5678_ffff_fff8n);
    expect(m.cpu.ea(i)).toBe(0x8);
  });
});

describe('decoder: operand sizes', () => {
  it('8, 16, 32 and 64 bits', () => {
    expect(dec(...hex('00 d8')).opsize).toBe(1); //          add al,bl
    expect(dec(...hex('66 01 d8')).opsize).toBe(2); //       add ax,bx
    expect(dec(...hex('01 d8')).opsize).toBe(4); //          add eax,ebx
    expect(dec(...hex('48 01 d8')).opsize).toBe(8); //       add rax,rbx
  });

  it('push/pop default to 64 bits and take 66 for 16 (D64); near branches are always 64 (F64)', () => {
    expect(dec(...hex('53')).opsize).toBe(8); //             push rbx
    expect(dec(...hex('66 53')).opsize).toBe(2); //          push bx
    expect(dec(...hex('ff e0')).opsize).toBe(8); //          jmp rax
    expect(dec(...hex('66 ff e0')).opsize).toBe(8);
  });

  it('a 32-bit destination clears bits 63:32; 8 and 16-bit ones keep them (SDM Vol. 1 §3.4.1.1)', () => {
    const m = new TestMachine();
    const run = (bytes: number[], rax: bigint, rbx: bigint): bigint => {
      setReg(m.cpu, RAX, rax);
      setReg(m.cpu, RBX, rbx);
      const i = dec(...bytes);
      i.exec(m.cpu, i);
      return getReg(m.cpu, RAX);
    };
    expect(run(hex('01 d8'), 0xffff_ffff_0000_0001n, 1n)).toBe(2n); //                        add eax,ebx
    expect(run(hex('66 01 d8'), 0xffff_ffff_0000_0001n, 1n)).toBe(0xffff_ffff_0000_0002n); //  add ax,bx
    expect(run(hex('00 d8'), 0xffff_ffff_0000_01ffn, 1n)).toBe(0xffff_ffff_0000_0100n); //     add al,bl
    expect(run(hex('89 d8'), 0xffff_ffff_ffff_ffffn, 5n)).toBe(5n); //                        mov eax,ebx
  });
});

describe('decoder: mandatory prefixes select the instruction (SDM Vol. 2A §2.1.2)', () => {
  it('F3 0F BC is TZCNT, 0F BC is BSF', () => {
    expect(dec(...hex('f3 0f bc c1')).def!.mnemonic).toBe('tzcnt'); // tzcnt eax,ecx
    expect(dec(...hex('0f bc c1')).def!.mnemonic).toBe('bsf'); //     bsf eax,ecx
    expect(dec(...hex('f3 0f bc c1')).rep).toBe(REP_NONE); //       the F3 was consumed
  });

  it('66 0F 6F is MOVDQA, F3 0F 6F MOVDQU; with both, F3 wins and 66 is not an operand-size prefix', () => {
    expect(dec(...hex('66 0f 6f c1')).def!.mnemonic).toBe('movdqa'); // movdqa xmm0,xmm1
    expect(dec(...hex('f3 0f 6f c1')).def!.mnemonic).toBe('movdqu'); // movdqu xmm0,xmm1
    expect(dec(...hex('66 f3 0f 6f c1')).def!.mnemonic).toBe('movdqu'); // "data16 movdqu xmm0,xmm1"
  });
});

describe('decoder: immediates', () => {
  it('B8+r with REX.W takes a full imm64 (MOV r64, imm64)', () => {
    const i = dec(...hex('48 b8 88 77 66 55 44 33 22 11')); // movabs rax,0x1122334455667788
    expect(i.length).toBe(10);
    expect(i.imm >>> 0).toBe(0x55667788);
    expect(i.immHi).toBe(0x11223344);
    expect(dec(...hex('49 b8 88 77 66 55 44 33 22 11')).reg).toBe(R8); // movabs r8,...
    const i32 = dec(...hex('b8 78 56 34 12')); //                         mov eax,0x12345678
    expect(i32.length).toBe(5);
    expect(i32.imm).toBe(0x12345678);
  });

  it('Iz is 16 bits with 66 and a sign-extended 32 bits otherwise; Ib is sign-extended', () => {
    expect(dec(...hex('66 05 34 12')).length).toBe(4); //                add ax,0x1234
    const z = dec(...hex('48 05 00 00 00 80')); //                      add rax,0xffffffff80000000
    expect(z.imm).toBe(-0x80000000);
    expect(z.immHi).toBe(-1);
    const b = dec(...hex('48 83 c0 ff')); //                            add rax,0xffffffffffffffff
    expect(b.imm).toBe(-1);
    expect(b.immHi).toBe(-1);
  });

  it('ENTER has an Iw and a second Ib immediate', () => {
    const i = dec(...hex('c8 10 00 02')); //                            enter 0x10,0x2
    expect(i.imm).toBe(0x10);
    expect(i.imm2).toBe(2);
    expect(i.length).toBe(4);
  });
});

describe('decoder: byte registers', () => {
  it('without REX, encodings 4-7 are AH, CH, DH, BH; with any REX, SPL, BPL, SIL, DIL', () => {
    const ah = dec(...hex('88 e0')); //                          mov al,ah
    expect(ah.rm).toBe(RAX);
    expect(ah.reg).toBe(HIGH_BYTE | 0);
    const spl = dec(...hex('40 88 e0')); //                      mov al,spl
    expect(spl.reg).toBe(RSP);
    expect(dec(...hex('88 ef')).rm).toBe(HIGH_BYTE | 3); //      mov bh,ch
    expect(dec(...hex('40 88 ef')).rm).toBe(7); //               mov dil,bpl
    expect(dec(...hex('b4 12')).reg).toBe(HIGH_BYTE | 0); //     mov ah,0x12
    expect(dec(...hex('40 b4 12')).reg).toBe(RSP); //            mov spl,0x12
  });

  it('MOV AH writes bits 15:8 only', () => {
    const m = new TestMachine();
    setReg(m.cpu, RAX, 0x1111_2222_3333_4444n);
    const i = dec(...hex('b4 ab')); //                          mov ah,0xab
    i.exec(m.cpu, i);
    expect(getReg(m.cpu, RAX)).toBe(0x1111_2222_3333_ab44n);
  });
});

describe('decoder: limits and undefined encodings', () => {
  it('15 bytes decode; a 16th byte is #GP(0) (SDM Vol. 2A §2.1)', () => {
    expect(MAX_INSN_LENGTH).toBe(15);
    const ok = dec(...Array(9).fill(0x2e), ...hex('48 05 01 02 03 04'));
    expect(ok.length).toBe(15);
    const e = decodeFailure([...Array(10).fill(0x2e), ...hex('48 05 01 02 03 04')]);
    expect(e).toBeInstanceOf(InstructionTooLong);
    const m = new TestMachine();
    let raised: unknown;
    try {
      raiseDecodeFailure(m.cpu, e);
    } catch (x) {
      raised = x;
    }
    expect(raised).toBeInstanceOf(CpuException);
    expect((raised as CpuException).vector).toBe(13);
    expect((raised as CpuException).errorCode).toBe(0);
  });

  it('an undefined opcode is UndefinedOpcode naming the bytes, raised as #UD', () => {
    for (const bytes of [hex('0f 04'), hex('d6'), hex('06'), hex('0f 0b')]) {
      const e = decodeFailure([...bytes, 0x90, 0x90]);
      if (bytes[1] === 0x0b) continue; // UD2 decodes; its handler raises #UD
      expect(e).toBeInstanceOf(UndefinedOpcode);
      expect((e as UndefinedOpcode).bytes.slice(0, bytes.length)).toEqual(bytes);
      const m = new TestMachine();
      try {
        raiseDecodeFailure(m.cpu, e);
      } catch (x) {
        expect((x as CpuException).vector).toBe(6);
        expect((x as CpuException).detail).toContain(bytes.map((b) => b.toString(16).padStart(2, '0')).join(' '));
      }
    }
    const m = new TestMachine();
    m.map(0x1000);
    m.writeBytes(0x1000, hex('0f 0b'));
    m.cpu.rip = 0x1000;
    expect(m.step()!.vector).toBe(6);
  });

  it('LOCK is #UD unless the instruction is lockable with a memory destination (SDM Vol. 2A, LOCK)', () => {
    expect(decodeFailure(hex('f0 01 d8'))).toBeInstanceOf(UndefinedOpcode); // lock add eax,ebx
    expect(decodeFailure(hex('f0 89 03'))).toBeInstanceOf(UndefinedOpcode); // lock mov [rbx],eax
    expect(decodeFailure(hex('f0 39 03'))).toBeInstanceOf(UndefinedOpcode); // lock cmp [rbx],eax
    expect(decodeFailure(hex('f0 0f a3 03'))).toBeInstanceOf(UndefinedOpcode); // lock bt [rbx],eax
    expect(dec(...hex('f0 0f ab 03')).lock).toBe(true); //                        lock bts [rbx],eax
    expect(dec(...hex('f0 87 03')).lock).toBe(true); //                           lock xchg [rbx],eax
    expect(dec(...hex('f0 0f c7 0b')).lock).toBe(true); //                        lock cmpxchg8b [rbx]
  });

  it('a register-only or memory-only encoding in the other form is #UD', () => {
    expect(decodeFailure(hex('0f c7 c8'))).toBeInstanceOf(UndefinedOpcode); // cmpxchg8b with mod 11
    expect(decodeFailure(hex('66 0f e7 c1'))).toBeInstanceOf(UndefinedOpcode); // movntdq xmm,xmm
    expect(decodeFailure(hex('66 0f d7 03'))).toBeInstanceOf(UndefinedOpcode); // pmovmskb eax,[rbx]
  });

  it('reports the length of every instruction in a stream', () => {
    // push rbp; mov rbp,rsp; sub rsp,0x10; mov DWORD PTR [rbp-0x4],edi; leave; ret
    const stream = hex('55 48 89 e5 48 83 ec 10 89 7d fc c9 c3');
    const lengths: number[] = [];
    for (let at = 0; at < stream.length; ) {
      const i = decode(OPCODES, (o) => stream[at + o]);
      lengths.push(i.length);
      at += i.length;
    }
    expect(lengths).toEqual([1, 3, 4, 3, 1, 1]);
  });
});

export { RBX, RCX, R9 };
