import type { Cpu } from '../cpu.js';
import { CF, OF, SF, ZF } from '../flags.js';
import type { Insn } from '../insn.js';
import { setAllStatusFlags } from './sse-int-sse41.js';
import { loadSrc, srcBytes, srcWords } from './sse-int.js';

/**
 * The SSE4.2 packed string compares PCMPESTRI, PCMPESTRM, PCMPISTRI, PCMPISTRM
 * (66 0F 3A 60-63), after SDM Vol. 2B §4.1 "Imm8 Control Byte Operation for PCMPESTRI /
 * PCMPESTRM / PCMPISTRI / PCMPISTRM":
 *
 *   imm8[1:0]  source format: unsigned bytes, unsigned words, signed bytes, signed words
 *   imm8[3:2]  aggregation: equal any, ranges, equal each, equal ordered
 *   imm8[5:4]  polarity: positive, negative, masked positive, masked negative
 *   imm8[6]    index (…STRI): least / most significant set bit;
 *              mask (…STRM): bit mask in XMM0 / expanded to byte or word elements
 *
 * Operand 1 (the XMM register: a character set, ranges, or the needle) is A; operand 2
 * (XMM or m128, never alignment-checked) is B. The explicit-length forms take the lengths
 * from rAX (A) and rDX (B): the absolute value, saturated to the element count; the
 * implicit-length forms stop at the first zero element. The comparison result IntRes1
 * gets its polarity applied to become IntRes2, and then
 *   CF = IntRes2 ≠ 0, ZF = B shorter than the register, SF = A shorter, OF = IntRes2[0],
 *   AF = PF = 0;
 *   …STRI writes the index (or the element count when IntRes2 is 0) to ECX;
 *   …STRM writes the mask to XMM0.
 *
 * sub: bit 0 = mask output (…STRM), bit 1 = explicit lengths (PCMPESTRx).
 */
const a = new Int32Array(16);
const b = new Int32Array(16);

/** Absolute value of rAX/rDX (64-bit with REX.W), saturated to `n`. */
function explicitLength(cpu: Cpu, reg: number, wide: boolean, n: number): number {
  const lo = cpu.lo[reg];
  if (wide) {
    const hi = cpu.hi[reg];
    // Only values within ±2^31 can be below n once made absolute.
    if (hi === 0) return lo < 0 || lo > n ? n : lo;
    if (hi === -1 && lo < 0) return lo < -n ? n : -lo;
    return n;
  }
  return lo > n || lo < -n ? n : lo < 0 ? -lo : lo;
}

function implicitLength(e: Int32Array, n: number): number {
  for (let k = 0; k < n; k++) if (e[k] === 0) return k;
  return n;
}

export function pcmpstr(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i, false);
  const imm = i.imm & 0xff;
  const words = (imm & 1) !== 0;
  const signed = (imm & 2) !== 0;
  const n = words ? 8 : 16;
  const x = i.reg * 16;
  if (words) {
    const w = cpu.xmmWords;
    for (let k = 0; k < 8; k++) {
      a[k] = signed ? (w[x / 2 + k] << 16) >> 16 : w[x / 2 + k];
      b[k] = signed ? (srcWords[k] << 16) >> 16 : srcWords[k];
    }
  } else {
    const by = cpu.xmmBytes;
    for (let k = 0; k < 16; k++) {
      a[k] = signed ? (by[x + k] << 24) >> 24 : by[x + k];
      b[k] = signed ? (srcBytes[k] << 24) >> 24 : srcBytes[k];
    }
  }
  let la: number;
  let lb: number;
  if (i.sub & 2) {
    la = explicitLength(cpu, 0, i.opsize === 8, n);
    lb = explicitLength(cpu, 2, i.opsize === 8, n);
  } else {
    la = implicitLength(a, n);
    lb = implicitLength(b, n);
  }

  // IntRes1, bit j for element j of B (SDM Vol. 2B §4.1.4, with the overrides of
  // Table 4-7 for elements past either length).
  let r = 0;
  switch ((imm >> 2) & 3) {
    case 0: // equal any: B[j] is one of A[0..la)
      for (let j = 0; j < lb; j++) {
        const v = b[j];
        for (let k = 0; k < la; k++) {
          if (a[k] === v) {
            r |= 1 << j;
            break;
          }
        }
      }
      break;
    case 1: // ranges: A[k] <= B[j] <= A[k+1] for some even k with both bounds valid
      for (let j = 0; j < lb; j++) {
        const v = b[j];
        for (let k = 0; k + 1 < la; k += 2) {
          if (a[k] <= v && v <= a[k + 1]) {
            r |= 1 << j;
            break;
          }
        }
      }
      break;
    case 2: // equal each: A[j] = B[j]; two invalid elements compare equal
      for (let j = 0; j < n; j++) {
        const va = j < la;
        const vb = j < lb;
        if (va && vb ? a[j] === b[j] : !va && !vb) r |= 1 << j;
      }
      break;
    default: // equal ordered: A (the needle) occurs in B at j; an invalid needle element matches anything
      for (let j = 0; j < n; j++) {
        let match = true;
        for (let k = 0; k < n - j && k < la; k++) {
          if (j + k >= lb || a[k] !== b[j + k]) {
            match = false;
            break;
          }
        }
        if (match) r |= 1 << j;
      }
  }

  // Polarity: negate all elements, or only those of B within its length.
  const polarity = (imm >> 4) & 3;
  if (polarity === 1) r ^= (1 << n) - 1;
  else if (polarity === 3) r ^= (1 << lb) - 1;

  setAllStatusFlags(cpu, (r !== 0 ? CF : 0) | (lb < n ? ZF : 0) | (la < n ? SF : 0) | (r & 1 ? OF : 0));

  if ((i.sub & 1) === 0) {
    // Index: least or most significant set bit, the element count when there is none.
    const index = r === 0 ? n : imm & 0x40 ? 31 - Math.clz32(r) : 31 - Math.clz32(r & -r);
    cpu.setReg32(1, index);
    return;
  }
  const xm = cpu.xmm;
  if ((imm & 0x40) === 0) {
    xm[0] = r;
    xm[1] = 0;
    xm[2] = 0;
    xm[3] = 0;
  } else if (words) {
    const w = cpu.xmmWords;
    for (let k = 0; k < 8; k++) w[k] = (r >> k) & 1 ? 0xffff : 0;
  } else {
    const by = cpu.xmmBytes;
    for (let k = 0; k < 16; k++) by[k] = (r >> k) & 1 ? 0xff : 0;
  }
}
