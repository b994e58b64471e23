import type { Handler } from './insn.js';

/**
 * The opcode table: every encoding the CPU knows, described once as data (STYLE.md:
 * "one table is the truth about instructions"). The decoder, the disassembler and the
 * tests are derived from it.
 *
 * An entry's key is written the way the Intel SDM's opcode column reads:
 *   "00 /r"           one-byte opcode with a ModRM byte
 *   "0F B6 /r"        two-byte opcode
 *   "66 0F 6F /r"     mandatory prefix (66, F2, F3, or NP for "none of them")
 *   "0F BC /r"        no prefix named: 66, F2 and F3 keep their legacy meaning
 *   "80 /7"           opcode group: ModRM.reg selects the entry
 *   "0F 01 /7 mem"    ... restricted to a memory operand ("reg" for mod = 11b)
 *   "0F 01 modrm=F8"  one exact ModRM byte (SWAPGS, VMCALL, the fences)
 *   "50+r"            register number in the opcode's low three bits
 * Operands use the manual's codes (SDM Vol. 2D Appendix A.2): E/G/Z for ModRM rm, reg
 * and opcode-embedded registers; I/J/O for immediates, relative offsets and offsets;
 * b/w/d/q/v/z/y for sizes; V/W for XMM reg and XMM-or-memory; fixed registers by name.
 *
 * Prefix classes (SDM Vol. 2A §2.1.2 and §3.1.1.1): the last of F2/F3 present, else 66,
 * else none, picks a class. An entry whose key names a class (NP, 66, F3, F2) matches
 * only that class and consumes the prefix; in particular NP means none of 66/F2/F3, and
 * "66 0F 3A 0F" with an F3 as well is #UD. An entry without a prefix in its key matches
 * when no class entry does, and the prefixes keep their legacy meaning (66 operand size,
 * F3/F2 REP, or ignored); with the NFX attribute (the SDM's "NFx") F2/F3 are #UD there.
 *
 * An M operand code (memory only: M, Mb, Mq, ...) makes mod = 11b #UD (SDM Vol. 2D
 * §A.2.1, "The ModR/M byte may refer only to memory"), for every entry at once. An R
 * code (ModRM.rm "may refer only to a general register", MOV to/from CRn) makes the
 * decoder read rm as a register whatever mod says: no SIB, no displacement.
 */
export interface OpcodeDef {
  key: string;
  /** Intel mnemonic; "cwde/cdqe" style lists give the form for operand sizes 2/4/8. */
  mnemonic: string;
  operands: string[];
  exec: Handler;
  sub: number;
  attrs: number;
  /** Derived from the key and operands. */
  hasModrm: boolean;
  eByte: boolean;
  gByte: boolean;
  /** An operand is memory only (an M code): the register form (mod = 11b) is #UD. */
  memOnly: boolean;
  /** An operand is an R code: ModRM.rm is a register and mod is ignored (SDM Vol. 2B, MOV CRn). */
  rmRegister: boolean;
  /** Immediate operand codes in encoding order (Ib, Iw, Iz, Iv, Jb, Jz, Ob, Ov). */
  immediates: string[];
  /**
   * The operand size is one byte whatever the prefixes: a byte E or G operand, or a
   * byte form on fixed registers (04 add al,Ib; B0+r), but not MOVZX-style forms whose
   * destination is wider.
   */
  byteSized: boolean;
  /** The register in the opcode's low bits is a byte register (B0+r: AH..BH without REX). */
  opcodeByteReg: boolean;
}

/** Operand size defaults to 64 bits in 64-bit mode; 66h selects 16 (SDM Vol. 1 §3.6.1). */
export const D64 = 1;
/** Operand size is always 64 bits (near branches, SDM Vol. 2A §2.2.1.7). */
export const F64 = 2;
/** Ends a decoded block: control transfer, privilege or mode change, or serialising. */
export const ENDS_BLOCK = 4;
/** Valid with a LOCK prefix when the destination is memory. */
export const LOCKABLE = 8;
/** "NFx" (SDM Vol. 2A §3.1.1.1): F2/F3 are #UD, 66 stays an operand-size prefix (MOVBE). */
export const NFX = 16;

