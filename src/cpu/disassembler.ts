import { formatAddress, hex, isLegacyPrefix, isSegmentPrefix, MASK64, PREFIX_NAMES } from './disassembler-syntax.js';
import type { OperandText, Symbolizer } from './disassembler-syntax.js';
import { disassembleVex } from './disassembler-vex.js';
import { decode, InstructionTooLong, MAX_INSN_LENGTH, UndefinedOpcode } from './decoder.js';
import type { Insn } from './insn.js';
import { SEGOVR_FS, SEGOVR_GS } from './insn.js';
import { D64, F64, LOCKABLE, MAP_0F, MAP_0F38, MAP_0F3A, MAP_ONE_BYTE } from './opcode-table.js';
import type { OpcodeDef, OpcodeTable } from './opcode-table.js';
import { OPCODES } from './opcodes.js';
import { COMPAT_OPCODES } from './opcodes32.js';
import { HIGH_BYTE, REG32_NAMES, REG64_NAMES, regName, SEG_NAMES } from './registers.js';

/**
 * Intel-syntax disassembler derived from the opcode table (STYLE.md: one table is the
 * truth about instructions). The decoder finds the instruction and its fields; this
 * module spells them, operand code by operand code (SDM Vol. 2D Appendix A.2), as
 * `objdump -d -M intel` (GNU binutils 2.40) prints its mnemonic-and-operands column,
 * so that objdump is its oracle (DESIGN.md, "Correctness oracles").
 *
 * What objdump does beyond the manual, and this file copies:
 * - Prefixes the instruction does not use become words before the mnemonic, in
 *   encoding order: `data16`, `addr32`, `cs`/`ds`/`es`/`ss` (never active in 64-bit
 *   mode), `lock`, `repz`/`repnz`, `rep` (MOVS/STOS/LODS), `bnd` (F2 on a near
 *   branch), `notrack` (3E on an indirect branch), `xacquire`/`xrelease`, and a REX
 *   prefix with any unused bit as `rex.WRXB`. Of several prefixes of one kind only the
 *   last can be the used one. REX.W on a 64-bit-by-default stack or branch
 *   instruction is unused (`rex.W push rax`).
 * - Immediates are unsigned hex at the operand size; the sign-extended byte forms
 *   (83 /n, 6B, 6A) are extended first (`add rax,0xffffffffffffffff`). Displacements
 *   are signed (`[rbp-0x8]`) except RIP-relative ones (64-bit unsigned); a ModRM
 *   displacement of zero still shows (`[rax+0x0]`); a SIB byte without an index shows
 *   `riz` unless the base is RSP/R12; an address without base or index is `ds:0x...`.
 * - Branch targets are absolute hex without `0x` (`jmp 401020`), as in an executable.
 * - Size-dependent names: cbw/cwde/cdqe-style lists by operand size, `movabs` for a
 *   64-bit immediate or moffs, `pushw`/`retw`-style suffixes for 16-bit stack forms,
 *   `sysretq`/`iretq`, and the CMPPS-family predicates (`cmpltsd`).
 *
 * Known differences (reported as disagreements by the oracle tests, not hidden here):
 * 66 on a near branch (the decoder follows Intel and ignores it; objdump decodes AMD's
 * 16-bit form), and encodings the decoder accepts that objdump reads as another
 * instruction or as (bad) — those are table matters.
 */

export type { Symbolizer };

/** One line of disassembly. */
export interface DisassembledLine {
  address: number;
  length: number;
  bytes: Uint8Array;
  text: string;
  /**
   * The decoded instruction (the FWAIT of a merged FWAIT+x87 line); absent for `(bad)`
   * and for VEX/EVEX lines, which are display-only (disassembler-vex.ts).
   */
  insn?: Insn;
}

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
/** objdump's REX_OPCODE: the REX byte itself was needed (SPL..DIL need it). */
const REX_PRESENT = 0x40;

// ---- where things sit in the bytes ---------------------------------------------------

