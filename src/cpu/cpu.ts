import type { Mmu } from '../mmu/mmu.js';
import { STATE_HI, STATE_LO, STATE_SEG_BASE, STATE_XMM } from '../mmu/state-area.js';
import { CpuException, VEC_GP, VEC_SS } from './cpu-exception.js';
import { ARITH_FLAGS, CF, FIXED_1, OF, PARITY_EVEN, PF, AF, SF, ZF, DF } from './flags.js';
import type { Insn } from './insn.js';
import { HIGH_BYTE, REGISTER_SLOTS, RSP } from './registers.js';
import { MXCSR_MM } from './cpu-model.js';
import type { CpuModel } from './cpu-model.js';
import type { TransitionObserver } from './interrupts.js';
import { Fpu } from './x87/fpu.js';

const TWO_POW_32 = 4294967296;
const CANONICAL_LIMIT = 2 ** 47;

/** Why `run` returned control to its caller. */
export const EXIT_NONE = 0;
export const EXIT_HYPERCALL = 1; //   VMCALL at CPL 0: the kernel's entry stub wants the TypeScript kernel
export const EXIT_HALT = 2; //        HLT at CPL 0
export const EXIT_BUDGET = 3; //      instruction budget used up
export const EXIT_STOP = 4; //        someone (debugger, code write into the running block) asked to stop
export const EXIT_FATAL = 5; //       triple-fault class problem: the machine cannot continue
export const EXIT_BREAKPOINT = 6; //  a debugger breakpoint: RIP is the breakpoint's address, not yet executed

/**
 * Supplies the time-stamp counter (RDTSC/RDTSCP); the kernel's timekeeper owns it.
 * `read` stores the 64-bit count in cpu.tscLo / cpu.tscHi (no allocation per read).
 */
export interface TscSource {
  read(cpu: Cpu): void;
}

/**
 * The architectural state of one x86-64 logical processor and the helpers every
 * instruction handler uses.
 *
 * General registers are two Int32Arrays of 32-bit halves (lo, hi): 64-bit values never
 * exist as one JavaScript value on the hot path (DESIGN.md, hot-path rules).
 *
 * Lazy flags. After an arithmetic instruction we store only
 *   lzRes / lzResTop  the result (low word, and the word holding its sign bit),
 *   lzAux / lzAuxTop  the carry-out vector of the operation (Bochs' "auxbits" idea:
 *                     bit i is the carry (or borrow) out of bit i),
 *   lzShift           the bit number of the sign bit inside the *Top words (7, 15, 31),
 *                     or 0 when the status flags live in `flagsRest` instead.
 * Every status flag follows without knowing which operation ran:
 *   CF = carry out of the top bit, OF = carry into the top bit XOR carry out of it,
 *   AF = carry out of bit 3, ZF/SF/PF from the result.
 * Instructions with other flag rules (INC, shifts, MUL...) build an aux word that
 * encodes the CF/OF/AF they want (setFlagsCOA). For 8/16/32-bit results the *Top words
 * equal the low ones; for 64-bit results they are the high halves.
 */
/** Memory operands based on RSP or RBP default to SS; only FS/GS overrides count in 64-bit mode. */
export function usesStackSegment(i: Insn): boolean {
  return !i.ripRelative && i.segment === 0 && (i.base === RSP || i.base === 5);
}

/**
 * The initial value of fields that come to hold numbers beyond 31 bits (64-bit addresses,
 * CR0 with PG set, instruction counts): the Cpu's below and Interpreter.userRetired. V8 gives a field the representation of the first value stored in
 * it (small integer, double or reference) and, when a later value does not fit, gives
 * the object a new hidden class, and every optimized function that checked the old one is
 * deoptimized. The first SWAPGS storing the kernel's GS base did that at start-up to 7
 * optimized handlers and the run loop's helpers (`--trace-deopt`: "wrong map"), and
 * `retired` passing 2^31 would do it in a long run. -0 is a double equal to 0: these
 * fields are doubles from the start.
 */
export const DOUBLE_FIELD = -0;

export class Cpu {
  // Registers, XMM and segment bases live in the MMU's state area (src/mmu/state-area.ts),
  // where WebAssembly blocks read and write them too.
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** Instruction pointer as a signed canonical address. */
  rip = DOUBLE_FIELD;

