import type { Cpu } from '../cpu.js';
import { VEC_GP } from '../cpu-exception.js';
import type { Insn } from '../insn.js';
import { REP_E, REP_NE, REP_NONE } from '../insn.js';
import { RAX, RCX, RDI, RSI } from '../registers.js';
import { aluFlags, aluResult, CMP } from './alu.js';

const TWO_POW_32 = 4294967296;
const CANONICAL_LIMIT = 2 ** 47;
const PAGE = 4096;

/**
 * String instructions (SDM Vol. 2B, MOVS/STOS/LODS/CMPS/SCAS and REP prefixes).
 * One element per iteration, with RSI/RDI/RCX written back each time, so a fault in
 * the middle leaves the registers where the architecture says and the instruction
 * restarts from there. DF selects the direction; FS/GS overrides apply to the RSI side.
 * Insn.sub: 0 MOVS, 1 CMPS, 2 STOS, 3 LODS, 4 SCAS.
 */
export function stringOp(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const step = cpu.df ? -size : size;
  const repeat = i.rep !== REP_NONE;
  const op = i.sub;
  if (repeat && (op === 0 || op === 2) && i.addrsize === 8) {
    repeatInChunks(cpu, i, op === 0, step);
    return;
  }
  for (;;) {
    if (repeat && counterIsZero(cpu, i)) return;
    switch (op) {
      case 0: // MOVS
      case 2: // STOS
        moveElement(cpu, i, op === 0, size, step);
        break;
      case 3: { // LODS
        const v = cpu.readMem(pointer(cpu, i, RSI) + cpu.segBase[i.segment], size);
        cpu.setReg(RAX, size, v, cpu.resHi);
        advance(cpu, i, RSI, step);
        break;
      }
      default: { // CMPS (src - dst order: [RSI] - [RDI]) and SCAS (acc - [RDI])
        let a: number;
        let aHi: number;
        if (op === 1) {
          a = cpu.readMem(pointer(cpu, i, RSI) + cpu.segBase[i.segment], size);
          aHi = cpu.resHi;
        } else {
          a = cpu.getReg(RAX, size);
          aHi = cpu.resHi;
        }
        const b = cpu.readMem(pointer(cpu, i, RDI), size);
        const bHi = cpu.resHi;
        const r = aluResult(cpu, CMP, size, a, aHi, b, bHi, 0);
        aluFlags(cpu, CMP, size, a, aHi, b, bHi, r, cpu.resHi);
        if (op === 1) advance(cpu, i, RSI, step);
        advance(cpu, i, RDI, step);
        if (repeat) {
          decrementCounter(cpu, i);
          const zf = cpu.getZF();
          if ((i.rep === REP_E && zf === 0) || (i.rep === REP_NE && zf === 1)) return;
          continue;
        }
        return;
      }
    }
    if (!repeat) return;
    decrementCounter(cpu, i);
  }
}

/**
 * REP MOVS / REP STOS with 64-bit addresses (memcpy and memset in most libcs; musl's
 * memmove copies downward with DF set), a page at a time. Both pages of a chunk are
 * translated — and may fault — before any of its elements moves, the first element's
 * source first as the element loop reads it, and RCX/RSI/RDI are written back after each
 * chunk, so a fault leaves the registers where the element-by-element loop would (the
 * instruction then restarts from there, SDM Vol. 2B "REP/REPE/REPZ/REPNE/REPNZ"). An
 * element straddling a page, or a destination the copy would overwrite before reading
 * (where element order shows), goes one element at a time.
 */
