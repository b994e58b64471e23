// Live comparison with GNU as on this machine (skipped, with a note, when binutils is missing).
import { describe, expect, it } from 'vitest';
import { assemble } from '../../../src/vdso/asm/index.js';
import { gasLines, gasProgram, gasUnavailableReason, hex } from './gas.mjs';
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
