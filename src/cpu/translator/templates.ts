import type { Handler, Insn } from '../insn.js';
import { REP_NONE } from '../insn.js';
import { ADC, ADD, aluAccImm, aluEG, aluEImm, aluGE, AND, CMP, incDecE, negE, notE, OR, SBB, SUB, testAccImm, testEG, testEImm, XOR } from '../ops/alu.js';
import { callE, callRel, jmpE, jmpRel, ret } from '../ops/control.js';
import { cbw, cmov, cwd, lea, movEG, movEImm, movGE, movsxd, movx, movZImm, nop, popZ, pushImm, pushZ, setcc } from '../ops/data.js';
import { shiftDouble, shiftE1, shiftECl, shiftEImm } from '../ops/shift.js';
import { bsfBsr } from '../ops/bit.js';
import { stringOp } from '../ops/string.js';
import { imulE, imulGE, mulE } from '../ops/muldiv.js';
import { logicVW, movqLoad, movqStore, movVW, movWV } from '../ops/sse.js';
import { byteOp, dwordOp, OP_ADD, OP_CMPEQ, OP_MAXU, OP_MINU, OP_SUB, pack, pmovmskb, SH_LDQ, SH_LL, SH_RA, SH_RDQ, SH_RL, shiftImm, unpack } from '../ops/sse-int.js';
import { palignr } from '../ops/sse-int-ssse3.js';
import { MXCSR_MM } from '../cpu-model.js';
import { AF, CF, DF, OF, PF, SF, ZF } from '../flags.js';
import { RAX, RCX, RDI, RDX, RSI, RSP } from '../registers.js';
import { rdtsc, rdtscp } from '../ops/system.js';
import { CANONICAL, effectiveAddress, load64, maskFor, readMem, readReg, setFlags, setFlagsCOA, writeMem, writeReg } from './emit.js';

/**
 * Code templates for the instructions that dominate real programs. A template returns
 * JavaScript for one instruction with its operands, sizes and immediates folded in, or
 * null to let the block call the interpreter's handler instead (always correct). Every
 * template implements exactly what its handler does; the translator tests run both.
 *
 * A template may set `cpu.rip` only when it ends the block (branches). Code that only
 * computes status flags is wrapped by `flagsOnly`, so the translator can leave it out
 * where the flags are dead (flagEffect).
 */
export type Template = (i: Insn) => string | null;

const FLAGS_START = '/*flags*/';
const FLAGS_END = '/*end flags*/';

/** Marks status-flag code that a block may drop when a later instruction overwrites every flag first. */
function flagsOnly(code: string): string {
  return FLAGS_START + code + FLAGS_END;
}

/** A template's code without its flag computation. */
export function withoutFlags(code: string): string {
  let out = code;
  for (let start = out.indexOf(FLAGS_START); start >= 0; start = out.indexOf(FLAGS_START)) {
    out = out.slice(0, start) + out.slice(out.indexOf(FLAGS_END, start) + FLAGS_END.length);
  }
  return out;
}

/** Reads the E operand (register or memory at `a`, which must be computed first) into x/xh. */
function loadE(i: Insn, size: number): string {
  if (i.rm >= 0) return size === 8 ? `x = lo[${i.rm}]; xh = hi[${i.rm}];` : `x = ${readReg(i.rm, size)};`;
  return size === 8 ? load64('x', 'xh') : `x = ${readMem(size)};`;
}

function storeE(i: Insn, size: number, v: string, vh: string): string {
  return i.rm >= 0 ? writeReg(i.rm, size, v, vh) : writeMem(size, v, vh);
}

/**
 * dst op= src for the eight ALU operations at every size, as aluResult/aluFlags compute
 * them: `loadX` puts the first operand in x (x/xh), `loadY` the second in y (y/yh),
 * `store` writes the result. Byte and word operands are zero-extended and the result is
 * masked; ADC and SBB take CF in first (u), and set the flags as ADD and SUB do.
 */
function alu(op: number, size: number, loadX: string, store: (v: string, vh: string) => string, loadY: string): string {
  const write = op === CMP ? '' : store('r', 'rh');
  const carryIn = op === ADC || op === SBB ? 'u = cpu.getCF();' : '';
  const adds = op === ADD || op === ADC;
  const subtracts = op === SUB || op === SBB || op === CMP;
  const c = carryIn === '' ? '' : adds ? ' + u' : ' - u';
  const logic = op === AND ? '&' : op === OR ? '|' : '^';
  if (size !== 8) {
    const wrap = size === 4 ? '| 0' : `& ${maskFor(size)}`;
    const body = adds ? `r = (x + y${c}) ${wrap};` : subtracts ? `r = (x - y${c}) ${wrap};` : `r = x ${logic} y;`;
    const aux = adds ? 't = (x & y) | ((x | y) & ~r);' : subtracts ? 't = (~x & y) | (~(x ^ y) & r);' : 't = 0;';
    return `${carryIn} ${loadX} ${loadY} ${body} ${write} ${flagsOnly(aux + ' ' + setFlags(size, 'r', 't'))}`;
  }
  let body: string;
  let aux: string;
  if (adds) {
    body = `t = (x >>> 0) + (y >>> 0)${c}; r = t | 0; rh = (xh + yh + (t >= 4294967296 ? 1 : 0)) | 0;`;
    aux = 't = (x & y) | ((x | y) & ~r); u = (xh & yh) | ((xh | yh) & ~rh);';
  } else if (subtracts) {
    body = `t = (x >>> 0) - (y >>> 0)${c}; r = t | 0; rh = (xh - yh - (t < 0 ? 1 : 0)) | 0;`;
    aux = 't = (~x & y) | (~(x ^ y) & r); u = (~xh & yh) | (~(xh ^ yh) & rh);';
  } else {
    body = `r = x ${logic} y; rh = xh ${logic} yh;`;
    aux = 't = 0; u = 0;';
  }
  return `${carryIn} ${loadX} ${loadY} ${body} ${write} ${flagsOnly(aux + ' ' + setFlags(8, 'r', 't', 'rh', 'u'))}`;
}

function yFromReg(reg: number, size: number): string {
  return size === 8 ? `y = lo[${reg}]; yh = hi[${reg}];` : `y = ${readReg(reg, size)};`;
}

function yFromImm(i: Insn, size: number): string {
  if (size === 8) return `y = ${i.imm}; yh = ${i.immHi};`;
  return size === 4 ? `y = ${i.imm};` : `y = ${i.imm} & ${maskFor(size)};`;
}

/** Reads a general register at `size` into x (x/xh for 8 bytes). */
function xFromReg(reg: number, size: number): string {
  return size === 8 ? `x = lo[${reg}]; xh = hi[${reg}];` : `x = ${readReg(reg, size)};`;
}

const aluToE = (i: Insn, loadY: string): string => {
  const size = i.opsize;
  // A read-modify-write destination is checked for writing before it is read, so a
  // fault reports W in its error code (Cpu.eaRmw).
  const ea = i.rm >= 0 ? '' : effectiveAddress(i) + (i.sub === CMP ? '' : ` mem.checkWrite(a, ${size});`);
  return ea + ' ' + alu(i.sub, size, loadE(i, size), (v, vh) => storeE(i, size, v, vh), loadY);
};

