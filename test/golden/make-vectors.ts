/**
 * Generates the golden vectors: enumerates the emulator's opcode table, builds snippets
 * with edge-case operands, runs them on the host CPU through tools/golden/golden, masks
 * the flags the manual leaves undefined, and writes test/golden/data/<group>.jsonl.gz.
 *
 *   node tools/golden/make-vectors.mjs            all groups
 *   node tools/golden/make-vectors.mjs alu shift  some groups
 *
 * Deterministic: every form draws from its own PRNG seeded by the form id, so adding a
 * form changes no other form's vectors.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { OPCODES } from '../../src/cpu/opcodes.js';
import type { OpcodeDef } from '../../src/cpu/opcode-table.js';
import { D64, F64, LOCKABLE } from '../../src/cpu/opcode-table.js';
import { encode, EncodeError, parseKey } from './encode.js';
import type { InsnSpec, MemOperand, ParsedKey, RmOperand } from './encode.js';
import {
  bytesToHex, CODE_BASE, COMPARED_FLAGS, DATA_BASE, DATA_SIZE, defaultGpr, defaultXmm, GPR_NAMES, GUARD_BASE, hex64,
  hexToBytes, RO_BASE,
} from './layout.js';
import type { GoldenVector } from './layout.js';
import { undefinedFlags } from './undefined-flags.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

// ---- randomness ------------------------------------------------------------------------

class Rng {
  private s: number;
  constructor(seed: string) {
    let h = 2166136261;
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
    this.s = h >>> 0;
  }
  u32(): number {
    // mulberry32
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
  bits(w: number): bigint {
    return BigInt.asUintN(w, this.u64());
  }
}

const mask = (w: number): bigint => (1n << BigInt(w)) - 1n;

/** Edge operands of a width: 0, 1, -1, signed min/max and their neighbours, carry boundaries. */
function edges(w: number): bigint[] {
  const m = mask(w);
  const min = 1n << BigInt(w - 1);
  const e = [0n, 1n, 2n, 3n, m, m - 1n, min - 1n, min, min + 1n, 0x0fn, 0x10n, 0x7fn, 0x80n, 0xffn,
    0x5555555555555555n & m, 0xaaaaaaaaaaaaaaaan & m];
  if (w >= 32) e.push(0x7fffn, 0x8000n, 0xffffn, 0x10000n);
  if (w === 64) e.push(0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0xffffffff00000000n, 0x80000000ffffffffn);
  return [...new Set(e.map((v) => v & m))];
}

function value(r: Rng, w: number): bigint {
  const x = r.int(100);
  if (x < 40) return r.pick(edges(w));
  if (x < 50) return BigInt(r.int(20));
  if (x < 60) return BigInt.asUintN(w, -BigInt(r.int(20)));
  if (x < 70) return r.bits(r.int(w) + 1);
  return r.bits(w);
}

/** Operand pairs with the carry/overflow boundaries first, then random-biased ones. */
function pairs(r: Rng, w: number, n: number): Array<[bigint, bigint]> {
  const m = mask(w);
  const min = 1n << BigInt(w - 1);
  const out: Array<[bigint, bigint]> = [
    [0n, 0n], [0n, 1n], [1n, 1n], [m, 1n], [1n, m], [m, m], [min - 1n, 1n], [min, m], [min, 1n], [min, min],
    [min - 1n, min - 1n], [min, min - 1n], [0n, min], [0n, m], [0x0fn, 1n], [0x10n, 1n],
  ];
  if (w === 64) out.push([0xffffffffn, 1n], [0x100000000n, 1n], [0x80000000n, 0x80000000n], [0xffffffffn, 0xffffffffn]);
  while (out.length < n) {
    const a = value(r, w);
    out.push([a, r.chance(0.2) ? a : value(r, w)]);
  }
  return out.slice(0, Math.max(n, 0)).map(([a, b]) => [a & m, b & m]);
}

function statusFlags(r: Rng): number {
  return (r.u32() & 0x8d5) | 0x202;
}

// ---- one vector under construction ---------------------------------------------------

const RSP = 4;

class Vec {
  gpr: bigint[] = Array.from({ length: 16 }, (_, n) => defaultGpr(n));
  xmm: Uint8Array[] = Array.from({ length: 16 }, (_, n) => defaultXmm(n));
  flags = 0x202;
  mem = new Uint8Array(DATA_SIZE);
  winLo = -1;
  winHi = -1;
  code: number[] = [];
  k: number | undefined = undefined;
  constructor(readonly rng: Rng) {}

  /** Appends an instruction to the snippet. */
  emit(spec: InsnSpec): void {
    this.code.push(...encode(spec, this.code.length));
  }
  raw(...bytes: number[]): void {
    this.code.push(...bytes);
  }