  /** RFLAGS except the six status flags while lzShift != 0. */
  flagsRest = FIXED_1;
  lzRes = 0;
  lzResTop = 0;
  lzAux = 0;
  lzAuxTop = 0;
  lzShift = 0;

  /** High half returned by 64-bit helpers (read64, readE64, ...). */
  resHi = 0;

  /** Segment selectors, indexed by SEG_* (ES, CS, SS, DS, FS, GS). */
  readonly selectors = new Uint16Array(6);
  /** Bases used in address computation, indexed by Insn.segment: [none, FS, GS]. */
  readonly segBase: Float64Array;
  kernelGsBase = DOUBLE_FIELD;
  /** Current privilege level (CS.RPL). */
  cpl = 0;
  /**
   * The code segment is a compatibility-mode one (CS.L = 0, D = 1: __USER32_CS 0x23 under
   * the 64-bit kernel): instructions decode in 32-bit mode. Set by the transitions that
   * load CS (IRET, 32-bit SYSRET/SYSEXIT), cleared by the entries into the 64-bit kernel.
   */
  compat = false;

  cr0 = DOUBLE_FIELD;
  cr2 = DOUBLE_FIELD;
  cr4 = 0;
  efer = 0;
  gdtBase = DOUBLE_FIELD;
  gdtLimit = 0;
  idtBase = DOUBLE_FIELD;
  idtLimit = 0;
  trSelector = 0;
  trBase = DOUBLE_FIELD;

  /** MSRs the kernel programs (SDM Vol. 4; LINUX-ABI.md §6). STAR keeps its two halves. */
  starLo = 0;
  starHi = 0;
  lstar = DOUBLE_FIELD;
  cstar = DOUBLE_FIELD;
  fmask = 0;
  sysenterCs = 0;
  sysenterEsp = DOUBLE_FIELD;
  sysenterEip = DOUBLE_FIELD;
  tscAux = 0;

  /** XMM0-15 as 4 int32 lanes each (lane 0 = bits 31:0). */
  readonly xmm: Int32Array;
  /** Byte and 16-bit lane views of the same XMM storage. */
  readonly xmmBytes: Uint8Array;
  readonly xmmWords: Uint16Array;
  mxcsr = 0x1f80;
  /** The x87 FPU: register stack, control/status/tag words (src/cpu/x87/fpu.ts). */
  readonly fpu = new Fpu();

  /** x87 control, status (with TOP) and full tag word, for callers outside the x87 code. */
  get fpuControl(): number {
    return this.fpu.control;
  }
  set fpuControl(v: number) {
    this.fpu.control = v;
  }
  get fpuStatus(): number {
    return this.fpu.status;
  }
  set fpuStatus(v: number) {
    this.fpu.status = v;
  }
  get fpuTag(): number {
    return this.fpu.tagWord;
  }
  set fpuTag(v: number) {
    this.fpu.tagWord = v;
  }

  /** Instructions retired so far. */
  retired = DOUBLE_FIELD;
  /** Index, within its block, of the instruction that raised: set by compiled code and interpretBlock for the run loop. */
  blockPos = 0;
  /**
   * Set with a fault in a block that a WebAssembly chain reached after the one the run
   * loop called (src/cpu/wasm/wasm-runtime.ts): the faulting instruction's address; NaN otherwise.
   */
  faultRip = NaN;
  /** The run loop's budget as a value of `retired`: a compiled loop stops iterating there. */
  retireLimit = Infinity;
  /** Non-zero asks the run loop to stop after the current instruction (EXIT_*). */
  exitRequest = EXIT_NONE;

  readonly exception = new CpuException();
  readonly mem: Mmu;
  readonly model: CpuModel;
  tsc: TscSource | null = null;
  observer: TransitionObserver | null = null;
  tscLo = 0;
  tscHi = 0;

