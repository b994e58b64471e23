import { decode, InstructionTooLong, MAX_INSN_LENGTH, UndefinedOpcode } from './decoder.js';
import type { Insn } from './insn.js';
import { SEGOVR_FS, SEGOVR_GS } from './insn.js';
import { D64, F64, LOCKABLE, MAP_0F, MAP_0F38, MAP_0F3A, MAP_ONE_BYTE } from './opcode-table.js';
import type { OpcodeDef, OpcodeTable } from './opcode-table.js';
import { OPCODES } from './opcodes.js';
import { HIGH_BYTE, REG32_NAMES, REG64_NAMES, regName, SEG_NAMES, ZERO_REG } from './registers.js';

/**
 * Intel-syntax disassembler, derived from the opcode table (STYLE.md: one table is the
 * truth about instructions). The decoder finds the instruction and its operand fields;
 * this module only spells them, operand code by operand code (SDM Vol. 2D Appendix A.2),
 * the way `objdump -d -M intel` (GNU binutils 2.40) prints its mnemonic and operands
 * column, so that objdump is the oracle for it (DESIGN.md, "Correctness oracles").
 *
 * What objdump does beyond the manual, and this file copies:
 * - Prefixes the instruction does not use are printed as words before the mnemonic, in
 *   encoding order: `data16`, `addr32`, `cs`/`ds`/`es`/`ss` (never active in 64-bit
 *   mode), `lock`, `repz`/`repnz`, `rep` on MOVS/STOS/LODS, `bnd` (F2 on a branch),
 *   `notrack` (3E on an indirect branch), and a REX prefix with unused bits as
 *   `rex.WRXB`. Of several prefixes of one kind only the last can be used.
 * - Immediates are unsigned hex in the operand's size; sign-extended ones (83 /n, 6B,
 *   6A) are extended first. Displacements are signed (`[rbp-0x8]`), except RIP-relative
 *   ones, which objdump prints as 64-bit unsigned; a ModRM displacement of zero is
 *   still printed (`[rax+0x0]`); a SIB byte without index shows `riz` unless the base
 *   is RSP/R12; an absolute address is `ds:0x...`.
 * - Branch targets are absolute addresses in hex without `0x` (`jmp 401020`), as
 *   objdump prints them in an executable.
 */

/** Names an address for the `<symbol+0x..>` annotation objdump adds after targets. */
export type Symbolizer = (address: number) => string | undefined;

/** One line of disassembly. */
export interface DisassembledLine {
  address: number;
  length: number;
  bytes: Uint8Array;
  text: string;
  /** The decoded instruction; absent for `(bad)`. */
  insn?: Insn;
}

const MASK64 = (1n << 64n) - 1n;

const SIZE_KEYWORDS: Record<number, string> = {
  1: 'BYTE PTR ',
  2: 'WORD PTR ',
  4: 'DWORD PTR ',
  8: 'QWORD PTR ',
  10: 'TBYTE PTR ',
  16: 'XMMWORD PTR ',
};

const REX_W = 8;
const REX_R = 4;
const REX_X = 2;
const REX_B = 1;
/** objdump's REX_OPCODE: the REX prefix as such was needed (SPL..DIL). */
const REX_PRESENT = 0x40;

/** Where the parts of an instruction sit in its bytes (the decoder keeps only values). */
interface Layout {
  /** Legacy prefix bytes in encoding order, with a REX that a later prefix cancelled. */
  prefixes: number[];
  /** The REX byte right before the opcode, or 0. */
  rex: number;
  map: number;
  opcode: number;
  /** Position of the opcode byte (after any escape bytes). */
  opcodeEnd: number;
  modrm: number;
  sib: number;
}

function isLegacyPrefix(b: number): boolean {
  return b === 0x66 || b === 0x67 || b === 0xf2 || b === 0xf3 || b === 0xf0 || b === 0x64 || b === 0x65 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26;
}

