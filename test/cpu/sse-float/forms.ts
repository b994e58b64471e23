/**
 * The SSE floating-point instruction forms the golden vectors exercise, and the shape of
 * their inputs. Shared by the generator (make-vectors.ts, run on the host through
 * tools/sse-golden) and the live spot-check test.
 *
 * Register conventions of the harness (tools/sse-golden/sse-golden.c): the destination
 * is xmm1, the source xmm2 (ModRM C8+2 = CA), xmm0 the implicit BLENDV mask; a memory
 * source is [rdx] (ModRM 0A) = DATA_BASE; GPR operands are eax/rax (rm = 0).
 */

/** How a form's inputs are built (see make-vectors.ts). */
export type InputKind =
  | 'bin' //      two floating-point operands (xmm1 op xmm2)
  | 'un' //       one floating-point source (xmm2), xmm1 pass-through lanes
  | 'cmp' //      like bin, the predicate in the immediate
  | 'comi' //     like bin, EFLAGS result
  | 'approx' //   RCP/RSQRT: float sources covering the hardware table
  | 'i2f' //      integer source in eax/rax (or dword lanes of xmm2) to floating point
  | 'f2i' //      floating-point source to integer (eax/rax or dword lanes)
  | 'f2f' //      precision conversion
  | 'round' //    ROUNDPS/PD/SS/SD, the mode in the immediate
  | 'bits' //     shuffles, blends, moves: any bit patterns
  | 'dp'; //      DPPS/DPPD

export interface Form {
  /** Unique name: the mnemonic, plus the operand shape when there are several. */
  name: string;
  /** Instruction bytes; `imm` is appended when `hasImm`. */
  bytes: number[];
  hasImm?: boolean;
  /** Element width in bytes (4 single / dword, 8 double / qword). */
  width: 4 | 8;
  /** Lanes the instruction computes: 1 for scalar, 16/width for packed (low 2 for some). */
  lanes: number;
  kind: InputKind;
  /** Output file under data/. */
  group: string;
  /** Memory source (data at [rdx] instead of xmm2). */
  memory?: boolean;
  /** For 'i2f'/'f2i': the integer side is 64-bit (REX.W). */
  int64?: boolean;
  /** For 'i2f'/'f2i': the integer side is a GPR rather than XMM lanes. */
  gpr?: boolean;
  /** Truncating conversion (CVTT*). */
  truncate?: boolean;
  /** Source precision of 'f2f' / 'f2i' forms when it differs from `width`. */
  srcWidth?: 4 | 8;
  /** Fraction of the usual number of vectors. */
  scale?: number;
}

const PREFIX = { ps: [], pd: [0x66], ss: [0xf3], sd: [0xf2] } as const;
type Suffix = keyof typeof PREFIX;
const SUFFIXES: Suffix[] = ['ps', 'pd', 'ss', 'sd'];

function widthOf(s: Suffix): 4 | 8 {
  return s === 'ps' || s === 'ss' ? 4 : 8;
}

function lanesOf(s: Suffix): number {
  return s === 'ss' || s === 'sd' ? 1 : 16 / widthOf(s);
}

export const FORMS: Form[] = [];

function add(form: Form): void {
  if (FORMS.some((f) => f.name === form.name)) throw new Error(`duplicate form ${form.name}`);
  FORMS.push(form);
}

// ---- arithmetic: 0F 58 add, 59 mul, 5C sub, 5D min, 5E div, 5F max, 51 sqrt --------------
const ARITH: Array<[string, number]> = [['add', 0x58], ['mul', 0x59], ['sub', 0x5c], ['min', 0x5d], ['div', 0x5e], ['max', 0x5f], ['sqrt', 0x51]];
for (const [op, code] of ARITH) {
  for (const s of SUFFIXES) {
    const base = { width: widthOf(s), lanes: lanesOf(s), kind: (op === 'sqrt' ? 'un' : 'bin') as InputKind, group: 'arith' };
    add({ ...base, name: `${op}${s}`, bytes: [...PREFIX[s], 0x0f, code, 0xca] });
    add({ ...base, name: `${op}${s} mem`, bytes: [...PREFIX[s], 0x0f, code, 0x0a], memory: true });
  }
}