/** RDTSC's EDX:EAX, upper halves cleared (SDM Vol. 2B RDTSC). */
const TSC_TO_EDX_EAX = `rt.sampleTsc(cpu); lo[${RAX}] = cpu.tscLo; hi[${RAX}] = 0; lo[${RDX}] = cpu.tscHi; hi[${RDX}] = 0;`;

const templates = new Map<Handler, Template>([
  [aluEG, (i) => aluToE(i, yFromReg(i.reg, i.opsize))],
  [aluEImm, (i) => aluToE(i, yFromImm(i, i.opsize))],
  [
    aluGE,
    (i) => {
      const size = i.opsize;
      // y = E (register or memory), x = G.
      const loadY = i.rm >= 0 ? yFromReg(i.rm, size) : `${effectiveAddress(i)} ${size === 8 ? load64('y', 'yh') : `y = ${readMem(size)};`}`;
      return alu(i.sub, size, `${loadY} ${xFromReg(i.reg, size)}`, (v, vh) => writeReg(i.reg, size, v, vh), '');
    },
  ],
  [
    aluAccImm,
    (i) => {
      const size = i.opsize;
      return alu(i.sub, size, xFromReg(RAX, size), (v, vh) => writeReg(RAX, size, v, vh), yFromImm(i, size));
    },
  ],
  [testEG, (i) => test(i, yFromReg(i.reg, i.opsize))],
  [testEImm, (i) => test(i, yFromImm(i, i.opsize))],
  [
    testAccImm,
    (i) => alu(AND, i.opsize, xFromReg(RAX, i.opsize), () => '', yFromImm(i, i.opsize)),
  ],
  [
    movEG,
    (i) => {
      const size = i.opsize;
      const v = size === 8 ? `lo[${i.reg}]` : readReg(i.reg, size);
      const vh = size === 8 ? `hi[${i.reg}]` : '0';
      if (i.rm >= 0) return size === 8 ? `lo[${i.rm}] = lo[${i.reg}]; hi[${i.rm}] = hi[${i.reg}];` : writeReg(i.rm, size, v);
      return `${effectiveAddress(i)} ${writeMem(size, v, vh)}`;
    },
  ],
  [
    movGE,
    (i) => {
      const size = i.opsize;
      if (i.rm >= 0) return size === 8 ? `lo[${i.reg}] = lo[${i.rm}]; hi[${i.reg}] = hi[${i.rm}];` : writeReg(i.reg, size, readReg(i.rm, size));
      if (size === 8) return `${effectiveAddress(i)} ${load64('x', 'xh')} ${writeReg(i.reg, 8, 'x', 'xh')}`;
      return `${effectiveAddress(i)} ${writeReg(i.reg, size, readMem(size))}`;
    },
  ],
  [
    movEImm,
    (i) => {
      if (i.rm >= 0) return writeReg(i.rm, i.opsize, String(i.imm), String(i.immHi));
      return `${effectiveAddress(i)} ${writeMem(i.opsize, String(i.imm), String(i.immHi))}`;
    },
  ],
  [movZImm, (i) => writeReg(i.reg, i.opsize, String(i.imm), String(i.immHi))],
  [
    lea,
    (i) => {
      if (i.rm >= 0 || i.addrsize !== 8 || (i.opsize !== 8 && i.opsize !== 4)) return null;
      // Exact 64-bit sum in halves, no canonical check (LEA is arithmetic).
      const addr = i.ripRelative
        ? `a = base + ${i.nextOffset + i.disp}; r = a | 0; rh = Math.floor(a / 4294967296) | 0;`
        : `t = (lo[${i.base}] >>> 0) + (lo[${i.index}] >>> 0) * ${i.scale} + ${i.disp >>> 0}; x = Math.floor(t / 4294967296); r = t | 0; ` +
          `rh = (hi[${i.base}] + hi[${i.index}] * ${i.scale} + ${i.disp < 0 ? -1 : 0} + x) | 0;`;
      return `${addr} ${writeReg(i.reg, i.opsize, 'r', 'rh')}`;
    },
  ],
  [
    movx,
    (i) => {
      const srcSize = Math.abs(i.sub);
      const load = i.rm >= 0 ? `x = ${readReg(i.rm, srcSize)};` : `${effectiveAddress(i)} x = ${readMem(srcSize)};`;
      const ext = i.sub < 0 ? (srcSize === 1 ? 'x = (x << 24) >> 24;' : 'x = (x << 16) >> 16;') : '';
      if (i.opsize === 2) return `${load} ${ext} ${writeReg(i.reg, 2, 'x')}`;
      return `${load} ${ext} ${writeReg(i.reg, i.opsize, 'x', i.sub < 0 ? 'x >> 31' : '0')}`;
    },
  ],
  [
    movsxd,
    (i) => {
      if (i.opsize !== 8) return null;
      const load = i.rm >= 0 ? `x = lo[${i.rm}];` : `${effectiveAddress(i)} x = ${readMem(4)};`;
      return `${load} lo[${i.reg}] = x; hi[${i.reg}] = x >> 31;`;
    },
  ],
  [pushZ, (i) => (i.opsize === 8 ? push64(`lo[${i.reg}]`, `hi[${i.reg}]`) : null)],
  // RSP moves before the popped value is written: POP RSP loads the value (SDM Vol. 2B POP).
  [popZ, (i) => (i.opsize === 8 ? `${pop64()} lo[${i.reg}] = x; hi[${i.reg}] = xh;` : null)],
  [pushImm, (i) => (i.opsize === 8 ? push64(String(i.imm), String(i.immHi)) : null)],
  [
    incDecE,
    (i) => {
      const size = i.opsize;
      if (size !== 4 || i.rm < 0) return null;
      // INC/DEC keep CF: materialise it first, then encode CF, OF, AF in the aux word.
      const op = i.sub === 0 ? '+' : '-';
      const of = i.sub === 0 ? 'r === -2147483648' : 'r === 2147483647';
      return `${flagsOnly('t = cpu.getCF();')} x = lo[${i.rm}]; r = (x ${op} 1) | 0; lo[${i.rm}] = r; hi[${i.rm}] = 0; ` +
        flagsOnly(setFlagsCOA('r', '0', 4, 't', `${of} ? 1 : 0`, `(r & 0xf) === ${i.sub === 0 ? 0 : 0xf} ? 1 : 0`));
    },
  ],
  [
    cmov,
    (i) => {
      const size = i.opsize;
      if (size !== 4 && size !== 8) return null;
      const load = i.rm >= 0 ? (size === 8 ? `x = lo[${i.rm}]; xh = hi[${i.rm}];` : `x = lo[${i.rm}];`) : `${effectiveAddress(i)} ${size === 8 ? load64('x', 'xh') : `x = ${readMem(4)};`}`;
      const write = size === 8 ? `lo[${i.reg}] = x; hi[${i.reg}] = xh;` : `lo[${i.reg}] = x; hi[${i.reg}] = 0;`;
      const otherwise = size === 4 ? ` else hi[${i.reg}] = 0;` : '';
      // The condition first (flags do not change; the source is read, and may fault,
      // either way), so that a fused condition still finds its operands (fusedCondition).
      return `u = cpu.cond(${i.sub}) ? 1 : 0; ${load} if (u) { ${write} }${otherwise}`;
    },
  ],
  [
    setcc,
    (i) => (i.rm >= 0 ? writeReg(i.rm, 1, `cpu.cond(${i.sub}) ? 1 : 0`) : `${effectiveAddress(i)} mem.write8(a, cpu.cond(${i.sub}) ? 1 : 0);`),
  ],
  [shiftEImm, (i) => shiftByConstant(i, i.imm)],
  [shiftE1, (i) => shiftByConstant(i, 1)],
  [
    shiftECl,
    (i) => {
      const op = i.sub === 6 ? 4 : i.sub;
      if (i.rm < 0 || (op !== 4 && op !== 5 && op !== 7)) return null;
      return shiftCode(i, op, `lo[${RCX}] & ${i.opsize === 8 ? 0x3f : 0x1f}`);
    },
  ],
  [
    imulGE,
    (i) => {
      if (i.opsize === 8) {
        // The low 64 bits of the product are the same signed or unsigned: the low words'
        // 64-bit product plus the cross products' low words. Only the flags (did the
        // signed product fit?) need the 128-bit product, and are often dead.
        const [y, yh] = i.def!.operands.length === 3 ? [String(i.imm), String(i.immHi)] : [`lo[${i.reg}]`, `hi[${i.reg}]`];
        return (
          `${loadE64(i)} y = ${y}; yh = ${yh}; r = rt.mul32(x, y); rh = (rt.wide.w1 + Math.imul(x, yh) + Math.imul(xh, y)) | 0; ` +
          `${flagsOnly(`rt.mulS64(x, xh, y, yh); t = ${SIGNED_OVERFLOW} ? 1 : 0; ${setFlagsCOA('r', 'rh', 8, 't', 't', '0')}`)} lo[${i.reg}] = r; hi[${i.reg}] = rh;`
        );
      }
      // 32-bit IMUL G,E(,imm): CF = OF = the product does not fit (imulGE; the double
      // product is exact below 2^53 and certainly differs from the int32 above it).
      if (i.opsize !== 4) return null;
      const load = i.rm >= 0 ? `x = lo[${i.rm}];` : `${effectiveAddress(i)} x = ${readMem(4)};`;
      const y = i.def!.operands.length === 3 ? String(i.imm) : `lo[${i.reg}]`;
      return `${load} y = ${y}; r = Math.imul(x, y); lo[${i.reg}] = r; hi[${i.reg}] = 0; ${flagsOnly(`t = x * y !== r ? 1 : 0; ${setFlagsCOA('r', '0', 4, 't', 't', '0')}`)}`;
    },
  ],
  // 64-bit MUL/IMUL: the 128-bit product from ops/wide-arith.ts, as multiplyAccumulator
  // and imulGE store it; CF = OF = the high half is not the extension of the low one.
  [mulE, (i) => (i.opsize === 8 ? `${loadE64(i)} rt.mulU64(lo[${RAX}], hi[${RAX}], x, xh); ${storeProduct(false)}` : null)],
  [imulE, (i) => (i.opsize === 8 ? `${loadE64(i)} rt.mulS64(lo[${RAX}], hi[${RAX}], x, xh); ${storeProduct(true)}` : null)],
  [shiftDouble, doubleShift],
  // The vDSO's clock read, without a handler call (ops/system.ts sampleTsc; RDTSCP adds TSC_AUX).
  [rdtsc, () => TSC_TO_EDX_EAX],
  [rdtscp, () => `${TSC_TO_EDX_EAX} lo[${RCX}] = cpu.tscAux; hi[${RCX}] = 0;`],
  [nop, () => ''],
  [notE, complement],
  // NEG is 0 - E, with SUB's flags (CF = E is not zero; SDM Vol. 2B NEG).
  [negE, (i) => (i.rm >= 0 ? alu(SUB, i.opsize, i.opsize === 8 ? 'x = 0; xh = 0;' : 'x = 0;', (v, vh) => writeReg(i.rm, i.opsize, v, vh), yFromReg(i.rm, i.opsize)) : null)],
  [cbw, (i) => (i.opsize === 8 ? `hi[${RAX}] = lo[${RAX}] >> 31;` : writeReg(RAX, i.opsize, i.opsize === 4 ? `(lo[${RAX}] << 16) >> 16` : `(lo[${RAX}] << 24) >> 24`))],
  [
    cwd,
    (i) => (i.opsize === 8 ? `x = hi[${RAX}] >> 31; lo[${RDX}] = x; hi[${RDX}] = x;` : writeReg(RDX, i.opsize, i.opsize === 4 ? `lo[${RAX}] >> 31` : `(lo[${RAX}] << 16) >> 31`)),
  ],
  [stringOp, stringMove],
  [bsfBsr, bitScan],
  [movVW, (i) => xmmMove(i, true)],
  [movWV, (i) => xmmMove(i, false)],
  [logicVW, xmmLogic],
  [byteOp, (i) => (i.sub === OP_CMPEQ ? compareBytesEqual(i) : i.sub === OP_MINU || i.sub === OP_MAXU ? unsignedByteMinMax(i) : null)],
  [palignr, alignRight],
  [
    pmovmskb,
    (i) => {
      // The top bit of each byte: bits 7, 15, 23, 31 of each 32-bit lane.
      if (i.rm < 0) return null;
      const lanes = [0, 1, 2, 3].map((k) => `t = xmm[${i.rm * 4 + k}]; r |= (((t >>> 7) & 1) | ((t >>> 14) & 2) | ((t >>> 21) & 4) | ((t >>> 28) & 8)) << ${4 * k};`);
      return `r = 0; ${lanes.join(' ')} lo[${i.reg}] = r; hi[${i.reg}] = 0;`;
    },
  ],
  [dwordOp, xmmDwordArithmetic],
  [shiftImm, xmmShiftImm],
  [unpack, unpackTemplate],
  [pack, (i) => (i.sub === 2 ? packUnsignedBytes(i) : null)],
  [
    movqStore,
    (i) => {
      const s = i.reg * 4;
      if (i.rm < 0) return `${effectiveAddress(i)} ${writeMem(8, `xmm[${s}]`, `xmm[${s + 1}]`)}`;
      const d = i.rm * 4;
      return `xmm[${d}] = xmm[${s}]; xmm[${d + 1}] = xmm[${s + 1}]; xmm[${d + 2}] = 0; xmm[${d + 3}] = 0;`;
    },
  ],
  [
    movqLoad,
    (i) => {
      const d = i.reg * 4;
      const load = i.rm >= 0 ? `x = xmm[${i.rm * 4}]; xh = xmm[${i.rm * 4 + 1}];` : `${effectiveAddress(i)} ${load64('x', 'xh')}`;
      return `${load} xmm[${d}] = x; xmm[${d + 1}] = xh; xmm[${d + 2}] = 0; xmm[${d + 3}] = 0;`;
    },
  ],
]);

