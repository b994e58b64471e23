import type { Cpu } from '../cpu.js';
import { VEC_GP } from '../cpu-exception.js';
import type { Insn } from '../insn.js';
import { REP_E, REP_NE, REP_NONE } from '../insn.js';
import { RAX, RCX, RDI, RSI } from '../registers.js';
import { aluFlags, aluResult, CMP } from './alu.js';

const TWO_POW_32 = 4294967296;
const CANONICAL_LIMIT = 2 ** 47;

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
  for (;;) {
    if (repeat && counterIsZero(cpu, i)) return;
    switch (op) {
      case 0: { // MOVS
        const v = cpu.readMem(pointer(cpu, i, RSI) + cpu.segBase[i.segment], size);
        cpu.writeMem(pointer(cpu, i, RDI), size, v, cpu.resHi);
        advance(cpu, i, RSI, step);
        advance(cpu, i, RDI, step);
        break;
      }
      case 2: // STOS
        cpu.writeMem(pointer(cpu, i, RDI), size, cpu.lo[RAX], cpu.hi[RAX]);
        advance(cpu, i, RDI, step);
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

