import { formatAddress, hex, isLegacyPrefix, isSegmentPrefix, MASK64, PREFIX_NAMES } from './disassembler-syntax.js';
import type { AddressParts, Symbolizer } from './disassembler-syntax.js';
import { REG32_NAMES, REG64_NAMES, ZERO_REG } from './registers.js';

/**
 * Display-only decoder for VEX (C4/C5, SDM Vol. 2A §2.3) and EVEX (62, §2.7) encoded
 * instructions in 64-bit mode, spelled as `objdump -d -M intel` (binutils 2.40) does.
 * The emulator implements up to SSE4.2, so its decoder rejects these encodings and they
 * raise #UD when executed; glibc's ifunc variants (AVX2, AVX-512, BMI2, FMA, FMA4) are
 * still worth reading in a listing, which is all this module is for.
 *
 * One table row per opcode, mandatory prefix (pp), map and, where it matters, W, L,
 * ModRM.reg or ModRM.mod; operands use the SDM's operand codes (Vol. 2D Appendix A.2),
 * extended for what VEX and EVEX add:
 * - V: ModRM.reg vector register; H: VEX.vvvv vector register; W: ModRM.rm vector
 *   register or memory; U: ModRM.rm vector register only; M: memory only; L: vector
 *   register in imm8[7:4] (the "is4" operand, §2.3.1).
 * - G, B (VEX.vvvv), E, R: general registers, as for GPR-writing VEX instructions.
 * - KG, KH, KE, KR: opmask registers k0-k7 in ModRM.reg, VEX.vvvv, ModRM.rm or memory,
 *   ModRM.rm register only.
 * - Ib: an 8-bit immediate.
 * Size suffixes: x the vector length (xmm/ymm/zmm, XMMWORD/YMMWORD/ZMMWORD PTR), h half
 * of it; b w d q (and ss sd, dq) fixed sizes, whose registers are xmm; y 32 or 64 bits
 * by W.
 */

/** One line: its length and its text. */
export interface VexLine {
  length: number;
  text: string;
}

interface Row {
  mnemonic: string;
  operands: string[];
  /** Required W, or undefined when W is ignored (WIG). */
  w?: number;
  /** Required VEX.L / EVEX.L'L, or undefined (LIG or any vector length). */
  l?: number;
  /** ModRM.reg of a group opcode (`/2`). */
  reg?: number;
  /** Form restricted to a register (mod = 11b) or memory ModRM.rm. */
  mod?: 'reg' | 'mem';
  /** EVEX embedded broadcast (EVEX.b on a memory operand): the element size in bytes. */
  broadcast?: number;
  /** What EVEX.b means with register operands: rounding control or suppress-all-exceptions. */
  rounding?: 'er' | 'sae';
  /** Predicate names objdump folds into the mnemonic from the immediate (`vcmpltsd`). */
  predicates?: ReadonlyArray<string | undefined>;
}

// ---- the table ------------------------------------------------------------------------

/** VCMPPS/PD/SS/SD predicates 0-31 (SDM Vol. 2A, CMPPS, Table 3-1). */
const CMP_PREDICATES = [
  'eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord', 'eq_uq', 'nge', 'ngt', 'false', 'neq_oq', 'ge', 'gt', 'true',
  'eq_os', 'lt_oq', 'le_oq', 'unord_s', 'neq_us', 'nlt_uq', 'nle_uq', 'ord_s', 'eq_us', 'nge_uq', 'ngt_uq', 'false_os', 'neq_os', 'ge_oq', 'gt_oq', 'true_us',
];
/** VPCMP[U]B/W/D/Q predicates (SDM Vol. 2C, VPCMPB); objdump keeps 3 and 7 as immediates. */
const PCMP_PREDICATES = ['eq', 'lt', 'le', undefined, 'neq', 'nlt', 'nle', undefined];

const FLAG_BITS: Record<string, Partial<Row>> = {
  b4: { broadcast: 4 },
  b8: { broadcast: 8 },
  er: { rounding: 'er' },
  sae: { rounding: 'sae' },
  cmp: { predicates: CMP_PREDICATES },
  pcmp: { predicates: PCMP_PREDICATES },
};

const MAPS: Record<string, number> = { '0F': 1, '0F38': 2, '0F3A': 3 };
const PPS: Record<string, number> = { '66': 1, F3: 2, F2: 3 };

/** Rows by encoding (v or e), map, pp and opcode: see rowKey. Use rowsByKey. */
const ROWS = new Map<string, Row[]>();

function rowsByKey(): Map<string, Row[]> {
  if (ROWS.size === 0) registerRows();
  return ROWS;
}

function rowKey(evex: boolean, map: number, pp: number, opcode: number): string {
  return `${evex ? 'e' : 'v'}${map}.${pp}.${opcode}`;
}

/**
 * Adds a row written like the SDM's opcode column, `VEX.L0.66.0F.W1 6E` or
 * `EVEX.F2.0F38 F5 /1 mem` ("VEX+EVEX" for both encodings), with the mnemonic and
 * operands `vmovq Vdq,Ey` and flags `b4 er` (see FLAG_BITS).
 */