/** Byte positions the decoder does not keep: prefixes in order, REX, ModRM and SIB. */
interface Layout {
  /** Legacy prefixes in encoding order, plus any REX that a later prefix cancelled. */
  prefixes: number[];
  /** The REX byte right before the opcode, or 0. */
  rex: number;
  map: number;
  opcode: number;
  modrm: number;
  sib: number;
}

/** Re-reads the prefix, opcode and ModRM/SIB bytes the way decoder.ts consumed them. */
function parseLayout(bytes: ArrayLike<number>, hasModrm: boolean): Layout {
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
      if (!isLegacyPrefix(bytes[pos])) {
        rex = b;
        break;
      }
      prefixes.push(b); // a REX counts only right before the opcode (SDM Vol. 2A §2.2.1)
    } else break;
  }
  let map = MAP_ONE_BYTE;
  if (bytes[pos] === 0x0f) {
    pos++;
    map = MAP_0F;
    if (bytes[pos] === 0x38 || bytes[pos] === 0x3a) map = bytes[pos++] === 0x38 ? MAP_0F38 : MAP_0F3A;
  }
  const opcode = bytes[pos++];
  let modrm = -1;
  let sib = -1;
  if (hasModrm) {
    modrm = bytes[pos++];
    if (modrm >> 6 !== 3 && (modrm & 7) === 4) sib = bytes[pos];
  }
  return { prefixes, rex, map, opcode, modrm, sib };
}

/** The mandatory prefix in a table key ("66 0F 6F /r"), or 0. */
function mandatoryPrefix(def: OpcodeDef): number {
  const first = def.key.split(' ')[0];
  return first === '66' ? 0x66 : first === 'F3' ? 0xf3 : first === 'F2' ? 0xf2 : 0;
}

/** Which prefixes the spelled operands consumed: the rest are printed as words. */
class Usage {
  data = false;
  addr = false;
  seg = false;
  /** The F2/F3 byte consumed as a mandatory prefix, or 0. */
  rep = 0;
  rex = 0;

  constructor(readonly def: OpcodeDef, readonly insn: Insn, readonly lay: Layout) {}

  /** objdump's USED_REX: a bit counts only if present; 0 means the REX byte itself. */
  useRex(bit: number): void {
    if (bit === 0) this.rex |= REX_PRESENT;
    else if (this.lay.rex & bit) this.rex |= bit | REX_PRESENT;
  }

  /**
   * An operand of the instruction's operand size uses REX.W if present, else 66.
   * Stack and branch instructions (D64/F64) are 64-bit by default: REX.W adds nothing
   * there, so objdump shows it as unused (`rex.W push rax`).
   */
  useOpsize(): void {
    if (this.def.attrs & (D64 | F64)) {
      if (this.insn.opsize === 2) this.data = true;
    } else if (this.lay.rex & REX_W) this.useRex(REX_W);
    else this.data = true;
  }
}

// ---- the instruction ------------------------------------------------------------------

const IMPLICIT_XMM0 = new Set(['pblendvb', 'blendvps', 'blendvpd']);

/**
 * Formats one decoded instruction located at `address`. With `symbolize`, branch
 * targets get objdump's `<symbol>` and RIP-relative operands its `# address <symbol>`
 * comment; without it the text is the bare mnemonic and operands.
 */