  /** Adds [lo, hi) (offsets from DATA_BASE) to the memory window, filled with random bytes. */
  window(lo: number, hi: number): void {
    lo = Math.max(0, lo & ~7);
    hi = Math.min(DATA_SIZE, (hi + 7) & ~7);
    for (let a = lo; a < hi; a++) if (a < this.winLo || a >= this.winHi || this.winLo < 0) this.mem[a] = this.rng.u32() & 0xff;
    if (this.winLo < 0) {
      this.winLo = lo;
      this.winHi = hi;
    } else {
      // Fill any gap so the window stays one range.
      for (let a = Math.min(this.winHi, hi); a < lo; a++) this.mem[a] = this.rng.u32() & 0xff;
      for (let a = hi; a < this.winLo; a++) this.mem[a] = this.rng.u32() & 0xff;
      this.winLo = Math.min(this.winLo, lo);
      this.winHi = Math.max(this.winHi, hi);
    }
  }

  /** Stores a little-endian value in the data pages (absolute address), widening the window. */
  store(addr: number, size: number, v: bigint): void {
    const off = addr - DATA_BASE;
    if (off < 0 || off + size > DATA_SIZE) return; // outside the window: a fault vector
    this.window(off - 8, off + size + 8);
    let x = BigInt.asUintN(size * 8, v);
    for (let i = 0; i < size; i++) {
      this.mem[off + i] = Number(x & 0xffn);
      x >>= 8n;
    }
  }

  storeBytes(addr: number, b: Uint8Array): void {
    const off = addr - DATA_BASE;
    this.window(off - 8, off + b.length + 8);
    this.mem.set(b, off);
  }

  /** Writes `size` bytes of a register operand, keeping the register's other bits (random by default). */
  setReg(reg: number, size: number, v: bigint): void {
    if (reg >= 16) {
      const r = reg - 16;
      this.gpr[r] = (this.gpr[r] & ~0xff00n) | ((v & 0xffn) << 8n);
      return;
    }
    const m = mask(size * 8);
    this.gpr[reg] = (this.gpr[reg] & ~m) | (v & m);
  }

  /** Randomises a register first (so the bits outside the operand are arbitrary). */
  randomReg(reg: number): void {
    const r = reg >= 16 ? reg - 16 : reg;
    if (r !== RSP) this.gpr[r] = this.rng.u64();
  }
}

// ---- operand selection -------------------------------------------------------------

/** General registers an operand may use (not RSP: the stack pointer stays a valid pointer). */
const GENERAL = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

function pickReg(r: Rng, avoid: Set<number>, byte: boolean): number {
  for (;;) {
    let reg = r.pick(GENERAL);
    if (byte) {
      const x = r.int(20);
      if (x < 4) reg = 16 + x; // AH..BH
      else if (x < 7) reg = 5 + r.int(3); // BPL, SIL, DIL (need a REX prefix)
    }
    const base = reg >= 16 ? reg - 16 : reg;
    if (!avoid.has(base)) return reg;
  }
}

const baseOf = (reg: number): number => (reg >= 16 ? reg - 16 : reg);

interface MemChoice {
  op: MemOperand;
  /** Add a 67 prefix. */
  addr32: boolean;
}

/**
 * A memory operand designating `target` through a randomly chosen addressing form
 * (base, base+disp8/32, base+index*scale+disp, index only, absolute disp32, RIP-relative,
 * 32-bit address size); sets the registers it uses and adds them to `avoid`.
 */