// ---- compares ---------------------------------------------------------------------------
for (const s of SUFFIXES) {
  add({ name: `cmp${s}`, bytes: [...PREFIX[s], 0x0f, 0xc2, 0xca], hasImm: true, width: widthOf(s), lanes: lanesOf(s), kind: 'cmp', group: 'compare' });
  add({ name: `cmp${s} mem`, bytes: [...PREFIX[s], 0x0f, 0xc2, 0x0a], hasImm: true, width: widthOf(s), lanes: lanesOf(s), kind: 'cmp', group: 'compare', memory: true });
}
add({ name: 'comiss', bytes: [0x0f, 0x2f, 0xca], width: 4, lanes: 1, kind: 'comi', group: 'compare' });
add({ name: 'comisd', bytes: [0x66, 0x0f, 0x2f, 0xca], width: 8, lanes: 1, kind: 'comi', group: 'compare' });
add({ name: 'ucomiss', bytes: [0x0f, 0x2e, 0xca], width: 4, lanes: 1, kind: 'comi', group: 'compare' });
add({ name: 'ucomisd', bytes: [0x66, 0x0f, 0x2e, 0xca], width: 8, lanes: 1, kind: 'comi', group: 'compare' });
add({ name: 'comisd mem', bytes: [0x66, 0x0f, 0x2f, 0x0a], width: 8, lanes: 1, kind: 'comi', group: 'compare', memory: true });
add({ name: 'ucomiss mem', bytes: [0x0f, 0x2e, 0x0a], width: 4, lanes: 1, kind: 'comi', group: 'compare', memory: true });

// ---- approximations ---------------------------------------------------------------------
add({ name: 'rcpps', bytes: [0x0f, 0x53, 0xca], width: 4, lanes: 4, kind: 'approx', group: 'approx' });
add({ name: 'rcpss', bytes: [0xf3, 0x0f, 0x53, 0xca], width: 4, lanes: 1, kind: 'approx', group: 'approx' });
add({ name: 'rsqrtps', bytes: [0x0f, 0x52, 0xca], width: 4, lanes: 4, kind: 'approx', group: 'approx' });
add({ name: 'rsqrtss', bytes: [0xf3, 0x0f, 0x52, 0xca], width: 4, lanes: 1, kind: 'approx', group: 'approx' });
add({ name: 'rcpss mem', bytes: [0xf3, 0x0f, 0x53, 0x0a], width: 4, lanes: 1, kind: 'approx', group: 'approx', memory: true });

