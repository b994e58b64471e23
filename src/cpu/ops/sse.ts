import type { Cpu } from '../cpu.js';
import { VEC_GP } from '../cpu-exception.js';
import type { Insn } from '../insn.js';

/**
 * SSE/SSE2 data movement and bitwise logic (SDM Vol. 1 ch. 10-11; Vol. 2 per
 * instruction); the packed-integer operations are in sse-int*.ts. XMM n occupies
 * cpu.xmm[4·n .. 4·n+3], lane 0 = bits 31:0.
 *
 * The W (XMM-or-memory) source is first copied into a scratch register so each
 * operation is written once for both forms.
 */
const scratch = new Int32Array(4);

/** Loads the 128-bit W operand into `scratch`; `aligned` demands 16-byte alignment, `waivable` by AMD's MXCSR.MM (Cpu.ea16). */
function loadW(cpu: Cpu, i: Insn, aligned: boolean, waivable = true): void {
  if (i.rm >= 0) {
    const b = i.rm * 4;
    scratch[0] = cpu.xmm[b];
    scratch[1] = cpu.xmm[b + 1];
    scratch[2] = cpu.xmm[b + 2];
    scratch[3] = cpu.xmm[b + 3];
    return;
  }
  cpu.mem.read128(aligned ? cpu.ea16(i, waivable) : cpu.ea(i), scratch, 0);
}

/** Stores XMM `reg` at `addr` as one 16-byte access (MOVDQA/MOVUPS... stores, MOVNTPD). */
export function store128(cpu: Cpu, addr: number, reg: number): void {
  // Both halves are checked before either is stored (the access is one operation); a
  // fault names the lowest byte that cannot be written, as the host reports it.
  cpu.mem.write128(addr, cpu.xmm, reg * 4);
}

/** MOVDQA/MOVDQU/MOVAPS/MOVUPS/MOVAPD/MOVUPD V,W (sub 1 = aligned). */
export function movVW(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, i.sub === 1, false);
  cpu.xmm.set(scratch, i.reg * 4);
}

/** The store direction W,V, also MOVNTDQ/MOVNTPS (non-temporal hints ignored). */
export function movWV(cpu: Cpu, i: Insn): void {
  if (i.rm >= 0) {
    cpu.xmm.copyWithin(i.rm * 4, i.reg * 4, i.reg * 4 + 4);
    return;
  }
  const addr = i.sub === 1 ? cpu.ea16(i, false) : cpu.ea(i);
  store128(cpu, addr, i.reg);
}

/** 66 0F 6E: MOVD/MOVQ xmm, r/m32/64 — zero-extends into the register. */
export function movdToXmm(cpu: Cpu, i: Insn): void {
  const v = cpu.readE(i);
  const hi = i.opsize === 8 ? cpu.resHi : 0;
  const b = i.reg * 4;
  cpu.xmm[b] = v;
  cpu.xmm[b + 1] = hi;
  cpu.xmm[b + 2] = 0;
  cpu.xmm[b + 3] = 0;
}

/** 66 0F 7E: MOVD/MOVQ r/m32/64, xmm. */
export function movdFromXmm(cpu: Cpu, i: Insn): void {
  const b = i.reg * 4;
  cpu.writeE(i, cpu.xmm[b], cpu.xmm[b + 1]);
}

/** F3 0F 7E: MOVQ xmm, xmm/m64 — low quadword, upper cleared. */
export function movqLoad(cpu: Cpu, i: Insn): void {
  let lo: number;
  let hi: number;
  if (i.rm >= 0) {
    lo = cpu.xmm[i.rm * 4];
    hi = cpu.xmm[i.rm * 4 + 1];
  } else {
    lo = cpu.mem.read64(cpu.ea(i));
    hi = cpu.mem.hi;
  }
  const b = i.reg * 4;
  cpu.xmm[b] = lo;
  cpu.xmm[b + 1] = hi;
  cpu.xmm[b + 2] = 0;
  cpu.xmm[b + 3] = 0;
}

/** 66 0F D6: MOVQ xmm/m64, xmm. */
export function movqStore(cpu: Cpu, i: Insn): void {
  const s = i.reg * 4;
  if (i.rm >= 0) {
    const b = i.rm * 4;
    cpu.xmm[b] = cpu.xmm[s];
    cpu.xmm[b + 1] = cpu.xmm[s + 1];
    cpu.xmm[b + 2] = 0;
    cpu.xmm[b + 3] = 0;
  } else cpu.mem.write64(cpu.ea(i), cpu.xmm[s], cpu.xmm[s + 1]);
}

