import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { disassemble, tryDecode } from '../../src/cpu/disassembler.js';
import type { Insn } from '../../src/cpu/insn.js';
import { F64, type OpcodeDef } from '../../src/cpu/opcode-table.js';
import { OPCODES } from '../../src/cpu/opcodes.js';

// Random encodings of every opcode-table entry, with random prefixes, ModRM, SIB,
// displacements and immediates, disassembled by us and by the host's objdump (the
// oracle, DESIGN.md). The fixture test covers what compilers emit; this one covers the
// corners (prefix words, riz, absolute addresses, 16-bit and 32-bit address forms).

const SLOT = 32;
const SAMPLES_PER_DEF = 60;
const BAR = 0.995;

function objdumpVersion(): string | undefined {
  try {
    return execFileSync('objdump', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return undefined;
  }
}

/** xorshift32: the same sequence on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const EXTRA_PREFIXES = [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x64, 0x65, 0x2e, 0x3e, 0x26, 0x36];

/** Bytes for one random encoding of `def` (which the decoder may still resolve elsewhere). */
function encode(def: OpcodeDef, random: () => number): number[] {
  const tokens = def.key.split(/\s+/);
  const out: number[] = [];
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const roll = random();
  if (roll < 0.35) {
    const n = 1 + Math.floor(random() * 2);
    for (let i = 0; i < n; i++) out.push(pick(EXTRA_PREFIXES));
  }
  let mandatory: number | undefined;
  if (['66', 'F3', 'F2'].includes(tokens[0])) mandatory = parseInt(tokens.shift()!, 16);
  else if (tokens[0] === 'NP') tokens.shift();
  if (mandatory !== undefined) out.push(mandatory);
  if (random() < 0.5) out.push(0x40 | Math.floor(random() * 16));
  while (tokens.length > 0 && /^[0-9A-F]{2}(\+r)?$/.test(tokens[0])) {
    const t = tokens.shift()!;
    if (t.endsWith('+r')) out.push(parseInt(t, 16) + Math.floor(random() * 8));
    else out.push(parseInt(t, 16));
  }
  const rest = tokens.join(' ');
  if (def.hasModrm) {
    let modrm = Math.floor(random() * 256);
    const group = /^\/([0-7])/.exec(rest);
    if (group) modrm = (modrm & ~0x38) | (Number(group[1]) << 3);
    if (/\bmem\b/.test(rest) && modrm >> 6 === 3) modrm &= 0x3f;
    if (/\breg\b/.test(rest)) modrm |= 0xc0;
    const exact = /modrm=([0-9A-F]{2})/.exec(rest);
    if (exact) modrm = parseInt(exact[1], 16);
    out.push(modrm);
  }
  // SIB, displacement and immediates: random, sometimes zero, sometimes small.
  const style = random();
  for (let i = 0; i < 12; i++) {
    if (style < 0.2) out.push(0);
    else if (style < 0.4) out.push(i === 0 ? Math.floor(random() * 256) : i < 4 ? 0 : Math.floor(random() * 256));
    else out.push(Math.floor(random() * 256));
  }
  return out;
}

interface Sample {
  address: number;
  insn: Insn;
}

describe('disassembler against objdump on random encodings of the table', () => {
  const version = objdumpVersion();
  it.skipIf(!version)('agrees with objdump -M intel', () => {
    const random = rng(0x5eed1234);
    const samples: Sample[] = [];
    const buffer: number[] = [];
    for (const def of OPCODES.defs) {
      for (let k = 0; k < SAMPLES_PER_DEF; k++) {
        const bytes = Uint8Array.from(encode(def, random));
        const insn = tryDecode(OPCODES, bytes, 0);
        if (!insn) continue;
        const address = buffer.length;
        samples.push({ address, insn });
        for (let i = 0; i < SLOT; i++) buffer.push(i < insn.length ? insn.bytes[i] : 0x90);
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'x64emu-disasm-'));
    let listing: string;
    try {
      const file = join(dir, 'random.bin');
      writeFileSync(file, Uint8Array.from(buffer));
      listing = execFileSync('objdump', ['-D', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'intel', '--no-show-raw-insn', '-w', file], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const theirs = new Map<number, string>();
    for (const line of listing.split('\n')) {
      const m = /^\s*([0-9a-f]+):\t(.*)$/.exec(line);
      if (m) theirs.set(parseInt(m[1], 16), m[2]);
    }
    // Disagreements where objdump reads a different instruction (a (bad) encoding the
    // decoder accepts, another length, another mnemonic) are the decoder's and the
    // table's business, reported apart; the bar applies to the spelling of the rest.
    let agree = 0;
    let sameInsn = 0;
    const disagreements: string[] = [];
    const otherInsn = new Map<string, { count: number; example: string }>();
    let branch16 = 0;
    for (const { address, insn } of samples) {
      // 66 on a near branch: Intel CPUs ignore it in 64-bit mode and so does the decoder;
      // objdump decodes AMD's 16-bit form (jmpw, callw, a rel16). Not comparable.
      if ((insn.def!.attrs & F64) !== 0 && insn.bytes.slice(0, insn.length - 1).includes(0x66)) {
        branch16++;
        continue;
      }
      const ours = disassemble(insn, address);
      const raw = theirs.get(address) ?? '(no line)';
      // In a raw binary objdump writes targets as 0x...; in an executable without it.
      let expected = normalize(raw.replace(/\s+#.*$/, ''));
      if (insn.def!.operands.some((o) => o.startsWith('J'))) expected = expected.replace(/0x([0-9a-f]+)$/, '$1');
      const lengthOk = theirs.has(address + insn.length) || address + insn.length >= buffer.length;
      const hexBytes = Array.from(insn.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
      const line = `${hexBytes.padEnd(36)} ours: ${ours.padEnd(48)} objdump: ${expected}`;
      const ourName = mnemonicOf(ours);
      const theirName = expected.includes('(bad)') ? '(bad)' : mnemonicOf(expected);
      if (!lengthOk || ourName !== theirName) {
        const kind = `${insn.def!.key.padEnd(18)} ${ourName} -> ${lengthOk ? theirName : 'other length'}`;
        const entry = otherInsn.get(kind) ?? { count: 0, example: line };
        entry.count++;
        otherInsn.set(kind, entry);
        continue;
      }
      sameInsn++;
      if (ours === expected) agree++;
      else disagreements.push(line);
    }
    const rate = agree / sameInsn;
    const other = samples.length - sameInsn - branch16;
    console.log(
      `${version}: ${samples.length} random encodings (${branch16} near branches with 66 left out); objdump reads ${other} as another instruction (below); ` +
        `of the other ${sameInsn}, ${agree} agree (${(rate * 100).toFixed(2)}%)`,
    );
    if (disagreements.length) console.log(['spelling disagreements:', ...disagreements.slice(0, 200)].join('\n'));
    const kinds = [...otherInsn.entries()].sort((a, b) => b[1].count - a[1].count);
    console.log(['decoder reads another instruction than objdump (table key, ours -> objdump, count, example):',
      ...kinds.map(([kind, { count, example }]) => `${kind.padEnd(50)} ${String(count).padStart(4)}  ${example}`)].join('\n'));
    expect(rate).toBeGreaterThanOrEqual(BAR);
  });
});

/** The mnemonic, after the prefix words objdump may print before it. */
function mnemonicOf(text: string): string {
  const words = text.split(' ');
  const prefixWord = /^(data16|addr32|rex(\.[WRXB]+)?|cs|ds|es|ss|fs|gs|lock|rep|repz|repnz|bnd|notrack|xacquire|xrelease)$/;
  let i = 0;
  while (i < words.length - 1 && prefixWord.test(words[i])) i++;
  return words[i] ?? '';
}

function normalize(s: string): string {
  return s.trim().replace(/\s+/g, ' ');
}
