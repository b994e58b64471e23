/**
 * Runs x87 golden vectors (format: tools/x87-golden/x87golden.c) through the emulator:
 * the snippet is decoded and executed from a mapped code page, memory operands address
 * [rdi] on a data page, and the FPU starts in the recorded state (what FXRSTOR64 loaded
 * on the host).
 */
import { VEC_MF } from '../../../src/cpu/cpu-exception.js';
import { RDI } from '../../../src/cpu/registers.js';
import { classify, type F80, K_INF, K_QNAN, K_SNAN } from '../../../src/cpu/x87/float80.js';
import { TestMachine } from '../test-machine.js';

export interface Form {
  name: string;
  code: Uint8Array;
  mem: number;
  transcendental: boolean;
}

export interface Vector {
  form: Form;
  line: string;
  cw: number;
  sw: number;
  tag: number;
  fl: number;
  st: Array<F80 | null>;
  mem: Uint8Array | null;
  out: Outcome;
}

export interface Outcome {
  sw: number;
  tag: number;
  fl: number;
  st: Array<F80 | null>;
  mem: Uint8Array | null;
  /** Snippet offset of a #MF, or -1. */
  mf: number;
}

function hexBytes(s: string): Uint8Array | null {
  if (s === '-') return null;
  const out = new Uint8Array(s.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(s.slice(2 * k, 2 * k + 2), 16);
  return out;
}

function parseStack(s: string): Array<F80 | null> {
  if (s === '-') return [];
  return s.split(',').map((r) => (r === '-' ? null : { se: parseInt(r.slice(0, 4), 16), sig: BigInt('0x' + r.slice(4)) }));
}

export function parseVectors(text: string): Vector[] {
  const out: Vector[] = [];
  let form: Form | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('F ')) {
      const [name, code, mem, flags] = line.slice(2).split('|');
      form = { name, code: hexBytes(code)!, mem: Number(mem), transcendental: flags === 't' };
    } else if (line.startsWith('V ') && form) {
      const [input, output] = line.slice(2).split(' = ');
      const a = input.split(' ');
      const b = output.split(' ');
      out.push({
        form,
        line,
        cw: parseInt(a[0], 16),
        sw: parseInt(a[1], 16),
        tag: parseInt(a[2], 16),
        fl: parseInt(a[3], 16),
        st: parseStack(a[4]),
        mem: hexBytes(a[5]),
        out: {
          sw: parseInt(b[0], 16),
          tag: parseInt(b[1], 16),
          fl: parseInt(b[2], 16),
          st: parseStack(b[3]),
          mem: hexBytes(b[4]),
          mf: b[5] === '-' ? -1 : Number(b[5].slice(3)),
        },
      });
    }
  }
  return out;
}

const CODE = 0x10000000;
const DATA = 0x20000000;
const STATUS_FLAGS = 0x8d5;

export class X87Machine {
  readonly m = new TestMachine(2 << 20);
  private readonly codeFrame: number;
  private readonly dataFrame: number;

  constructor() {
    this.codeFrame = this.m.map(CODE);
    this.dataFrame = this.m.map(DATA, { nx: true });
    this.m.mmu.nxe = true;
  }

  run(v: Vector): Outcome {
    const { m } = this;
    const cpu = m.cpu;
    const f = cpu.fpu;
    const bytes = m.phys.bytes;
    bytes.fill(0, this.codeFrame, this.codeFrame + 4096);
    bytes.fill(0, this.dataFrame, this.dataFrame + 4096);
    bytes.set(v.form.code, this.codeFrame);
    if (v.mem) bytes.set(v.mem, this.dataFrame);
    cpu.lo[RDI] = DATA;
    cpu.hi[RDI] = 0;
    cpu.setRflags(v.fl | 0x202);
    f.init();
    f.control = v.cw;
    f.status = v.sw;
    f.valid = 0;
    for (let k = 0; k < 8; k++) f.set(k, v.st[k] ?? { se: 0, sig: 0n });
    f.valid = v.tag;
    cpu.mxcsr = 0x1f80;
    cpu.xmm.fill(0);

    cpu.rip = CODE;
    const end = CODE + v.form.code.length;
    let mf = -1;
    for (let steps = 0; cpu.rip !== end && steps < 16; steps++) {
      const at = cpu.rip;
      const raised = m.step();
      if (raised) {
        if (raised.vector !== VEC_MF) throw new Error(`vector ${raised.vector} at +${at - CODE}: ${raised.detail ?? ''}`);
        mf = at - CODE;
        break;
      }
    }
    const st: Array<F80 | null> = [];
    for (let k = 0; k < 8; k++) st.push(f.isEmpty(k) ? null : f.get(k));
    while (st.length && st[st.length - 1] === null) st.pop();
    const mem = v.form.mem ? bytes.slice(this.dataFrame, this.dataFrame + v.form.mem) : null;
    return { sw: f.status, tag: f.valid, fl: cpu.getRflags() & STATUS_FLAGS, st, mem, mf };
  }
}

