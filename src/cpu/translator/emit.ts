import { HIGH_BYTE, ZERO_REG } from '../registers.js';
import type { Insn } from '../insn.js';
import { usesStackSegment } from '../cpu.js';
import { MXCSR_MM } from '../cpu-model.js';
import { TLB_FOLD, TLB_SIZE } from '../../mmu/mmu.js';
import { PAGE_SIZE } from '../../mmu/physical-memory.js';
import { setFlagLocals } from './guest-state.js';

/**
 * Code-generation helpers shared by the templates: each returns JavaScript source for
 * a fragment of a compiled block (see compile-block.ts for the variables in scope:
 * `cpu`, `mem` and its `view` and `bytes`, `xmm`, `base`, scratch locals `a` `x` `xh` `y`
 * `yh` `r` `rh` `t` `u`; general registers are written `lo[N]` / `hi[N]`, which the
 * block turns into locals, guest-state.ts).
 * Operand sizes and register numbers are constants here, so the generated code has no
 * size switches: that is what makes a compiled block faster than the interpreter.
 */
export const CANONICAL = 140737488355328; // 2^47

/** Source reading register `r` at `size` (1, 2, 4 bytes) as a number (zero-extended for 1/2). */
export function readReg(r: number, size: number): string {
  if (size === 4) return `lo[${r}]`;
  if (size === 2) return `(lo[${r}] & 0xffff)`;
  if (r & HIGH_BYTE) return `((lo[${r & 3}] >> 8) & 0xff)`;
  return `(lo[${r}] & 0xff)`;
}

/** Statements writing `value` (and `valueHi` for size 8) to register `r`. */
export function writeReg(r: number, size: number, value: string, valueHi = '0'): string {
  if (size === 8) return `lo[${r}] = ${value}; hi[${r}] = ${valueHi};`;
  if (size === 4) return `lo[${r}] = ${value}; hi[${r}] = 0;`;
  if (size === 2) return `lo[${r}] = (lo[${r}] & ~0xffff) | ((${value}) & 0xffff);`;
  if (r & HIGH_BYTE) return `lo[${r & 3}] = (lo[${r & 3}] & ~0xff00) | (((${value}) & 0xff) << 8);`;
  return `lo[${r}] = (lo[${r}] & ~0xff) | ((${value}) & 0xff);`;
}

/**
 * Statements computing the effective address of the memory operand into `a`, exactly
 * as Cpu.ea does (64-bit sums in halves, FS/GS base, #GP on a non-canonical result).
 * `aligned16`: a 16-byte operand that must be aligned, whose misalignment the CPU model
 * may report first (Cpu.ea16, Cpu.alignmentFirst); 'waivable' when AMD's MXCSR.MM
 * lifts the requirement (SSE arithmetic, not the aligned moves).
 */
export function effectiveAddress(i: Insn, aligned16: boolean | 'waivable' = false): string {
  let code: string;
  if (i.ripRelative) {
    code = `a = base + ${i.nextOffset + i.disp};`;
  } else if (i.addrsize === 4) {
    code = `a = ((lo[${i.base}] >>> 0) + (lo[${i.index}] >>> 0) * ${i.scale} + ${i.disp}) % 4294967296; if (a < 0) a += 4294967296;`;
  } else if (i.index === ZERO_REG) {
    // One register plus a 32-bit displacement: with the high half signed, the double is
    // exact for every canonical result (a result it cannot represent is non-canonical).
    code = i.base === ZERO_REG ? `a = ${i.disp};` : `a = hi[${i.base}] * 4294967296 + (lo[${i.base}] >>> 0) + ${i.disp};`;
  } else {
    code =
      `t = (lo[${i.base}] >>> 0) + (lo[${i.index}] >>> 0) * ${i.scale} + ${i.disp >>> 0}; ` +
      `x = Math.floor(t / 4294967296); ` +
      `a = ((hi[${i.base}] + hi[${i.index}] * ${i.scale} + ${i.disp < 0 ? -1 : 0} + x) | 0) * 4294967296 + (t - x * 4294967296);`;
  }
  if (i.segment) code += ` a += cpu.segBase[${i.segment}];`;
  const low4 = i.ripRelative || i.addrsize === 4 ? 'a' : `(lo[${i.base}] >>> 0) + (lo[${i.index}] >>> 0) * ${i.scale} + ${i.disp} + cpu.segBase[${i.segment}]`;
  const alignmentFirst = `cpu.alignmentFirst((${low4}) & 15); `;
  const first = aligned16 === 'waivable' ? `if (!(cpu.mxcsr & ${MXCSR_MM})) ${alignmentFirst}` : aligned16 ? alignmentFirst : '';
  code += ` if (a < -${CANONICAL} || a >= ${CANONICAL}) { ${first}rt.${usesStackSegment(i) ? 'nonCanonicalStack' : 'nonCanonical'}(cpu); }`;
  return code;
}