export function disassemble(insn: Insn, address: number | bigint, symbolize?: Symbolizer): string {
  const def = insn.def;
  if (!def) return '(bad)';
  const lay = parseLayout(insn.bytes, def.hasModrm);
  const use = new Usage(def, insn, lay);
  const mandatory = mandatoryPrefix(def);
  if (mandatory === 0x66) use.data = true;
  else if (mandatory !== 0) use.rep = mandatory;
  const ctx: Context = { def, insn, lay, use, next: (BigInt(address) + BigInt(insn.length)) & MASK64, symbolize };

  let mnemonic = chooseMnemonic(ctx);
  let operands: string[] = [];
  let comment: string | undefined;
  if (def.mnemonic === 'xchg' && lay.map === MAP_ONE_BYTE && lay.opcode === 0x90 && !(lay.rex & REX_B)) {
    // 90 is NOP, not XCHG eAX,eAX (SDM Vol. 2B, NOP); objdump spells 66 90 xchg ax,ax.
    if (insn.opsize === 2) {
      use.data = true;
      operands = ['ax', 'ax'];
    } else mnemonic = 'nop';
  } else {
    for (let k = 0; k < def.operands.length; k++) {
      const out = formatOperand(ctx, def.operands[k], k);
      operands.push(out.text);
      comment ??= out.comment;
    }
    mnemonic = adjustForOperands(ctx, mnemonic, operands);
    // The legacy-SSE variable blends read XMM0 as an implicit third operand (SDM Vol. 2B
    // PBLENDVB, BLENDVPS, BLENDVPD: "<XMM0>"), which objdump spells out.
    if (IMPLICIT_XMM0.has(def.mnemonic)) operands.push('xmm0');
  }

  const words = prefixWords(ctx, mnemonic);
  words.push(mnemonic);
  let text = words.join(' ');
  if (operands.length > 0) text += ' ' + operands.join(',');
  if (comment) text += ' ' + comment;
  return text;
}

interface Context {
  def: OpcodeDef;
  insn: Insn;
  lay: Layout;
  use: Usage;
  /** Address of the next instruction: the base of relative targets and RIP. */
  next: bigint;
  symbolize?: Symbolizer;
}

/** objdump's name for the instruction where it depends on size, ModRM or prefixes. */
function chooseMnemonic({ def, insn, lay, use }: Context): string {
  const m = def.mnemonic;
  const hint = (lay.modrm >> 3) & 7;
  switch (m) {
    case 'iret/iretd/iretq':
      use.useRex(REX_W);
      if (insn.opsize === 2) use.data = true;
      return insn.opsize === 8 ? 'iretq' : insn.opsize === 2 ? 'iretw' : 'iret';
    case 'sysret':
    case 'sysexit':
      use.useRex(REX_W);
      return m + (lay.rex & REX_W ? 'q' : 'd');
    case 'cmpxchg8b/cmpxchg16b':
      use.useRex(REX_W);
      return lay.rex & REX_W ? 'cmpxchg16b' : 'cmpxchg8b';
    case 'nop':
      // objdump reads the 0F 18 /6, /7 memory forms through a prefix table: the last
      // F3/F2, else 66, is consumed; with none, a RIP-relative one is PREFETCHIT1/0.
      if (lay.map === MAP_0F && lay.opcode === 0x18 && hint >= 6 && insn.rm < 0) {
        const rep = lay.prefixes.filter((b) => b === 0xf3 || b === 0xf2).pop();
        if (rep !== undefined) use.rep = rep;
        else if (lay.prefixes.includes(0x66)) use.data = true;
        if (isPrefetchI(lay, insn)) return hint === 7 ? 'prefetchit0' : 'prefetchit1';
      }
      return m;
    case 'prefetchw':
      // 0F 0D: /1 PREFETCHW, /2 PREFETCHWT1, the others AMD's PREFETCH.
      return hint === 1 ? 'prefetchw' : hint === 2 ? 'prefetchwt1' : 'prefetch';
    case 'movsxd':
      // objdump's movsxd_mode takes the 66 even when REX.W overrides it.
      if (lay.prefixes.includes(0x66)) use.data = true;
      return m;
    case 'sal':
      return 'shl'; // group 2 /6, the alias of /4: GNU tools spell it SHL
    case 'fxsave':
    case 'fxrstor':
    case 'xsave':
    case 'xrstor':
    case 'xsaveopt':
    case 'xsavec':
    case 'xsaves':
    case 'xrstors':
      // REX.W selects the 64-bit layout of the save area; GNU names it with a 64 suffix.
      use.useRex(REX_W);
      return lay.rex & REX_W ? m + '64' : m;
    case 'pcmpestri':
    case 'pcmpestrm':
      // REX.W makes the explicit lengths in RAX/RDX 64-bit; GNU adds a q.
      use.useRex(REX_W);
      return lay.rex & REX_W ? m + 'q' : m;
    case 'fnstenv':
    case 'fldenv':
    case 'fnsave':
    case 'frstor':
      // 66 selects the 16-bit environment layout (SDM Vol. 1 §8.1.10): fnstenvw.
      if (!lay.prefixes.includes(0x66)) return m;
      use.data = true;
      return m + 'w';
    case 'jrcxz':
      if (insn.addrsize === 4) {
        use.addr = true;
        return 'jecxz';
      }
      return m;
  }
  if (m.includes('/')) {
    // "cwde/cdqe" lists: three names for operand sizes 2/4/8, two for 4/8 (REX.W).
    const names = m.split('/');
    if (names.length === 2) {
      use.useRex(REX_W);
      return insn.opsize === 8 ? names[1] : names[0];
    }
    use.useOpsize();
    return names[insn.opsize === 2 ? 0 : insn.opsize === 4 ? 1 : 2] ?? names[names.length - 1];
  }
  // A 16-bit stack form with no sized operand to show it: pushw 0x1, pushfw, leavew.
  if (def.attrs & (D64 | F64) && insn.opsize === 2 && !def.operands.some((o) => /^[EGZ]v$|^rAX$/.test(o))) {
    use.data = true;
    return m + 'w';
  }
  return m;
}

