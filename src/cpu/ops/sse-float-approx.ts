import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { B, loadW, R, SI, storeReg } from './sse-float-core.js';
import { RCP_HEX, RSQRT_EVEN_HEX, RSQRT_ODD_HEX } from './sse-float-approx-table.js';

/**
 * RCPPS/RCPSS and RSQRTPS/RSQRTSS (NP/F3 0F 53 and 52): table approximations with
 * |relative error| <= 1.5 * 2^-12 whose exact values are implementation-specific (SDM
 * Vol. 2B, RCPPS). The tables are the host CPU's, recorded by tools/sse-golden/
 * approx-table.c, which also checked the model below against all 2^32 inputs. They
 * ignore MXCSR (rounding, DAZ, FTZ: denormal inputs always count as zero, tiny results
 * are always flushed) and raise no SIMD floating-point exception.
 *
 * The recording CPU was an AMD Zen 4; Intel parts give different (equally valid)
 * approximations, so a guest that prints raw RCPPS results sees AMD's values even when
 * the emulated CPU is the Intel model.
 */

function decode(hex: string): Uint16Array {
  const out = new Uint16Array(hex.length / 3);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(hex.slice(3 * k, 3 * k + 3), 16);
  return out;
}

/** The tables, decoded at the first RCP/RSQRT: decoding them cost every start-up ~3 ms. */
let tables: { rcp: Uint16Array; rsqrtEven: Uint16Array; rsqrtOdd: Uint16Array } | null = null;

function approxTables(): NonNullable<typeof tables> {
  return (tables ??= { rcp: decode(RCP_HEX), rsqrtEven: decode(RSQRT_EVEN_HEX), rsqrtOdd: decode(RSQRT_ODD_HEX) });
}

/** RCP of the single with bits x (see approx-table.c for the model). */
export function rcpBits(x: number): number {
  const s = x & 0x80000000;
  const e = (x >>> 23) & 0xff;
  const m = x & 0x7fffff;
  if (e === 0) return s | 0x7f800000;
  if (e === 255) return m !== 0 ? x | 0x400000 : s;
  const re = 253 - e;
  if (re <= 0) return s;
  return s | (re << 23) | (approxTables().rcp[m >>> 11] << 11);
}

export function rsqrtBits(x: number): number {
  const s = x & 0x80000000;
  const e = (x >>> 23) & 0xff;
  const m = x & 0x7fffff;
  if (e === 255 && m !== 0) return x | 0x400000;
  if (e === 0) return s | 0x7f800000;
  if (s !== 0) return 0xffc00000 | 0;
  if (e === 255) return 0;
  const ue = e - 127;
  const odd = ue & 1;
  const re = 126 - (ue - odd) / 2;
  const t = approxTables();
  return (re << 23) | ((odd ? t.rsqrtOdd : t.rsqrtEven)[m >>> 11] << 11);
}

/** RCPPS (sub 0) / RSQRTPS (sub 1): four lanes, source m128 (aligned). */
export function approxPs(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 16);
  for (let k = 0; k < 4; k++) SI[R + k] = i.sub ? rsqrtBits(SI[B + k]) : rcpBits(SI[B + k]);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** RCPSS (sub 0) / RSQRTSS (sub 1): the low lane, source m32; the rest is kept. */
export function approxSs(cpu: Cpu, i: Insn): void {
  loadW(cpu, i, B, 4);
  SI[R] = i.sub ? rsqrtBits(SI[B]) : rcpBits(SI[B]);
  storeReg(cpu, i.reg, 0, R, 1);
}
