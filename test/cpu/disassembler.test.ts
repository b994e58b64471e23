import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { disassemble, disassembleAt, disassembleRange, tryDecode, unspelledOperandCodes } from '../../src/cpu/disassembler.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { parseElf } from '../../src/loader/elf.js';

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
];

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
    it.skipIf(!version)(`${name}: agrees with objdump -d -M intel on ≥ ${BAR * 100}% of decoded instructions`, () => {
      const path = new URL(name, FIXTURE_BIN).pathname;
      const image = parseElf(new Uint8Array(readFileSync(path)));
      const toOffset = (vaddr: number): number | undefined => {
        const seg = image.loadSegments.find((s) => vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
        return seg && vaddr - seg.vaddr + seg.offset;
      };
      let total = 0;
      let decoded = 0;
      let agree = 0;
      const disagreements: string[] = [];
      const undecoded = new Map<string, number>();
      for (const line of objdumpListing(path)) {
        total++;
        const offset = toOffset(line.address);
        // Bytes enough for the longest instruction (and FWAIT before one), so that a
        // length disagreement shows.
        const bytes = offset === undefined ? undefined : image.bytes.subarray(offset, offset + 30);
        const ours = bytes && disassembleAt(bytes, 0, line.address);
        const expected = normalizeObjdump(line.text);
        if (!ours) {
          const mnemonic = expected.split(' ').find((w) => !/^(data16|rex(\.\w+)?|lock|rep\w*|bnd|notrack|[c-g]s|ss)$/.test(w)) ?? expected;
          undecoded.set(mnemonic, (undecoded.get(mnemonic) ?? 0) + 1);
          continue;
        }
        decoded++;
        const lengthOk = line.length === undefined || line.length === ours.length;
        if (ours.text === expected && lengthOk) {
          agree++;
          continue;
        }
        const raw = Array.from(ours.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
        const why = lengthOk ? '' : ` (objdump length ${line.length}, ours ${ours.length})`;
        disagreements.push(`  ${line.address.toString(16)}: ${raw.padEnd(33)} ours: ${ours.text.padEnd(44)} objdump: ${expected}${why}`);
      }
      const rate = decoded === 0 ? 1 : agree / decoded;
      const topUndecoded = [...undecoded.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([m, n]) => `${m} ${n}`).join(', ');
      console.log(
        [
          `${name} (${version}): ${total} instructions, ${decoded} decoded, ${total - decoded} undecoded, ` +
            `${agree} agree: ${(rate * 100).toFixed(3)}% of decoded`,
          ...(undecoded.size ? [`  undecoded, most frequent: ${topUndecoded}`] : []),
          ...(disagreements.length ? [`  first disagreements (${disagreements.length} in all):`, ...disagreements.slice(0, 20)] : []),
        ].join('\n'),
      );
      expect(total).toBeGreaterThan(0);
      expect(rate).toBeGreaterThanOrEqual(BAR);
    });
  }
});