/** CMPPS/CMPPD/CMPSS/CMPSD with predicates 0-7: objdump folds the immediate into the name. */
const CMP_PREDICATES = ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'];

/** Renamings that depend on the spelled operands. */
function adjustForOperands({ def, insn, lay }: Context, mnemonic: string, operands: string[]): string {
  if (mnemonic === 'mov' && lay.map === MAP_ONE_BYTE) {
    // B8+r with a 64-bit immediate and A0-A3 with a 64-bit address: GNU's MOVABS.
    if ((lay.opcode & 0xf8) === 0xb8 && insn.opsize === 8) return 'movabs';
    if (lay.opcode >= 0xa0 && lay.opcode <= 0xa3 && insn.addrsize === 8) return 'movabs';
  }
  const lastIsImm = def.operands[def.operands.length - 1] === 'Ib';
  const imm = insn.imm & 0xff;
  if (lastIsImm && /^cmp(p[sd]|s[sd])$/.test(mnemonic) && imm < CMP_PREDICATES.length) {
    operands.pop();
    return 'cmp' + CMP_PREDICATES[imm] + mnemonic.slice(3);
  }
  if (lastIsImm && mnemonic === 'pclmulqdq') {
    // objdump's PCLMUL_Fixup: immediates 0-3, 0x10 and 0x11 name the quadwords.
    const kind = imm === 0x10 ? 2 : imm === 0x11 ? 3 : imm;
    if (kind < 4) {
      operands.pop();
      return ['pclmullqlqdq', 'pclmulhqlqdq', 'pclmullqhqdq', 'pclmulhqhqdq'][kind];
    }
  }
  return mnemonic;
}

// ---- prefixes -------------------------------------------------------------------------

const STRING_REP = new Set(['movs', 'stos', 'lods', 'ins', 'outs']);

function rexName(b: number): string {
  const bits = (b & REX_W ? 'W' : '') + (b & REX_R ? 'R' : '') + (b & REX_X ? 'X' : '') + (b & REX_B ? 'B' : '');
  return bits ? 'rex.' + bits : 'rex';
}