function row(encoding: string, syntax: string, flags = ''): void {
  const [fields, opcode, ...rest] = encoding.split(' ');
  const [kinds, ...parts] = fields.split('.');
  const [mnemonic, operands = ''] = syntax.split(' ');
  const r: Row = { mnemonic, operands: operands ? operands.split(',') : [] };
  let map = 0;
  let pp = 0;
  for (const p of parts) {
    if (p in MAPS) map = MAPS[p];
    else if (p in PPS) pp = PPS[p];
    else if (/^W[01]$/.test(p)) r.w = Number(p[1]);
    else if (/^L[012]$/.test(p)) r.l = Number(p[1]);
    else throw new Error(`bad VEX table field ${p} in ${encoding}`);
  }
  for (const p of rest) {
    if (p.startsWith('/')) r.reg = Number(p.slice(1));
    else if (p === 'reg' || p === 'mem') r.mod = p;
    else throw new Error(`bad VEX table field ${p} in ${encoding}`);
  }
  for (const f of flags.split(' ').filter(Boolean)) Object.assign(r, FLAG_BITS[f]);
  for (const kind of kinds.split('+')) {
    const key = rowKey(kind === 'EVEX', map, pp, parseInt(opcode, 16));
    ROWS.set(key, [...(ROWS.get(key) ?? []), r]);
  }
}

/**
 * Fills ROWS, at the first VEX or EVEX instruction disassembled (rowsByKey): building
 * the table took 4-5 ms of every start-up, and a run needs it only to name an
 * instruction it cannot execute.
 */
