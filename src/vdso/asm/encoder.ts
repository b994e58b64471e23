import { fail } from './errors.js';
import { evaluate, showValue, type EvalEnv, type Expr, type Val } from './expr.js';
import { describe, type MemOp, type Operand, type RegOp } from './operands.js';
import { SEG_PREFIX, type Reg } from './registers.js';

/** What the encoder needs from the assembler for one instruction. */
export interface EncodeEnv extends EvalEnv {
  bits: 64 | 32;
  /** For a relaxable jump: true while it is still encoded with rel8. */
  short: boolean;
}

export interface Encoded {
  bytes: number[];
  /** Set on jumps to a label: they may be encoded short (rel8) or near (rel32). */
  relaxable?: boolean;
  /** A short jump whose displacement does not fit in rel8 (the assembler then relaxes it). */
  overflow?: boolean;
}

const MASK64 = (1n << 64n) - 1n;

function signed(v: bigint, bits: number): bigint {
  const m = (1n << BigInt(bits)) - 1n;
  const u = v & m;
  return u >= 1n << BigInt(bits - 1) ? u - (1n << BigInt(bits)) : u;
}

/** Is v a valid `bits`-wide value (signed or unsigned)? */
function validIn(v: bigint, bits: number): boolean {
  return v >= -(1n << BigInt(bits - 1)) && v < 1n << BigInt(bits);
}

/** Does v, taken as an opSize-bit value, equal the sign extension of an immBits-bit field? */
function fitsSignExt(v: bigint, immBits: number, opSize: number): boolean {
  if (!validIn(v, opSize)) return false;
  const s = signed(v, opSize);
  return s >= -(1n << BigInt(immBits - 1)) && s < 1n << BigInt(immBits - 1);
}

const CC: Record<string, number> = {
  o: 0, no: 1, b: 2, c: 2, nae: 2, ae: 3, nb: 3, nc: 3, e: 4, z: 4, ne: 5, nz: 5,
  be: 6, na: 6, a: 7, nbe: 7, s: 8, ns: 9, p: 10, pe: 10, np: 11, po: 11,
  l: 12, nge: 12, ge: 13, nl: 13, le: 14, ng: 14, g: 15, nle: 15,
};

interface Imm { v: bigint; size: number }

/** One instruction being built: prefixes, REX bits, opcode, ModRM/SIB, displacement, immediates. */
class Inst {
  seg = -1;
  a32 = false;
  o16 = false;
  rep = 0;
  lock = false;
  w = false; r = false; x = false; b = false;
  needRex = false;
  highReg: Reg | null = null;
  op: number[] = [];
  modrm = -1;
  sib = -1;
  disp: { v: bigint; size: number; rip: boolean } | null = null;
  imms: Imm[] = [];
  /** A jump to a label (rel8 or rel32, chosen by the assembler's relaxation). */
  relaxable = false;
  /** Encoded short but the displacement does not fit in rel8. */
  overflow = false;

  constructor(readonly mn: string, readonly env: EncodeEnv) {}

  noteReg(r: Reg): void {
    if (r.type === 'gpr') {
      if (r.needsRex) this.needRex = true;
      if (r.high) this.highReg = r;
    }
    if (this.env.bits === 32 && (r.num >= 8 || r.needsRex || (r.size === 64 && r.type === 'gpr'))) {
      fail(`register '${r.name}' is not available in 32-bit mode`);
    }
  }

  /** Operand size prefix / REX.W for a 16/32/64-bit operation. */
  size(bits: number): void {
    if (bits === 16) this.o16 = true;
    else if (bits === 64) {
      if (this.env.bits === 32) fail(`64-bit operand size is not available in 32-bit mode for '${this.mn}'`);
      this.w = true;
    }
  }

  /** ModRM reg field (a register or an opcode extension /digit). */
  reg(r: Reg | number): void {
    if (typeof r === 'number') { this.modrm = (this.modrm < 0 ? 0 : this.modrm & ~0x38) | (r << 3); return; }
    this.noteReg(r);
    if (r.num & 8) this.r = true;
    this.modrm = (this.modrm < 0 ? 0 : this.modrm & ~0x38) | ((r.num & 7) << 3);
  }

  /** ModRM rm field from a register or a memory operand. */
  rm(o: RegOp | MemOp): void {
    const cur = this.modrm < 0 ? 0 : this.modrm & 0x38;
    if (o.kind === 'reg') {
      this.noteReg(o.reg);
      if (o.reg.num & 8) this.b = true;
      this.modrm = 0xc0 | cur | (o.reg.num & 7);
      return;
    }
    this.mem(o, cur);
  }

  private mem(m: MemOp, cur: number): void {
    const env = this.env;
    // GNU as drops an override that names the default segment: ss for a base of rsp/rbp
    // (esp/ebp; not r12/r13), ds otherwise.
    const defSeg = m.base && m.base.type === 'gpr' && (m.base.num === 4 || m.base.num === 5) ? 2 : 3;
    if (m.seg >= 0 && m.seg !== defSeg) this.seg = m.seg;
    const dv: Val = m.disp ? evaluate(m.disp, env) : { v: 0n, rel: 0, dep: false };
    const base = m.base;
    const index = m.index;
    if (base && base.type === 'ip') {
      if (env.bits === 32) fail('rip-relative addressing is not available in 32-bit mode');
      if (base.size === 32) this.a32 = true;
      if (dv.rel !== 0 && dv.rel !== 1) fail('bad rip-relative displacement');
      this.modrm = cur | 5;
      this.disp = { v: dv.v, size: 4, rip: dv.rel === 1 };
      return;
    }
    const asz = base ? base.size : index ? index.size : env.bits;
    if (asz === 16) fail('16-bit addressing is not supported');
    if (asz === 64 && env.bits === 32) fail('64-bit address registers are not available in 32-bit mode');
    if (asz === 32 && env.bits === 64) this.a32 = true;
    if (base) this.noteReg(base);
    if (index) this.noteReg(index);
    if (dv.rel !== 0 && dv.rel !== 1) fail('bad displacement expression');
    const disp32 = (): void => {
      if (env.final) {
        const ok = asz === 64 ? fitsSignExt(dv.v, 32, 64) : validIn(dv.v, 32);
        if (!ok) fail(`displacement ${showValue(dv.v)} does not fit in 32 bits`);
      }
      this.disp = { v: dv.v, size: 4, rip: false };
    };
    if (!base) {
      if (index) {
        if (index.num & 8) this.x = true;
        this.modrm = cur | 4;
        this.sib = (Math.log2(m.scale) << 6) | ((index.num & 7) << 3) | 5;
      } else if (env.bits === 64) {
        this.modrm = cur | 4;
        this.sib = 0x25;
      } else {
        this.modrm = cur | 5;
      }
      disp32();
      return;
    }
    if (base.num & 8) this.b = true;
    let mod: number;
    if (!dv.dep && dv.v === 0n && (base.num & 7) !== 5) mod = 0;
    else if (!dv.dep && fitsSignExt(dv.v, 8, asz)) mod = 1;
    else mod = 2;
    if (index || (base.num & 7) === 4) {
      const idx = index ? index.num & 7 : 4;
      if (index && index.num & 8) this.x = true;
      this.modrm = (mod << 6) | cur | 4;
      this.sib = (Math.log2(index ? m.scale : 1) << 6) | (idx << 3) | (base.num & 7);
    } else {
      this.modrm = (mod << 6) | cur | (base.num & 7);
    }
    if (mod === 1) this.disp = { v: dv.v, size: 1, rip: false };
    else if (mod === 2) disp32();
  }