/** NOT (no flags); a memory destination is checked for writing first, as Cpu.eaRmw does. */
function complement(i: Insn): string | null {
  const size = i.opsize;
  if (i.rm >= 0) return size === 8 ? `lo[${i.rm}] = ~lo[${i.rm}]; hi[${i.rm}] = ~hi[${i.rm}];` : writeReg(i.rm, size, `~${readReg(i.rm, size)}`);
  if (size === 8) return `${effectiveAddress(i)} mem.checkWrite(a, 8); ${load64('x', 'xh')} ${writeMem(8, '~x', '~xh')}`;
  if (size === 4) return `${effectiveAddress(i)} mem.checkWrite(a, 4); x = ${readMem(4)}; ${writeMem(4, '~x')}`;
  return null;
}

/**
 * MOVS and STOS, 64-bit addresses (musl's memcpy moves its unaligned head and tail with
 * MOVSB), as ops/string.ts moveElement: the source read (FS/GS base added after the
 * canonical check of RSI), the destination written, then RSI and RDI step by the
 * element size, down when DF is set.
 */
function stringMove(i: Insn): string | null {
  if (i.addrsize !== 8 || (i.sub !== 0 && i.sub !== 2)) return null;
  const size = i.opsize;
  const pointer = (reg: number): string =>
    `a = hi[${reg}] * 4294967296 + (lo[${reg}] >>> 0); if (a < -${CANONICAL} || a >= ${CANONICAL}) rt.badString(cpu);`;
  const step = (reg: number): string =>
    `t = (lo[${reg}] >>> 0) + u; lo[${reg}] = t | 0; if (t >= 4294967296) hi[${reg}] = (hi[${reg}] + 1) | 0; else if (t < 0) hi[${reg}] = (hi[${reg}] - 1) | 0;`;
  const load = size === 8 ? load64('x', 'xh') : `x = ${readMem(size)};`;
  const read = i.sub === 0 ? `${pointer(RSI)}${i.segment ? ` a += cpu.segBase[${i.segment}];` : ''} ${load}` : `x = lo[${RAX}]; xh = hi[${RAX}];`;
  const element =
    `${read} ${pointer(RDI)} ${writeMem(size, size === 8 ? 'x' : `x & ${maskFor(size)}`, 'xh')} ` +
    `u = (cpu.flagsRest & ${DF}) !== 0 ? ${-size} : ${size}; ${i.sub === 0 ? step(RSI) : ''} ${step(RDI)}`;
  if (i.rep === REP_NONE) return element;
  // REP: element by element, RCX counted down after each, so that a fault leaves RCX,
  // RSI and RDI at the element that faulted and the instruction resumes there (SDM Vol.
  // 2B REP), as the handler leaves them. Short counts only (musl's memcpy copies with
  // REP MOVSQ, one to a few quadwords per qsort swap); long ones go to the handler,
  // which moves a page at a time.
  const loop = `while ((lo[${RCX}] | hi[${RCX}]) !== 0) { ${element} if (lo[${RCX}] === 0) hi[${RCX}] = (hi[${RCX}] - 1) | 0; lo[${RCX}] = (lo[${RCX}] - 1) | 0; }`;
  return `if (hi[${RCX}] === 0 && (lo[${RCX}] >>> 0) <= ${SHORT_REP}) { ${loop} } else { ${CALL_HANDLER} }`;
}

