/**
 * The SSE integer golden vectors (SSE2 integer, SSE3 LDDQU, SSSE3, SSE4.1 integer,
 * SSE4.2 incl. CRC32 and PCMPxSTRx): which snippets to run, with which operands, and
 * how a host answer becomes a committed record.
 *
 * The native side is tools/sse-int-golden/sse-int-golden.c; the encoder is the golden
 * vectors' (test/golden/encode.ts), and the record format is layout.ts. This file knows the instructions of src/cpu/table/sse-extended.ts: it walks
 * that part of the opcode table and fails when an entry has no generator, so a new
 * table entry cannot go untested.
 *
 * Used by tools/sse-int-golden/make-vectors.mjs (regenerates test/cpu/sse-int/data) and
 * by live.test.ts (a fresh spot check against the host CPU when a compiler exists).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { OpcodeDef } from '../../../src/cpu/opcode-table.js';
import { OpcodeTable } from '../../../src/cpu/opcode-table.js';
import { registerSseExtended } from '../../../src/cpu/table/sse-extended.js';
import { encode, parseKey } from '../../golden/encode.js';
import type { InsnSpec, MemOperand, ParsedKey } from '../../golden/encode.js';
import { buildForms } from '../../golden/forms.js';
import { Rng } from '../../golden/rng.js';
import { bytesToHex, COMPARED_FLAGS, DATA_BASE, DATA_SIZE, defaultGpr, defaultXmm, GPR_NAMES, hex64, hexToBytes, parseWindow } from './layout.js';
import type { SseIntVector } from './layout.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '..', '..', '..');
export const DATA_DIR = join(HERE, 'data');

/** The golden vectors' PRNG (test/golden/rng.ts), re-exported for the callers of this module. */
export { Rng };

// ---- one vector under construction -------------------------------------------------------

const RAX = 0;
const RCX = 1;
const RDX = 2;
const RSP = 4;
const RDI = 7;
/** General registers an operand may use (RSP stays the stack pointer). */
const GENERAL = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

export class Vec {
  gpr: bigint[] = Array.from({ length: 16 }, (_, n) => defaultGpr(n));
  xmm: Uint8Array[] = Array.from({ length: 16 }, (_, n) => defaultXmm(n));
  flags = 0x202;
  mem = new Uint8Array(DATA_SIZE);
  winLo = -1;
  winHi = -1;
  code: number[] = [];
  constructor(readonly rng: Rng) {
    this.flags = (rng.u32() & 0x8d5) | 0x202;
  }
  emit(spec: InsnSpec): void {
    this.code.push(...encode(spec, this.code.length));
  }
  /** Places bytes at an absolute data address and widens the memory window over them. */
  storeBytes(addr: number, b: Uint8Array): void {
    const lo = Math.max(0, (addr - DATA_BASE - 8) & ~7);
    const hi = Math.min(DATA_SIZE, (addr - DATA_BASE + b.length + 15) & ~7);
    const fill = (a: number): void => {
      if (this.winLo < 0 || a < this.winLo || a >= this.winHi) this.mem[a] = this.rng.u32() & 0xff;
    };
    if (this.winLo < 0) {
      for (let a = lo; a < hi; a++) fill(a);
      this.winLo = lo;
      this.winHi = hi;
    } else {
      const nlo = Math.min(lo, this.winLo);
      const nhi = Math.max(hi, this.winHi);
      for (let a = nlo; a < nhi; a++) fill(a);
      this.winLo = nlo;
      this.winHi = nhi;
    }
    this.mem.set(b, addr - DATA_BASE);
  }
}

class Retry extends Error {}

/**
 * A memory operand designating `target` through a random addressing form (base,
 * base+disp8/32, base+index*scale+disp, RIP-relative, 32-bit address size); the
 * registers it uses are set and added to `avoid`.
 */