// ---- conversions ------------------------------------------------------------------------
// Integer in a GPR to scalar floating point: F3/F2 0F 2A, ModRM C8 = xmm1, eax.
for (const [s, p] of [['ss', 0xf3], ['sd', 0xf2]] as const) {
  const width = s === 'ss' ? 4 : 8;
  add({ name: `cvtsi2${s} r32`, bytes: [p, 0x0f, 0x2a, 0xc8], width, lanes: 1, kind: 'i2f', group: 'convert', gpr: true });
  add({ name: `cvtsi2${s} r64`, bytes: [p, 0x48, 0x0f, 0x2a, 0xc8], width, lanes: 1, kind: 'i2f', group: 'convert', gpr: true, int64: true });
  add({ name: `cvtsi2${s} m32`, bytes: [p, 0x0f, 0x2a, 0x0a], width, lanes: 1, kind: 'i2f', group: 'convert', gpr: true, memory: true });
  // Scalar floating point to a GPR: 2D rounds by MXCSR, 2C truncates. ModRM C2 = eax, xmm2.
  for (const [t, code] of [['', 0x2d], ['t', 0x2c]] as const) {
    const name = `cvt${t}${s}2si`;
    add({ name: `${name} r32`, bytes: [p, 0x0f, code, 0xc2], width, lanes: 1, kind: 'f2i', group: 'convert', gpr: true, truncate: t === 't' });
    add({ name: `${name} r64`, bytes: [p, 0x48, 0x0f, code, 0xc2], width, lanes: 1, kind: 'f2i', group: 'convert', gpr: true, int64: true, truncate: t === 't' });
  }
  add({ name: `cvt${s}2si mem`, bytes: [p, 0x48, 0x0f, 0x2d, 0x02], width, lanes: 1, kind: 'f2i', group: 'convert', gpr: true, int64: true, memory: true });
}
add({ name: 'cvtss2sd', bytes: [0xf3, 0x0f, 0x5a, 0xca], width: 8, srcWidth: 4, lanes: 1, kind: 'f2f', group: 'convert' });
add({ name: 'cvtsd2ss', bytes: [0xf2, 0x0f, 0x5a, 0xca], width: 4, srcWidth: 8, lanes: 1, kind: 'f2f', group: 'convert' });
add({ name: 'cvtps2pd', bytes: [0x0f, 0x5a, 0xca], width: 8, srcWidth: 4, lanes: 2, kind: 'f2f', group: 'convert' });
add({ name: 'cvtpd2ps', bytes: [0x66, 0x0f, 0x5a, 0xca], width: 4, srcWidth: 8, lanes: 2, kind: 'f2f', group: 'convert' });
add({ name: 'cvtss2sd mem', bytes: [0xf3, 0x0f, 0x5a, 0x0a], width: 8, srcWidth: 4, lanes: 1, kind: 'f2f', group: 'convert', memory: true });
add({ name: 'cvtps2pd mem', bytes: [0x0f, 0x5a, 0x0a], width: 8, srcWidth: 4, lanes: 2, kind: 'f2f', group: 'convert', memory: true });
add({ name: 'cvtdq2ps', bytes: [0x0f, 0x5b, 0xca], width: 4, lanes: 4, kind: 'i2f', group: 'convert' });
add({ name: 'cvtps2dq', bytes: [0x66, 0x0f, 0x5b, 0xca], width: 4, lanes: 4, kind: 'f2i', group: 'convert' });
add({ name: 'cvttps2dq', bytes: [0xf3, 0x0f, 0x5b, 0xca], width: 4, lanes: 4, kind: 'f2i', group: 'convert', truncate: true });
add({ name: 'cvtdq2pd', bytes: [0xf3, 0x0f, 0xe6, 0xca], width: 8, lanes: 2, kind: 'i2f', group: 'convert' });
add({ name: 'cvtpd2dq', bytes: [0xf2, 0x0f, 0xe6, 0xca], width: 8, lanes: 2, kind: 'f2i', group: 'convert' });
add({ name: 'cvttpd2dq', bytes: [0x66, 0x0f, 0xe6, 0xca], width: 8, lanes: 2, kind: 'f2i', group: 'convert', truncate: true });
add({ name: 'cvtdq2pd mem', bytes: [0xf3, 0x0f, 0xe6, 0x0a], width: 8, lanes: 2, kind: 'i2f', group: 'convert', memory: true });
add({ name: 'cvtps2dq mem', bytes: [0x66, 0x0f, 0x5b, 0x0a], width: 4, lanes: 4, kind: 'f2i', group: 'convert', memory: true });

// ---- shuffles, unpacks, moves -----------------------------------------------------------
const bits = (name: string, bytes: number[], extra: Partial<Form> = {}): void =>
  add({ name, bytes, width: 4, lanes: 4, kind: 'bits', group: 'shuffle', ...extra });
