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
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { OPCODES } from '../../src/cpu/opcodes.js';
import type { OpcodeDef } from '../../src/cpu/opcode-table.js';
import { D64, F64, LOCKABLE } from '../../src/cpu/opcode-table.js';
import { encode, parseKey } from './encode.js';
import type { InsnSpec, MemOperand, ParsedKey, RmOperand } from './encode.js';
import { buildForms } from './forms.js';
import { CODE_BASE, DATA_BASE, DATA_SIZE, defaultFx, defaultGpr, fxSet, GS_BASE, GUARD_BASE, RO_BASE } from './layout.js';
import { requestLine, runHarness, toRecord } from './native.js';
import type { NativeInput } from './native.js';
import { Rng } from './rng.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

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
  /** x87/SSE state as an FXSAVE64 image (layout.ts, FX_FIELDS). */
  fx = defaultFx();
  flags = 0x202;
  mem = new Uint8Array(DATA_SIZE);
  winLo = -1;
  winHi = -1;
  code: number[] = [];
  k: number | undefined = undefined;
  /** Opcode-table key of the first instruction, when it was encoded from the table. */
  key: string | undefined = undefined;
  constructor(readonly rng: Rng) {}

  /** XMM register x: a view into the FXSAVE image. */
  xmm(x: number): Uint8Array {
    return this.fx.subarray(160 + 16 * x, 176 + 16 * x);
  }

  /** Appends an instruction to the snippet. */
  emit(spec: InsnSpec): void {
    if (this.code.length === 0) this.key = spec.key.text;
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
        // Mostly quotients that fit; some #DE: zero divisor, overflowing quotient, MIN / -1;
        // and dividends that fit in rAX alone with its top bit set (rDX zero, or its sign),
        // the case a 64-bit machine divide can take (the WebAssembly translator does).
        let divisor: bigint;
        let dividend: bigint;
        const W = BigInt(w);
        const kind = n < 5 ? n : 5;
        if (kind === 3 || kind === 4) {
          divisor = kind === 3 ? value(r, w) | 1n : BigInt(2 + r.int(6)); // a small one overflows the quotient
          const low = r.bits(w) | (1n << (W - 1n));
          dividend = kind === 4 ? (r.bits(w - 2) << (W + 1n)) | low : signed ? BigInt.asUintN(2 * w, BigInt.asIntN(w, low)) : low;
        } else if (kind === 0) {
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

// ---- more data movement ----------------------------------------------------------------

/** B0+r MOV Zb,Ib and B8+r MOV Zv,Iv (imm64 with REX.W). */
function movImmForms(): void {
  for (const d of defsOf('movZImm')) {
    const key = parseKey(d.key);
    for (const size of sizesOf(d)) {
      form('move2', formName(d, size, null), d.mnemonic, size, 16, (v) => {
        const r = v.rng;
        const z = size === 1 ? pickReg(r, new Set(), true) : r.pick(GENERAL);
        v.randomReg(z);
        const val = value(r, size * 8);
        v.emit({ key, zreg: z, legacy: opPrefix(size), rexW: size === 8, forceRex: size === 1 && z >= 4 && z <= 7, imms: [[size, val]] });
      });
    }
  }
}

/** A0-A3: MOV between the accumulator and an absolute address (64-bit moffs, or 32-bit with 67). */
function moffsForms(): void {
  for (const d of defsOf('movAccMoffs')) {
    const key = parseKey(d.key);
    for (const size of sizesOf(d)) {
      for (const a32 of [false, true]) {
        form('move2', formName(d, size, null, a32 ? 'a32 ' : ''), d.mnemonic, size, 8, (v) => {
          const r = v.rng;
          const t = memTarget(r, 1);
          v.randomReg(0);
          v.store(t, size, value(r, size * 8));
          v.emit({ key, legacy: [...opPrefix(size), ...(a32 ? [0x67] : [])], rexW: size === 8, imms: [[a32 ? 4 : 8, BigInt(t)]] });
        });
      }
    }
  }
}

/** LEA with every addressing form and arbitrary register values (no memory access, no canonical check). */
function leaForms(): void {
  const d = defsOf('lea')[0];
  const key = parseKey(d.key);
  const modes = ['base', 'disp8', 'disp32', 'sib', 'index', 'abs', 'rip', 'a32', 'a32sib', 'a32rip'];
  for (const size of [2, 4, 8]) {
    for (const mode of modes) {
      form('move2', `lea Gv,M ${size * 8} ${mode}`, 'lea', size, 8, (v) => {
        const r = v.rng;
        const avoid = new Set<number>();
        const g = pickReg(r, avoid, false);
        v.randomReg(g);
        const base = r.pick(GENERAL.filter((x) => x !== g));
        let index = r.pick(GENERAL.filter((x) => x !== base));
        if (r.chance(0.2)) index = base;
        v.gpr[base] = r.chance(0.5) ? r.u64() : value(r, 64);
        v.gpr[index] = r.chance(0.5) ? r.u64() : value(r, 64);
        const disp = r.chance(0.5) ? r.u32() | 0 : r.int(256) - 128;
        const op: MemOperand = { kind: 'mem', base: null, index: null, scale: 1, disp: 0, dispSize: 0, rip: false, target: 0 };
        const legacy = [...opPrefix(size)];
        if (mode.startsWith('a32')) legacy.push(0x67);
        if (mode === 'rip' || mode === 'a32rip') {
          op.rip = true;
          op.target = CODE_BASE + (r.int(0x10000) - 0x8000);
        } else if (mode === 'abs') op.disp = disp;
        else {
          op.base = base;
          if (mode === 'sib' || mode === 'index' || mode === 'a32sib') {
            op.index = index;
            op.scale = r.pick([1, 2, 4, 8]);
            if (mode === 'index') op.base = null;
          }
          op.dispSize = mode === 'disp8' ? 1 : mode === 'base' || mode === 'a32' ? 0 : 4;
          op.disp = op.dispSize === 1 ? (disp << 24) >> 24 : op.dispSize === 4 || op.base === null ? disp : 0;
        }
        v.emit({ key, reg: g, rm: op, legacy, rexW: size === 8 });
      });
    }
  }
}

/** 90+r XCHG Zv,rAX (90 itself is NOP, 41 90 exchanges r8). */
function xchgAccForms(): void {
  const d = defsOf('xchgAccZ')[0];
  const key = parseKey(d.key);
  for (const size of [2, 4, 8]) {
    form('move2', formName(d, size, null), 'xchg', size, 16, (v, n) => {
      const r = v.rng;
      const z = n === 0 ? 0 : n === 1 ? 8 : r.pick(GENERAL);
      v.randomReg(0);
      v.randomReg(z);
      v.emit({ key, zreg: z, legacy: opPrefix(size), rexW: size === 8 });
    });
  }
  form('move2', 'nop 90', 'nop', 4, 4, (v) => {
    v.randomReg(0);
    v.raw(0x90);
  });
}

const STACK_OFF = 0x1800;

function stackWindow(v: Vec): void {
  v.window(STACK_OFF - 0x28, STACK_OFF + 0x28);
}

function stackForms(): void {
  for (const name of ['pushZ', 'popZ']) {
    const d = defsOf(name)[0];
    const key = parseKey(d.key);
    for (const size of [8, 2]) {
      form('stack', formName(d, size, null), d.mnemonic, size, 16, (v, n) => {
        const r = v.rng;
        stackWindow(v);
        const z = n === 0 ? 4 : r.pick([...GENERAL, 4]);
        v.randomReg(z);
        if (z === 4) v.gpr[4] = BigInt(DATA_BASE + STACK_OFF);
        v.emit({ key, zreg: z, legacy: opPrefix(size) });
      });
    }
  }
  for (const d of defsOf('pushImm')) {
    const key = parseKey(d.key);
    for (const size of [8, 2]) {
      form('stack', formName(d, size, null), d.mnemonic, size, 8, (v) => {
        stackWindow(v);
        v.emit({ key, legacy: opPrefix(size), imms: [immFor(d.operands[0], size, v.rng)] });
      });
    }
  }
  for (const name of ['pushE', 'popE']) {
    const d = defsOf(name)[0];
    const key = parseKey(d.key);
    for (const size of [8, 2]) {
      for (const mem of [false, true]) {
        form('stack', formName(d, size, mem), d.mnemonic, size, 10, (v) => {
          const r = v.rng;
          stackWindow(v);
          const spec: InsnSpec = { key, legacy: opPrefix(size) };
          setEOperand(v, spec, new Set(), size, mem, value(r, size * 8));
          v.emit(spec);
        });
      }
    }
  }
  // POP m with an RSP-based address: the address is computed after RSP is incremented (SDM POP).
  const popE = parseKey('8F /0');
  form('stack', 'pop Ev 64 mem rsp-based', 'pop', 8, 6, (v, n) => {
    stackWindow(v);
    v.emit({ key: popE, rm: { kind: 'mem', base: 4, index: null, scale: 1, disp: n * 8 - 16, dispSize: n ? 1 : 0, rip: false, target: 0 } });
  });
  const pushE = parseKey('FF /6');
  form('stack', 'push Ev 64 mem rsp-based', 'push', 8, 6, (v, n) => {
    stackWindow(v);
    v.emit({ key: pushE, rm: { kind: 'mem', base: 4, index: null, scale: 1, disp: n * 8 - 16, dispSize: n ? 1 : 0, rip: false, target: 0 } });
  });
  const leave = defsOf('leave')[0];
  for (const size of [8, 2]) {
    form('stack', formName(leave, size, null), 'leave', size, 8, (v) => {
      const r = v.rng;
      v.window(0x1900 - 0x20, 0x1900 + 0x20);
      v.gpr[5] = BigInt(DATA_BASE + 0x1900 + r.int(8) * 2);
      v.emit({ key: parseKey(leave.key), legacy: opPrefix(size) });
    });
  }
  const enter = defsOf('enter')[0];
  form('stack', 'enter Iw,Ib 64', 'enter', 8, 16, (v, n) => {
    const r = v.rng;
    v.window(0x1700, 0x1a00);
    v.gpr[5] = BigInt(DATA_BASE + 0x1900);
    const level = n < 6 ? n : r.int(8);
    v.emit({ key: parseKey(enter.key), imms: [[2, BigInt(r.int(4) * 8 + (n & 1) * r.int(8))], [1, BigInt(level)]] });
  });
}

function miscMoveForms(): void {
  for (const name of ['cbw', 'cwd']) {
    const d = defsOf(name)[0];
    const names = d.mnemonic.split('/');
    for (const size of [2, 4, 8]) {
      const m = names[[2, 4, 8].indexOf(size)];
      form('move2', `${m} ${size * 8}`, m, size, 12, (v, n) => {
        const r = v.rng;
        v.randomReg(0);
        v.randomReg(2);
        if (n & 1) v.setReg(0, size, BigInt.asUintN(size * 8, -1n) ^ r.bits(size * 4));
        v.emit({ key: parseKey(d.key), legacy: opPrefix(size), rexW: size === 8 });
      });
    }
  }
  for (const d of defsOf('setcc')) {
    for (const mem of [false, true]) {
      form('cmov', formName(d, 1, mem), d.mnemonic, 1, 12, (v) => {
        const r = v.rng;
        v.flags = statusFlags(r);
        const spec: InsnSpec = { key: parseKey(d.key) };
        setEOperand(v, spec, new Set(), 1, mem, value(r, 8));
        v.emit(spec);
      });
    }
  }
  const bswap = defsOf('bswap')[0];
  for (const size of [4, 8]) {
    form('move2', `bswap Zv ${size * 8}`, 'bswap', size, 12, (v) => {
      const z = v.rng.pick([...GENERAL]);
      v.randomReg(z);
      v.emit({ key: parseKey(bswap.key), zreg: z, rexW: size === 8 });
    });
  }
  const c8 = defsOf('cmpxchg8b16b')[0];
  for (const size of [4, 8]) {
    const m = size === 4 ? 'cmpxchg8b' : 'cmpxchg16b';
    for (const lock of [false, true]) {
      form('xchg', `${lock ? 'lock ' : ''}${m} M${size === 4 ? 'q' : 'dq'}`, m, size, 16, (v, n) => {
        const r = v.rng;
        v.flags = statusFlags(r);
        const width = size * 2;
        const t = memTarget(r, width) + (n === 15 ? 8 : 0); // one misaligned (#GP for CMPXCHG16B)
        const avoid = new Set([0, 1, 2, 3]);
        for (const x of [0, 1, 2, 3]) v.randomReg(x);
        const m0 = value(r, size * 8);
        const m1 = value(r, size * 8);
        v.store(t, size, m0);
        v.store(t + size, size, m1);
        if (n % 2 === 0) {
          v.setReg(0, size, m0);
          v.setReg(2, size, m1);
        } else if (n % 4 === 1) v.setReg(0, size, m0);
        const mm = pickMem(v, avoid, t);
        v.emit({ key: parseKey(c8.key), rm: mm.op, legacy: [...(lock ? [0xf0] : []), ...(mm.addr32 ? [0x67] : [])], rexW: size === 8 });
      });
    }
  }
  for (const name of ['lahf', 'sahf']) {
    const d = defsOf(name)[0];
    form('flags', `${name}`, name, 1, 16, (v) => {
      v.flags = statusFlags(v.rng);
      v.randomReg(0);
      v.emit({ key: parseKey(d.key) });
    });
  }
}

/** 8C: MOV r/m, Sreg reads the selectors Linux gives user code (CS 0x33, SS 0x2b, the others 0); Sreg 6 and 7 are #UD. */
function sregForms(): void {
  const d = byKey('8C /r');
  const key = parseKey(d.key);
  for (const size of [2, 4, 8]) {
    for (const mem of [false, true]) {
      if (mem && size !== 2) continue; // a memory destination is always 16 bits
      form('move2', formName(d, size, mem), d.mnemonic, size, 8, (v, n) => {
        const spec: InsnSpec = { key, legacy: opPrefix(size), rexW: size === 8, reg: n };
        setEOperand(v, spec, new Set(), 2, mem, value(v.rng, 16));
        v.emit(spec);
      });
    }
  }
}

function flagForms(): void {
  for (const d of defsOf('flagOp')) {
    form('flags', d.mnemonic, d.mnemonic, 4, 6, (v) => {
      v.flags = statusFlags(v.rng) | (v.rng.chance(0.5) ? 0x400 : 0);
      v.emit({ key: parseKey(d.key) });
    });
  }
  const pushf = defsOf('pushf')[0];
  const popf = defsOf('popf')[0];
  for (const size of [8, 2]) {
    form('flags', `pushf ${size * 8}`, 'pushf', size, 8, (v) => {
      stackWindow(v);
      v.flags = statusFlags(v.rng) | (v.rng.chance(0.5) ? 0x400 : 0);
      v.emit({ key: parseKey(pushf.key), legacy: opPrefix(size) });
    });
    form('flags', `popf ${size * 8}`, 'popf', size, 16, (v) => {
      const r = v.rng;
      stackWindow(v);
      // Any value except TF and AC (they would trap or fault in the harness itself).
      v.store(DATA_BASE + STACK_OFF, size, r.bits(size * 8) & ~0x40100n);
      v.flags = statusFlags(r);
      v.emit({ key: parseKey(popf.key), legacy: opPrefix(size) });
    });
  }
}

// ---- strings ----------------------------------------------------------------------

function stringForms(): void {
  for (const d of defsOf('stringOp')) {
    const key = parseKey(d.key);
    const op = d.sub; // 0 MOVS, 1 CMPS, 2 STOS, 3 LODS, 4 SCAS
    const reps: Array<[string, number[]]> = [['', []], ['rep ', [0xf3]]];
    if (op === 1 || op === 4) reps.push(['repne ', [0xf2]]);
    for (const size of sizesOf(d)) {
      for (const [tag, prefix] of reps) {
        for (const a32 of [false, true]) {
          if (a32 && size !== 1 && size !== 8) continue;
          form('string', formName(d, size, null, tag + (a32 ? 'a32 ' : '')), d.mnemonic, size, 16, (v, n) => {
            const r = v.rng;
            const down = n % 2 === 1;
            v.flags = statusFlags(r) | (down ? 0x400 : 0);
            for (const x of [0, 1, 6, 7]) v.randomReg(x);
            const count = n < 6 ? [0, 1, 2, 3, 5, 8][n] : r.int(10);
            const hiGarbage = a32 ? r.u64() & 0xffffffff00000000n : 0n;
            v.gpr[1] = prefix.length ? hiGarbage | BigInt(count) : v.gpr[1];
            const src = 0x7d0 + (down ? 0x60 : 0);
            const dst = 0x850 + (down ? 0x60 : 0);
            v.window(0x780, 0x900);
            // Make the two buffers equal up to a random point, so REPE/REPNE stop at different places.
            const same = r.int(12);
            for (let k = 0; k < 0x60; k++) {
              const at = down ? 0x60 - 1 - k : k;
              if (k < same * size) v.mem[dst + at - (down ? 0x60 - 0x60 : 0)] = v.mem[src + at];
            }
            v.gpr[6] = hiGarbage | BigInt(DATA_BASE + src);
            v.gpr[7] = hiGarbage | BigInt(DATA_BASE + dst);
            if (op === 4 && r.chance(0.5)) v.setReg(0, size, BigInt(v.mem[dst + (down ? 0 : size * r.int(4))]) * 0x0101010101010101n);
            v.emit({ key, legacy: [...opPrefix(size), ...(a32 ? [0x67] : []), ...prefix], rexW: size === 8 });
          });
        }
      }
    }
  }
  // A REP STOS running into the unmapped page: registers show the iterations done.
  form('fault', 'rep stos Yv,rAX 64 into not-present', 'stos', 8, 6, (v, n) => {
    v.window(0x1fc0, 0x2000);
    v.gpr[7] = BigInt(DATA_BASE + 0x2000 - 8 * (n + 1));
    v.gpr[1] = BigInt(n + 3);
    v.emit({ key: parseKey('AB'), legacy: [0xf3], rexW: true });
  });
  form('fault', 'rep movs Yb,Xb 8 from not-present', 'movs', 1, 4, (v, n) => {
    v.window(0x1f00, 0x2000);
    v.gpr[6] = BigInt(DATA_BASE + 0x2000 - (n + 1));
    v.gpr[7] = BigInt(DATA_BASE + 0x1f00);
    v.gpr[1] = BigInt(n + 4);
    v.emit({ key: parseKey('A4'), legacy: [0xf3] });
  });
}

/** GS-relative operands (the harness sets GS base = GS_BASE): loads, stores, RIP-relative, string sources; LEA ignores the base. */
function segmentForms(): void {
  const cases: Array<[string, (v: Vec) => void]> = [
    ['gs: mov load', (v) => { v.gpr[3] = BigInt(0x300 + v.rng.int(64)); v.raw(0x65, 0x48, 0x8b, 0x03); }],
    ['gs: mov store', (v) => { v.gpr[3] = BigInt(0x300 + v.rng.int(64)); v.raw(0x65, 0x48, 0x89, 0x0b); }],
    ['gs: add mem', (v) => { v.gpr[3] = BigInt(0x300 + v.rng.int(64)); v.raw(0x65, 0x01, 0x0b); }],
    ['gs: abs disp32', (v) => { v.raw(0x65, 0x8b, 0x04, 0x25, 0x40, 0x03, 0, 0); }],
    ['gs: rip-relative', (v) => { v.raw(0x65, 0x8b, 0x05, ...le32(DATA_BASE + 0x400 - GS_BASE - CODE_BASE - 7)); }],
    ['gs: lea ignores the base', (v) => { v.gpr[3] = v.rng.u64(); v.raw(0x65, 0x48, 0x8d, 0x43, 0x10); }],
    ['gs: movsb source', (v) => { v.gpr[6] = BigInt(0x300); v.gpr[7] = BigInt(DATA_BASE + 0x500); v.raw(0x65, 0xa4); }],
    ['gs: rep movsq source', (v) => { v.gpr[6] = BigInt(0x300); v.gpr[7] = BigInt(DATA_BASE + 0x500); v.gpr[1] = 3n; v.raw(0x65, 0xf3, 0x48, 0xa5); }],
    ['gs: stosb ignores it (ES:RDI)', (v) => { v.gpr[7] = BigInt(DATA_BASE + 0x500); v.raw(0x65, 0xaa); }],
    ['gs: moffs', (v) => { v.raw(0x65, 0x48, 0xa1, ...le32(0x340), 0, 0, 0, 0); }],
    ['fs/gs last wins', (v) => { v.gpr[3] = BigInt(0x300); v.raw(0x64, 0x65, 0x8b, 0x03); }],
    ['rep movsb overlapping (dst = src + 1)', (v) => { v.gpr[6] = BigInt(DATA_BASE + 0x400); v.gpr[7] = BigInt(DATA_BASE + 0x401); v.gpr[1] = 9n; v.raw(0xf3, 0xa4); }],
    ['rep movsb overlapping backwards (DF=1)', (v) => { v.flags |= 0x400; v.gpr[6] = BigInt(DATA_BASE + 0x408); v.gpr[7] = BigInt(DATA_BASE + 0x407); v.gpr[1] = 9n; v.raw(0xf3, 0xa4); }],
  ];
  for (const [name, build] of cases) {
    form('segment', name, 'mov', 8, 4, (v) => {
      v.flags = statusFlags(v.rng);
      v.window(0x3f0, 0x520);
      v.window(GS_BASE - DATA_BASE + 0x2f0, GS_BASE - DATA_BASE + 0x3a0);
      v.randomReg(0);
      v.randomReg(1);
      build(v);
    });
  }
}

function le32(x: number): number[] {
  return [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];
}

// ---- control transfer ------------------------------------------------------------

/** Branches jump over `inc r14`, so whether they were taken shows in R14. */
const INC_R14 = [0x49, 0xff, 0xc6];

function controlForms(): void {
  for (const d of defsOf('jccRel')) {
    const rel32 = d.operands[0] === 'Jz';
    form('control', `${d.mnemonic} ${d.operands[0]}`, d.mnemonic, 8, 12, (v) => {
      v.flags = statusFlags(v.rng);
      v.emit({ key: parseKey(d.key), imms: [[rel32 ? 4 : 1, 3n]] });
      v.raw(...INC_R14);
    });
  }
  for (const d of defsOf('jmpRel')) {
    const rel32 = d.operands[0] === 'Jz';
    form('control', `jmp ${d.operands[0]}`, 'jmp', 8, 2, (v) => {
      v.emit({ key: parseKey(d.key), imms: [[rel32 ? 4 : 1, 3n]] });
      v.raw(...INC_R14);
    });
  }
  for (const d of [...defsOf('loop'), ...defsOf('jrcxz')]) {
    for (const a32 of [false, true]) {
      form('control', `${a32 ? 'a32 ' : ''}${d.mnemonic} Jb`, d.mnemonic, 8, 12, (v, n) => {
        const r = v.rng;
        v.flags = statusFlags(r);
        v.gpr[1] = n < 4 ? [0n, 1n, 2n, 0x100000000n][n] | (a32 && n < 3 ? r.u64() << 32n : 0n) : value(r, 64);
        v.emit({ key: parseKey(d.key), legacy: a32 ? [0x67] : [], imms: [[1, 3n]] });
        v.raw(...INC_R14);
      });
    }
  }
  const call = defsOf('callRel')[0];
  const ret = defsOf('ret');
  form('control', 'call Jz + ret', 'call', 8, 4, (v) => {
    stackWindow(v);
    // call L; jmp END; L: ret
    v.emit({ key: parseKey(call.key), imms: [[4, 2n]] });
    v.raw(0xeb, 0x01);
    v.emit({ key: parseKey(ret.find((d) => d.operands.length === 0)!.key) });
  });
  form('control', 'ret Iw', 'ret', 8, 6, (v) => {
    const r = v.rng;
    stackWindow(v);
    v.store(DATA_BASE + STACK_OFF, 8, BigInt(CODE_BASE + 3));
    v.emit({ key: parseKey(ret.find((d) => d.operands.length === 1)!.key), imms: [[2, BigInt(r.int(64))]] });
  });
  for (const name of ['callE', 'jmpE']) {
    const d = defsOf(name)[0];
    for (const mem of [false, true]) {
      form('control', formName(d, 8, mem), d.mnemonic, 8, 4, (v) => {
        stackWindow(v);
        const spec: InsnSpec = { key: parseKey(d.key) };
        const target = { value: 0n };
        const t = setEOperand(v, spec, new Set(), 8, mem, 0n);
        const len = encode(spec, 0).length;
        target.value = BigInt(CODE_BASE + len);
        if (mem) v.store(t, 8, target.value);
        else v.setReg(t, 8, target.value);
        v.emit(spec);
      });
    }
  }
}

// ---- SSE ------------------------------------------------------------------------

/** Single and double precision values worth trying: signed zeros, ties, integer limits, infinities, NaNs, denormals. */
const F32_SPECIAL = [0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0x40200000, 0xc0200000, 0x40600000, 0x4b000000,
  0x4f000000, 0xcf000000, 0x4effffff, 0x5f000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00001, 0x00000001,
  0x007fffff, 0x00800000, 0x7f7fffff, 0x3dcccccd];
const F64_SPECIAL = [0x0000000000000000n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x3fe0000000000000n,
  0x4004000000000000n, 0xc004000000000000n, 0x41e0000000000000n, 0xc1e0000000000000n, 0x41dfffffffc00000n, 0x43e0000000000000n,
  0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff4000000000001n, 0x0000000000000001n,
  0x000fffffffffffffn, 0x0010000000000000n, 0x7fefffffffffffffn, 0x3fb999999999999an, 0x47efffffe0000000n, 0x36a0000000000000n];

/**
 * An XMM value for an operand code: float lanes drawn from the specials for ps/ss (32-bit)
 * and pd/sd (64-bit) codes, bytes biased to 0, 1, 7F, 80, FF otherwise; `like` shares
 * some lanes so equality, saturation and ties come up.
 */
function randXmm(r: Rng, like?: Uint8Array, code = ''): Uint8Array {
  const b = new Uint8Array(16);
  const view = new DataView(b.buffer);
  const f32 = /(ps|ss)$/.test(code);
  const f64 = /(pd|sd)$/.test(code);
  if (f32 || f64) {
    const lane = f32 ? 4 : 8;
    for (let k = 0; k < 16; k += lane) {
      const x = r.int(10);
      if (x < 5) {
        if (f32) view.setUint32(k, r.pick(F32_SPECIAL), true);
        else view.setBigUint64(k, r.pick(F64_SPECIAL), true);
      } else if (x < 8) {
        // An ordinary number: a small integer or a short binary fraction, either sign.
        const v = (r.int(2001) - 1000) / (1 << r.int(8));
        if (f32) view.setFloat32(k, v, true);
        else view.setFloat64(k, v, true);
      } else for (let j = 0; j < lane; j++) b[k + j] = r.u32() & 0xff;
    }
  } else for (let k = 0; k < 16; k++) b[k] = r.chance(0.4) ? r.pick([0, 1, 0x7f, 0x80, 0xff, 0xfe]) : r.u32() & 0xff;
  if (like) for (let k = 0; k < 16; k += 4) if (r.chance(0.3)) b.set(like.subarray(k, k + 4), k);
  return b;
}

/** Bytes a W/M/E operand occupies in memory. */
function memBytes(code: string, size: number): number {
  if (code.endsWith('x') || code.endsWith('dq') || code.endsWith('ps') || code.endsWith('pd')) return 16;
  if (code.endsWith('sd') || code.endsWith('q')) return 8;
  if (code.endsWith('ss') || code.endsWith('d')) return 4;
  if (code.endsWith('w')) return 2;
  if (code.endsWith('y') || code.endsWith('v')) return size;
  return 16;
}

/** Legacy SSE instructions whose 16-byte memory operand need not be aligned (SDM Vol. 1 §11.4.1, §12.10.3); all others #GP. */
const UNALIGNED_OK = new Set(['movups', 'movupd', 'movdqu', 'lddqu', 'pcmpestri', 'pcmpestrm', 'pcmpistri', 'pcmpistrm']);

/** Register operand codes (ModRM.reg) and r/m codes of the SDM's notation. */
const isRegCode = (o: string): boolean => /^[VGP]/.test(o);
const isRmCode = (o: string): boolean => /^[WUMERNQ]/.test(o);

/** Shift counts for the immediate and XMM-count shifts. */
const LANE_SHIFTS = [0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 127, 255];

/**
 * Every table entry with an XMM operand, driven by its operand codes alone: the SSE
 * families grow in src/cpu/table/ and are picked up here without a list of handlers.
 * Register and memory variants (also the forbidden ones, which must be #UD), misaligned
 * 16-byte operands (#GP where the manual demands alignment).
 */
function sseForms(): void {
  const seen = new Set<string>();
  for (const d of OPCODES.defs) {
    const ops = d.operands;
    if (!ops.some((o) => /^[VWU]/.test(o)) && d.mnemonic !== 'crc32') continue;
    if (seen.has(d.key)) continue;
    seen.add(d.key);
    const key = parseKey(d.key);
    const regCode = ops.find(isRegCode);
    const rmCode = ops.find(isRmCode) ?? '';
    const gprCodes = ops.filter((o) => /^[GER]/.test(o));
    const sizes = gprCodes.some((o) => o.endsWith('y')) ? [4, 8] : gprCodes.some((o) => o.endsWith('v')) ? [2, 4, 8] : [16];
    const memAllowed = key.restriction !== 'reg' && !rmCode.startsWith('U') && !rmCode.startsWith('R');
    const regAllowed = key.restriction !== 'mem' && !rmCode.startsWith('M');
    // Also the forbidden ModRM form when the key does not already exclude it: it must be #UD.
    const mems = [...(regAllowed || key.restriction === null ? [false] : []), ...(memAllowed || key.restriction === null ? [true] : [])];
    for (const size of sizes) {
      for (const mem of mems) {
        const names = d.mnemonic.split('/');
        const mnem = names.length > 1 ? names[size === 8 ? names.length - 1 : 0] : d.mnemonic;
        const id = `${mnem} ${ops.join(',')}${size !== 16 ? ` ${size * 8}` : ''} ${mem ? 'mem' : 'reg'}${key.mandatory === null ? '' : ` ${key.mandatory.toString(16)}`}`;
        const bytes = rmCode ? memBytes(rmCode, size) : 16;
        const aligned = bytes === 16 && !UNALIGNED_OK.has(mnem);
        const count = mem && aligned ? 14 : 12;
        if (formIds.has(id)) continue;
        form('sse', id, mnem, size === 16 ? 4 : size, count, (v, n) => {
          const r = v.rng;
          v.flags = statusFlags(r);
          const legacy: number[] = size === 2 ? [0x66] : [];
          const spec: InsnSpec = { key, rexW: size === 8, legacy };
          const avoid = new Set<number>();
          let regNo = r.int(16);
          if (regCode?.startsWith('G')) {
            regNo = pickReg(r, avoid, false);
            avoid.add(regNo);
            v.randomReg(regNo);
          } else v.xmm(regNo).set(randXmm(r, undefined, regCode ?? ''));
          if (key.digit === null) spec.reg = regNo;
          // Floating point: any rounding mode, sometimes FTZ/DAZ, sticky flags already set, or
          // an exception unmasked (#XM). The default MXCSR for half of the vectors.
          if (ops.some((o) => /(ps|pd|ss|sd)$/.test(o)) && r.chance(0.5)) {
            let mx = 0x1f80 | (r.int(4) << 13);
            if (r.chance(0.15)) mx |= 0x8000; // FTZ
            if (r.chance(0.15)) mx |= 0x40; //   DAZ
            if (r.chance(0.2)) mx |= r.int(64); // sticky exception flags
            if (r.chance(0.1)) mx &= ~(0x80 << r.int(6)); // one exception unmasked
            fxSet(v.fx, 'mxcsr', mx.toString(16));
          }
          // Implicit operands: XMM0 (PBLENDVB, PCMPxSTRM), RAX/RDX lengths and RCX (PCMPESTRx).
          if (regNo !== 0 && r.chance(0.5)) v.xmm(0).set(randXmm(r, v.xmm(regNo)));
          for (const g of [0, 1, 2]) if (!avoid.has(g)) v.gpr[g] = r.chance(0.5) ? BigInt.asUintN(64, BigInt(r.int(40) - 20)) : value(r, 64);
          if (mnem === 'maskmovdqu' && n < 10) {
            // The implicit destination [RDI]; the last vectors keep a non-canonical RDI (#GP).
            v.window(0x600, 0x640);
            v.gpr[7] = BigInt(DATA_BASE + 0x610 + r.int(16));
          }
          if (mem) {
            const misaligned = aligned ? n >= 12 : r.chance(0.5);
            const t = memTarget(r, 16) + (misaligned ? r.pick([1, 4, 8, 12]) : 0);
            v.storeBytes(t, randXmm(r, regCode?.startsWith('V') ? v.xmm(regNo) : undefined, rmCode));
            const m = pickMem(v, avoid, t);
            if (m.addr32) legacy.push(0x67);
            spec.rm = m.op;
          } else if (/^[ER]/.test(rmCode)) {
            const e = pickReg(r, avoid, false);
            v.randomReg(e);
            if (r.chance(0.3)) v.setReg(e, 8, value(r, 64));
            spec.rm = { kind: 'reg', reg: e };
          } else {
            const x = r.chance(0.1) ? regNo : r.int(16);
            if (x !== regNo) v.xmm(x).set(randXmm(r, v.xmm(regNo), rmCode));
            spec.rm = { kind: 'reg', reg: x };
          }
          if (ops.includes('Ib')) {
            const isShift = /^ps[rl]l?[awdqld]/.test(mnem) || mnem === 'psrldq' || mnem === 'pslldq' || mnem === 'palignr';
            const c = isShift && n < LANE_SHIFTS.length ? LANE_SHIFTS[n] : r.int(256);
            spec.imms = [[1, BigInt(c)]];
          } else if (/^ps[rl][la]?[wdq]$/.test(mnem) && !mem && n < LANE_SHIFTS.length) {
            // Shift by an XMM count: the whole low quadword is the count.
            const x = (spec.rm as { reg: number }).reg;
            if (x !== regNo) {
              v.xmm(x).fill(0);
              v.xmm(x)[0] = LANE_SHIFTS[n];
              if (n === LANE_SHIFTS.length - 1) v.xmm(x)[5] = 1; // a count above 2^32
            }
          }
          v.emit(spec);
        });
      }
    }
  }
  for (const d of OPCODES.defs.filter((x) => x.mnemonic === 'emms')) {
    form('sse', 'emms', 'emms', 4, 2, (v) => {
      v.fx[4] = v.rng.u32() & 0xff; // some x87 registers in use
      v.emit({ key: parseKey(d.key) });
    });
  }
  // LDMXCSR then STMXCSR, to see what was loaded; reserved bits give #GP.
  form('sse', 'ldmxcsr Md + stmxcsr Md', 'ldmxcsr', 4, 12, (v, n) => {
    const r = v.rng;
    const t = DATA_BASE + 0x400;
    const val = n < 10 ? 0x1f80 ^ (r.u32() & 0x7fff) : 0x1f80 | (1 << (16 + r.int(16)));
    v.store(t, 4, BigInt(val >>> 0));
    v.store(t + 4, 4, r.bits(32));
    v.gpr[3] = BigInt(t);
    v.raw(0x0f, 0xae, 0x13); // ldmxcsr [rbx]
    v.raw(0x0f, 0xae, 0x5b, 0x04); // stmxcsr [rbx+4]
  });
  form('sse', 'stmxcsr Md', 'stmxcsr', 4, 2, (v) => {
    const t = DATA_BASE + 0x400;
    v.store(t, 4, v.rng.bits(32));
    v.gpr[3] = BigInt(t);
    v.raw(0x0f, 0xae, 0x1b);
  });
}

// ---- x87 control words -------------------------------------------------------------

function x87Forms(): void {
  const t = DATA_BASE + 0x400;
  form('x87', 'fnstcw Mw', 'fnstcw', 2, 2, (v) => {
    v.store(t, 8, v.rng.u64());
    v.gpr[3] = BigInt(t);
    v.raw(0xd9, 0x3b);
  });
  form('x87', 'fldcw Mw + fnstcw Mw', 'fldcw', 2, 12, (v, n) => {
    const r = v.rng;
    v.store(t, 8, r.u64());
    v.store(t, 2, BigInt(n === 0 ? 0x37f : n === 1 ? 0xffff : r.u32() & 0xffff));
    v.gpr[3] = BigInt(t);
    v.raw(0xd9, 0x2b, 0xd9, 0x7b, 0x02); // fldcw [rbx]; fnstcw [rbx+2]
  });
  form('x87', 'fldcw + fninit + fnstcw', 'fninit', 2, 4, (v) => {
    const r = v.rng;
    v.store(t, 8, r.u64());
    v.gpr[3] = BigInt(t);
    v.raw(0xd9, 0x2b, 0xdb, 0xe3, 0xd9, 0x7b, 0x02);
  });
  form('x87', 'fnstsw Mw', 'fnstsw', 2, 2, (v) => {
    v.store(t, 8, v.rng.u64());
    v.gpr[3] = BigInt(t);
    v.raw(0xdd, 0x3b);
  });
  form('x87', 'fnstsw ax', 'fnstsw', 2, 4, (v) => {
    v.randomReg(0);
    v.raw(0xdf, 0xe0);
  });
  form('x87', 'fwait', 'fwait', 4, 2, (v) => {
    v.raw(0x9b);
  });
  // A few register-stack forms through the FXSAVE image: random registers, tags, TOP, and
  // precision/rounding control (exceptions masked). They exercise the ST/FTW/FSW plumbing;
  // the x87's own golden set (test/cpu/x87) covers the arithmetic in depth.
  const stackForms: Array<[string, string, number[]]> = [
    ['fxch st(i)', 'D9 /1 reg', []], ['fld1', 'D9 modrm=E8', []], ['fchs', 'D9 modrm=E0', []], ['fabs', 'D9 modrm=E1', []],
    ['fadd st,st(i)', 'D8 /0 reg', []], ['fmul st,st(i)', 'D8 /1 reg', []], ['fdivr st,st(i)', 'D8 /7 reg', []],
    ['fsqrt', 'D9 modrm=FA', []], ['frndint', 'D9 modrm=FC', []], ['fucomi st,st(i)', 'DB /5 reg', []],
  ];
  for (const [name, keyText] of stackForms) {
    form('x87', name, name.split(' ')[0], 10, 16, (v) => {
      const r = v.rng;
      v.flags = statusFlags(r);
      fxSet(v.fx, 'fcw', (0x037f | (r.int(16) << 8)).toString(16)); // PC and RC
      fxSet(v.fx, 'fsw', (r.int(8) << 11).toString(16)); //            TOP
      fxSet(v.fx, 'ftw', (r.chance(0.8) ? 0xff : r.u32() & 0xff).toString(16));
      for (let k = 0; k < 8; k++) fxSet(v.fx, `st${k}`, randF80(r));
      const key = parseKey(keyText);
      const spec: InsnSpec = { key };
      if (key.modrm === null) spec.rm = { kind: 'reg', reg: r.int(8) };
      v.emit(spec);
    });
  }
}

/** An 80-bit extended value as 20 hex digits (sign/exponent, then the significand with its explicit integer bit). */
function randF80(r: Rng): string {
  const specials = ['00000000000000000000', '80000000000000000000', '3fff8000000000000000', 'bfffc000000000000000',
    '7ffeffffffffffffffff', '00018000000000000000', '00000000000000000001', '00008000000000000000', '7fff8000000000000000',
    'ffff8000000000000000', '7fffc000000000000000', '7fffa000000000000000', 'ffffc000000000000000', '3fff0000000000000001',
    '4000c90fdaa22168c235', '3ffeb504f333f9de6485'];
  if (r.chance(0.4)) return r.pick(specials);
  const se = (r.chance(0.5) ? 0x8000 : 0) | (0x3fff + r.int(80) - 40);
  const sig = (1n << 63n) | r.bits(63);
  return se.toString(16).padStart(4, '0') + sig.toString(16).padStart(16, '0');
}

// ---- no-ops, hints, fences -----------------------------------------------------------

function nopForms(): void {
  for (const d of defsOf('nop')) {
    const key = parseKey(d.key);
    const hasRm = d.hasModrm && key.modrm === null;
    const memOnly = d.operands.some((o) => o.startsWith('M')) || key.restriction === 'mem';
    const regOnly = d.operands.some((o) => o.startsWith('R')) || key.restriction === 'reg';
    for (const mem of hasRm ? (memOnly ? [true] : regOnly ? [false] : [false, true]) : [null]) {
      // Several hint-NOP rows share mnemonic and operands (0F 18 /4-/7, 0F 19-1F): their key tells them apart.
      let id = `${d.mnemonic} ${d.operands.join(',') || '-'}${mem === null ? '' : mem ? ' mem' : ' reg'}`;
      if (formIds.has(id)) id += ` (${d.key})`;
      form('nop', id, d.mnemonic, 4, 4, (v) => {
        const r = v.rng;
        const spec: InsnSpec = { key };
        if (mem !== null) {
          if (key.slashR || key.digit === null) spec.reg = r.int(8);
          setEOperand(v, spec, new Set(), 4, mem, value(r, 32));
        }
        v.flags = statusFlags(r);
        v.randomReg(0);
        v.emit(spec);
      });
    }
  }
  form('nop', 'nop 66 90', 'nop', 2, 2, (v) => {
    v.randomReg(0);
    v.raw(0x66, 0x90);
  });
  form('nop', 'nop 0F 1F multi-byte', 'nop', 4, 4, (v, n) => {
    v.randomReg(0);
    // The recommended multi-byte NOPs (SDM Vol. 2B, NOP, Table 4-12).
    v.raw(...[[0x0f, 0x1f, 0x00], [0x0f, 0x1f, 0x40, 0x00], [0x0f, 0x1f, 0x44, 0x00, 0x00], [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00]][n]);
  });
}

// ---- decoder corner cases, LOCK, #UD, privileged instructions --------------------------

function decodeForms(): void {
  const cases: Array<[string, number[]]> = [
    ['rex before 66 is ignored (add ax,bx)', [0x48, 0x66, 0x01, 0xd8]],
    ['66 then rex.w (add rax,rbx)', [0x66, 0x48, 0x01, 0xd8]],
    ['rex before f3 is ignored', [0x48, 0xf3, 0x01, 0xd8]],
    ['rex.b before 2e is ignored', [0x41, 0x2e, 0x01, 0xd8]],
    ['two rex, last wins', [0x41, 0x48, 0x01, 0xd8]],
    ['66 66 add', [0x66, 0x66, 0x01, 0xd8]],
    ['cs ds es ss overrides ignored', [0x2e, 0x3e, 0x26, 0x36, 0x01, 0xd8]],
    ['f2 on add ignored', [0xf2, 0x01, 0xd8]],
    ['f3 on add ignored', [0xf3, 0x01, 0xd8]],
    ['mov al,ah', [0x88, 0xe0]],
    ['mov al,spl (rex)', [0x40, 0x88, 0xe0]],
    ['mov bh,ch', [0x88, 0xef]],
    ['mov dil,bpl', [0x40, 0x88, 0xef]],
    ['mov r12b,ah is not encodable: 41 88 e4 = mov r12b,spl', [0x41, 0x88, 0xe4]],
    ['66 f3 0f 6f: f3 wins (movdqu)', [0x66, 0xf3, 0x0f, 0x6f, 0xc1]],
    ['f3 66 0f 6f: f3 wins (movdqu)', [0xf3, 0x66, 0x0f, 0x6f, 0xc1]],
    ['66 rex.w b8 imm64', [0x66, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8]],
    ['67 rip-relative lea', [0x67, 0x48, 0x8d, 0x05, 0x10, 0x00, 0x00, 0x00]],
    ['lea with fs override ignores the base', [0x64, 0x48, 0x8d, 0x04, 0x03]],
    ['sib no base no index disp32', [0x48, 0x8d, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12]],
    ['sib index r12 (rex.x)', [0x4a, 0x8d, 0x04, 0x23]],
    ['sib base r13 mod 00 is r13+disp? no: disp32, no base', [0x49, 0x8d, 0x04, 0x25, 0x10, 0, 0, 0]],
    ['rbp base needs disp8', [0x48, 0x8d, 0x45, 0x00]],
    ['r13 base mod 01', [0x49, 0x8d, 0x45, 0x7f]],
    ['9 prefixes: 15 bytes', [...Array(9).fill(0x2e), 0x48, 0x05, 1, 2, 3, 4]],
    ['10 prefixes: 16 bytes', [...Array(10).fill(0x2e), 0x48, 0x05, 1, 2, 3, 4]],
    ['lock add reg', [0xf0, 0x01, 0xd8]],
    ['lock mov mem', [0xf0, 0x89, 0x03]],
    ['lock nop', [0xf0, 0x90]],
    ['lock inc reg', [0xf0, 0xff, 0xc0]],
    ['lock cmp mem', [0xf0, 0x39, 0x03]],
    ['lock xchg mem', [0xf0, 0x87, 0x03]],
    ['lock bt mem', [0xf0, 0x0f, 0xa3, 0x03]],
    ['lock bts mem', [0xf0, 0x0f, 0xab, 0x03]],
    ['ud2', [0x0f, 0x0b]],
    ['undefined 0f 04', [0x0f, 0x04]],
    ['d6 (salc) invalid in 64-bit mode', [0xd6]],
    ['06 (push es) invalid in 64-bit mode', [0x06]],
    ['27 (daa) invalid', [0x27]],
    ['60 (pusha) invalid', [0x60]],
    ['ce (into) invalid', [0xce]],
    ['0f 0d /0 mem prefetch', [0x0f, 0x0d, 0x03]],
    ['0f 18 /4 reserved hint nop', [0x0f, 0x18, 0x23]],
  ];
  for (const [name, bytes] of cases) {
    form('decode', `decode: ${name}`, '=decode', 8, 3, (v) => {
      const r = v.rng;
      v.flags = statusFlags(r);
      for (const x of [0, 1, 2, 3, 5, 12, 13]) v.randomReg(x);
      v.window(0x400, 0x440);
      v.gpr[3] = BigInt(DATA_BASE + 0x400 + r.int(8) * 4);
      v.raw(...bytes);
    });
  }
  // Privileged at CPL 3: #GP(0); VMCALL outside VMX and SWAPGS... per the manual.
  const priv: Array<[string, number[]]> = [
    ['hlt', [0xf4]], ['cli', [0xfa]], ['sti', [0xfb]], ['clts', [0x0f, 0x06]], ['wbinvd', [0x0f, 0x09]],
    ['rdmsr', [0x0f, 0x32]], ['wrmsr', [0x0f, 0x30]], ['mov rax,cr0', [0x0f, 0x20, 0xc0]], ['mov cr3,rax', [0x0f, 0x22, 0xd8]],
    ['lgdt [rbx]', [0x0f, 0x01, 0x13]], ['lidt [rbx]', [0x0f, 0x01, 0x1b]], ['invlpg [rbx]', [0x0f, 0x01, 0x3b]],
    ['swapgs', [0x0f, 0x01, 0xf8]], ['sysret', [0x48, 0x0f, 0x07]], ['sysexit', [0x0f, 0x35]], ['ltr ax', [0x0f, 0x00, 0xd8]],
    ['wbnoinvd', [0xf3, 0x0f, 0x09]],
    // MOV Sreg at CPL 3: null DS/ES are fine, a null SS is #GP(0), CS and Sreg 6/7 are #UD (SDM Vol. 2B, MOV).
    ['mov ds,ax (0)', [0x8e, 0xd8]], ['mov es,ax (0)', [0x8e, 0xc0]], ['mov ss,ax (0)', [0x8e, 0xd0]], ['mov cs,ax', [0x8e, 0xc8]],
    ['mov sreg6,ax', [0x8e, 0xf0]],
  ];
  // Not VMCALL: the host is a virtual machine, and its hypervisor, not the manual (#UD outside
  // VMX operation), decides what a guest's VMCALL at CPL 3 does.
  for (const [name, bytes] of priv) {
    form('decode', `cpl3: ${name}`, '=priv', 8, 2, (v) => {
      v.gpr[3] = BigInt(DATA_BASE + 0x400);
      v.gpr[0] = (v.gpr[0] & ~0xffffn) | (name.includes('(0)') ? 0n : 0x2bn);
      v.raw(...bytes);
    });
  }
}

// ---- page faults and the address layout ------------------------------------------------

function faultForms(): void {
  const mov = (store: boolean, size: number): ParsedKey => parseKey(store ? (size === 1 ? '88 /r' : '89 /r') : size === 1 ? '8A /r' : '8B /r');
  const targets: Array<[string, number]> = [
    ['not-present', GUARD_BASE], ['not-present+ff8', GUARD_BASE + 0xff8], ['read-only', RO_BASE], ['read-only+7f3', RO_BASE + 0x7f3],
    ['crossing into not-present', GUARD_BASE - 3], ['crossing from read-only', RO_BASE - 2],
  ];
  for (const [where, addr] of targets) {
    for (const store of [false, true]) {
      for (const size of [1, 4, 8]) {
        form('fault', `mov ${store ? 'store' : 'load'} ${size * 8} ${where}`, 'mov', size, 2, (v) => {
          const r = v.rng;
          v.window(0x1fc0, 0x2000);
          v.randomReg(0);
          v.gpr[3] = BigInt(addr);
          v.emit({ key: mov(store, size), reg: 0, rm: { kind: 'mem', base: 3, index: null, scale: 1, disp: 0, dispSize: 0, rip: false, target: 0 }, rexW: size === 8, legacy: [] });
          void r;
        });
      }
    }
  }
  // Read-modify-write instructions check write permission on their first access (the #PF error
  // code says W even when the read faults); pure reads say R; a zero count still accesses memory?
  const rmw: Array<[string, number[]]> = [
    ['add [m],eax', [0x01, 0x03]], ['adc [m],eax', [0x11, 0x03]], ['cmp [m],eax', [0x39, 0x03]], ['test [m],eax', [0x85, 0x03]],
    ['inc dword [m]', [0xff, 0x03]], ['not dword [m]', [0xf7, 0x13]], ['neg dword [m]', [0xf7, 0x1b]],
    ['shl dword [m],1', [0xd1, 0x23]], ['shl dword [m],cl=0', [0xd3, 0x23]], ['rol dword [m],cl=0', [0xd3, 0x03]],
    ['rcr dword [m],cl=0', [0xd3, 0x1b]], ['shld [m],eax,cl=0', [0x0f, 0xa5, 0x03]], ['shrd [m],eax,5', [0x0f, 0xac, 0x03, 0x05]],
    ['bt [m],eax', [0x0f, 0xa3, 0x03]], ['bts [m],eax', [0x0f, 0xab, 0x03]], ['bt dword [m],3', [0x0f, 0xba, 0x23, 0x03]],
    ['btc dword [m],3', [0x0f, 0xba, 0x3b, 0x03]], ['xadd [m],eax', [0x0f, 0xc1, 0x03]], ['cmpxchg [m],ecx', [0x0f, 0xb1, 0x0b]],
    ['xchg [m],eax', [0x87, 0x03]], ['setc byte [m]', [0x0f, 0x92, 0x03]], ['cmpxchg8b [m]', [0x0f, 0xc7, 0x0b]],
    ['mov [m],eax', [0x89, 0x03]], ['mov eax,[m]', [0x8b, 0x03]], ['lock add [m],eax', [0xf0, 0x01, 0x03]],
  ];
  for (const [name, bytes] of rmw) {
    for (const [where, addr] of [['not-present', GUARD_BASE + 0x40], ['read-only', RO_BASE + 0x40]] as const) {
      form('fault', `${name} ${where}`, '=rmw', 4, 1, (v) => {
        v.gpr[0] = 5n;
        v.gpr[1] = 0n;
        v.gpr[3] = BigInt(addr);
        v.raw(...bytes);
      });
    }
  }
  form('fault', 'movdqu load crossing into not-present', 'movdqu', 16, 2, (v) => {
    v.gpr[3] = BigInt(GUARD_BASE - 8);
    v.raw(0xf3, 0x0f, 0x6f, 0x03);
  });
  form('fault', 'add mem crossing from read-only (read ok, write faults)', 'add', 4, 2, (v) => {
    v.gpr[3] = BigInt(RO_BASE + 0xffe);
    v.raw(0x01, 0x03);
  });
  form('fault', 'push into not-present', 'push', 8, 2, (v) => {
    v.gpr[4] = BigInt(GUARD_BASE + 0x1000 + 4);
    v.raw(0x53);
  });
  form('fault', 'call into data page (execute-disable)', 'call', 8, 2, (v) => {
    stackWindow(v);
    v.gpr[0] = BigInt(DATA_BASE + 0x100);
    v.raw(0xff, 0xd0);
  });
  form('fault', 'jmp into not-present', 'jmp', 8, 2, (v) => {
    v.gpr[0] = BigInt(GUARD_BASE + 0x10);
    v.raw(0xff, 0xe0);
  });
  form('fault', 'non-canonical load', 'mov', 8, 4, (v, n) => {
    v.gpr[3] = [0x0000800000000000n, 0xffff7fffffffffffn, 0x1234567800000000n, 0x8000000000000000n][n];
    v.raw(0x48, 0x8b, 0x03);
  });
  // String instructions address through RSI/RDI: a non-canonical pointer is #GP, not a #PF.
  for (const [name, bytes, reg] of [['lodsb', [0xac], 6], ['stosb', [0xaa], 7], ['movsq', [0x48, 0xa5], 6], ['rep stosq', [0xf3, 0x48, 0xab], 7]] as const) {
    form('fault', `${name} non-canonical`, 'mov', 8, 2, (v, n) => {
      v.gpr[6] = BigInt(DATA_BASE + 0x400);
      v.gpr[7] = BigInt(DATA_BASE + 0x500);
      v.gpr[1] = 3n;
      v.gpr[reg] = n ? 0xffff000000000000n : 0x0000800000000000n;
      v.raw(...bytes);
    });
  }
  // Absolute moffs addresses and the stack pointer are checked for canonical form too (a bad
  // RSP is a stack fault, #SS).
  form('fault', 'mov al,moffs non-canonical', 'mov', 1, 2, (v, n) => {
    v.randomReg(0);
    v.raw(0xa0, ...[0, 0, 0, 0, 0, 0x80, 0, 0].map((b, k) => (n && k >= 6 ? 0x80 : b)));
  });
  for (const [name, bytes] of [['push rbx', [0x53]], ['pop rbx', [0x5b]], ['call rel32', [0xe8, 0, 0, 0, 0]], ['pushfq', [0x9c]]] as const) {
    form('fault', `${name} with non-canonical rsp`, 'mov', 8, 2, (v, n) => {
      v.gpr[4] = n ? 0x0000800000000008n : 0xffff000000000000n;
      v.raw(...bytes);
    });
  }
  // CMOVcc reads its memory source whether or not the condition holds (SDM Vol. 2A, CMOVcc).
  form('fault', 'cmovz from not-present with ZF clear', 'cmovz', 4, 2, (v) => {
    v.flags = 0x202;
    v.gpr[3] = BigInt(GUARD_BASE + 0x20);
    v.raw(0x0f, 0x44, 0x03);
  });
  // With 32-bit addressing a register bit offset's displacement wraps in the 32-bit
  // effective address (fuzz:isa finding: BTR [r12d+0x3a],r15 with r15 = 2^63 does not fault).
  const wraps: Array<[bigint, bigint]> = [
    [0x8000000000000000n, 0x20000400n], [(1n << 35n) + 0x200n, 0x20000400n], [0xfffffff800000040n, 0x20000400n],
    [0xffffffff00000100n, 0x20000400n], [0x80000000n, 0x30000400n], [0x7fffffffn, 0x10000440n],
  ];
  form('fault', 'bt m,r with addr32: the bit offset wraps', 'bt', 8, wraps.length, (v, n) => {
    const [offset, base] = wraps[n];
    v.window(0x3c0, 0x460);
    v.gpr[15] = offset;
    v.gpr[3] = base;
    // bt [ebx],r15 (64-bit offset); bt [ebx],r15d (a 32-bit one) for the last two.
    v.raw(...(n < 4 ? [0x67, 0x4c, 0x0f, 0xa3, 0x3b] : [0x67, 0x44, 0x0f, 0xa3, 0x3b]));
  });
  form('fault', 'idiv by zero leaves registers', 'idiv', 8, 2, (v) => {
    v.randomReg(0);
    v.randomReg(2);
    v.gpr[1] = 0n;
    v.raw(0x48, 0xf7, 0xf9);
  });
}

/**
 * 16-byte alignment against the canonical check, and MXCSR.MM (AMD's misaligned SSE mode,
 * recorded only where the host has it: /proc/cpuinfo "misalignsse"). RBP-based operands
 * are stack references: #SS(0) when non-canonical, #GP(0) when misaligned; which one a
 * misaligned non-canonical address raises is the vendor's order (Cpu.ea16).
 */
function alignForms(): void {
  const misalignSse = /^flags\s*:.*\bmisalignsse\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  const insns: Array<[string, number[]]> = [
    ['movaps load', [0x0f, 0x28, 0x45, 0x00]], ['movaps store', [0x0f, 0x29, 0x45, 0x00]],
    ['movdqa store', [0x66, 0x0f, 0x7f, 0x45, 0x00]], ['movdqu load', [0xf3, 0x0f, 0x6f, 0x45, 0x00]],
    ['addps', [0x0f, 0x58, 0x45, 0x00]], ['pxor', [0x66, 0x0f, 0xef, 0x45, 0x00]],
    ['pshufb', [0x66, 0x0f, 0x38, 0x00, 0x45, 0x00]], ['cvtpd2dq', [0xf2, 0x0f, 0xe6, 0x45, 0x00]],
    ['movntdqa', [0x66, 0x0f, 0x38, 0x2a, 0x45, 0x00]], ['movntps', [0x0f, 0x2b, 0x45, 0x00]],
    ['movntpd', [0x66, 0x0f, 0x2b, 0x45, 0x00]], ['movntdq', [0x66, 0x0f, 0xe7, 0x45, 0x00]],
    ['pcmpistri', [0x66, 0x0f, 0x3a, 0x63, 0x45, 0x00, 0x00]], ['fxsave', [0x0f, 0xae, 0x45, 0x00]],
    ['fxrstor', [0x0f, 0xae, 0x4d, 0x00]], ['cmpxchg16b', [0x48, 0x0f, 0xc7, 0x4d, 0x00]],
    ['movss load', [0xf3, 0x0f, 0x10, 0x45, 0x00]], ['fld m80', [0xdb, 0x6d, 0x00]], ['bt m32,r32', [0x0f, 0xa3, 0x45, 0x00]],
  ];
  const addresses: Array<[string, bigint]> = [
    ['misaligned non-canonical', 0xffff7fffffffffffn],
    ['aligned non-canonical', 0x0000800000000000n],
    ['misaligned', BigInt(DATA_BASE + 0x801)],
  ];
  for (const mm of misalignSse ? [false, true] : [false]) {
    for (const [name, bytes] of insns) {
      for (const [where, rbp] of addresses) {
        form('align', `${name} [rbp] ${where}${mm ? ' MM=1' : ''}`, name.startsWith('bt') ? 'bt' : 'mov', 4, 1, (v) => {
          if (mm) fxSet(v.fx, 'mxcsr', '21f80');
          v.gpr[5] = rbp;
          v.gpr[0] = 0n; // RAX, RDX for CMPXCHG16B; BT's bit offset
          v.gpr[2] = 0n;
          v.window(0x800, 0x820);
          v.raw(...bytes);
        });
      }
    }
  }
  // LDMXCSR of MM, then STMXCSR; FXSAVE's MXCSR_MASK read back (0xFFFF, or 0x2FFFF with MM).
  form('align', 'ldmxcsr MM; stmxcsr', 'mov', 4, 1, (v) => {
    v.gpr[3] = BigInt(DATA_BASE + 0x400);
    v.store(DATA_BASE + 0x400, 4, 0x21f80n);
    v.raw(0x0f, 0xae, 0x13, 0x0f, 0xae, 0x5b, 0x04);
  });
  form('align', 'fxsave; mov eax,[mxcsr_mask]', 'mov', 4, 1, (v) => {
    v.gpr[3] = BigInt(DATA_BASE + 0x1000);
    v.raw(0x0f, 0xae, 0x03, 0x8b, 0x43, 0x1c);
  });
}

function allForms(): void {
  integerForms();
  movImmForms();
  moffsForms();
  leaForms();
  xchgAccForms();
  stackForms();
  miscMoveForms();
  flagForms();
  sregForms();
  stringForms();
  segmentForms();
  controlForms();
  sseForms();
  x87Forms();
  nopForms();
  decodeForms();
  faultForms();
  alignForms();
}

// ---- running and recording -------------------------------------------------------------

interface Built {
  form: Form;
  v: Vec;
}

function buildAll(selected: Form[]): Built[] {
  return buildForms(selected, (rng) => new Vec(rng), Retry);
}

function nativeInput(v: Vec): NativeInput {
  const window = v.winLo >= 0 ? { offset: v.winLo, bytes: v.mem.slice(v.winLo, v.winHi) } : null;
  return { code: v.code, gpr: v.gpr, flags: v.flags, window, fx: v.fx, k: v.k, key: v.key };
}

const HARNESS = join(ROOT, 'tools', 'golden', 'golden');

function main(): void {
  allForms();
  const args = process.argv.slice(2);
  const groups = [...new Set(forms.map((f) => f.group))];
  const wanted = args.length ? args : groups;
  for (const g of wanted) if (!groups.includes(g)) throw new Error(`unknown group ${g} (have ${groups.join(' ')})`);
  mkdirSync(join(HERE, 'data'), { recursive: true });
  let total = 0;
  for (const g of wanted) {
    const built = buildAll(forms.filter((f) => f.group === g));
    const inputs = built.map((b) => nativeInput(b.v));
    const answers = runHarness(HARNESS, inputs.map(requestLine));
    const lines = built.map((b, i) => JSON.stringify(toRecord({ id: b.form.id, mnemonic: b.form.mnemonic, size: b.form.size }, inputs[i], answers[i])));
    const gz = gzipSync(lines.join('\n') + '\n', { level: 9 });
    writeFileSync(join(HERE, 'data', `${g}.jsonl.gz`), gz);
    const nForms = new Set(built.map((b) => b.form.id)).size;
    console.log(`${g}: ${built.length} vectors, ${nForms} forms, ${gz.length} bytes`);
    total += built.length;
  }
  console.log(`total ${total} vectors`);
}

// Keep imports used by later groups referenced.
void (null as unknown as RmOperand | undefined);

main();