export const PREFIX_NP = 0;
export const PREFIX_66 = 1;
export const PREFIX_F3 = 2;
export const PREFIX_F2 = 3;
/** Keys without a mandatory prefix: the fallback when no class entry matches. */
export const PREFIX_ANY = 4;

export const MAP_ONE_BYTE = 0;
export const MAP_0F = 1;
export const MAP_0F38 = 2;
export const MAP_0F3A = 3;

/** Per opcode and mandatory-prefix class (PREFIX_*): one def, or 256 indexed by the ModRM byte. */
export type OpcodeVariant = OpcodeDef | Array<OpcodeDef | undefined>;

export class OpcodeNode {
  readonly variants: Array<OpcodeVariant | undefined> = [undefined, undefined, undefined, undefined, undefined];
  hasModrm = false;
}

export interface AddOptions {
  sub?: number;
  attrs?: number;
}

export class OpcodeTable {
  /** Indexed by map * 256 + opcode byte. */
  readonly nodes: Array<OpcodeNode | undefined> = new Array(4 * 256).fill(undefined);
  readonly defs: OpcodeDef[] = [];

  add(key: string, mnemonic: string, operands: string, exec: Handler, options: AddOptions = {}): void {
    const parsed = parseKey(key);
    const ops = operands ? operands.split(',').map((s) => s.trim()) : [];
    // Operand codes that live in a ModRM byte (fixed registers are written in lower case).
    const hasModrm = parsed.modrmSelector !== undefined || parsed.explicitModrm || ops.some((o) => /^[EGMVWUNPQCDRS][a-z]+$/.test(o));
    const opcodes = parsed.plusR ? [0, 1, 2, 3, 4, 5, 6, 7].map((r) => parsed.opcode + r) : [parsed.opcode];
    for (const opcode of opcodes) {
      const def: OpcodeDef = {
        key,
        mnemonic,
        operands: ops,
        exec,
        sub: options.sub ?? 0,
        attrs: options.attrs ?? 0,
        hasModrm,
        eByte: ops.some((o) => o === 'Eb' || o === 'Mb'),
        gByte: ops.some((o) => o === 'Gb'),
        memOnly: ops.some((o) => /^M[a-z]*$/.test(o)),
        rmRegister: ops.some((o) => /^R[a-z]*$/.test(o)),
        immediates: ops.filter((o) => /^(I[bwzvd]|J[bz]|O[bv]|1)$/.test(o) && o !== '1'),
        byteSized:
          (ops.some((o) => o === 'Eb' || o === 'Mb' || o === 'Gb') || ['al', 'Zb', 'Xb', 'Yb', 'Ob'].includes(ops[0])) &&
          !ops.some((o) => o === 'Gv' || o === 'Gd' || o === 'Gq' || o === 'Gy' || o === 'Ev' || o === 'Vx' || o === 'Vdq'),
        opcodeByteReg: ops.includes('Zb'),
      };
      this.insert(parsed.map, opcode, parsed.prefix, parsed.modrmSelector, def);
    }
  }

  private insert(map: number, opcode: number, prefix: number, selector: ModrmSelector | undefined, def: OpcodeDef): void {
    const index = map * 256 + opcode;
    const node = (this.nodes[index] ??= new OpcodeNode());
    if (node.variants.some((v) => v !== undefined) && node.hasModrm !== def.hasModrm) {
      throw new Error(`opcode table: ${def.key} disagrees with earlier entries about having a ModRM byte`);
    }
    node.hasModrm = def.hasModrm;
    const existing = node.variants[prefix];
    if (selector === undefined) {
      if (existing !== undefined) throw new Error(`opcode table: ${def.key} (${def.mnemonic}) defined twice`);
      node.variants[prefix] = def;
    } else {
      if (existing !== undefined && !Array.isArray(existing)) {
        throw new Error(`opcode table: ${def.key} (${def.mnemonic}) conflicts with ${existing.key}`);
      }
      const byModrm = existing ?? new Array<OpcodeDef | undefined>(256).fill(undefined);
      for (const modrm of selector.bytes) {
        // An exact ModRM byte may refine a group entry (0F 01 /1 reg → MONITOR...);
        // two group entries claiming the same byte is a table bug.
        const prev = byModrm[modrm];
        if (prev && !selector.exact && !prev.key.includes('modrm=')) {
          throw new Error(`opcode table: ${def.key} (${def.mnemonic}) overlaps ${prev.key}`);
        }
        if (!prev || selector.exact) byModrm[modrm] = def;
      }
      node.variants[prefix] = byModrm;
    }
    this.defs.push(def);
  }
}