function parseLayout(bytes: Uint8Array, hasModrm: boolean): Layout {
  const prefixes: number[] = [];
  let pos = 0;
  let rex = 0;
  for (;;) {
    const b = bytes[pos];
    if (isLegacyPrefix(b)) {
      prefixes.push(b);
      pos++;
    } else if ((b & 0xf0) === 0x40) {
      pos++;
      if (isLegacyPrefix(bytes[pos])) {
        prefixes.push(b);
        continue;
      }
      rex = b;
      break;
    } else break;
  }
  let map = MAP_ONE_BYTE;
  if (bytes[pos] === 0x0f) {
    pos++;
    map = MAP_0F;
    if (bytes[pos] === 0x38) {
      map = MAP_0F38;
      pos++;
    } else if (bytes[pos] === 0x3a) {
      map = MAP_0F3A;
      pos++;
    }
  }
  const opcode = bytes[pos++];
  let modrm = -1;
  let sib = -1;
  if (hasModrm) {
    modrm = bytes[pos++];
    if (modrm >> 6 !== 3 && (modrm & 7) === 4) sib = bytes[pos];
  }
  return { prefixes, rex, map, opcode, opcodeEnd: pos, modrm, sib };
}

/** The mandatory prefix written in a table key ("66 0F 6F /r"), if any. */
function mandatoryPrefix(def: OpcodeDef): number {
  const first = def.key.split(' ')[0];
  if (first === '66') return 0x66;
  if (first === 'F3') return 0xf3;
  if (first === 'F2') return 0xf2;
  return 0;
}

/** What the instruction consumed, to tell which prefixes objdump prints as words. */
class Usage {
  data = false;
  addr = false;
  seg = false;
  /** The F2/F3 prefix byte consumed (mandatory prefix or REP on a string op). */
  rep = 0;
  rex = 0;

  constructor(readonly insn: Insn, readonly lay: Layout) {}

  /** objdump's USED_REX: a bit counts only if present; 0 means the REX byte itself. */
  useRex(bit: number): void {
    if (bit === 0) this.rex |= REX_PRESENT;
    else if (this.lay.rex & bit) this.rex |= bit | REX_PRESENT;
  }

  /**
   * An operand of the instruction's operand size: REX.W if present, else 66. Stack
   * and branch operands (D64/F64) are 64-bit by default and REX.W adds nothing, so
   * objdump shows it as an unused prefix (`rex.W push rax`).
   */
  useOpsize(): void {
    const stack = (this.insn.def!.attrs & (D64 | F64)) !== 0;
    if (stack) {
      if (this.insn.opsize === 2) this.data = true;
    } else if (this.lay.rex & REX_W) this.useRex(REX_W);
    else this.data = true;
  }
}

const STRING_REP = new Set(['movs', 'stos', 'lods', 'ins', 'outs']);

function hex(value: bigint): string {
  return '0x' + value.toString(16);
}

/** An immediate of `size` bytes from the decoder's (imm, immHi) pair, as objdump shows it. */
function immediate(insn: Insn, size: number): string {
  const lo = BigInt(insn.imm >>> 0);
  const hi = BigInt(insn.immHi >>> 0);
  const value = (hi << 32n) | lo;
  return hex(value & ((1n << BigInt(size * 8)) - 1n));
}

function signedDisp(disp: number): string {
  return disp < 0 ? '-' + hex(-BigInt(disp)) : '+' + hex(BigInt(disp));
}

/**
 * Formats one decoded instruction located at `address`. `symbolize`, when given, names
 * branch targets and RIP-relative addresses the way objdump annotates them.
 */
