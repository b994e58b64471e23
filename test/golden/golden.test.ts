/**
 * The golden-vector suite (issue 3, item 4): every vector recorded on the host CPU by
 * tools/golden/golden.c is run through the emulator's CPU and must end in the same
 * registers, flags (undefined ones masked, see undefined-flags.ts), memory and exception.
 * Needs no compiler: the vectors are committed under test/golden/data/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AMD_MODEL } from '../../src/cpu/cpu-model.js';
import { decode } from '../../src/cpu/decoder.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { compare, expected, flagStr, GoldenMachine } from './emulate.js';
import type { GoldenVector } from './layout.js';
import { COMPARED_FLAGS, hexToBytes } from './layout.js';
import { undefinedFlags } from './undefined-flags.js';

/** The committed vectors come from an AMD EPYC (README.md): where vendors differ, the emulator runs its AMD model. */
const RECORDED_ON = AMD_MODEL;
const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');

export function loadVectors(file: string): GoldenVector[] {
  const text = gunzipSync(readFileSync(join(DATA, file))).toString('utf8');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as GoldenVector);
}

/** GOLDEN_FORM=substring runs only the forms whose id contains it; GOLDEN_SHOW=n prints up to n failures per file. */
const onlyForm = process.env.GOLDEN_FORM ?? '';
const show = Number(process.env.GOLDEN_SHOW ?? 12);

/**
 * A vector generated from an opcode-table entry the emulator's table does not have (yet) is
 * *pending*: counted and printed, not failed, so vectors can be recorded ahead of the
 * implementation. Hand-written snippets (decoder corner cases, privilege, faults) carry no
 * key and are never pending.
 */
const tableKeys = new Set(OPCODES.defs.map((d) => d.key));
const isPending = (v: GoldenVector): boolean => v.key !== undefined && !tableKeys.has(v.key);

const files = readdirSync(DATA).filter((f) => f.endsWith('.jsonl.gz')).sort();
const all = new Map(files.map((f) => [f, loadVectors(f)]));

function describeVector(v: GoldenVector): string {
  const ins = Object.entries(v.in).map(([k, x]) => `${k}=${x}`).join(' ');
  return [
    `form ${v.f}  bytes ${v.b.replace(/(..)/g, '$1 ').trim()}`,
    `  in: ${ins} rflags=${flagStr(v.fl)}${v.k !== undefined ? ` count=${v.k}` : ''}`,
    v.mem ? `  mem: ${v.mem}` : '',
  ].filter(Boolean).join('\n');
}

describe('golden vectors from the host CPU', () => {
  it('covers at least 10,000 vectors over 400 forms', () => {
    let vectors = 0;
    const forms = new Set<string>();
    const keys = new Set<string>();
    for (const list of all.values()) {
      vectors += list.length;
      for (const v of list) {
        forms.add(v.f);
        // Which opcode-table entries the snippets exercise.
        const code = hexToBytes(v.b);
        let at = 0;
        while (at < code.length) {
          try {
            const insn = decode(OPCODES, (o) => code[at + o] ?? 0);
            if (insn.def) keys.add(`${insn.def.key} ${insn.def.mnemonic}`);
            at += insn.length;
          } catch {
            break;
          }
        }
      }
    }
    const tableEntries = new Set(OPCODES.defs.map((d) => `${d.key} ${d.mnemonic}`));
    const missing = [...tableEntries].filter((k) => !keys.has(k));
    if (missing.length) console.log(`opcode table entries without a golden vector: ${missing.join('; ')}`);
    console.log(
      `golden vectors: ${vectors} vectors over ${forms.size} forms in ${all.size} files; ` +
        `${[...tableEntries].filter((k) => keys.has(k)).length} of ${tableEntries.size} opcode table entries exercised`,
    );
    expect(vectors).toBeGreaterThanOrEqual(10_000);
    expect(forms.size).toBeGreaterThanOrEqual(400);
  });

  it('records no flag the manual leaves undefined', () => {
    for (const list of all.values()) {
      for (const v of list) {
        const u = undefinedFlags(v.m, v.sz, v.k);
        if (v.ofl & (u | ~COMPARED_FLAGS)) throw new Error(`${v.f}: recorded flags ${flagStr(v.ofl)} include masked bits\n${describeVector(v)}`);
      }
    }
  });

  for (const [file, translate] of files.flatMap((f) => [[f, false], [f, true], [f, 'wasm']] as const)) {
    it(`agrees with the host on ${file}${translate === 'wasm' ? ' through the WebAssembly translator' : translate ? ' through the block translator' : ''}`, () => {
      const machine = new GoldenMachine(translate, RECORDED_ON);
      const failures: string[] = [];
      const failedForms = new Map<string, number>();
      const list = all.get(file)!;
      const pending = new Set<string>();
      let pendingVectors = 0;
      for (const v of list) {
        if (onlyForm && !v.f.includes(onlyForm)) continue;
        if (isPending(v)) {
          pending.add(`${v.m} (${v.key})`);
          pendingVectors++;
          continue;
        }
        const diff = compare(expected(v), machine.run(v));
        if (diff.length === 0) continue;
        failedForms.set(v.f, (failedForms.get(v.f) ?? 0) + 1);
        if (failures.length < show) failures.push(`${describeVector(v)}\n  ${diff.join('\n  ')}`);
      }
      if (pendingVectors) console.log(`${file}: ${pendingVectors} vectors pending, the opcode table has no ${[...pending].join(', ')}`);
      if (failedForms.size) {
        const summary = [...failedForms].map(([f, n]) => `${f} (${n})`).join(', ');
        throw new Error(
          `${[...failedForms.values()].reduce((a, b) => a + b, 0)} of ${list.length} vectors disagree; forms: ${summary}\n\n${failures.join('\n\n')}`,
        );
      }
    });
  }
});
