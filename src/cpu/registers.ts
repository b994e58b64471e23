/** General-purpose register numbers in encoding order (SDM Vol. 2A §2.1.5, Table 2-2). */
export const RAX = 0;
export const RCX = 1;
export const RDX = 2;
export const RBX = 3;
export const RSP = 4;
export const RBP = 5;
export const RSI = 6;
export const RDI = 7;
export const R8 = 8;
export const R9 = 9;
export const R10 = 10;
export const R11 = 11;
export const R12 = 12;
export const R13 = 13;
export const R14 = 14;
export const R15 = 15;
/**
 * A register that always reads zero: the decoder names it as base or index when an
 * addressing form has none, so address computation has no branches (halfix's trick).
 */
export const ZERO_REG = 16;
export const REGISTER_SLOTS = 17;

/**
 * Byte registers: without a REX prefix, encodings 4-7 of an 8-bit operand mean
 * AH, CH, DH, BH (bits 15:8 of registers 0-3). The decoder marks them with this bit.
 */
export const HIGH_BYTE = 0x20;

export const REG64_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
export const REG32_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
export const REG16_NAMES = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'];
export const REG8_NAMES = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'];
export const REG8_HIGH_NAMES = ['ah', 'ch', 'dh', 'bh'];

/** Segment register numbers in the ModRM.reg encoding of MOV Sreg (SDM Vol. 2B, MOV). */
export const SEG_ES = 0;
export const SEG_CS = 1;
export const SEG_SS = 2;
export const SEG_DS = 3;
export const SEG_FS = 4;
export const SEG_GS = 5;
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];

export function regName(reg: number, size: number): string {
  if (size === 1) return reg & HIGH_BYTE ? REG8_HIGH_NAMES[reg & 3] : REG8_NAMES[reg];
  if (size === 2) return REG16_NAMES[reg];
  if (size === 4) return REG32_NAMES[reg];
  return REG64_NAMES[reg];
}