/**
 * BSF/BSR of a 32- or 64-bit register, as ops/bit.ts bsfBsr: a zero source sets ZF and
 * clears CF, OF, SF, AF and PF, leaving the destination as it was; otherwise the bit's
 * index goes to the destination and all six are cleared. (Lazy flags cannot say ZF = 1
 * with PF = 0, so the flags are set through setStatusFlags.)
 */
function bitScan(i: Insn): string | null {
  if (i.rm < 0 || (i.opsize !== 4 && i.opsize !== 8)) return null;
  const source = i.opsize === 8 ? `x = lo[${i.rm}]; xh = hi[${i.rm}];` : `x = lo[${i.rm}]; xh = 0;`;
  const index =
    i.sub === 0
      ? `x !== 0 ? 31 - Math.clz32(x & -x) : 63 - Math.clz32(xh & -xh)`
      : `xh !== 0 ? 63 - Math.clz32(xh) : 31 - Math.clz32(x)`;
  const flags = ZF | CF | OF | SF | AF | PF;
  return `${source} if ((x | xh) === 0) cpu.setStatusFlags(${flags}, ${ZF}); else { ${writeReg(i.reg, i.opsize, index)} cpu.setStatusFlags(${flags}, 0); }`;
}

/** Longest REP MOVS/STOS count a compiled block moves element by element (stringMove). */
const SHORT_REP = 64;

/**
 * In a template's code, the instruction's interpreter handler, called as compiled code
 * calls a handler with no template (compile-block.ts), for the cases the template leaves.
 */
export const CALL_HANDLER = '/*call the handler*/';

/**
 * PUSH of a 64-bit value (Cpu.push64, inlined): the new RSP must be canonical (#SS(0)),
 * the store happens before RSP changes, so a fault leaves RSP as it was. `value` and
 * `valueHi` are read before RSP changes (PUSH RSP pushes the old value). Uses `a`.
 */
function push64(value: string, valueHi: string): string {
  return (
    `a = hi[${RSP}] * 4294967296 + (lo[${RSP}] >>> 0) - 8; if (a < -${CANONICAL} || a >= ${CANONICAL}) rt.badStack(cpu); ` +
    `${writeMem(8, value, valueHi)} lo[${RSP}] = a | 0; hi[${RSP}] = Math.floor(a / 4294967296);`
  );
}

/** POP of 64 bits into x/xh (Cpu.pop64, inlined); RSP moves past it. Uses `a`. */
function pop64(): string {
  return (
    `a = hi[${RSP}] * 4294967296 + (lo[${RSP}] >>> 0); if (a < -${CANONICAL} || a >= ${CANONICAL}) rt.badStack(cpu); ` +
    `${load64('x', 'xh')} a += 8; lo[${RSP}] = a | 0; hi[${RSP}] = Math.floor(a / 4294967296);`
  );
}

/** Reads a 64-bit E operand (register or memory) into x/xh. */
function loadE64(i: Insn): string {
  return i.rm >= 0 ? `x = lo[${i.rm}]; xh = hi[${i.rm}];` : `${effectiveAddress(i)} ${load64('x', 'xh')}`;
}

/** The signed 128-bit product in rt.wide does not fit in 64 bits (IMUL's CF and OF). */
const SIGNED_OVERFLOW = '(rt.wide.w2 !== rt.wide.w1 >> 31 || rt.wide.w3 !== rt.wide.w1 >> 31)';

/**
 * Stores the one-operand MUL/IMUL product in rt.wide into RDX:RAX (RDX first, as the
 * handler does), and the flags.
 */
function storeProduct(signed: boolean): string {
  const overflow = signed ? SIGNED_OVERFLOW : '(rt.wide.w2 | rt.wide.w3) !== 0';
  return `lo[${RDX}] = rt.wide.w2; hi[${RDX}] = rt.wide.w3; lo[${RAX}] = rt.wide.w0; hi[${RAX}] = rt.wide.w1; ${flagsOnly(`t = ${overflow} ? 1 : 0; ${setFlagsCOA('rt.wide.w0', 'rt.wide.w1', 8, 't', 't', '0')}`)}`;
}