function pickMem(v: Vec, avoid: Set<number>, target: number): { op: MemOperand; legacy: number[] } {
  const r = v.rng;
  const free = (): number => {
    for (;;) {
      const x = r.pick(GENERAL);
      if (!avoid.has(x)) {
        avoid.add(x);
        return x;
      }
    }
  };
  const T = BigInt(target);
  const op: MemOperand = { kind: 'mem', base: null, index: null, scale: 1, disp: 0, dispSize: 0, rip: false, target };
  const legacy: number[] = [];
  switch (r.pick(['base', 'disp8', 'disp32', 'sib', 'rip', 'a32'])) {
    case 'rip':
      op.rip = true;
      break;
    case 'base':
      op.base = free();
      v.gpr[op.base] = T;
      break;
    case 'disp8':
    case 'disp32': {
      op.base = free();
      op.dispSize = r.chance(0.5) ? 1 : 4;
      op.disp = op.dispSize === 1 ? r.int(256) - 128 : r.int(0x20000) - 0x10000;
      v.gpr[op.base] = T - BigInt(op.disp);
      break;
    }
    case 'sib': {
      op.base = free();
      op.index = free();
      op.scale = r.pick([1, 2, 4, 8]);
      const iv = BigInt(r.int(64) - 32);
      v.gpr[op.index] = BigInt.asUintN(64, iv);
      op.dispSize = r.pick([0, 1, 4] as const);
      op.disp = op.dispSize === 0 ? 0 : op.dispSize === 1 ? r.int(256) - 128 : r.int(0x20000) - 0x10000;
      v.gpr[op.base] = BigInt.asUintN(64, T - iv * BigInt(op.scale) - BigInt(op.disp));
      break;
    }
    default: {
      legacy.push(0x67);
      op.base = free();
      op.dispSize = r.pick([0, 1] as const);
      op.disp = op.dispSize ? r.int(256) - 128 : 0;
      v.gpr[op.base] = (r.u64() & 0xffffffff00000000n) | BigInt.asUintN(32, T - BigInt(op.disp));
    }
  }
  return { op, legacy };
}

/** A 16-byte-aligned data address with room around it, plus `misalign`. */
function memTarget(r: Rng, misalign = 0): number {
  return DATA_BASE + 0x100 + r.int(0x1d0) * 16 + misalign;
}

// ---- operand values ----------------------------------------------------------------------

const mask = (w: number): bigint => (1n << BigInt(w)) - 1n;

/** Edge values of a lane of `w` bits: 0, ±1, ±2, the signed and unsigned limits and their neighbours, bit patterns. */
function edges(w: number): bigint[] {
  const m = mask(w);
  const min = 1n << BigInt(w - 1);
  return [...new Set([0n, 1n, 2n, 3n, m, m - 1n, min - 1n, min, min + 1n, min - 2n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0x8000n,
    0xffffn, 0x5555555555555555n, 0xaaaaaaaaaaaaaaaan, 0x0f0f0f0f0f0f0f0fn].map((x) => x & m))];
}

function setLane(b: Uint8Array, at: number, bytes: number, value: bigint): void {
  let x = value;
  for (let k = 0; k < bytes; k++) {
    b[at + k] = Number(x & 0xffn);
    x >>= 8n;
  }
}

function randomBytes(r: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let k = 0; k < n; k++) b[k] = r.u32() & 0xff;
  return b;
}

/**
 * A 16-byte operand: lanes of a random width from the edge values, random bytes, small
 * values, or (given `like`) a copy of another operand with a few lanes changed, so that
 * equal lanes, saturation and overflow boundaries all turn up.
 */
function randXmm(r: Rng, like?: Uint8Array): Uint8Array {
  const mode = r.int(10);
  if (like && mode < 3) {
    const b = Uint8Array.from(like);
    const w = r.pick([1, 2, 4, 8]);
    for (let k = 0; k < 16 / w; k++) if (r.chance(0.3)) setLane(b, k * w, w, r.chance(0.5) ? r.pick(edges(w * 8)) : BigInt(r.u32()));
    return b;
  }
  if (mode < 7) {
    const w = r.pick([1, 2, 4, 8]);
    const b = new Uint8Array(16);
    const e = edges(w * 8);
    for (let k = 0; k < 16 / w; k++) setLane(b, k * w, w, r.chance(0.6) ? r.pick(e) : r.u64() & mask(w * 8));
    return b;
  }
  if (mode < 8) {
    const b = new Uint8Array(16);
    for (let k = 0; k < 16; k++) b[k] = r.int(4);
    return b;
  }
  return randomBytes(r, 16);
}