function registerRows(): void {
  // Moves and scalar/packed floating point, map 0F (SDM Vol. 2B/2C, VMOVUPS ... VDIVSD).
  for (const [pp, suffix, w] of [['', 'ps', 0], ['66.', 'pd', 1]] as const) {
    row(`VEX.${pp}0F 10`, `vmovu${suffix} Vx,Wx`);
    row(`VEX.${pp}0F 11`, `vmovu${suffix} Wx,Vx`);
    row(`VEX.${pp}0F 28`, `vmova${suffix} Vx,Wx`);
    row(`VEX.${pp}0F 29`, `vmova${suffix} Wx,Vx`);
    row(`EVEX.${pp}0F.W${w} 10`, `vmovu${suffix} Vx,Wx`);
    row(`EVEX.${pp}0F.W${w} 11`, `vmovu${suffix} Wx,Vx`);
    row(`EVEX.${pp}0F.W${w} 28`, `vmova${suffix} Vx,Wx`);
    row(`EVEX.${pp}0F.W${w} 29`, `vmova${suffix} Wx,Vx`);
  }
  for (const [pp, s, w] of [['F3', 'ss', 0], ['F2', 'sd', 1]] as const) {
    row(`VEX.${pp}.0F 10 mem`, `vmov${s} Vdq,W${s}`);
    row(`VEX.${pp}.0F 10 reg`, `vmov${s} Vdq,Hdq,Udq`);
    row(`VEX.${pp}.0F 11 mem`, `vmov${s} W${s},Vdq`);
    row(`VEX.${pp}.0F 11 reg`, `vmov${s} Ux,Hdq,Vdq`); // objdump names the first by L
    row(`EVEX.${pp}.0F.W${w} 10 mem`, `vmov${s} Vdq,W${s}`);
    row(`EVEX.${pp}.0F.W${w} 10 reg`, `vmov${s} Vdq,Hdq,Udq`);
    row(`EVEX.${pp}.0F.W${w} 11 mem`, `vmov${s} W${s},Vdq`);
    row(`EVEX.${pp}.0F.W${w} 11 reg`, `vmov${s} Ux,Hdq,Vdq`);
    row(`VEX.${pp}.0F 2A`, `vcvtsi2${s} Vdq,Hdq,Ey`);
    row(`VEX.${pp}.0F 2C`, `vcvtt${s}2si Gy,W${s}`);
    row(`VEX.${pp}.0F 2D`, `vcvt${s}2si Gy,W${s}`);
    row(`VEX.${pp}.0F 5A`, `vcvt${s}2${s === 'ss' ? 'sd' : 'ss'} Vdq,Hdq,W${s}`);
  }
  // objdump reads EVEX VUCOMISD/VCOMISD whatever W is (the SDM has W1).
  for (const [pp, s] of [['0F', 'ss'], ['66.0F', 'sd']] as const) {
    row(`VEX+EVEX.${pp} 2E`, `vucomi${s} Vdq,W${s}`, 'sae');
    row(`VEX+EVEX.${pp} 2F`, `vcomi${s} Vdq,W${s}`, 'sae');
  }
  // 0F 51-5F and C2: one operation, four types by pp (none ps, 66 pd, F3 ss, F2 sd).
  const FP_TYPES = [['', 'ps', 0], ['66.', 'pd', 1], ['F3.', 'ss', 0], ['F2.', 'sd', 1]] as const;
  for (const [op, name, packedOnly, flags] of [
    ['51', 'sqrt', false, 'er'], ['54', 'and', true, ''], ['55', 'andn', true, ''], ['56', 'or', true, ''], ['57', 'xor', true, ''],
    ['58', 'add', false, 'er'], ['59', 'mul', false, 'er'], ['5C', 'sub', false, 'er'], ['5D', 'min', false, 'sae'],
    ['5E', 'div', false, 'er'], ['5F', 'max', false, 'sae'], ['C2', 'cmp', false, 'sae cmp'],
  ] as const) {
    for (const [pp, type, w] of FP_TYPES) {
      const scalar = type.startsWith('s');
      if (scalar && packedOnly) continue;
      const imm = op === 'C2' ? ',Ib' : '';
      const operands = scalar ? `Vdq,Hdq,W${type}${imm}` : op === '51' ? 'Vx,Wx' : `Vx,Hx,Wx${imm}`;
      const evexOperands = op === 'C2' ? operands.replace(/^V\w+/, 'KG') : operands;
      const broadcast = scalar ? '' : `b${4 << w}`;
      row(`VEX.${pp}0F ${op}`, `v${name}${type} ${operands}`, op === 'C2' ? 'cmp' : '');
      row(`EVEX.${pp}0F.W${w} ${op}`, `v${name}${type} ${evexOperands}`, `${flags} ${broadcast}`);
    }
  }

  // Integer moves, map 0F (VMOVD/VMOVQ, VMOVDQA/U, VPMOVMSKB, VMOVNTDQ).
  row('VEX+EVEX.66.0F.L0.W0 6E', 'vmovd Vdq,Ey');
  row('VEX+EVEX.66.0F.L0.W1 6E', 'vmovq Vdq,Ey');
  row('VEX+EVEX.66.0F.L0.W0 7E', 'vmovd Ey,Vdq');
  row('VEX+EVEX.66.0F.L0.W1 7E', 'vmovq Ey,Vdq');
  row('VEX.F3.0F.L0 7E', 'vmovq Vdq,Wq');
  row('EVEX.F3.0F.L0.W1 7E', 'vmovq Vdq,Wq');
  row('VEX.66.0F.L0 D6', 'vmovq Wq,Vdq');
  row('EVEX.66.0F.L0.W1 D6', 'vmovq Wq,Vdq');
  for (const [pp, name] of [['66', 'vmovdqa'], ['F3', 'vmovdqu']]) {
    row(`VEX.${pp}.0F 6F`, `${name} Vx,Wx`);
    row(`VEX.${pp}.0F 7F`, `${name} Wx,Vx`);
  }
  // EVEX names the element size the mask works on (W selects it).
  for (const [pp, w, name] of [['66', 0, 'vmovdqa32'], ['66', 1, 'vmovdqa64'], ['F3', 0, 'vmovdqu32'], ['F3', 1, 'vmovdqu64'], ['F2', 0, 'vmovdqu8'], ['F2', 1, 'vmovdqu16']]) {
    row(`EVEX.${pp}.0F.W${w} 6F`, `${name} Vx,Wx`);
    row(`EVEX.${pp}.0F.W${w} 7F`, `${name} Wx,Vx`);
  }
  row('VEX.66.0F D7 reg', 'vpmovmskb Gy,Ux');
  row('VEX+EVEX.66.0F E7 mem', 'vmovntdq Mx,Vx');
  row('VEX.0F.L0 77', 'vzeroupper');
  row('VEX.0F.L1 77', 'vzeroall');
  row('VEX.0F.L0 AE /2 mem', 'vldmxcsr Md');
  row('VEX.0F.L0 AE /3 mem', 'vstmxcsr Md');

  // Packed integer arithmetic, 66 0F (SDM Vol. 2B, PADDB ... PXOR): VEX and, for the
  // byte/word forms AVX512BW keeps unchanged, EVEX too.
  const INT_OPS: Array<[string, string, string]> = [
    ['60', 'vpunpcklbw', 've'], ['61', 'vpunpcklwd', 've'], ['62', 'vpunpckldq', 'v'], ['63', 'vpacksswb', 've'],
    ['64', 'vpcmpgtb', 'v'], ['65', 'vpcmpgtw', 'v'], ['66', 'vpcmpgtd', 'v'], ['67', 'vpackuswb', 've'],
    ['68', 'vpunpckhbw', 've'], ['69', 'vpunpckhwd', 've'], ['6A', 'vpunpckhdq', 'v'], ['6B', 'vpackssdw', 'v'],
    ['6C', 'vpunpcklqdq', 'v'], ['6D', 'vpunpckhqdq', 'v'], ['74', 'vpcmpeqb', 'v'], ['75', 'vpcmpeqw', 'v'], ['76', 'vpcmpeqd', 'v'],
    ['D4', 'vpaddq', 'v'], ['D5', 'vpmullw', 've'], ['D8', 'vpsubusb', 've'], ['D9', 'vpsubusw', 've'], ['DA', 'vpminub', 've'],
    ['DB', 'vpand', 'v'], ['DC', 'vpaddusb', 've'], ['DD', 'vpaddusw', 've'], ['DE', 'vpmaxub', 've'], ['DF', 'vpandn', 'v'],
    ['E0', 'vpavgb', 've'], ['E3', 'vpavgw', 've'], ['E4', 'vpmulhuw', 've'], ['E5', 'vpmulhw', 've'], ['E8', 'vpsubsb', 've'],
    ['E9', 'vpsubsw', 've'], ['EA', 'vpminsw', 've'], ['EB', 'vpor', 'v'], ['EC', 'vpaddsb', 've'], ['ED', 'vpaddsw', 've'],
    ['EE', 'vpmaxsw', 've'], ['EF', 'vpxor', 'v'], ['F4', 'vpmuludq', 'v'], ['F5', 'vpmaddwd', 've'], ['F6', 'vpsadbw', 've'],
    ['F8', 'vpsubb', 've'], ['F9', 'vpsubw', 've'], ['FA', 'vpsubd', 'v'], ['FB', 'vpsubq', 'v'], ['FC', 'vpaddb', 've'],
    ['FD', 'vpaddw', 've'], ['FE', 'vpaddd', 'v'],
  ];
  for (const [op, name, encodings] of INT_OPS) {
    row(`VEX.66.0F ${op}`, `${name} Vx,Hx,Wx`);
    if (encodings === 've') row(`EVEX.66.0F ${op}`, `${name} Vx,Hx,Wx`);
  }
  // AVX-512F's dword/qword forms: W picks the element, which broadcasts.
  for (const [op, name] of [['DB', 'vpand'], ['DF', 'vpandn'], ['EB', 'vpor'], ['EF', 'vpxor']]) {
    row(`EVEX.66.0F.W0 ${op}`, `${name}d Vx,Hx,Wx`, 'b4');
    row(`EVEX.66.0F.W1 ${op}`, `${name}q Vx,Hx,Wx`, 'b8');
  }
  for (const [op, name, w] of [['FA', 'vpsubd', 0], ['FE', 'vpaddd', 0], ['D4', 'vpaddq', 1], ['FB', 'vpsubq', 1], ['F4', 'vpmuludq', 1]]) {
    row(`EVEX.66.0F.W${w} ${op}`, `${name} Vx,Hx,Wx`, `b${4 << Number(w)}`);
  }
  // AVX-512 compares write an opmask.
  for (const [op, name] of [['64', 'vpcmpgtb'], ['65', 'vpcmpgtw'], ['74', 'vpcmpeqb'], ['75', 'vpcmpeqw']]) row(`EVEX.66.0F ${op}`, `${name} KG,Hx,Wx`);
  row('EVEX.66.0F.W0 66', 'vpcmpgtd KG,Hx,Wx', 'b4');
  row('EVEX.66.0F.W0 76', 'vpcmpeqd KG,Hx,Wx', 'b4');

  // Map 0F38: shuffles, min/max, broadcasts, tests.
  for (const [op, name] of [
    ['00', 'vpshufb'], ['04', 'vpmaddubsw'], ['0B', 'vpmulhrsw'], ['38', 'vpminsb'], ['3A', 'vpminuw'], ['3C', 'vpmaxsb'], ['3E', 'vpmaxuw'],
  ]) {
    row(`VEX.66.0F38 ${op}`, `${name} Vx,Hx,Wx`);
    row(`EVEX.66.0F38 ${op}`, `${name} Vx,Hx,Wx`);
  }
  for (const [op, name] of [['39', 'vpmins'], ['3B', 'vpminu'], ['3D', 'vpmaxs'], ['3F', 'vpmaxu']]) {
    row(`VEX.66.0F38 ${op}`, `${name}d Vx,Hx,Wx`);
    row(`EVEX.66.0F38.W0 ${op}`, `${name}d Vx,Hx,Wx`, 'b4');
    row(`EVEX.66.0F38.W1 ${op}`, `${name}q Vx,Hx,Wx`, 'b8');
  }
  row('VEX.66.0F38 17', 'vptest Vx,Wx');
  row('VEX+EVEX.66.0F38.W0 18', 'vbroadcastss Vx,Wd');
  row('VEX.66.0F38.W0 58', 'vpbroadcastd Vx,Wd');
  row('VEX.66.0F38.W0 59', 'vpbroadcastq Vx,Wq');
  row('VEX+EVEX.66.0F38.W0 78', 'vpbroadcastb Vx,Wb');
  row('VEX+EVEX.66.0F38.W0 79', 'vpbroadcastw Vx,Ww');
  row('EVEX.66.0F38.W0 58', 'vpbroadcastd Vx,Wd');
  row('EVEX.66.0F38.W1 59', 'vpbroadcastq Vx,Wq');
  row('EVEX.66.0F38.W0 7A reg', 'vpbroadcastb Vx,Rd');
  row('EVEX.66.0F38.W0 7B reg', 'vpbroadcastw Vx,Rd');
  row('EVEX.66.0F38.W0 7C reg', 'vpbroadcastd Vx,Rd');
  row('EVEX.66.0F38.W1 7C reg', 'vpbroadcastq Vx,Ry');
  for (const [pp, name] of [['66', 'vptestm'], ['F3', 'vptestnm']]) {
    row(`EVEX.${pp}.0F38.W0 26`, `${name}b KG,Hx,Wx`);
    row(`EVEX.${pp}.0F38.W1 26`, `${name}w KG,Hx,Wx`);
    row(`EVEX.${pp}.0F38.W0 27`, `${name}d KG,Hx,Wx`, 'b4');
    row(`EVEX.${pp}.0F38.W1 27`, `${name}q KG,Hx,Wx`, 'b8');
  }

  // Map 0F3A: AVX-512 compares with a predicate, ternary logic, blends, alignr.
  for (const [op, w, name, flags] of [
    ['3F', 0, 'vpcmpb', ''], ['3F', 1, 'vpcmpw', ''], ['3E', 0, 'vpcmpub', ''], ['3E', 1, 'vpcmpuw', ''],
    ['1F', 0, 'vpcmpd', 'b4'], ['1F', 1, 'vpcmpq', 'b8'], ['1E', 0, 'vpcmpud', 'b4'], ['1E', 1, 'vpcmpuq', 'b8'],
  ] as const) {
    row(`EVEX.66.0F3A.W${w} ${op}`, `${name} KG,Hx,Wx,Ib`, `pcmp ${flags}`);
  }
  row('EVEX.66.0F3A.W0 25', 'vpternlogd Vx,Hx,Wx,Ib', 'b4');
  row('EVEX.66.0F3A.W1 25', 'vpternlogq Vx,Hx,Wx,Ib', 'b8');
  row('VEX.66.0F3A 0F', 'vpalignr Vx,Hx,Wx,Ib');
  row('EVEX.66.0F3A 0F', 'vpalignr Vx,Hx,Wx,Ib');
  row('VEX.66.0F3A.W0 4A', 'vblendvps Vx,Hx,Wx,Lx');
  row('VEX.66.0F3A.W0 4B', 'vblendvpd Vx,Hx,Wx,Lx');
  row('VEX.66.0F3A.W0 4C', 'vpblendvb Vx,Hx,Wx,Lx');

  // FMA (SDM Vol. 2A, VFMADD132PD ...): 0F38 96-BF, the operand order in the name's
  // digits; W0 single, W1 double precision.
  const FMA_OPS = ['fmaddsub', 'fmsubadd', 'fmadd', 'fmadd', 'fmsub', 'fmsub', 'fnmadd', 'fnmadd', 'fnmsub', 'fnmsub'];
  for (const [high, order] of [[0x90, '132'], [0xa0, '213'], [0xb0, '231']] as const) {
    FMA_OPS.forEach((name, k) => {
      const op = (high + 6 + k).toString(16);
      const scalar = k >= 2 && (k & 1) === 1;
      for (const w of [0, 1]) {
        const type = (scalar ? 's' : 'p') + (w ? 'd' : 's');
        const operands = scalar ? `Vdq,Hdq,W${type}` : 'Vx,Hx,Wx';
        row(`VEX.66.0F38.W${w} ${op}`, `v${name}${order}${type} ${operands}`);
        row(`EVEX.66.0F38.W${w} ${op}`, `v${name}${order}${type} ${operands}`, scalar ? 'er' : `er b${4 << w}`);
      }
    });
  }
  // AMD's FMA4 (AMD64 APM Vol. 4): 0F3A 5C-7F with the third source in imm8[7:4]; W
  // swaps which of the last two operands may be memory.
  for (const [base, name] of [[0x5c, 'fmaddsub'], [0x5e, 'fmsubadd'], [0x68, 'fmadd'], [0x6c, 'fmsub'], [0x78, 'fnmadd'], [0x7c, 'fnmsub']] as const) {
    const types = base < 0x68 ? ['ps', 'pd'] : ['ps', 'pd', 'ss', 'sd'];
    types.forEach((type, k) => {
      const op = (base + k).toString(16);
      const size = type.startsWith('s') ? type : 'x';
      const reg = size === 'x' ? 'x' : 'dq';
      row(`VEX.66.0F3A.W0 ${op}`, `v${name}${type} V${reg},H${reg},W${size},L${reg}`);
      row(`VEX.66.0F3A.W1 ${op}`, `v${name}${type} V${reg},H${reg},L${reg},W${size}`);
    });
  }

  // BMI1/BMI2 (SDM Vol. 2A, ANDN ... SHRX): general registers, VEX.L0, W for 64 bits.
  row('VEX.0F38.L0 F2', 'andn Gy,By,Ey');
  row('VEX.0F38.L0 F3 /1', 'blsr By,Ey');
  row('VEX.0F38.L0 F3 /2', 'blsmsk By,Ey');
  row('VEX.0F38.L0 F3 /3', 'blsi By,Ey');
  row('VEX.0F38.L0 F5', 'bzhi Gy,Ey,By');
  row('VEX.F3.0F38.L0 F5', 'pext Gy,By,Ey');
  row('VEX.F2.0F38.L0 F5', 'pdep Gy,By,Ey');
  row('VEX.F2.0F38.L0 F6', 'mulx Gy,By,Ey');
  row('VEX.0F38.L0 F7', 'bextr Gy,Ey,By');
  row('VEX.66.0F38.L0 F7', 'shlx Gy,Ey,By');
  row('VEX.F3.0F38.L0 F7', 'sarx Gy,Ey,By');
  row('VEX.F2.0F38.L0 F7', 'shrx Gy,Ey,By');
  row('VEX.F2.0F3A.L0 F0', 'rorx Gy,Ey,Ib');

  // Opmask instructions (SDM Vol. 2A, KADDW ... KXORW): pp and W give the width, b
  // (66 W0), w (W0), d (66 W1), q (W1).
  const K_WIDTHS = [['66.', 0, 'b'], ['', 0, 'w'], ['66.', 1, 'd'], ['', 1, 'q']] as const;
  for (const [pp, w, width] of K_WIDTHS) {
    for (const [op, name] of [['41', 'kand'], ['42', 'kandn'], ['45', 'kor'], ['46', 'kxnor'], ['47', 'kxor'], ['4A', 'kadd']]) {
      row(`VEX.${pp}0F.L1.W${w} ${op} reg`, `${name}${width} KG,KH,KR`);
    }
    row(`VEX.${pp}0F.L0.W${w} 44 reg`, `knot${width} KG,KR`);
    row(`VEX.${pp}0F.L0.W${w} 98 reg`, `kortest${width} KG,KR`);
    row(`VEX.${pp}0F.L0.W${w} 99 reg`, `ktest${width} KG,KR`);
    row(`VEX.${pp}0F.L0.W${w} 90`, `kmov${width} KG,KE${width}`);
    row(`VEX.${pp}0F.L0.W${w} 91 mem`, `kmov${width} KE${width},KG`);
  }
  row('VEX.66.0F.L1.W0 4B reg', 'kunpckbw KG,KH,KR');
  row('VEX.0F.L1.W0 4B reg', 'kunpckwd KG,KH,KR');
  row('VEX.0F.L1.W1 4B reg', 'kunpckdq KG,KH,KR');
  // KMOV to and from general registers: W1 only for the quadword.
  for (const [pp, w, width] of [['', 0, 'w'], ['66.', 0, 'b'], ['F2.', 0, 'd'], ['F2.', 1, 'q']] as const) {
    row(`VEX.${pp}0F.L0.W${w} 92 reg`, `kmov${width} KG,R${width === 'q' ? 'y' : 'd'}`);
    row(`VEX.${pp}0F.L0.W${w} 93 reg`, `kmov${width} G${width === 'q' ? 'y' : 'd'},KR`);
  }
}

