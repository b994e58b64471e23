/**
 * Fuzzer (a): mutated ELF files into the loader and exec. Each case takes one of the
 * given executables (the fixtures), applies one to four mutations — bit flips, bytes set
 * to edge values, truncation, ELF header and program header fields set to hostile
 * values, code bytes at the entry point scrambled — and loads it. A refusal must be an
 * ElfError with a one-line message; a program that loads runs for a bounded number of
 * instructions and must end in an exit, a signal or the limit.
 */
import { ElfError } from '../loader/elf-error.js';
import { CaseContext, FuzzOptions, FuzzReport, fuzzLoop, fuzzMachine, judgeOutcome, kernelFingerprint } from './harness.js';
import type { Rng } from './rng.js';

export interface ElfFuzzOptions extends FuzzOptions {
  corpus: ReadonlyArray<{ name: string; image: Uint8Array }>;
  /** Instructions a loaded program may run (default 300,000). */
  instructions?: number;
}

/** Values that sit on the edges the loader must check: sizes, signs, canonical halves. */
const EDGE_U64: readonly bigint[] = [
  0n, 1n, 2n, 0x38n, 0x40n, 0xfffn, 0x1000n, 0x1001n, 0x7fffn, 0xffffn, 0x10000n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn,
  0x1_0000_0000n, 0x40_0000n, 0x7fff_ffff_f000n, 0x7fff_ffff_ffffn, 0x8000_0000_0000n, 0xffff_8000_0000_0000n,
  0xffff_ffff_8100_0000n, 0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0xffff_ffff_ffff_f000n, 0xffff_ffff_ffff_ffffn,
  0x1f_ffff_ffff_ffffn, 0x20_0000_0000_0000n,
];

/** Elf64_Ehdr fields: [offset, size]. */
const EHDR_FIELDS: ReadonlyArray<readonly [number, number]> = [
  [4, 1], [5, 1], [6, 1], [7, 1], [16, 2], [18, 2], [20, 4], [24, 8], [32, 8], [40, 8], [48, 4], [52, 2], [54, 2], [56, 2], [58, 2], [60, 2], [62, 2],
];
/** Elf64_Phdr fields: [offset, size]. */
const PHDR_FIELDS: ReadonlyArray<readonly [number, number]> = [[0, 4], [4, 4], [8, 8], [16, 8], [24, 8], [32, 8], [40, 8], [48, 8]];
const P_TYPES = [0, 1, 2, 3, 4, 6, 7, 0x6474e550, 0x6474e551, 0x6474e552, 0x6474e553, 0x70000000, 0xffffffff];

function readU64(b: Uint8Array, at: number): bigint {
  if (at + 8 > b.length) return 0n;
  return new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);
}

