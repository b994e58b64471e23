import {
  C1, classify, ES, Env, type F80, IE, K_DENORMAL, K_INF, K_NORMAL, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO, SF,
} from './float80.js';

/** Tag values of the full tag word (SDM Vol. 1 §8.1.7). */
export const TAG_VALID = 0;
export const TAG_ZERO = 1;
export const TAG_SPECIAL = 2;
export const TAG_EMPTY = 3;

/**
 * The x87 FPU state (SDM Vol. 1 §8.1): eight physical data registers addressed as a
 * stack through TOP, the control, status and tag words, and the last-instruction
 * pointers FNSTENV/FXSAVE report.
 *
 * Registers are kept as their 80-bit encodings, split like the rest of the CPU's state
 * into typed-array halves. Like current hardware, the FPU keeps only "empty or not" per
 * register (the abridged tag of FXSAVE); FNSTENV/FNSAVE derive the full tag word from
 * the contents.
 *
 * Unmasked exceptions: the instruction that detects one sets its flag, and the next
 * waiting x87 instruction raises #MF before it does anything (§8.6, §8.7); `pending`
 * says so, and ES and B are derived from the flags and masks.
 */
export class Fpu {
  /** Physical registers R0-R7: sign and biased exponent, significand bits 31:0 and 63:32. */
  readonly se = new Uint16Array(8);
  readonly sigLo = new Int32Array(8);
  readonly sigHi = new Int32Array(8);
  /** Bit i set: physical register i is not empty. */
  valid = 0;
  /** Stack top (status word bits 13:11). */
  top = 0;
  control = 0x037f;
  /** Status word with the TOP field zero (see `status`). */
  sw = 0;
  /** Last non-control instruction: linear address, opcode (11 bits), data operand address. */
  fip = 0;
  fdp = 0;
  /** Bytes of the last non-control instruction (its opcode is derived when stored), or null. */
  lastOpcode: readonly number[] | null = null;
  private fopLoaded = 0;
  /** Scratch for the arithmetic: rounding/precision control in, exception flags and C1 out. */
  readonly env = new Env();

  /**
   * The status word as FNSTSW reads it. ES and B are not state of their own: they are
   * set exactly when an exception flag is set whose mask bit is clear, which is also
   * what makes the next waiting instruction raise #MF (observed on the host: a status
   * word loaded with unmasked flags but ES clear still faults).
   */
  get status(): number {
    return this.sw | (this.top << 11) | (this.pending ? ES | 0x8000 : 0);
  }

  set status(v: number) {
    this.sw = v & 0x477f;
    this.top = (v >> 11) & 7;
  }

  /** An unmasked exception is pending: the next waiting instruction raises #MF. */
  get pending(): boolean {
    return (this.sw & ~this.control & 0x3f) !== 0;
  }

  /** FNINIT (SDM Vol. 2A, FINIT/FNINIT): the registers keep their contents. */
  init(): void {
    this.control = 0x037f;
    this.sw = 0;
    this.top = 0;
    this.valid = 0;
    this.fip = 0;
    this.fdp = 0;
    this.setFop(0);
  }

  /**
   * The 11-bit opcode of the last non-control instruction (SDM Vol. 1 §8.1.9): the low
   * three bits of the escape byte and the ModR/M byte.
   */
  get fop(): number {
    const bytes = this.lastOpcode;
    if (!bytes) return this.fopLoaded;
    let k = 0;
    while (k < bytes.length - 1 && (bytes[k] < 0xd8 || bytes[k] > 0xdf)) k++;
    return ((bytes[k] & 7) << 8) | (bytes[k + 1] ?? 0);
  }

  /** FLDENV, FRSTOR, FXRSTOR load the opcode. */
  setFop(v: number): void {
    this.lastOpcode = null;
    this.fopLoaded = v & 0x7ff;
  }

  phys(i: number): number {
    return (this.top + i) & 7;
  }

  isEmpty(i: number): boolean {
    return ((this.valid >> ((this.top + i) & 7)) & 1) === 0;
  }

  /** ST(i). */
  get(i: number): F80 {
    return this.getPhys((this.top + i) & 7);
  }

  getPhys(p: number): F80 {
    return { se: this.se[p], sig: (BigInt(this.sigHi[p] >>> 0) << 32n) | BigInt(this.sigLo[p] >>> 0) };
  }

  /** Writes ST(i) and marks it valid. */
  set(i: number, v: F80): void {
    this.setPhys((this.top + i) & 7, v);
  }

  setPhys(p: number, v: F80): void {
    this.se[p] = v.se;
    this.sigLo[p] = Number(v.sig & 0xffffffffn) | 0;
    this.sigHi[p] = Number((v.sig >> 32n) & 0xffffffffn) | 0;
    this.valid |= 1 << p;
  }