bits('shufps', [0x0f, 0xc6, 0xca], { hasImm: true });
bits('shufpd', [0x66, 0x0f, 0xc6, 0xca], { hasImm: true, width: 8, lanes: 2 });
bits('shufps mem', [0x0f, 0xc6, 0x0a], { hasImm: true, memory: true });
bits('unpcklps', [0x0f, 0x14, 0xca]);
bits('unpckhps', [0x0f, 0x15, 0xca]);
bits('unpcklpd', [0x66, 0x0f, 0x14, 0xca]);
bits('unpckhpd', [0x66, 0x0f, 0x15, 0xca]);
bits('unpckhpd mem', [0x66, 0x0f, 0x15, 0x0a], { memory: true });
bits('movsldup', [0xf3, 0x0f, 0x12, 0xca]);
bits('movshdup', [0xf3, 0x0f, 0x16, 0xca]);
bits('movddup', [0xf2, 0x0f, 0x12, 0xca]);
bits('movddup mem', [0xf2, 0x0f, 0x12, 0x0a], { memory: true });
bits('movsldup mem', [0xf3, 0x0f, 0x12, 0x0a], { memory: true });
bits('movntpd', [0x66, 0x0f, 0x2b, 0x0a], { memory: true });
bits('movnti r32', [0x0f, 0xc3, 0x02], { memory: true, gpr: true });
bits('movnti r64', [0x48, 0x0f, 0xc3, 0x02], { memory: true, gpr: true });
bits('blendps', [0x66, 0x0f, 0x3a, 0x0c, 0xca], { hasImm: true });
bits('blendpd', [0x66, 0x0f, 0x3a, 0x0d, 0xca], { hasImm: true });
bits('blendvps', [0x66, 0x0f, 0x38, 0x14, 0xca]);
bits('blendvpd', [0x66, 0x0f, 0x38, 0x15, 0xca]);
bits('blendvps mem', [0x66, 0x0f, 0x38, 0x14, 0x0a], { memory: true });
bits('insertps', [0x66, 0x0f, 0x3a, 0x21, 0xca], { hasImm: true });
bits('insertps mem', [0x66, 0x0f, 0x3a, 0x21, 0x0a], { hasImm: true, memory: true });
// EXTRACTPS r/m32, xmm1, imm8: ModRM C8 = eax, xmm1; 02 = [rdx], xmm0.
bits('extractps r32', [0x66, 0x0f, 0x3a, 0x17, 0xc8], { hasImm: true, gpr: true });
bits('extractps r64', [0x66, 0x48, 0x0f, 0x3a, 0x17, 0xc8], { hasImm: true, gpr: true });
bits('extractps mem', [0x66, 0x0f, 0x3a, 0x17, 0x0a], { hasImm: true, memory: true });

// ---- SSE3 arithmetic --------------------------------------------------------------------
const sse3: Array<[string, number[]]> = [
  ['addsubps', [0xf2, 0x0f, 0xd0]], ['addsubpd', [0x66, 0x0f, 0xd0]],
  ['haddps', [0xf2, 0x0f, 0x7c]], ['haddpd', [0x66, 0x0f, 0x7c]],
  ['hsubps', [0xf2, 0x0f, 0x7d]], ['hsubpd', [0x66, 0x0f, 0x7d]],
];
for (const [name, code] of sse3) {
  const width = name.endsWith('ps') ? 4 : 8;
  add({ name, bytes: [...code, 0xca], width, lanes: 16 / width, kind: 'bin', group: 'sse3' });
  add({ name: `${name} mem`, bytes: [...code, 0x0a], width, lanes: 16 / width, kind: 'bin', group: 'sse3', memory: true });
}

