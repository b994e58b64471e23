// Always-on unit tests of the assembler: labels and fixups, expressions, directives, syntax
// details and error messages. Expected bytes were checked with GNU as where it applies.
import { describe, expect, it } from 'vitest';
import { AsmError, assemble, mnemonics, type AssembleOptions } from '../../../src/vdso/asm/index.js';

function hex(src: string, opts?: AssembleOptions): string {
  return Array.from(assemble(src, opts).bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function error(src: string, opts?: AssembleOptions): AsmError {
  try {
    assemble(src, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(AsmError);
    const err = e as AsmError;
    expect(err.message).not.toContain('\n');
    return err;
  }
  throw new Error(`no error for: ${src}`);
}

describe('API', () => {
  it('returns bytes and label offsets from the origin', () => {
    const r = assemble('start: nop\n  ret\nend:', { origin: 0x1000 });
    expect(r.bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(r.bytes)).toEqual([0x90, 0xc3]);
    expect(r.labels).toEqual(new Map([['start', 0], ['end', 2]]));
  });

  it('lists the supported mnemonics, including everything the entry stubs and the vDSO need', () => {
    const m = new Set(mnemonics());
    for (const need of ['mov', 'movabs', 'movzx', 'movsx', 'movsxd', 'lea', 'push', 'pop', 'add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor',
      'cmp', 'test', 'inc', 'dec', 'neg', 'not', 'mul', 'imul', 'div', 'idiv', 'shl', 'shr', 'sar', 'rol', 'ror', 'shld', 'shrd', 'cmove',
      'setne', 'jmp', 'je', 'jz', 'jne', 'jnz', 'jb', 'jc', 'jnae', 'ja', 'jl', 'jg', 'jle', 'jge', 'js', 'jns', 'call', 'ret', 'leave', 'nop',
      'pause', 'lfence', 'mfence', 'sfence', 'cpuid', 'rdtsc', 'rdtscp', 'rdpid', 'rdmsr', 'wrmsr', 'lsl', 'syscall', 'sysretq', 'sysret',
      'sysenter', 'sysexit', 'sysexitq', 'iretq', 'iret', 'iretd', 'int', 'int3', 'hlt', 'ud2', 'swapgs', 'vmcall', 'cli', 'sti', 'cld',
      'std', 'cqo', 'cdq', 'cdqe', 'xchg', 'bswap', 'lgdt', 'lidt', 'ltr', 'invlpg', 'pushfq', 'popfq']) {
      expect(m.has(need), need).toBe(true);
    }
  });
});

describe('labels and fixups', () => {
  it('encodes near jumps short (rel8) and far ones rel32, forward and backward', () => {
    expect(hex('top: jmp top')).toBe('eb fe');
    expect(hex('jmp next\nnop\nnext: ret')).toBe('eb 01 90 c3');
    expect(hex('je next\nnext:')).toBe('74 00');
    expect(hex('back: .fill 126, 1, 0x90\njne back')).toMatch(/75 80$/);
    expect(hex('back: .fill 127, 1, 0x90\njne back')).toMatch(/0f 85 7b ff ff ff$/);
    expect(hex('jmp far\n.fill 127, 1, 0x90\nfar:')).toMatch(/^eb 7f/);
    expect(hex('jmp far\n.fill 128, 1, 0x90\nfar:')).toMatch(/^e9 80 00 00 00/);
  });

  it('always uses rel32 for call and for constant targets', () => {
    expect(hex('call f\nf: ret')).toBe('e8 00 00 00 00 c3');
    expect(hex('call f\nf: ret', { origin: 0x1000 })).toBe('e8 00 00 00 00 c3');
    expect(hex('jmp 0x1010', { origin: 0x1000 })).toBe('e9 0b 00 00 00');
    expect(hex('call 0x1000', { origin: 0x1000 })).toBe('e8 fb ff ff ff');
  });

  it('resolves rip-relative references to labels after any immediate', () => {
    // disp = target - end of instruction (the imm8 comes after the displacement)
    expect(hex('cmp dword ptr [rip+x], 1\nnop\nx: .long 0')).toBe('83 3d 01 00 00 00 01 90 00 00 00 00');
    expect(hex('lea rax, [rip+x]\nx:')).toBe('48 8d 05 00 00 00 00');
    expect(hex('x: lea rax, [rip+x]')).toBe('48 8d 05 f9 ff ff ff');
    expect(hex('mov dword ptr [rip+x+4], 0x11223344\nx:')).toBe('c7 05 04 00 00 00 44 33 22 11');
    // a constant displacement is taken literally
    expect(hex('lea rax, [rip+0x20]')).toBe('48 8d 05 20 00 00 00');
  });

  it('emits absolute label addresses with .quad and with origin', () => {
    expect(hex('a: .quad a, b\nb:', { origin: 0x400000 })).toBe('00 00 40 00 00 00 00 00 10 00 40 00 00 00 00 00');
    const kernel = hex('a: .quad a', { origin: 0xffffffff81000000n });
    expect(kernel).toBe('00 00 00 81 ff ff ff ff');
    // the same upper-half origin given as a number (exactly representable) works too
    expect(hex('a: .quad a', { origin: 0xffffffff81000000 })).toBe(kernel);
    expect(hex('movabs rax, offset a\na:', { origin: 0xffffffff81000000n })).toBe('48 b8 0a 00 00 81 ff ff ff ff');
    // upper-half kernel addresses fit a sign-extended imm32/disp32
    expect(hex('mov rax, offset a\na:', { origin: 0xffffffff81000000n })).toBe('48 c7 c0 07 00 00 81');
    expect(hex('mov rax, qword ptr [a]\na:', { origin: 0xffffffff81000000n })).toBe('48 8b 04 25 08 00 00 81');
  });

  it('accepts labels sharing a line with an instruction, several labels, .L names and numeric local labels', () => {
    const r = assemble('a: b: nop\n.Lc: ret\n1: jmp 1b\n jmp 1f\n1: ret');
    expect(Array.from(r.bytes)).toEqual([0x90, 0xc3, 0xeb, 0xfe, 0xeb, 0x00, 0xc3]);
    expect(r.labels.get('a')).toBe(0);
    expect(r.labels.get('b')).toBe(0);
    expect(r.labels.get('.Lc')).toBe(1);
    expect([...r.labels.keys()]).toEqual(['a', 'b', '.Lc']);
  });

  it('uses full-width fields for label-dependent values (sizes never depend on layout)', () => {
    // GNU as does the same when the labels are not both known at that point
    expect(hex('s: add rax, e - s\ne:')).toBe('48 05 06 00 00 00');
    expect(hex('s: push e - s\ne:')).toBe('68 05 00 00 00');
    expect(hex('s: mov eax, dword ptr [rbx + e - s]\ne:')).toBe('8b 83 06 00 00 00');
    // while constants get the short forms
    expect(hex('add rax, 6')).toBe('48 83 c0 06');
  });
});

describe('expressions and symbols', () => {
  it('evaluates + - * / % << >> & | ^ ~, parentheses and unary minus', () => {
    expect(hex('mov eax, 2+3*4')).toBe('b8 0e 00 00 00');
    expect(hex('mov eax, (2+3)*4')).toBe('b8 14 00 00 00');
    expect(hex('mov eax, -(1<<4)')).toBe('b8 f0 ff ff ff');
    // GNU as precedence: * / % << >> above | & ^ above + -
    expect(hex('mov eax, 0xff00 >> 8 | 1 ^ 3 & ~0')).toBe('b8 fc 00 00 00');
    expect(hex('mov eax, 1 << 4 + 1')).toBe('b8 11 00 00 00');
    expect(hex('mov eax, 2 + 3 | 4')).toBe('b8 09 00 00 00');
    expect(hex('mov eax, 10 - 2 - 3')).toBe('b8 05 00 00 00');
    expect(hex('mov eax, 100 / 7 + 100 % 7')).toBe('b8 10 00 00 00');
    expect(hex('mov eax, 0x10 + 0b11 + 010')).toBe('b8 1b 00 00 00'); // 16 + 3 + 8 (octal, as in GNU as)
    expect(hex("mov al, 'A'")).toBe('b0 41');
  });

  it('uses external symbols from options (numbers or bigints) in immediates and displacements', () => {
    const symbols = { SEQ: 0, MULT: 24, BASETIME: 32, NR_clock_gettime: 228, BIG: 0x123456789abcdef0n };
    expect(hex('mov eax, NR_clock_gettime', { symbols })).toBe('b8 e4 00 00 00');
    expect(hex('mov eax, dword ptr [r8+MULT]', { symbols })).toBe('41 8b 40 18');
    expect(hex('mov eax, dword ptr [r8+SEQ]', { symbols })).toBe('41 8b 00');
    expect(hex('mov rax, qword ptr [r8+rdi*1+BASETIME+8]', { symbols })).toBe('49 8b 44 38 28');
    expect(hex('movabs rax, BIG', { symbols })).toBe('48 b8 f0 de bc 9a 78 56 34 12');
    // external constants do not depend on the layout, so short forms are used
    expect(hex('add rsp, MULT', { symbols })).toBe('48 83 c4 18');
  });

  it('supports .equ, .set and name = expr, including forward use', () => {
    expect(hex('mov eax, N\n.equ N, 5')).toBe('b8 05 00 00 00');
    expect(hex('.set N, 7\nM = N * 2\nmov eax, M')).toBe('b8 0e 00 00 00');
    expect(hex('s: nop\nSIZE = e - s\n.long SIZE\ne:')).toBe('90 05 00 00 00');
  });

  it('accepts 64-bit immediates as numbers, hex and negative values', () => {
    expect(hex('movabs rax, 0xffffffffffffffff')).toBe('48 b8 ff ff ff ff ff ff ff ff');
    expect(hex('mov rax, -1')).toBe('48 c7 c0 ff ff ff ff');
    expect(hex('mov rax, 0x8000000000000000')).toBe('48 b8 00 00 00 00 00 00 00 80');
    expect(hex('.quad -1, 0x8000000000000000')).toBe('ff ff ff ff ff ff ff ff 00 00 00 00 00 00 00 80');
  });

  it("uses '.' and '$' for the current address", () => {
    expect(hex('nop\njmp .')).toBe('90 eb fe');
    expect(hex('nop\n.quad $', { origin: 0x10 })).toBe('90 11 00 00 00 00 00 00 00');
    expect(hex('s: nop\nmov eax, HERE - s\nHERE = .', { origin: 0x10 })).toBe('90 b8 06 00 00 00');
  });
});

describe('syntax', () => {
  it('ignores comments with ; and #, blank lines and case', () => {
    expect(hex('; comment\n  # another\n\nMOV RAX, QWORD PTR [RBX] ; load\nret # done')).toBe('48 8b 03 c3');
  });

  it('reads operands as objdump -M intel prints them', () => {
    expect(hex('mov    eax,DWORD PTR ds:0x10')).toBe('8b 04 25 10 00 00 00');
    expect(hex('lea    rax,[rip+0x20]        # 0x1234 <foo>')).toBe('48 8d 05 20 00 00 00');
    expect(hex('mov    rax,QWORD PTR gs:0x28')).toBe('65 48 8b 04 25 28 00 00 00');
    expect(hex('nop    DWORD PTR [rax+rax*1+0x0]')).toBe('0f 1f 04 00');
    expect(hex('mov    QWORD PTR [rsp+0x8],rdi')).toBe('48 89 7c 24 08');
  });

  it('accepts NASM-style segments inside brackets and scale before the register', () => {
    expect(hex('mov rax, qword ptr [gs:0x10]')).toBe('65 48 8b 04 25 10 00 00 00');
    expect(hex('mov rax, [rbx + 8*rcx]')).toBe('48 8b 04 cb');
  });

  it('switches code size with .code32/.code64 and the bits option', () => {
    expect(hex('inc eax', { bits: 32 })).toBe('40');
    expect(hex('inc eax')).toBe('ff c0');
    expect(hex('.code32\ninc eax\n.code64\ninc eax')).toBe('40 ff c0');
  });

  it('accepts the directive set', () => {
    expect(hex('.byte 1, -1\n.word 0x1234\n.short 2\n.long 0xdeadbeef\n.quad 1')).toBe('01 ff 34 12 02 00 ef be ad de 01 00 00 00 00 00 00 00');
    expect(hex('.ascii "a\\n"\n.asciz "b"\n.string "\\x41\\101"')).toBe('61 0a 62 00 41 41 00');
    expect(hex('.fill 2, 2, 0x1234\n.zero 2\n.skip 1, 0xee')).toBe('34 12 34 12 00 00 ee');
    expect(hex('.intel_syntax noprefix\n.text\n.globl f\n.type f, @function\nf: ret\n.size f, .-f')).toBe('c3');
  });

  it('pads .align with 0x90 by default (GNU as would emit multi-byte nops), or with the given byte', () => {
    expect(hex('ret\n.align 8')).toBe('c3 90 90 90 90 90 90 90');
    expect(hex('ret\n.align 4, 0xcc')).toBe('c3 cc cc cc');
    expect(hex('ret\n.p2align 2, 0')).toBe('c3 00 00 00');
    expect(hex('ret\n.balign 8, 0xcc, 3')).toBe('c3'); // more than the maximum: no padding
    // alignment is of the address, so it takes the origin into account
    expect(hex('ret\n.align 4', { origin: 0x1001 })).toBe('c3 90 90');
  });

  it('encodes sysret/sysexit without suffix as the 32-bit forms (GNU as rejects them as ambiguous)', () => {
    expect(hex('sysret')).toBe(hex('sysretd'));
    expect(hex('sysret')).toBe('0f 07');
    expect(hex('sysexit')).toBe('0f 35');
    expect(hex('sysretq\nsysexitq')).toBe('48 0f 07 48 0f 35');
  });
});

describe('errors: one line, with the line number', () => {
  it('unknown mnemonic', () => {
    const e = error('nop\nmovq rax, rbx');
    expect(e.message).toBe("line 2: unknown instruction 'movq'");
    expect(e.line).toBe(2);
  });

  it('bad operand combinations and sizes', () => {
    expect(error('mov qword ptr [rax], qword ptr [rbx]').message).toBe("line 1: invalid operands for 'mov' (m64, m64)");
    expect(error('nop\n\nadd rax, ebx').message).toBe("line 3: operand size mismatch for 'add'");
    expect(error('add [rax], 1').message).toMatch(/^line 1: ambiguous operand size for 'add'/);
    expect(error('lea rax, rbx').message).toBe("line 1: invalid operands for 'lea' (r64, r64)");
    expect(error('push eax').message).toBe("line 1: invalid operands for 'push' (r32)");
    expect(error('ret 1, 2').message).toBe("line 1: 'ret' takes 0 or 1 operands, got 2");
    expect(error('mov ah, sil').message).toBe("line 1: register 'ah' cannot be used in an instruction that needs a REX prefix");
    expect(error('mov rax, [rsp*2]').message).toBe("line 1: 'rsp' cannot be an index register");
    expect(error('mov rax, [rbx*3]').message).toBe('line 1: bad scale 3 (must be 1, 2, 4 or 8)');
    expect(error('cpuid eax').message).toBe("line 1: 'cpuid' takes no operands");
    expect(error('swapgs', { bits: 32 }).message).toBe("line 1: 'swapgs' is not available in 32-bit mode");
    expect(error('mov eax, r8d', { bits: 32 }).message).toBe("line 1: register 'r8d' is not available in 32-bit mode");
  });

  it('undefined labels and symbols', () => {
    expect(error('nop\njmp nowhere').message).toBe("line 2: undefined symbol 'nowhere'");
    expect(error('mov eax, dword ptr [rip+missing]').message).toBe("line 1: undefined symbol 'missing'");
    expect(error('jmp 1f').message).toBe("line 1: undefined symbol '1f'");
    expect(error('jmp 1b').message).toBe("line 1: no previous definition of local label '1' for '1b'");
  });

  it('out-of-range immediates', () => {
    expect(error('int 256').message).toBe('line 1: immediate 256 out of range for imm8');
    expect(error('nop\nshl eax, 300').message).toBe('line 2: immediate 300 out of range for imm8');
    expect(error('add al, 0x100').message).toBe('line 1: immediate 256 out of range for imm8');
    expect(error('add al, -129').message).toBe('line 1: immediate -129 out of range for imm8');
    expect(error('ret 0x10000').message).toBe('line 1: immediate 0x10000 out of range for imm16');
    expect(error('add rax, 0x80000000').message).toBe('line 1: immediate 0x80000000 out of range for imm32');
    expect(error('mov eax, 0x100000000').message).toBe('line 1: immediate 0x100000000 out of range for imm32');
    expect(error('.byte 256').message).toBe('line 1: value 256 does not fit in 1 byte');
    expect(error('mov eax, offset a\na:', { origin: 0xffffffff81000000n }).message).toMatch(/^line 1: immediate -?0x[0-9a-f]+ out of range for imm32$/);
  });

  it('a bare label address as an operand (GNU as would read it as memory)', () => {
    expect(error('mov eax, a\na:').message).toBe(
      "line 1: a label address as an operand is ambiguous: write 'offset ...' for the address, or '[rip+...]' for memory");
    expect(error('a: push a+4').message).toMatch(/^line 1: a label address as an operand is ambiguous/);
    expect(hex('mov eax, offset a\na:', { origin: 0x1000 })).toBe('b8 05 10 00 00');
  });

  it('other mistakes', () => {
    expect(error('a: nop\na: nop').message).toBe("line 2: symbol 'a' is already defined");
    expect(error('.frobnicate 1').message).toBe("line 1: unknown directive '.frobnicate'");
    expect(error('.ascii "abc').message).toBe('line 1: unterminated string');
    expect(error('rax: nop').message).toBe("line 1: 'rax' is a register name and cannot be a label");
    expect(error('mov eax, [rax').message).toBe("line 1: missing ']'");
    expect(error('l: loop far\n.fill 200, 1, 0\nfar:').message).toMatch(/^line 1: branch target out of range for 'loop'/);
    expect(error('.align 3').message).toBe('line 1: alignment 3 is not a power of 2');
    expect(error('.fill e - s\ns:\ne:').message).toBe('line 1: repeat count must be a constant (not depend on labels)');
    expect(error('mov eax, 1 +').message).toBe('line 1: missing operand in expression');
  });
});