  /** ST(to) ← ST(from), marked valid: a register move copies the halves, no BigInt. */
  copy(to: number, from: number): void {
    this.copyPhys((this.top + to) & 7, (this.top + from) & 7);
  }

  /** FLD ST(i): pushes a copy of ST(i) (the register named before TOP moves). */
  pushCopy(from: number): void {
    const source = (this.top + from) & 7;
    this.top = (this.top - 1) & 7;
    this.copyPhys(this.top, source);
  }

  /** FXCH: swaps ST(0) and ST(i), both valid. */
  exchange(i: number): void {
    const a = this.top;
    const b = (this.top + i) & 7;
    const se = this.se[a];
    const lo = this.sigLo[a];
    const hi = this.sigHi[a];
    this.copyPhys(a, b);
    this.se[b] = se;
    this.sigLo[b] = lo;
    this.sigHi[b] = hi;
  }

  private copyPhys(to: number, from: number): void {
    this.se[to] = this.se[from];
    this.sigLo[to] = this.sigLo[from];
    this.sigHi[to] = this.sigHi[from];
    this.valid |= 1 << to;
  }

  setEmpty(i: number): void {
    this.valid &= ~(1 << ((this.top + i) & 7));
  }

  push(v: F80): void {
    this.top = (this.top - 1) & 7;
    this.set(0, v);
  }

  /** Marks ST(0) empty and increments TOP. */
  pop(): void {
    this.valid &= ~(1 << this.top);
    this.top = (this.top + 1) & 7;
  }

  /** The full tag word (FNSTENV, FNSAVE): computed from the register contents. */
  get tagWord(): number {
    let tw = 0;
    for (let p = 0; p < 8; p++) tw |= this.tagOf(p) << (2 * p);
    return tw;
  }

  /** FLDENV, FRSTOR: only "empty or not" survives (SDM Vol. 1 §8.1.7). */
  set tagWord(tw: number) {
    let valid = 0;
    for (let p = 0; p < 8; p++) if (((tw >> (2 * p)) & 3) !== TAG_EMPTY) valid |= 1 << p;
    this.valid = valid;
  }

  tagOf(p: number): number {
    if (!((this.valid >> p) & 1)) return TAG_EMPTY;
    switch (classify(this.getPhys(p))) {
      case K_NORMAL: return TAG_VALID;
      case K_ZERO: return TAG_ZERO;
      default: return TAG_SPECIAL;
    }
  }

  /** The abridged tag byte of FXSAVE. */
  get abridgedTag(): number {
    return this.valid;
  }

  /**
   * Records the exception flags of an instruction: sticky flags in the status word and
   * C1 as given. Returns true when an unmasked invalid, denormal or zero-divide exception
   * means the destination stays unchanged.
   */
  signal(flags: number, c1: boolean): boolean {
    this.sw = (this.sw & ~C1) | (flags & 0x7f) | (c1 ? C1 : 0);
    return (flags & ~this.control & 0x07) !== 0;
  }

  /**
   * Stack underflow (an empty source register) or overflow (a push onto a full one):
   * IE and SF, C1 = 1 for overflow and 0 for underflow (SDM Vol. 1 §8.5.1.1). Returns
   * true when IE is masked, so the caller writes the indefinite result.
   */
  stackFault(overflow: boolean): boolean {
    return !this.signal(IE | SF, overflow);
  }

  /**
   * A control word as FLDCW, FLDENV, FRSTOR and FXRSTOR load it: the reserved bits 15:13
   * and 7 read as 0 and bit 6 as 1; bit 12 (the 287's infinity control) is kept (host).
   */
  loadControl(v: number): number {
    return (v & 0x1f3f) | 0x40;
  }

  /** True when `flags` hold an unmasked invalid, denormal or zero-divide exception. */
  wouldBlock(flags: number): boolean {
    return (flags & ~this.control & 0x07) !== 0;
  }

  /** Env ready for an instruction; `pc` applies the precision control. */
  arith(pc: boolean): Env {
    return this.env.reset(this.control, pc);
  }
}

/** Class of a register for FXAM: C3, C2, C0 (SDM Vol. 2A, FXAM). */
export function fxamClass(v: F80, empty: boolean): number {
  if (empty) return 0x4100; // C3 and C0
  switch (classify(v)) {
    case K_UNSUPPORTED: return 0;
    case K_QNAN:
    case K_SNAN: return 0x100;
    case K_NORMAL: return 0x400;
    case K_INF: return 0x500;
    case K_ZERO: return 0x4000;
    case K_DENORMAL: return 0x4400;
  }
  return 0;
}