export function hex80(v: F80 | null): string {
  if (!v) return '-';
  return v.se.toString(16).padStart(4, '0') + v.sig.toString(16).padStart(16, '0');
}

/**
 * Bytes of a memory image that depend on where the snippet ran (instruction and data
 * pointers, selectors, opcode on AMD): not compared.
 */
function ignoredBytes(form: Form): Set<number> {
  const s = new Set<number>();
  const n = form.name;
  if (n.startsWith('fnstenv') || n.startsWith('fnsave')) for (let k = 12; k < 28; k++) s.add(k);
  if (n.startsWith('fxsave')) {
    for (let k = 6; k < 24; k++) s.add(k);
    for (let k = 28; k < 32; k++) s.add(k); // MXCSR_MASK: the host's, not the emulated CPU's
  }
  return s;
}

/** Difference in units in the last place between two finite values of one sign, or Infinity. */
export function ulps(a: F80, b: F80): number {
  if (a.se === b.se && a.sig === b.sig) return 0;
  const ka = classify(a);
  const kb = classify(b);
  if (ka === K_QNAN || ka === K_SNAN || kb === K_QNAN || kb === K_SNAN || ka === K_INF || kb === K_INF) return Infinity;
  if ((a.se ^ b.se) & 0x8000) return Infinity;
  // Consecutive values are consecutive integers: exponent above the 63 fraction bits
  // (normals carry the integer bit explicitly; denormals have exponent field 0).
  const ord = (v: F80): bigint => {
    const e = v.se & 0x7fff;
    return e === 0 ? v.sig : (BigInt(e) << 63n) | (v.sig & ((1n << 63n) - 1n));
  };
  const d = ord(a) - ord(b);
  return Number(d < 0n ? -d : d);
}

/**
 * Tolerance for the transcendental instructions, in units in the last place of the
 * 64-bit significand: the emulator returns correctly rounded results, the host's are
 * within one unit of them (measured: see the test output for the exact-match rate).
 */
export const TRANSCENDENTAL_ULPS = 1;

export interface Mismatch {
  vector: Vector;
  got: Outcome;
  why: string[];
  /** For transcendental forms: the largest register difference in ulps. */
  ulps: number;
}

/** Compares an outcome with the recorded one; `tolerance` > 0 allows register results within that many ulps (with C1 free). */
export function compareOutcome(v: Vector, got: Outcome, tolerance: number): Mismatch | null {
  const want = v.out;
  const why: string[] = [];
  let maxUlps = 0;
  // With a tolerance, C1 (which way the rounding went) is not compared: the hardware's
  // C1 describes its own intermediate result, even when the delivered value is ours.
  const swMask = tolerance > 0 ? 0xffff & ~0x0200 : 0xffff;
  if ((want.sw & swMask) !== (got.sw & swMask)) why.push(`sw ${hex4(want.sw)} != ${hex4(got.sw)}`);
  if (want.sw !== got.sw) maxUlps = Math.max(maxUlps, 0.5);
  if (want.tag !== got.tag) why.push(`tag ${want.tag.toString(16)} != ${got.tag.toString(16)}`);
  if (want.fl !== got.fl) why.push(`flags ${want.fl.toString(16)} != ${got.fl.toString(16)}`);
  if (want.mf !== got.mf) why.push(`#MF ${want.mf} != ${got.mf}`);
  const n = Math.max(want.st.length, got.st.length);
  for (let k = 0; k < n; k++) {
    const a = want.st[k] ?? null;
    const b = got.st[k] ?? null;
    if (hex80(a) === hex80(b)) continue;
    if (tolerance > 0 && a && b) {
      const u = ulps(a, b);
      maxUlps = Math.max(maxUlps, u);
      if (u <= tolerance) continue;
    }
    why.push(`st${k} ${hex80(a)} != ${hex80(b)}`);
  }
  if (want.mem && got.mem) {
    const skip = ignoredBytes(v.form);
    for (let k = 0; k < want.mem.length; k++) {
      if (!skip.has(k) && want.mem[k] !== got.mem[k]) {
        why.push(`mem[${k}] ${want.mem[k].toString(16)} != ${got.mem[k].toString(16)} (want ${hex(want.mem)}, got ${hex(got.mem)})`);
        break;
      }
    }
  }
  if (why.length === 0 && maxUlps === 0) return null;
  return { vector: v, got, why, ulps: maxUlps };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function describe(m: Mismatch): string {
  const g = m.got;
  const st = g.st.map(hex80).join(',') || '-';
  return `${m.vector.form.name}: ${m.why.join('; ')}\n    ${m.vector.line}\n    got ${hex4(g.sw)} ${g.tag.toString(16).padStart(2, '0')} ${g.fl.toString(16)} ${st}${g.mf >= 0 ? ` mf@${g.mf}` : ''}`;
}