// ---- forms -------------------------------------------------------------------------------

export interface Form {
  id: string;
  group: string;
  mnemonic: string;
  /** Operand size in bytes (informational). */
  size: number;
  count: number;
  build: (v: Vec, n: number) => void;
}

/** The entries of the table this file covers (the ones table/sse-extended.ts registers). */
export function sseIntDefs(): OpcodeDef[] {
  const t = new OpcodeTable();
  registerSseExtended(t);
  return t.defs;
}

const SSSE3 = new Set(['pshufb', 'phaddw', 'phaddd', 'phaddsw', 'phsubw', 'phsubd', 'phsubsw', 'pmaddubsw', 'psignb', 'psignw',
  'psignd', 'pmulhrsw', 'pabsb', 'pabsw', 'pabsd', 'palignr']);
const SSE42 = new Set(['pcmpgtq', 'crc32']);

function groupOf(d: OpcodeDef): string {
  const m = d.mnemonic;
  if (m.startsWith('pcmp') && m.includes('str')) return 'pcmpstr';
  if (SSE42.has(m)) return 'sse42';
  if (SSSE3.has(m)) return 'ssse3';
  if (d.key.includes('0F 38') || d.key.includes('0F 3A')) return 'sse41';
  return 'sse2';
}

/** Builds the form list. `scale` multiplies every count (the live test uses a fraction). */
export function sseIntForms(scale = 1): Form[] {
  const forms: Form[] = [];
  const ids = new Set<string>();
  const add = (d: OpcodeDef, variant: string, mnemonic: string, size: number, count: number, build: (v: Vec, n: number) => void): void => {
    const id = `${mnemonic} ${d.operands.join(',')}${variant ? ' ' + variant : ''}`;
    if (ids.has(id)) throw new Error(`form ${id} defined twice`);
    ids.add(id);
    forms.push({ id, group: groupOf(d), mnemonic, size, count: Math.max(1, Math.round(count * scale)), build });
  };

  for (const d of sseIntDefs()) {
    const key = parseKey(d.key);
    const name = d.exec.name;
    const ops = d.operands.join(',');
    if (ops === 'Vx,Wx' || ops === 'Vx,Wx,Ib') vwForms(add, d, key);
    else if (name === 'shiftImm') {
      add(d, '', d.mnemonic, 16, 40, (v, n) => {
        const x = v.rng.int(16);
        v.xmm[x] = randXmm(v.rng);
        const c = n < 12 ? [0, 1, 7, 8, 15, 16, 17, 31, 32, 63, 64, 255][n] : v.rng.int(n < 30 ? 70 : 256);
        v.emit({ key, rm: { kind: 'reg', reg: x }, imms: [[1, BigInt(c)]] });
      });
    } else if (name === 'pmovmskb' || name === 'pextrwG') {
      for (const w of [false, true]) {
        add(d, w ? 'rex.w' : '', d.mnemonic, w ? 8 : 4, 24, (v) => {
          const g = v.rng.pick(GENERAL);
          v.gpr[g] = v.rng.u64();
          const x = v.rng.int(16);
          v.xmm[x] = randXmm(v.rng);
          const spec: InsnSpec = { key, reg: g, rm: { kind: 'reg', reg: x }, rexW: w };
          if (name === 'pextrwG') spec.imms = [[1, BigInt(v.rng.int(256))]];
          v.emit(spec);
        });
      }
    } else if (name === 'pextr' || name === 'pinsr') extractInsertForms(add, d, key);
    else if (name === 'pmovx') {
      const bytes = d.operands[1] === 'Wq' ? 8 : d.operands[1] === 'Wd' ? 4 : 2;
      for (const mem of [false, true]) {
        add(d, mem ? 'mem' : 'reg', d.mnemonic, 16, mem ? 16 : 32, (v) => {
          const r = v.rng;
          const x = r.int(16);
          v.xmm[x] = randXmm(r);
          const spec: InsnSpec = { key, reg: x };
          const value = randXmm(r);
          if (mem) {
            // Memory operands of PMOVSX/ZX are only as wide as the data: no alignment.
            const t = memTarget(r, r.int(16));
            v.storeBytes(t, value.subarray(0, bytes));
            const m = pickMem(v, new Set(), t);
            spec.legacy = m.legacy;
            spec.rm = m.op;
          } else {
            const s = r.int(16);
            if (s !== x) v.xmm[s] = value;
            spec.rm = { kind: 'reg', reg: s };
          }
          v.emit(spec);
        });
      }
    } else if (name === 'crc32') crcForms(add, d, key);
    else if (name === 'maskmovdqu') {
      for (const a32 of [false, true]) {
        add(d, a32 ? 'a32' : '', d.mnemonic, 16, 24, (v) => {
          const r = v.rng;
          const t = memTarget(r, r.int(16));
          v.storeBytes(t, randomBytes(r, 16));
          v.gpr[RDI] = a32 ? (r.u64() & 0xffffffff00000000n) | BigInt(t) : BigInt(t);
          const x = r.int(16);
          const m = r.int(16);
          v.xmm[x] = randXmm(r);
          if (m !== x) v.xmm[m] = r.chance(0.3) ? new Uint8Array(16).map(() => r.pick([0, 0x80, 0xff, 0x7f])) : randomBytes(r, 16);
          v.emit({ key, reg: x, rm: { kind: 'reg', reg: m }, legacy: a32 ? [0x67] : [] });
        });
      }
    } else if (ops === 'Vx,Mx' || ops === 'Vx,M') {
      // LDDQU (unaligned), MOVNTDQA (aligned: #GP otherwise).
      for (const misaligned of [false, true]) {
        add(d, misaligned ? 'misaligned' : '', d.mnemonic, 16, misaligned ? 6 : 16, (v) => {
          const r = v.rng;
          const x = r.int(16);
          v.xmm[x] = randXmm(r);
          const t = memTarget(r, misaligned ? 1 + r.int(15) : 0);
          v.storeBytes(t, randXmm(r));
          const m = pickMem(v, new Set(), t);
          v.emit({ key, reg: x, rm: m.op, legacy: m.legacy });
        });
      }
    } else if (d.mnemonic === 'emms') {
      add(d, '', 'emms', 4, 2, (v) => v.emit({ key }));
    } else {
      throw new Error(`sse-int vectors: no generator for ${d.key} ${d.mnemonic} ${ops}`);
    }
  }
  return forms;
}

