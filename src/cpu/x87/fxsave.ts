import type { Cpu } from '../cpu.js';

/**
 * The FXSAVE image (SDM Vol. 2A, FXSAVE, Tables 3-53 and 3-56): x87 state, MXCSR and the
 * XMM registers in 512 bytes. One definition for FXSAVE/FXRSTOR and for the kernel,
 * whose signal frames carry the same layout (Linux's struct _fpstate).
 *
 *   0  FCW            2  FSW           4  abridged FTW (bit i: R(i) not empty)
 *   6  FOP            8  FIP (64 bits with REX.W; else 32 bits and FCS)
 *  16  FDP (64 bits with REX.W; else 32 bits and FDS)
 *  24  MXCSR         28  MXCSR_MASK (the model's: CpuModel.mxcsrMask)
 *  32  ST(0)..ST(7), 16 bytes each (10 used, the rest written as zero)
 * 160  XMM0..XMM15
 * 416  reserved and 464 available: neither written nor read (host: left as they were)
 */
export const FXSAVE_SIZE = 512;
/** The bytes FXSAVE writes. */
export const FXSAVE_WRITTEN = 416;

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  put16(b, at, v & 0xffff);
  put16(b, at + 2, (v >>> 16) & 0xffff);
}

function get16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}

function get32(b: Uint8Array, at: number): number {
  return (get16(b, at) | (get16(b, at + 2) << 16)) | 0;
}

/** Fills out[0..FXSAVE_WRITTEN) with the state; `wide` is the REX.W (FXSAVE64) form. */
export function writeFxImage(cpu: Cpu, out: Uint8Array, wide: boolean): void {
  const f = cpu.fpu;
  out.fill(0, 0, FXSAVE_WRITTEN);
  put16(out, 0, f.control);
  put16(out, 2, f.status);
  out[4] = f.abridgedTag;
  put16(out, 6, f.fop);
  const fipHi = Math.floor(f.fip / 4294967296);
  const fdpHi = Math.floor(f.fdp / 4294967296);
  put32(out, 8, f.fip | 0);
  put32(out, 16, f.fdp | 0);
  if (wide) {
    put32(out, 12, fipHi);
    put32(out, 20, fdpHi);
  }
  put32(out, 24, cpu.mxcsr);
  put32(out, 28, cpu.model.mxcsrMask);
  for (let k = 0; k < 8; k++) {
    const p = f.phys(k);
    const at = 32 + 16 * k;
    put32(out, at, f.sigLo[p]);
    put32(out, at + 4, f.sigHi[p]);
    put16(out, at + 8, f.se[p]);
  }
  for (let k = 0; k < 64; k++) put32(out, 160 + 4 * k, cpu.xmm[k]);
}

/**
 * Loads the state from an image; false (and nothing changed) when MXCSR has reserved
 * bits set, which is #GP(0) for FXRSTOR. The control word keeps the bits the hardware
 * keeps (see Fpu.loadControl); the status word and tags are taken as they are.
 */
export function readFxImage(cpu: Cpu, image: Uint8Array, wide: boolean): boolean {
  const mxcsr = get32(image, 24);
  if (mxcsr & ~cpu.model.mxcsrMask) return false;
  const f = cpu.fpu;
  f.control = f.loadControl(get16(image, 0));
  f.status = get16(image, 2);
  f.setFop(get16(image, 6));
  const lo = (at: number): number => get32(image, at) >>> 0;
  f.fip = wide ? get32(image, 12) * 4294967296 + lo(8) : lo(8);
  f.fdp = wide ? get32(image, 20) * 4294967296 + lo(16) : lo(16);
  // ST(i) is relative to the TOP just loaded with the status word.
  for (let k = 0; k < 8; k++) {
    const p = f.phys(k);
    const at = 32 + 16 * k;
    f.sigLo[p] = get32(image, at);
    f.sigHi[p] = get32(image, at + 4);
    f.se[p] = get16(image, at + 8);
  }
  f.valid = image[4];
  cpu.mxcsr = mxcsr;
  for (let k = 0; k < 64; k++) cpu.xmm[k] = get32(image, 160 + 4 * k);
  return true;
}