/**
 * MOVSD/MOVSS (F2/F3 0F 10 and 11; sub = element bytes 8 or 4): register to register
 * moves only the low element; a load from memory zeroes the rest; a store writes the
 * low element.
 */
export function movScalarLoad(cpu: Cpu, i: Insn): void {
  const b = i.reg * 4;
  const n = i.sub / 4;
  if (i.rm >= 0) {
    for (let k = 0; k < n; k++) cpu.xmm[b + k] = cpu.xmm[i.rm * 4 + k];
    return;
  }
  const addr = cpu.ea(i);
  const lo = n === 2 ? cpu.mem.read64(addr) : cpu.mem.read32(addr);
  const hi = n === 2 ? cpu.mem.hi : 0;
  cpu.xmm[b] = lo;
  cpu.xmm[b + 1] = hi;
  cpu.xmm[b + 2] = 0;
  cpu.xmm[b + 3] = 0;
}

export function movScalarStore(cpu: Cpu, i: Insn): void {
  const s = i.reg * 4;
  const n = i.sub / 4;
  if (i.rm >= 0) {
    for (let k = 0; k < n; k++) cpu.xmm[i.rm * 4 + k] = cpu.xmm[s + k];
    return;
  }
  const addr = cpu.ea(i);
  if (n === 2) cpu.mem.write64(addr, cpu.xmm[s], cpu.xmm[s + 1]);
  else cpu.mem.write32(addr, cpu.xmm[s]);
}

/**
 * MOVLPS/MOVLPD/MOVHPS/MOVHPD (0F 12/13/16/17): one quadword between memory and the
 * low (sub 0) or high (sub 1) half. The register forms of 0F 12/16 are MOVHLPS/MOVLHPS.
 */
export function movHalfLoad(cpu: Cpu, i: Insn): void {
  const d = i.reg * 4 + i.sub * 2;
  if (i.rm >= 0) {
    // MOVHLPS (sub 0): low ← source high; MOVLHPS (sub 1): high ← source low.
    const s = i.rm * 4 + (i.sub === 0 ? 2 : 0);
    cpu.xmm[d] = cpu.xmm[s];
    cpu.xmm[d + 1] = cpu.xmm[s + 1];
    return;
  }
  const addr = cpu.ea(i);
  cpu.xmm[d] = cpu.mem.read64(addr);
  cpu.xmm[d + 1] = cpu.mem.hi;
}

export function movHalfStore(cpu: Cpu, i: Insn): void {
  const s = i.reg * 4 + i.sub * 2;
  cpu.mem.write64(cpu.ea(i), cpu.xmm[s], cpu.xmm[s + 1]);
}

/** Bitwise PAND/PANDN/POR/PXOR and the PS/PD twins (sub: 0 and, 1 andn, 2 or, 3 xor). */
export function logicVW(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, true);
  const x = cpu.xmm;
  const b = i.reg * 4;
  for (let k = 0; k < 4; k++) {
    const d = x[b + k];
    const s = scratch[k];
    x[b + k] = i.sub === 0 ? d & s : i.sub === 1 ? ~d & s : i.sub === 2 ? d | s : d ^ s;
  }
}

/** 0F 50 / 66 0F 50: MOVMSKPS / MOVMSKPD — sign bits of the lanes. */
export function movmsk(cpu: Cpu, i: Insn): void {
  const b = i.rm * 4;
  const x = cpu.xmm;
  const m = i.sub === 4 ? (x[b] >>> 31) | ((x[b + 1] >>> 31) << 1) | ((x[b + 2] >>> 31) << 2) | ((x[b + 3] >>> 31) << 3) : (x[b + 1] >>> 31) | ((x[b + 3] >>> 31) << 1);
  cpu.setReg32(i.reg, m);
}

/** 0F AE /3 STMXCSR and /2 LDMXCSR (bits outside the model's MXCSR_MASK set → #GP). */
export function mxcsrOp(cpu: Cpu, i: Insn): void {
  const addr = cpu.ea(i);
  if (i.sub === 3) {
    cpu.mem.write32(addr, cpu.mxcsr);
    return;
  }
  const v = cpu.mem.read32(addr);
  if (v & ~cpu.model.mxcsrMask) cpu.raise(VEC_GP, 0, 'ldmxcsr with reserved bits set');
  cpu.mxcsr = v;
}