/** Statements applying `lane(dst, src)` to the four 32-bit lanes of two XMM registers. */
function xmmLanes(i: Insn, lane: (d: string, s: string) => string): string {
  const d = i.reg * 4;
  const s = i.rm * 4;
  const out: string[] = [];
  for (let k = 0; k < 4; k++) out.push(`xmm[${d + k}] = ${lane(`xmm[${d + k}]`, `xmm[${s + k}]`)};`);
  return out.join(' ');
}

/**
 * PCMPEQB (strlen, memchr): per 32-bit lane, the bytes of d ^ s that are zero become 0xff.
 * A byte b is non-zero exactly when ((b & 0x7f) + 0x7f | b) has its top bit set, and no
 * carry crosses bytes; the inverted top bits, shifted down to 0x01 per equal byte and
 * multiplied by 0xff, give 0xff or 0x00 per byte.
 * A memory source is 16-byte aligned unless AMD's MXCSR.MM waives it (loadSrc, Cpu.ea16).
 */
function compareBytesEqual(i: Insn): string {
  const d = i.reg * 4;
  const { load, lane } = xmmSource(i);
  const lanes = [0, 1, 2, 3].map(
    (k) => `t = xmm[${d + k}] ^ ${lane(k)}; t = ~((((t & 0x7f7f7f7f) + 0x7f7f7f7f) | t) | 0x7f7f7f7f); xmm[${d + k}] = Math.imul(t >>> 7, 0xff);`,
  );
  return `${load} ${lanes.join(' ')}`;
}

/**
 * The W source of a legacy-SSE integer instruction: `load` (empty for a register) and the
 * expression of its 32-bit lane k. A memory source must be 16-byte aligned unless AMD's
 * MXCSR.MM waives it (loadSrc, Cpu.ea16), and is read whole before the destination
 * changes, so a fault leaves the destination intact.
 */
function xmmSource(i: Insn): { load: string; lane: (k: number) => string } {
  if (i.rm >= 0) return { load: '', lane: (k) => `xmm[${i.rm * 4 + k}]` };
  return {
    load: `${effectiveAddress(i, 'waivable')} if ((a & 15) !== 0 && !(cpu.mxcsr & ${MXCSR_MM})) rt.misaligned(cpu); mem.read128(a, rt.xmmSource, 0);`,
    lane: (k) => `rt.xmmSource[${k}]`,
  };
}

/**
 * PMINUB/PMAXUB (glibc's strlen and memchr) without a loop over bytes: per 32-bit lane,
 * the even and the odd bytes are compared in 16-bit fields as 0x100 + d - s, whose bit 8
 * is set exactly when d >= s and which never borrows from the next field; those bits,
 * times 0xff, are the byte mask of d >= s.
 */
function unsignedByteMinMax(i: Insn): string {
  const d = i.reg * 4;
  const { load, lane } = xmmSource(i);
  const [keepD, keepS] = i.sub === OP_MAXU ? ['t', '~t'] : ['~t', 't'];
  const lanes = [0, 1, 2, 3].map(
    (k) =>
      `x = xmm[${d + k}]; y = ${lane(k)}; ` +
      `t = Math.imul((((x & 0xff00ff) | 0x1000100) - (y & 0xff00ff)) >>> 8 & 0x10001, 0xff) | ` +
      `Math.imul((((x >>> 8 & 0xff00ff) | 0x1000100) - (y >>> 8 & 0xff00ff)) >>> 8 & 0x10001, 0xff) << 8; ` +
      `xmm[${d + k}] = (x & ${keepD}) | (y & ${keepS});`,
  );
  return `${load} ${lanes.join(' ')}`;
}

/**
 * PALIGNR (glibc's SSSE3 memmove): bytes imm .. imm+15 of the 32-byte destination:source
 * pair, as dword lanes: lane j = (w[j+q] >>> 8r) | (w[j+q+1] << (32 - 8r)) with imm =
 * 4q + r, where w[0..3] is the source, w[4..7] the destination and beyond is zero (SDM
 * Vol. 2B PALIGNR). Both are read before the destination is written.
 */
function alignRight(i: Insn): string {
  const d = i.reg * 4;
  const { load, lane } = xmmSource(i);
  const count = i.imm & 0xff;
  const q = count >> 2;
  const r = (count & 3) * 8;
  const w = (j: number): string => (j < 4 ? `s${j}` : j < 8 ? `d${j - 4}` : '0');
  const lanes = [0, 1, 2, 3].map((j) => {
    const value = r === 0 ? w(j + q) : `(${w(j + q)} >>> ${r}) | (${w(j + q + 1)} << ${32 - r})`;
    return `xmm[${d + j}] = ${value};`;
  });
  const reads = [0, 1, 2, 3].map((k) => `s${k} = ${lane(k)}, d${k} = xmm[${d + k}]`).join(', ');
  return `${load} { const ${reads}; ${lanes.join(' ')} }`;
}

/** PAND/PANDN/POR/PXOR (and the PS/PD forms), register source: bitwise on any lanes. */
function xmmLogic(i: Insn): string | null {
  if (i.rm < 0) return null; // a memory source has the alignment rules of loadW
  const ops = [(d: string, s: string) => `${d} & ${s}`, (d: string, s: string) => `~${d} & ${s}`, (d: string, s: string) => `${d} | ${s}`, (d: string, s: string) => `${d} ^ ${s}`];
  return xmmLanes(i, ops[i.sub]);
}

/** PADDD/PSUBD, register source (the Int32Array store wraps each lane as the CPU does). */
function xmmDwordArithmetic(i: Insn): string | null {
  if (i.rm < 0 || (i.sub !== OP_ADD && i.sub !== OP_SUB)) return null;
  const op = i.sub === OP_ADD ? '+' : '-';
  return xmmLanes(i, (d, s) => `${d} ${op} ${s}`);
}

/**
 * PSRLD/PSRAD/PSLLD and PSRLQ/PSLLQ by an immediate (SDM Vol. 2B PSRLW/PSRLD/PSRLQ): a
 * count of at least the lane width clears a lane, or fills it with its sign for PSRAD.
 */
