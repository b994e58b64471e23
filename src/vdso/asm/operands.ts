import { fail } from './errors.js';
import { ExprParser, parseExpr, type Expr } from './expr.js';
import type { Tok } from './lexer.js';
import { lookupReg, type Reg } from './registers.js';

export interface RegOp { kind: 'reg'; reg: Reg }
export interface MemOp {
  kind: 'mem';
  /** Operand size in bits from "byte ptr" etc.; 0 when not given. */
  size: number;
  /** Segment register number for an override, or -1. */
  seg: number;
  base: Reg | null;
  index: Reg | null;
  scale: number;
  disp: Expr | null;
}
/** `offset` is set when the operand was written "offset expr" (an address as an immediate). */
export interface ImmOp { kind: 'imm'; expr: Expr; offset?: boolean }
export type Operand = RegOp | MemOp | ImmOp;

const SIZE_KW: Record<string, number> = {
  byte: 8, word: 16, dword: 32, fword: 48, qword: 64, tbyte: 80, oword: 128, xmmword: 128,
};

const isP = (t: Tok | undefined, s: string): boolean => t !== undefined && t.k === 'p' && t.s === s;

/**
 * Parses one operand in Intel syntax as objdump -M intel prints it:
 *   rax | 0x10 | end - start | offset label |
 *   qword ptr [rbx+rcx*8+0x10] | [rip+label] | gs:[0x10] | qword ptr gs:8 | dword ptr ds:0x10
 * A bare expression is an immediate; memory needs brackets or a segment prefix (or a size
 * keyword, as GNU as reads "dword ptr sym" as memory).
 */
export function parseOperand(toks: Tok[]): Operand {
  if (toks.length === 0) fail('missing operand');
  let i = 0;
  let size = 0;
  const first = toks[0]!;
  if (first.k === 'id' && SIZE_KW[first.s.toLowerCase()] !== undefined) {
    const next = toks[1];
    if (next && next.k === 'id' && next.s.toLowerCase() === 'ptr') { size = SIZE_KW[first.s.toLowerCase()]!; i = 2; }
    else if (next && (isP(next, '[') || next.k === 'id')) { size = SIZE_KW[first.s.toLowerCase()]!; i = 1; }
  }
  let seg = -1;
  const t0 = toks[i];
  if (t0 && t0.k === 'id' && isP(toks[i + 1], ':')) {
    const r = lookupReg(t0.s);
    if (!r || r.type !== 'seg') fail(`'${t0.s}' is not a segment register`);
    seg = r.num;
    i += 2;
  }
  const rest = toks.slice(i);
  if (rest.length === 0) fail('missing operand');
  if (isP(rest[0], '[')) {
    let depth = 0;
    let close = -1;
    for (let j = 0; j < rest.length; j++) {
      if (isP(rest[j], '[')) depth++;
      else if (isP(rest[j], ']')) { depth--; if (depth === 0) { close = j; break; } }
    }
    if (close < 0) fail("missing ']'");
    let inner = rest.slice(1, close);
    const after = rest.slice(close + 1);
    // NASM-style segment inside the brackets: [gs:0x10]
    const s0 = inner[0];
    if (s0 && s0.k === 'id' && isP(inner[1], ':')) {
      const r = lookupReg(s0.s);
      if (!r || r.type !== 'seg') fail(`'${s0.s}' is not a segment register`);
      if (seg >= 0) fail('two segment overrides');
      seg = r.num;
      inner = inner.slice(2);
    }
    if (inner.length === 0) fail('empty memory operand');
    // GNU as also accepts a displacement after the brackets: [rbx]+8
    const all = after.length ? [...inner, ...after] : inner;
    if (after.length && !(after[0]!.k === 'p' && (after[0]!.s === '+' || after[0]!.s === '-'))) fail(`unexpected '${after[0]!.s}' after ']'`);
    return memory(all, size, seg);
  }
  if (seg >= 0) return memory(rest, size, seg);
  if (rest.length === 1 && rest[0]!.k === 'id') {
    const r = lookupReg(rest[0]!.s);
    if (r) {
      if (r.type === 'ip') fail(`'${r.name}' can only be used as a memory base`);
      if (size) fail(`size keyword with register '${r.name}'`);
      return { kind: 'reg', reg: r };
    }
  }
  let exprToks = rest;
  const o = rest[0]!;
  if (o.k === 'id' && o.s.toLowerCase() === 'offset') {
    exprToks = rest.slice(1);
    if (size) fail("size keyword with 'offset'");
    return { kind: 'imm', expr: parseExpr(exprToks), offset: true };
  }
  if (size) return memory(rest, size, seg);
  return { kind: 'imm', expr: parseExpr(exprToks) };
}

