import { VEC_GP, VEC_UD } from './cpu-exception.js';
import type { Cpu } from './cpu.js';
import { Insn, REP_E, REP_NE, REP_NONE, SEGOVR_FS, SEGOVR_GS, SEGOVR_NONE } from './insn.js';
import { D64, F64, LOCKABLE, MAP_0F, MAP_0F38, MAP_0F3A, NFX, PREFIX_66, PREFIX_ANY, PREFIX_F2, PREFIX_F3, PREFIX_NP } from './opcode-table.js';
import type { OpcodeDef, OpcodeTable, OpcodeVariant } from './opcode-table.js';
import { HIGH_BYTE, RSP, ZERO_REG } from './registers.js';

/** Reads instruction bytes relative to the instruction's first byte. */
export type ByteReader = (offset: number) => number;

/** The architectural limit on instruction length (SDM Vol. 2A §2.1): longer is #GP(0). */
export const MAX_INSN_LENGTH = 15;

/** Thrown for an undefined or not-yet-implemented encoding; the caller raises #UD. */
export class UndefinedOpcode {
  constructor(readonly bytes: number[]) {}
}

/**
 * Decodes one long-mode (64-bit) instruction, driven by the opcode table: legacy
 * prefixes, REX (SDM Vol. 2A §2.2.1), the 0F / 0F 38 / 0F 3A maps, mandatory prefixes,
 * ModRM and SIB with 32-bit displacements and RIP-relative addressing (§2.2.1.6), and
 * immediates. The result is a fresh Insn with its handler attached.
 *
 * `compat`: the code segment is a compatibility-mode one (CS.L = 0, D = 1; pass the
 * compatibility table, opcodes32.ts): 40-4F are INC/DEC, not REX; operands and addresses
 * default to 32 bits, near branches and stack operations too; ModRM mod 00 rm 101 is an
 * absolute disp32, not RIP-relative; 67 (16-bit addressing) is not implemented (#UD).
 */