function xmmShiftImm(i: Insn): string | null {
  const kind = i.sub >> 2;
  const log2w = i.sub & 3;
  const count = i.imm & 0xff;
  const b = i.rm * 4;
  const x = (k: number): string => `xmm[${b + k}]`;
  const cleared = [0, 1, 2, 3].map((k) => `${x(k)} = 0;`).join(' ');
  if (log2w === 2 && kind <= SH_LL) {
    if (kind === SH_RA) return [0, 1, 2, 3].map((k) => `${x(k)} = ${x(k)} >> ${Math.min(count, 31)};`).join(' ');
    if (count > 31) return cleared;
    const op = kind === SH_RL ? '>>>' : '<<';
    return [0, 1, 2, 3].map((k) => `${x(k)} = ${x(k)} ${op} ${count};`).join(' ');
  }
  if (log2w === 1 && (kind === SH_RL || kind === SH_LL)) {
    // Both words of a lane at once, the bits that cross between them masked off.
    if (count > 15) return cleared;
    const word = kind === SH_RL ? 0xffff >>> count : (0xffff << count) & 0xffff;
    const mask = (word | (word << 16)) | 0;
    const op = kind === SH_RL ? '>>>' : '<<';
    return [0, 1, 2, 3].map((k) => `${x(k)} = (${x(k)} ${op} ${count}) & ${mask};`).join(' ');
  }
  if (kind === SH_RDQ || kind === SH_LDQ) return count > 15 ? cleared : byteShift(x, kind === SH_RDQ, count);
  if (log2w === 3 && (kind === SH_RL || kind === SH_LL) && count > 0 && count < 32) {
    // Each quadword as halves lo (lane 2q) and hi (lane 2q+1).
    const out: string[] = [];
    for (const q of [0, 2]) {
      out.push(`x = ${x(q)}; xh = ${x(q + 1)};`);
      if (kind === SH_RL) out.push(`${x(q)} = (x >>> ${count}) | (xh << ${32 - count}); ${x(q + 1)} = xh >>> ${count};`);
      else out.push(`${x(q + 1)} = (xh << ${count}) | (x >>> ${32 - count}); ${x(q)} = x << ${count};`);
    }
    return out.join(' ');
  }
  return null;
}

/**
 * PSRLDQ / PSLLDQ: the whole register by `count` (0 to 15) bytes. Lanes are written in
 * the direction that reads each before it is overwritten.
 */
function byteShift(x: (k: number) => string, right: boolean, count: number): string {
  const q = count >> 2;
  const bits = (count & 3) * 8;
  const lane = (k: number): string => (k >= 0 && k < 4 ? x(k) : '0');
  const out: string[] = [];
  for (let j = 0; j < 4; j++) {
    const k = right ? j : 3 - j;
    if (right) out.push(`${x(k)} = ${bits === 0 ? lane(k + q) : `(${lane(k + q)} >>> ${bits}) | (${lane(k + q + 1)} << ${32 - bits})`};`);
    else out.push(`${x(k)} = ${bits === 0 ? lane(k - q) : `(${lane(k - q)} << ${bits}) | (${lane(k - q - 1)} >>> ${32 - bits})`};`);
  }
  return out.join(' ');
}

/**
 * PUNPCKLBW ... PUNPCKHQDQ (sub: log2 of the element size, + 4 for the high halves): the
 * elements of the destination's and the source's low (high) halves interleaved, from the
 * lanes a0 a1 (destination) and b0 b1 (source), read before any is written.
 */
function unpackTemplate(i: Insn): string {
  const { load, lane } = xmmSource(i);
  const d = i.reg * 4;
  const h = i.sub >> 2 ? 2 : 0;
  const read = `const a0 = xmm[${d + h}], a1 = xmm[${d + h + 1}], b0 = ${lane(h)}, b1 = ${lane(h + 1)};`;
  const lanes: Record<number, string[]> = {
    0: [0, 1].flatMap((j) => [
      `(a${j} & 0xff) | ((b${j} & 0xff) << 8) | ((a${j} & 0xff00) << 8) | ((b${j} & 0xff00) << 16)`,
      `((a${j} >>> 16) & 0xff) | (((b${j} >>> 16) & 0xff) << 8) | ((a${j} >>> 8) & 0xff0000) | (b${j} & 0xff000000)`,
    ]),
    1: [0, 1].flatMap((j) => [`(a${j} & 0xffff) | (b${j} << 16)`, `(a${j} >>> 16) | (b${j} & 0xffff0000)`]),
    2: ['a0', 'b0', 'a1', 'b1'],
    3: ['a0', 'a1', 'b0', 'b1'],
  };
  const write = lanes[i.sub & 3].map((v, k) => `xmm[${d + k}] = ${v};`).join(' ');
  return `${load} { ${read} ${write} }`;
}

/**
 * PACKUSWB: the destination's and then the source's eight signed words, each saturated
 * to an unsigned byte (SDM Vol. 2B PACKUSWB), from lanes read before any is written.
 */
function packUnsignedBytes(i: Insn): string {
  const { load, lane } = xmmSource(i);
  const d = i.reg * 4;
  const sat = (v: string): string => `Math.min(255, Math.max(0, ${v}))`;
  const pack = (lo: string, hi: string): string =>
    `${sat(`(${lo} << 16) >> 16`)} | (${sat(`${lo} >> 16`)} << 8) | (${sat(`(${hi} << 16) >> 16`)} << 16) | (${sat(`${hi} >> 16`)} << 24)`;
  const read = `const a0 = xmm[${d}], a1 = xmm[${d + 1}], a2 = xmm[${d + 2}], a3 = xmm[${d + 3}], b0 = ${lane(0)}, b1 = ${lane(1)}, b2 = ${lane(2)}, b3 = ${lane(3)};`;
  const write = [pack('a0', 'a1'), pack('a2', 'a3'), pack('b0', 'b1'), pack('b2', 'b3')].map((v, k) => `xmm[${d + k}] = ${v};`).join(' ');
  return `${load} { ${read} ${write} }`;
}

/**
 * MOVDQA/MOVDQU/MOVAPS/MOVUPS and friends: 128-bit copies as four 32-bit lanes, with the
 * alignment check of the aligned forms (#GP, SDM Vol. 2B MOVDQA).
 */
function xmmMove(i: Insn, load: boolean): string | null {
  const x = 'xmm';
  const reg = i.reg * 4;
  if (i.rm >= 0) {
    const rm = i.rm * 4;
    const [d, s] = load ? [reg, rm] : [rm, reg];
    return `${x}[${d}] = ${x}[${s}]; ${x}[${d + 1}] = ${x}[${s + 1}]; ${x}[${d + 2}] = ${x}[${s + 2}]; ${x}[${d + 3}] = ${x}[${s + 3}];`;
  }
  const align = i.sub === 1 ? `if ((a & 15) !== 0) rt.misaligned(cpu);` : '';
  const ea = effectiveAddress(i, i.sub === 1);
  // Mmu.read128 reads both halves before the register changes (a fault leaves it
  // intact); write128 checks both before storing either.
  return `${ea} ${align} mem.${load ? 'read128' : 'write128'}(a, ${x}, ${reg});`;
}

/**
 * SHL/SHR/SAR of a 32- or 64-bit register by `count` (a constant, which V8 folds, or CL),
 * as shiftE does it (64-bit values in halves, bits64.ts): CF is the last bit shifted
 * out; OF is MSB(result) ^ CF for SHL, MSB(source) for SHR, 0 for SAR (SDM Vol. 2B,
 * SAL/SAR/SHL/SHR). A masked count of 0 changes no flag, but a 32-bit destination is
 * still written (its upper half cleared). y holds the count, yh OF.
 */