function pickMem(v: Vec, avoid: Set<number>, target: number, forms = 'any'): MemChoice {
  const r = v.rng;
  const mode = forms === 'simple' ? r.pick(['base', 'disp8', 'rip']) : r.pick(['base', 'disp8', 'disp32', 'sib', 'sib', 'index', 'abs', 'rip', 'a32']);
  const free = (): number => {
    for (;;) {
      const x = r.pick([...GENERAL, RSP]);
      if (x === RSP) continue; // RSP as a base would move the stack; use the others
      if (!avoid.has(x)) {
        avoid.add(x);
        return x;
      }
    }
  };
  const T = BigInt(target);
  const op: MemOperand = { kind: 'mem', base: null, index: null, scale: 1, disp: 0, dispSize: 0, rip: false, target };
  let addr32 = false;
  switch (mode) {
    case 'rip':
      op.rip = true;
      break;
    case 'abs':
      op.disp = target;
      break;
    case 'base': {
      op.base = free();
      v.gpr[op.base] = T;
      break;
    }
    case 'disp8':
    case 'disp32': {
      op.base = free();
      op.dispSize = mode === 'disp8' ? 1 : 4;
      op.disp = mode === 'disp8' ? r.int(256) - 128 : r.int(0x20000) - 0x10000;
      v.gpr[op.base] = T - BigInt(op.disp);
      break;
    }
    case 'sib':
    case 'index': {
      if (mode === 'sib') op.base = free();
      let idx = free();
      if (idx === RSP) idx = free();
      op.index = idx;
      op.scale = r.pick([1, 2, 4, 8]);
      const iv = BigInt(r.int(64) - 32);
      v.gpr[idx] = BigInt.asUintN(64, iv);
      op.dispSize = mode === 'index' ? 4 : r.pick([0, 1, 4] as const);
      op.disp = op.dispSize === 0 ? 0 : op.dispSize === 1 ? r.int(256) - 128 : r.int(0x20000) - 0x10000;
      if (mode === 'index') op.disp = Number(T - iv * BigInt(op.scale));
      else v.gpr[op.base!] = BigInt.asUintN(64, T - iv * BigInt(op.scale) - BigInt(op.disp));
      break;
    }
    case 'a32': {
      addr32 = true;
      op.base = free();
      op.dispSize = r.pick([0, 1] as const);
      op.disp = op.dispSize ? r.int(256) - 128 : 0;
      // Address-size override: the upper halves of the base register do not take part.
      v.gpr[op.base] = (r.u64() & 0xffffffff00000000n) | BigInt.asUintN(32, T - BigInt(op.disp));
      break;
    }
  }
  return { op, addr32 };
}

// ---- forms -------------------------------------------------------------------------

interface Form {
  id: string;
  group: string;
  mnemonic: string;
  size: number;
  count: number;
  build: (v: Vec, n: number) => void;
}

const forms: Form[] = [];
const formIds = new Set<string>();

function form(group: string, id: string, mnemonic: string, size: number, count: number, build: (v: Vec, n: number) => void): void {
  if (formIds.has(id)) throw new Error(`form ${id} defined twice`);
  formIds.add(id);
  forms.push({ id, group, mnemonic, size, count, build });
}

const defsByExec = new Map<string, OpcodeDef[]>();
for (const d of OPCODES.defs) {
  if (d.key.includes('+r') && defsByExec.get(d.exec.name)?.some((x) => x.key === d.key)) continue; // +r: one def per register
  const list = defsByExec.get(d.exec.name) ?? [];
  list.push(d);
  defsByExec.set(d.exec.name, list);
}
const defsOf = (handler: string): OpcodeDef[] => {
  const list = defsByExec.get(handler);
  if (!list) throw new Error(`no opcode table entries run ${handler}`);
  return list;
};
const byKey = (key: string): OpcodeDef => {
  const d = OPCODES.defs.find((x) => x.key === key);
  if (!d) throw new Error(`no opcode table entry ${key}`);
  return d;
};

/** Operand sizes a def supports. */
function sizesOf(d: OpcodeDef): number[] {
  const ops = d.operands;
  if (d.attrs & F64) return [8];
  const byte = d.eByte || d.gByte || ['al', 'Zb', 'Xb', 'Yb', 'Ob'].includes(ops[0] ?? '');
  const wide = ops.some((o) => ['Gv', 'Ev', 'Zv', 'rAX', 'Yv', 'Xv', 'Ov', 'Gy', 'Ey'].includes(o));
  if (byte && !wide) return [1];
  if (ops.includes('Ey') || ops.includes('Gy')) return [4, 8];
  if (d.attrs & D64) return [2, 8];
  if (!wide) return [4];
  return [2, 4, 8];
}

const opPrefix = (size: number): number[] => (size === 2 ? [0x66] : []);
const formName = (d: OpcodeDef, size: number, mem: boolean | null, extra = ''): string =>
  `${extra}${d.mnemonic} ${d.operands.join(',') || '-'} ${size * 8}${mem === null ? '' : mem ? ' mem' : ' reg'}`;

/** Immediate value and encoding for an operand code at an operand size: [bytes, value as seen by the instruction]. */
function immFor(code: string, size: number, r: Rng, want?: bigint): [number, bigint] {
  const w = size * 8;
  let bytes: number;
  if (code === 'Ib') bytes = 1;
  else if (code === 'Iw') bytes = 2;
  else if (code === 'Iz') bytes = size === 2 ? 2 : 4;
  else if (code === 'Iv') bytes = size;
  else throw new Error(`immediate ${code}`);
  const raw = BigInt.asUintN(bytes * 8, want ?? value(r, bytes * 8));
  // Sign-extended to the operand size.
  const ext = BigInt.asUintN(w, BigInt.asIntN(bytes * 8, raw));
  return [bytes, bytes * 8 >= w ? raw : ext];
}

