import { describe, expect, it } from 'vitest';
import { decode, UndefinedOpcode } from '../../src/cpu/decoder.js';
import { disassemble } from '../../src/cpu/disassembler.js';
import type { Insn } from '../../src/cpu/insn.js';
import { REP_E, REP_NONE } from '../../src/cpu/insn.js';
import { NFX, OpcodeTable } from '../../src/cpu/opcode-table.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { getReg, setReg, TestMachine } from './test-machine.js';

// Decoder and opcode-table fixes found by comparing the disassembler with objdump.
// Expected values come from the SDM (cited per test) or from `objdump -d -M intel`
// (GNU binutils 2.40: `objdump -D -b binary -m i386:x86-64 -M intel`), as noted; where
// objdump and a real CPU disagree about an encoding, the CPU (SDM) wins.

const bytesOf = (hex: string): number[] => hex.trim().split(/\s+/).map((b) => parseInt(b, 16));

/** Decodes `hex` (NOPs follow, so a misread length shows instead of failing); 'UD' for #UD. */
function decodeHex(hex: string, table: OpcodeTable = OPCODES): Insn | 'UD' {
  const bytes = bytesOf(hex).concat(new Array(16).fill(0x90));
  try {
    return decode(table, (i) => bytes[i]);
  } catch (e) {
    if (e instanceof UndefinedOpcode) return 'UD';
    throw e;
  }
}

/** Intel-syntax text of the instruction, or '#UD'. */
function dis(hex: string): string {
  const insn = decodeHex(hex);
  return insn === 'UD' ? '#UD' : disassemble(insn, 0x401000);
}

function decoded(hex: string, table: OpcodeTable = OPCODES): Insn {
  const insn = decodeHex(hex, table);
  if (insn === 'UD') throw new Error(`${hex} decoded as #UD`);
  return insn;
}

const CODE = 0x400000;
const RAX = 0;

/** Runs one instruction at CPL 3 on a bare machine; returns the CPU after it, or the vector raised. */
function run(hex: string, setup: (m: TestMachine) => void = () => {}): { m: TestMachine; vector?: number } {
  const m = new TestMachine(1 << 20);
  m.map(CODE);
  m.writeBytes(CODE, bytesOf(hex));
  m.cpu.rip = CODE;
  setup(m);
  const raised = m.step();
  return { m, vector: raised?.vector };
}

