import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { disassemble, disassembleAt, disassembleRange, tryDecode, unspelledOperandCodes } from '../../src/cpu/disassembler.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { COMPAT_OPCODES } from '../../src/cpu/opcodes32.js';
import { parseElf } from '../../src/loader/elf.js';
import { TestMachine } from './test-machine.js';

const FIXTURE_BIN = new URL('../../fixtures/bin/', import.meta.url);

function hexBytes(s: string): Uint8Array {
  return Uint8Array.from(s.trim().split(/\s+/), (b) => parseInt(b, 16));
}

function disasmAt(bytes: string, address = 0x401000): string {
  const insn = tryDecode(OPCODES, hexBytes(bytes), 0);
  if (!insn) throw new Error(`decoder does not know ${bytes}`);
  return disassemble(insn, address);
}

// Expected strings are what GNU objdump 2.40 prints for these bytes (`objdump -D -b
// binary -m i386:x86-64 -M intel`, with --adjust-vma=ADDRESS for the branches), its
// mnemonic and operands column with whitespace collapsed and `# address` comments
// dropped; most come from the fixture binaries. They let the suite check the
// disassembler on hosts without binutils.
const GOLDEN: Array<[bytes: string, text: string, address?: number]> = [
  ['48 89 05 0a 2f 00 00', 'mov QWORD PTR [rip+0x2f0a],rax'],
  ['48 83 ec 08', 'sub rsp,0x8'],
  ['48 c7 c0 00 00 00 00', 'mov rax,0x0'],
  ['48 85 c0', 'test rax,rax'],
  ['74 02', 'je 401012', 0x40100e],
  ['ff d0', 'call rax'],
  ['c3', 'ret'],
  ['ff 25 e2 2f 0a 00', 'jmp QWORD PTR [rip+0xa2fe2]'],
  ['66 90', 'xchg ax,ax'],
  ['90', 'nop'],
  ['0f 1f 00', 'nop DWORD PTR [rax]'],
  ['0f 1f 40 00', 'nop DWORD PTR [rax+0x0]'],
  ['0f 1f 44 00 00', 'nop DWORD PTR [rax+rax*1+0x0]'],
  ['66 0f 1f 44 00 00', 'nop WORD PTR [rax+rax*1+0x0]'],
  ['0f 1f 80 00 00 00 00', 'nop DWORD PTR [rax+0x0]'],
  ['66 2e 0f 1f 84 00 00 00 00 00', 'cs nop WORD PTR [rax+rax*1+0x0]'],
  ['66 66 2e 0f 1f 84 00 00 00 00 00', 'data16 cs nop WORD PTR [rax+rax*1+0x0]'],
  ['e8 8f 12 00 00', 'call 402800', 0x40156c],
  ['67 e8 8f 12 00 00', 'addr32 call 402800', 0x40156b],
  ['e9 1b 00 00 00', 'jmp 401020', 0x401000],
  ['eb fe', 'jmp 401000', 0x401000],
  ['f3 48 ab', 'rep stos QWORD PTR es:[rdi],rax'],
  ['f3 aa', 'rep stos BYTE PTR es:[rdi],al'],
  ['f3 a4', 'rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]'],
  ['f3 a6', 'repz cmps BYTE PTR ds:[rsi],BYTE PTR es:[rdi]'],
  ['67 a4', 'movs BYTE PTR es:[edi],BYTE PTR ds:[esi]'],
  ['f3 c3', 'repz ret'],
  ['f2 c3', 'bnd ret'],
  ['3e ff e0', 'notrack jmp rax'],
  ['64 48 8b 04 25 28 00 00 00', 'mov rax,QWORD PTR fs:0x28'],
  ['64 8b 00', 'mov eax,DWORD PTR fs:[rax]'],
  ['8b 04 25 00 00 00 10', 'mov eax,DWORD PTR ds:0x10000000'],
  ['8b 04 20', 'mov eax,DWORD PTR [rax+riz*1]'],
  ['8b 04 24', 'mov eax,DWORD PTR [rsp]'],
  ['8b 04 c5 f0 ff ff ff', 'mov eax,DWORD PTR [rax*8-0x10]'],
  ['8b 05 f0 ff ff ff', 'mov eax,DWORD PTR [rip+0xfffffffffffffff0]'],
  ['67 8b 00', 'mov eax,DWORD PTR [eax]'],
  ['4a 8b 04 24', 'mov rax,QWORD PTR [rsp+r12*1]'],
  ['42 8b 05 00 00 00 00', 'rex.X mov eax,DWORD PTR [rip+0x0]'],
  ['48 b8 ff ff ff ff ff ff ff 0f', 'movabs rax,0xfffffffffffffff'],
  ['a1 11 22 33 44 55 66 77 88', 'movabs eax,ds:0x8877665544332211'],
  ['83 c0 ff', 'add eax,0xffffffff'],
  ['48 83 c0 ff', 'add rax,0xffffffffffffffff'],
  ['66 83 c0 ff', 'add ax,0xffff'],
  ['6a ff', 'push 0xffffffffffffffff'],
  ['48 50', 'rex.W push rax'],
  ['66 50', 'push ax'],
  ['40 88 e0', 'mov al,spl'],
  ['88 e0', 'mov al,ah'],
  ['48 98', 'cdqe'],
  ['99', 'cdq'],
  ['48 99', 'cqo'],
  ['0f b6 07', 'movzx eax,BYTE PTR [rdi]'],
  ['48 63 c7', 'movsxd rax,edi'],
  ['f0 0f b1 17', 'lock cmpxchg DWORD PTR [rdi],edx'],
  ['48 0f c7 0f', 'cmpxchg16b OWORD PTR [rdi]'],
  ['d1 e0', 'shl eax,1'],
  ['c1 e0 ff', 'shl eax,0xff'],
  ['d3 e0', 'shl eax,cl'],
  ['f3 0f 1e fa', 'endbr64'],
  ['f3 48 0f b8 c7', 'popcnt rax,rdi'],
  ['0f 05', 'syscall'],
  ['cd 80', 'int 0x80'],
  ['c8 10 00 01', 'enter 0x10,0x1'],
  ['66 0f 6f 06', 'movdqa xmm0,XMMWORD PTR [rsi]'],
  ['f3 0f 10 05 00 00 00 00', 'movss xmm0,DWORD PTR [rip+0x0]'],
  ['66 0f d7 c0', 'pmovmskb eax,xmm0'],
  ['66 48 0f 6e c0', 'movq xmm0,rax'],
  ['66 0f 73 d8 08', 'psrldq xmm0,0x8'],
  ['0f 18 08', 'prefetcht0 BYTE PTR [rax]'],
  ['0f 20 c0', 'mov rax,cr0'],
  ['cf', 'iret'],
  ['48 cf', 'iretq'],
  ['48 0f 07', 'sysretq'],
  ['8c d8', 'mov eax,ds'],
  ['8c 18', 'mov WORD PTR [rax],ds'],
  ['67 e3 00', 'jecxz 401003', 0x401000],
  ['66 0f 38 10 14 03', 'pblendvb xmm2,XMMWORD PTR [rbx+rax*1],xmm0'],
  ['66 41 0f 38 15 54 05 00', 'blendvpd xmm2,XMMWORD PTR [r13+rax*1+0x0],xmm0'],
];