/** The prefixes the instruction did not consume, named as objdump names them. */
function prefixWords({ def, insn, lay, use }: Context, mnemonic: string): string[] {
  const prefixes = lay.prefixes;
  const last = (pred: (b: number) => boolean): number => {
    for (let i = prefixes.length - 1; i >= 0; i--) if (pred(prefixes[i])) return i;
    return -1;
  };
  const lastF3 = last((b) => b === 0xf3);
  const lastF2 = last((b) => b === 0xf2);
  const lastSeg = last(isSegmentPrefix);
  const consumed = new Set<number>();
  if (use.data) consumed.add(last((b) => b === 0x66));
  if (use.addr) consumed.add(last((b) => b === 0x67));
  if (use.seg) consumed.add(lastSeg);
  if (use.rep) consumed.add(use.rep === 0xf3 ? lastF3 : lastF2);

  // objdump's *_Fixup routines rename the last prefix of a kind.
  const renamed = new Map<number, string>();
  const op = lay.map === MAP_ONE_BYTE ? lay.opcode : -1;
  // BND applies to near CALL/JMP/RET/Jcc (SDM Vol. 1 §17.4), not to LOOP or JrCXZ.
  const branch = (def.attrs & F64) !== 0 && /^(j(?!r?e?cxz)|call|ret)/.test(mnemonic);
  if (STRING_REP.has(mnemonic) && lastF3 >= 0) renamed.set(lastF3, 'rep');
  if (branch && lastF2 >= 0) renamed.set(lastF2, 'bnd');
  if (branch && def.operands[0]?.startsWith('E') && prefixes.includes(0x3e) && !prefixes.includes(0x66)) renamed.set(lastSeg, 'notrack');
  if (def.hasModrm && insn.rm < 0) {
    // Lock elision (SDM Vol. 1 §16.3.1): F2/F3 are XACQUIRE/XRELEASE on a locked
    // instruction or XCHG (implicitly locked); F3 is XRELEASE on a MOV store.
    if ((insn.lock && (def.attrs & LOCKABLE) !== 0) || op === 0x86 || op === 0x87) {
      if (lastF3 >= 0) renamed.set(lastF3, 'xrelease');
      if (lastF2 >= 0) renamed.set(lastF2, 'xacquire');
    } else if ((op === 0x88 || op === 0x89 || op === 0xc6 || op === 0xc7) && lastF3 >= 0) renamed.set(lastF3, 'xrelease');
  }

  const words: string[] = [];
  prefixes.forEach((b, i) => {
    if (!consumed.has(i)) words.push(renamed.get(i) ?? PREFIX_NAMES.get(b) ?? rexName(b));
  });
  if (lay.rex && (lay.rex & ~use.rex & 0x4f) !== 0) words.push(rexName(lay.rex));
  return words;
}

// ---- operands -------------------------------------------------------------------------