type AddForm = (d: OpcodeDef, variant: string, mnemonic: string, size: number, count: number, build: (v: Vec, n: number) => void) => void;

/** Immediates worth trying for each Vx,Wx,Ib instruction: every value that selects something different early, then random. */
function immFor(d: OpcodeDef, r: Rng, n: number): number {
  switch (d.mnemonic) {
    case 'palignr':
      return n < 34 ? n : r.int(256);
    case 'pcmpestri': case 'pcmpestrm': case 'pcmpistri': case 'pcmpistrm':
      return n < 128 * 6 ? n & 127 : r.int(256);
    default:
      return r.int(256);
  }
}

/** Count operand of the shifts by XMM: the low quadword counts, whatever its size. */
function shiftCount(r: Rng, n: number): Uint8Array {
  const b = randomBytes(r, 16);
  const counts = [0n, 1n, 2n, 7n, 8n, 9n, 15n, 16n, 17n, 31n, 32n, 33n, 63n, 64n, 65n, 0x100n, 0x80000000n, 0xffffffffn,
    0x100000000n, 0x100000001n, 0x8000000000000000n, 0xffffffffffffffffn];
  const c = n < counts.length ? counts[n] : r.chance(0.7) ? BigInt(r.int(70)) : r.u64();
  setLane(b, 0, 8, c);
  return b;
}