  imm(v: bigint, size: number): void {
    this.imms.push({ v, size });
  }

  build(): number[] {
    const out: number[] = [];
    if (this.seg >= 0) out.push(SEG_PREFIX[this.seg]!);
    if (this.a32) out.push(0x67);
    if (this.o16) out.push(0x66);
    if (this.rep) out.push(this.rep);
    if (this.lock) out.push(0xf0);
    const rexBits = (this.w ? 8 : 0) | (this.r ? 4 : 0) | (this.x ? 2 : 0) | (this.b ? 1 : 0);
    if (rexBits || this.needRex) {
      if (this.env.bits === 32) fail(`'${this.mn}' cannot be encoded in 32-bit mode`);
      if (this.highReg) fail(`register '${this.highReg.name}' cannot be used in an instruction that needs a REX prefix`);
      out.push(0x40 | rexBits);
    }
    out.push(...this.op);
    if (this.modrm >= 0) out.push(this.modrm);
    if (this.sib >= 0) out.push(this.sib);
    let immLen = 0;
    for (const i of this.imms) immLen += i.size;
    if (this.disp) {
      let v = this.disp.v;
      if (this.disp.rip) {
        const end = this.env.here + BigInt(out.length + this.disp.size + immLen);
        v = signed((v - end) & MASK64, 64);
        if (this.env.final && !validSigned(v, 32)) fail(`rip-relative target out of range (${showValue(v)})`);
      }
      pushLE(out, v, this.disp.size);
    }
    for (const i of this.imms) pushLE(out, i.v, i.size);
    return out;
  }
}

function pushLE(out: number[], v: bigint, size: number): void {
  let u = v & ((1n << BigInt(size * 8)) - 1n);
  for (let i = 0; i < size; i++) { out.push(Number(u & 0xffn)); u >>= 8n; }
}

type Handler = (I: Inst, ops: Operand[]) => void;

const isGpr = (o: Operand | undefined): o is RegOp => o !== undefined && o.kind === 'reg' && o.reg.type === 'gpr';
const isMem = (o: Operand | undefined): o is MemOp => o !== undefined && o.kind === 'mem';
const isRM = (o: Operand | undefined): o is RegOp | MemOp => isGpr(o) || isMem(o);
const isImm = (o: Operand | undefined): o is { kind: 'imm'; expr: Expr } => o !== undefined && o.kind === 'imm';
const isAcc = (o: Operand): boolean => isGpr(o) && o.reg.num === 0;
const isCL = (o: Operand | undefined): boolean => isGpr(o) && o.reg.num === 1 && o.reg.size === 8 && !o.reg.high;
const sizeOf = (o: Operand): number => (o.kind === 'reg' ? o.reg.size : o.kind === 'mem' ? o.size : 0);
/** An absolute memory operand (no base, no index): candidate for the moffs forms. */
const isAbs = (o: Operand): o is MemOp => isMem(o) && !o.base && !o.index;

function bad(I: Inst, ops: Operand[]): never {
  fail(`invalid operands for '${I.mn}' (${ops.length ? ops.map(describe).join(', ') : 'none'})`);
}

function count(I: Inst, ops: Operand[], ...n: number[]): void {
  if (!n.includes(ops.length)) {
    const want = n.length === 1 ? `${n[0]}` : n.join(' or ');
    fail(`'${I.mn}' takes ${want} operand${n.length === 1 && n[0] === 1 ? '' : 's'}, got ${ops.length}`);
  }
}

/** The common size of the operands (sizes 0 are unknown); error on a mismatch. */
function unify(I: Inst, ...ops: Operand[]): number {
  let s = 0;
  for (const o of ops) {
    const z = sizeOf(o);
    if (!z) continue;
    if (s && z !== s) fail(`operand size mismatch for '${I.mn}'`);
    s = z;
  }
  return s;
}

function needSize(I: Inst, s: number, allowed: number[] = [8, 16, 32, 64]): number {
  if (!s) fail(`ambiguous operand size for '${I.mn}' (use byte/word/dword/qword ptr)`);
  if (!allowed.includes(s)) fail(`invalid operand size ${s} for '${I.mn}'`);
  return s;
}

/** Evaluates an immediate and checks that it fits a field of immBits for an opSize-bit operation. */
function immVal(I: Inst, e: Expr, immBits: number, opSize: number, unsignedOnly = false): Val {
  const v = evaluate(e, I.env);
  if (I.env.final) {
    const ok = immBits === opSize ? validIn(v.v, immBits) && (!unsignedOnly || v.v >= 0n) : fitsSignExt(v.v, immBits, opSize);
    if (!ok) fail(`immediate ${showValue(v.v)} out of range for imm${immBits}`);
  }
  return v;
}

/** Will a sign-extended imm8 form be used? Only for values known independently of the layout. */
function wantImm8(I: Inst, e: Expr, opSize: number): Val | null {
  const v = evaluate(e, I.env);
  if (!v.dep && fitsSignExt(v.v, 8, opSize)) return v;
  return null;
}