/** Target of a memory operand: somewhere in the first data page, aligned to `align`. */
function memTarget(r: Rng, align = 1): number {
  const off = 0x200 + r.int(0xa00);
  return DATA_BASE + off - (off % align);
}

// ---- integer ALU -------------------------------------------------------------------

const ALU_HANDLERS = ['aluEG', 'aluGE', 'aluAccImm', 'aluEImm', 'testEG', 'testAccImm', 'testEImm', 'xadd', 'cmpxchg', 'xchgEG'];

/**
 * Two-operand forms: E,G / G,E / acc,imm / E,imm. `a` goes to the first operand, `b` to
 * the second. Register and memory variants, and a LOCK variant of lockable memory forms.
 */
function binaryForms(group: string, d: OpcodeDef, count: number): void {
  const key = parseKey(d.key);
  const ops = d.operands;
  for (const size of sizesOf(d)) {
    const hasE = ops.some((o) => o.startsWith('E'));
    const variants: Array<[boolean, boolean]> = hasE ? [[false, false], [true, false]] : [[false, false]];
    if (hasE && d.attrs & LOCKABLE) variants.push([true, true]);
    if (d.exec.name === 'xchgEG') variants.push([true, true]);
    for (const [mem, lock] of variants) {
      const id = formName(d, size, hasE ? mem : null, lock ? 'lock ' : '');
      form(group, id, d.mnemonic, size, count, (v, n) => {
        const r = v.rng;
        const w = size * 8;
        const [a, b] = pairs(r, w, count)[n];
        v.flags = statusFlags(r);
        const avoid = new Set<number>();
        const spec: InsnSpec = { key, legacy: [...(lock ? [0xf0] : []), ...opPrefix(size)], rexW: size === 8 && !(d.attrs & D64) };
        const byte = size === 1;
        const first = ops[0];
        const second = ops[1];
        const imm = second?.startsWith('I') ? second : null;
        if (first === 'al' || first === 'rAX') {
          avoid.add(0);
          v.randomReg(0);
          v.setReg(0, size, a);
        }
        let gReg = -1;
        if (ops.some((o) => o.startsWith('G'))) {
          gReg = pickReg(r, avoid, byte);
          avoid.add(baseOf(gReg));
          v.randomReg(gReg);
          spec.reg = gReg;
          if (gReg >= 4 && gReg <= 7 && byte) spec.forceRex = true;
          // the accumulator is an implicit operand of CMPXCHG
          if (d.exec.name === 'cmpxchg' && baseOf(gReg) === 0) throw new Retry();
        }
        if (d.exec.name === 'cmpxchg') avoid.add(0);
        if (hasE) {
          if (mem) {
            const t = memTarget(r, size);
            const m = pickMem(v, avoid, t);
            if (m.addr32) spec.legacy!.push(0x67);
            spec.rm = m.op;
            const eVal = first.startsWith('E') ? a : b;
            v.store(t, size, eVal);
          } else {
            const same = d.exec.name !== 'cmpxchg' && gReg >= 0 && r.chance(0.08);
            const e = same ? gReg : pickReg(r, avoid, byte);
            avoid.add(baseOf(e));
            if (!same) v.randomReg(e);
            spec.rm = { kind: 'reg', reg: e };
            if (e >= 4 && e <= 7 && byte) spec.forceRex = true;
            v.setReg(e, size, first.startsWith('E') ? a : b);
          }
        }
        if (gReg >= 0) v.setReg(gReg, size, first.startsWith('G') ? a : b);
        if (imm) {
          const [bytes, val] = immFor(imm, size, r, b);
          spec.imms = [[bytes, val]];
        }
        if (d.exec.name === 'cmpxchg') {
          // Accumulator equal to the destination half of the time.
          v.randomReg(0);
          v.setReg(0, size, r.chance(0.5) ? a : value(r, w));
        }
        v.emit(spec);
      });
    }
  }
}

class Retry extends Error {}

function unaryForms(group: string, d: OpcodeDef, count: number): void {
  const key = parseKey(d.key);
  for (const size of sizesOf(d)) {
    for (const mem of [false, true]) {
      form(group, formName(d, size, mem), d.mnemonic, size, count, (v, n) => {
        const r = v.rng;
        const w = size * 8;
        const es = edges(w);
        const a = n < es.length ? es[n] : value(r, w);
        v.flags = statusFlags(r);
        const spec: InsnSpec = { key, legacy: opPrefix(size), rexW: size === 8 };
        const avoid = new Set<number>();
        setEOperand(v, spec, avoid, size, mem, a);
        v.emit(spec);
      });
    }
  }
}