function writeField(b: Uint8Array, at: number, size: number, value: bigint): void {
  let v = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size && at + i < b.length; i++) {
    b[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function readField(b: Uint8Array, at: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(at + i < b.length ? b[at + i]! : 0);
  return v;
}

/** A new value for a field: an edge value, a small change, a flipped bit, or random. */
function hostileValue(rng: Rng, old: bigint, size: number, fileSize: number): bigint {
  return rng.weighted<() => bigint>([
    [4, () => rng.pick(EDGE_U64)],
    [2, () => old + BigInt(rng.range(-16, 16))],
    [2, () => old ^ (1n << BigInt(rng.int(size * 8)))],
    [1, () => BigInt(fileSize + rng.range(-64, 64))],
    [1, () => old + BigInt(rng.range(1, 64)) * 0x1000n],
    [1, () => rng.u64()],
  ])();
}

function fileOffsetOf(b: Uint8Array, vaddr: bigint): number {
  const phoff = Number(readU64(b, 32));
  const phnum = b.length >= 58 ? b[56]! | (b[57]! << 8) : 0;
  for (let i = 0; i < phnum && i < 64; i++) {
    const at = phoff + i * 56;
    if (at + 56 > b.length) break;
    const type = readField(b, at, 4);
    const off = readU64(b, at + 8);
    const va = readU64(b, at + 16);
    const filesz = readU64(b, at + 32);
    if (type === 1n && vaddr >= va && vaddr < va + filesz) return Number(off + (vaddr - va));
  }
  return -1;
}

/** Applies one mutation in place; may return a shorter copy (truncation). */
function mutate(rng: Rng, b: Uint8Array, original: Uint8Array): Uint8Array {
  const phoff = Number(readU64(original, 32));
  const phnum = original[56]! | (original[57]! << 8);
  const kind = rng.weighted<string>([
    [3, 'ehdr'], [5, 'phdr'], [3, 'flip-head'], [2, 'flip-any'], [1, 'edge-byte'], [2, 'truncate'], [2, 'entry-code'], [1, 'entry'],
  ]);
  switch (kind) {
    case 'ehdr': {
      const [at, size] = rng.pick(EHDR_FIELDS);
      writeField(b, at, size, hostileValue(rng, readField(b, at, size), size, b.length));
      break;
    }
    case 'phdr': {
      const index = rng.chance(0.9) ? rng.int(Math.max(phnum, 1)) : rng.range(phnum, phnum + 2);
      const [off, size] = rng.pick(PHDR_FIELDS);
      const at = phoff + index * 56 + off;
      const value = off === 0 && rng.chance(0.6) ? BigInt(rng.pick(P_TYPES)) : hostileValue(rng, readField(b, at, size), size, b.length);
      writeField(b, at, size, value);
      break;
    }
    case 'flip-head': {
      const at = rng.int(Math.min(b.length, phoff + phnum * 56 + 64));
      b[at]! ^= 1 << rng.int(8);
      break;
    }
    case 'flip-any':
      for (let n = rng.range(1, 32); n > 0; n--) b[rng.int(b.length)]! ^= 1 << rng.int(8);
      break;
    case 'edge-byte':
      b[rng.int(Math.min(b.length, 4096))] = rng.pick([0, 1, 0x7f, 0x80, 0xff]);
      break;
    case 'truncate': {
      const n = rng.weighted<number>([
        [2, rng.int(Math.min(b.length, 64 + 56 * 16))],
        [1, rng.int(b.length)],
        [1, Math.max(0, b.length - rng.range(1, 8192))],
      ]);
      return b.slice(0, n);
    }
    case 'entry-code': {
      // Scramble the code the program starts with: the CPU then runs garbage at CPL 3.
      const at = fileOffsetOf(b, readU64(b, 24));
      if (at >= 0) for (let n = rng.range(1, 24); n > 0; n--) b[Math.min(b.length - 1, at + rng.int(256))] = rng.u32() & 0xff;
      break;
    }
    case 'entry':
      writeField(b, 24, 8, readU64(b, 24) + BigInt(rng.range(-4096, 4096)));
      break;
  }
  return b;
}

export function fuzzElf(options: ElfFuzzOptions): FuzzReport {
  const limit = options.instructions ?? 300_000;
  return fuzzLoop('elf', 1, options, (ctx: CaseContext) => {
    const { rng } = ctx;
    const base = rng.pick(options.corpus);
    let image: Uint8Array = new Uint8Array(base.image); // a copy (Buffer.slice would share)
    for (let n = rng.weighted([[6, 1], [3, 2], [1, 4]] as const); n > 0; n--) image = mutate(rng, image, base.image);
    ctx.input = image;
    const problems: string[] = [];
    const machine = fuzzMachine(rng);
    const before = kernelFingerprint(machine);
    try {
      machine.load({ image, path: `/fuzz/${base.name}`, argv: [base.name, 'a', 'bb'], envp: ['HOME=/', 'LANG=C'] });
    } catch (e) {
      if (!(e instanceof ElfError)) throw e;
      if (!e.message || e.message.includes('\n')) problems.push(`ElfError message is not one line: ${JSON.stringify(e.message)}`);
      return { outcome: 'rejected', problems, input: image };
    }
    ctx.counters.loaded = (ctx.counters.loaded ?? 0) + 1;
    const outcome = machine.run(limit);
    const { label, problem } = judgeOutcome(outcome);
    if (problem) problems.push(problem);
    if (kernelFingerprint(machine) !== before) problems.push('kernel text or IDT changed');
    return { outcome: label, problems, input: image };
  });
}