// ---- decoding -------------------------------------------------------------------------

/** The architectural limit on instruction length (SDM Vol. 2A §2.3.11: #GP beyond it). */
const MAX_LENGTH = 15;

/** Fields of the VEX or EVEX prefix, with the inverted bits already flipped back. */
interface Prefix {
  evex: boolean;
  map: number;
  pp: number;
  w: number;
  /** VEX.L or EVEX.L'L. */
  l: number;
  /** ModRM.reg extension: R (bit 3), EVEX R' (bit 4). */
  regExt: number;
  /** ModRM.rm / SIB.base extension B (bit 3), and EVEX's X (bit 4) for a vector register. */
  rmExt: number;
  /** SIB.index extension X (bit 3). */
  indexExt: number;
  /** VEX.vvvv, with EVEX's V' as bit 4. */
  vvvv: number;
  /** EVEX opmask (aaa), zeroing (z) and broadcast/rounding (b) bits. */
  aaa: number;
  z: boolean;
  b: boolean;
}

class Truncated {}

/** Reads the instruction bytes, throwing Truncated past the buffer or the length limit. */
class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, readonly start: number) {
    this.pos = start;
  }

  next(): number {
    if (this.pos >= this.bytes.length || this.pos - this.start >= MAX_LENGTH) throw new Truncated();
    return this.bytes[this.pos++];
  }

  /** A little-endian signed value of `size` bytes (1 or 4). */
  signed(size: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.next() << (8 * i);
    return size === 1 ? (v << 24) >> 24 : v | 0;
  }
}