/** Puts `a` in a fresh E operand (register or memory). */
function setEOperand(v: Vec, spec: InsnSpec, avoid: Set<number>, size: number, mem: boolean, a: bigint, align = size): number {
  const r = v.rng;
  if (mem) {
    const t = memTarget(r, align);
    const m = pickMem(v, avoid, t);
    if (m.addr32) (spec.legacy ??= []).push(0x67);
    spec.rm = m.op;
    v.store(t, size, a);
    return t;
  }
  const e = pickReg(r, avoid, size === 1);
  avoid.add(baseOf(e));
  v.randomReg(e);
  v.setReg(e, size, a);
  spec.rm = { kind: 'reg', reg: e };
  if (size === 1 && e >= 4 && e <= 7) spec.forceRex = true;
  return e;
}

// ---- multiply and divide -------------------------------------------------------------

function mulForms(group: string, d: OpcodeDef, count: number): void {
  const key = parseKey(d.key);
  for (const size of sizesOf(d)) {
    for (const mem of [false, true]) {
      form(group, formName(d, size, mem), d.mnemonic, size, count, (v, n) => {
        const r = v.rng;
        const w = size * 8;
        const [a, b] = pairs(r, w, count)[n];
        v.flags = statusFlags(r);
        const spec: InsnSpec = { key, legacy: opPrefix(size), rexW: size === 8 };
        const avoid = new Set([0, 2]);
        v.randomReg(0);
        v.randomReg(2);
        v.setReg(0, size, a);
        setEOperand(v, spec, avoid, size, mem, b);
        v.emit(spec);
      });
    }
  }
}

function divForms(group: string, d: OpcodeDef, count: number): void {
  const key = parseKey(d.key);
  const signed = d.mnemonic === 'idiv';
  for (const size of sizesOf(d)) {
    for (const mem of [false, true]) {
      form(group, formName(d, size, mem), d.mnemonic, size, count, (v, n) => {
        const r = v.rng;
        const w = size * 8;
        v.flags = statusFlags(r);
        const spec: InsnSpec = { key, legacy: opPrefix(size), rexW: size === 8 };
        const avoid = new Set([0, 2]);
        v.randomReg(0);
        v.randomReg(2);
        // Mostly quotients that fit; some #DE: zero divisor, overflowing quotient, MIN / -1.
        let divisor: bigint;
        let dividend: bigint;
        const W = BigInt(w);
        const kind = n < 3 ? n : 3;
        if (kind === 0) {
          divisor = 0n;
          dividend = r.bits(2 * w);
        } else if (kind === 1) {
          divisor = signed ? mask(w) : value(r, w) | 1n; // -1, or anything
          dividend = signed ? 1n << (2n * W - 1n) : (divisor << W) | r.bits(w); // MIN / -1, or high half >= divisor
        } else {
          divisor = value(r, w);
          if (divisor === 0n) divisor = 1n;
          if (signed) {
            const sd = BigInt.asIntN(w, divisor);
            const q = BigInt.asIntN(w, r.chance(0.3) ? r.pick(edges(w)) : r.bits(r.int(w) + 1));
            const absd = sd < 0n ? -sd : sd;
            const rem = absd > 1n ? BigInt(r.u32()) % absd : 0n;
            let nn = q * sd;
            nn += nn < 0n || (nn === 0n && r.chance(0.5)) ? -rem : rem;
            dividend = BigInt.asUintN(2 * w, nn);
          } else {
            const q = r.chance(0.3) ? r.pick(edges(w)) : r.bits(r.int(w) + 1);
            const rem = divisor > 1n ? r.u64() % divisor : 0n;
            dividend = q * divisor + rem;
          }
        }
        if (size === 1) v.setReg(0, 2, dividend);
        else {
          v.setReg(0, size, dividend);
          v.setReg(2, size, dividend >> W);
        }
        setEOperand(v, spec, avoid, size, mem, divisor);
        v.emit(spec);
      });
    }
  }
}

/** 0F AF IMUL G,E; 69 IMUL G,E,Iz; 6B IMUL G,E,Ib. */
function imulGEForms(group: string, d: OpcodeDef, count: number): void {
  const key = parseKey(d.key);
  const imm = d.operands[2];
  for (const size of sizesOf(d)) {
    for (const mem of [false, true]) {
      form(group, formName(d, size, mem), d.mnemonic, size, count, (v, n) => {
        const r = v.rng;
        const [a, b] = pairs(r, size * 8, count)[n];
        v.flags = statusFlags(r);
        const spec: InsnSpec = { key, legacy: opPrefix(size), rexW: size === 8 };
        const avoid = new Set<number>();
        const g = pickReg(r, avoid, false);
        avoid.add(g);
        v.randomReg(g);
        spec.reg = g;
        if (imm) {
          setEOperand(v, spec, avoid, size, mem, a);
          spec.imms = [immFor(imm, size, r, b)];
        } else {
          v.setReg(g, size, a);
          setEOperand(v, spec, avoid, size, mem, b);
        }
        v.emit(spec);
      });
    }
  }
}

