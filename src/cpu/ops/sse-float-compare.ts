import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import {
  A, B, begin, end, env, IE, inputD, inputS, isSnanD, isSnanS, loadReg, loadW, memDouble, memSingle, normalOrZeroD,
  normalOrZeroS, R, SD, SF, SI, storeReg, viewsOf,
} from './sse-float-core.js';

/**
 * CMPPS/CMPPD/CMPSS/CMPSD with the eight legacy predicates, and COMISS/COMISD/UCOMISS/
 * UCOMISD (SDM Vol. 2A, CMPPS Table 3-1; COMISS). Compares raise IE for an SNaN, and
 * for any NaN when the predicate signals (LT, LE, NLT, NLE; COMIS*); DE for a denormal
 * operand of an ordered comparison. Legacy SSE encodings use imm8[2:0] only.
 */

const CMP_EQ = 0;
const CMP_LT = 1;
const CMP_LE = 2;
const CMP_UNORD = 3;
const CMP_NEQ = 4;
const CMP_NLT = 5;
const CMP_NLE = 6;

/** Which of the eight predicates signal on a QNaN. */
const SIGNALLING = (1 << CMP_LT) | (1 << CMP_LE) | (1 << CMP_NLT) | (1 << CMP_NLE);

/** Relation of the last compare: -1 less, 0 equal, 1 greater, 2 unordered. */
function relationS(x: number, y: number, signalling: boolean): number {
  const a = SF[x];
  const b = SF[y];
  if (a !== a || b !== b) {
    if (signalling || isSnanS(x) || isSnanS(y)) env.pre |= IE;
    return 2;
  }
  const ia = inputS(a);
  const ib = inputS(b);
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

function relationD(x: number, y: number, signalling: boolean): number {
  const a = SD[x];
  const b = SD[y];
  if (a !== a || b !== b) {
    if (signalling || isSnanD(x) || isSnanD(y)) env.pre |= IE;
    return 2;
  }
  const ia = inputD(a);
  const ib = inputD(b);
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

function holds(predicate: number, rel: number): boolean {
  switch (predicate) {
    case CMP_EQ: return rel === 0;
    case CMP_LT: return rel === -1;
    case CMP_LE: return rel === -1 || rel === 0;
    case CMP_UNORD: return rel === 2;
    case CMP_NEQ: return rel !== 0;
    case CMP_NLT: return rel !== -1;
    case CMP_NLE: return rel === 1 || rel === 2;
    default: return rel !== 2; // ORD
  }
}

function cmpLaneS(predicate: number, x: number, y: number, r: number): void {
  SI[r] = holds(predicate, relationS(x, y, ((SIGNALLING >> predicate) & 1) !== 0)) ? -1 : 0;
}

function cmpLaneD(predicate: number, x: number, y: number, r: number): void {
  const m = holds(predicate, relationD(x, y, ((SIGNALLING >> predicate) & 1) !== 0)) ? -1 : 0;
  SI[2 * r] = m;
  SI[2 * r + 1] = m;
}

/** CMPPS xmm1, xmm2/m128, imm8 (NP 0F C2). */
export function cmpps(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  begin(cpu);
  const p = i.imm & 7;
  for (let k = 0; k < 4; k++) cmpLaneS(p, A + k, B + k, R + k);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** CMPPD (66 0F C2). */
export function cmppd(cpu: Cpu, i: Insn): void {
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 16);
  begin(cpu);
  const p = i.imm & 7;
  cmpLaneD(p, A / 2, B / 2, R / 2);
  cmpLaneD(p, A / 2 + 1, B / 2 + 1, R / 2 + 1);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 4);
}

/** CMPSS (F3 0F C2): the low lane. Zeros and normal numbers raise nothing. */
export function cmpss(cpu: Cpu, i: Insn): void {
  const x = viewsOf(cpu).f;
  const a = x[i.reg * 4];
  const b = i.rm >= 0 ? x[i.rm * 4] : memSingle(cpu, i);
  if (normalOrZeroS(a) && normalOrZeroS(b)) {
    cpu.xmm[i.reg * 4] = holds(i.imm & 7, a < b ? -1 : a > b ? 1 : 0) ? -1 : 0;
    return;
  }
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 4);
  begin(cpu);
  cmpLaneS(i.imm & 7, A, B, R);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 1);
}

/** CMPSD (F2 0F C2). */
export function cmpsd(cpu: Cpu, i: Insn): void {
  const x = viewsOf(cpu).d;
  const a = x[i.reg * 2];
  const b = i.rm >= 0 ? x[i.rm * 2] : memDouble(cpu, i);
  if (normalOrZeroD(a) && normalOrZeroD(b)) {
    const m = holds(i.imm & 7, a < b ? -1 : a > b ? 1 : 0) ? -1 : 0;
    cpu.xmm[i.reg * 4] = m;
    cpu.xmm[i.reg * 4 + 1] = m;
    return;
  }
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, 8);
  begin(cpu);
  cmpLaneD(i.imm & 7, A / 2, B / 2, R / 2);
  end(cpu);
  storeReg(cpu, i.reg, 0, R, 2);
}

/** ZF, PF, CF for each relation (less, equal, greater, unordered); OF, SF, AF cleared. */
const ZF_PF_CF = [0x01, 0x40, 0x00, 0x45];
const STATUS = 0x8d5;

/**
 * COMISS/UCOMISS (NP 0F 2F / 2E) and COMISD/UCOMISD (66 0F 2F / 2E): sub = element
 * bytes (4 or 8) | 1 for the signalling COMIS*. EFLAGS change only without #XM.
 */
export function comis(cpu: Cpu, i: Insn): void {
  const double = (i.sub & 8) !== 0;
  const signalling = (i.sub & 1) !== 0;
  // Zeros and normal numbers: no exception is possible.
  const x = viewsOf(cpu);
  if (double) {
    const a = x.d[i.reg * 2];
    const b = i.rm >= 0 ? x.d[i.rm * 2] : memDouble(cpu, i);
    if (normalOrZeroD(a) && normalOrZeroD(b)) {
      cpu.setStatusFlags(STATUS, a < b ? 0x01 : a > b ? 0 : 0x40);
      return;
    }
  } else {
    const a = x.f[i.reg * 4];
    const b = i.rm >= 0 ? x.f[i.rm * 4] : memSingle(cpu, i);
    if (normalOrZeroS(a) && normalOrZeroS(b)) {
      cpu.setStatusFlags(STATUS, a < b ? 0x01 : a > b ? 0 : 0x40);
      return;
    }
  }
  loadReg(cpu, i.reg, A);
  loadW(cpu, i, B, double ? 8 : 4);
  begin(cpu);
  const rel = double ? relationD(A / 2, B / 2, signalling) : relationS(A, B, signalling);
  end(cpu);
  cpu.setStatusFlags(STATUS, ZF_PF_CF[rel + 1]);
}