export function disassemble(insn: Insn, address: number | bigint, symbolize?: Symbolizer): string {
  const def = insn.def;
  if (!def) return '(bad)';
  const lay = parseLayout(insn.bytes, def.hasModrm);
  const use = new Usage(insn, lay);
  const mandatory = mandatoryPrefix(def);
  if (mandatory === 0x66) use.data = true;
  else if (mandatory !== 0) use.rep = mandatory;
  const next = (BigInt(address) + BigInt(insn.length)) & MASK64;

  const spelled = spellInstruction(def, insn, lay, use, next, symbolize);
  const words = prefixWords(lay, use, insn, spelled.mnemonic, def);
  words.push(spelled.mnemonic);
  let text = words.join(' ');
  if (spelled.operands.length > 0) text += ' ' + spelled.operands.join(',');
  if (spelled.comment) text += ' ' + spelled.comment;
  return text;
}

interface Spelled {
  mnemonic: string;
  operands: string[];
  comment?: string;
}

function spellInstruction(def: OpcodeDef, insn: Insn, lay: Layout, use: Usage, next: bigint, symbolize?: Symbolizer): Spelled {
  const ops = def.operands;
  let mnemonic = chooseMnemonic(def, insn, lay, use);
  let comment: string | undefined;

  // 90 without REX.B is NOP, not XCHG eAX,eAX (SDM Vol. 2B, NOP); with 66 objdump
  // keeps the XCHG spelling.
  if (lay.map === MAP_ONE_BYTE && lay.opcode === 0x90 && !(lay.rex & REX_B)) {
    if (insn.opsize === 2) {
      use.data = true;
      return { mnemonic: 'xchg', operands: ['ax', 'ax'] };
    }
    return { mnemonic: 'nop', operands: [] };
  }

  const operands: string[] = [];
  for (let k = 0; k < ops.length; k++) {
    const code = ops[k];
    const text = formatOperand(code, k, def, insn, lay, use, next, symbolize);
    if (text === undefined) continue;
    operands.push(text.text);
    if (text.comment) comment = text.comment;
  }

  // B8+r with a 64-bit immediate and A0-A3 with a 64-bit address are MOVABS in GNU
  // syntax, the form that names the full width.
  if (mnemonic === 'mov' && lay.map === MAP_ONE_BYTE) {
    if ((lay.opcode & 0xf8) === 0xb8 && insn.opsize === 8) mnemonic = 'movabs';
    if (lay.opcode >= 0xa0 && lay.opcode <= 0xa3 && insn.addrsize === 8) mnemonic = 'movabs';
  }
  return { mnemonic, operands, comment };
}

/** objdump's spellings of mnemonics whose names depend on size or on ModRM. */
function chooseMnemonic(def: OpcodeDef, insn: Insn, lay: Layout, use: Usage): string {
  const m = def.mnemonic;
  const stackOp = (def.attrs & (D64 | F64)) !== 0;
  switch (m) {
    case 'iret/iretd/iretq':
      use.useOpsize();
      return insn.opsize === 8 ? 'iretq' : insn.opsize === 2 ? 'iretw' : 'iret';
    case 'sysret':
      use.useRex(REX_W);
      return lay.rex & REX_W ? 'sysretq' : 'sysretd';
    case 'sysexit':
      use.useRex(REX_W);
      return lay.rex & REX_W ? 'sysexitq' : 'sysexitd';
    case 'prefetch': {
      const hint = (lay.modrm >> 3) & 7;
      return ['prefetchnta', 'prefetcht0', 'prefetcht1', 'prefetcht2'][hint] ?? 'nop';
    }
    case 'prefetchw': {
      const hint = (lay.modrm >> 3) & 7;
      return ['prefetch', 'prefetchw', 'prefetchwt1'][hint] ?? 'prefetch';
    }
    case 'sal':
      return 'shl'; // group 2 /6, the undocumented alias of /4: GNU tools spell it shl
    case 'jrcxz':
      if (insn.addrsize === 4) {
        use.addr = true;
        return 'jecxz';
      }
      return m;
  }
  if (m.includes('/')) {
    const names = m.split('/');
    use.useOpsize();
    if (names.length === 2) return insn.opsize === 8 ? names[1] : names[0];
    return names[insn.opsize === 2 ? 0 : insn.opsize === 4 ? 1 : 2];
  }
  // A 66 prefix on an instruction with no sized operand to show it: objdump marks the
  // 16-bit form with a "w" suffix (pushw 0x1, pushfw, retw, leavew).
  if (stackOp && insn.opsize === 2 && !def.operands.some((o) => /^[EGZ]v$|^rAX$/.test(o))) {
    use.data = true;
    return m + 'w';
  }
  return m;
}

