import { fail } from './errors.js';
import type { Tok } from './lexer.js';
import { lookupReg, type Reg } from './registers.js';

/** Expression tree. Registers appear only inside memory operands. */
export type Expr =
  | { t: 'num'; v: bigint }
  | { t: 'sym'; name: string; shown: string }
  | { t: 'here' }
  | { t: 'reg'; reg: Reg }
  | { t: 'un'; op: string; a: Expr }
  | { t: 'bin'; op: string; a: Expr; b: Expr };

/**
 * The value of an expression. `v` is exact (not wrapped to 64 bits). `rel` counts label
 * addresses in it (+1 per added label, -1 per subtracted one): 1 for an address, 0 for a
 * constant or a difference of labels. `dep` says whether it depends on the layout (labels
 * or the location counter); such values always get full-width encodings so that
 * instruction sizes never depend on label values (only jumps are relaxed).
 */
export interface Val { v: bigint; rel: number; dep: boolean }

/**
 * Binary operator precedence as in GNU as (not C): * / % << >> bind tightest, then | & ^
 * (all one level), then + and -. All are left-associative: 2 + 3 | 4 is 9, 1 << 4 + 1 is 17.
 */
const PREC: Record<string, number> = { '+': 1, '-': 1, '|': 2, '&': 2, '^': 2, '*': 3, '/': 3, '%': 3, '<<': 3, '>>': 3 };

/** Recursive-descent parser over a token slice. */
export class ExprParser {
  pos = 0;
  constructor(private readonly toks: Tok[], private readonly allowRegs: boolean) {}

  peek(): Tok | undefined { return this.toks[this.pos]; }
  atEnd(): boolean { return this.pos >= this.toks.length; }

  parse(minPrec = 1): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (!t || t.k !== 'p') break;
      const p = PREC[t.s];
      if (p === undefined || p < minPrec) break;
      this.pos++;
      const right = this.parse(p + 1);
      left = { t: 'bin', op: t.s, a: left, b: right };
    }
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (!t) fail('missing operand in expression');
    if (t.k === 'p' && (t.s === '-' || t.s === '+' || t.s === '~')) {
      this.pos++;
      const a = this.unary();
      return t.s === '+' ? a : { t: 'un', op: t.s, a };
    }
    if (t.k === 'p' && t.s === '(') {
      this.pos++;
      const e = this.parse();
      const c = this.peek();
      if (!c || c.k !== 'p' || c.s !== ')') fail("missing ')' in expression");
      this.pos++;
      return e;
    }
    if (t.k === 'num') { this.pos++; return { t: 'num', v: t.v }; }
    if (t.k === 'id') {
      this.pos++;
      if (t.s === '.' || t.s === '$') return { t: 'here' };
      const reg = lookupReg(t.s);
      if (reg) {
        if (!this.allowRegs) fail(`register '${t.s}' not allowed here`);
        return { t: 'reg', reg };
      }
      return { t: 'sym', name: t.s, shown: t.shown ?? t.s };
    }
    fail(`unexpected '${t.s}' in expression`);
  }
}

/** Parses a whole token list as one expression (no registers). */
export function parseExpr(toks: Tok[]): Expr {
  if (toks.length === 0) fail('missing expression');
  const p = new ExprParser(toks, false);
  const e = p.parse();
  if (!p.atEnd()) fail(`unexpected '${p.peek()!.s}' in expression`);
  return e;
}

/** Evaluation environment supplied by the assembler for the current pass. */
export interface EvalEnv {
  /** Address of the current statement. */
  here: bigint;
  /** Resolves a symbol name; undefined if unknown. */
  lookup(name: string): Val | undefined;
  /** In the final pass unknown symbols are errors; before it they evaluate to 0. */
  final: boolean;
}

export function evaluate(e: Expr, env: EvalEnv): Val {
  switch (e.t) {
    case 'num': return { v: e.v, rel: 0, dep: false };
    case 'here': return { v: env.here, rel: 1, dep: true };
    case 'reg': fail(`register '${e.reg.name}' not allowed here`);
    case 'sym': {
      const v = env.lookup(e.name);
      if (v) return v;
      if (env.final) fail(`undefined symbol '${e.shown}'`);
      return { v: 0n, rel: 0, dep: true };
    }
    case 'un': {
      const a = evaluate(e.a, env);
      if (a.rel !== 0) fail(`invalid use of a label address with unary '${e.op}'`);
      return { v: e.op === '-' ? -a.v : ~a.v, rel: 0, dep: a.dep };
    }
    case 'bin': {
      const a = evaluate(e.a, env);
      const b = evaluate(e.b, env);
      const dep = a.dep || b.dep;
      if (e.op === '+') return { v: a.v + b.v, rel: a.rel + b.rel, dep };
      if (e.op === '-') return { v: a.v - b.v, rel: a.rel - b.rel, dep };
      if (a.rel !== 0 || b.rel !== 0) fail(`invalid use of a label address with '${e.op}'`);
      switch (e.op) {
        case '*': return { v: a.v * b.v, rel: 0, dep };
        case '/': case '%':
          if (b.v === 0n) { if (env.final || !dep) fail('division by zero'); return { v: 0n, rel: 0, dep }; }
          return { v: e.op === '/' ? a.v / b.v : a.v % b.v, rel: 0, dep };
        case '<<':
          if (b.v < 0n || b.v > 127n) fail('bad shift count');
          return { v: a.v << b.v, rel: 0, dep };
        case '>>':
          if (b.v < 0n || b.v > 127n) fail('bad shift count');
          return { v: a.v >> b.v, rel: 0, dep };
        case '&': return { v: a.v & b.v, rel: 0, dep };
        case '|': return { v: a.v | b.v, rel: 0, dep };
        case '^': return { v: a.v ^ b.v, rel: 0, dep };
      }
      fail(`unknown operator '${e.op}'`);
    }
  }
}

/** Renders a value for messages: decimal when small, hex otherwise. */
export function showValue(v: bigint): string {
  if (v >= -4096n && v <= 4096n) return v.toString();
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}
