import { VEC_GP, VEC_MF, VEC_NM } from '../cpu-exception.js';
import type { Cpu } from '../cpu.js';
import { AF, CF, OF, PF, SF as EFLAGS_SF, ZF } from '../flags.js';
import type { Insn } from '../insn.js';
import {
  abs, add, BCD_INDEFINITE, binaryIndefinite, C0, C1, C2, C3, compare, DE, div, type Env, type F80, FMT_DOUBLE,
  FMT_SINGLE, fromBcd, fromBinary, fromInt, IE, INDEFINITE, mul, negate, OE, POS_ZERO, REL_UN, roundToInt, SF, sqrt,
  toBcd, toBinary, toInt, UE,
} from '../x87/float80.js';
import { type Fpu, fxamClass } from '../x87/fpu.js';
import { FXSAVE_SIZE, FXSAVE_WRITTEN, readFxImage, writeFxImage } from '../x87/fxsave.js';
import {
  f2xm1, fpatan, fprem, fscale, fsincos, fxtract, fyl2x, fyl2xp1, loadConstant,
} from '../x87/functions.js';

/*
 * x87 instruction handlers (SDM Vol. 2A/2B, the F* pages; Vol. 1 ch. 8). The arithmetic
 * lives in src/cpu/x87/; these functions fetch operands, apply the stack rules and the
 * exception masks, and write results.
 *
 * Order inside every handler: check #NM and a pending #MF, read memory operands, compute,
 * then write memory (a #PF there leaves the FPU untouched), and only then change the
 * FPU state. Unmasked invalid, denormal and zero-divide exceptions leave destinations and
 * the stack unchanged (Vol. 1 §8.5: "the destination operand is not changed").
 */

const CR0_MP = 1 << 1;
const CR0_EM = 1 << 2;
const CR0_TS = 1 << 3;
const CC_MASK = C0 | C1 | C2 | C3;
/** C3, C2, C0 for greater, less, equal, unordered (FCOM). */
const COMPARE_CC = [0, C0, C3, C3 | C2 | C0];
/** ZF, PF, CF for greater, less, equal, unordered (FCOMI). */
const COMPARE_EFLAGS = [0, CF, ZF, ZF | PF | CF];

/** A waiting x87 instruction: #NM with CR0.EM/TS, #MF when an unmasked exception is pending. */
function begin(cpu: Cpu, i: Insn): Fpu {
  if (cpu.cr0 & (CR0_EM | CR0_TS)) cpu.raise(VEC_NM, 0, 'x87 instruction with CR0.EM or CR0.TS set');
  const f = cpu.fpu;
  if (f.pending) cpu.raise(VEC_MF, 0, 'unmasked x87 exception pending');
  f.fip = cpu.rip - i.length;
  f.lastOpcode = i.bytes;
  return f;
}

/** FLDCW, FLDENV, FRSTOR: waiting, but they leave the last-instruction pointers alone. */
function beginWaitingControl(cpu: Cpu): Fpu {
  if (cpu.cr0 & (CR0_EM | CR0_TS)) cpu.raise(VEC_NM, 0, 'x87 instruction with CR0.EM or CR0.TS set');
  const f = cpu.fpu;
  if (f.pending) cpu.raise(VEC_MF, 0, 'unmasked x87 exception pending');
  return f;
}

/** FNINIT, FNCLEX, FNSTCW, FNSTSW, FNSTENV, FNSAVE: no check for pending exceptions. */
function beginNoWait(cpu: Cpu): Fpu {
  if (cpu.cr0 & (CR0_EM | CR0_TS)) cpu.raise(VEC_NM, 0, 'x87 instruction with CR0.EM or CR0.TS set');
  return cpu.fpu;
}

function memOperand(cpu: Cpu, f: Fpu, i: Insn): number {
  const addr = cpu.ea(i);
  f.fdp = addr;
  return addr;
}