/** VEX2 (C5 RvvvvLpp), VEX3 (C4 RXBmmmmm WvvvvLpp) or EVEX (62 RXBR'00mm Wvvvv1pp zL'Lbv'aaa). */
function readPrefix(r: Reader): Prefix | undefined {
  const kind = r.next();
  const p1 = r.next();
  const base = { aaa: 0, z: false, b: false };
  if (kind === 0xc5) {
    // §2.3.5.6: the 2-byte form implies map 0F, W0 and no X or B.
    return { ...base, evex: false, map: 1, pp: p1 & 3, w: 0, l: (p1 >> 2) & 1, regExt: p1 & 0x80 ? 0 : 8, rmExt: 0, indexExt: 0, vvvv: (~p1 >> 3) & 15 };
  }
  const p2 = r.next();
  const regExt = p1 & 0x80 ? 0 : 8;
  const indexExt = p1 & 0x40 ? 0 : 8;
  const rmExt = p1 & 0x20 ? 0 : 8;
  if (kind === 0xc4) {
    return { ...base, evex: false, map: p1 & 31, pp: p2 & 3, w: p2 >> 7, l: (p2 >> 2) & 1, regExt, rmExt, indexExt, vvvv: (~p2 >> 3) & 15 };
  }
  // EVEX (§2.7.1): P0 bits 3:2 and P1 bit 2 are fixed; otherwise it is not EVEX.
  const p3 = r.next();
  if ((p1 & 0x0c) !== 0 || (p2 & 0x04) === 0) return undefined;
  return {
    evex: true, map: p1 & 3, pp: p2 & 3, w: p2 >> 7, l: (p3 >> 5) & 3,
    regExt: regExt | (p1 & 0x10 ? 0 : 16), rmExt: rmExt | (indexExt << 1), indexExt,
    vvvv: ((~p2 >> 3) & 15) | (p3 & 8 ? 0 : 16), aaa: p3 & 7, z: (p3 & 0x80) !== 0, b: (p3 & 0x10) !== 0,
  };
}