// ---- shifts and rotates ----------------------------------------------------------------

const SHIFT_COUNTS = [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255];

function shiftForms(group: string, d: OpcodeDef, count: number): void {
  const key = parseKey(d.key);
  const how = d.operands[1]; // Ib, 1, cl
  for (const size of sizesOf(d)) {
    for (const mem of [false, true]) {
      form(group, formName(d, size, mem), d.mnemonic, size, count, (v, n) => {
        const r = v.rng;
        const w = size * 8;
        const c = how === '1' ? 1 : n < SHIFT_COUNTS.length ? SHIFT_COUNTS[n] : r.int(256);
        v.flags = statusFlags(r);
        const spec: InsnSpec = { key, legacy: opPrefix(size), rexW: size === 8 };
        const avoid = new Set<number>();
        if (how === 'cl') {
          avoid.add(1);
          v.randomReg(1);
          v.setReg(1, 1, BigInt(c));
        }
        setEOperand(v, spec, avoid, size, mem, value(r, w));
        if (how === 'Ib') spec.imms = [[1, BigInt(c)]];
        v.k = c & (size === 8 ? 63 : 31);
        v.emit(spec);
      });
    }
  }
}

function shiftDoubleForms(group: string, d: OpcodeDef, count: number): void {
  const key = parseKey(d.key);
  const byCl = d.operands[2] === 'cl';
  for (const size of sizesOf(d)) {
    const w = size * 8;
    const counts = [0, 1, 2, 3, w / 2, w - 1, w, 31, 32, 33, 63, 64, 65, 96, 255].filter((c) => (c & (size === 8 ? 63 : 31)) <= w);
    for (const mem of [false, true]) {
      form(group, formName(d, size, mem), d.mnemonic, size, count, (v, n) => {
        const r = v.rng;
        let c = n < counts.length ? counts[n] : r.int(256);
        while ((c & (size === 8 ? 63 : 31)) > w) c = r.int(256); // result undefined: not generated
        v.flags = statusFlags(r);
        const spec: InsnSpec = { key, legacy: opPrefix(size), rexW: size === 8 };
        const avoid = new Set<number>();
        if (byCl) {
          avoid.add(1);
          v.randomReg(1);
          v.setReg(1, 1, BigInt(c));
        }
        const g = pickReg(r, avoid, false);
        avoid.add(g);
        v.randomReg(g);
        v.setReg(g, size, value(r, w));
        spec.reg = g;
        setEOperand(v, spec, avoid, size, mem, value(r, w));
        if (!byCl) spec.imms = [[1, BigInt(c)]];
        v.k = c & (size === 8 ? 63 : 31);
        v.emit(spec);
      });
    }
  }
}

// ---- bit operations ----------------------------------------------------------------

function btForms(group: string, d: OpcodeDef, count: number): void {
  const key = parseKey(d.key);
  const byImm = d.operands[1] === 'Ib';
  for (const size of sizesOf(d)) {
    const w = size * 8;
    for (const mem of [false, true]) {
      form(group, formName(d, size, mem), d.mnemonic, size, count, (v, n) => {
        const r = v.rng;
        v.flags = statusFlags(r);
        const spec: InsnSpec = { key, legacy: opPrefix(size), rexW: size === 8 };
        const avoid = new Set<number>();
        // A register bit offset with a memory operand addresses a bit string around it
        // (negative offsets included); keep it within +-96 bytes.
        const offset = n < 8 ? [0, 1, w - 1, w, w + 1, -1, -w, 2 * w + 3][n] : mem && !byImm ? r.int(1536) - 768 : r.int(256);
        if (!byImm) {
          const g = pickReg(r, avoid, false);
          avoid.add(g);
          v.randomReg(g);
          v.setReg(g, size, BigInt.asUintN(w, BigInt(offset)));
          spec.reg = g;
        }
        if (mem) {
          const t = DATA_BASE + 0x800 + r.int(16) * size;
          const m = pickMem(v, avoid, t);
          if (m.addr32) spec.legacy!.push(0x67);
          spec.rm = m.op;
          v.window(0x800 - 0x70, 0x800 + 0x90);
          v.store(t, size, value(r, w));
        } else setEOperand(v, spec, avoid, size, false, value(r, w));
        if (byImm) spec.imms = [[1, BigInt(offset & 0xff)]];
        v.emit(spec);
      });
    }
  }
}