  constructor(mem: Mmu, model: CpuModel) {
    this.mem = mem;
    this.model = model;
    const phys = mem.phys;
    this.lo = phys.stateInt32(STATE_LO, REGISTER_SLOTS);
    this.hi = phys.stateInt32(STATE_HI, REGISTER_SLOTS);
    this.segBase = phys.stateFloat64(STATE_SEG_BASE, 3);
    this.xmm = phys.stateInt32(STATE_XMM, 64);
    this.xmmBytes = new Uint8Array(this.xmm.buffer, this.xmm.byteOffset, 256);
    this.xmmWords = new Uint16Array(this.xmm.buffer, this.xmm.byteOffset, 128);
  }

  // ---- exceptions -------------------------------------------------------------------

  raise(vector: number, errorCode = 0, detail = ''): never {
    this.exception.vector = vector;
    this.exception.errorCode = errorCode;
    this.exception.detail = detail;
    throw this.exception;
  }

  setCpl(cpl: number): void {
    this.cpl = cpl;
    this.mem.setUserMode(cpl === 3);
  }

  // ---- registers --------------------------------------------------------------------

  getReg8(r: number): number {
    return r & HIGH_BYTE ? (this.lo[r & 3] >> 8) & 0xff : this.lo[r] & 0xff;
  }

  setReg8(r: number, v: number): void {
    if (r & HIGH_BYTE) {
      const i = r & 3;
      this.lo[i] = (this.lo[i] & ~0xff00) | ((v & 0xff) << 8);
    } else {
      this.lo[r] = (this.lo[r] & ~0xff) | (v & 0xff);
    }
  }

  setReg16(r: number, v: number): void {
    this.lo[r] = (this.lo[r] & ~0xffff) | (v & 0xffff);
  }

  /** A 32-bit destination clears bits 63:32 (SDM Vol. 1 §3.4.1.1). */
  setReg32(r: number, v: number): void {
    this.lo[r] = v;
    this.hi[r] = 0;
  }

  setReg64(r: number, lo: number, hi: number): void {
    this.lo[r] = lo;
    this.hi[r] = hi;
  }

  /** Register value as a signed number; exact while it is within ±2^53. */
  regSigned(r: number): number {
    return this.hi[r] * TWO_POW_32 + (this.lo[r] >>> 0);
  }

  /** Writes a register of the given operand size; `hi` is used only for size 8. */
  setReg(r: number, size: number, v: number, hi: number): void {
    if (size === 8) {
      this.lo[r] = v;
      this.hi[r] = hi;
    } else if (size === 4) {
      this.lo[r] = v;
      this.hi[r] = 0;
    } else if (size === 2) this.setReg16(r, v);
    else this.setReg8(r, v);
  }

  /** Reads a register of the given size: zero-extended for 1 and 2, int32 for 4, low half for 8 (high half in resHi). */
  getReg(r: number, size: number): number {
    if (size === 8) {
      this.resHi = this.hi[r];
      return this.lo[r];
    }
    if (size === 4) return this.lo[r];
    if (size === 2) return this.lo[r] & 0xffff;
    return this.getReg8(r);
  }

  // ---- addressing -------------------------------------------------------------------

  /**
   * Effective address of a memory operand, including the FS/GS base, as a signed
   * canonical number. Sums are formed in 32-bit halves so they are exact for any
   * register values; a non-canonical result raises #GP(0) (SDM Vol. 1 §3.3.7.1).
   */
  ea(i: Insn): number {
    let addr: number;
    if (i.ripRelative) {
      addr = this.rip + i.disp;
    } else {
      const lo = this.lo;
      const hi = this.hi;
      const sum = (lo[i.base] >>> 0) + (lo[i.index] >>> 0) * i.scale + (i.disp >>> 0);
      const carry = Math.floor(sum / TWO_POW_32);
      if (i.addrsize === 4) {
        addr = sum - carry * TWO_POW_32;
      } else {
        const h = (hi[i.base] + hi[i.index] * i.scale + (i.disp < 0 ? -1 : 0) + carry) | 0;
        addr = h * TWO_POW_32 + (sum - carry * TWO_POW_32);
      }
    }
    addr += this.segBase[i.segment];
    // In 32-bit code the linear address (segment base + offset) wraps at 4 GiB: i386 TLS
    // reaches below its thread pointer with %gs:-offset written as a large disp32.
    if (this.compat) addr %= TWO_POW_32;
    if (addr < -CANONICAL_LIMIT || addr >= CANONICAL_LIMIT) {
      // A reference through the stack segment (base RSP or RBP, no FS/GS override) is #SS(0) (SDM Vol. 1 §3.3.7.1).
      this.raise(usesStackSegment(i) ? VEC_SS : VEC_GP, 0, 'non-canonical address');
    }
    return addr;
  }