function immSize(opSize: number): number {
  return opSize === 16 ? 2 : opSize === 8 ? 1 : 4;
}

// ---------------------------------------------------------------------------------------
// Instruction groups

function alu(n: number): Handler {
  return (I, ops) => {
    count(I, ops, 2);
    const [d, s] = ops as [Operand, Operand];
    if (isImm(s) && isRM(d)) {
      const size = needSize(I, sizeOf(d));
      I.size(size);
      if (size === 8) {
        const v = immVal(I, s.expr, 8, 8);
        if (isAcc(d)) I.op = [n * 8 + 4];
        else { I.op = [0x80]; I.reg(n); I.rm(d); }
        I.imm(v.v, 1);
        return;
      }
      const v8 = wantImm8(I, s.expr, size);
      if (v8) { I.op = [0x83]; I.reg(n); I.rm(d); I.imm(v8.v, 1); return; }
      const v = immVal(I, s.expr, Math.min(size, 32), size);
      if (isAcc(d)) I.op = [n * 8 + 5];
      else { I.op = [0x81]; I.reg(n); I.rm(d); }
      I.imm(v.v, immSize(size));
      return;
    }
    if (isGpr(s) && isRM(d)) {
      const size = needSize(I, unify(I, d, s));
      I.size(size);
      I.op = [n * 8 + (size === 8 ? 0 : 1)];
      I.reg(s.reg); I.rm(d);
      return;
    }
    if (isGpr(d) && isMem(s)) {
      const size = needSize(I, unify(I, d, s));
      I.size(size);
      I.op = [n * 8 + (size === 8 ? 2 : 3)];
      I.reg(d.reg); I.rm(s);
      return;
    }
    bad(I, ops);
  };
}

/** Group 3 unary: not /2, neg /3, mul /4, imul /5 (one operand), div /6, idiv /7; inc/dec via FE/FF. */
function unary(op8: number, op: number, ext: number, shortReg?: number): Handler {
  return (I, ops) => {
    count(I, ops, 1);
    const d = ops[0]!;
    if (!isRM(d)) bad(I, ops);
    const size = needSize(I, sizeOf(d));
    I.size(size);
    if (shortReg !== undefined && I.env.bits === 32 && isGpr(d) && size !== 8) {
      I.op = [shortReg + d.reg.num];
      return;
    }
    I.op = [size === 8 ? op8 : op];
    I.reg(ext); I.rm(d);
  };
}

function shift(ext: number): Handler {
  return (I, ops) => {
    count(I, ops, 1, 2);
    const d = ops[0]!;
    const c = ops[1];
    if (!isRM(d)) bad(I, ops);
    const size = needSize(I, sizeOf(d));
    I.size(size);
    I.reg(ext);
    if (c === undefined) { I.op = [size === 8 ? 0xd0 : 0xd1]; I.rm(d); return; }
    if (isCL(c)) { I.op = [size === 8 ? 0xd2 : 0xd3]; I.rm(d); return; }
    if (isImm(c)) {
      const v = immVal(I, c.expr, 8, 8);
      if (!v.dep && v.v === 1n) { I.op = [size === 8 ? 0xd0 : 0xd1]; I.rm(d); return; }
      I.op = [size === 8 ? 0xc0 : 0xc1]; I.rm(d); I.imm(v.v, 1);
      return;
    }
    bad(I, ops);
  };
}

function doubleShift(opImm: number): Handler {
  return (I, ops) => {
    count(I, ops, 3);
    const [d, s, c] = ops as [Operand, Operand, Operand];
    if (!isRM(d) || !isGpr(s)) bad(I, ops);
    const size = needSize(I, unify(I, d, s), [16, 32, 64]);
    I.size(size);
    I.reg(s.reg); I.rm(d);
    if (isCL(c)) { I.op = [0x0f, opImm + 1]; return; }
    if (isImm(c)) { I.op = [0x0f, opImm]; I.imm(immVal(I, c.expr, 8, 8).v, 1); return; }
    bad(I, ops);
  };
}

const mov: Handler = (I, ops) => {
  count(I, ops, 2);
  const [d, s] = ops as [Operand, Operand];
  const bits = I.env.bits;
  // segment, control and debug registers
  if (d.kind === 'reg' && d.reg.type === 'seg') {
    if (!isRM(s) || (isGpr(s) && s.reg.size === 8) || (isMem(s) && s.size && s.size !== 16)) bad(I, ops);
    if (d.reg.num === 1) fail("cannot move to 'cs'");
    // GNU as uses neither 66 nor REX.W here (the operand is 16 bits whatever the register)
    I.op = [0x8e]; I.reg(d.reg.num); I.rm(s);
    return;
  }
  if (s.kind === 'reg' && s.reg.type === 'seg') {
    if (!isRM(d) || (isGpr(d) && d.reg.size === 8) || (isMem(d) && d.size && d.size !== 16)) bad(I, ops);
    if (isGpr(d) && d.reg.size === 16) I.size(16); // 66 kept, REX.W dropped, as GNU as does
    I.op = [0x8c]; I.reg(s.reg.num); I.rm(d);
    return;
  }
  for (const [ctl, gpr, opc] of [[d, s, 0x22], [s, d, 0x20]] as const) {
    if (ctl.kind === 'reg' && (ctl.reg.type === 'cr' || ctl.reg.type === 'dr')) {
      if (!isGpr(gpr) || gpr.reg.size !== bits) bad(I, ops);
      const n = ctl.reg.num;
      if (ctl.reg.type === 'cr' && ![0, 2, 3, 4, 8].includes(n)) fail(`invalid control register '${ctl.reg.name}'`);
      I.op = [0x0f, ctl.reg.type === 'cr' ? opc : opc + 1];
      if (n & 8) I.r = true;
      I.reg(n & 7); I.rm(gpr);
      return;
    }
  }
  if (isImm(s) && isRM(d)) {
    const size = needSize(I, sizeOf(d));
    I.size(size);
    if (isGpr(d)) {
      if (size === 64) {
        const v = evaluate(s.expr, I.env);
        if (!v.dep && !fitsSignExt(v.v, 32, 64)) {
          // GNU as picks movabs (B8+r io) when the value does not fit a sign-extended imm32
          const v64 = immVal(I, s.expr, 64, 64);
          I.op = [0xb8 + (d.reg.num & 7)]; if (d.reg.num & 8) I.b = true;
          I.imm(v64.v, 8);
          return;
        }
        const v32 = immVal(I, s.expr, 32, 64);
        I.op = [0xc7]; I.reg(0); I.rm(d); I.imm(v32.v, 4);
        return;
      }
      const v = immVal(I, s.expr, size, size);
      I.noteReg(d.reg);
      if (d.reg.num & 8) I.b = true;
      I.op = [(size === 8 ? 0xb0 : 0xb8) + (d.reg.num & 7)];
      I.imm(v.v, size / 8);
      return;
    }
    const v = immVal(I, s.expr, Math.min(size, 32), size);
    I.op = [size === 8 ? 0xc6 : 0xc7]; I.reg(0); I.rm(d);
    I.imm(v.v, immSize(size));
    return;
  }
  // accumulator and an absolute address: moffs forms (always in 32-bit mode, as GNU as does;
  // in 64-bit mode only when the address does not fit a sign-extended disp32)
  const moffs = (acc: RegOp, m: MemOp, toMem: boolean): boolean => {
    if (!m.disp) return false;
    const v = evaluate(m.disp, I.env);
    if (bits === 64 && (v.dep || fitsSignExt(v.v, 32, 64))) return false;
    moffsForm(I, acc, m, toMem, bits === 64 ? 8 : 4);
    return true;
  };
  if (isGpr(s) && isRM(d)) {
    const size = needSize(I, unify(I, d, s));
    if (isAcc(s) && isAbs(d) && moffs(s, d, true)) return;
    I.size(size);
    I.op = [size === 8 ? 0x88 : 0x89];
    I.reg(s.reg); I.rm(d);
    return;
  }
  if (isGpr(d) && isMem(s)) {
    const size = needSize(I, unify(I, d, s));
    if (isAcc(d) && isAbs(s) && moffs(d, s, false)) return;
    I.size(size);
    I.op = [size === 8 ? 0x8a : 0x8b];
    I.reg(d.reg); I.rm(s);
    return;
  }
  bad(I, ops);
};