function bitScanForms(group: string, d: OpcodeDef, count: number): void {
  const key = parseKey(d.key);
  for (const size of sizesOf(d)) {
    const w = size * 8;
    for (const mem of [false, true]) {
      form(group, formName(d, size, mem), d.mnemonic, size, count, (v, n) => {
        const r = v.rng;
        v.flags = statusFlags(r);
        const spec: InsnSpec = { key, legacy: opPrefix(size), rexW: size === 8 };
        const avoid = new Set<number>();
        const g = pickReg(r, avoid, false);
        avoid.add(g);
        v.randomReg(g);
        spec.reg = g;
        const src = n < 4 ? [0n, 1n, mask(w), 1n << BigInt(w - 1)][n] : n < 10 ? 1n << BigInt(r.int(w)) : value(r, w);
        setEOperand(v, spec, avoid, size, mem, src);
        v.emit(spec);
      });
    }
  }
}

// ---- data movement ---------------------------------------------------------------------

/** MOV E,G / G,E / E,imm, MOVZX/MOVSX/MOVSXD, MOVBE, CMOVcc: one destination, one source. */
function moveForms(group: string, d: OpcodeDef, count: number, sizes = sizesOf(d)): void {
  const key = parseKey(d.key);
  const ops = d.operands;
  const srcSize = (size: number): number => {
    const s = ops[1];
    if (s === 'Eb') return 1;
    if (s === 'Ew') return 2;
    if (s === 'Ed') return 4;
    return size;
  };
  const memOnly = ops.includes('M');
  for (const size of sizes) {
    for (const mem of memOnly ? [true, false] : [false, true]) {
      form(group, formName(d, size, mem), d.mnemonic, size, count, (v, n) => {
        const r = v.rng;
        v.flags = statusFlags(r);
        const spec: InsnSpec = { key, legacy: opPrefix(size), rexW: size === 8 && !(d.attrs & D64) };
        const avoid = new Set<number>();
        const ss = srcSize(size);
        const val = n < edges(ss * 8).length && n % 2 === 0 ? edges(ss * 8)[n >> 1] : value(r, ss * 8);
        const gIsDest = ops[0].startsWith('G');
        const gByte = d.gByte;
        const eSize = gIsDest ? ss : size;
        if (ops.some((o) => o.startsWith('G'))) {
          const g = pickReg(r, avoid, gByte);
          avoid.add(baseOf(g));
          v.randomReg(g);
          if (!gIsDest) v.setReg(g, size, val);
          spec.reg = g;
          if (gByte && g >= 4 && g <= 7) spec.forceRex = true;
        }
        const e = setEOperand(v, spec, avoid, eSize, mem, gIsDest ? val : value(r, eSize * 8), ops.includes('M') ? 1 : eSize);
        if (!mem && eSize === 1 && spec.forceRex && e >= 16) throw new Retry();
        const imm = ops[1]?.startsWith('I') ? ops[1] : null;
        if (imm) spec.imms = [immFor(imm, size, r, val)];
        v.emit(spec);
      });
    }
  }
}

// ---- the table walk ---------------------------------------------------------------------

function integerForms(): void {
  for (const h of ALU_HANDLERS) for (const d of defsOf(h)) binaryForms(h === 'xadd' || h === 'cmpxchg' || h === 'xchgEG' ? 'xchg' : 'alu', d, h.startsWith('alu') ? 32 : 24);
  for (const h of ['notE', 'negE', 'incDecE']) for (const d of defsOf(h)) unaryForms('unary', d, 24);
  for (const d of defsOf('mulE')) mulForms('muldiv', d, 28);
  for (const d of defsOf('imulE')) mulForms('muldiv', d, 28);
  for (const d of defsOf('divE')) divForms('muldiv', d, 28);
  for (const d of defsOf('idivE')) divForms('muldiv', d, 28);
  for (const d of defsOf('imulGE')) imulGEForms('muldiv', d, 28);
  for (const h of ['shiftEImm', 'shiftE1', 'shiftECl']) for (const d of defsOf(h)) shiftForms('shift', d, h === 'shiftE1' ? 12 : 24);
  for (const d of defsOf('shiftDouble')) shiftDoubleForms('shift', d, 24);
  for (const h of ['btEG', 'btEImm']) for (const d of defsOf(h)) btForms('bit', d, 20);
  for (const h of ['bsfBsr', 'tzcntLzcnt', 'popcnt']) for (const d of defsOf(h)) bitScanForms('bit', d, 20);
  for (const h of ['movEG', 'movGE', 'movEImm', 'movx', 'movbe']) for (const d of defsOf(h)) moveForms('move', d, 12);
  for (const d of defsOf('movsxd')) moveForms('move', d, 12, [4, 8]);
  for (const d of defsOf('cmov')) moveForms('cmov', d, 12);
}

// ---- running and recording -------------------------------------------------------------

interface Built {
  form: Form;
  v: Vec;
}

