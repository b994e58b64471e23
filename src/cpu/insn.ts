import type { Cpu } from './cpu.js';
import type { OpcodeDef } from './opcode-table.js';
import { ZERO_REG } from './registers.js';

export type Handler = (cpu: Cpu, insn: Insn) => void;

/**
 * A handler that first calls an entry hook (Interpreter.entryHooks: the kernel counts vDSO
 * entries). The translator compiles `inner` as usual and calls `hook` before it.
 */
export interface HookedHandler extends Handler {
  readonly hook: () => void;
  readonly inner: Handler;
}

/**
 * A handler that stops at a debugger breakpoint first (Interpreter.addBreakpoint). Its
 * block stays JavaScript: the stop is reported at the run loop's block.
 */
export interface BreakpointHandler extends Handler {
  readonly breakpoint: true;
}

/** Segment override that matters in 64-bit mode: only FS and GS have bases. */
export const SEGOVR_NONE = 0;
export const SEGOVR_FS = 1;
export const SEGOVR_GS = 2;

export const REP_NONE = 0;
export const REP_E = 1; //  F3: REP / REPE
export const REP_NE = 2; // F2: REPNE

/**
 * One decoded instruction: a fixed-shape record with its handler attached, cached by
 * physical address (inside a Block) and executed many times. Every field is a small
 * integer or a reference fixed at decode time, so the handlers' property loads stay
 * monomorphic.
 */
export class Insn {
  exec: Handler;
  def: OpcodeDef | null = null;
  /** Bytes from the block's first instruction to this one, and to the next one. */
  offset = 0;
  nextOffset = 0;
  length = 0;
  /** Operand size in bytes (1, 2, 4, 8) and address size (4 or 8). */
  opsize = 4;
  addrsize = 8;
  /** The G operand (ModRM.reg + REX.R), or the register in the opcode's low bits. */
  reg = 0;
  /** The E operand register, or -1 when E is memory. */
  rm = -1;
  base = ZERO_REG;
  index = ZERO_REG;
  scale = 1;
  /** Signed 32-bit displacement. */
  disp = 0;
  ripRelative = false;
  segment = SEGOVR_NONE;
  /** Immediate: low 32 bits as int32, and the high half (sign extension or imm64). */
  imm = 0;
  immHi = 0;
  /** A second immediate (ENTER's nesting level). */
  imm2 = 0;
  /** Operation selector from the opcode table (ALU op, condition code, ...). */
  sub = 0;
  rep = REP_NONE;
  lock = false;
  /** Has REX: byte registers 4-7 are SPL..DIL rather than AH..BH. */
  rex = false;
  /** The raw bytes, for the disassembler and error messages (a plain array: decoding makes thousands at start-up). */
  bytes: readonly number[] = EMPTY;

  constructor(exec: Handler) {
    this.exec = exec;
  }
}

const EMPTY: readonly number[] = [];
