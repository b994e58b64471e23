import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { loadSrc, res, resBytes, resWords, satS16, src, srcBytes, srcWords, storeRes, sx16, sx8 } from './sse-int.js';

/**
 * SSSE3 on XMM registers (SDM Vol. 2, per instruction): the operations that move lanes
 * across the register or combine neighbours. PABS*, PSIGN* and PMULHRSW are lane-wise
 * and live with the other lane operations in sse-int.ts.
 */

/** 66 0F 38 00: PSHUFB — each byte selects a destination byte by its low 4 bits, or zero when bit 7 is set. */
export function pshufb(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const x = cpu.xmmBytes;
  const d = i.reg * 16;
  for (let k = 0; k < 16; k++) {
    const sel = srcBytes[k];
    resBytes[k] = sel & 0x80 ? 0 : x[d + (sel & 15)];
  }
  storeRes(cpu, i.reg);
}

/** 66 0F 3A 0F: PALIGNR — the 32-byte concatenation destination:source shifted right by Ib bytes, low 16 kept. */
export function palignr(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const x = cpu.xmmBytes;
  const d = i.reg * 16;
  const n = i.imm & 0xff;
  for (let k = 0; k < 16; k++) {
    const at = k + n;
    resBytes[k] = at < 16 ? srcBytes[at] : at < 32 ? x[d + at - 16] : 0;
  }
  storeRes(cpu, i.reg);
}

/**
 * Horizontal add/subtract of adjacent pairs: the destination's pairs give the low half of
 * the result, the source's the high half. sub: 0 PHADDW, 1 PHADDD, 2 PHADDSW, 3 PHSUBW,
 * 4 PHSUBD, 5 PHSUBSW.
 */
export function phaddsub(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const op = i.sub;
  const subtract = op >= 3;
  const kind = subtract ? op - 3 : op;
  if (kind === 1) {
    const x = cpu.xmm;
    const d = i.reg * 4;
    const d0 = x[d];
    const d1 = x[d + 1];
    const d2 = x[d + 2];
    const d3 = x[d + 3];
    if (subtract) {
      res[0] = d0 - d1;
      res[1] = d2 - d3;
      res[2] = src[0] - src[1];
      res[3] = src[2] - src[3];
    } else {
      res[0] = d0 + d1;
      res[1] = d2 + d3;
      res[2] = src[0] + src[1];
      res[3] = src[2] + src[3];
    }
  } else {
    const w = cpu.xmmWords;
    const d = i.reg * 8;
    const saturate = kind === 2;
    for (let k = 0; k < 4; k++) {
      const a = sx16(w[d + 2 * k]);
      const b = sx16(w[d + 2 * k + 1]);
      const c = sx16(srcWords[2 * k]);
      const e = sx16(srcWords[2 * k + 1]);
      let lo = subtract ? a - b : a + b;
      let hi = subtract ? c - e : c + e;
      if (saturate) {
        lo = satS16(lo);
        hi = satS16(hi);
      }
      resWords[k] = lo;
      resWords[k + 4] = hi;
    }
  }
  storeRes(cpu, i.reg);
}

/**
 * 66 0F 38 04: PMADDUBSW — unsigned destination bytes times signed source bytes, adjacent
 * products summed into signed-saturated words.
 */
export function pmaddubsw(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, true);
  const x = cpu.xmmBytes;
  const d = i.reg * 16;
  for (let k = 0; k < 8; k++) {
    const p = x[d + 2 * k] * sx8(srcBytes[2 * k]) + x[d + 2 * k + 1] * sx8(srcBytes[2 * k + 1]);
    resWords[k] = satS16(p);
  }
  storeRes(cpu, i.reg);
}