/** The code's method (its letters before the size suffix) and size suffix. */
function splitCode(code: string): [method: string, suffix: string] {
  const n = code.startsWith('K') ? 2 : code === 'Ib' ? 2 : 1;
  return [code.slice(0, n), code.slice(n)];
}

/** Whether ModRM.rm of the row is a memory operand's (and which code it is). */
function rmCode(r: Row): string | undefined {
  return r.operands.find((c) => /^(W|U|M|E|R|KE|KR)$/.test(splitCode(c)[0]));
}

const FIXED_BYTES: Record<string, number> = { b: 1, w: 2, d: 4, ss: 4, q: 8, sd: 8, dq: 16 };
const KEYWORDS: Record<number, string> = { 1: 'BYTE', 2: 'WORD', 4: 'DWORD', 8: 'QWORD', 16: 'XMMWORD', 32: 'YMMWORD', 64: 'ZMMWORD' };
/** EVEX.L'L with EVEX.b on register operands: the rounding mode (§2.7.8, Table 2-38). */
const ROUNDING = ['rn-sae', 'rd-sae', 'ru-sae', 'rz-sae'];

/** What the operand formatter needs of one decoded instruction. */
interface Decoded {
  p: Prefix;
  row: Row;
  /** Vector length in bytes (16, 32, 64). */
  vl: number;
  modrm: number;
  memory?: AddressParts;
  imm: number;
}

