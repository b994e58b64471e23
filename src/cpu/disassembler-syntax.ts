import { REG32_NAMES, REG64_NAMES, ZERO_REG } from './registers.js';

/**
 * Pieces of objdump's Intel syntax shared by the opcode-table disassembler
 * (disassembler.ts) and the VEX/EVEX one (disassembler-vex.ts): legacy prefixes and
 * their names, and memory operands (both decode the ModRM, SIB and displacement bytes
 * themselves and spell the address here).
 */

/** Names an address for the `<symbol+0x..>` annotation objdump adds after targets. */
export type Symbolizer = (address: number) => string | undefined;

/** A spelled operand, and objdump's `# address <symbol>` comment if it has one. */
export interface OperandText {
  text: string;
  comment?: string;
}

export const MASK64 = (1n << 64n) - 1n;

export function isLegacyPrefix(b: number): boolean {
  return b === 0x66 || b === 0x67 || b === 0xf2 || b === 0xf3 || b === 0xf0 || isSegmentPrefix(b);
}

export function isSegmentPrefix(b: number): boolean {
  return b === 0x64 || b === 0x65 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26;
}

/** objdump's words for legacy prefixes an instruction does not use. */
export const PREFIX_NAMES = new Map<number, string>([
  [0x66, 'data16'], [0x67, 'addr32'], [0x2e, 'cs'], [0x36, 'ss'], [0x3e, 'ds'], [0x26, 'es'],
  [0x64, 'fs'], [0x65, 'gs'], [0xf0, 'lock'], [0xf3, 'repz'], [0xf2, 'repnz'],
]);

export function hex(value: bigint): string {
  return '0x' + value.toString(16);
}

/** A decoded memory operand, as objdump needs it to spell the address. */
export interface AddressParts {
  /** 32-bit addressing (a 67 prefix in 64-bit mode). */
  a32: boolean;
  /** "fs:", "gs:" or "" (the overrides that count in 64-bit mode). */
  segment: string;
  ripRelative: boolean;
  /** Register numbers, ZERO_REG for none. */
  base: number;
  index: number;
  /** The SIB byte, or -1 without one. */
  sib: number;
  /** ModRM.mod. */
  mod: number;
  /** The displacement as the address uses it (EVEX's disp8*N already scaled). */
  disp: number;
}

/**
 * Spells a memory operand the way objdump does: `keyword` (`DWORD PTR `) before it, and
 * for a RIP-relative one the `# address <symbol>` comment when `symbolize` is given.
 */
export function formatAddress(a: AddressParts, keyword: string, next: bigint, symbolize?: Symbolizer): OperandText {
  const seg = a.segment;
  if (a.ripRelative) {
    const target = (next + BigInt(a.disp)) & (a.a32 ? 0xffffffffn : MASK64);
    let comment: string | undefined;
    if (symbolize) {
      const name = symbolize(Number(target));
      comment = `# ${target.toString(16)}${name ? ` <${name}>` : ''}`;
    }
    return { text: `${keyword}${seg}[${a.a32 ? 'eip' : 'rip'}+${hex(BigInt(a.disp) & MASK64)}]`, comment };
  }
  const hasSib = a.sib >= 0;
  const haveBase = a.base !== ZERO_REG;
  const haveIndex = a.index !== ZERO_REG;
  const scaleBits = hasSib ? a.sib >> 6 : 0;
  if (!haveBase && !haveIndex && scaleBits === 0) {
    // disp32 alone (SIB with base 101b and no index): an absolute address.
    if (a.a32) return { text: `${keyword}${seg}[eiz*1+${hex(BigInt(a.disp >>> 0))}]` };
    return { text: `${keyword}${seg || 'ds:'}${hex(BigInt(a.disp) & MASK64)}` };
  }
  const names = a.a32 ? REG32_NAMES : REG64_NAMES;
  let inner = haveBase ? names[a.base] : '';
  // A SIB index field of 100b means none: objdump still shows it as riz, unless the
  // SIB byte was needed for an RSP/R12 base.
  if (hasSib && (haveIndex || scaleBits !== 0 || (haveBase && (a.sib & 7) !== 4))) {
    if (haveBase) inner += '+';
    inner += (haveIndex ? names[a.index] : a.a32 ? 'eiz' : 'riz') + '*' + (1 << scaleBits);
  }
  if (a.mod !== 0 || !haveBase || a.disp !== 0) {
    inner += a.disp < 0 ? '-' + hex(-BigInt(a.disp)) : '+' + hex(BigInt(a.disp));
  }
  return { text: `${keyword}${seg}[${inner}]` };
}