/** The prefixes not consumed by the instruction, as objdump names them. */
function prefixWords(lay: Layout, use: Usage, insn: Insn, mnemonic: string, def: OpcodeDef): string[] {
  const prefixes = lay.prefixes;
  const lastIndex = (pred: (b: number) => boolean): number => {
    for (let i = prefixes.length - 1; i >= 0; i--) if (pred(prefixes[i])) return i;
    return -1;
  };
  const isSeg = (b: number): boolean => b === 0x64 || b === 0x65 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26;
  const lastF3 = lastIndex((b) => b === 0xf3);
  const lastF2 = lastIndex((b) => b === 0xf2);
  const lastSeg = lastIndex(isSeg);
  const has66 = prefixes.includes(0x66);
  const skip = new Set<number>();
  if (use.data) skip.add(lastIndex((b) => b === 0x66));
  if (use.addr) skip.add(lastIndex((b) => b === 0x67));
  if (use.seg) skip.add(lastSeg);
  if (use.rep) skip.add(use.rep === 0xf3 ? lastF3 : lastF2);

  // Renamings objdump applies to the last prefix of a kind (its *_Fixup routines).
  const rename = new Map<number, string>();
  const op0 = lay.map === MAP_ONE_BYTE ? lay.opcode : -1;
  const branch = (def.attrs & F64) !== 0 && (mnemonic.startsWith('j') || mnemonic.startsWith('call') || mnemonic.startsWith('ret'));
  const memory = def.hasModrm && insn.rm < 0;
  if (STRING_REP.has(mnemonic) && lastF3 >= 0) rename.set(lastF3, 'rep');
  if (branch && lastF2 >= 0) rename.set(lastF2, 'bnd');
  if (branch && def.operands[0]?.startsWith('E') && prefixes.includes(0x3e) && !has66) rename.set(lastSeg, 'notrack');
  if (memory) {
    // Hardware lock elision (SDM Vol. 1 §16.3.1): XACQUIRE/XRELEASE are F2/F3 on a
    // locked instruction, on XCHG (implicitly locked), and XRELEASE on a MOV store.
    const xchg = op0 === 0x86 || op0 === 0x87;
    const movStore = op0 === 0x88 || op0 === 0x89 || op0 === 0xc6 || op0 === 0xc7;
    if ((insn.lock && (def.attrs & LOCKABLE) !== 0) || xchg) {
      if (lastF3 >= 0) rename.set(lastF3, 'xrelease');
      if (lastF2 >= 0) rename.set(lastF2, 'xacquire');
    } else if (movStore && lastF3 >= 0) rename.set(lastF3, 'xrelease');
  }

  const words: string[] = [];
  prefixes.forEach((b, i) => {
    if (skip.has(i)) return;
    const renamed = rename.get(i);
    if (renamed) {
      words.push(renamed);
      return;
    }
    words.push(PREFIX_NAMES.get(b) ?? rexName(b));
  });
  if (lay.rex && (lay.rex & ~use.rex & 0x4f) !== 0) words.push(rexName(lay.rex));
  return words;
}

const PREFIX_NAMES = new Map<number, string>([
  [0x66, 'data16'], [0x67, 'addr32'], [0x2e, 'cs'], [0x36, 'ss'], [0x3e, 'ds'], [0x26, 'es'],
  [0x64, 'fs'], [0x65, 'gs'], [0xf0, 'lock'], [0xf3, 'repz'], [0xf2, 'repnz'],
]);