function shiftCode(i: Insn, op: number, count: string): string | null {
  const rm = i.rm;
  const flags = (size: number): string => flagsOnly(setFlagsCOA('r', size === 8 ? 'rh' : '0', size, 't', 'yh', '0'));
  if (i.opsize === 4) {
    const body =
      op === 4
        ? 'r = x << y; t = (x >>> (32 - y)) & 1; yh = (r >>> 31) ^ t;'
        : op === 5
          ? 'r = (x >>> y) | 0; t = (x >>> (y - 1)) & 1; yh = x >>> 31;'
          : 'r = x >> y; t = (x >> (y - 1)) & 1; yh = 0;';
    return `y = ${count}; if (y !== 0) { x = lo[${rm}]; ${body} lo[${rm}] = r; ${flags(4)} } hi[${rm}] = 0;`;
  }
  if (i.opsize !== 8) return null;
  let body: string;
  if (op === 4) {
    body =
      'if (y < 32) { rh = (xh << y) | (x >>> (32 - y)); r = x << y; } else { rh = x << (y - 32); r = 0; } ' +
      't = y > 32 ? (x >>> (64 - y)) & 1 : (xh >>> (32 - y)) & 1; yh = (rh >>> 31) ^ t;';
  } else {
    const [high, highFar] = op === 5 ? ['(xh >>> y) | 0', 'r = (xh >>> (y - 32)) | 0; rh = 0;'] : ['xh >> y', 'r = xh >> (y - 32); rh = xh >> 31;'];
    body =
      `if (y < 32) { r = (x >>> y) | (xh << (32 - y)); rh = ${high}; } else { ${highFar} } ` +
      `t = y <= 32 ? (x >>> (y - 1)) & 1 : (xh >>> (y - 33)) & 1; yh = ${op === 5 ? 'xh >>> 31' : '0'};`;
  }
  return `y = ${count}; if (y !== 0) { x = lo[${rm}]; xh = hi[${rm}]; ${body} lo[${rm}] = r; hi[${rm}] = rh; ${flags(8)} }`;
}

/**
 * SHLD/SHRD of a 32- or 64-bit register (shiftDouble): the destination shifted by the
 * masked count with bits of the source coming in; CF is the last bit shifted out, OF
 * whether the sign changed; a count of 0 changes no flag but still writes a 32-bit
 * destination. 64-bit values in halves: x/xh destination, y/yh source, count in t, CF
 * in a, OF in u.
 */
function doubleShift(i: Insn): string | null {
  const size = i.opsize;
  if (i.rm < 0 || (size !== 4 && size !== 8)) return null;
  const count = i.def!.operands[2] === 'cl' ? `lo[${RCX}] & ${size === 8 ? 0x3f : 0x1f}` : String(i.imm & (size === 8 ? 0x3f : 0x1f));
  const left = i.sub === 0;
  const [rm, reg] = [i.rm, i.reg];
  if (size === 4) {
    const body = left
      ? 'r = (x << t) | (y >>> (32 - t)); a = (x >>> (32 - t)) & 1;'
      : 'r = (x >>> t) | (y << (32 - t)); a = (x >>> (t - 1)) & 1;';
    return (
      `t = ${count}; if (t !== 0) { x = lo[${rm}]; y = lo[${reg}]; ${body} lo[${rm}] = r; ` +
      `${flagsOnly(`u = (x >>> 31) ^ (r >>> 31); ${setFlagsCOA('r', '0', 4, 'a', 'u', '0')}`)} } hi[${rm}] = 0;`
    );
  }
  // Counts below, at and above 32 move whole halves differently (JavaScript shifts by 32 are shifts by 0).
  const body = left
    ? 'if (t < 32) { rh = (xh << t) | (x >>> (32 - t)); r = (x << t) | (yh >>> (32 - t)); a = (xh >>> (32 - t)) & 1; } ' +
      'else if (t === 32) { rh = x; r = yh; a = xh & 1; } ' +
      'else { t -= 32; rh = (x << t) | (yh >>> (32 - t)); r = (yh << t) | (y >>> (32 - t)); a = (x >>> (32 - t)) & 1; }'
    : 'if (t < 32) { r = (x >>> t) | (xh << (32 - t)); rh = (xh >>> t) | (y << (32 - t)); a = (x >>> (t - 1)) & 1; } ' +
      'else if (t === 32) { r = xh; rh = y; a = x >>> 31; } ' +
      'else { t -= 32; r = (xh >>> t) | (y << (32 - t)); rh = (y >>> t) | (yh << (32 - t)); a = (xh >>> (t - 1)) & 1; }';
  return (
    `t = ${count}; if (t !== 0) { x = lo[${rm}]; xh = hi[${rm}]; y = lo[${reg}]; yh = hi[${reg}]; ${body} lo[${rm}] = r; hi[${rm}] = rh; ` +
    `${flagsOnly(`u = (xh >>> 31) ^ (rh >>> 31); ${setFlagsCOA('r', 'rh', 8, 'a', 'u', '0')}`)} }`
  );
}

/**
 * ROL/ROR r32, imm8: only CF and OF change (SDM Vol. 2B, RCL/RCR/ROL/ROR): CF is the bit
 * rotated into the far end, OF as for a count of 1 (defined there, computed the same
 * way otherwise, like the interpreter).
 */
/** SHL/SHR/SAR/ROL/ROR by an immediate count (C1 /n ib, D1 /n: count 1). */
function shiftByConstant(i: Insn, count: number): string | null {
  const op = i.sub === 6 ? 4 : i.sub;
  if (i.rm < 0 || (op !== 4 && op !== 5 && op !== 7)) return rotateTemplate(i, count);
  return shiftCode(i, op, String(count & (i.opsize === 8 ? 0x3f : 0x1f)));
}

function rotateTemplate(i: Insn, rawCount: number): string | null {
  if (i.opsize !== 4 || i.rm < 0 || (i.sub !== 0 && i.sub !== 1)) return null;
  const count = rawCount & 0x1f;
  if (count === 0) return `hi[${i.rm}] = 0;`;
  const rm = i.rm;
  const body =
    i.sub === 0
      ? `r = (x << ${count}) | (x >>> ${32 - count}); t = r & 1; u = (r >>> 31) ^ t;`
      : `r = (x >>> ${count}) | (x << ${32 - count}); t = r >>> 31; u = t ^ ((r >>> 30) & 1);`;
  return `x = lo[${rm}]; ${body} lo[${rm}] = r; hi[${rm}] = 0; ${flagsOnly('cpu.setStatusFlags(0x801, t | (u << 11));')}`;
}

function test(i: Insn, loadY: string): string {
  const size = i.opsize;
  const ea = i.rm >= 0 ? '' : effectiveAddress(i);
  return ea + ' ' + alu(AND, size, loadE(i, size), () => '', loadY);
}

/**
 * Block-ending templates: they set cpu.rip themselves. `next` is the offset of the
 * following instruction from the block's start.
 */
const checkTarget = (v: string): string => `if (${v} < -${CANONICAL} || ${v} >= ${CANONICAL}) rt.badBranch(cpu);`;
const CHECK_TARGET = checkTarget('a');

/** Pushes the return address base + `next`, then jumps to the target in r (checked first, ops/control.ts callTo). */
function callTo(next: number): string {
  return `${checkTarget('r')} y = base + ${next}; ${push64('y | 0', 'Math.floor(y / 4294967296)')} cpu.rip = r;`;
}

/** Statements setting RIP to a relative branch's target (#GP if it is not canonical). */
export function jumpTo(i: Insn): string {
  return `a = base + ${i.nextOffset + i.imm}; ${CHECK_TARGET} cpu.rip = a;`;
}