// VEX and EVEX encodings (disassembler-vex.ts), display-only: the emulator's decoder
// rejects them. Expected strings are objdump 2.40's, as above; most bytes come from the
// glibc fixtures (string functions, libm's FMA/FMA4 paths), the rest are chosen to show
// rounding, broadcast and prefixes. The address is 0 (objdump -b binary).
const GOLDEN_VEX: Array<[bytes: string, text: string]> = [
  ['c5 f8 77', 'vzeroupper'],
  ['c5 fc 77', 'vzeroall'],
  ['c5 fd 74 0f', 'vpcmpeqb ymm1,ymm0,YMMWORD PTR [rdi]'],
  ['c4 a1 7e 6f 04 0f', 'vmovdqu ymm0,YMMWORD PTR [rdi+r9*1]'],
  ['c5 fd d7 c1', 'vpmovmskb eax,ymm1'],
  ['c4 c1 7b 11 04 24', 'vmovsd QWORD PTR [r12],xmm0'],
  ['c4 41 03 10 cf', 'vmovsd xmm9,xmm15,xmm15'],
  ['c5 7b 59 0d 45 ca 0a 00', 'vmulsd xmm9,xmm0,QWORD PTR [rip+0xaca45]'],
  ['c4 c1 7b c2 c3 05', 'vcmpnltsd xmm0,xmm0,xmm11'],
  ['c5 fb c2 c0 1f', 'vcmptrue_ussd xmm0,xmm0,xmm0'],
  ['c5 fb 2a 00', 'vcvtsi2sd xmm0,xmm0,DWORD PTR [rax]'],
  ['c4 e1 fb 2a c0', 'vcvtsi2sd xmm0,xmm0,rax'],
  ['c4 e1 f9 6e c0', 'vmovq xmm0,rax'],
  ['c5 f8 ae 1c 24', 'vstmxcsr DWORD PTR [rsp]'],
  ['c4 62 f9 a9 15 44 ca 0a 00', 'vfmadd213sd xmm10,xmm0,QWORD PTR [rip+0xaca44]'],
  ['c4 e3 41 6b 41 08 40', 'vfmaddsd xmm0,xmm7,QWORD PTR [rcx+0x8],xmm4'],
  ['c4 63 f9 6b 15 47 bc 0a 00 c0', 'vfmaddsd xmm10,xmm0,xmm12,QWORD PTR [rip+0xabc47]'],
  ['c4 63 19 4b e9 d0', 'vblendvpd xmm13,xmm12,xmm1,xmm13'],
  ['c4 e2 68 f5 c1', 'bzhi eax,ecx,edx'],
  ['c4 e2 a0 f5 da', 'bzhi rbx,rdx,r11'],
  ['c4 42 49 f7 d2', 'shlx r10d,r10d,esi'],
  ['c4 c2 7a f7 c0', 'sarx eax,r8d,eax'],
  ['c4 c2 a0 f3 cb', 'blsr r11,r11'],
  ['c5 fb 92 c9', 'kmovd k1,ecx'],
  ['c4 e1 fb 93 c3', 'kmovq rax,k3'],
  ['c4 e1 f9 98 c8', 'kortestd k1,k0'],
  ['c4 e1 e4 4b da', 'kunpckdq k3,k3,k2'],
  ['c5 f8 90 00', 'kmovw k0,WORD PTR [rax]'],
  ['62 61 fe 48 6f 44 16 fc', 'vmovdqu64 zmm24,ZMMWORD PTR [rsi+rdx*1-0x100]'], // disp8*64
  ['62 e1 fd 28 7f 07', 'vmovdqa64 YMMWORD PTR [rdi],ymm16'],
  ['62 e1 7f 29 7f 00', 'vmovdqu8 YMMWORD PTR [rax]{k1},ymm16'],
  ['62 a2 65 a1 3b da', 'vpminud ymm19{k1}{z},ymm19,ymm18'],
  ['62 f3 7d 0a 3f 0c 16 00', 'vpcmpeqb k1{k2},xmm0,XMMWORD PTR [rsi+rdx*1]'],
  ['62 f3 5d 20 3e 4f 03 04', 'vpcmpnequb k1,ymm20,YMMWORD PTR [rdi+0x60]'],
  ['62 e3 4d 20 25 7e 03 de', 'vpternlogd ymm23,ymm22,YMMWORD PTR [rsi+0x60],0xde'],
  ['62 92 2e 20 26 ca', 'vptestnmb k1,ymm26,ymm26'],
  ['62 e2 7d 28 7a c6', 'vpbroadcastb ymm16,esi'],
  ['62 f2 7d 48 78 14 0f', 'vpbroadcastb zmm2,BYTE PTR [rdi+rcx*1]'],
  ['62 e1 fd 08 7e c1', 'vmovq rcx,xmm16'],
  ['62 f1 74 18 58 c2', 'vaddps zmm0,zmm1,zmm2{rn-sae}'],
  ['62 f1 7c 38 58 c2', 'vaddps zmm0,zmm0,zmm2{rd-sae}'],
  ['62 f1 7d 48 fe 40 01', 'vpaddd zmm0,zmm0,ZMMWORD PTR [rax+0x40]'],
  ['62 f1 7d 58 fe 40 01', 'vpaddd zmm0,zmm0,DWORD BCST [rax+0x4]'],
  ['62 f1 7d 18 2e c1', 'vucomisd xmm0,xmm1{sae}'],
  ['64 c5 f9 6f 00', 'vmovdqa xmm0,XMMWORD PTR fs:[rax]'],
  ['67 c5 f9 6f 00', 'vmovdqa xmm0,XMMWORD PTR [eax]'],
  ['3e c5 f9 6f 00', 'ds vmovdqa xmm0,XMMWORD PTR [rax]'],
];