describe('mandatory prefixes: NP is none of 66/F2/F3 (SDM Vol. 2A §2.1.2, §3.1.1.1)', () => {
  it('F3/F2/66 on the NP 0F AE row are other instructions, #UD while CPUID does not advertise them', () => {
    // objdump: incsspd eax / incsspq rax / umwait eax / tpause eax / umonitor rax /
    // clflushopt BYTE PTR [rax]. INCSSP is #UD "if CR4.CET = 0" (SDM Vol. 2A, INCSSPD/
    // INCSSPQ); WAITPKG and CLFLUSHOPT are #UD unless CPUID leaf 7 sets their bits.
    for (const hex of ['f3 0f ae e8', 'f3 48 0f ae e8', 'f2 0f ae f0', '66 0f ae f0', 'f3 0f ae f0', '66 0f ae 38']) {
      expect(dis(hex), hex).toBe('#UD');
    }
    // A prefix on a fence is not ignored either (#UD on the host CPU too).
    expect(dis('66 0f ae e8')).toBe('#UD');
    expect(dis('f2 0f ae f8')).toBe('#UD');
    // The NP forms themselves (objdump).
    expect(dis('0f ae e8')).toBe('lfence');
    expect(dis('0f ae f0')).toBe('mfence');
    expect(dis('0f ae 38')).toBe('clflush BYTE PTR [rax]');
    expect(dis('0f ae 10')).toBe('ldmxcsr DWORD PTR [rax]');
  });

  it('F3 0F 09 is WBNOINVD, not WBINVD (SDM Vol. 2B, WBNOINVD; objdump: wbnoinvd)', () => {
    expect(dis('f3 0f 09')).toBe('wbnoinvd');
    expect(dis('0f 09')).toBe('wbinvd');
    expect(run('f3 0f 09').vector).toBe(13); // privileged: #GP(0) at CPL 3
  });

  it('RDSSP is a NOP while shadow stacks are off (SDM Vol. 2B, RDSSPD/RDSSPQ)', () => {
    expect(dis('f3 48 0f 1e c8')).toBe('rdsspq rax'); // objdump
    expect(dis('f3 0f 1e c8')).toBe('rdsspd eax');
    const { m, vector } = run('f3 48 0f 1e c8', (mm) => setReg(mm.cpu, RAX, 0n));
    expect(vector).toBeUndefined();
    expect(getReg(m.cpu, RAX)).toBe(0n); // glibc's longjmp zeroes RAX first and reads 0 back
  });

  it('an SSE entry with a mandatory 66 is #UD when F3 or F2 is also present', () => {
    // The last of F2/F3 selects the class before 66 (#UD on the host CPU; objdump: (bad)).
    expect(dis('66 0f 38 00 c1')).toBe('pshufb xmm0,xmm1');
    expect(dis('f3 66 0f 38 00 c1')).toBe('#UD');
    expect(dis('f2 66 0f 38 00 c1')).toBe('#UD');
    // F3 wins over 66 where an F3 entry exists: MOVSS (66 is then ignored).
    expect(decoded('66 f3 0f 10 c1').def?.mnemonic).toBe('movss');
  });

  it('MOVBE (NFx): 66 is its operand size, F3 is #UD, F2 belongs to CRC32', () => {
    // SDM Vol. 2B, MOVBE and CRC32; Vol. 2D Table A-4 row 0F 38 F0: MOVBE Gy,My /
    // MOVBE Gw,Mw (66) / CRC32 Gd,Eb (F2) / CRC32 Gd,Eb (66 & F2). objdump for the text.
    expect(dis('0f 38 f0 00')).toBe('movbe eax,DWORD PTR [rax]');
    expect(dis('66 0f 38 f0 00')).toBe('movbe ax,WORD PTR [rax]');
    expect(dis('48 0f 38 f0 00')).toBe('movbe rax,QWORD PTR [rax]');
    expect(dis('f3 0f 38 f0 00')).toBe('#UD');
    expect(dis('f3 0f 38 f1 00')).toBe('#UD');
    expect(decodeHex('f2 0f 38 f0 00')).not.toBe('UD');
    expect(decoded('f2 0f 38 f0 c1').def?.mnemonic).not.toBe('movbe');
    expect(decoded('f2 0f 38 f1 c1').def?.mnemonic).not.toBe('movbe');
  });

  it('the same rules on a table of its own: class entries consume their prefix, NFx fallbacks reject F2/F3', () => {
    const noop = (): void => {};
    const t = new OpcodeTable();
    t.add('0F 38 F0 /r', 'movbe', 'Gv,Mv', noop, { attrs: NFX });
    t.add('F2 0F 38 F0 /r', 'crc32', 'Gy,Eb', noop);
    t.add('0F BC /r', 'bsf', 'Gv,Ev', noop);
    t.add('F3 0F BC /r', 'tzcnt', 'Gv,Ev', noop);
    t.add('NP 0F 10 /r', 'movups', 'Vx,Wx', noop);
    t.add('F3 0F 10 /r', 'movss', 'Vx,Wss', noop);
    const crc = decoded('66 f2 0f 38 f0 00', t);
    expect([crc.def?.mnemonic, crc.opsize, crc.rep]).toEqual(['crc32', 2, REP_NONE]); // 66 stays operand size
    expect(decoded('66 0f 38 f0 00', t).opsize).toBe(2);
    expect(decodeHex('f3 0f 38 f0 00', t)).toBe('UD');
    expect(decodeHex('66 f3 0f 38 f0 00', t)).toBe('UD');
    const tz = decoded('66 f3 0f bc c0', t);
    expect([tz.def?.mnemonic, tz.opsize, tz.rep]).toEqual(['tzcnt', 2, REP_NONE]);
    expect(decoded('f2 0f bc c0', t).def?.mnemonic).toBe('bsf'); // BSF ignores F2 (host CPU)
    expect(decoded('0f 10 c0', t).def?.mnemonic).toBe('movups');
    expect(decodeHex('66 0f 10 c0', t)).toBe('UD');
    expect(decodeHex('f2 0f 10 c0', t)).toBe('UD');
    expect(decoded('f2 f3 0f 10 c0', t).def?.mnemonic).toBe('movss'); // the last of F2/F3
  });

  it('legacy prefixes on ordinary instructions keep their meaning', () => {
    // objdump: xchg ax,ax / pause / repnz nop / rep movs ... / bsf ax,ax / tzcnt eax,eax / popcnt ax,ax
    expect(dis('66 90')).toBe('xchg ax,ax');
    expect(dis('f3 90')).toBe('pause');
    expect(decoded('66 f3 90').def?.mnemonic).toBe('pause');
    expect(decoded('f2 90').def?.mnemonic).toBe('xchg'); // NOP; F2 ignored (host CPU)
    const movs = decoded('f3 a4');
    expect([movs.def?.mnemonic, movs.rep]).toEqual(['movs', REP_E]);
    expect(dis('f3 48 ab')).toBe('rep stos QWORD PTR es:[rdi],rax');
    expect(dis('66 0f bc c0')).toBe('bsf ax,ax');
    expect(dis('f3 0f bc c0')).toBe('tzcnt eax,eax');
    expect(decoded('f2 0f bc c0').def?.mnemonic).toBe('bsf'); // objdump says (bad); the CPU runs BSF
    expect(dis('66 f3 0f b8 c0')).toBe('popcnt ax,ax');
    expect(dis('66 0f b8 c0')).toBe('#UD'); // NP 0F B8 is JMPE (IA-64 only)
    expect(dis('66 0f 1f 44 00 00')).toBe('nop WORD PTR [rax+rax*1+0x0]');
    expect(dis('f3 0f 1e fa')).toBe('endbr64');
    expect(dis('f3 c3')).toBe('repz ret');
  });
});