// ---- memory formats -------------------------------------------------------------------

function readF80(cpu: Cpu, addr: number): F80 {
  const lo = cpu.mem.read32(addr);
  const hi = cpu.mem.read32(addr + 4);
  const se = cpu.mem.read16(addr + 8);
  return { se, sig: (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0) };
}

function writeF80(cpu: Cpu, addr: number, v: F80): void {
  cpu.mem.checkWrite(addr, 10);
  cpu.mem.write64(addr, Number(v.sig & 0xffffffffn) | 0, Number(v.sig >> 32n) | 0);
  cpu.mem.write16(addr + 8, v.se);
}

function read64(cpu: Cpu, addr: number): bigint {
  const lo = cpu.mem.read64(addr);
  return (BigInt(cpu.mem.hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function write64(cpu: Cpu, addr: number, v: bigint): void {
  cpu.mem.write64(addr, Number(v & 0xffffffffn) | 0, Number((v >> 32n) & 0xffffffffn) | 0);
}

function readBytes(cpu: Cpu, addr: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) out[k] = cpu.mem.read8(addr + k);
  return out;
}

function writeBytes(cpu: Cpu, addr: number, bytes: Uint8Array): void {
  cpu.mem.checkWrite(addr, bytes.length);
  for (let k = 0; k < bytes.length; k++) cpu.mem.write8(addr + k, bytes[k]);
}

/** Memory operand types of the D8-DF escapes, as the table's `sub` encodes them. */
const M32FP = 0;
const M64FP = 1;
const M80FP = 2;
const M16INT = 3;
const M32INT = 4;
const M64INT = 5;
const M80BCD = 6;

/**
 * A memory source operand as an 80-bit value. Float operands keep an SNaN signalling
 * (the arithmetic raises IE and picks the NaN); a denormal is noted in env and raises DE
 * only if the arithmetic gets past the NaN checks (host: a NaN in ST(0) hides it).
 */
function readOperand(cpu: Cpu, env: Env, addr: number, type: number): F80 {
  switch (type) {
    case M32FP: return fromBinary(env, BigInt(cpu.mem.read32(addr) >>> 0), FMT_SINGLE, false);
    case M64FP: return fromBinary(env, read64(cpu, addr), FMT_DOUBLE, false);
    case M16INT: return fromInt(BigInt((cpu.mem.read16(addr) << 16) >> 16));
    default: return fromInt(BigInt(cpu.mem.read32(addr)));
  }
}

// ---- arithmetic ------------------------------------------------------------------------

/** dest ← dest op src, op in ModRM.reg order of D8: add, mul, -, -, sub, subr, div, divr. */
function arithmetic(env: Env, op: number, dest: F80, src: F80): F80 {
  switch (op) {
    case 0: return add(env, dest, src, false);
    case 1: return mul(env, dest, src);
    case 4: return add(env, dest, src, true);
    case 5: return add(env, src, dest, true);
    case 6: return div(env, dest, src);
    default: return div(env, src, dest);
  }
}

/**
 * D8 reg (ST(0) ← ST(0) op ST(i)), DC reg (ST(i) ← ST(i) op ST(0)), DE reg (the same and
 * pop). sub = op | form << 4, form 0, 1, 2 as listed.
 */
export function fArithReg(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const op = i.sub & 7;
  const form = i.sub >> 4;
  const r = i.rm & 7;
  const dest = form === 0 ? 0 : r;
  const pop = form === 2;
  if (f.isEmpty(0) || f.isEmpty(r)) {
    if (f.stackFault(false)) {
      f.set(dest, INDEFINITE);
      if (pop) f.pop();
    }
    return;
  }
  const env = f.arith(true);
  const result = arithmetic(env, op, f.get(dest), f.get(form === 0 ? r : 0));
  if (f.signal(env.flags, env.up)) return;
  f.set(dest, result);
  if (pop) f.pop();
}

/**
 * D8/DC/DA/DE with a memory operand: ST(0) ← ST(0) op m, or FCOM/FCOMP/FICOM/FICOMP for
 * ops 2 and 3. sub = op | type << 4.
 */
export function fArithMem(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const op = i.sub & 7;
  const type = i.sub >> 4;
  const addr = memOperand(cpu, f, i);
  const env = f.arith(op !== 2 && op !== 3);
  const src = readOperand(cpu, env, addr, type);
  if (op === 2 || op === 3) {
    compareInto(f, env, src, op === 3 ? 1 : 0, false);
    return;
  }
  if (f.isEmpty(0)) {
    if (f.stackFault(false)) f.set(0, INDEFINITE);
    return;
  }
  const result = arithmetic(env, op, f.get(0), src);
  if (f.signal(env.flags, env.up)) return;
  f.set(0, result);
}

// ---- compares --------------------------------------------------------------------------

/**
 * Compares ST(0) with `src` into C3/C2/C0, then pops `pops` times. The condition codes
 * are written even when the exception is unmasked (unordered for a stack fault or an
 * invalid operand); an unmasked invalid operation or denormal operand only suppresses the
 * pops (host).
 */
function compareInto(f: Fpu, env: Env, src: F80 | null, pops: number, quietNaN: boolean): void {
  let rel = REL_UN;
  if (f.isEmpty(0) || src === null) {
    env.flags |= IE | SF;
  } else {
    rel = compare(env, f.get(0), src, quietNaN);
  }
  f.signal(env.flags, false);
  f.sw = (f.sw & ~(C0 | C2 | C3)) | COMPARE_CC[rel];
  if (env.flags & ~f.control & (IE | DE)) return;
  for (let k = 0; k < pops; k++) f.pop();
}

/** FCOM/FCOMP/FUCOM/FUCOMP ST(i), FCOMPP, FUCOMPP. sub = pops | unordered << 2. */
export function fcomSti(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const r = i.rm & 7;
  const env = f.arith(false);
  compareInto(f, env, f.isEmpty(r) ? null : f.get(r), i.sub & 3, (i.sub & 4) !== 0);
}

/** FTST: ST(0) against +0.0. */
export function ftst(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  compareInto(f, f.arith(false), POS_ZERO, 0, false);
}

/** FCOMI/FCOMIP/FUCOMI/FUCOMIP: ZF, PF, CF; OF, SF, AF cleared. sub = pop | unordered << 2. */
export function fcomi(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const r = i.rm & 7;
  const pop = (i.sub & 1) !== 0;
  const mask = ZF | PF | CF | OF | EFLAGS_SF | AF;
  const env = f.arith(false);
  let rel = REL_UN;
  if (f.isEmpty(0) || f.isEmpty(r)) {
    f.stackFault(false);
    env.flags |= IE;
  } else {
    rel = compare(env, f.get(0), f.get(r), (i.sub & 4) !== 0);
    // FCOMI leaves C1 alone unless there is a stack fault (host).
    f.signal(env.flags, (f.sw & C1) !== 0);
  }
  // As for FCOM: the flags are written even when unmasked, the pop is not done.
  cpu.setStatusFlags(mask, COMPARE_EFLAGS[rel]);
  if (env.flags & ~f.control & (IE | DE)) return;
  if (pop) f.pop();
}

/** FXAM: class in C3, C2, C0 and the sign in C1, also for an empty register. */
export function fxam(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const v = f.get(0);
  f.sw = (f.sw & ~CC_MASK) | fxamClass(v, f.isEmpty(0)) | (v.se & 0x8000 ? C1 : 0);
}

// ---- loads and stores ------------------------------------------------------------------

/**
 * Pushes `v` after the exceptions `env` collected; stack overflow when ST(7) is in use.
 * Loads complete despite an unmasked denormal operand (host); an unmasked invalid
 * operation (SNaN) stops them.
 */
function pushResult(f: Fpu, env: Env, v: F80): void {
  if (!f.isEmpty(7)) {
    if (f.stackFault(true)) f.push(INDEFINITE);
    return;
  }
  f.signal(env.flags, env.up);
  if (env.flags & ~f.control & IE) return;
  f.push(v);
}

/** FLD m32fp/m64fp/m80fp, FILD m16/m32/m64, FBLD: sub = the memory type. */
export function fldMem(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const addr = memOperand(cpu, f, i);
  const env = f.arith(false);
  let v: F80;
  switch (i.sub) {
    case M32FP: v = fromBinary(env, BigInt(cpu.mem.read32(addr) >>> 0), FMT_SINGLE, true); break;
    case M64FP: v = fromBinary(env, read64(cpu, addr), FMT_DOUBLE, true); break;
    case M80FP: v = readF80(cpu, addr); break;
    case M16INT: v = fromInt(BigInt((cpu.mem.read16(addr) << 16) >> 16)); break;
    case M32INT: v = fromInt(BigInt(cpu.mem.read32(addr))); break;
    case M64INT: v = fromInt(BigInt.asIntN(64, read64(cpu, addr))); break;
    default: v = fromBcd(readBytes(cpu, addr, 10)); break;
  }
  pushResult(f, env, v);
}

/** FLD ST(i). */
export function fldSti(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const r = i.rm & 7;
  // An empty source is reported before a full stack (C1 = 0, host).
  if (f.isEmpty(r)) {
    if (f.stackFault(false)) f.push(INDEFINITE);
    return;
  }
  if (!f.isEmpty(7)) {
    if (f.stackFault(true)) f.push(INDEFINITE);
    return;
  }
  f.signal(0, false);
  f.pushCopy(r);
}

/** FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ (sub 0-6): rounded with the rounding control. */
export function fldConst(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const env = f.arith(false);
  pushResult(f, env, loadConstant(env, i.sub));
}

/**
 * FST/FSTP m32fp/m64fp/m80fp, FIST/FISTP m16/m32/m64, FISTTP, FBSTP.
 * sub = type | pop << 3 | truncate << 4.
 */
export function fstMem(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const addr = memOperand(cpu, f, i);
  const type = i.sub & 7;
  const pop = (i.sub & 8) !== 0;
  const truncate = (i.sub & 16) !== 0;
  const env = f.arith(false);
  const masked = (f.control & IE) !== 0;
  if (f.isEmpty(0)) {
    // Stack underflow: a masked IE stores the format's indefinite.
    if (masked) storeIndefinite(cpu, addr, type);
    f.stackFault(false);
    if (masked && pop) f.pop();
    return;
  }
  const v = f.get(0);
  switch (type) {
    case M32FP:
    case M64FP: {
      const fmt = type === M32FP ? FMT_SINGLE : FMT_DOUBLE;
      const bits = toBinary(env, v, fmt);
      if (f.wouldBlock(env.flags) || bits === null) break;
      if (type === M32FP) cpu.mem.write32(addr, Number(bits) | 0);
      else write64(cpu, addr, bits);
      break;
    }
    case M80FP:
      writeF80(cpu, addr, v);
      break;
    case M80BCD: {
      const bcd = toBcd(env, v);
      if (f.wouldBlock(env.flags)) break;
      writeBytes(cpu, addr, bcd ?? BCD_INDEFINITE);
      break;
    }
    default: {
      const bits = type === M16INT ? 16 : type === M32INT ? 32 : 64;
      const n = toInt(env, v, bits, truncate);
      if (f.wouldBlock(env.flags)) break;
      storeInt(cpu, addr, bits, n ?? -(1n << BigInt(bits - 1)));
    }
  }
  const unmaskedRange = (env.flags & ~f.control & (OE | UE)) !== 0;
  if (f.signal(env.flags, env.up) || unmaskedRange) return;
  if (pop) f.pop();
}

function storeInt(cpu: Cpu, addr: number, bits: number, n: bigint): void {
  if (bits === 16) cpu.mem.write16(addr, Number(BigInt.asUintN(16, n)));
  else if (bits === 32) cpu.mem.write32(addr, Number(BigInt.asIntN(32, n)));
  else write64(cpu, addr, BigInt.asUintN(64, n));
}

function storeIndefinite(cpu: Cpu, addr: number, type: number): void {
  switch (type) {
    case M32FP: cpu.mem.write32(addr, Number(binaryIndefinite(FMT_SINGLE)) | 0); break;
    case M64FP: write64(cpu, addr, binaryIndefinite(FMT_DOUBLE)); break;
    case M80FP: writeF80(cpu, addr, INDEFINITE); break;
    case M16INT: storeInt(cpu, addr, 16, -(1n << 15n)); break;
    case M32INT: storeInt(cpu, addr, 32, -(1n << 31n)); break;
    case M64INT: storeInt(cpu, addr, 64, -(1n << 63n)); break;
    default: writeBytes(cpu, addr, BCD_INDEFINITE);
  }
}

/**
 * FST/FSTP ST(i) and the FSTP8/FSTP9 aliases (sub = pop). sub 2 is D9 D8+i (reserved in
 * the manuals' opcode maps), as the host (AMD) executes it: FSTP without a stack fault,
 * so with ST(0) empty it only pops (C1 cleared either way).
 */
export function fstSti(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const r = i.rm & 7;
  if (i.sub === 2) {
    if (!f.isEmpty(0)) f.copy(r, 0);
    f.sw &= ~C1;
    f.pop();
    return;
  }
  if (f.isEmpty(0)) {
    if (f.stackFault(false)) {
      f.set(r, INDEFINITE);
      if (i.sub) f.pop();
    }
    return;
  }
  f.signal(0, false);
  f.copy(r, 0);
  if (i.sub) f.pop();
}

// ---- stack and sign ---------------------------------------------------------------------

/** FXCH ST(i): an empty operand becomes the indefinite when IE is masked. */
export function fxch(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const r = i.rm & 7;
  if (f.isEmpty(0) || f.isEmpty(r)) {
    if (!f.stackFault(false)) return;
    const a = f.isEmpty(0) ? INDEFINITE : f.get(0);
    const b = f.isEmpty(r) ? INDEFINITE : f.get(r);
    f.set(0, b);
    f.set(r, a);
    return;
  }
  f.signal(0, false);
  f.exchange(r);
}

/** FFREE ST(i), FFREEP (sub 1). */
export function ffree(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  f.setEmpty(i.rm & 7);
  f.sw &= ~C1; // host: C1 cleared
  if (i.sub) f.pop();
}

/** FINCSTP (sub 1), FDECSTP (sub -1 as 7): TOP moves, tags stay. */
export function fincdecstp(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  f.top = (f.top + i.sub) & 7;
  f.sw &= ~C1;
}

/** FCHS (sub 0), FABS (sub 1): sign only, no exceptions even for NaNs. */
export function fsign(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  if (f.isEmpty(0)) {
    if (f.stackFault(false)) f.set(0, INDEFINITE);
    return;
  }
  f.signal(0, false);
  const v = f.get(0);
  f.set(0, i.sub ? abs(v) : negate(v));
}

export function fnop(cpu: Cpu, i: Insn): void {
  begin(cpu, i);
}

/** FNENI, FNDISI, FNSETPM: no-ops that do not wait for pending exceptions. */
export function fnopNoWait(cpu: Cpu, _i: Insn): void {
  beginNoWait(cpu);
}

/** FWAIT: #NM only when CR0.MP and CR0.TS are both set; then any pending #MF. */
export function fwait(cpu: Cpu, _i: Insn): void {
  if ((cpu.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) cpu.raise(VEC_NM, 0, 'FWAIT with CR0.MP and CR0.TS set');
  if (cpu.fpu.pending) cpu.raise(VEC_MF, 0, 'unmasked x87 exception pending');
}

/** FCMOVcc ST(0), ST(i): sub = the condition in Jcc's tttn encoding. */
export function fcmov(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const r = i.rm & 7;
  // A stack fault writes the indefinite whatever the condition; C1 is otherwise kept (host).
  if (f.isEmpty(0) || f.isEmpty(r)) {
    if (f.stackFault(false)) f.set(0, INDEFINITE);
    return;
  }
  if (cpu.cond(i.sub)) f.copy(0, r);
}

// ---- one-operand arithmetic -------------------------------------------------------------

/** ST(0) ← fn(ST(0)) with the usual underflow and masking rules. */
function unary(cpu: Cpu, i: Insn, pc: boolean, fn: (env: Env, v: F80) => F80): void {
  const f = begin(cpu, i);
  if (f.isEmpty(0)) {
    if (f.stackFault(false)) f.set(0, INDEFINITE);
    return;
  }
  const env = f.arith(pc);
  const result = fn(env, f.get(0));
  if (f.signal(env.flags, env.up)) return;
  f.set(0, result);
}

export function fsqrt(cpu: Cpu, i: Insn): void {
  unary(cpu, i, true, sqrt);
}

export function frndint(cpu: Cpu, i: Insn): void {
  unary(cpu, i, false, roundToInt);
}

export function f2xm1Insn(cpu: Cpu, i: Insn): void {
  unary(cpu, i, false, f2xm1);
}

/**
 * FSIN (sub 0), FCOS (sub 1), FPTAN (sub 2), FSINCOS (sub 3): outside ±2^63 the operand
 * stays and C2 is set (SDM Vol. 2A, FSIN).
 */
export function ftrig(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const push = i.sub >= 2;
  f.sw &= ~C2; // C2 stays set only for an operand out of range
  if (f.isEmpty(0)) {
    if (f.stackFault(false)) {
      f.set(0, INDEFINITE);
      if (push) f.push(INDEFINITE);
    }
    return;
  }
  if (push && !f.isEmpty(7)) {
    if (f.stackFault(true)) {
      f.set(0, INDEFINITE);
      f.push(INDEFINITE);
    }
    return;
  }
  const env = f.arith(false);
  const r = fsincos(env, f.get(0), i.sub);
  if (r === null) {
    // Out of range: C2 = 1, nothing else changes.
    f.sw = (f.sw & ~C1) | C2;
    return;
  }
  if (f.signal(env.flags, env.up)) return;
  f.sw &= ~C2;
  f.set(0, r[0]);
  if (push) f.push(r[1]);
}

/** FXTRACT: ST(0) ← exponent, then push the significand. */
export function fxtractInsn(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  if (f.isEmpty(0)) {
    if (f.stackFault(false)) {
      f.set(0, INDEFINITE);
      f.push(INDEFINITE);
    }
    return;
  }
  if (!f.isEmpty(7)) {
    if (f.stackFault(true)) {
      f.set(0, INDEFINITE);
      f.push(INDEFINITE);
    }
    return;
  }
  const env = f.arith(false);
  const [exponent, significand] = fxtract(env, f.get(0));
  if (f.signal(env.flags, env.up)) return;
  f.set(0, exponent);
  f.push(significand);
}

/**
 * Two-operand instructions on ST(0) and ST(1): FSCALE, FPREM, FPREM1 (result in ST(0),
 * no pop) and FYL2X, FYL2XP1, FPATAN (result in ST(1), pop). sub selects.
 */
export function fbinary(cpu: Cpu, i: Insn): void {
  const f = begin(cpu, i);
  const pop = i.sub >= 3;
  // FPREM/FPREM1 clear C2 whenever they do not leave a partial remainder.
  if (i.sub === 1 || i.sub === 2) f.sw &= ~C2;
  if (f.isEmpty(0) || f.isEmpty(1)) {
    if (f.stackFault(false)) {
      if (pop) {
        f.set(1, INDEFINITE);
        f.pop();
      } else {
        f.set(0, INDEFINITE);
      }
    }
    return;
  }
  const env = f.arith(false);
  const a = f.get(0);
  const b = f.get(1);
  let result: F80;
  let cc = -1;
  switch (i.sub) {
    case 0: result = fscale(env, a, b); break;
    case 1:
    case 2: {
      const r = fprem(env, a, b, i.sub === 2);
      result = r.value;
      cc = r.cc;
      break;
    }
    case 3: result = fyl2x(env, a, b); break;
    case 4: result = fyl2xp1(env, a, b); break;
    default: result = fpatan(env, a, b); break;
  }
  if (f.signal(env.flags, env.up)) return;
  if (cc >= 0) f.sw = (f.sw & ~CC_MASK) | cc;
  if (pop) {
    f.set(1, result);
    f.pop();
  } else {
    f.set(0, result);
  }
}

// ---- control, status and environment --------------------------------------------------

export function fnstcw(cpu: Cpu, i: Insn): void {
  const f = beginNoWait(cpu);
  cpu.mem.write16(cpu.ea(i), f.control);
}

/** FLDCW: reserved bits read back as the hardware keeps them (Fpu.loadControl). */
export function fldcw(cpu: Cpu, i: Insn): void {
  const f = beginWaitingControl(cpu);
  f.control = f.loadControl(cpu.mem.read16(cpu.ea(i)));
}

/** FNSTSW m16 (sub 0), FNSTSW AX (sub 1). */
export function fnstsw(cpu: Cpu, i: Insn): void {
  const f = beginNoWait(cpu);
  if (i.sub) cpu.setReg16(0, f.status);
  else cpu.mem.write16(cpu.ea(i), f.status);
}

export function fnclex(cpu: Cpu, _i: Insn): void {
  const f = beginNoWait(cpu);
  f.sw &= ~0xff;
}

export function fninit(cpu: Cpu, _i: Insn): void {
  beginNoWait(cpu).init();
}

/**
 * The protected-mode environment image (SDM Vol. 1 §8.1.10, Figure 8-9): 28 bytes with
 * a 32-bit operand size, 14 with a 16-bit one.
 */
function storeEnv(cpu: Cpu, f: Fpu, addr: number, size16: boolean): void {
  const fop = f.fop;
  if (size16) {
    cpu.mem.checkWrite(addr, 14);
    cpu.mem.write16(addr, f.control);
    cpu.mem.write16(addr + 2, f.status);
    cpu.mem.write16(addr + 4, f.tagWord);
    cpu.mem.write16(addr + 6, f.fip & 0xffff);
    cpu.mem.write16(addr + 8, 0);
    cpu.mem.write16(addr + 10, f.fdp & 0xffff);
    cpu.mem.write16(addr + 12, 0);
    return;
  }
  cpu.mem.checkWrite(addr, 28);
  cpu.mem.write32(addr, f.control | 0xffff0000);
  cpu.mem.write32(addr + 4, f.status | 0xffff0000);
  cpu.mem.write32(addr + 8, f.tagWord | 0xffff0000);
  cpu.mem.write32(addr + 12, f.fip | 0);
  cpu.mem.write32(addr + 16, fop << 16);
  cpu.mem.write32(addr + 20, f.fdp | 0);
  cpu.mem.write32(addr + 24, 0xffff0000);
}

function loadEnv(cpu: Cpu, f: Fpu, addr: number, size16: boolean): void {
  const step = size16 ? 2 : 4;
  const control = cpu.mem.read16(addr);
  const status = cpu.mem.read16(addr + step);
  const tag = cpu.mem.read16(addr + 2 * step);
  const fip = size16 ? cpu.mem.read16(addr + 6) : cpu.mem.read32(addr + 12) >>> 0;
  const fdp = size16 ? cpu.mem.read16(addr + 10) : cpu.mem.read32(addr + 20) >>> 0;
  const fop = size16 ? 0 : (cpu.mem.read32(addr + 16) >>> 16) & 0x7ff;
  f.control = f.loadControl(control);
  f.status = status;
  f.tagWord = tag;
  f.fip = fip;
  f.fdp = fdp;
  f.setFop(fop);
}

/** FNSTENV: stores the environment, then masks all exceptions. */
export function fnstenv(cpu: Cpu, i: Insn): void {
  const f = beginNoWait(cpu);
  storeEnv(cpu, f, cpu.ea(i), i.opsize === 2);
  f.control |= 0x3f;
}

export function fldenv(cpu: Cpu, i: Insn): void {
  const f = beginWaitingControl(cpu);
  loadEnv(cpu, f, cpu.ea(i), i.opsize === 2);
}

/** FNSAVE: environment, then ST(0)..ST(7) in stack order, then FNINIT. */
export function fnsave(cpu: Cpu, i: Insn): void {
  const f = beginNoWait(cpu);
  const addr = cpu.ea(i);
  const size16 = i.opsize === 2;
  const regs = addr + (size16 ? 14 : 28);
  cpu.mem.checkWrite(addr, (size16 ? 14 : 28) + 80);
  storeEnv(cpu, f, addr, size16);
  for (let k = 0; k < 8; k++) writeF80(cpu, regs + 10 * k, f.get(k));
  f.init();
}

export function frstor(cpu: Cpu, i: Insn): void {
  const f = beginWaitingControl(cpu);
  const addr = cpu.ea(i);
  const size16 = i.opsize === 2;
  const regs = addr + (size16 ? 14 : 28);
  const values: F80[] = [];
  for (let k = 0; k < 8; k++) values.push(readF80(cpu, regs + 10 * k));
  loadEnv(cpu, f, addr, size16);
  const valid = f.valid;
  for (let k = 0; k < 8; k++) f.set(k, values[k]);
  f.valid = valid;
}

/**
 * FXSAVE / FXSAVE64 (REX.W): the 512-byte image of src/cpu/x87/fxsave.ts. 16-byte
 * alignment or #GP(0). Not a waiting instruction.
 */
export function fxsave(cpu: Cpu, i: Insn): void {
  beginNoWait(cpu);
  const addr = cpu.ea(i);
  if (addr % 16 !== 0) cpu.raise(VEC_GP, 0, 'FXSAVE operand not 16-byte aligned');
  writeFxImage(cpu, FX_SCRATCH, i.opsize === 8);
  cpu.mem.checkWrite(addr, FXSAVE_WRITTEN);
  for (let k = 0; k < FXSAVE_WRITTEN; k += 4) cpu.mem.write32(addr + k, FX_WORDS[k >> 2]);
}

/** FXRSTOR / FXRSTOR64: #GP(0) when misaligned or when MXCSR has reserved bits set. */
export function fxrstor(cpu: Cpu, i: Insn): void {
  beginNoWait(cpu);
  const addr = cpu.ea(i);
  if (addr % 16 !== 0) cpu.raise(VEC_GP, 0, 'FXRSTOR operand not 16-byte aligned');
  for (let k = 0; k < FXSAVE_WRITTEN; k += 4) FX_WORDS[k >> 2] = cpu.mem.read32(addr + k);
  if (!readFxImage(cpu, FX_SCRATCH, i.opsize === 8)) cpu.raise(VEC_GP, 0, 'FXRSTOR with reserved MXCSR bits set');
}

const FX_WORDS = new Int32Array(FXSAVE_SIZE / 4);
const FX_SCRATCH = new Uint8Array(FX_WORDS.buffer);