function rexName(b: number): string {
  const bits = (b & REX_W ? 'W' : '') + (b & REX_R ? 'R' : '') + (b & REX_X ? 'X' : '') + (b & REX_B ? 'B' : '');
  return bits ? 'rex.' + bits : 'rex';
}

/** Operand size in bytes for a size suffix of the manual's operand codes (Table A-1). */
function sizeOf(suffix: string, insn: Insn, use: Usage): number | undefined {
  switch (suffix) {
    case 'b': return 1;
    case 'w': return 2;
    case 'd': return 4;
    case 'q': return 8;
    case 'x':
    case 'dq':
    case 'ps':
    case 'pd': return 16;
    case 'ss': return 4;
    case 'sd': return 8;
    case 'v':
      use.useOpsize();
      return insn.opsize;
    case 'z':
      use.useOpsize();
      return insn.opsize === 2 ? 2 : 4;
    case 'y':
      use.useRex(REX_W);
      return insn.opsize === 8 ? 8 : 4;
    default: return undefined;
  }
}

interface OperandText {
  text: string;
  comment?: string;
}

function formatOperand(
  code: string, position: number, def: OpcodeDef, insn: Insn, lay: Layout, use: Usage, next: bigint, symbolize?: Symbolizer,
): OperandText | undefined {
  // Fixed registers are written in lower case (al, cl, ax), rAX for the sized accumulator.
  if (code === '1') return { text: '1' };
  if (code === 'rAX') {
    const size = sizeOf('v', insn, use)!;
    return { text: regName(0, size) };
  }
  if (/^[a-z]+$/.test(code)) return { text: code };

  const method = code[0];
  const suffix = code.slice(1);
  switch (method) {
    case 'G': {
      const size = sizeOf(suffix, insn, use) ?? 4;
      use.useRex(REX_R);
      return { text: gpr(insn.reg, size, use) };
    }
    case 'Z': {
      const size = sizeOf(suffix, insn, use) ?? 8;
      use.useRex(REX_B);
      return { text: gpr(insn.reg, size, use) };
    }
    case 'R': {
      // Control-register moves and RDPID take 64-bit registers in 64-bit mode.
      use.useRex(REX_B);
      const size = def.attrs & F64 ? 8 : sizeOf(suffix, insn, use) ?? 8;
      return { text: gpr(insn.rm, size, use) };
    }
    case 'C':
      use.useRex(REX_R);
      return { text: 'cr' + insn.reg };
    case 'S':
      return { text: SEG_NAMES[insn.reg & 7] ?? '?' };
    case 'V':
      use.useRex(REX_R);
      return { text: 'xmm' + insn.reg };
    case 'U':
      use.useRex(REX_B);
      return { text: 'xmm' + insn.rm };
    case 'E':
    case 'W':
    case 'M':
      return formatModrmOperand(method, suffix, def, insn, lay, use, next, symbolize);
    case 'I':
      return { text: formatImmediate(suffix, position, def, insn, lay, use) };
    case 'J': {
      const target = (next + BigInt(insn.imm)) & MASK64;
      const name = symbolize?.(Number(target));
      return { text: target.toString(16) + (name ? ` <${name}>` : '') };
    }
    case 'O': {
      const size = suffix === 'b' ? 1 : sizeOf(suffix, insn, use) ?? 8;
      void size;
      if (insn.addrsize === 4) use.addr = true;
      const seg = segmentPrefix(insn, use) || 'ds:';
      const address = insn.addrsize === 8 ? immediate(insn, 8) : immediate(insn, 4);
      return { text: seg + address };
    }
    case 'X':
    case 'Y': {
      const size = sizeOf(suffix, insn, use) ?? 1;
      if (insn.addrsize === 4) use.addr = true;
      const names = insn.addrsize === 4 ? REG32_NAMES : REG64_NAMES;
      if (method === 'Y') return { text: `${SIZE_KEYWORDS[size]}es:[${names[7]}]` };
      // The source takes a segment override; objdump counts any override as used.
      const seg = segmentPrefix(insn, use) || 'ds:';
      use.seg = lay.prefixes.some((b) => b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26 || b === 0x64 || b === 0x65);
      return { text: `${SIZE_KEYWORDS[size]}${seg}[${names[6]}]` };
    }
  }
  throw new Error(`disassembler: operand code ${code} of ${def.key} (${def.mnemonic}) not understood`);
}