/** XMM,XMM/m128 (and an Ib): register form, aligned memory form, and misaligned memory (#GP unless 4UA). */
function vwForms(add: AddForm, d: OpcodeDef, key: ParsedKey): void {
  const pcmpstr = d.mnemonic.startsWith('pcmp') && d.mnemonic.includes('str');
  const explicit = pcmpstr && d.mnemonic.startsWith('pcmpe');
  const hasImm = d.operands.includes('Ib');
  const variants: Array<[string, boolean, boolean, number]> = pcmpstr
    ? [['reg', false, false, 128 * 8], ['mem', true, false, 128], ['mem misaligned', true, false, 32]]
    : [['reg', false, false, hasImm ? 64 : 40], ['mem', true, false, 10], ['mem misaligned', true, false, 2]];
  if (explicit) variants.push(['reg rex.w', false, true, 384], ['mem rex.w', true, true, 32]);
  for (const [variant, mem, rexW, count] of variants) {
    const misaligned = variant.includes('misaligned');
    add(d, variant, d.mnemonic, rexW ? 8 : 16, count, (v, n) => {
      const r = v.rng;
      const avoid = new Set<number>([RSP]);
      if (pcmpstr) {
        // rAX/rDX hold the lengths and (E)CX receives the index.
        avoid.add(RAX);
        avoid.add(RDX);
        avoid.add(RCX);
      }
      const x = r.int(16);
      const spec: InsnSpec = { key, reg: x, rexW };
      let a: Uint8Array;
      let b: Uint8Array;
      const imm = hasImm ? immFor(d, r, n) : 0;
      if (pcmpstr) [a, b] = stringOperands(v, imm, explicit, rexW);
      else if (d.exec.name === 'shiftXmm') {
        a = randXmm(r);
        b = shiftCount(r, n);
      } else {
        a = randXmm(r);
        b = randXmm(r, a);
      }
      v.xmm[x] = a;
      if (d.mnemonic === 'pblendvb' && x !== 0) v.xmm[0] = randXmm(r);
      if (mem) {
        const t = memTarget(r, misaligned ? (pcmpstr ? 1 + r.int(15) : r.pick([4, 8, 12, 1 + r.int(15)])) : 0);
        v.storeBytes(t, b);
        const m = pickMem(v, avoid, t);
        spec.legacy = m.legacy;
        spec.rm = m.op;
      } else {
        const s = r.chance(0.1) ? x : r.int(16);
        if (s !== x) v.xmm[s] = b;
        spec.rm = { kind: 'reg', reg: s };
      }
      if (hasImm) spec.imms = [[1, BigInt(imm)]];
      v.emit(spec);
    });
  }
}

/**
 * Operands for PCMPxSTRx: strings over a small alphabet (so that matches, ranges and
 * substrings actually occur), terminated early or not, and the explicit lengths in
 * rAX/rDX from edge values (negative, past the element count, beyond 32 bits).
 */