describe('NP 0F 12 / 0F 16: memory forms MOVLPS/MOVHPS, register forms MOVHLPS/MOVLHPS (SDM Vol. 2B)', () => {
  it('names each form as objdump does; the 66 register forms are #UD', () => {
    expect(dis('0f 12 c1')).toBe('movhlps xmm0,xmm1');
    expect(dis('0f 12 01')).toBe('movlps xmm0,QWORD PTR [rcx]');
    expect(dis('0f 16 c1')).toBe('movlhps xmm0,xmm1');
    expect(dis('0f 16 01')).toBe('movhps xmm0,QWORD PTR [rcx]');
    expect(dis('66 0f 12 01')).toBe('movlpd xmm0,QWORD PTR [rcx]');
    expect(dis('66 0f 12 c1')).toBe('#UD'); // objdump: (bad); #UD on the host CPU
    expect(dis('66 0f 16 c1')).toBe('#UD');
  });

  it('MOVHLPS moves the source high quadword to the low one, MOVLHPS the low to the high', () => {
    const xmm = (m: TestMachine, n: number): number[] => Array.from(m.cpu.xmm.subarray(4 * n, 4 * n + 4), (v) => v >>> 0);
    const setup = (m: TestMachine): void => {
      m.cpu.xmm.set([0x00000000, 0x11111111, 0x22222222, 0x33333333], 0);
      m.cpu.xmm.set([0x44444444, 0x55555555, 0x66666666, 0x77777777], 4);
    };
    const hl = run('0f 12 c1', setup); // movhlps xmm0,xmm1
    expect(hl.vector).toBeUndefined();
    expect(xmm(hl.m, 0)).toEqual([0x66666666, 0x77777777, 0x22222222, 0x33333333]);
    const lh = run('0f 16 c1', setup); // movlhps xmm0,xmm1
    expect(lh.vector).toBeUndefined();
    expect(xmm(lh.m, 0)).toEqual([0x00000000, 0x11111111, 0x44444444, 0x55555555]);
  });
});