/** A general-purpose register; byte registers 4-7 need the REX byte to mean SPL..DIL. */
function gpr(reg: number, size: number, use: Usage): string {
  if (size === 1 && !(reg & HIGH_BYTE) && (reg & 4)) use.useRex(0);
  return regName(reg, size);
}

function formatImmediate(suffix: string, position: number, def: OpcodeDef, insn: Insn, lay: Layout, use: Usage): string {
  // ENTER's second immediate is the nesting level byte.
  if (position > 0 && def.operands.slice(0, position).some((o) => /^I[bwzvd]$/.test(o))) {
    return hex(BigInt(insn.imm2 & 0xff));
  }
  switch (suffix) {
    case 'b': {
      // Sign-extended byte immediates (83 /n, 6B, 6A) show in the operand's size.
      const signExtended = lay.map === MAP_ONE_BYTE && (lay.opcode === 0x83 || lay.opcode === 0x6b || lay.opcode === 0x6a);
      if (!signExtended) return hex(BigInt(insn.imm & 0xff));
      use.useOpsize();
      return immediate(insn, insn.opsize);
    }
    case 'w': return hex(BigInt(insn.imm & 0xffff));
    case 'd': return immediate(insn, 4);
    case 'z':
    case 'v':
      use.useOpsize();
      return immediate(insn, insn.opsize);
  }
  throw new Error(`disassembler: immediate code I${suffix} of ${def.key} not understood`);
}

/** "fs:" or "gs:" when the instruction has one of the two segment overrides that count. */
function segmentPrefix(insn: Insn, use: Usage): string {
  if (insn.segment === SEGOVR_FS || insn.segment === SEGOVR_GS) {
    use.seg = true;
    return insn.segment === SEGOVR_FS ? 'fs:' : 'gs:';
  }
  return '';
}

/** Memory operand sizes objdump gives some instructions regardless of the table's code. */
function memorySize(def: OpcodeDef, suffix: string, insn: Insn, use: Usage): number | undefined {
  switch (def.mnemonic) {
    case 'cmpxchg8b/cmpxchg16b':
      return insn.opsize === 8 ? 16 : 8;
    case 'prefetch':
    case 'prefetchw':
    case 'invlpg':
      return 1;
    case 'movbe':
      return sizeOf('v', insn, use);
    case 'nop':
      if (def.key.startsWith('0F 18')) return 4; // reserved hint NOPs print as nop DWORD
      break;
  }
  return sizeOf(suffix, insn, use);
}

function formatModrmOperand(
  method: string, suffix: string, def: OpcodeDef, insn: Insn, lay: Layout, use: Usage, next: bigint, symbolize?: Symbolizer,
): OperandText {
  use.useRex(REX_B);
  if (insn.rm >= 0) {
    if (method === 'W') return { text: 'xmm' + insn.rm };
    let size = sizeOf(suffix, insn, use) ?? 8;
    // objdump shows a register source of MOV Sreg / LSL / Ew-register forms at the
    // operand size, not as 16 bits.
    if (suffix === 'w' && (def.mnemonic === 'mov' || def.mnemonic === 'lsl')) size = insn.opsize === 8 ? 8 : 4;
    return { text: gpr(insn.rm, size, use) };
  }
  const size = memorySize(def, suffix, insn, use);
  const keyword = size === undefined ? '' : SIZE_KEYWORDS[size] ?? '';
  return formatMemory(insn, lay, use, keyword, next, symbolize);
}