function moffsForm(I: Inst, acc: RegOp, m: MemOp, toMem: boolean, addrBytes: number): void {
  const size = needSize(I, unify(I, acc, m));
  I.size(size);
  I.noteReg(acc.reg);
  if (m.seg >= 0 && m.seg !== 3) I.seg = m.seg;
  I.op = [(toMem ? 0xa2 : 0xa0) + (size === 8 ? 0 : 1)];
  const v = evaluate(m.disp!, I.env);
  if (I.env.final && !validIn(v.v, addrBytes * 8)) fail(`address ${showValue(v.v)} out of range`);
  I.imm(v.v, addrBytes);
}

const movabs: Handler = (I, ops) => {
  count(I, ops, 2);
  if (I.env.bits !== 64) fail("'movabs' is only available in 64-bit mode");
  const [d, s] = ops as [Operand, Operand];
  if (isGpr(d) && isImm(s)) {
    if (d.reg.size !== 64) bad(I, ops);
    const v = immVal(I, s.expr, 64, 64);
    I.w = true;
    if (d.reg.num & 8) I.b = true;
    I.op = [0xb8 + (d.reg.num & 7)];
    I.imm(v.v, 8);
    return;
  }
  if (isGpr(d) && isAcc(d) && isAbs(s) && s.disp) { moffsForm(I, d, s, false, 8); return; }
  if (isGpr(s) && isAcc(s) && isAbs(d) && d.disp) { moffsForm(I, s, d, true, 8); return; }
  bad(I, ops);
};

function extend(op: number, signedExt: boolean): Handler {
  return (I, ops) => {
    count(I, ops, 2);
    const [d, s] = ops as [Operand, Operand];
    if (!isGpr(d) || !isRM(s)) bad(I, ops);
    const ss = sizeOf(s);
    if (!ss) fail(`ambiguous operand size for '${I.mn}' (use byte/word/dword ptr)`);
    const ds = d.reg.size;
    if (ss === 32 && signedExt && ds === 64) { I.size(64); I.op = [0x63]; I.reg(d.reg); I.rm(s); return; }
    if (!(ss === 8 && ds >= 16) && !(ss === 16 && ds >= 16)) bad(I, ops);
    I.size(ds);
    I.op = [0x0f, op + (ss === 16 ? 1 : 0)];
    I.reg(d.reg); I.rm(s);
  };
}

const movsxd: Handler = (I, ops) => {
  count(I, ops, 2);
  const [d, s] = ops as [Operand, Operand];
  if (!isGpr(d) || d.reg.size !== 64 || !isRM(s) || (sizeOf(s) && sizeOf(s) !== 32)) bad(I, ops);
  I.size(64); I.op = [0x63]; I.reg(d.reg); I.rm(s);
};

const lea: Handler = (I, ops) => {
  count(I, ops, 2);
  const [d, s] = ops as [Operand, Operand];
  if (!isGpr(d) || !isMem(s) || d.reg.size === 8) bad(I, ops);
  I.size(d.reg.size);
  I.op = [0x8d]; I.reg(d.reg); I.rm(s);
};

function pushPop(isPush: boolean): Handler {
  return (I, ops) => {
    count(I, ops, 1);
    const o = ops[0]!;
    const bits = I.env.bits;
    if (o.kind === 'reg' && o.reg.type === 'seg') {
      const n = o.reg.num;
      if (n >= 4) { I.op = [0x0f, (n === 4 ? 0xa0 : 0xa8) + (isPush ? 0 : 1)]; return; }
      if (bits === 64) fail(`'${I.mn} ${o.reg.name}' is not available in 64-bit mode`);
      if (!isPush && n === 1) fail("cannot pop 'cs'");
      I.op = [n * 8 + 6 + (isPush ? 0 : 1)];
      return;
    }
    if (isGpr(o)) {
      const size = o.reg.size;
      if (size === 8 || (size !== 16 && size !== bits)) bad(I, ops);
      if (size === 16) I.size(16);
      I.noteReg(o.reg);
      if (o.reg.num & 8) I.b = true;
      I.op = [(isPush ? 0x50 : 0x58) + (o.reg.num & 7)];
      return;
    }
    if (isMem(o)) {
      const size = o.size || bits;
      if (size !== 16 && size !== bits) bad(I, ops);
      if (size === 16) I.size(16);
      I.op = [isPush ? 0xff : 0x8f]; I.reg(isPush ? 6 : 0); I.rm(o);
      return;
    }
    if (isImm(o) && isPush) {
      const v8 = wantImm8(I, o.expr, bits);
      if (v8) { I.op = [0x6a]; I.imm(v8.v, 1); return; }
      const v = immVal(I, o.expr, 32, bits);
      I.op = [0x68]; I.imm(v.v, 4);
      return;
    }
    bad(I, ops);
  };
}