describe('memory-only operand codes (M, Mb, Mq, ...) are #UD with mod = 11b (SDM Vol. 2D §A.2.1)', () => {
  it('rejects the register form in the decoder, for every such entry', () => {
    // All #UD on the host CPU; objdump prints (bad) for each.
    const registerForms = [
      '8d c0', //          LEA (SDM Vol. 2A, LEA: #UD if the source is not a memory location)
      '0f 38 f0 c0', //    MOVBE
      '0f 38 f1 c0',
      '66 0f e7 c0', //    MOVNTDQ
      '0f 2b c0', //       MOVNTPS
      '0f 13 c1', //       MOVLPS / MOVLPD / MOVHPS / MOVHPD stores
      '66 0f 13 c1',
      '0f 17 c1',
      '66 0f 17 c1',
      '0f c7 c8', //       CMPXCHG8B
      '48 0f c7 c8', //    CMPXCHG16B
      '0f 0d c8', //       PREFETCHW
      '0f ae f8', //       (SFENCE: the exact byte, not CLFLUSH)
    ];
    for (const hex of registerForms.slice(0, -1)) expect(dis(hex), hex).toBe('#UD');
    expect(dis('0f ae f8')).toBe('sfence');
    for (const def of OPCODES.defs) {
      if (def.operands.some((o) => /^M[a-z]*$/.test(o))) expect(def.memOnly, `${def.key} ${def.mnemonic}`).toBe(true);
    }
  });

  it('keeps the memory forms, and the 0F 18 register forms as hint NOPs', () => {
    // objdump: lea eax,[rax] / movbe eax,DWORD PTR [rax] / prefetchnta BYTE PTR [rax] / nop eax
    expect(dis('8d 00')).toBe('lea eax,[rax]');
    expect(dis('0f 38 f0 00')).toBe('movbe eax,DWORD PTR [rax]');
    expect(dis('0f 18 00')).toBe('prefetchnta BYTE PTR [rax]');
    expect(dis('0f 18 c0')).toBe('nop eax'); // runs as a NOP on the host CPU
    expect(run('0f 18 c0').vector).toBeUndefined();
    expect(run('8d c0').vector).toBe(6);
  });
});

describe('MOV to/from control registers ignores ModRM.mod (SDM Vol. 2B, MOV—Move to/from Control Registers)', () => {
  it('decodes every mod as the register form, with no SIB or displacement bytes', () => {
    // objdump: 0f 20 00 and 0f 20 c0 are both `mov rax,cr0`; 0f 22 18 is `mov cr3,rax`.
    for (const hex of ['0f 20 c0', '0f 20 00', '0f 20 04', '0f 20 05', '0f 20 44', '0f 20 84']) {
      const insn = decoded(hex);
      expect([insn.length, insn.rm], hex).toEqual([3, bytesOf(hex)[2] & 7]);
    }
    const toCr3 = decoded('0f 22 58');
    expect([toCr3.length, toCr3.reg, toCr3.rm]).toEqual([3, 3, 0]);
    expect(decoded('41 0f 20 07').rm).toBe(15); // REX.B still extends rm: mov r15,cr0
  });

  it('executes the mod != 11b encodings at CPL 0 as the register form', () => {
    const { m, vector } = run('0f 20 40', (mm) => {
      mm.cpu.setCpl(0);
      mm.cpu.cr0 = 0x80050033;
      setReg(mm.cpu, RAX, 0x1234n);
    });
    expect(vector).toBeUndefined();
    expect(getReg(m.cpu, RAX)).toBe(0x80050033n);
    expect(m.cpu.rip).toBe(CODE + 3);
  });
});