/** Splits a memory expression into base, index*scale and a displacement expression. */
function memory(toks: Tok[], size: number, seg: number): MemOp {
  const p = new ExprParser(toks, true);
  const e = p.parse();
  if (!p.atEnd()) fail(`unexpected '${p.peek()!.s}' in memory operand`);
  const regs: { reg: Reg; scale: number; scaled: boolean }[] = [];
  const parts: { e: Expr; neg: boolean }[] = [];
  const walk = (n: Expr, neg: boolean): void => {
    if (n.t === 'bin' && (n.op === '+' || n.op === '-')) {
      walk(n.a, neg);
      walk(n.b, n.op === '-' ? !neg : neg);
      return;
    }
    if (n.t === 'reg') {
      if (neg) fail(`register '${n.reg.name}' cannot be subtracted`);
      regs.push({ reg: n.reg, scale: 1, scaled: false });
      return;
    }
    if (n.t === 'bin' && n.op === '*' && (n.a.t === 'reg' || n.b.t === 'reg')) {
      const reg = n.a.t === 'reg' ? n.a.reg : (n.b as { reg: Reg }).reg;
      const other = n.a.t === 'reg' ? n.b : n.a;
      if (neg) fail(`register '${reg.name}' cannot be subtracted`);
      if (other.t !== 'num') fail('scale must be a number');
      regs.push({ reg, scale: Number(other.v), scaled: true });
      return;
    }
    if (containsReg(n)) fail('bad memory operand expression');
    parts.push({ e: n, neg });
  };
  walk(e, false);
  let disp: Expr | null = null;
  for (const part of parts) {
    if (!disp) disp = part.neg ? { t: 'un', op: '-', a: part.e } : part.e;
    else disp = { t: 'bin', op: part.neg ? '-' : '+', a: disp, b: part.e };
  }
  let base: Reg | null = null;
  let index: Reg | null = null;
  let scale = 1;
  const unscaled: Reg[] = [];
  const scaled: { reg: Reg; scale: number }[] = [];
  for (const r of regs) {
    if (r.reg.type === 'ip') {
      if (r.scaled || regs.length > 1) fail(`'${r.reg.name}' cannot be combined with other registers`);
      base = r.reg;
      continue;
    }
    if (r.reg.type !== 'gpr' || r.reg.size === 8) fail(`register '${r.reg.name}' cannot be used in an address`);
    if (![1, 2, 4, 8].includes(r.scale)) fail(`bad scale ${r.scale} (must be 1, 2, 4 or 8)`);
    if (r.scaled) scaled.push(r);
    else unscaled.push(r.reg);
  }
  // a register written with a scale (even *1) is the index, as in GNU as; otherwise the
  // first register is the base and the second the index
  if (scaled.length > 1 || unscaled.length + scaled.length > 2) fail('too many registers in memory operand');
  if (scaled.length) {
    index = scaled[0]!.reg;
    scale = scaled[0]!.scale;
    base = unscaled[0] ?? null;
  } else if (unscaled.length) {
    base = unscaled[0]!;
    index = unscaled[1] ?? null;
  }
  // [rcx+rsp] is encoded as [rsp+rcx], as GNU as does.
  if (index && base && index.num === 4 && scale === 1 && base.type === 'gpr') { const t = base; base = index; index = t; }
  if (index && index.num === 4 && index.type === 'gpr') fail(`'${index.name}' cannot be an index register`);
  if (base && index && base.size !== index.size) fail('base and index registers differ in size');
  return { kind: 'mem', size, seg, base, index, scale, disp };
}

function containsReg(e: Expr): boolean {
  switch (e.t) {
    case 'reg': return true;
    case 'un': return containsReg(e.a);
    case 'bin': return containsReg(e.a) || containsReg(e.b);
    default: return false;
  }
}

export function describe(op: Operand): string {
  if (op.kind === 'reg') {
    const r = op.reg;
    if (r.type === 'gpr') return `r${r.size}`;
    return r.type === 'seg' ? 'sreg' : r.type === 'cr' ? 'creg' : r.type === 'dr' ? 'dreg' : r.name;
  }
  if (op.kind === 'mem') return op.size ? `m${op.size}` : 'mem';
  return 'imm';
}
