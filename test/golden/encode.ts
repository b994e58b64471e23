/**
 * A small x86-64 encoder for the golden-vector generator: enough to write every opcode
 * table entry with chosen registers, memory addressing forms and immediates. It works
 * from the table's own key syntax ("66 0F 6F /r", "80 /7", "B8+r") so the generator
 * enumerates the table instead of a second list of encodings.
 */
import { CODE_BASE } from './layout.js';

export interface ParsedKey {
  text: string; //             the key as the opcode table writes it
  mandatory: number | null; // 0x66 / 0xF2 / 0xF3 from the key, or null ("NP" or none)
  map: number; //              0 one-byte, 1 0F, 2 0F 38, 3 0F 3A
  opcode: number;
  plusR: boolean;
  digit: number | null; //     /0../7
  restriction: 'mem' | 'reg' | null;
  modrm: number | null; //     modrm=XX
  slashR: boolean;
}

export function parseKey(key: string): ParsedKey {
  const t = key.trim().split(/\s+/);
  let mandatory: number | null = null;
  if (t.length > 1 && ['NP', '66', 'F3', 'F2'].includes(t[0])) {
    const p = t.shift()!;
    mandatory = p === 'NP' ? null : parseInt(p, 16);
  }
  let map = 0;
  if (t[0] === '0F') {
    t.shift();
    map = 1;
    const escape: string = t[0];
    if (t.length > 1 && (escape === '38' || escape === '3A')) {
      t.shift();
      map = escape === '38' ? 2 : 3;
    }
  }
  let op = t.shift()!;
  const plusR = op.endsWith('+r');
  if (plusR) op = op.slice(0, -2);
  const rest = t.join(' ');
  let digit: number | null = null;
  let restriction: 'mem' | 'reg' | null = null;
  let modrm: number | null = null;
  const m = /^\/([0-7])(?: (mem|reg))?$/.exec(rest);
  if (m) {
    digit = Number(m[1]);
    restriction = (m[2] as 'mem' | 'reg' | undefined) ?? null;
  } else if (rest === 'mem' || rest === 'reg') restriction = rest;
  else if (rest.startsWith('modrm=')) modrm = parseInt(rest.slice(6), 16);
  return { text: key, mandatory, map, opcode: parseInt(op, 16), plusR, digit, restriction, modrm, slashR: rest === '/r' };
}

export interface RegOperand {
  kind: 'reg';
  /** 0-15; for byte operands 16-19 mean AH, CH, DH, BH. */
  reg: number;
}

export interface MemOperand {
  kind: 'mem';
  base: number | null;
  index: number | null;
  scale: number;
  disp: number;
  dispSize: 0 | 1 | 4;
  rip: boolean;
  /** Absolute address a RIP-relative operand designates. */
  target: number;
}

export type RmOperand = RegOperand | MemOperand;

export interface InsnSpec {
  /** Legacy prefixes in the order written (66, 67, F0, F2, F3, segment...). */
  legacy?: number[];
  key: ParsedKey;
  rexW?: boolean;
  /** Emit a REX prefix even when no bit is needed (SPL..DIL). */
  forceRex?: boolean;
  /** ModRM.reg operand (register number, or a byte register 16-19) when the key has /r. */
  reg?: number;
  rm?: RmOperand;
  /** The register of a +r opcode. */
  zreg?: number;
  /** Immediates in encoding order: [size in bytes, value]. */
  imms?: Array<[number, bigint]>;
}

export class EncodeError extends Error {}

/** Encodes one instruction placed at CODE_BASE + at. */
export function encode(spec: InsnSpec, at: number): number[] {
  const k = spec.key;
  let rex = spec.rexW ? 8 : 0;
  let needsRex = !!spec.forceRex;
  let forbidsRex = false;
  const regNum = (r: number): number => {
    if (r >= 16) {
      forbidsRex = true;
      return r - 12; // AH..BH are encodings 4..7 without REX
    }
    return r;
  };
  const body: number[] = [];
  let ripDispAt = -1;
  let ripTarget = 0;
  if (k.modrm !== null) body.push(k.modrm);
  else if (spec.rm) {
    const regField = k.digit !== null ? k.digit : regNum(spec.reg ?? 0);
    if (regField & 8) rex |= 4;
    const rm = spec.rm;
    if (rm.kind === 'reg') {
      const r = regNum(rm.reg);
      if (r & 8) rex |= 1;
      body.push(0xc0 | ((regField & 7) << 3) | (r & 7));
    } else if (rm.rip) {
      body.push(0x05 | ((regField & 7) << 3));
      ripDispAt = body.length;
      ripTarget = rm.target;
      body.push(0, 0, 0, 0);
    } else {
      const scaleBits = [1, 2, 4, 8].indexOf(rm.scale);
      if (scaleBits < 0) throw new EncodeError(`bad scale ${rm.scale}`);
      if (rm.index === 4) throw new EncodeError('rsp cannot be an index');
      if (rm.index !== null && rm.index & 8) rex |= 2;
      const idx = rm.index === null ? 4 : rm.index & 7;
      if (rm.base === null) {
        body.push(0x04 | ((regField & 7) << 3), (scaleBits << 6) | (idx << 3) | 5);
        pushLe(body, rm.disp, 4);
      } else {
        let dispSize = rm.dispSize;
        if (dispSize === 0 && (rm.base & 7) === 5) dispSize = 1; // [rbp]/[r13] need a displacement
        const mod = dispSize === 0 ? 0 : dispSize === 1 ? 1 : 2;
        if (rm.base & 8) rex |= 1;
        if (rm.index !== null || (rm.base & 7) === 4) {
          body.push((mod << 6) | ((regField & 7) << 3) | 4, (scaleBits << 6) | (idx << 3) | (rm.base & 7));
        } else {
          body.push((mod << 6) | ((regField & 7) << 3) | (rm.base & 7));
        }
        if (dispSize) pushLe(body, rm.disp, dispSize);
      }
    }
  }
  let opcode = k.opcode;
  if (k.plusR) {
    const z = regNum(spec.zreg ?? 0);
    if (z & 8) rex |= 1;
    opcode += z & 7;
  }
  if (rex) needsRex = true;
  if (needsRex && forbidsRex) throw new EncodeError('AH..BH cannot be encoded with a REX prefix');
  const out: number[] = [...(spec.legacy ?? [])];
  if (k.mandatory !== null) out.push(k.mandatory);
  if (needsRex) out.push(0x40 | rex);
  if (k.map >= 1) out.push(0x0f);
  if (k.map === 2) out.push(0x38);
  if (k.map === 3) out.push(0x3a);
  out.push(opcode);
  const bodyAt = out.length;
  out.push(...body);
  for (const [size, value] of spec.imms ?? []) pushLe(out, value, size);
  if (ripDispAt >= 0) {
    const disp = ripTarget - (CODE_BASE + at + out.length);
    const b: number[] = [];
    pushLe(b, disp, 4);
    for (let i = 0; i < 4; i++) out[bodyAt + ripDispAt + i] = b[i];
  }
  return out;
}

function pushLe(out: number[], value: number | bigint, size: number): void {
  let v = BigInt.asUintN(size * 8, BigInt(value));
  for (let i = 0; i < size; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
}