describe('PMOVMSKB / MOVMSKPS / MOVMSKPD take Gy: REX.W names the 64-bit register', () => {
  it('spells the destination as objdump does', () => {
    expect(dis('66 48 0f d7 c0')).toBe('pmovmskb rax,xmm0');
    expect(dis('66 0f d7 c0')).toBe('pmovmskb eax,xmm0');
    expect(dis('48 0f 50 c0')).toBe('movmskps rax,xmm0');
    expect(dis('0f 50 c0')).toBe('movmskps eax,xmm0');
    expect(dis('66 48 0f 50 c0')).toBe('movmskpd rax,xmm0');
    expect(dis('66 0f 50 c0')).toBe('movmskpd eax,xmm0');
  });

  it('writes the mask zero-extended to 64 bits with or without REX.W (SDM Vol. 2B, MOVMSKPS)', () => {
    for (const hex of ['48 0f 50 c0', '0f 50 c0']) {
      const { m, vector } = run(hex, (mm) => {
        setReg(mm.cpu, RAX, -1n);
        mm.cpu.xmm.set([-1, 0, -1, 0], 0); // sign bits of lanes 0 and 2
      });
      expect(vector).toBeUndefined();
      expect(getReg(m.cpu, RAX), hex).toBe(0b0101n);
    }
  });
});

describe('operand codes that say what the disassembler used to special-case', () => {
  const operandsOf = (mnemonic: string): string[] => [...new Set(OPCODES.defs.filter((d) => d.mnemonic === mnemonic).map((d) => d.operands.join(',')))];

  it('CR moves are Rq,Cq; MOVBE is Gv,Mv / Mv,Gv; PREFETCHh, PREFETCHW and INVLPG take Mb', () => {
    // SDM Vol. 2B: MOV r64,CR0-CR7 (64-bit mode); MOVBE r16/32/64, m16/32/64; PREFETCHh m8,
    // PREFETCHW m8; INVLPG m (objdump: BYTE PTR).
    expect(operandsOf('mov').filter((o) => o.includes('C'))).toEqual(['Rq,Cq', 'Cq,Rq']);
    expect(operandsOf('movbe')).toEqual(['Gv,Mv', 'Mv,Gv']);
    for (const m of ['prefetchnta', 'prefetcht0', 'prefetcht1', 'prefetcht2', 'prefetchw', 'invlpg']) expect(operandsOf(m), m).toEqual(['Mb']);
  });

  it('disassembles them as objdump -M intel does', () => {
    expect(dis('0f 20 c0')).toBe('mov rax,cr0');
    expect(dis('41 0f 22 d8')).toBe('mov cr3,r8');
    expect(dis('48 0f 20 c0')).toBe('rex.W mov rax,cr0');
    expect(dis('66 0f 38 f0 00')).toBe('movbe ax,WORD PTR [rax]');
    expect(dis('48 0f 38 f1 08')).toBe('movbe QWORD PTR [rax],rcx');
    expect(dis('0f 18 08')).toBe('prefetcht0 BYTE PTR [rax]');
    expect(dis('0f 18 20')).toBe('nop DWORD PTR [rax]');
    expect(dis('66 0f 18 20')).toBe('nop WORD PTR [rax]');
    expect(dis('f3 0f 18 38')).toBe('nop DWORD PTR [rax]');
    expect(dis('0f 18 3d 00 00 00 00')).toBe('prefetchit0 BYTE PTR [rip+0x0]');
    expect(dis('0f 18 35 00 00 00 00')).toBe('prefetchit1 BYTE PTR [rip+0x0]');
    expect(dis('f3 0f 18 3d 00 00 00 00')).toBe('nop DWORD PTR [rip+0x0]');
    expect(dis('0f 18 f8')).toBe('nop eax');
    expect(dis('0f 0d 08')).toBe('prefetchw BYTE PTR [rax]');
    expect(dis('0f 01 38')).toBe('invlpg BYTE PTR [rax]');
    expect(dis('0f c7 08')).toBe('cmpxchg8b QWORD PTR [rax]');
    expect(dis('48 0f c7 08')).toBe('cmpxchg16b OWORD PTR [rax]');
  });
});