  /**
   * Effective address of a 16-byte operand that must be 16-byte aligned, else #GP(0) (SDM
   * Vol. 1 §11.6.7). `waivable`: AMD's misaligned SSE mode (MXCSR.MM, bit 17; AMD APM
   * Vol. 1, "MXCSR Register") lifts the check, but not for the explicitly aligned moves
   * (MOVAPS/MOVAPD/MOVDQA, MOVNT*) nor CMPXCHG16B. On AMD the alignment check also comes
   * before the canonical one, so a misaligned non-canonical stack reference is #GP(0), not
   * #SS(0). Both observed on an EPYC host: test/golden/data/align.jsonl.gz.
   */
  ea16(i: Insn, waivable: boolean): number {
    if (waivable && this.mxcsr & MXCSR_MM) return this.ea(i);
    // The low four bits of the address from its parts: exact also when the sum is not canonical.
    const low4 = ((i.ripRelative ? this.rip : this.lo[i.base] + this.lo[i.index] * i.scale) + i.disp + this.segBase[i.segment]) & 15;
    if (low4 !== 0) {
      // Intel checks the address first (ea may raise #GP or #SS), AMD the alignment.
      if (this.model.vendor !== 'amd') this.ea(i);
      this.raise(VEC_GP, 0, 'misaligned 16-byte operand');
    }
    return this.ea(i);
  }

  /**
   * AMD's order (as ea16 applies it): a 16-byte operand whose address has low bits `low4`
   * is #GP(0) before any canonical check. Compiled blocks call this on their non-canonical path.
   */
  alignmentFirst(low4: number): void {
    if (low4 !== 0 && this.model.vendor === 'amd') this.raise(VEC_GP, 0, 'misaligned 16-byte operand');
  }

  /** Effective address of a read-modify-write memory operand, with write permission checked first (Mmu.checkWrite). */
  eaRmw(i: Insn, size = i.opsize): number {
    const addr = this.ea(i);
    this.mem.checkWrite(addr, size);
    return addr;
  }

  readMem(addr: number, size: number): number {
    if (size === 4) return this.mem.read32(addr);
    if (size === 8) {
      const v = this.mem.read64(addr);
      this.resHi = this.mem.hi;
      return v;
    }
    if (size === 1) return this.mem.read8(addr);
    return this.mem.read16(addr);
  }

  writeMem(addr: number, size: number, v: number, hi: number): void {
    if (size === 4) this.mem.write32(addr, v);
    else if (size === 8) this.mem.write64(addr, v, hi);
    else if (size === 1) this.mem.write8(addr, v);
    else this.mem.write16(addr, v);
  }

  /** Reads the E operand at the instruction's operand size (see getReg for the format). */
  readE(i: Insn): number {
    return i.rm >= 0 ? this.getReg(i.rm, i.opsize) : this.readMem(this.ea(i), i.opsize);
  }

  writeE(i: Insn, v: number, hi: number): void {
    if (i.rm >= 0) this.setReg(i.rm, i.opsize, v, hi);
    else this.writeMem(this.ea(i), i.opsize, v, hi);
  }

  // ---- stack ------------------------------------------------------------------------

  rsp(): number {
    return this.regSigned(RSP);
  }

  setRsp(addr: number): void {
    this.lo[RSP] = addr | 0;
    this.hi[RSP] = Math.floor(addr / TWO_POW_32);
  }

  /** A stack address: a non-canonical one is a stack fault, #SS(0) (SDM Vol. 3A §6.15, interrupt 12). */
  stackAddress(addr: number): number {
    if (addr < -CANONICAL_LIMIT || addr >= CANONICAL_LIMIT) this.raise(VEC_SS, 0, 'non-canonical stack address');
    return addr;
  }