function formatMemory(insn: Insn, lay: Layout, use: Usage, keyword: string, next: bigint, symbolize?: Symbolizer): OperandText {
  const a32 = insn.addrsize === 4;
  const seg = segmentPrefix(insn, use);
  const names = a32 ? REG32_NAMES : REG64_NAMES;
  const mod = lay.modrm >> 6;
  if (insn.ripRelative) {
    if (a32) use.addr = true;
    const disp = BigInt(insn.disp) & MASK64;
    const target = (next + BigInt(insn.disp)) & (a32 ? 0xffffffffn : MASK64);
    const name = symbolize ? symbolize(Number(target)) : undefined;
    const comment = symbolize ? `# ${target.toString(16)}${name ? ` <${name}>` : ''}` : undefined;
    return { text: `${keyword}${seg}[${a32 ? 'eip' : 'rip'}+${hex(disp)}]`, comment };
  }
  const hasSib = lay.sib >= 0;
  const baseField = hasSib ? lay.sib & 7 : lay.modrm & 7;
  const haveBase = insn.base !== ZERO_REG;
  const haveIndex = insn.index !== ZERO_REG;
  const scaleBits = hasSib ? lay.sib >> 6 : 0;
  if (hasSib) use.useRex(REX_X);
  if (!haveBase && !haveIndex && !(hasSib && scaleBits !== 0)) {
    // An absolute disp32 (SIB base 101b without index): ds:0x... unless an override.
    if (a32) {
      use.addr = true;
      return { text: `${keyword}${seg}[eiz*1+${hex(BigInt(insn.disp >>> 0))}]` };
    }
    return { text: `${keyword}${seg || 'ds:'}${hex(BigInt(insn.disp) & MASK64)}` };
  }
  if (a32) use.addr = true;
  let inner = '';
  if (haveBase) inner += names[insn.base];
  if (hasSib && (haveIndex || scaleBits !== 0 || (haveBase && baseField !== 4))) {
    if (haveBase) inner += '+';
    inner += (haveIndex ? names[insn.index] : a32 ? 'eiz' : 'riz') + '*' + (1 << scaleBits);
  }
  if (mod !== 0 || !haveBase || insn.disp !== 0) {
    inner += signedDisp(insn.disp);
  }
  return { text: `${keyword}${seg}[${inner}]` };
}

/**
 * Disassembles a buffer that starts at `address`. Bytes the decoder does not know
 * become a one-byte `(bad)` line, and decoding resumes at the next byte, so one
 * unknown instruction does not hide the rest.
 */
export function disassembleRange(bytes: Uint8Array, address: number, symbolize?: Symbolizer, table: OpcodeTable = OPCODES): DisassembledLine[] {
  const lines: DisassembledLine[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const at = offset;
    const insn = tryDecode(table, bytes, at);
    if (insn) {
      lines.push({ address: address + at, length: insn.length, bytes: insn.bytes, text: disassemble(insn, address + at, symbolize), insn });
      offset += insn.length;
    } else {
      lines.push({ address: address + at, length: 1, bytes: bytes.subarray(at, at + 1), text: '(bad)' });
      offset += 1;
    }
  }
  return lines;
}

class PastEnd {}

/** Decodes the instruction at `offset`, or undefined when its bytes are not one we know. */
export function tryDecode(table: OpcodeTable, bytes: Uint8Array, offset: number): Insn | undefined {
  try {
    return decode(table, (i) => {
      if (offset + i >= bytes.length || i >= MAX_INSN_LENGTH) throw new PastEnd();
      return bytes[offset + i];
    });
  } catch (e) {
    if (e instanceof UndefinedOpcode || e instanceof InstructionTooLong || e instanceof PastEnd) return undefined;
    throw e;
  }
}