/** Bytes for a size suffix of the manual's operand codes (SDM Vol. 2D Table A-1). */
function sizeOf(suffix: string, { insn, use }: Context): number | undefined {
  switch (suffix) {
    case 'b': return 1;
    case 'w': return 2;
    case 'd':
    case 'ss':
    case 'si': return 4;
    case 'q':
    case 'sd':
    case 'pi': return 8;
    case 't': return 10;
    case 'x':
    case 'dq':
    case 'ps':
    case 'pd': return 16;
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

const SIZE_SUFFIX = /^(b|w|d|q|t|x|dq|ps|pd|ss|sd|si|pi|v|z|y)?$/;

/** Whether this module can spell an operand code of the table. */
function spells(code: string): boolean {
  if (code.includes('/')) return code.split('/').every(spells);
  if (code === '1' || code === 'rAX' || /^[a-z][a-z0-9]*$/.test(code) || /^(ST0|ST|STi|ST\(i\)|st0|sti|st\(i\))$/.test(code)) return true;
  const method = code[0];
  const suffix = code.slice(1);
  if (method === 'I') return /^[bwdzv]$/.test(suffix);
  if (method === 'J') return /^[bz]$/.test(suffix);
  return 'GZRCSVUEWMOXYPQN'.includes(method) && SIZE_SUFFIX.test(suffix);
}

/** Operand codes of `table` this disassembler cannot spell (they print as `(bad)`). */
export function unspelledOperandCodes(table: OpcodeTable = OPCODES): string[] {
  const codes = new Set<string>();
  for (const def of table.defs) for (const code of def.operands) if (!spells(code)) codes.add(`${code} (${def.key} ${def.mnemonic})`);
  return [...codes];
}

function formatOperand(ctx: Context, code: string, position: number): OperandText {
  const { def, insn, lay, use } = ctx;
  if (!spells(code)) return { text: '(bad)' };
  if (code.includes('/')) {
    // "Ry/Mw": the register form's code, or the memory form's.
    const [reg, mem] = code.split('/');
    return formatOperand(ctx, def.hasModrm && insn.rm < 0 ? mem : reg, position);
  }
  // x87 stack registers: ST(0) is "st", ST(i) comes from ModRM.rm.
  if (/^(ST0|ST|st0)$/.test(code)) return { text: 'st' };
  if (/^(STi|ST\(i\)|sti|st\(i\))$/.test(code)) return { text: `st(${lay.modrm & 7})` };
  // Fixed registers are written in lower case (al, cl, ax); rAX is the sized accumulator.
  if (code === '1') return { text: '1' };
  if (code === 'rAX') return { text: regName(0, sizeOf('v', ctx)!) };
  if (/^[a-z][a-z0-9]*$/.test(code)) return { text: code };

  const method = code[0];
  const suffix = code.slice(1);
  switch (method) {
    case 'G':
      use.useRex(REX_R);
      return { text: gpr(insn.reg, sizeOf(suffix, ctx) ?? 4, use) };
    case 'Z':
      use.useRex(REX_B);
      return { text: gpr(insn.reg, sizeOf(suffix, ctx) ?? 8, use) };
    case 'R': {
      // ModRM.rm names a register whatever mod says (SDM Vol. 2B, MOV CR: "The 2 bits in
      // the mod field are ignored").
      use.useRex(REX_B);
      return { text: gpr((lay.modrm & 7) | (lay.rex & REX_B ? 8 : 0), sizeOf(suffix, ctx) ?? 8, use) };
    }
    case 'C':
      use.useRex(REX_R);
      return { text: 'cr' + insn.reg };
    case 'S':
      return { text: SEG_NAMES[insn.reg & 7] ?? '?' };
    case 'V':
      use.useRex(REX_R);
      return { text: 'xmm' + insn.reg };
    case 'P':
      return { text: 'mm' + (insn.reg & 7) };
    case 'N':
      return { text: 'mm' + (lay.modrm & 7) };
    case 'U':
      if (insn.rm >= 0) {
        use.useRex(REX_B);
        return { text: 'xmm' + insn.rm };
      }
      return formatModrm(ctx, 'W', suffix);
    case 'E':
    case 'W':
    case 'M':
    case 'Q':
      return formatModrm(ctx, method, suffix);
    case 'I':
      return { text: formatImmediate(ctx, suffix, position) };
    case 'J': {
      const target = (ctx.next + BigInt(insn.imm)) & MASK64;
      const name = ctx.symbolize?.(Number(target));
      return { text: target.toString(16) + (name ? ` <${name}>` : '') };
    }
    case 'O': {
      // moffs (A0-A3). objdump leaves a 67 prefix here as the word addr32.
      if (suffix !== 'b') sizeOf(suffix, ctx);
      const seg = segmentOverride(ctx) || 'ds:';
      return { text: seg + immediate(insn, insn.addrsize) };
    }
    case 'X':
    case 'Y': {
      const size = sizeOf(suffix, ctx) ?? 1;
      if (insn.addrsize === 4) use.addr = true;
      const names = insn.addrsize === 4 ? REG32_NAMES : REG64_NAMES;
      if (method === 'Y') return { text: `${SIZE_KEYWORDS[size]}es:[${names[7]}]` };
      // The source's segment can be overridden; objdump then counts any override used.
      const seg = segmentOverride(ctx) || 'ds:';
      if (lay.prefixes.some(isSegmentPrefix)) use.seg = true;
      return { text: `${SIZE_KEYWORDS[size]}${seg}[${names[6]}]` };
    }
  }
  return { text: '(bad)' };
}

/** A general-purpose register; byte registers 4-7 need the REX byte to mean SPL..DIL. */
function gpr(reg: number, size: number, use: Usage): string {
  if (size === 1 && !(reg & HIGH_BYTE) && reg & 4) use.useRex(0);
  return regName(reg, size);
}

/** The decoder's (imm, immHi) pair truncated to `size` bytes, in hex. */
function immediate(insn: Insn, size: number): string {
  const value = (BigInt(insn.immHi >>> 0) << 32n) | BigInt(insn.imm >>> 0);
  return hex(value & ((1n << BigInt(size * 8)) - 1n));
}

function formatImmediate(ctx: Context, suffix: string, position: number): string {
  const { def, insn, lay, use } = ctx;
  // A second immediate (ENTER's nesting level) is a byte in imm2.
  if (def.operands.slice(0, position).some((o) => /^I[bwdzv]$/.test(o))) return hex(BigInt(insn.imm2 & 0xff));
  switch (suffix) {
    case 'b':
      // The sign-extended byte forms (83 /n, 6B, 6A) show at the operand size.
      if (lay.map === MAP_ONE_BYTE && (lay.opcode === 0x83 || lay.opcode === 0x6b || lay.opcode === 0x6a)) {
        use.useOpsize();
        return immediate(insn, insn.opsize);
      }
      return hex(BigInt(insn.imm & 0xff));
    case 'w':
      return hex(BigInt(insn.imm & 0xffff));
    case 'd':
      return immediate(insn, 4);
    default: // z, v
      use.useOpsize();
      return immediate(insn, insn.opsize);
  }
}

/** "fs:" or "gs:", the two segment overrides that count in 64-bit mode. */
function segmentOverride({ insn, use }: Context): string {
  if (insn.segment !== SEGOVR_FS && insn.segment !== SEGOVR_GS) return '';
  use.seg = true;
  return insn.segment === SEGOVR_FS ? 'fs:' : 'gs:';
}

/** 0F 18 /6, /7, RIP-relative, no 66/F2/F3: PREFETCHIT1/0 to objdump, hint NOPs to the table. */
function isPrefetchI(lay: Layout, insn: Insn): boolean {
  const prefixed = lay.prefixes.some((b) => b === 0x66 || b === 0xf2 || b === 0xf3);
  return lay.map === MAP_0F && lay.opcode === 0x18 && ((lay.modrm >> 3) & 7) >= 6 && insn.ripRelative && !prefixed;
}

/** The size objdump names for a memory operand, where it is not the code's own. */
function memorySize(ctx: Context, suffix: string): number | undefined {
  const { def, insn, lay } = ctx;
  switch (def.mnemonic) {
    case 'cmpxchg8b/cmpxchg16b':
      return lay.rex & REX_W ? 16 : 8;
    case 'nop':
      if (isPrefetchI(lay, insn)) return 1; // PREFETCHIT0/1 m8
      break;
    case 'mov':
      // A segment register stored to memory is a word (SDM Vol. 2B, MOV).
      if (def.operands[1] === 'Sw') return 2;
      break;
  }
  return sizeOf(suffix, ctx);
}

/** An operand in ModRM.rm: E, W, M, Q (and U's memory form, which is not encodable). */
function formatModrm(ctx: Context, method: string, suffix: string): OperandText {
  const { def, insn, use } = ctx;
  if (insn.rm >= 0 && method === 'Q') return { text: 'mm' + (insn.rm & 7) }; // MMX registers ignore REX.B
  use.useRex(REX_B);
  if (insn.rm >= 0) {
    // W names an XMM register (M codes never get here: mod = 11b is #UD for them).
    if (method === 'W') return { text: 'xmm' + insn.rm };
    // objdump shows the register of MOV Sreg and LSL at the operand size.
    const wide = suffix === 'w' && (def.mnemonic === 'mov' || def.mnemonic === 'lsl');
    return { text: gpr(insn.rm, (wide ? sizeOf('v', ctx) : sizeOf(suffix, ctx)) ?? 8, use) };
  }
  const size = memorySize(ctx, suffix);
  // CMPXCHG16B's m128 is an OWORD to objdump, not an XMMWORD.
  const keyword = size === undefined ? '' : size === 16 && def.mnemonic.startsWith('cmpxchg8b') ? 'OWORD PTR ' : SIZE_KEYWORDS[size] ?? '';
  return formatMemory(ctx, keyword);
}

function formatMemory(ctx: Context, keyword: string): OperandText {
  const { insn, lay, use } = ctx;
  const a32 = insn.addrsize === 4;
  if (a32) use.addr = true;
  if (lay.sib >= 0) use.useRex(REX_X);
  return formatAddress(
    {
      a32, segment: segmentOverride(ctx), ripRelative: insn.ripRelative, base: insn.base, index: insn.index,
      sib: lay.sib, mod: lay.modrm >> 6, disp: insn.disp,
    },
    keyword, ctx.next, ctx.symbolize,
  );
}

// ---- buffers --------------------------------------------------------------------------

class PastEnd {}

/** Decodes the instruction at `offset`, or undefined when its bytes are not one we know. */
export function tryDecode(table: OpcodeTable, bytes: Uint8Array, offset: number): Insn | undefined {
  try {
    return decode(table, (i) => {
      if (offset + i >= bytes.length || i >= MAX_INSN_LENGTH) throw new PastEnd();
      return bytes[offset + i];
    }, table === COMPAT_OPCODES); // the compatibility-mode table decodes as 32-bit code (no REX, 32-bit addresses)
  } catch (e) {
    if (e instanceof UndefinedOpcode || e instanceof InstructionTooLong || e instanceof PastEnd) return undefined;
    throw e;
  }
}

/** The x87 control instructions whose waiting forms GNU spells without the N. */
const NO_WAIT_FORMS = new Set(['fnstsw', 'fnstcw', 'fnstenv', 'fnsave', 'fninit', 'fnclex', 'fneni', 'fndisi', 'fnsetpm']);

/**
 * Disassembles the instruction at `bytes[offset]`, located at `address`, or returns
 * undefined if the decoder does not know it. Like objdump, FWAIT followed by an x87
 * instruction (D8-DF) is one line: FWAIT+FNSTSW is `fstsw`, and FWAIT before any
 * other x87 instruction is absorbed into it.
 */
export function disassembleAt(
  bytes: Uint8Array, offset: number, address: number, symbolize?: Symbolizer, table: OpcodeTable = OPCODES,
): DisassembledLine | undefined {
  const insn = tryDecode(table, bytes, offset);
  if (!insn) {
    // VEX/EVEX: #UD to the emulator (its decoder stops at SSE4.2), but still shown.
    const vex = table === OPCODES ? disassembleVex(bytes, offset, address, symbolize) : undefined;
    return vex && { address, length: vex.length, bytes: bytes.subarray(offset, offset + vex.length), text: vex.text };
  }
  if (insn.def?.mnemonic === 'fwait' && insn.length === 1) {
    let k = offset + 1;
    while (k < bytes.length && (isLegacyPrefix(bytes[k]) || (bytes[k] & 0xf0) === 0x40)) k++;
    const x87 = k < bytes.length && bytes[k] >= 0xd8 && bytes[k] <= 0xdf ? tryDecode(table, bytes, offset + 1) : undefined;
    if (x87) {
      const words = disassemble(x87, address + 1, symbolize).split(' ');
      const at = words.findIndex((w) => /^f/.test(w));
      if (at >= 0 && NO_WAIT_FORMS.has(words[at])) words[at] = 'f' + words[at].slice(2);
      const length = 1 + x87.length;
      return { address, length, bytes: bytes.subarray(offset, offset + length), text: words.join(' '), insn };
    }
  }
  return { address, length: insn.length, bytes: Uint8Array.from(insn.bytes), text: disassemble(insn, address, symbolize), insn };
}

/**
 * Disassembles a buffer that starts at `address`. Bytes the decoder does not know, and
 * an instruction cut off by the end of the buffer, become one-byte `(bad)` lines, and
 * decoding resumes at the next byte, as objdump does.
 */
export function disassembleRange(bytes: Uint8Array, address: number, symbolize?: Symbolizer, table: OpcodeTable = OPCODES): DisassembledLine[] {
  const lines: DisassembledLine[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const at = address + offset;
    const line = disassembleAt(bytes, offset, at, symbolize, table);
    if (line) {
      lines.push(line);
      offset += line.length;
    } else {
      lines.push({ address: at, length: 1, bytes: bytes.subarray(offset, offset + 1), text: '(bad)' });
      offset += 1;
    }
  }
  return lines;
}