function repeatInChunks(cpu: Cpu, i: Insn, movs: boolean, step: number): void {
  const size = i.opsize;
  const up = step > 0;
  const mem = cpu.mem;
  const bytes = mem.bytes;
  // Elements from `addr` on (upward) or down from it that fit in its page with it.
  const fit = (addr: number): number => {
    const offset = addr & (PAGE - 1);
    return up ? Math.floor((PAGE - offset) / size) : offset + size > PAGE ? 0 : Math.floor(offset / size) + 1;
  };
  while (!counterIsZero(cpu, i)) {
    const count = (cpu.hi[RCX] >>> 0) * TWO_POW_32 + (cpu.lo[RCX] >>> 0);
    const dst = pointer(cpu, i, RDI);
    let n = Math.min(count, fit(dst));
    let src = 0;
    if (movs) {
      src = pointer(cpu, i, RSI) + cpu.segBase[i.segment];
      n = Math.min(n, fit(src));
    }
    if (n === 0) {
      moveElement(cpu, i, movs, size, step);
      decrementCounter(cpu, i);
      continue;
    }
    const length = n * size;
    // The chunk's lowest bytes: the first element upward, the last one downward.
    const below = up ? 0 : length - size;
    const from = movs ? mem.physicalForRead(src) - below : 0;
    const to = mem.physicalForWrite(dst) - below;
    if (movs) {
      // Upward, a destination just above the source; downward, just below it: the loop
      // would read bytes it had already written.
      if (up ? to > from && to < from + length : from > to && from < to + length) {
        moveElement(cpu, i, movs, size, step);
        decrementCounter(cpu, i);
        continue;
      }
      bytes.copyWithin(to, from, from + length);
      advance(cpu, i, RSI, up ? length : -length);
    } else if (size === 1) {
      bytes.fill(cpu.lo[RAX] & 0xff, to, to + length);
    } else {
      const view = mem.view;
      const lo = cpu.lo[RAX];
      const hi = cpu.hi[RAX];
      for (let p = to; p < to + length; p += size) {
        if (size === 2) view.setUint16(p, lo & 0xffff, true);
        else {
          view.setInt32(p, lo, true);
          if (size === 8) view.setInt32(p + 4, hi, true);
        }
      }
    }
    advance(cpu, i, RDI, up ? length : -length);
    advance(cpu, i, RCX, -n);
  }
}

/** One MOVS or STOS element, RSI/RDI moved by `step` (the caller counts RCX). */
function moveElement(cpu: Cpu, i: Insn, movs: boolean, size: number, step: number): void {
  if (movs) {
    const v = cpu.readMem(pointer(cpu, i, RSI) + cpu.segBase[i.segment], size);
    cpu.writeMem(pointer(cpu, i, RDI), size, v, cpu.resHi);
    advance(cpu, i, RSI, step);
  } else cpu.writeMem(pointer(cpu, i, RDI), size, cpu.lo[RAX], cpu.hi[RAX]);
  advance(cpu, i, RDI, step);
}

/** RSI or RDI as an address; a non-canonical one is #GP(0) (SDM Vol. 1 §3.3.7.1). */
function pointer(cpu: Cpu, i: Insn, reg: number): number {
  if (i.addrsize === 4) return cpu.lo[reg] >>> 0;
  const addr = cpu.hi[reg] * TWO_POW_32 + (cpu.lo[reg] >>> 0);
  if (addr < -CANONICAL_LIMIT || addr >= CANONICAL_LIMIT) cpu.raise(VEC_GP, 0, 'non-canonical string address');
  return addr;
}

function advance(cpu: Cpu, i: Insn, reg: number, step: number): void {
  if (i.addrsize === 4) {
    cpu.setReg32(reg, (cpu.lo[reg] + step) | 0);
    return;
  }
  const sum = (cpu.lo[reg] >>> 0) + step;
  cpu.lo[reg] = sum | 0;
  if (sum >= TWO_POW_32) cpu.hi[reg] = (cpu.hi[reg] + 1) | 0;
  else if (sum < 0) cpu.hi[reg] = (cpu.hi[reg] - 1) | 0;
}

function counterIsZero(cpu: Cpu, i: Insn): boolean {
  return i.addrsize === 4 ? cpu.lo[RCX] === 0 : (cpu.lo[RCX] | cpu.hi[RCX]) === 0;
}

function decrementCounter(cpu: Cpu, i: Insn): void {
  advance(cpu, i, RCX, -1);
}