export function decode(table: OpcodeTable, read: ByteReader, compat = false): Insn {
  const seen: number[] = [];
  let pos = 0;
  const next = (): number => {
    if (pos >= MAX_INSN_LENGTH) throw new InstructionTooLong();
    const b = read(pos++);
    seen.push(b);
    return b;
  };

  let opsizeOverride = false;
  let addrsizeOverride = false;
  let rep = REP_NONE;
  let lock = false;
  let segment = SEGOVR_NONE;
  let rex = 0;
  let b = next();
  for (;;) {
    if (b === 0x66) opsizeOverride = true;
    else if (b === 0x67) addrsizeOverride = true;
    else if (b === 0xf3) rep = REP_E;
    else if (b === 0xf2) rep = REP_NE;
    else if (b === 0xf0) lock = true;
    else if (b === 0x64) segment = SEGOVR_FS;
    else if (b === 0x65) segment = SEGOVR_GS;
    else if (b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26) {
      // CS/SS/DS/ES overrides have no effect in 64-bit mode (SDM Vol. 1 §3.3.7.1).
    } else if (!compat && (b & 0xf0) === 0x40) {
      rex = b;
      b = next();
      // A REX prefix counts only immediately before the opcode (SDM Vol. 2A §2.2.1): one
      // followed by a legacy prefix or by another REX is ignored.
      if (isLegacyPrefix(b) || (b & 0xf0) === 0x40) {
        rex = 0;
        continue;
      }
      break;
    } else break;
    b = next();
  }

  let map = 0;
  if (b === 0x0f) {
    b = next();
    map = MAP_0F;
    if (b === 0x38) {
      map = MAP_0F38;
      b = next();
    } else if (b === 0x3a) {
      map = MAP_0F3A;
      b = next();
    }
  }
  const opcode = b;
  const node = table.nodes[map * 256 + opcode];
  if (!node) throw new UndefinedOpcode(seen.concat(peek(read, pos, 2)));

  // Mandatory prefixes (SDM Vol. 2A §2.1.2, §3.1.1.1): the last of F3/F2, else 66, else
  // none picks a class. An entry keyed with that class (NP = none of 66/F2/F3) wins and
  // consumes the prefix; F3 66 0F 38 00 is #UD, not PSHUFB. Otherwise an entry keyed
  // without a prefix applies, the prefixes keeping their legacy meaning (66 operand size,
  // F3/F2 REP, or ignored: F3 90 is PAUSE, F2 0F BC is BSF), except F2/F3 on NFx ones.
  const prefixClass = rep === REP_E ? PREFIX_F3 : rep === REP_NE ? PREFIX_F2 : opsizeOverride ? PREFIX_66 : PREFIX_NP;
  let modrm = -1;
  if (node.hasModrm) modrm = next();
  let def = pick(node.variants[prefixClass], modrm);
  if (def) {
    if (prefixClass === PREFIX_66) opsizeOverride = false;
    else if (prefixClass !== PREFIX_NP) rep = REP_NONE;
  } else {
    def = pick(node.variants[PREFIX_ANY], modrm);
    if (def && def.attrs & NFX && rep !== REP_NONE) def = undefined;
  }
  if (!def) throw new UndefinedOpcode(seen.concat(peek(read, pos, 1)));
  // A memory-only operand (M codes: LEA, MOVBE, MOVNTDQ, the MOVLPS stores...) with
  // mod = 11b is #UD (SDM Vol. 2D §A.2.1).
  if (def.memOnly && modrm >= 0xc0) throw new UndefinedOpcode(seen);
  // LOCK is #UD unless the instruction is lockable and its destination is memory (SDM Vol. 2A, LOCK).
  if (lock && (!(def.attrs & LOCKABLE) || modrm < 0 || modrm >= 0xc0)) throw new UndefinedOpcode(seen);

  const insn = new Insn(def.exec);
  insn.def = def;
  insn.sub = def.sub;
  insn.rep = rep;
  insn.lock = lock;
  insn.segment = segment;
  insn.rex = rex !== 0;
  const rexW = (rex & 8) !== 0;
  const rexR = (rex & 4) << 1; // → 8
  const rexX = (rex & 2) << 2;
  const rexB = (rex & 1) << 3;
  if (compat && addrsizeOverride) throw new UndefinedOpcode(seen); // 16-bit addressing
  insn.addrsize = addrsizeOverride || compat ? 4 : 8;

  if (compat) insn.opsize = opsizeOverride && !(def.attrs & F64) ? 2 : 4;
  else if (def.attrs & F64) insn.opsize = 8;
  else if (def.attrs & D64) insn.opsize = rexW || !opsizeOverride ? 8 : 2;
  else insn.opsize = rexW ? 8 : opsizeOverride ? 2 : 4;
  if (def.byteSized) insn.opsize = 1;

  // Register embedded in the opcode (50+r, B8+r, ...).
  if (!def.hasModrm) insn.reg = (opcode & 7) | rexB;
  if (def.opcodeByteReg && !rex && insn.reg >= 4 && insn.reg < 8) insn.reg = HIGH_BYTE | (insn.reg - 4);

  if (modrm >= 0) {
    const mod = modrm >> 6;
    const regField = ((modrm >> 3) & 7) | rexR;
    const rmField = modrm & 7;
    insn.reg = def.gByte && !rex && regField >= 4 && regField < 8 ? HIGH_BYTE | (regField - 4) : regField;
    // R operands (MOV to/from CRn) ignore mod: "The 2 bits in the mod field are
    // ignored" (SDM Vol. 2B, MOV—Move to/from Control Registers).
    if (mod === 3 || def.rmRegister) {
      const r = rmField | rexB;
      insn.rm = def.eByte && !rex && r >= 4 && r < 8 ? HIGH_BYTE | (r - 4) : r;
    } else {
      insn.rm = -1;
      let base = rmField | rexB;
      if (rmField === 4) {
        const sib = next();
        const scaleBits = sib >> 6;
        const index = ((sib >> 3) & 7) | rexX;
        insn.scale = 1 << scaleBits;
        insn.index = index === RSP ? ZERO_REG : index; // index 100b without REX.X means none
        base = (sib & 7) | rexB;
        if ((sib & 7) === 5 && mod === 0) {
          base = ZERO_REG; // [index*scale + disp32]
          insn.disp = readSigned(next, 4);
        }
      } else if (rmField === 5 && mod === 0) {
        insn.ripRelative = !compat; // [rip + disp32] (SDM Vol. 2A §2.2.1.6); [disp32] in 32-bit mode
        base = ZERO_REG;
        insn.disp = readSigned(next, 4);
      }
      insn.base = base;
      if (mod === 1) insn.disp = readSigned(next, 1);
      else if (mod === 2) insn.disp = readSigned(next, 4);
    }
  }

  // Immediates in encoding order; a second one (ENTER's nesting level) goes to imm2.
  for (let k = 0; k < def.immediates.length; k++) {
    const code = def.immediates[k];
    if (k > 0) {
      insn.imm2 = readUnsigned(next, 1);
      continue;
    }
    switch (code) {
      case 'Ib':
      case 'Jb':
        insn.imm = readSigned(next, 1);
        insn.immHi = insn.imm >> 31;
        break;
      case 'Iw':
        insn.imm = readUnsigned(next, 2);
        insn.immHi = 0;
        break;
      case 'Id':
      case 'Jz':
        insn.imm = readSigned(next, 4);
        insn.immHi = insn.imm >> 31;
        break;
      case 'Iz':
        insn.imm = insn.opsize === 2 ? readUnsigned(next, 2) : readSigned(next, 4);
        insn.immHi = insn.imm >> 31;
        break;
      case 'Iv':
        if (insn.opsize === 8) {
          insn.imm = readSigned(next, 4);
          insn.immHi = readSigned(next, 4);
        } else {
          insn.imm = insn.opsize === 2 ? readUnsigned(next, 2) : readSigned(next, 4);
          insn.immHi = 0;
        }
        break;
      case 'Ob':
      case 'Ov':
        // moffs: an absolute address of address-size width (A0-A3).
        insn.imm = readSigned(next, 4);
        insn.immHi = insn.addrsize === 8 ? readSigned(next, 4) : 0;
        break;
    }
  }
  insn.length = pos;
  insn.bytes = seen.slice(); // exact length: a pushed-to array keeps 17 slots, and decoded instructions live long
  return insn;
}