function stringOperands(v: Vec, imm: number, explicit: boolean, rexW: boolean): [Uint8Array, Uint8Array] {
  const r = v.rng;
  const words = (imm & 1) !== 0;
  const n = words ? 8 : 16;
  const alphabet = words
    ? [0x0041, 0x0042, 0x0061, 0x7fff, 0x8000, 0xffff, 0x0001, 0x4142, 0x00ff, 0xff00]
    : [0x41, 0x42, 0x43, 0x61, 0x7a, 0x7f, 0x80, 0xff, 0x01, 0x30, 0x39, 0x20];
  const sub = alphabet.filter(() => r.chance(0.5));
  const letters = sub.length ? sub : alphabet.slice(0, 3);
  const str = (): number[] => {
    const s = Array.from({ length: n }, () => (r.chance(0.1) ? r.int(words ? 0x10000 : 0x100) : r.pick(letters)));
    const z = r.int(5);
    if (z === 0) s[r.int(n)] = 0; //      a terminator somewhere
    else if (z === 1) s[r.int(3)] = 0; // a short string
    else if (z === 2 && r.chance(0.3)) s.fill(0); // empty
    return s;
  };
  const b = str();
  let a = str();
  const agg = (imm >> 2) & 3;
  if (agg === 3 && r.chance(0.6)) {
    // Equal ordered: a needle that occurs in B (or starts to, at its end).
    const at = r.int(n);
    const len = 1 + r.int(4);
    a = a.map((_, k) => (k < len ? (b[at + k] ?? r.pick(letters)) : k === len && r.chance(0.7) ? 0 : a[k]));
  } else if (agg === 1 && r.chance(0.7)) {
    // Ranges: ordered pairs (and sometimes reversed ones).
    for (let k = 0; k + 1 < n; k += 2) {
      const lo = r.pick(letters);
      const hi = r.chance(0.8) ? Math.max(lo, r.pick(letters)) : r.pick(letters);
      a[k] = lo;
      a[k + 1] = hi;
    }
    if (r.chance(0.5)) a[2 * (1 + r.int(n / 2 - 1))] = 0;
  } else if (agg === 2 && r.chance(0.5)) {
    a = b.map((c) => (r.chance(0.2) ? r.pick(letters) : c));
  }
  const pack = (s: number[]): Uint8Array => {
    const out = new Uint8Array(16);
    s.forEach((c, k) => setLane(out, k * (words ? 2 : 1), words ? 2 : 1, BigInt(c)));
    return out;
  };
  if (explicit) {
    const len = (): bigint => {
      const x = r.int(10);
      if (x < 6) return BigInt.asUintN(64, BigInt(r.int(2 * n + 5) - n - 2));
      if (x < 8) {
        return r.pick([0x7fffffffn, 0x80000000n, 0x80000001n, 0xfffffff0n, 0xffffffffn, 0x100000000n, 0x100000005n, 0xffffffff00000005n,
          0xfffffffffffffff8n, 0x8000000000000000n, 0x7fffffffffffffffn, 0xffffffff80000000n, 0xffffffff7fffffffn]);
      }
      return r.u64();
    };
    v.gpr[RAX] = len();
    v.gpr[RDX] = len();
    // Without REX.W only EAX/EDX count: vary the upper halves to show they are ignored.
    if (!rexW && r.chance(0.5)) {
      v.gpr[RAX] ^= r.u64() << 32n;
      v.gpr[RDX] ^= r.u64() << 32n;
      v.gpr[RAX] &= mask(64);
      v.gpr[RDX] &= mask(64);
    }
  }
  v.gpr[RCX] = r.u64();
  return [pack(a), pack(b)];
}

/** PEXTRB/W/D/Q, PINSRB/W/D/Q: general register (with and without REX.W) and memory forms. */
function extractInsertForms(add: AddForm, d: OpcodeDef, key: ParsedKey): void {
  const gprCode = d.operands.find((o) => /^[REM]/.test(o))!;
  const sizes = gprCode === 'Ey' ? [4, 8] : [4];
  const memOnly = key.restriction === 'mem';
  const regOnly = key.restriction === 'reg';
  for (const size of sizes) {
    const mnemonic = d.mnemonic.includes('/') ? d.mnemonic.split('/')[size === 8 ? 1 : 0] : d.mnemonic;
    const kinds: Array<[boolean, boolean]> = memOnly ? [[true, false]] : regOnly ? [[false, false], [false, true]] : [[false, false], [true, false]];
    for (const [mem, extraW] of kinds) {
      const rexW = size === 8 || extraW;
      add(d, `${mem ? 'mem' : 'reg'}${size === 8 ? ' 64' : ''}${extraW ? ' rex.w' : ''}`, mnemonic, size, mem ? 16 : 32, (v) => {
        const r = v.rng;
        const x = r.int(16);
        v.xmm[x] = randXmm(r);
        const spec: InsnSpec = { key, reg: x, rexW, imms: [[1, BigInt(r.int(256))]] };
        const avoid = new Set<number>([RSP]);
        if (mem) {
          const t = memTarget(r, r.int(16));
          v.storeBytes(t, randomBytes(r, 16));
          const m = pickMem(v, avoid, t);
          spec.legacy = m.legacy;
          spec.rm = m.op;
        } else {
          const g = r.pick(GENERAL);
          v.gpr[g] = r.u64();
          spec.rm = { kind: 'reg', reg: g };
        }
        v.emit(spec);
      });
    }
  }
}