  push64(lo: number, hi: number): void {
    const sp = this.stackAddress(this.rsp() - 8);
    this.mem.write64(sp, lo, hi);
    this.setRsp(sp);
  }

  /** Pops 64 bits: returns the low half, high half in resHi. */
  pop64(): number {
    const sp = this.stackAddress(this.rsp());
    const v = this.mem.read64(sp);
    this.resHi = this.mem.hi;
    this.setRsp(sp + 8);
    return v;
  }

  /** Pushes a canonical address (return addresses, RIP images). */
  pushAddress(addr: number): void {
    this.push64(addr | 0, Math.floor(addr / TWO_POW_32));
  }

  // ---- lazy flags -------------------------------------------------------------------

  setLazy(res: number, resTop: number, aux: number, auxTop: number, shift: number): void {
    this.lzRes = res;
    this.lzResTop = resTop;
    this.lzAux = aux;
    this.lzAuxTop = auxTop;
    this.lzShift = shift;
  }

  /**
   * Sets flags from a result with explicit CF, OF and AF (0 or 1): builds the aux word
   * that makes the generic rules yield them. `size` is the operand size in bytes.
   */
  setFlagsCOA(res: number, resHi: number, size: number, cf: number, of: number, af: number): void {
    const shift = size === 8 ? 31 : size * 8 - 1;
    const top = (cf << shift) | ((cf ^ of) << (shift - 1));
    if (size === 8) this.setLazy(res, resHi, af << 3, top, 31);
    else this.setLazy(res, res, top | (af << 3), top, shift);
  }

  getCF(): number {
    return this.lzShift ? (this.lzAuxTop >>> this.lzShift) & 1 : this.flagsRest & CF;
  }

  getZF(): number {
    return this.lzShift ? ((this.lzRes | this.lzResTop) === 0 ? 1 : 0) : (this.flagsRest >> 6) & 1;
  }

  getSF(): number {
    return this.lzShift ? (this.lzResTop >>> this.lzShift) & 1 : (this.flagsRest >> 7) & 1;
  }

  getOF(): number {
    return this.lzShift
      ? ((this.lzAuxTop >>> this.lzShift) ^ (this.lzAuxTop >>> (this.lzShift - 1))) & 1
      : (this.flagsRest >> 11) & 1;
  }

  getPF(): number {
    return this.lzShift ? PARITY_EVEN[this.lzRes & 0xff] : (this.flagsRest >> 2) & 1;
  }

  getAF(): number {
    return this.lzShift ? (this.lzAux >> 3) & 1 : (this.flagsRest >> 4) & 1;
  }

  /** Condition codes tttn (SDM Vol. 2D Appendix B.1.4.7). */
  cond(cc: number): boolean {
    let r: number;
    switch (cc >> 1) {
      case 0: r = this.getOF(); break;
      case 1: r = this.getCF(); break;
      case 2: r = this.getZF(); break;
      case 3: r = this.getCF() | this.getZF(); break;
      case 4: r = this.getSF(); break;
      case 5: r = this.getPF(); break;
      case 6: r = this.getSF() ^ this.getOF(); break;
      default: r = this.getZF() | (this.getSF() ^ this.getOF()); break;
    }
    return (r ^ (cc & 1)) !== 0;
  }

  /** Full RFLAGS with the status flags materialised. */
  getRflags(): number {
    if (!this.lzShift) return this.flagsRest;
    return (
      (this.flagsRest & ~ARITH_FLAGS) |
      this.getCF() |
      (this.getPF() << 2) |
      (this.getAF() << 4) |
      (this.getZF() << 6) |
      (this.getSF() << 7) |
      (this.getOF() << 11)
    );
  }

  /** Replaces RFLAGS (callers apply the privilege masks); bit 1 always reads 1. */
  setRflags(value: number): void {
    this.flagsRest = (value | FIXED_1) & 0x3f7fd7;
    this.lzShift = 0;
  }

  /** Changes only some status flags, keeping the others. */
  setStatusFlags(mask: number, values: number): void {
    const current = this.getRflags();
    this.setRflags((current & ~mask) | (values & mask));
  }

  get df(): boolean {
    return (this.flagsRest & DF) !== 0;
  }
}

export { CF, PF, AF, ZF, SF, OF };
