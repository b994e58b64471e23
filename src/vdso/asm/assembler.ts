import { AsmError, fail } from './errors.js';
import { evaluate, parseExpr, showValue, type EvalEnv, type Expr, type Val } from './expr.js';
import { encode, knownMnemonic, PREFIXES, type EncodeEnv } from './encoder.js';
import { lex, splitCommas, type Tok } from './lexer.js';
import { parseOperand, type Operand } from './operands.js';
import { lookupReg } from './registers.js';

export interface AssembleOptions {
  /** Address of the first byte (default 0). A bigint allows any 64-bit address exactly. */
  origin?: number | bigint;
  /** Code size: 64 (default) or 32. `.code32` / `.code64` switch it inside the source. */
  bits?: 64 | 32;
  /** External constants usable in expressions, e.g. vvar offsets. */
  symbols?: Record<string, number | bigint>;
}

export interface Assembly {
  bytes: Uint8Array;
  /** label -> offset from origin */
  labels: Map<string, number>;
}

type Stmt =
  | { k: 'label'; line: number; name: string }
  | { k: 'insn'; line: number; mn: string; ops: Operand[]; prefixes: string[]; bits: 64 | 32 }
  | { k: 'data'; line: number; width: number; exprs: Expr[] }
  | { k: 'bytes'; line: number; bytes: number[] }
  | { k: 'align'; line: number; p2: boolean; args: Expr[] }
  | { k: 'fill'; line: number; args: Expr[] }
  | { k: 'skip'; line: number; args: Expr[] }
  | { k: 'equ'; line: number; name: string };

const IGNORED = new Set([
  '.text', '.globl', '.global', '.type', '.size', '.section', '.hidden', '.local', '.weak', '.file', '.ident',
  '.protected', '.internal', '.previous', '.popsection', '.pushsection',
]);
const DATA_WIDTH: Record<string, number> = {
  '.byte': 1, '.word': 2, '.short': 2, '.hword': 2, '.value': 2, '.2byte': 2,
  '.long': 4, '.int': 4, '.4byte': 4, '.quad': 8, '.8byte': 8,
};

const isP = (t: Tok | undefined, s: string): boolean => t !== undefined && t.k === 'p' && t.s === s;

/**
 * Assembles Intel-syntax x86-64 source text (the subset documented in README.md).
 *
 * Jumps: jmp/jcc to labels are relaxed like GNU as does: every one starts as rel8 and is
 * widened to rel32 only if its displacement does not fit (iterated to a fixed point; a jump
 * never shrinks back). call, and jumps to constant addresses, are always rel32.
 * All other sizes are chosen from values that do not depend on the layout: an immediate or
 * displacement that involves a label (or '.') always gets the full-width form.
 */
