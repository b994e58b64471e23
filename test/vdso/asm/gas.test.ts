// Live comparison with GNU as on this machine (skipped, with a note, when binutils is missing).
import { describe, expect, it } from 'vitest';
import { AsmError, assemble } from '../../../src/vdso/asm/index.js';
import { gasLines, gasLinesLenient, gasProgram, gasUnavailableReason, hex } from './gas.mjs';
import { readForms, readPrograms } from './make-golden.mjs';

const why = gasUnavailableReason();
if (why) console.warn(`[vdso/asm] skipping the live GNU as comparison: ${why}`);

function mine(src: string, bits: 64 | 32): string {
  try {
    return hex(assemble(src, { bits }).bytes);
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe.skipIf(why !== null)('live comparison with GNU as', () => {
  for (const [file, bits] of [['forms.txt', 64], ['forms32.txt', 32]] as const) {
    it(`every form in ${file} assembles as GNU as does`, () => {
      const forms = readForms(file);
      const want = gasLines(forms, bits);
      const bad = forms.flatMap((src, i) => (mine(src, bits) === want[i] ? [] : [`${src}: as ${want[i]}, ours ${mine(src, bits)}`]));
      expect(bad).toEqual([]);
    });
  }

  for (const p of readPrograms()) {
    it(`program ${p.name} matches as + ld`, () => {
      const want = gasProgram(p.source, { bits: p.bits, origin: BigInt(p.origin) });
      const r = assemble(p.source, { origin: BigInt(p.origin), bits: p.bits });
      expect(hex(r.bytes)).toBe(want.hex);
      for (const [name, off] of Object.entries(want.labels)) expect([name, r.labels.get(name)]).toEqual([name, off]);
    });
  }

  it('random programs of jumps, calls, fills and alignment relax exactly as GNU as relaxes them', () => {
    const bad: string[] = [];
    for (let seed = 1; seed <= 25; seed++) {
      let x = (seed * 2654435761) >>> 0;
      const rnd = (n: number): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
      const n = 10 + rnd(60);
      const lines: string[] = [];
      const jumps = ['jmp', 'je', 'jne', 'jb', 'jg', 'jle'];
      for (let i = 0; i < n; i++) {
        lines.push(`l${i}:`);
        for (let j = rnd(4) + 1; j > 0; j--) {
          const r = rnd(10);
          if (r < 5) lines.push(`  ${jumps[rnd(jumps.length)]} l${rnd(n)}`);
          else if (r < 8) lines.push(`  .fill ${rnd(90)}, 1, 0xcc`);
          else if (r < 9) lines.push(`  .align ${1 << rnd(6)}, 0xcc`);
          else lines.push(`  call l${rnd(n)}`);
        }
      }
      const src = lines.join('\n');
      if (hex(assemble(src, { origin: 0x1000 }).bytes) !== gasProgram(src, { origin: 0x1000n }).hex) bad.push(`seed ${seed}`);
    }
    expect(bad).toEqual([]);
  });

  for (const bits of [64, 32] as const) {
    it(`random operand combinations (${bits}-bit): never silently different from GNU as`, () => {
      // Every line either assembles to GNU as's bytes or is rejected with an AsmError. We may
      // reject what GNU as accepts with a warning (out-of-range immediates it truncates) or
      // accepts oddly (shift counts in ecx/rcx, jmp dword ptr as a far jump), never the reverse.
      let x = 7 + bits;
      const rnd = (n: number): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
      const pick = <T>(a: readonly T[]): T => a[rnd(a.length)]!;
      const q = bits === 64 ? ['rax', 'rcx', 'rsp', 'rbp', 'rsi', 'r8', 'r12', 'r13', 'r15'] : ['eax', 'ecx', 'esp', 'ebp', 'esi'];
      const d = bits === 64 ? ['eax', 'ecx', 'esp', 'ebp', 'r8d', 'r13d'] : ['eax', 'ecx', 'esp', 'ebp', 'edi'];
      const w = bits === 64 ? ['ax', 'cx', 'sp', 'r9w'] : ['ax', 'cx', 'sp', 'di'];
      const b = bits === 64 ? ['al', 'cl', 'ah', 'bh', 'spl', 'sil', 'r8b', 'r15b'] : ['al', 'cl', 'ah', 'bh'];
      const imms = ['0', '1', '-1', '0x7f', '0x80', '-0x80', '-0x81', '0xff', '0x100', '0x7fff', '0xffff', '0x7fffffff', '0x80000000', '0xffffffff', '3', '63'];
      const mem = (): string => {
        const parts: string[] = [];
        const base = pick(['', ...q, ...(bits === 64 ? ['rip', 'r13d'] : [])]);
        if (base) parts.push(base);
        if (base !== 'rip' && rnd(2)) parts.push(`${pick(q.filter((r) => r !== 'rsp' && r !== 'esp'))}*${pick([1, 2, 4, 8])}`);
        if (!parts.length || rnd(2)) parts.push(pick(['0', '8', '-8', '0x7f', '0x80', '-0x81', '0x12345678']));
        if (base === 'r13d') parts.splice(1, parts.length - 1, '4');
        return `${pick(['byte ptr ', 'word ptr ', 'dword ptr ', 'qword ptr ', ''])}${pick(['', '', 'gs:', 'ss:', 'ds:'])}[${parts.join('+').replace('+-', '-')}]`;
      };
      const op = (): string => { const r = rnd(10); return r < 4 ? pick(pick([q, d, w, b])) : r < 7 ? mem() : pick(imms); };
      const one = ['inc', 'dec', 'neg', 'not', 'mul', 'div', 'idiv', 'push', 'pop', 'sete', 'bswap', 'nop', 'jmp', 'call', 'ltr', 'str', 'lgdt', 'invlpg', 'ret', 'int'];
      const two = ['mov', 'add', 'adc', 'and', 'sub', 'xor', 'cmp', 'test', 'xchg', 'lea', 'movzx', 'movsx', 'movsxd', 'imul', 'shl', 'sar', 'rol', 'rcr',
        'cmovne', 'bt', 'bts', 'bsf', 'xadd', 'cmpxchg', 'lsl', 'lar', 'enter', 'popcnt', 'movabs'];
      const lines: string[] = [];
      for (let i = 0; i < 1500; i++) {
        const n = rnd(12);
        if (n === 0) lines.push(`${pick(['shld', 'shrd', 'imul'])} ${op()}, ${op()}, ${rnd(2) ? 'cl' : op()}`);
        else if (n < 5) lines.push(`${pick(one)} ${op()}`);
        else lines.push(`${pick(two)} ${op()}, ${op()}`);
      }
      const want = gasLinesLenient(lines, bits);
      const bad: string[] = [];
      let agreed = 0;
      lines.forEach((l, i) => {
        if (/^(jmp|call) -?[0-9]/.test(l)) return; // constant targets need a link step in GNU as
        let got: string | null;
        try {
          got = hex(assemble(l, { bits }).bytes);
        } catch (e) {
          if (!(e instanceof AsmError)) throw e;
          got = null;
        }
        if (got !== null && got !== want[i]) bad.push(`${l}: as ${want[i] ?? 'rejects it'}, ours ${got}`);
        if (got !== null && got === want[i]) agreed++;
      });
      expect(bad).toEqual([]);
      expect(agreed).toBeGreaterThan(300);
    });
  }

  it('long jump chains relax exactly as GNU as relaxes them', () => {
    // a generated program: many jumps whose sizes depend on each other
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      lines.push(`l${i}:`, `  jmp l${(i * 7 + 13) % 40}`, `  jne l${(i * 11 + 3) % 40}`, `  .fill ${(i * 37) % 29}, 1, 0xcc`);
    }
    const src = lines.join('\n');
    const want = gasProgram(src, { origin: 0x1000n });
    expect(hex(assemble(src, { origin: 0x1000 }).bytes)).toBe(want.hex);
  });
});