function vectorName(index: number, bytes: number): string {
  return (bytes === 64 ? 'zmm' : bytes === 32 ? 'ymm' : 'xmm') + index;
}

/** The register or memory bytes a size suffix names; vector registers under 16 are xmm. */
function sizeBytes(suffix: string, d: Decoded): number {
  if (suffix === 'x') return d.vl;
  if (suffix === 'h') return d.vl / 2;
  if (suffix === 'y') return d.p.w ? 8 : 4;
  return FIXED_BYTES[suffix];
}

/** k0-k7; an extension bit (R, R', B, X, vvvv's high bits) set makes it objdump's `(bad)`. */
function maskName(index: number): string {
  return index < 8 ? 'k' + index : '(bad)';
}

function gprName(index: number, suffix: string, d: Decoded): string {
  return (sizeBytes(suffix, d) === 8 ? REG64_NAMES : REG32_NAMES)[index & 15];
}

function memoryText(d: Decoded, suffix: string, next: bigint, symbolize: Symbolizer | undefined, comments: string[]): string {
  const { row, p } = d;
  const broadcast = p.evex && p.b && row.broadcast !== undefined;
  const keyword = broadcast ? `${KEYWORDS[row.broadcast!]} BCST ` : `${KEYWORDS[sizeBytes(suffix, d)]} PTR `;
  const out = formatAddress(d.memory!, keyword, next, symbolize);
  if (out.comment) comments.push(out.comment);
  return out.text;
}

function formatOperand(code: string, d: Decoded, next: bigint, symbolize: Symbolizer | undefined, comments: string[]): string {
  const [method, suffix] = splitCode(code);
  const { p, modrm } = d;
  const reg = ((modrm >> 3) & 7) | p.regExt;
  const rm = (modrm & 7) | p.rmExt;
  const vector = (index: number): string => vectorName(index, suffix === 'x' || suffix === 'h' ? sizeBytes(suffix, d) : 16);
  switch (method) {
    case 'V': return vector(reg);
    case 'H': return vector(p.vvvv);
    case 'L': return vector(d.imm >> 4);
    case 'W':
    case 'U':
    case 'M': return d.memory ? memoryText(d, suffix, next, symbolize, comments) : vector(rm);
    case 'G': return gprName(reg, suffix, d);
    case 'B': return gprName(p.vvvv, suffix, d);
    case 'E':
    case 'R': return d.memory ? memoryText(d, suffix, next, symbolize, comments) : gprName(rm, suffix, d);
    case 'KG': return maskName(reg);
    case 'KH': return maskName(p.vvvv);
    case 'KE':
    case 'KR': return d.memory ? memoryText(d, suffix, next, symbolize, comments) : maskName(rm);
    case 'Ib': return hex(BigInt(d.imm));
  }
  throw new Error(`VEX table: unknown operand code ${code}`);
}

/** Picks the row the prefix fields, ModRM.reg and ModRM.mod select, or undefined. */
function findRow(rows: Row[], p: Prefix, modrm: number): Row | undefined {
  return rows.find(
    (r) =>
      (r.w === undefined || r.w === p.w) &&
      (r.l === undefined || r.l === p.l) &&
      (r.reg === undefined || r.reg === ((modrm >> 3) & 7)) &&
      (r.mod === undefined || (r.mod === 'reg') === modrm >> 6 >= 3),
  );
}

/** ModRM/SIB/displacement in 64-bit mode (§2.2.1); EVEX scales a disp8 by `n` (§2.7.5). */
function readAddress(r: Reader, p: Prefix, modrm: number, a32: boolean, segment: string, n: number): AddressParts {
  const mod = modrm >> 6;
  const rmLow = modrm & 7;
  let sib = -1;
  let base = rmLow | (p.rmExt & 8);
  let index = ZERO_REG;
  let ripRelative = false;
  if (rmLow === 4) {
    sib = r.next();
    const idx = ((sib >> 3) & 7) | p.indexExt;
    if (idx !== 4) index = idx;
    base = (sib & 7) | (p.rmExt & 8);
    if ((sib & 7) === 5 && mod === 0) base = ZERO_REG;
  } else if (rmLow === 5 && mod === 0) {
    base = ZERO_REG;
    ripRelative = true;
  }
  const disp = mod === 1 ? r.signed(1) * n : mod === 2 || (mod === 0 && base === ZERO_REG) ? r.signed(4) : 0;
  return { a32, segment, ripRelative, base, index, sib, mod, disp };
}

/**
 * Whether a VEX encoding says the same: no opmask, zeroing, broadcast or rounding, at
 * most 256 bits, registers below 16 and a VEX row of the same name. objdump marks such
 * an EVEX encoding `{evex}` (the pseudo-prefix GNU as takes to choose it).
 */