interface ModrmSelector {
  exact: boolean;
  /** The ModRM bytes it selects. */
  bytes: readonly number[];
}

/**
 * The ModRM bytes a selector's text ("/3 mem", "reg", "modrm=D9") selects, listed once
 * per text: checking all 256 bytes for each of the 310 group entries took 3-4 ms of every
 * start-up, in code V8 had not optimized yet.
 */
const selectorBytes = new Map<string, readonly number[]>();

function modrmBytes(text: string, matches: (modrm: number) => boolean): readonly number[] {
  let bytes = selectorBytes.get(text);
  if (!bytes) {
    bytes = Array.from({ length: 256 }, (_, m) => m).filter(matches);
    selectorBytes.set(text, bytes);
  }
  return bytes;
}

interface ParsedKey {
  map: number;
  opcode: number;
  prefix: number;
  plusR: boolean;
  /** "/r": a ModRM byte whose reg field is an operand. */
  explicitModrm: boolean;
  modrmSelector?: ModrmSelector;
}

function parseKey(key: string): ParsedKey {
  const tokens = key.trim().split(/\s+/);
  let prefix = PREFIX_ANY;
  if (tokens.length > 1 && ['NP', '66', 'F3', 'F2'].includes(tokens[0])) {
    prefix = ['NP', '66', 'F3', 'F2'].indexOf(tokens.shift()!);
  }
  let map = MAP_ONE_BYTE;
  if (tokens[0] === '0F') {
    tokens.shift();
    map = MAP_0F;
    const escape = tokens[0] as string;
    if (tokens.length > 1 && (escape === '38' || escape === '3A')) {
      tokens.shift();
      map = escape === '38' ? MAP_0F38 : MAP_0F3A;
    }
  }
  let opToken = tokens.shift();
  if (!opToken) throw new Error(`opcode table: no opcode in "${key}"`);
  const plusR = opToken.endsWith('+r');
  if (plusR) opToken = opToken.slice(0, -2);
  const opcode = parseInt(opToken, 16);
  if (!/^[0-9A-F]{2}$/.test(opToken)) throw new Error(`opcode table: bad opcode "${opToken}" in "${key}"`);
  let modrmSelector: ModrmSelector | undefined;
  const rest = tokens.join(' ');
  if (rest === '' || rest === '/r') {
    modrmSelector = undefined;
  } else if (/^\/[0-7]( mem| reg)?$/.test(rest)) {
    const reg = Number(rest[1]);
    const restriction = rest.slice(3);
    modrmSelector = {
      exact: false,
      bytes: modrmBytes(rest, (m) => ((m >> 3) & 7) === reg && (restriction === '' || (restriction === 'reg') === (m >> 6 === 3))),
    };
  } else if (/^(mem|reg)$/.test(rest)) {
    modrmSelector = { exact: false, bytes: modrmBytes(rest, (m) => (rest === 'reg') === (m >> 6 === 3)) };
  } else if (/^modrm=[0-9A-F]{2}$/.test(rest)) {
    modrmSelector = { exact: true, bytes: [parseInt(rest.slice(6), 16)] };
  } else {
    throw new Error(`opcode table: cannot read "${rest}" in "${key}"`);
  }
  return { map, opcode, prefix, plusR, modrmSelector, explicitModrm: rest === '/r' };
}