/** The def a prefix class's variant holds for this ModRM byte (-1: no ModRM). */
function pick(variant: OpcodeVariant | undefined, modrm: number): OpcodeDef | undefined {
  return Array.isArray(variant) ? variant[modrm] : variant;
}

function isLegacyPrefix(b: number): boolean {
  return b === 0x66 || b === 0x67 || b === 0xf2 || b === 0xf3 || b === 0xf0 || b === 0x64 || b === 0x65 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26;
}

function readSigned(next: () => number, size: number): number {
  if (size === 1) return (next() << 24) >> 24;
  if (size === 2) return ((next() | (next() << 8)) << 16) >> 16;
  return next() | (next() << 8) | (next() << 16) | (next() << 24);
}

function readUnsigned(next: () => number, size: number): number {
  return size === 2 ? next() | (next() << 8) : readSigned(next, size) >>> 0;
}

function peek(read: ByteReader, from: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count && from + i < MAX_INSN_LENGTH; i++) {
    try {
      out.push(read(from + i));
    } catch {
      break;
    }
  }
  return out;
}

/** More than 15 bytes of prefixes and opcode: #GP(0) (SDM Vol. 2A §2.1). */
export class InstructionTooLong {}

export function raiseDecodeFailure(cpu: Cpu, e: unknown): never {
  if (e instanceof UndefinedOpcode) {
    cpu.raise(VEC_UD, 0, e.bytes.map((x) => x.toString(16).padStart(2, '0')).join(' '));
  }
  if (e instanceof InstructionTooLong) cpu.raise(VEC_GP, 0, 'instruction longer than 15 bytes');
  throw e;
}

