/**
 * What the native harness (tools/sse-int-golden/sse-int-golden.c) and the emulator side
 * (emulate.ts) agree on: the guest address layout, the default register contents and the
 * record format of the committed vectors (data/*.jsonl.gz). The layout is the one of the
 * generic golden vectors (test/golden/layout.ts), kept here so this data set does not
 * change with that one. The record codecs (hex, memory windows) and the exception record
 * are the golden vectors' own.
 */
import type { GoldenException } from '../../golden/layout.js';

export { bytesToHex, hex64, hexToBytes, parseWindow } from '../../golden/layout.js';

/** Snippet code: two pages, RWX on the host; the snippet starts at CODE_BASE. */
export const CODE_BASE = 0x1000_0000;
/** Two read-write data pages. */
export const DATA_BASE = 0x2000_0000;
export const DATA_SIZE = 0x2000;
/** One page that is not mapped, then one read-only page holding roByte(k). */
export const GUARD_BASE = DATA_BASE + 0x2000;
export const RO_BASE = DATA_BASE + 0x3000;
export const roByte = (k: number): number => (k * 7 + 3) & 0xff;
/** RSP unless a vector says otherwise. */
export const DEFAULT_RSP = BigInt(DATA_BASE + 0x1800);

/** RFLAGS bits compared: the status flags, IF, DF, IOPL, NT, ID and the fixed bit 1. */
export const COMPARED_FLAGS = 0x207ed7;
/** User-mode RFLAGS always has IF set. */
export const IF_FLAG = 0x200;

export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** Register contents a vector does not mention: distinct, with both halves non-zero. */
export function defaultGpr(n: number): bigint {
  if (n === 4) return DEFAULT_RSP;
  return 0xf0e1d2c3b4a59687n ^ (BigInt(n + 1) * 0x1111111111111111n);
}

export function defaultXmm(n: number): Uint8Array {
  const b = new Uint8Array(16);
  for (let k = 0; k < 16; k++) b[k] = ((n << 4) | k) ^ 0x5a;
  return b;
}

/** An exception the snippet raised: the golden vectors' record (vector, error code, CR2 for #PF, the faulting instruction's offset). */
export type VectorException = GoldenException;

/**
 * One vector as committed (one JSON object per line). Register values are 16 hex digits,
 * XMM values 32 hex digits in memory byte order.
 */
export interface SseIntVector {
  /** Form id: mnemonic, operand codes and variant (register/memory, REX.W, ...). */
  f: string;
  /** Snippet bytes, hex. */
  b: string;
  /** Inputs that differ from the defaults: gpr names and xmm0..xmm15. */
  in: Record<string, string>;
  /** Input RFLAGS. */
  fl: number;
  /** Input memory window "offset:hex" relative to DATA_BASE. */
  mem?: string;
  /** Registers whose value changed. */
  out: Record<string, string>;
  /** Output RFLAGS & COMPARED_FLAGS (none of these instructions leaves a flag undefined). */
  ofl: number;
  /** The window after the snippet, when it changed. */
  omem?: string;
  exc?: VectorException;
}