const test: Handler = (I, ops) => {
  count(I, ops, 2);
  let [d, s] = ops as [Operand, Operand];
  if (isMem(s) && isGpr(d)) [d, s] = [s, d];
  if (isImm(s) && isRM(d)) {
    const size = needSize(I, sizeOf(d));
    I.size(size);
    const v = immVal(I, s.expr, Math.min(size, 32), size);
    if (isAcc(d)) I.op = [size === 8 ? 0xa8 : 0xa9];
    else { I.op = [size === 8 ? 0xf6 : 0xf7]; I.reg(0); I.rm(d); }
    I.imm(v.v, immSize(size));
    return;
  }
  if (isGpr(s) && isRM(d)) {
    const size = needSize(I, unify(I, d, s));
    I.size(size);
    I.op = [size === 8 ? 0x84 : 0x85];
    I.reg(s.reg); I.rm(d);
    return;
  }
  bad(I, ops);
};

const xchg: Handler = (I, ops) => {
  count(I, ops, 2);
  let [d, s] = ops as [Operand, Operand];
  if (isMem(s) && isGpr(d)) [d, s] = [s, d];
  if (!isRM(d) || !isGpr(s)) bad(I, ops);
  const size = needSize(I, unify(I, d, s));
  I.size(size);
  if (isGpr(d) && size !== 8) {
    // the accumulator forms 90+r, except xchg eax, eax (90 would not zero-extend in 64-bit mode)
    const other = isAcc(s) ? d : isAcc(d) ? s : null;
    if (other && !(size === 32 && I.env.bits === 64 && other.reg.num === 0)) {
      I.noteReg(other.reg);
      if (size === 64 && other.reg.num === 0) I.w = false; // GNU as: xchg rax, rax is plain 90
      if (other.reg.num & 8) I.b = true;
      I.op = [0x90 + (other.reg.num & 7)];
      return;
    }
  }
  I.op = [size === 8 ? 0x86 : 0x87];
  I.reg(s.reg); I.rm(d);
};

function twoByteRRM(op: number[], sizes: number[]): Handler {
  // r, r/m forms such as imul r, r/m; cmovcc; bsf/bsr; popcnt
  return (I, ops) => {
    count(I, ops, 2);
    const [d, s] = ops as [Operand, Operand];
    if (!isGpr(d) || !isRM(s)) bad(I, ops);
    const size = needSize(I, unify(I, d, s), sizes);
    I.size(size);
    I.op = [...op];
    I.reg(d.reg); I.rm(s);
  };
}

const imul: Handler = (I, ops) => {
  count(I, ops, 1, 2, 3);
  if (ops.length === 1) return unary(0xf6, 0xf7, 5)(I, ops);
  let d = ops[0]!;
  let s = ops[1]!;
  let c = ops[2];
  if (ops.length === 2 && isImm(s)) { c = s; s = d; }
  if (!isGpr(d) || !isRM(s)) bad(I, ops);
  const size = needSize(I, unify(I, d, s), [16, 32, 64]);
  I.size(size);
  I.reg(d.reg); I.rm(s);
  if (c === undefined) { I.op = [0x0f, 0xaf]; return; }
  if (!isImm(c)) bad(I, ops);
  const v8 = wantImm8(I, c.expr, size);
  if (v8) { I.op = [0x6b]; I.imm(v8.v, 1); return; }
  const v = immVal(I, c.expr, Math.min(size, 32), size);
  I.op = [0x69]; I.imm(v.v, immSize(size));
};

function setcc(cc: number): Handler {
  return (I, ops) => {
    count(I, ops, 1);
    const d = ops[0]!;
    if (!isRM(d) || (sizeOf(d) && sizeOf(d) !== 8)) bad(I, ops);
    I.op = [0x0f, 0x90 + cc]; I.reg(0); I.rm(d);
  };
}

/** jmp / jcc / call. Jumps to labels are relaxed (rel8 first, rel32 when it does not fit);
 * call, and jumps to constant addresses, always use rel32 (as GNU as does in an object file). */
function branch(kind: 'jmp' | 'call' | 'jcc', cc = 0): Handler {
  return (I, ops) => {
    count(I, ops, 1);
    const t = ops[0]!;
    const bits = I.env.bits;
    if (isRM(t)) {
      if (kind === 'jcc') bad(I, ops);
      const size = sizeOf(t) || bits;
      if (size !== bits && size !== 16) bad(I, ops);
      if (size === 16) I.size(16);
      I.op = [0xff]; I.reg(kind === 'jmp' ? 4 : 2); I.rm(t);
      return;
    }
    if (!isImm(t)) bad(I, ops);
    const v = evaluate(t.expr, I.env);
    if (v.rel !== 0 && v.rel !== 1) fail('bad branch target');
    const relaxable = kind !== 'call' && v.dep;
    const rel = (len: number): bigint => signed((v.v - (I.env.here + BigInt(len))) & ((1n << BigInt(bits)) - 1n), bits);
    if (relaxable && I.env.short) {
      I.op = [kind === 'jmp' ? 0xeb : 0x70 + cc];
      const d = rel(2);
      I.imm(d, 1);
      I.relaxable = true;
      if (!validSigned(d, 8)) I.overflow = true;
      return;
    }
    I.op = kind === 'jmp' ? [0xe9] : kind === 'call' ? [0xe8] : [0x0f, 0x80 + cc];
    const d = rel(I.op.length + 4);
    if (I.env.final && !validSigned(d, 32)) fail(`branch target out of range (${showValue(d)})`);
    I.imm(d, 4);
    if (relaxable) I.relaxable = true;
  };
}