/** CRC32 r32/r64 with byte, word, dword and qword sources, register and memory. */
function crcForms(add: AddForm, d: OpcodeDef, key: ParsedKey): void {
  const byteSource = d.operands[1] === 'Eb';
  const shapes: Array<[string, number, boolean, number[]]> = byteSource
    ? [['8', 4, false, []], ['8 rex.w', 8, true, []]]
    : [['16', 4, false, [0x66]], ['32', 4, false, []], ['64', 8, true, []]];
  for (const [label, size, rexW, legacy] of shapes) {
    for (const mem of [false, true]) {
      add(d, `${label} ${mem ? 'mem' : 'reg'}`, 'crc32', size, mem ? 16 : 40, (v, n) => {
        const r = v.rng;
        const g = r.pick(GENERAL);
        v.gpr[g] = n < 4 ? [0n, 0xffffffffn, 0xffffffff00000000n, mask(64)][n] : r.u64();
        const spec: InsnSpec = { key, reg: g, rexW, legacy: [...legacy] };
        const value = r.chance(0.2) ? r.pick([0n, mask(64), 1n, 0x80n, 0x8000000000000000n]) : r.u64();
        if (mem) {
          const t = memTarget(r, r.int(16));
          const b = new Uint8Array(8);
          setLane(b, 0, 8, value);
          v.storeBytes(t, b);
          const m = pickMem(v, new Set([RSP, g]), t);
          spec.legacy!.push(...m.legacy);
          spec.rm = m.op;
        } else {
          let s = r.pick(GENERAL);
          if (byteSource && !rexW && r.chance(0.3)) s = 16 + r.int(4); // AH..BH
          if (s >= 16 && s - 16 === g) throw new Retry();
          if (s < 16 && s !== g) v.gpr[s] = value;
          else if (s >= 16) v.gpr[s - 16] = r.u64();
          spec.rm = { kind: 'reg', reg: s };
          // SPL..DIL need a REX prefix.
          if (byteSource && s >= 4 && s < 8) spec.forceRex = true;
        }
        v.emit(spec);
      });
    }
  }
}

// ---- running and recording -----------------------------------------------------------------

export interface Built {
  form: Form;
  v: Vec;
}

/** Builds every vector of the forms; `seed` is mixed into each form's PRNG. */
export function buildAll(forms: Form[], seed = ''): Built[] {
  return buildForms(forms, (rng) => new Vec(rng), Retry, seed);
}

export function request(v: Vec): string {
  const mem = v.winLo >= 0 ? `${v.winLo.toString(16)}:${bytesToHex(v.mem.subarray(v.winLo, v.winHi))}` : '-';
  return [bytesToHex(v.code), ...v.gpr.map(hex64), v.flags.toString(16), mem, ...v.xmm.map(bytesToHex)].join(' ');
}

/** Compiles the native executor (tools/sse-int-golden/sse-int-golden.c) into `dir`; null when there is no compiler. */
export function buildHarness(dir: string): string | null {
  const source = join(ROOT, 'tools', 'sse-int-golden', 'sse-int-golden.c');
  const out = join(dir, 'sse-int-golden');
  for (const cc of ['gcc', 'cc']) {
    try {
      execFileSync(cc, ['-O1', '-o', out, source], { stdio: 'pipe' });
      if (existsSync(out)) return out;
    } catch {
      // try the next compiler
    }
  }
  return null;
}

