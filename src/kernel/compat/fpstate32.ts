import type { Cpu } from '../../cpu/cpu.js';
import { FXSAVE_SIZE, restoreFpstate, saveFpstate } from '../signals/fpstate.js';

/**
 * The FPU state of an ia32 signal frame (struct _fpstate_32, uapi/asm/sigcontext.h) on a
 * CPU with FXSR and without XSAVE: the 112-byte fsave-format header (struct fregs_state:
 * cw sw tag ipoff cssel dataoff datasel as u32, st[8] as 10-byte registers, then status
 * and magic as u16) followed by the FXSAVE image and its software bytes. Linux writes the
 * header with convert_from_fxsr (fpu/regset.c) and, on sigreturn, takes the x87 state
 * from the header and only MXCSR and the XMM registers from the FXSAVE part
 * (__fpu_restore_sig, convert_to_fxsr).
 */
export const FSAVE_HEADER_SIZE = 112;
export const FPSTATE32_SIZE = FSAVE_HEADER_SIZE + FXSAVE_SIZE;
/** _fpstate_32.magic: 0x0000 = FXSR data follows (X86_FXSR_MAGIC); 0xffff = fsave only. */
const X86_FXSR_MAGIC = 0;
const H_ST0 = 28;
const H_STATUS = 108;
const H_MAGIC = 110;
/** FXSAVE offsets (SDM Vol. 2A, FXSAVE, Table 3-56). */
const FX_FCW = 0;
const FX_FSW = 2;
const FX_FTW = 4;
const FX_FOP = 6;
const FX_FIP = 8;
const FX_FDP = 16;
const FX_ST0 = 32;
/** Tag values of the full tag word. */
const TAG_VALID = 0;
const TAG_ZERO = 1;
const TAG_SPECIAL = 2;
const TAG_EMPTY = 3;

/** twd_fxsr_to_i387: the full tag word from FXSAVE's abridged one and the registers' classes. */
function twdFxsrToI387(fx: DataView): number {
  const tos = (fx.getUint16(FX_FSW, true) >> 11) & 7;
  const abridged = fx.getUint8(FX_FTW);
  let twd = 0;
  for (let i = 0; i < 8; i++) {
    let tag = TAG_EMPTY;
    if (abridged & (1 << i)) {
      const st = FX_ST0 + 16 * ((i - tos) & 7); // physical register i is ST((i - TOP) & 7)
      const exponent = fx.getUint16(st + 8, true) & 0x7fff;
      const significand = [0, 2, 4, 6].map((o) => fx.getUint16(st + o, true));
      if (exponent === 0x7fff) tag = TAG_SPECIAL;
      else if (exponent === 0) tag = significand.every((w) => w === 0) ? TAG_ZERO : TAG_SPECIAL;
      else tag = significand[3] & 0x8000 ? TAG_VALID : TAG_SPECIAL;
    }
    twd |= tag << (2 * i);
  }
  return (twd | 0xffff0000) >>> 0;
}

/** twd_i387_to_fxsr: each pair of tag bits to one bit, 1 unless empty. */
function twdI387ToFxsr(twd: number): number {
  let tmp = ~twd;
  tmp = (tmp | (tmp >> 1)) & 0x5555;
  tmp = (tmp | (tmp >> 1)) & 0x3333;
  tmp = (tmp | (tmp >> 2)) & 0x0f0f;
  return (tmp | (tmp >> 4)) & 0x00ff;
}

/**
 * The frame's image of the current state. fcs is the interrupted CS and fos the DS
 * selector with the upper half set, as convert_from_fxsr fills them on x86-64 (the
 * selectors at the exception are not known in 64-bit mode).
 */
export function saveFpstate32(cpu: Cpu, cs: number, ds: number): Uint8Array {
  const fx = saveFpstate(cpu, FSAVE_HEADER_SIZE);
  const x = new DataView(fx.buffer);
  const out = new Uint8Array(FPSTATE32_SIZE);
  out.set(fx, FSAVE_HEADER_SIZE);
  const h = new DataView(out.buffer);
  const words = [
    x.getUint16(FX_FCW, true) | 0xffff0000,
    x.getUint16(FX_FSW, true) | 0xffff0000,
    twdFxsrToI387(x),
    x.getUint32(FX_FIP, true),
    cs,
    x.getUint32(FX_FDP, true),
    ds | 0xffff0000,
  ];
  words.forEach((w, n) => h.setUint32(4 * n, w >>> 0, true));
  for (let k = 0; k < 8; k++) out.set(fx.subarray(FX_ST0 + 16 * k, FX_ST0 + 16 * k + 10), H_ST0 + 10 * k);
  h.setUint16(H_STATUS, x.getUint16(FX_FSW, true), true);
  h.setUint16(H_MAGIC, X86_FXSR_MAGIC, true);
  return out;
}

/**
 * sigreturn's FPU restore of an ia32 frame: the FXSAVE part with the header's x87 state
 * folded in (convert_to_fxsr: cw, sw, tags, fop from cssel's upper half, fip and fdp
 * zero-extended, the registers), then FXRSTOR. False (a bad frame) when MXCSR has
 * reserved bits, which x86-64 Linux rejects.
 */
export function restoreFpstate32(cpu: Cpu, image: Uint8Array): boolean {
  const h = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const fx = image.slice(FSAVE_HEADER_SIZE, FPSTATE32_SIZE);
  const x = new DataView(fx.buffer);
  x.setUint16(FX_FCW, h.getUint32(0, true) & 0xffff, true);
  x.setUint16(FX_FSW, h.getUint32(4, true) & 0xffff, true);
  x.setUint16(FX_FTW, twdI387ToFxsr(h.getUint32(8, true) & 0xffff), true);
  x.setUint16(FX_FOP, h.getUint32(16, true) >>> 16, true);
  x.setBigUint64(FX_FIP, BigInt(h.getUint32(12, true)), true);
  x.setBigUint64(FX_FDP, BigInt(h.getUint32(20, true)), true);
  for (let k = 0; k < 8; k++) fx.set(image.subarray(H_ST0 + 10 * k, H_ST0 + 10 * k + 10), FX_ST0 + 16 * k);
  return restoreFpstate(cpu, fx);
}