/** loop/loope/loopne/jrcxz/jecxz: rel8 only. */
function shortBranch(op: number, addr32 = false): Handler {
  return (I, ops) => {
    count(I, ops, 1);
    const t = ops[0]!;
    if (!isImm(t)) bad(I, ops);
    const v = evaluate(t.expr, I.env);
    if (addr32 && I.env.bits === 64) I.a32 = true;
    const len = 2 + (I.a32 ? 1 : 0);
    const bits = I.env.bits;
    const d = signed((v.v - (I.env.here + BigInt(len))) & ((1n << BigInt(bits)) - 1n), bits);
    if (I.env.final && !validSigned(d, 8)) fail(`branch target out of range for '${I.mn}' (${showValue(d)})`);
    I.op = [op]; I.imm(d, 1);
  };
}

function validSigned(v: bigint, bits: number): boolean {
  return v >= -(1n << BigInt(bits - 1)) && v < 1n << BigInt(bits - 1);
}

function ret(op: number, w = false): Handler {
  return (I, ops) => {
    count(I, ops, 0, 1);
    if (w) I.size(64);
    if (ops.length === 0) { I.op = [op]; return; }
    const o = ops[0]!;
    if (!isImm(o)) bad(I, ops);
    I.op = [op - 1]; I.imm(immVal(I, o.expr, 16, 16).v, 2);
  };
}

const int: Handler = (I, ops) => {
  count(I, ops, 1);
  const o = ops[0]!;
  if (!isImm(o)) bad(I, ops);
  const v = immVal(I, o.expr, 8, 8);
  if (!v.dep && v.v === 3n) { I.op = [0xcc]; return; } // GNU as encodes 'int 3' as int3
  I.op = [0xcd]; I.imm(v.v, 1);
};

const enter: Handler = (I, ops) => {
  count(I, ops, 2);
  const [a, b] = ops as [Operand, Operand];
  if (!isImm(a) || !isImm(b)) bad(I, ops);
  I.op = [0xc8];
  I.imm(immVal(I, a.expr, 16, 16).v, 2);
  I.imm(immVal(I, b.expr, 8, 8).v, 1);
};

const bswap: Handler = (I, ops) => {
  count(I, ops, 1);
  const o = ops[0]!;
  if (!isGpr(o) || (o.reg.size !== 32 && o.reg.size !== 64)) bad(I, ops);
  I.size(o.reg.size);
  I.noteReg(o.reg);
  if (o.reg.num & 8) I.b = true;
  I.op = [0x0f, 0xc8 + (o.reg.num & 7)];
};

/** Instructions with one memory operand and a /digit: lgdt, lidt, invlpg, ...
 * `table`: a descriptor-table pointer (unsized, or tbyte in 64-bit / fword in 32-bit code). */
function memOnly(op: number[], ext: number, table = false): Handler {
  return (I, ops) => {
    count(I, ops, 1);
    const o = ops[0]!;
    if (!isMem(o)) bad(I, ops);
    if (table && o.size && o.size !== (I.env.bits === 64 ? 80 : 48)) bad(I, ops);
    I.op = [...op]; I.reg(ext); I.rm(o);
  };
}

/** ltr, str, lldt, sldt, verr, verw: r/m16 (a register operand may be wider for str/sldt). */
function sysSeg(ext: number, wideReg: boolean): Handler {
  return (I, ops) => {
    count(I, ops, 1);
    const o = ops[0]!;
    if (!isRM(o)) bad(I, ops);
    const s = sizeOf(o);
    if (isMem(o) && s && s !== 16) bad(I, ops);
    if (isGpr(o)) {
      if (o.reg.size === 8 || (!wideReg && o.reg.size !== 16)) bad(I, ops);
      if (wideReg && o.reg.size === 16) I.size(16); // GNU as: no REX.W for str/sldt r64
    }
    I.op = [0x0f, 0x00]; I.reg(ext); I.rm(o);
  };
}

/** lsl / lar: r16/32/64, r/m16 (GNU as also accepts a wider source register). */
function lslLar(op: number): Handler {
  return (I, ops) => {
    count(I, ops, 2);
    const [d, s] = ops as [Operand, Operand];
    if (!isGpr(d) || d.reg.size === 8 || !isRM(s)) bad(I, ops);
    if (isMem(s) && s.size && s.size !== 16) bad(I, ops);
    if (isGpr(s) && s.reg.size !== 16 && s.reg.size !== d.reg.size) bad(I, ops);
    I.size(d.reg.size);
    I.op = [0x0f, op]; I.reg(d.reg); I.rm(s);
  };
}

const rdpid: Handler = (I, ops) => {
  count(I, ops, 1);
  const o = ops[0]!;
  if (!isGpr(o) || o.reg.size !== I.env.bits) bad(I, ops);
  I.rep = 0xf3;
  I.op = [0x0f, 0xc7]; I.reg(7); I.rm(o);
};

/** bt/bts/btr/btc: r/m, r (0F A3+8n) and r/m, imm8 (0F BA /4+n). */
function bitTest(n: number): Handler {
  return (I, ops) => {
    count(I, ops, 2);
    const [d, s] = ops as [Operand, Operand];
    if (!isRM(d)) bad(I, ops);
    if (isImm(s)) {
      const size = needSize(I, sizeOf(d), [16, 32, 64]);
      I.size(size);
      I.op = [0x0f, 0xba]; I.reg(4 + n); I.rm(d);
      I.imm(immVal(I, s.expr, 8, 8).v, 1);
      return;
    }
    if (!isGpr(s)) bad(I, ops);
    const size = needSize(I, unify(I, d, s), [16, 32, 64]);
    I.size(size);
    I.op = [0x0f, 0xa3 + 8 * n]; I.reg(s.reg); I.rm(d);
  };
}

/** xadd / cmpxchg: r/m, r. */
function rmR(op8: number): Handler {
  return (I, ops) => {
    count(I, ops, 2);
    const [d, s] = ops as [Operand, Operand];
    if (!isRM(d) || !isGpr(s)) bad(I, ops);
    const size = needSize(I, unify(I, d, s));
    I.size(size);
    I.op = [0x0f, size === 8 ? op8 : op8 + 1]; I.reg(s.reg); I.rm(d);
  };
}