function vexWouldDo({ p, row, modrm }: Decoded, isMemory: boolean, opcode: number): boolean {
  if (p.aaa || p.z || p.b || p.l >= 2 || p.vvvv >= 16 || p.regExt >= 16) return false;
  if (!isMemory && p.rmExt >= 16 && rmCode(row) !== undefined) return false;
  return rowsByKey().get(rowKey(false, p.map, p.pp, opcode))?.some((r) => r.mnemonic === row.mnemonic && (r.mod === undefined || (r.mod === 'reg') === modrm >> 6 >= 3)) ?? false;
}

/**
 * Disassembles the VEX or EVEX instruction at `bytes[offset]` (64-bit mode), located at
 * `address`, or returns undefined when the bytes are not one this module's table knows
 * (or not VEX/EVEX at all).
 */
export function disassembleVex(bytes: Uint8Array, offset: number, address: number, symbolize?: Symbolizer): VexLine | undefined {
  try {
    return decodeVex(new Reader(bytes, offset), address, symbolize);
  } catch (e) {
    if (e instanceof Truncated) return undefined;
    throw e;
  }
}

function decodeVex(r: Reader, address: number, symbolize?: Symbolizer): VexLine | undefined {
  const prefixes: number[] = [];
  while (isLegacyPrefix(r.bytes[r.pos] ?? -1)) prefixes.push(r.next());
  const kind = r.bytes[r.pos];
  if (kind !== 0xc4 && kind !== 0xc5 && kind !== 0x62) return undefined;
  const p = readPrefix(r);
  if (!p) return undefined;
  const opcode = r.next();
  const rows = rowsByKey().get(rowKey(p.evex, p.map, p.pp, opcode));
  if (!rows) return undefined;
  const noModrm = rows.find((x) => x.operands.length === 0 && (x.l === undefined || x.l === p.l));
  const modrm = noModrm ? 0 : r.next();
  const row = noModrm ?? findRow(rows, p, modrm);
  if (!row) return undefined;

  // vvvv, and EVEX's V', must be 1111b (stored inverted) when no operand uses them (§2.3.6).
  if (!row.operands.some((c) => /^(H|B|KH)/.test(c)) && p.vvvv !== 0) return undefined;
  const code = rmCode(row);
  const isMemory = code !== undefined && modrm >> 6 !== 3;
  if (code !== undefined && /^(U|R|KR)/.test(code) && isMemory) return undefined;
  if (code !== undefined && /^M/.test(code) && !isMemory) return undefined;
  // EVEX.b: broadcast with memory, rounding or SAE with registers; L'L = 3 is reserved.
  const rounding = p.evex && p.b && !isMemory;
  if (p.evex && p.b && (isMemory ? row.broadcast === undefined : row.rounding === undefined)) return undefined;
  if (p.evex && p.l === 3 && !rounding) return undefined;
  // Zeroing needs an opmask to zero by (§2.7.3; objdump: (bad)).
  if (p.z && p.aaa === 0) return undefined;
  const vl = rounding ? 64 : 16 << p.l;

  const lastSeg = prefixes.filter(isSegmentPrefix).pop();
  const segment = isMemory && (lastSeg === 0x64 || lastSeg === 0x65) ? (lastSeg === 0x64 ? 'fs:' : 'gs:') : '';
  const a32 = prefixes.includes(0x67);
  const d: Decoded = { p, row, vl, modrm, imm: 0 };
  if (isMemory) {
    // disp8*N (§2.7.5, Tables 2-34/2-35): N is the bytes the memory operand reads, or
    // one element when broadcast.
    const n = !p.evex ? 1 : p.b ? row.broadcast! : sizeBytes(splitCode(code)[1], d);
    d.memory = readAddress(r, p, modrm, a32, segment, n);
  }
  if (row.operands.some((c) => c === 'Ib' || c.startsWith('L'))) d.imm = r.next();
  const length = r.pos - r.start;
  const next = (BigInt(address) + BigInt(length)) & MASK64;

  const comments: string[] = [];
  const operands = row.operands.map((c) => formatOperand(c, d, next, symbolize, comments));
  let mnemonic = row.mnemonic;
  if (p.evex) {
    // Opmask and zeroing decorate the destination (§2.7.3); rounding the last register.
    if (p.aaa) operands[0] += `{k${p.aaa}}`;
    if (p.z) operands[0] += '{z}';
    if (rounding) {
      const last = row.operands.length - 1 - [...row.operands].reverse().findIndex((c) => c !== 'Ib');
      operands[last] += `{${row.rounding === 'er' ? ROUNDING[p.l] : 'sae'}}`;
    }
    if (vexWouldDo(d, isMemory, opcode)) mnemonic = `{evex} ${mnemonic}`;
  }
  if (row.predicates) {
    const name = row.predicates[d.imm];
    if (name !== undefined) {
      const at = mnemonic.indexOf('cmp') + 3;
      mnemonic = mnemonic.slice(0, at) + name + mnemonic.slice(at);
      operands.pop();
    }
  }

  // Legacy prefixes before the VEX/EVEX byte: fs/gs and 67 count for a memory operand,
  // the rest show as words, as objdump prints them.
  const consumed = new Set<number>();
  if (isMemory) consumed.add(prefixes.lastIndexOf(0x67));
  if (segment) consumed.add(prefixes.lastIndexOf(lastSeg!));
  const words = prefixes.filter((_, i) => !consumed.has(i)).map((b) => PREFIX_NAMES.get(b)!);
  let text = [...words, mnemonic].join(' ');
  if (operands.length > 0) text += ' ' + operands.join(',');
  if (comments.length > 0) text += ' ' + comments[0];
  return { length, text };
}