describe('disassembler, VEX and EVEX golden strings from objdump', () => {
  for (const [bytes, text] of GOLDEN_VEX) {
    it(`${bytes} → ${text}`, () => {
      const raw = hexBytes(bytes);
      const line = disassembleAt(raw, 0, 0);
      expect(line?.text).toBe(text);
      expect(line?.length).toBe(raw.length);
      expect(line?.insn).toBeUndefined(); // display-only: nothing the emulator executes
    });
  }

  it('leaves malformed VEX and 32-bit code undecoded', () => {
    // VEX.vvvv must be 1111b when no operand uses it (objdump: (bad)).
    expect(disassembleAt(hexBytes('c5 f0 77'), 0, 0)).toBeUndefined();
    // In compatibility mode C5 with mod = 11b would be VEX too, but this disassembler
    // reads VEX in 64-bit mode only.
    expect(disassembleAt(hexBytes('c5 f8 77'), 0, 0, undefined, COMPAT_OPCODES)).toBeUndefined();
    // Cut off by the end of the buffer.
    expect(disassembleAt(hexBytes('c5 fd 74'), 0, 0)).toBeUndefined();
  });

  it('VEX and EVEX instructions still raise #UD when executed', () => {
    for (const bytes of ['c5 f8 77', 'c5 fd 74 0f', 'c4 e2 68 f5 c1', '62 f1 7d 48 fe 40 01']) {
      const m = new TestMachine();
      m.map(0x1000);
      m.writeBytes(0x1000, hexBytes(bytes));
      m.cpu.rip = 0x1000;
      expect(m.step()?.vector, bytes).toBe(6);
      expect(m.cpu.rip).toBe(0x1000);
    }
  });
});