const nop: Handler = (I, ops) => {
  count(I, ops, 0, 1);
  if (ops.length === 0) { I.op = [0x90]; return; }
  const o = ops[0]!;
  if (!isRM(o)) bad(I, ops);
  const size = needSize(I, sizeOf(o), [16, 32, 64]);
  I.size(size);
  I.op = [0x0f, 0x1f]; I.reg(0); I.rm(o);
};

/** Instructions without operands. `mode` restricts them to 64- or 32-bit code. */
const FIXED: Record<string, { b: number[]; mode?: 64 | 32 }> = {
  pause: { b: [0xf3, 0x90] },
  lfence: { b: [0x0f, 0xae, 0xe8] },
  mfence: { b: [0x0f, 0xae, 0xf0] },
  sfence: { b: [0x0f, 0xae, 0xf8] },
  cpuid: { b: [0x0f, 0xa2] },
  rdtsc: { b: [0x0f, 0x31] },
  rdtscp: { b: [0x0f, 0x01, 0xf9] },
  rdmsr: { b: [0x0f, 0x32] },
  wrmsr: { b: [0x0f, 0x30] },
  rdpmc: { b: [0x0f, 0x33] },
  syscall: { b: [0x0f, 0x05] },
  sysret: { b: [0x0f, 0x07] },
  sysretd: { b: [0x0f, 0x07] },
  sysretq: { b: [0x48, 0x0f, 0x07], mode: 64 },
  sysenter: { b: [0x0f, 0x34] },
  sysexit: { b: [0x0f, 0x35] },
  sysexitd: { b: [0x0f, 0x35] },
  sysexitq: { b: [0x48, 0x0f, 0x35], mode: 64 },
  iret: { b: [0xcf] },
  iretd: { b: [0xcf] },
  iretw: { b: [0x66, 0xcf] },
  iretq: { b: [0x48, 0xcf], mode: 64 },
  int3: { b: [0xcc] },
  int1: { b: [0xf1] },
  into: { b: [0xce], mode: 32 },
  hlt: { b: [0xf4] },
  ud2: { b: [0x0f, 0x0b] },
  swapgs: { b: [0x0f, 0x01, 0xf8], mode: 64 },
  vmcall: { b: [0x0f, 0x01, 0xc1] },
  vmmcall: { b: [0x0f, 0x01, 0xd9] },
  cli: { b: [0xfa] },
  sti: { b: [0xfb] },
  cld: { b: [0xfc] },
  std: { b: [0xfd] },
  clc: { b: [0xf8] },
  stc: { b: [0xf9] },
  cmc: { b: [0xf5] },
  cbw: { b: [0x66, 0x98] },
  cwde: { b: [0x98] },
  cdqe: { b: [0x48, 0x98], mode: 64 },
  cwd: { b: [0x66, 0x99] },
  cdq: { b: [0x99] },
  cqo: { b: [0x48, 0x99], mode: 64 },
  leave: { b: [0xc9] },
  pushf: { b: [0x9c] },
  popf: { b: [0x9d] },
  pushfq: { b: [0x9c], mode: 64 },
  popfq: { b: [0x9d], mode: 64 },
  pushfd: { b: [0x9c], mode: 32 },
  popfd: { b: [0x9d], mode: 32 },
  pushfw: { b: [0x66, 0x9c] },
  popfw: { b: [0x66, 0x9d] },
  pushad: { b: [0x60], mode: 32 },
  popad: { b: [0x61], mode: 32 },
  pusha: { b: [0x60], mode: 32 },
  popa: { b: [0x61], mode: 32 },
  lahf: { b: [0x9f] },
  sahf: { b: [0x9e] },
  wbinvd: { b: [0x0f, 0x09] },
  invd: { b: [0x0f, 0x08] },
  clts: { b: [0x0f, 0x06] },
  xgetbv: { b: [0x0f, 0x01, 0xd0] },
  monitor: { b: [0x0f, 0x01, 0xc8] },
  mwait: { b: [0x0f, 0x01, 0xc9] },
  stac: { b: [0x0f, 0x01, 0xcb] },
  clac: { b: [0x0f, 0x01, 0xca] },
  movsb: { b: [0xa4] }, movsw: { b: [0x66, 0xa5] }, movsd: { b: [0xa5] }, movsq: { b: [0x48, 0xa5], mode: 64 },
  stosb: { b: [0xaa] }, stosw: { b: [0x66, 0xab] }, stosd: { b: [0xab] }, stosq: { b: [0x48, 0xab], mode: 64 },
  lodsb: { b: [0xac] }, lodsw: { b: [0x66, 0xad] }, lodsd: { b: [0xad] }, lodsq: { b: [0x48, 0xad], mode: 64 },
  scasb: { b: [0xae] }, scasw: { b: [0x66, 0xaf] }, scasd: { b: [0xaf] }, scasq: { b: [0x48, 0xaf], mode: 64 },
  cmpsb: { b: [0xa6] }, cmpsw: { b: [0x66, 0xa7] }, cmpsd: { b: [0xa7] }, cmpsq: { b: [0x48, 0xa7], mode: 64 },
};

const BRANCHES = new Set(['jmp', 'call', 'loop', 'loope', 'loopz', 'loopne', 'loopnz', 'jrcxz', 'jecxz']);

const HANDLERS = new Map<string, Handler>();
['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'].forEach((m, n) => HANDLERS.set(m, alu(n)));
HANDLERS.set('not', unary(0xf6, 0xf7, 2));
HANDLERS.set('neg', unary(0xf6, 0xf7, 3));
HANDLERS.set('mul', unary(0xf6, 0xf7, 4));
HANDLERS.set('div', unary(0xf6, 0xf7, 6));
HANDLERS.set('idiv', unary(0xf6, 0xf7, 7));
HANDLERS.set('inc', unary(0xfe, 0xff, 0, 0x40));
HANDLERS.set('dec', unary(0xfe, 0xff, 1, 0x48));
HANDLERS.set('imul', imul);
(['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'] as const).forEach((m) =>
  HANDLERS.set(m, shift({ rol: 0, ror: 1, rcl: 2, rcr: 3, shl: 4, sal: 4, shr: 5, sar: 7 }[m])));