/**
 * The TLB index of address `a`, as Mmu computes it (slot fold plus the block's tlbSet
 * local), leaving its page number in vp. Memory accesses inline the TLB hit with it and
 * call the Mmu otherwise: V8 does not inline those calls into a large block function.
 */
const TLB_INDEX = `(((vp = Math.floor(a / ${PAGE_SIZE})) ^ (vp >>> ${TLB_FOLD})) & ${TLB_SIZE - 1}) + tlbSet`;

/** `tags` (tlbTags or tlbWriteTags) hold a's page and `size` bytes fit in it; vs is then a's TLB index. */
function tlbHit(tags: string, size: number): string {
  return `${tags}[vs = ${TLB_INDEX}] === vp && a - vp * ${PAGE_SIZE} <= ${PAGE_SIZE - size}`;
}

/** The host address of `a` after a hit. */
const HIT_ADDRESS = `tlbFrames[vs] + (a - vp * ${PAGE_SIZE})`;

/** Expression reading `size` (1, 2 or 4) bytes at `a` (1 and 2 zero-extended); quadwords: load64. */
export function readMem(size: number): string {
  const hit = size === 1 ? `bytes[${HIT_ADDRESS}]` : size === 2 ? `view.getUint16(${HIT_ADDRESS}, true)` : `view.getInt32(${HIT_ADDRESS}, true)`;
  return `(${tlbHit('tlbTags', size)} ? ${hit} : mem.read${size * 8}(a))`;
}

/** Statements reading the quadword at `a` into `lo` and `hi` (names of locals). */
export function load64(lo: string, hi: string): string {
  return (
    `if (${tlbHit('tlbTags', 8)}) { vs = ${HIT_ADDRESS}; ${lo} = view.getInt32(vs, true); ${hi} = view.getInt32(vs + 4, true); } ` +
    `else { ${lo} = mem.read64(a); ${hi} = mem.hi; }`
  );
}

/**
 * Statements writing `value` (and `valueHi` for 8 bytes) at `a`. A frame holding code
 * never hits (its write tags are cleared), so a store into code takes the Mmu call and
 * invalidates. The values are evaluated before the lookup's locals change.
 */
export function writeMem(size: number, value: string, valueHi = '0'): string {
  const hit =
    size === 1
      ? `bytes[${HIT_ADDRESS}] = wv;`
      : size === 2
        ? `view.setUint16(${HIT_ADDRESS}, wv, true);`
        : size === 4
          ? `view.setInt32(${HIT_ADDRESS}, wv, true);`
          : `vs = ${HIT_ADDRESS}; view.setInt32(vs, wv, true); view.setInt32(vs + 4, wh, true);`;
  const miss = size === 8 ? 'mem.write64(a, wv, wh);' : `mem.write${size * 8}(a, wv);`;
  return `wv = ${value}; ${size === 8 ? `wh = ${valueHi}; ` : ''}if (${tlbHit('tlbWriteTags', size)}) { ${hit} } else ${miss}`;
}

/**
 * Statements setting the lazy flags (cpu.ts) for a result and carry vector of `size`
 * bytes, in the block's flag locals (guest-state.ts).
 */
export function setFlags(size: number, res: string, aux: string, resHi = res, auxHi = aux): string {
  return setFlagLocals(res, resHi, aux, auxHi, size === 8 ? 31 : size * 8 - 1);
}

/**
 * Statements setting the flags from a result with explicit CF, OF and AF (0 or 1
 * expressions), as Cpu.setFlagsCOA encodes them in the aux words, in the flag locals.
 */
export function setFlagsCOA(res: string, resHi: string, size: number, cf: string, of: string, af: string): string {
  const shift = size === 8 ? 31 : size * 8 - 1;
  const top = `((${cf}) << ${shift}) | (((${cf}) ^ (${of})) << ${shift - 1})`;
  if (size === 8) return setFlagLocals(res, resHi, `(${af}) << 3`, top, shift);
  return `fAT = ${top}; ${setFlagLocals(res, res, `fAT | ((${af}) << 3)`, 'fAT', shift)}`;
}

export function maskFor(size: number): string {
  return size === 1 ? '0xff' : size === 2 ? '0xffff' : '-1';
}