export function assemble(source: string, options: AssembleOptions = {}): Assembly {
  if (typeof options.origin === 'number' && !Number.isInteger(options.origin)) throw new AsmError('origin is not an integer');
  const origin = BigInt(options.origin ?? 0);
  const ext = new Map<string, bigint>();
  for (const [k, v] of Object.entries(options.symbols ?? {})) {
    if (typeof v === 'number' && !Number.isInteger(v)) throw new AsmError(`symbol '${k}' is not an integer`);
    ext.set(k, BigInt(v));
  }

  // ---- parse
  const stmts: Stmt[] = [];
  const labelNames = new Set<string>();
  const equs = new Map<string, { expr: Expr; stmt: number; line: number }>();
  const localCount = new Map<string, number>(); // numeric local labels: N -> definitions so far
  let bits: 64 | 32 = options.bits ?? 64;
  const lines = source.split('\n');
  const defineLabel = (name: string, line: number, shown = name): void => {
    if (labelNames.has(name) || equs.has(name)) fail(`symbol '${shown}' is already defined`);
    if (ext.has(name)) fail(`label '${shown}' conflicts with an external symbol`);
    if (lookupReg(name)) fail(`'${shown}' is a register name and cannot be a label`);
    labelNames.add(name);
    stmts.push({ k: 'label', line, name });
  };

  for (let li = 0; li < lines.length; li++) {
    const lineNo = li + 1;
    try {
      let toks = lex(lines[li]!);
      // label definitions (possibly several) at the start of the line
      for (;;) {
        const t0 = toks[0];
        if (t0 && isP(toks[1], ':')) {
          if (t0.k === 'num' && /^[0-9]+$/.test(t0.s)) {
            const n = t0.s;
            const k = localCount.get(n) ?? 0;
            localCount.set(n, k + 1);
            defineLabel(`${n}\u0002${k}`, lineNo, n);
            toks = toks.slice(2);
            continue;
          }
          if (t0.k === 'id' && !(lookupReg(t0.s)?.type === 'seg')) {
            if (t0.s === '.' || t0.s === '$') fail(`bad label name '${t0.s}'`);
            defineLabel(t0.s, lineNo);
            toks = toks.slice(2);
            continue;
          }
        }
        break;
      }
      if (toks.length === 0) continue;
      // numeric local label references: 1b (backward), 1f (forward)
      toks = toks.map((t) => {
        if (t.k !== 'id' || !/^[0-9]+[bf]$/.test(t.s)) return t;
        const n = t.s.slice(0, -1);
        const k = localCount.get(n) ?? 0;
        if (t.s.endsWith('b')) {
          if (k === 0) fail(`no previous definition of local label '${n}' for '${t.s}'`);
          return { k: 'id', s: `${n}\u0002${k - 1}`, shown: t.s };
        }
        return { k: 'id', s: `${n}\u0002${k}`, shown: t.s };
      });
      const head = toks[0]!;
      // name = expr
      if (head.k === 'id' && isP(toks[1], '=')) {
        defineEqu(head.s, toks.slice(2), lineNo);
        continue;
      }
      if (head.k !== 'id') fail(`unexpected '${head.s}'`);
      const word = head.s.toLowerCase();
      if (word.startsWith('.')) {
        directive(word, toks.slice(1), lineNo);
        continue;
      }
      // instruction with optional lock/rep prefixes
      const prefixes: string[] = [];
      let i = 0;
      while (i < toks.length - 1 && toks[i]!.k === 'id' && PREFIXES[(toks[i]!.s).toLowerCase()] && toks[i + 1]!.k === 'id') {
        prefixes.push(toks[i]!.s.toLowerCase());
        i++;
      }
      const mt = toks[i]!;
      if (mt.k !== 'id') fail(`unexpected '${mt.s}'`);
      const mn = mt.s.toLowerCase();
      if (!knownMnemonic(mn)) fail(`unknown instruction '${mt.s}'`);
      const rest = toks.slice(i + 1);
      const ops = rest.length ? splitCommas(rest).map(parseOperand) : [];
      stmts.push({ k: 'insn', line: lineNo, mn, ops, prefixes, bits });
    } catch (e) {
      throw withLine(e, lineNo);
    }
  }

  function defineEqu(name: string, toks: Tok[], line: number): void {
    if (labelNames.has(name) || equs.has(name)) fail(`symbol '${name}' is already defined`);
    if (lookupReg(name)) fail(`'${name}' is a register name`);
    equs.set(name, { expr: parseExpr(toks), stmt: stmts.length, line });
    stmts.push({ k: 'equ', line, name });
  }

  function directive(d: string, args: Tok[], line: number): void {
    const exprs = (): Expr[] => (args.length ? splitCommas(args).map(parseExpr) : []);
    if (DATA_WIDTH[d]) { stmts.push({ k: 'data', line, width: DATA_WIDTH[d]!, exprs: exprs() }); return; }
    switch (d) {
      case '.ascii': case '.asciz': case '.string': {
        const bytes: number[] = [];
        for (const part of splitCommas(args)) {
          const t = part[0];
          if (part.length !== 1 || !t || t.k !== 'str') fail(`'${d}' expects string literals`);
          bytes.push(...t.bytes);
          if (d !== '.ascii') bytes.push(0);
        }
        stmts.push({ k: 'bytes', line, bytes });
        return;
      }
      case '.align': case '.balign': case '.p2align': {
        const a = exprs();
        if (a.length < 1 || a.length > 3) fail(`'${d}' expects 1 to 3 arguments`);
        stmts.push({ k: 'align', line, p2: d === '.p2align', args: a });
        return;
      }
      case '.fill': {
        const a = exprs();
        if (a.length < 1 || a.length > 3) fail("'.fill' expects 1 to 3 arguments");
        stmts.push({ k: 'fill', line, args: a });
        return;
      }
      case '.zero': case '.skip': case '.space': {
        const a = exprs();
        if (a.length < 1 || a.length > 2 || (d === '.zero' && a.length !== 1)) fail(`bad arguments for '${d}'`);
        stmts.push({ k: 'skip', line, args: a });
        return;
      }
      case '.equ': case '.set': {
        const parts = splitCommas(args);
        const n = parts[0];
        if (parts.length !== 2 || !n || n.length !== 1 || n[0]!.k !== 'id') fail(`'${d}' expects a name and an expression`);
        defineEqu((n[0] as { s: string }).s, parts[1]!, line);
        return;
      }
      case '.code64': bits = 64; return;
      case '.code32': bits = 32; return;
      case '.intel_syntax':
        if (args.length && !(args.length === 1 && args[0]!.k === 'id' && args[0]!.s === 'noprefix')) fail('only .intel_syntax noprefix is supported');
        return;
    }
    if (IGNORED.has(d) || d.startsWith('.cfi_')) return;
    fail(`unknown directive '${d}'`);
  }

  // ---- evaluation
  let labelsPrev = new Map<string, bigint>();
  let labelsCur = new Map<string, bigint>();
  let equHere: bigint[] = [];
  let final = false;
  const evaluating = new Set<string>();

  // Growth of the layout so far in this pass, relative to the previous pass. A label not yet
  // reached in this pass is estimated at its previous address plus this stretch (what GNU as
  // does), so that a forward jump is never widened because of a stale target address.
  let stretch = 0n;
  let offPrev: bigint[] = [];
  const lookup = (name: string): Val | undefined => {
    if (labelNames.has(name)) {
      let off = labelsCur.get(name);
      if (off === undefined) {
        const prev = labelsPrev.get(name);
        if (prev !== undefined) off = prev + stretch;
      }
      if (off === undefined && final) return undefined;
      return { v: origin + (off ?? 0n), rel: 1, dep: true };
    }
    const q = equs.get(name);
    if (q) {
      if (evaluating.has(name)) fail(`symbol '${name}' is defined in terms of itself`);
      evaluating.add(name);
      try {
        return evaluate(q.expr, { here: equHere[q.stmt] ?? origin, lookup, final });
      } finally {
        evaluating.delete(name);
      }
    }
    const x = ext.get(name);
    if (x !== undefined) return { v: x, rel: 0, dep: false };
    return undefined;
  };

  const constant = (e: Expr, here: bigint, what: string): bigint => {
    const v = evaluate(e, { here, lookup, final: true });
    if (v.dep) fail(`${what} must be a constant (not depend on labels)`);
    return v.v;
  };

  const short: boolean[] = stmts.map(() => true);

  /** One pass over the statements; emits bytes when `out` is given. Returns whether a jump grew. */
  const pass = (out: number[] | null, relax: boolean): boolean => {
    let off = 0n;
    let grew = false;
    const offCur: bigint[] = [];
    for (let si = 0; si < stmts.length; si++) {
      const s = stmts[si]!;
      const here = origin + off;
      offCur[si] = off;
      stretch = offPrev[si] !== undefined ? off - offPrev[si]! : 0n;
      try {
        const emit = (b: number[]): void => { if (out) out.push(...b); off += BigInt(b.length); };
        switch (s.k) {
          case 'label': labelsCur.set(s.name, off); break;
          case 'equ': equHere[si] = here; break;
          case 'insn': {
            const env: EncodeEnv = { here, lookup, final, bits: s.bits, short: short[si]! };
            let r = encode(s.mn, s.ops, s.prefixes, env);
            // (the first pass does not relax: forward labels have no address yet)
            if (r.relaxable && r.overflow && (relax || final)) {
              if (final) fail('internal error: jump relaxation did not converge');
              short[si] = false;
              grew = true;
              r = encode(s.mn, s.ops, s.prefixes, { ...env, short: false });
            }
            emit(r.bytes);
            break;
          }
          case 'data': {
            const b: number[] = [];
            for (const e of s.exprs) {
              // '.' is the address of the item being emitted, as in GNU as
              const v = evaluate(e, { here: here + BigInt(b.length), lookup, final });
              const bitsW = BigInt(s.width * 8);
              if (final && !(v.v >= -(1n << (bitsW - 1n)) && v.v < 1n << bitsW)) {
                fail(`value ${showValue(v.v)} does not fit in ${s.width} byte${s.width > 1 ? 's' : ''}`);
              }
              let u = v.v & ((1n << bitsW) - 1n);
              for (let i = 0; i < s.width; i++) { b.push(Number(u & 0xffn)); u >>= 8n; }
            }
            emit(b);
            break;
          }
          case 'bytes': emit(s.bytes); break;
          case 'align': {
            const n = constant(s.args[0]!, here, 'alignment');
            const align = s.p2 ? 1n << n : n;
            if (align <= 0n || (align & (align - 1n)) !== 0n) fail(`alignment ${showValue(align)} is not a power of 2`);
            const fill = s.args[1] ? constant(s.args[1], here, 'fill value') : 0x90n;
            if (fill < -128n || fill > 255n) fail(`fill value ${showValue(fill)} does not fit in a byte`);
            let pad = (align - (here % align)) % align;
            if (pad < 0n) pad += align;
            if (s.args[2] && pad > constant(s.args[2], here, 'maximum')) pad = 0n;
            emit(new Array<number>(Number(pad)).fill(Number(fill & 0xffn)));
            break;
          }
          case 'fill': {
            const rep = constant(s.args[0]!, here, 'repeat count');
            let size = s.args[1] ? constant(s.args[1], here, 'size') : 1n;
            const value = s.args[2] ? constant(s.args[2], here, 'value') : 0n;
            if (rep < 0n) fail('negative repeat count');
            if (size < 0n) fail('negative size');
            if (size > 8n) size = 8n;
            if (rep * size > 1n << 28n) fail('fill too large');
            // GNU as: each unit is an 8-byte number whose low 4 bytes are the value, high bytes 0
            let u = value & 0xffffffffn;
            const unit: number[] = [];
            for (let i = 0; i < 8; i++) { unit.push(Number(u & 0xffn)); u >>= 8n; }
            const b: number[] = [];
            for (let i = 0n; i < rep; i++) b.push(...unit.slice(0, Number(size)));
            emit(b);
            break;
          }
          case 'skip': {
            const n = constant(s.args[0]!, here, 'size');
            const fill = s.args[1] ? constant(s.args[1], here, 'fill value') : 0n;
            if (n < 0n || n > 1n << 28n) fail(`bad size ${showValue(n)}`);
            if (fill < -128n || fill > 255n) fail(`fill value ${showValue(fill)} does not fit in a byte`);
            emit(new Array<number>(Number(n)).fill(Number(fill & 0xffn)));
            break;
          }
        }
      } catch (e) {
        throw withLine(e, s.line);
      }
    }
    offPrev = offCur;
    return grew;
  };

  for (let iter = 0; ; iter++) {
    if (iter > 200) throw new AsmError('jump relaxation did not converge');
    labelsCur = new Map();
    const grew = pass(null, iter > 0);
    const stable = iter > 0 && !grew && sameMap(labelsCur, labelsPrev);
    labelsPrev = labelsCur;
    if (stable) break;
  }
  final = true;
  const out: number[] = [];
  labelsCur = new Map();
  pass(out, false);
  if (!sameMap(labelsCur, labelsPrev)) throw new AsmError('internal error: layout changed in the final pass');
  const labels = new Map<string, number>();
  for (const [k, v] of labelsCur) if (!k.includes('\u0002')) labels.set(k, Number(v));
  return { bytes: Uint8Array.from(out), labels };
}

function sameMap(a: Map<string, bigint>, b: Map<string, bigint>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function withLine(e: unknown, line: number): unknown {
  if (e instanceof AsmError && e.line === undefined) return new AsmError(e.detail, line);
  if (e instanceof RangeError) return new AsmError(e.message, line);
  return e;
}

export type { EvalEnv };
