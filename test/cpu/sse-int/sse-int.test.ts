/**
 * SSE integer golden vectors (issue 3 items 3-4): every vector recorded on the host CPU by
 * tools/sse-int-golden (SSE2 integer, LDDQU, SSSE3, SSE4.1 integer, SSE4.2 with CRC32 and
 * PCMPxSTRx in every imm8 mode) runs through the emulator's handlers, and again through the
 * block translator (its templates), and must end in the same registers, flags, memory and
 * exception. Needs no compiler: the vectors are data.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decode } from '../../../src/cpu/decoder.js';
import { OPCODES } from '../../../src/cpu/opcodes.js';
import { compare, describeVector, expected, SseIntMachine } from './emulate.js';
import { hexToBytes } from './layout.js';
import { DATA_DIR, loadVectors, sseIntDefs } from './vectors.js';

const files = readdirSync(DATA_DIR).filter((f) => f.endsWith('.jsonl.gz')).sort();
const all = new Map(files.map((f) => [f, loadVectors(f)]));

describe('SSE integer golden vectors from the host CPU', () => {
  it('cover every entry of table/sse-extended.ts', () => {
    let vectors = 0;
    const forms = new Set<string>();
    const exercised = new Set<string>();
    for (const list of all.values()) {
      vectors += list.length;
      for (const v of list) {
        forms.add(v.f);
        const code = hexToBytes(v.b);
        try {
          const insn = decode(OPCODES, (o) => code[o] ?? 0);
          if (insn.def) exercised.add(`${insn.def.key} ${insn.def.mnemonic}`);
        } catch {
          // an undefined encoding: counted by the vector itself
        }
      }
    }
    const entries = sseIntDefs().map((d) => `${d.key} ${d.mnemonic}`);
    const missing = entries.filter((e) => !exercised.has(e));
    console.log(`sse-int golden vectors: ${vectors} vectors over ${forms.size} forms in ${all.size} files; ` +
      `${entries.length - missing.length} of ${entries.length} table entries exercised`);
    expect(missing).toEqual([]);
  });

  for (const file of files) for (const translate of [false, true, 'wasm'] as const) {
    it(`agrees with the host on ${file}${translate === 'wasm' ? ' through the WebAssembly translator' : translate ? ' through the block translator' : ''}`, () => {
      const machine = new SseIntMachine();
      const failures: string[] = [];
      const failedForms = new Map<string, number>();
      const list = all.get(file)!;
      for (const v of list) {
        const diff = compare(expected(v), machine.run(v, translate));
        if (diff.length === 0) continue;
        failedForms.set(v.f, (failedForms.get(v.f) ?? 0) + 1);
        if (failures.length < 10) failures.push(`${describeVector(v)}\n  ${diff.join('\n  ')}`);
      }
      if (failures.length) {
        const summary = [...failedForms].map(([f, n]) => `${f} (${n})`).join(', ');
        throw new Error(`${[...failedForms.values()].reduce((a, b) => a + b, 0)} of ${list.length} vectors disagree; forms: ${summary}\n\n${failures.join('\n\n')}`);
      }
    });
  }
});