describe('disassembler, golden strings from objdump', () => {
  for (const [bytes, text, address] of GOLDEN) {
    it(`${bytes} → ${text}`, () => {
      expect(disasmAt(bytes, address)).toBe(text);
    });
  }

  it('can spell every operand code of the opcode table', () => {
    // A new code in the table (opcodes.ts, table/*.ts) needs a case in disassembler.ts.
    expect(unspelledOperandCodes()).toEqual([]);
  });

  it('names branch targets and RIP-relative addresses through symbolize', () => {
    const names = (a: number): string | undefined => (a === 0x402800 ? '__libc_start_main' : undefined);
    expect(disassemble(tryDecode(OPCODES, hexBytes('e8 8f 12 00 00'), 0)!, 0x40156c, names)).toBe('call 402800 <__libc_start_main>');
    const rip = tryDecode(OPCODES, hexBytes('ff 25 e2 2f 0a 00'), 0)!;
    expect(disassemble(rip, 0x401018, names)).toBe('jmp QWORD PTR [rip+0xa2fe2] # 4a4000');
  });

  it('disassembleRange walks a buffer and marks unknown bytes (bad)', () => {
    // push rbp; mov rbp,rsp; (06 is invalid in 64-bit mode); leave; ret
    const lines = disassembleRange(hexBytes('55 48 89 e5 06 c9 c3'), 0x1000);
    expect(lines.map((l) => [l.address, l.text])).toEqual([
      [0x1000, 'push rbp'],
      [0x1001, 'mov rbp,rsp'],
      [0x1004, '(bad)'],
      [0x1005, 'leave'],
      [0x1006, 'ret'],
    ]);
    // FWAIT before an x87 instruction is one line, as objdump shows it.
    expect(disassembleRange(hexBytes('9b df e0 9b 90'), 0).map((l) => [l.address, l.text])).toEqual([
      [0, 'fstsw ax'],
      [3, 'fwait'],
      [4, 'nop'],
    ]);
    // An instruction cut off by the end of the buffer is (bad) too.
    expect(disassembleRange(hexBytes('48 8b'), 0).map((l) => l.text)).toEqual(['(bad)', '(bad)']);
  });
});

// ---- the oracle: every instruction of every fixture binary -------------------------

const BAR = 0.999;

