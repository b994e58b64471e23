import type { Cpu } from '../cpu/cpu.js';
import type { DebugContext } from './context.js';
import { fromU64, toU64, u64Of } from './format.js';
import { DebugError, readU64 } from './memory.js';

/**
 * Address expressions, as gdb users type them: numbers (`0x401000`, `4198400`),
 * registers (`$rsp`, `$pc`, or `rsp` when no symbol has that name), symbols (`main`,
 * `__vdso_clock_gettime`), `+`/`-` between terms, parentheses, and `*expr` to read the
 * 64-bit value at an address (`*($rsp+8)`). Arithmetic wraps at 64 bits; the result is
 * the emulator's signed canonical form.
 */

const GPR: Record<string, number> = {
  rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7,
  r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15,
  sp: 4, fp: 5,
};

/** The value of a register by name (without `$`), or undefined if there is no such register. */
export function registerValue(cpu: Cpu, name: string): bigint | undefined {
  const n = name.toLowerCase();
  if (n in GPR) return u64Of(cpu.lo[GPR[n]], cpu.hi[GPR[n]]);
  if (n === 'rip' || n === 'pc') return toU64(cpu.rip);
  if (n === 'rflags' || n === 'eflags') return BigInt(cpu.getRflags() >>> 0);
  if (n === 'fs_base') return toU64(cpu.segBase[1]);
  if (n === 'gs_base') return toU64(cpu.segBase[2]);
  if (n === 'kernel_gs_base') return toU64(cpu.kernelGsBase);
  if (n === 'cr2') return toU64(cpu.cr2);
  if (n === 'cr3') return toU64(cpu.mem.cr3);
  return undefined;
}

export const REGISTER_NAMES = [...Object.keys(GPR), 'rip', 'pc', 'rflags', 'eflags', 'fs_base', 'gs_base', 'kernel_gs_base', 'cr2', 'cr3'];

class Parser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly ctx: DebugContext,
  ) {}

  parse(): bigint {
    const v = this.sum();
    this.skip();
    if (this.pos < this.text.length) throw new DebugError(`cannot read '${this.text.slice(this.pos)}' in the expression '${this.text}'`);
    return v;
  }

  private skip(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private sum(): bigint {
    let v = this.term();
    for (;;) {
      this.skip();
      const c = this.text[this.pos];
      if (c !== '+' && c !== '-') return v;
      this.pos++;
      const r = this.term();
      v = BigInt.asUintN(64, c === '+' ? v + r : v - r);
    }
  }

  private term(): bigint {
    this.skip();
    const rest = this.text.slice(this.pos);
    if (rest.startsWith('(')) {
      this.pos++;
      const v = this.sum();
      this.skip();
      if (this.text[this.pos] !== ')') throw new DebugError(`missing ')' in '${this.text}'`);
      this.pos++;
      return v;
    }
    if (rest.startsWith('*')) {
      this.pos++;
      const a = this.term();
      return readU64(this.ctx.machine, fromU64(a));
    }
    if (rest.startsWith('-')) {
      this.pos++;
      return BigInt.asUintN(64, -this.term());
    }
    const num = /^(0x[0-9a-f]+|[0-9]+)\b/i.exec(rest);
    if (num) {
      this.pos += num[0].length;
      const v = BigInt(num[0]);
      if (v >= 2n ** 64n) throw new DebugError(`${num[0]} does not fit in 64 bits`);
      return v;
    }
    const word = /^\$?[A-Za-z_.][\w.@]*/.exec(rest);
    if (!word) throw new DebugError(rest ? `cannot read '${rest}' in the expression '${this.text}'` : `the expression '${this.text}' ends too early`);
    this.pos += word[0].length;
    const name = word[0];
    if (name.startsWith('$')) {
      const r = registerValue(this.ctx.machine.cpu, name.slice(1));
      if (r === undefined) throw new DebugError(`no register named ${name} (try $rax..$r15, $rip/$pc, $rsp/$sp, $rflags, $fs_base)`);
      return r;
    }
    const sym = this.ctx.symbols.lookup(name);
    if (sym) return toU64(sym.address);
    const r = registerValue(this.ctx.machine.cpu, name);
    if (r !== undefined) return r;
    throw new DebugError(`no symbol named '${name}' ('info symbols PART' lists names containing PART; registers are written $rsp)`);
  }
}

/** Evaluates an expression to an unsigned 64-bit value. */
export function evaluate(ctx: DebugContext, text: string): bigint {
  if (!text.trim()) throw new DebugError('an address or expression is needed here');
  return new Parser(text.trim(), ctx).parse();
}

/** Evaluates an expression to an address (signed canonical form). */
export function evaluateAddress(ctx: DebugContext, text: string): number {
  return fromU64(evaluate(ctx, text));
}
