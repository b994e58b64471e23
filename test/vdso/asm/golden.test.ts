// Always-on: checks the assembler against golden.json, which make-golden.mjs generated once
// from GNU as (so this runs without binutils).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../../src/vdso/asm/index.js';
import { readForms, readPrograms } from './make-golden.mjs';

interface Golden {
  forms: [string, string][];
  forms32: [string, string][];
  programs: { name: string; origin: string; bits: 64 | 32; hex: string; labels: Record<string, number> }[];
}

const golden = JSON.parse(readFileSync(new URL('./golden.json', import.meta.url), 'utf8')) as Golden;

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

function asmHex(src: string, bits: 64 | 32): string {
  try {
    return hex(assemble(src, { bits }).bytes);
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe('golden.json (from GNU as)', () => {
  it('covers at least 300 distinct 64-bit forms and is in sync with forms.txt / forms32.txt', () => {
    expect(new Set(golden.forms.map((f) => f[0])).size).toBeGreaterThanOrEqual(300);
    expect(golden.forms.map((f) => f[0])).toEqual(readForms('forms.txt'));
    expect(golden.forms32.map((f) => f[0])).toEqual(readForms('forms32.txt'));
    expect(golden.programs.map((p) => p.name)).toEqual(readPrograms().map((p) => p.name));
  });

  it('64-bit forms match byte for byte', () => {
    const bad = golden.forms.filter(([src, want]) => asmHex(src, 64) !== want).map(([src, want]) => `${src}: want ${want}, got ${asmHex(src, 64)}`);
    expect(bad).toEqual([]);
  });

  it('32-bit forms match byte for byte', () => {
    const bad = golden.forms32.filter(([src, want]) => asmHex(src, 32) !== want).map(([src, want]) => `${src}: want ${want}, got ${asmHex(src, 32)}`);
    expect(bad).toEqual([]);
  });

  const sources = new Map(readPrograms().map((p) => [p.name, p.source]));
  for (const p of golden.programs) {
    it(`program ${p.name} (origin ${p.origin}, ${p.bits}-bit) matches GNU as + ld, labels included`, () => {
      const r = assemble(sources.get(p.name)!, { origin: BigInt(p.origin), bits: p.bits });
      expect(hex(r.bytes)).toBe(p.hex);
      for (const [name, off] of Object.entries(p.labels)) expect([name, r.labels.get(name)]).toEqual([name, off]);
    });
  }
});