// ---- SSE4.1 floating point --------------------------------------------------------------
const rounds: Array<[string, number, 4 | 8, number]> = [['roundps', 0x08, 4, 4], ['roundpd', 0x09, 8, 2], ['roundss', 0x0a, 4, 1], ['roundsd', 0x0b, 8, 1]];
for (const [name, code, width, lanes] of rounds) {
  add({ name, bytes: [0x66, 0x0f, 0x3a, code, 0xca], hasImm: true, width, lanes, kind: 'round', group: 'sse41' });
}
add({ name: 'roundsd mem', bytes: [0x66, 0x0f, 0x3a, 0x0b, 0x0a], hasImm: true, width: 8, lanes: 1, kind: 'round', group: 'sse41', memory: true });
add({ name: 'dpps', bytes: [0x66, 0x0f, 0x3a, 0x40, 0xca], hasImm: true, width: 4, lanes: 4, kind: 'dp', group: 'sse41' });
add({ name: 'dppd', bytes: [0x66, 0x0f, 0x3a, 0x41, 0xca], hasImm: true, width: 8, lanes: 2, kind: 'dp', group: 'sse41' });
add({ name: 'dpps mem', bytes: [0x66, 0x0f, 0x3a, 0x40, 0x0a], hasImm: true, width: 4, lanes: 4, kind: 'dp', group: 'sse41', memory: true });

// ---- misaligned memory operands ([rdx+1]): #GP(0) for 16-byte operands of legacy SSE
// instructions other than the unaligned loads (SDM Vol. 1 §11.6.7), fine for smaller ones.
const misaligned: Array<[string, number[], Partial<Form>]> = [
  ['addps', [0x0f, 0x58], { kind: 'bin', width: 4, lanes: 4 }],
  ['addss', [0xf3, 0x0f, 0x58], { kind: 'bin', width: 4, lanes: 1 }],
  ['sqrtpd', [0x66, 0x0f, 0x51], { kind: 'un', width: 8, lanes: 2 }],
  ['cmppd', [0x66, 0x0f, 0xc2], { kind: 'cmp', width: 8, lanes: 2, hasImm: true }],
  ['comisd', [0x66, 0x0f, 0x2f], { kind: 'comi', width: 8, lanes: 1 }],
  ['cvtpd2ps', [0x66, 0x0f, 0x5a], { kind: 'f2f', width: 4, srcWidth: 8, lanes: 2 }],
  ['cvtps2pd', [0x0f, 0x5a], { kind: 'f2f', width: 8, srcWidth: 4, lanes: 2 }],
  ['cvttps2dq', [0xf3, 0x0f, 0x5b], { kind: 'f2i', width: 4, lanes: 4, truncate: true }],
  ['cvtdq2ps', [0x0f, 0x5b], { kind: 'i2f', width: 4, lanes: 4 }],
  ['haddpd', [0x66, 0x0f, 0x7c], { kind: 'bin', width: 8, lanes: 2 }],
  ['roundpd', [0x66, 0x0f, 0x3a, 0x09], { kind: 'round', width: 8, lanes: 2, hasImm: true }],
  ['dppd', [0x66, 0x0f, 0x3a, 0x41], { kind: 'dp', width: 8, lanes: 2, hasImm: true }],
  ['rcpps', [0x0f, 0x53], { kind: 'approx', width: 4, lanes: 4 }],
  ['shufps', [0x0f, 0xc6], { kind: 'bits', width: 4, lanes: 4, hasImm: true }],
  ['unpcklpd', [0x66, 0x0f, 0x14], { kind: 'bits', width: 8, lanes: 2 }],
  ['movsldup', [0xf3, 0x0f, 0x12], { kind: 'bits', width: 4, lanes: 4 }],
  ['movddup', [0xf2, 0x0f, 0x12], { kind: 'bits', width: 8, lanes: 2 }],
  ['blendvpd', [0x66, 0x0f, 0x38, 0x15], { kind: 'bits', width: 8, lanes: 2 }],
  ['insertps', [0x66, 0x0f, 0x3a, 0x21], { kind: 'bits', width: 4, lanes: 4, hasImm: true }],
  ['movntpd', [0x66, 0x0f, 0x2b], { kind: 'bits', width: 8, lanes: 2 }],
];
for (const [name, code, shape] of misaligned) {
  add({ name: `${name} misaligned`, bytes: [...code, 0x4a, 0x01], width: 4, lanes: 4, kind: 'bits', group: 'misaligned', memory: true, ...shape, scale: 0.1 });
}