export function runHarness(harness: string, lines: string[]): string[] {
  const res = spawnSync(harness, [], { input: lines.join('\n') + '\n', maxBuffer: 1 << 30, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`sse-int-golden failed: ${res.stderr}`);
  const out = res.stdout.trimEnd().split('\n');
  if (out.length !== lines.length) throw new Error(`sse-int-golden answered ${out.length} of ${lines.length}`);
  return out;
}

/** Turns a harness answer into the committed record (layout.ts). */
export function record(form: Form, v: Vec, answer: string): SseIntVector {
  const f = answer.split(' ');
  const rec: SseIntVector = { f: form.id, b: bytesToHex(v.code), in: {}, fl: v.flags, out: {}, ofl: 0 };
  for (let r = 0; r < 16; r++) if (v.gpr[r] !== defaultGpr(r)) rec.in[GPR_NAMES[r]] = hex64(v.gpr[r]);
  for (let x = 0; x < 16; x++) if (bytesToHex(v.xmm[x]) !== bytesToHex(defaultXmm(x))) rec.in[`xmm${x}`] = bytesToHex(v.xmm[x]);
  if (v.winLo >= 0) rec.mem = `${v.winLo.toString(16)}:${bytesToHex(v.mem.subarray(v.winLo, v.winHi))}`;
  if (f[0] !== 'ok') {
    const [, trap, err, addr, rip] = f[0].split(':');
    rec.exc = { v: parseInt(trap, 10), e: parseInt(err, 16), r: parseInt(rip, 16) };
    if (rec.exc.v === 14) rec.exc.a = parseInt(addr, 16).toString(16);
  }
  for (let r = 0; r < 16; r++) if (f[1 + r] !== hex64(v.gpr[r])) rec.out[GPR_NAMES[r]] = f[1 + r];
  // None of these instructions leaves a flag undefined (PTEST, PCMPxSTRx: all six
  // defined; the rest: unaffected), so every compared bit is recorded.
  rec.ofl = parseInt(f[17], 16) & COMPARED_FLAGS;
  if (f[18] !== '-' && rec.mem !== f[18]) rec.omem = f[18].slice(f[18].indexOf(':') + 1);
  for (let x = 0; x < 16; x++) if (f[19 + x] !== bytesToHex(v.xmm[x])) rec.out[`xmm${x}`] = f[19 + x];
  return rec;
}

/**
 * Regenerates test/cpu/sse-int/data/<group>.jsonl.gz for the given groups (all when
 * empty) with the host CPU as the oracle. Returns one summary line per group.
 */
export async function generate(groups: string[], harness: string): Promise<string[]> {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { gzipSync } = await import('node:zlib');
  const forms = sseIntForms();
  const all = [...new Set(forms.map((f) => f.group))];
  const wanted = groups.length ? groups : all;
  for (const g of wanted) if (!all.includes(g)) throw new Error(`unknown group ${g} (have ${all.join(' ')})`);
  mkdirSync(DATA_DIR, { recursive: true });
  const summary: string[] = [];
  for (const g of wanted) {
    const built = buildAll(forms.filter((f) => f.group === g));
    const answers = runHarness(harness, built.map((b) => request(b.v)));
    const lines = built.map((b, i) => JSON.stringify(record(b.form, b.v, answers[i])));
    const gz = gzipSync(lines.join('\n') + '\n', { level: 9 });
    writeFileSync(join(DATA_DIR, `${g}.jsonl.gz`), gz);
    summary.push(`${g}: ${built.length} vectors, ${new Set(built.map((b) => b.form.id)).size} forms, ${gz.length} bytes`);
  }
  return summary;
}

/** The input state of a committed vector, to replay it on the host. */
export function vecFromRecord(rec: SseIntVector): Vec {
  const v = new Vec(new Rng('replay'));
  v.flags = rec.fl;
  v.code = Array.from(hexToBytes(rec.b));
  for (const [name, value] of Object.entries(rec.in)) {
    if (name.startsWith('xmm')) v.xmm[Number(name.slice(3))] = hexToBytes(value);
    else v.gpr[GPR_NAMES.indexOf(name)] = BigInt('0x' + value);
  }
  if (rec.mem) {
    const w = parseWindow(rec.mem);
    v.mem.set(w.bytes, w.offset);
    v.winLo = w.offset;
    v.winHi = w.offset + w.bytes.length;
  }
  return v;
}

/** The committed vectors of one data file (data/<group>.jsonl.gz). */
export function loadVectors(file: string): SseIntVector[] {
  const text = gunzipSync(readFileSync(join(DATA_DIR, file))).toString('utf8');
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as SseIntVector);
}