/** Loads a 64-bit indirect branch target (register or memory) into a, as callE/jmpE read it. */
function indirectTarget(i: Insn): string | null {
  if (i.opsize !== 8) return null;
  const load = i.rm >= 0 ? `x = lo[${i.rm}]; xh = hi[${i.rm}];` : `${effectiveAddress(i)} ${load64('x', 'xh')}`;
  return `${load} a = xh * 4294967296 + (x >>> 0);`;
}

export const branchTemplates = new Map<Handler, (i: Insn) => string | null>([
  [jmpRel, jumpTo],
  // CALL checks its target before pushing the return address (ops/control.ts callTo).
  [callRel, (i) => `r = base + ${i.nextOffset + i.imm}; ${callTo(i.nextOffset)}`],
  [
    callE,
    (i) => {
      const target = indirectTarget(i);
      return target === null ? null : `${target} r = a; ${callTo(i.nextOffset)}`;
    },
  ],
  [
    jmpE,
    (i) => {
      const target = indirectTarget(i);
      return target === null ? null : `${target} ${CHECK_TARGET} cpu.rip = a;`;
    },
  ],
  [
    ret,
    (i) =>
      i.sub
        ? null
        : `${pop64()} a = xh * 4294967296 + (x >>> 0); ${CHECK_TARGET} cpu.rip = a;`,
  ],
]);

/** The ALU instructions whose templates (alu()) leave dst in x (x/xh), src in y (y/yh) and the result in r (r/rh). */
const ALU_TEMPLATES = new Set<Handler>([aluEG, aluEImm, aluGE, aluAccImm, testEG, testEImm, testAccImm]);

/**
 * Condition code `cc` (SDM Vol. 1 Appendix B) computed from the operands of the ALU
 * instruction compiled just before (run by `handler`), still in the template's locals,
 * instead of from the lazy flags (Cpu.cond): the CMP/Jcc and TEST/Jcc pairs of every
 * loop, and CMOVcc / SETcc of a register, whose templates read the condition first. Null when it
 * does not apply (other producers, PF/OF conditions). The producer still stores its
 * flags: code after the branch may read them.
 */
export function fusedCondition(producer: Insn, cc: number, handler = producer.exec): string | null {
  if (!ALU_TEMPLATES.has(handler)) return null;
  const size = producer.opsize;
  const op = handler === testEG || handler === testEImm || handler === testAccImm ? AND : producer.sub;
  const wide = size === 8;
  const zero = wide ? '(r | rh) === 0' : 'r === 0';
  const sign = wide ? 'rh < 0' : size === 4 ? 'r < 0' : `(r & ${size === 1 ? 0x80 : 0x8000}) !== 0`;
  let expr: string | null = null;
  const test = cc >> 1;
  if (test === 2) expr = zero; // E
  else if (test === 4) expr = sign; // S
  else if (op === SUB || op === CMP) {
    // Unsigned and signed orderings of dst and src (CF, and SF != OF, of dst - src).
    const u = (v: string): string => (size === 4 ? `(${v} >>> 0)` : v);
    const s = (v: string): string => (size === 4 ? `(${v} | 0)` : size === 2 ? `((${v} << 16) >> 16)` : `((${v} << 24) >> 24)`);
    const below = wide ? '((xh >>> 0) < (yh >>> 0) || (xh === yh && (x >>> 0) < (y >>> 0)))' : `${u('x')} < ${u('y')}`;
    const less = wide ? '(xh < yh || (xh === yh && (x >>> 0) < (y >>> 0)))' : `${s('x')} < ${s('y')}`;
    if (test === 1) expr = below; // B
    else if (test === 3) expr = `(${below} || ${zero})`; // BE
    else if (test === 6) expr = less; // L
    else if (test === 7) expr = `(${less} || ${zero})`; // LE
  } else if (op === AND || op === OR || op === XOR) {
    // CF = OF = 0 (SDM Vol. 2 AND/OR/XOR/TEST): B never, BE = E, L = S, LE = E or S.
    if (test === 1) expr = 'false';
    else if (test === 3) expr = zero;
    else if (test === 6) expr = sign;
    else if (test === 7) expr = `(${zero} || ${sign})`;
  }
  if (expr === null) return null;
  return cc & 1 ? `!(${expr})` : `(${expr})`;
}

/** The template for `i`, or for `handler` when that is what `i` runs (inside an entry hook). */
export function templateFor(i: Insn, handler = i.exec): Template | undefined {
  return templates.get(handler);
}

/** How a compiled instruction treats the status flags (CF PF AF ZF SF OF), for flag liveness in a block. */
export const enum FlagEffect {
  /** Reads none, writes none, cannot fault: flags pass through it. */
  None,
  /** Writes all six, reads none, cannot fault: flags before it are dead. */
  WritesAll,
  /** Anything else (reads flags, writes some, may fault, calls a handler): flags before it are live. */
  Other,
}

/** ALU operations that write every status flag without reading one (not ADC/SBB, which read CF). */
const FLAG_WRITING_ALU = [ADD, OR, AND, SUB, XOR, CMP];

/**
 * The flag effect of an instruction as its template compiles it. Only register operands
 * qualify: a memory operand may fault, and an exception must see the flags of the
 * instructions before it. (A breakpoint or entry hook wraps `exec`, which makes it Other.)
 */
export function flagEffect(i: Insn): FlagEffect {
  const size = i.opsize;
  switch (i.exec) {
    case aluEG:
    case aluEImm:
    case aluGE:
      return i.rm >= 0 && FLAG_WRITING_ALU.includes(i.sub) ? FlagEffect.WritesAll : FlagEffect.Other;
    case aluAccImm:
      return FLAG_WRITING_ALU.includes(i.sub) ? FlagEffect.WritesAll : FlagEffect.Other;
    case testEG:
    case testEImm:
      return i.rm >= 0 ? FlagEffect.WritesAll : FlagEffect.Other;
    case testAccImm:
      return FlagEffect.WritesAll;
    case imulGE:
      return i.rm >= 0 && size === 4 ? FlagEffect.WritesAll : FlagEffect.Other;
    case shiftEImm:
    case shiftE1: {
      const op = i.sub === 6 ? 4 : i.sub;
      if ((size !== 4 && size !== 8) || i.rm < 0 || (op !== 4 && op !== 5 && op !== 7)) return FlagEffect.Other;
      const count = i.exec === shiftE1 ? 1 : i.imm;
      return (count & (size === 8 ? 0x3f : 0x1f)) === 0 ? FlagEffect.None : FlagEffect.WritesAll; // a zero count leaves the flags
    }
    case negE:
      return i.rm >= 0 ? FlagEffect.WritesAll : FlagEffect.Other;
    case notE:
    case movqStore:
      return i.rm >= 0 ? FlagEffect.None : FlagEffect.Other;
    case cbw:
    case cwd:
    case lea:
    case movZImm:
    case nop:
    case jmpRel: // inside a block only as a jump the superblock follows, within its page
      return FlagEffect.None;
    case movEG:
    case movGE:
    case movEImm:
    case movx:
    case movsxd:
      return i.rm >= 0 ? FlagEffect.None : FlagEffect.Other;
    default:
      return FlagEffect.Other;
  }
}