function objdumpVersion(): string | undefined {
  try {
    return execFileSync('objdump', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return undefined;
  }
}

interface ObjdumpLine {
  address: number;
  text: string;
  /** Bytes to the next instruction, when objdump printed it right after this one. */
  length?: number;
}

function objdumpListing(path: string): ObjdumpLine[] {
  const out = execFileSync('objdump', ['-d', '-M', 'intel', '--no-show-raw-insn', '-w', path], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const lines: ObjdumpLine[] = [];
  let previous: ObjdumpLine | undefined;
  for (const line of out.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t(.*)$/.exec(line);
    if (!m) {
      // A symbol header or a "..." run of zeros: the next address is not this length.
      if (line.trim() !== '') previous = undefined;
      continue;
    }
    const entry: ObjdumpLine = { address: parseInt(m[1], 16), text: m[2] };
    if (previous) previous.length = entry.address - previous.address;
    lines.push(entry);
    previous = entry;
  }
  return lines;
}

/** objdump's column without the annotations: `<symbol+off>` and `# address` comments. */
function normalizeObjdump(text: string): string {
  return text
    .replace(/\s+#.*$/, '')
    .replace(/\s+<[^>]*>/g, '')
    .trim()
    .replace(/\s+/g, ' ');
}

// 64-bit binaries only: i386 fixtures (ELFCLASS32, byte 4 = 1) run in the decoder's compat mode, which this oracle does not drive.
const fixtures = existsSync(FIXTURE_BIN) ? readdirSync(FIXTURE_BIN).sort().filter((f) => readFileSync(new URL(f, FIXTURE_BIN))[4] === 2) : [];
const version = objdumpVersion();

describe('disassembler against objdump on the fixture binaries', () => {
  if (!version) {
    console.log('objdump not found on PATH: skipping the fixture comparison (install binutils to run it)');
  }
  for (const name of fixtures) {
    it.skipIf(!version)(`${name}: agrees with objdump -d -M intel on ≥ ${BAR * 100}% of all instructions`, () => {
      const path = new URL(name, FIXTURE_BIN).pathname;
      const image = parseElf(new Uint8Array(readFileSync(path)));
      const toOffset = (vaddr: number): number | undefined => {
        const seg = image.loadSegments.find((s) => vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
        return seg && vaddr - seg.vaddr + seg.offset;
      };
      // Every instruction objdump lists counts: one we cannot decode is a disagreement.
      let total = 0;
      let agree = 0;
      const disagreements: string[] = [];
      const undecoded = new Map<string, number>();
      let undecodedCount = 0;
      for (const line of objdumpListing(path)) {
        total++;
        const offset = toOffset(line.address);
        // Bytes enough for the longest instruction (and FWAIT before one), so that a
        // length disagreement shows.
        const bytes = offset === undefined ? undefined : image.bytes.subarray(offset, offset + 30);
        const ours = bytes && disassembleAt(bytes, 0, line.address);
        const expected = normalizeObjdump(line.text);
        if (!ours) {
          undecodedCount++;
          const mnemonic = expected.split(' ').find((w) => !/^(data16|rex(\.\w+)?|lock|rep\w*|bnd|notrack|[c-g]s|ss)$/.test(w)) ?? expected;
          undecoded.set(mnemonic, (undecoded.get(mnemonic) ?? 0) + 1);
          continue;
        }
        const lengthOk = line.length === undefined || line.length === ours.length;
        if (ours.text === expected && lengthOk) {
          agree++;
          continue;
        }
        const raw = Array.from(ours.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
        const why = lengthOk ? '' : ` (objdump length ${line.length}, ours ${ours.length})`;
        disagreements.push(`  ${line.address.toString(16)}: ${raw.padEnd(33)} ours: ${ours.text.padEnd(44)} objdump: ${expected}${why}`);
      }
      const rate = total === 0 ? 1 : agree / total;
      const topUndecoded = [...undecoded.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([m, n]) => `${m} ${n}`).join(', ');
      console.log(
        [
          `${name} (${version}): ${total} instructions, ${agree} agree: ${(rate * 100).toFixed(3)}%; ` +
            `${undecodedCount} undecoded, ${disagreements.length} decoded differently`,
          ...(undecoded.size ? [`  undecoded, most frequent: ${topUndecoded}`] : []),
          ...(disagreements.length ? [`  first disagreements (${disagreements.length} in all):`, ...disagreements.slice(0, 20)] : []),
        ].join('\n'),
      );
      expect(total).toBeGreaterThan(0);
      expect(rate).toBeGreaterThanOrEqual(BAR);
    });
  }
});