function buildAll(selected: Form[]): Built[] {
  const out: Built[] = [];
  for (const f of selected) {
    const rng = new Rng(f.id);
    for (let n = 0; n < f.count; n++) {
      for (let attempt = 0; ; attempt++) {
        const v = new Vec(rng);
        try {
          f.build(v, n);
        } catch (e) {
          if ((e instanceof Retry || e instanceof EncodeError) && attempt < 50) continue;
          throw new Error(`form ${f.id} vector ${n}: ${(e as Error).message}`);
        }
        out.push({ form: f, v });
        break;
      }
    }
  }
  return out;
}

function request(v: Vec): string {
  const mem = v.winLo >= 0 ? `${v.winLo.toString(16)}:${bytesToHex(v.mem.subarray(v.winLo, v.winHi))}` : '-';
  return [bytesToHex(v.code), ...v.gpr.map(hex64), v.flags.toString(16), mem, ...v.xmm.map(bytesToHex)].join(' ');
}

const HARNESS = join(ROOT, 'tools', 'golden', 'golden');

export function runHarness(lines: string[]): string[] {
  const res = spawnSync(HARNESS, [], { input: lines.join('\n') + '\n', maxBuffer: 1 << 30, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`golden harness failed: ${res.stderr}`);
  const out = res.stdout.trimEnd().split('\n');
  if (out.length !== lines.length) throw new Error(`golden harness answered ${out.length} of ${lines.length}`);
  return out;
}

/** Turns a harness answer into the committed record. */
export function record(form: { id: string; mnemonic: string; size: number }, v: Vec, answer: string): GoldenVector {
  const f = answer.split(' ');
  const rec: GoldenVector = { f: form.id, m: form.mnemonic, sz: form.size, b: bytesToHex(v.code), in: {}, fl: v.flags, out: {}, ofl: 0 };
  if (v.k !== undefined) rec.k = v.k;
  for (let r = 0; r < 16; r++) if (v.gpr[r] !== defaultGpr(r)) rec.in[GPR_NAMES[r]] = hex64(v.gpr[r]);
  for (let x = 0; x < 16; x++) if (bytesToHex(v.xmm[x]) !== bytesToHex(defaultXmm(x))) rec.in[`xmm${x}`] = bytesToHex(v.xmm[x]);
  if (v.winLo >= 0) rec.mem = `${v.winLo.toString(16)}:${bytesToHex(v.mem.subarray(v.winLo, v.winHi))}`;
  if (f[0] !== 'ok') {
    const [, trap, err, addr, rip] = f[0].split(':');
    rec.exc = { v: parseInt(trap, 10), e: parseInt(err, 16), r: parseInt(rip, 16) };
    if (rec.exc.v === 14) rec.exc.a = parseInt(addr, 16).toString(16);
  }
  for (let r = 0; r < 16; r++) {
    const out = f[1 + r];
    if (out !== hex64(v.gpr[r])) rec.out[GPR_NAMES[r]] = out;
  }
  const undefinedMask = undefinedFlags(form.mnemonic, form.size, v.k);
  rec.ofl = parseInt(f[17], 16) & COMPARED_FLAGS & ~undefinedMask;
  if (f[18] !== '-' && rec.mem !== f[18]) rec.omem = f[18].slice(f[18].indexOf(':') + 1);
  for (let x = 0; x < 16; x++) if (f[19 + x] !== bytesToHex(v.xmm[x])) rec.out[`xmm${x}`] = f[19 + x];
  return rec;
}

function main(): void {
  integerForms();
  const args = process.argv.slice(2);
  const groups = [...new Set(forms.map((f) => f.group))];
  const wanted = args.length ? args : groups;
  for (const g of wanted) if (!groups.includes(g)) throw new Error(`unknown group ${g} (have ${groups.join(' ')})`);
  mkdirSync(join(HERE, 'data'), { recursive: true });
  let total = 0;
  for (const g of wanted) {
    const built = buildAll(forms.filter((f) => f.group === g));
    const answers = runHarness(built.map((b) => request(b.v)));
    const lines = built.map((b, i) => JSON.stringify(record(b.form, b.v, answers[i])));
    const gz = gzipSync(lines.join('\n') + '\n', { level: 9 });
    writeFileSync(join(HERE, 'data', `${g}.jsonl.gz`), gz);
    const nForms = new Set(built.map((b) => b.form.id)).size;
    console.log(`${g}: ${built.length} vectors, ${nForms} forms, ${gz.length} bytes`);
    total += built.length;
  }
  console.log(`total ${total} vectors`);
}

// Keep imports used by later groups referenced.
void GUARD_BASE;
void CODE_BASE;
void byKey;
void RO_BASE;
void hexToBytes;
void (null as unknown as ParsedKey | RmOperand | undefined);

main();