HANDLERS.set('shld', doubleShift(0xa4));
HANDLERS.set('shrd', doubleShift(0xac));
HANDLERS.set('mov', mov);
HANDLERS.set('movabs', movabs);
HANDLERS.set('movzx', extend(0xb6, false));
HANDLERS.set('movsx', extend(0xbe, true));
HANDLERS.set('movsxd', movsxd);
HANDLERS.set('lea', lea);
HANDLERS.set('push', pushPop(true));
HANDLERS.set('pop', pushPop(false));
HANDLERS.set('test', test);
HANDLERS.set('xchg', xchg);
HANDLERS.set('bswap', bswap);
HANDLERS.set('jmp', branch('jmp'));
HANDLERS.set('call', branch('call'));
HANDLERS.set('loop', shortBranch(0xe2));
HANDLERS.set('loope', shortBranch(0xe1));
HANDLERS.set('loopz', shortBranch(0xe1));
HANDLERS.set('loopne', shortBranch(0xe0));
HANDLERS.set('loopnz', shortBranch(0xe0));
HANDLERS.set('jrcxz', (I, ops) => { if (I.env.bits !== 64) fail("'jrcxz' is only available in 64-bit mode"); shortBranch(0xe3)(I, ops); });
HANDLERS.set('jecxz', shortBranch(0xe3, true));
for (const [name, cc] of Object.entries(CC)) {
  HANDLERS.set('j' + name, branch('jcc', cc));
  HANDLERS.set('set' + name, setcc(cc));
  HANDLERS.set('cmov' + name, twoByteRRM([0x0f, 0x40 + cc], [16, 32, 64]));
}
HANDLERS.set('ret', ret(0xc3));
HANDLERS.set('retf', ret(0xcb));
HANDLERS.set('retfq', ret(0xcb, true));
HANDLERS.set('lretq', ret(0xcb, true));
HANDLERS.set('lret', ret(0xcb));
HANDLERS.set('int', int);
HANDLERS.set('enter', enter);
HANDLERS.set('nop', nop);
HANDLERS.set('lgdt', memOnly([0x0f, 0x01], 2, true));
HANDLERS.set('lidt', memOnly([0x0f, 0x01], 3, true));
HANDLERS.set('sgdt', memOnly([0x0f, 0x01], 0, true));
HANDLERS.set('sidt', memOnly([0x0f, 0x01], 1, true));
HANDLERS.set('invlpg', memOnly([0x0f, 0x01], 7));
HANDLERS.set('sldt', sysSeg(0, true));
HANDLERS.set('str', sysSeg(1, true));
HANDLERS.set('lldt', sysSeg(2, false));
HANDLERS.set('ltr', sysSeg(3, false));
HANDLERS.set('verr', sysSeg(4, false));
HANDLERS.set('verw', sysSeg(5, false));
HANDLERS.set('lar', lslLar(0x02));
HANDLERS.set('lsl', lslLar(0x03));
HANDLERS.set('rdpid', rdpid);
['bt', 'bts', 'btr', 'btc'].forEach((m, n) => HANDLERS.set(m, bitTest(n)));
HANDLERS.set('bsf', twoByteRRM([0x0f, 0xbc], [16, 32, 64]));
HANDLERS.set('bsr', twoByteRRM([0x0f, 0xbd], [16, 32, 64]));
HANDLERS.set('xadd', rmR(0xc0));
HANDLERS.set('cmpxchg', rmR(0xb0));
for (const [m, v] of [['popcnt', 0xb8], ['tzcnt', 0xbc], ['lzcnt', 0xbd]] as const) {
  HANDLERS.set(m, (I, ops) => { I.rep = 0xf3; twoByteRRM([0x0f, v], [16, 32, 64])(I, ops); });
}

/** Mnemonics that take no operands and names handled by the table above. */
export function knownMnemonic(mn: string): boolean {
  return HANDLERS.has(mn) || mn in FIXED;
}

export const PREFIXES: Record<string, { lock?: boolean; rep?: number }> = {
  lock: { lock: true },
  rep: { rep: 0xf3 }, repe: { rep: 0xf3 }, repz: { rep: 0xf3 },
  repne: { rep: 0xf2 }, repnz: { rep: 0xf2 },
};

/** All mnemonics the encoder accepts (for documentation and tests). */
export function mnemonics(): string[] {
  return [...HANDLERS.keys(), ...Object.keys(FIXED)].sort();
}

/**
 * Encodes one instruction. `mn` is lower-case. `prefixes` are explicit lock/rep prefixes.
 */
export function encode(mn: string, ops: Operand[], prefixes: string[], env: EncodeEnv): Encoded {
  const I = new Inst(mn, env);
  for (const p of prefixes) {
    const d = PREFIXES[p]!;
    if (d.lock) I.lock = true;
    if (d.rep) I.rep = d.rep;
  }
  const fixed = FIXED[mn];
  if (fixed) {
    if (ops.length) fail(`'${mn}' takes no operands`);
    if (fixed.mode && fixed.mode !== env.bits) fail(`'${mn}' is not available in ${env.bits}-bit mode`);
    // prefix order as GNU as emits it: 66, rep, lock, REX (rep stosw: 66 f3 ab; rep movsq: f3 48 a5)
    let b = fixed.b;
    const out: number[] = [];
    if (b[0] === 0x66) { out.push(0x66); b = b.slice(1); }
    if (I.rep) out.push(I.rep);
    if (I.lock) out.push(0xf0);
    return { bytes: [...out, ...b] };
  }
  const h = HANDLERS.get(mn);
  if (!h) fail(`unknown instruction '${mn}'`);
  // GNU as reads a bare label in an operand ("mov eax, label") as a memory reference; rather
  // than silently meaning something else, require "offset label" for its address.
  if (!BRANCHES.has(mn) && !(mn.startsWith('j') && mn !== 'jmp')) {
    for (const o of ops) {
      if (o.kind === 'imm' && !o.offset && evaluate(o.expr, env).rel !== 0) {
        fail(`a label address as an operand is ambiguous: write 'offset ...' for the address, or '[rip+...]' for memory`);
      }
    }
  }
  h(I, ops);
  const bytes = I.build();
  const res: Encoded = { bytes };
  if (I.relaxable) res.relaxable = true;
  if (I.overflow) res.overflow = true;
  return res;
}
