/**
 * Inputs for the SSE floating-point golden vectors: edge operands (signed zeros,
 * denormals, the smallest and largest normals, infinities, quiet and signalling NaNs with
 * payloads, integer-conversion limits, halfway cases), random operands aimed at rounding
 * boundaries, underflow and overflow, all under the four rounding modes with DAZ and FTZ
 * on and off, and with exceptions unmasked. Deterministic for a seed.
 */
import type { Form } from './forms.js';
import { emptyState, MEM_BYTES } from './vector-io.js';
import type { MachineState } from './vector-io.js';

export type Rng = () => number;

/** mulberry32: small, fast, deterministic. */
export function makeRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, list: readonly T[]): T => list[int(rng, list.length)];

function randBits(rng: Rng, bits: number): bigint {
  let v = 0n;
  for (let done = 0; done < bits; done += 16) v = (v << 16n) | BigInt(int(rng, 65536));
  return v & ((1n << BigInt(bits)) - 1n);
}

/** Format parameters of binary32 / binary64. */
interface Fmt {
  bits: number;
  mant: number;
  bias: number;
  expMax: number;
}
const F32: Fmt = { bits: 32, mant: 23, bias: 127, expMax: 255 };
const F64: Fmt = { bits: 64, mant: 52, bias: 1023, expMax: 2047 };
const fmtOf = (width: number): Fmt => (width === 4 ? F32 : F64);

function make(f: Fmt, sign: number, exp: number, mant: bigint): bigint {
  return (BigInt(sign) << BigInt(f.bits - 1)) | (BigInt(exp) << BigInt(f.mant)) | (mant & ((1n << BigInt(f.mant)) - 1n));
}

/** Positive edge operands. */
function edgeMagnitudes(f: Fmt): bigint[] {
  const m = BigInt(f.mant);
  const top = 1n << (m - 1n);
  const all = (1n << m) - 1n;
  const v = (e: number, mant: bigint): bigint => make(f, 0, e, mant);
  const list = [
    v(0, 0n), v(0, 1n), v(0, 3n), v(0, top), v(0, all), v(1, 0n), v(1, 1n), v(1, all),
    v(f.bias, 0n), v(f.bias, 1n), v(f.bias - 1, all), v(f.bias, top), v(f.bias + 1, 0n), v(f.bias + 1, top),
    f === F64 ? 0x3fb999999999999an : 0x3dcccccdn, f === F64 ? 0x3fd5555555555555n : 0x3eaaaaabn,
    v(f.bias + 31, 0n), v(f.bias + 63, 0n), v(f.expMax - 1, all), v(f.expMax - 2, 0n),
    v(f.expMax, 0n), v(f.expMax, top), v(f.expMax, top | 0x123n), v(f.expMax, 1n), v(f.expMax, (top >> 1n) | 0xabcn),
  ];
  return list;
}

/** The smaller pool used for scalar all-pairs sweeps. */
function scalarMagnitudes(f: Fmt): bigint[] {
  const m = BigInt(f.mant);
  const top = 1n << (m - 1n);
  const v = (e: number, mant: bigint): bigint => make(f, 0, e, mant);
  return [
    v(0, 0n), v(0, 1n), v(0, (1n << m) - 1n), v(1, 0n), v(f.bias, 0n), v(f.bias, top), v(f.bias + 1, top),
    f === F64 ? 0x3fb999999999999an : 0x3dcccccdn, v(f.expMax - 1, (1n << m) - 1n), v(f.expMax, 0n), v(f.expMax, top | 0x123n), v(f.expMax, (top >> 1n) | 0xabcn),
  ];
}

const signed = (f: Fmt, list: bigint[]): bigint[] => list.flatMap((x) => [x, x | (1n << BigInt(f.bits - 1))]);

/** A random mantissa: uniform, sparse (ties in products and quotients) or nearly all ones. */
function mantissa(rng: Rng, f: Fmt): bigint {
  const r = rng();
  if (r < 0.5) return randBits(rng, f.mant);
  if (r < 0.8) {
    let m = 0n;
    for (let k = int(rng, 4); k > 0; k--) m |= 1n << BigInt(int(rng, f.mant));
    return m;
  }
  let m = (1n << BigInt(f.mant)) - 1n;
  for (let k = int(rng, 3); k > 0; k--) m &= ~(1n << BigInt(int(rng, f.mant)));
  return m;
}

function clampExp(f: Fmt, e: number): number {
  return Math.max(1, Math.min(f.expMax - 1, e));
}

function randomNormal(rng: Rng, f: Fmt, e: number): bigint {
  return make(f, int(rng, 2), clampExp(f, e), mantissa(rng, f));
}

function randomDenormal(rng: Rng, f: Fmt): bigint {
  const m = rng() < 0.5 ? randBits(rng, f.mant) : randBits(rng, 1 + int(rng, f.mant));
  return make(f, int(rng, 2), 0, m === 0n ? 1n : m);
}

/** An operand from anywhere: mostly normal numbers of moderate size. */
function randomAny(rng: Rng, f: Fmt): bigint {
  const r = rng();
  if (r < 0.08) return pick(rng, signed(f, edgeMagnitudes(f)));
  if (r < 0.16) return randomDenormal(rng, f);
  if (r < 0.3) return randomNormal(rng, f, 1 + int(rng, f.expMax - 1));
  return randomNormal(rng, f, f.bias - 20 + int(rng, 40));
}

/**
 * A random operand pair aimed at what the operation can get wrong: rounding at the last
 * place, cancellation, underflow to denormals and zero, overflow.
 */
function randomPair(rng: Rng, f: Fmt, op: string): [bigint, bigint] {
  const band = rng();
  const denormIn = (x: bigint): bigint => (rng() < 0.08 ? randomDenormal(rng, f) : x);
  if (op === 'add' || op === 'sub' || op === 'addsub' || op === 'hadd' || op === 'hsub') {
    const ea = band < 0.15 ? 1 + int(rng, f.mant + 4) : band < 0.25 ? f.expMax - 1 - int(rng, 3) : f.bias - 30 + int(rng, 60);
    const a = randomNormal(rng, f, ea);
    const eb = ea - (int(rng, f.mant + 8) - 3);
    let b: bigint;
    if (rng() < 0.15) {
      // Half an ulp of a, possibly plus or minus a little: the ties.
      const half = make(f, int(rng, 2), clampExp(f, ea - f.mant - 1), 0n);
      b = rng() < 0.5 ? half : half | BigInt(1 + int(rng, 3));
    } else b = randomNormal(rng, f, eb);
    return [denormIn(a), denormIn(b)];
  }
  if (op === 'mul' || op === 'div' || op === 'dp') {
    // Target exponent of the result: ordinary, around underflow, around overflow.
    const target = band < 0.3 ? -f.mant - 3 + int(rng, f.mant + 8) : band < 0.5 ? f.expMax - 4 + int(rng, 6) : 1 + int(rng, f.expMax - 2);
    const ea = 1 + int(rng, f.expMax - 2);
    const eb = op === 'div' ? ea - target + f.bias : target - ea + f.bias;
    return [denormIn(randomNormal(rng, f, ea)), denormIn(randomNormal(rng, f, eb))];
  }
  if (op === 'sqrt') {
    if (band < 0.2) return [randomDenormal(rng, f), 0n];
    if (band < 0.35) {
      // Perfect squares (exact results), from a short mantissa.
      const half = Math.floor(f.mant / 2);
      const root = make(f, 0, f.bias - 10 + int(rng, 20), randBits(rng, half) << BigInt(f.mant - half));
      return [squareBits(f, root), 0n];
    }
    return [randomNormal(rng, f, 1 + int(rng, f.expMax - 2)), 0n];
  }
  // min, max, compares: equal values, neighbours, signed zeros, and anything.
  const a = randomAny(rng, f);
  const r = rng();
  if (r < 0.2) return [a, a];
  if (r < 0.35) return [a, a ^ 1n];
  if (r < 0.45) return [a, a ^ (1n << BigInt(f.bits - 1))];
  return [a, randomAny(rng, f)];
}

/**
 * Results just below the smallest normal: tiny before rounding, but rounding (with the
 * exponent unbounded) may reach 2^emin — x86 detects tininess after rounding.
 */
function craftedPairs(f: Fmt, op: string): Array<[bigint, bigint]> {
  const m = BigInt(f.mant);
  const emin = 1 - f.bias;
  const k = -emin / 2;
  const neg = 1n << BigInt(f.bits - 1);
  const out: Array<[bigint, bigint]> = [];
  if (op === 'mul') {
    // (1 + u) * (1 - u) * 2^emin = (1 - u^2) * 2^emin, and neighbours.
    for (const d of [0n, 1n, 2n]) {
      const a = make(f, 0, f.bias - k, 1n + d);
      const b = make(f, 0, f.bias - k - 1, (1n << m) - 2n);
      out.push([a, b], [a | neg, b], [b, a | neg]);
    }
  } else if (op === 'div') {
    // 2^emin / (1 + u) and (2 - u) * 2^emin / 2.
    const minNormal = make(f, 0, 1, 0n);
    out.push([minNormal, make(f, 0, f.bias, 1n)], [minNormal | neg, make(f, 0, f.bias, 1n)], [make(f, 0, 1, (1n << m) - 1n), make(f, 0, f.bias + 1, 0n)]);
  }
  return out;
}

const f64Bits = new Float64Array(1);
const f64Int = new BigUint64Array(f64Bits.buffer);
const f32Bits = new Float32Array(1);
const f32Int = new Uint32Array(f32Bits.buffer);

function squareBits(f: Fmt, x: bigint): bigint {
  if (f === F64) {
    f64Int[0] = x;
    f64Bits[0] = f64Bits[0] * f64Bits[0];
    return f64Int[0];
  }
  f32Int[0] = Number(x);
  f32Bits[0] = f32Bits[0] * f32Bits[0];
  return BigInt(f32Int[0]);
}

// ---- MXCSR settings ------------------------------------------------------------------
const RC = [0, 1, 2, 3].map((r) => r << 13);
const DAZ = 0x40;
const FTZ = 0x8000;
const ALL_MASKED = 0x1f80;
/** Every rounding mode with DAZ and FTZ off and on, plus flags already set (PE; all). */
const SWEEP = [...RC.flatMap((rc) => [0, DAZ, FTZ, DAZ | FTZ].map((x) => ALL_MASKED | rc | x)), ALL_MASKED | 0x20, ALL_MASKED | 0x3f, ALL_MASKED | 0x20 | RC[1]];
/** One exception unmasked at a time, all unmasked, all but precision. */
const UNMASKED = [0, 1, 2, 3, 4, 5].map((b) => ALL_MASKED & ~(0x80 << b)).concat([0, 0x1000, 0x1000 | DAZ | FTZ | RC[2]]);

// ---- vector construction ---------------------------------------------------------------

function putLane(buf: Uint8Array, lane: number, width: number, bits: bigint): void {
  for (let k = 0; k < width; k++) buf[lane * width + k] = Number((bits >> BigInt(8 * k)) & 0xffn);
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = int(rng, 256);
  return b;
}

export interface Request {
  form: Form;
  bytes: number[];
  state: MachineState;
}

/** Fills lanes the instruction does not compute with a recognisable pattern. */
function pattern(first: number): Uint8Array {
  return Uint8Array.from({ length: 16 }, (_, i) => first + i);
}

class Builder {
  readonly out: Request[] = [];
  constructor(readonly form: Form, readonly rng: Rng) {}

  /** Adds a request with xmm1 = a lanes, source (xmm2 or memory) = b lanes. */
  push(mxcsr: number, a: bigint[], b: bigint[], imm = 0, tweak?: (s: MachineState) => void): void {
    const f = this.form;
    const s = emptyState();
    s.mxcsr = mxcsr;
    const dest = pattern(0xa0);
    const src = pattern(0xc0);
    const srcWidth = f.kind === 'f2f' ? f.srcWidth ?? f.width : f.kind === 'i2f' ? 4 : f.width;
    a.forEach((bits, lane) => putLane(dest, lane, f.width, bits));
    b.forEach((bits, lane) => putLane(src, lane, srcWidth, bits));
    s.x[0] = pattern(0x80);
    s.x[1] = dest;
    s.x[3] = pattern(0xe0);
    if (f.memory) {
      s.mem.set(src.subarray(0, 16));
      s.x[2] = pattern(0x60);
    } else s.x[2] = src;
    tweak?.(s);
    const bytes = f.hasImm ? [...f.bytes, imm & 0xff] : f.bytes;
    this.out.push({ form: f, bytes, state: s });
  }
}

/** Requests for one form; `scale` 1 is the committed set, smaller for the live check. */
export function generate(form: Form, rng: Rng, scale = 1): Request[] {
  const b = new Builder(form, rng);
  const f = fmtOf(form.kind === 'f2f' ? form.srcWidth ?? form.width : form.width);
  scale *= form.scale ?? 1;
  const n = (count: number): number => Math.max(1, Math.round(count * scale));
  const lanes = form.lanes;
  const op = form.name.replace(/(ps|pd|ss|sd)?( .*)?$/, '');
  const imm = (): number => int(rng, 256);

  /** Packs a list of operand pairs into vectors of `lanes` lanes. */
  const packPairs = (mxcsr: number, pairs: Array<[bigint, bigint]>, immFor: () => number = imm): void => {
    for (let i = 0; i < pairs.length; i += lanes) {
      const chunk = pairs.slice(i, i + lanes);
      while (chunk.length < lanes) chunk.push(pairs[int(rng, pairs.length)]);
      b.push(mxcsr, chunk.map((p) => p[0]), chunk.map((p) => p[1]), immFor());
    }
  };
  const allPairs = (pool: bigint[]): Array<[bigint, bigint]> => pool.flatMap((x) => pool.map((y): [bigint, bigint] => [x, y]));
  const sample = <T>(list: T[], count: number): T[] => (count >= list.length ? list : Array.from({ length: count }, () => pick(rng, list)));

  switch (form.kind) {
    case 'bin':
    case 'un':
    case 'cmp':
    case 'comi':
    case 'dp': {
      const unary = form.kind === 'un';
      const edges = signed(f, lanes === 1 ? scalarMagnitudes(f) : edgeMagnitudes(f));
      const edgePairs: Array<[bigint, bigint]> = unary ? edges.map((x) => [pick(rng, edges), x]) : allPairs(edges);
      const cmpImm = (): number => (rng() < 0.9 ? int(rng, 8) : int(rng, 256));
      const immFor = form.kind === 'cmp' ? cmpImm : imm;
      const flagsFor = (s: MachineState): void => {
        if (form.kind === 'comi') s.rflags = rng() < 0.5 ? 0x8d7 : 0x2;
      };
      const pushPairs = (mxcsr: number, pairs: Array<[bigint, bigint]>): void => {
        if (form.kind === 'comi' || lanes === 1) for (const p of pairs) b.push(mxcsr, [p[0]], [p[1]], immFor(), flagsFor);
        else packPairs(mxcsr, pairs, immFor);
      };
      pushPairs(ALL_MASKED, sample(edgePairs, n(form.memory ? 96 : edgePairs.length)));
      if (form.kind === 'cmp' && lanes === 1 && !form.memory) {
        // Every predicate on the NaN and zero cases.
        const special = edges.filter((x) => (x & ((1n << BigInt(f.bits - 1)) - 1n)) >= make(f, 0, f.expMax, 0n) || (x & ((1n << BigInt(f.bits - 1)) - 1n)) === 0n);
        for (const x of special) for (let p = 0; p < 8; p++) b.push(ALL_MASKED, [x], [pick(rng, edges)], p);
      }
      const perConfig = form.memory ? 2 : lanes === 1 ? 40 : 12;
      const crafted = form.memory ? [] : craftedPairs(f, op);
      for (const mx of SWEEP) {
        const pairs = Array.from({ length: n(perConfig * lanes) }, () => randomPair(rng, f, op));
        pushPairs(mx, pairs.concat(crafted));
      }
      // Any bits under any MXCSR.
      for (let k = 0; k < n(form.memory ? 2 : 16); k++) {
        const any = (): bigint => randBits(rng, f.bits);
        pushPairs(int(rng, 65536), Array.from({ length: lanes }, (): [bigint, bigint] => [any(), any()]));
      }
      for (const mx of UNMASKED) {
        const pairs = Array.from({ length: n((form.memory ? 1 : 10) * lanes) }, () => (rng() < 0.4 ? pick(rng, edgePairs) : randomPair(rng, f, op)));
        pushPairs(mx, pairs);
      }
      break;
    }
    case 'approx': {
      // Every table entry (the top 12 mantissa bits, and the exponent's parity for RSQRT)
      // once, with random low bits; then every exponent; then the edges.
      const sqrt = form.name.startsWith('rsqrt');
      const values: bigint[] = [];
      if (lanes === 4 && scale === 1) {
        for (let parity = 0; parity < (sqrt ? 2 : 1); parity++) {
          for (let k = 0; k < 4096; k++) values.push(make(F32, sqrt ? 0 : int(rng, 2), 127 + parity + 2 * (int(rng, 20) - 10), (BigInt(k) << 11n) | randBits(rng, 11)));
        }
      }
      for (let e = 0; e < 256; e++) for (let k = 0; k < n(form.memory ? 1 : 3); k++) values.push(make(F32, int(rng, 2), e, mantissa(rng, F32)));
      values.push(...signed(F32, edgeMagnitudes(F32)));
      // The RCP tiny-result threshold, SDM: between 1.11111111110100000000000B*2^125 and 1.00000000000110000000001B*2^126.
      for (let k = 0; k < n(64); k++) values.push(make(F32, int(rng, 2), 252 + int(rng, 2), (0x7fd000n + BigInt(int(rng, 0x3000))) & 0x7fffffn));
      const mxs = [ALL_MASKED, ALL_MASKED | DAZ | FTZ, 0];
      for (let i = 0; i < values.length; i += lanes) {
        const chunk = values.slice(i, i + lanes);
        b.push(pick(rng, mxs), [], chunk);
      }
      break;
    }
    case 'i2f': {
      const values: bigint[] = [];
      const bitsOf = form.int64 ? 64 : 32;
      const edge = [0n, 1n, -1n, 2n, 3n, 0x7fffffffn, -0x80000000n, 0x7fffffffffffffffn, -0x8000000000000000n];
      for (const base of [1n << 24n, 1n << 25n, 1n << 53n, 1n << 54n, 1n << 62n]) for (let d = -3n; d <= 3n; d++) edge.push(base + d, -(base + d));
      values.push(...edge.filter((v) => BigInt.asIntN(bitsOf, v) === v));
      for (let k = 0; k < n(300); k++) {
        const len = 1 + int(rng, bitsOf);
        const v = randBits(rng, len);
        values.push(BigInt.asIntN(bitsOf, rng() < 0.5 ? v : -v));
      }
      for (const mx of [...RC.map((r) => ALL_MASKED | r), UNMASKED[5], 0x1000]) {
        const list = mx === ALL_MASKED ? values : sample(values, n(60));
        if (form.gpr) {
          for (const v of list) {
            b.push(mx, [], [], 0, (s) => {
              if (form.memory) {
                s.mem.fill(0);
                putLane(s.mem, 0, 4, BigInt.asUintN(32, v));
              } else s.rax = v;
            });
          }
        } else {
          const ints = list.map((v) => BigInt.asUintN(32, v));
          for (let i = 0; i < ints.length; i += 4) b.push(mx, [], ints.slice(i, i + 4).concat([0n, 0n, 0n, 0n]).slice(0, 4));
        }
      }
      break;
    }
    case 'f2i': {
      const values: bigint[] = [...signed(f, edgeMagnitudes(f))];
      const real = (x: number): bigint => {
        if (f === F64) {
          f64Bits[0] = x;
          return f64Int[0];
        }
        f32Bits[0] = x;
        return BigInt(f32Int[0]);
      };
      for (const x of [0.5, 1.5, 2.5, 3.5, 0.49999999999999994, 1.0000001, 2 ** 31, 2 ** 31 - 1, 2 ** 31 - 0.5, 2 ** 31 - 0.25, 2 ** 31 + 0.5, 2 ** 31 - 128, 2 ** 31 + 256, 2 ** 32, 2 ** 63, 2 ** 63 - 1024, 2 ** 63 - 512, 2 ** 64, 2 ** 52 + 0.5, 2 ** 23 + 0.5, 2 ** 52 - 0.5]) {
        values.push(real(x), real(-x));
      }
      values.push(real(-(2 ** 31) - 1), real(-(2 ** 31) - 0.5), real(-(2 ** 63) - 2048), real(-(2 ** 31) - 0.75));
      for (let k = 0; k < n(250); k++) values.push(randomNormal(rng, f, f.bias - 3 + int(rng, 68)));
      for (let k = 0; k < n(20); k++) values.push(randomDenormal(rng, f));
      for (const mx of [...RC.map((r) => ALL_MASKED | r), ALL_MASKED | DAZ, ALL_MASKED | DAZ | RC[2], UNMASKED[0], UNMASKED[5], UNMASKED[1], 0x1000]) {
        const list = mx === ALL_MASKED || form.truncate ? sample(values, mx === ALL_MASKED ? values.length : n(40)) : sample(values, n(120));
        if (form.gpr) {
          for (const v of list) {
            b.push(mx, [], [v], 0, (s) => {
              s.rax = BigInt.asIntN(64, randBits(rng, 64));
            });
          }
        } else packPairs(mx, list.map((v): [bigint, bigint] => [0n, v]));
      }
      break;
    }
    case 'f2f': {
      const fromF = f;
      const values: bigint[] = [...signed(fromF, edgeMagnitudes(fromF))];
      if (fromF === F64) {
        // Doubles around the edges of binary32: ties at 24 bits, overflow, underflow.
        for (let k = 0; k < n(300); k++) {
          const r = rng();
          const e = r < 0.3 ? 1023 - 126 - 26 + int(rng, 30) : r < 0.45 ? 1023 + 125 + int(rng, 4) : 1023 - 10 + int(rng, 20);
          let m = mantissa(rng, F64);
          if (rng() < 0.3) m = (m & ~((1n << 29n) - 1n)) | (1n << 28n) | (rng() < 0.5 ? 0n : BigInt(int(rng, 4))); // ties
          values.push(make(F64, int(rng, 2), e, m));
        }
        values.push(0x47efffffe0000000n, 0x47efffffefffffffn, 0x47effffff0000000n, 0x3810000000000000n, 0x380fffffffffffffn, 0x3690000000000000n, 0x36a0000000000000n, 0x3680000000000000n);
        // Just below 2^-126: (1 - 2^-24), (1 - 2^-25), (1 - 2^-30) times 2^-126.
        values.push(0x380ffffff0000000n, 0x380ffffff8000000n, 0x380fffffffc00000n, 0xb80ffffff8000000n);
      } else {
        for (let k = 0; k < n(150); k++) values.push(randomAny(rng, F32));
      }
      const boundary = fromF === F64 ? [0x380ffffff0000000n, 0x380ffffff8000000n, 0x380fffffffc00000n, 0xb80ffffff8000000n] : [];
      for (const mx of [...SWEEP, ...UNMASKED]) {
        const list = mx === ALL_MASKED ? values : sample(values, n(fromF === F64 ? 40 : 16)).concat(boundary);
        packPairs(mx, list.map((v): [bigint, bigint] => [randBits(rng, form.width * 8), v]));
      }
      break;
    }
    case 'round': {
      const values: bigint[] = [...signed(f, edgeMagnitudes(f))];
      for (let k = 0; k < n(200); k++) values.push(randomNormal(rng, f, f.bias - 3 + int(rng, f.mant + 6)));
      for (let k = 0; k < n(30); k++) {
        const x = 0.5 + int(rng, 20);
        values.push(f === F64 ? ((f64Bits[0] = x * (rng() < 0.5 ? 1 : -1)), f64Int[0]) : ((f32Bits[0] = x * (rng() < 0.5 ? 1 : -1)), BigInt(f32Int[0])));
      }
      for (let k = 0; k < n(15); k++) values.push(randomDenormal(rng, f));
      for (const mx of [...RC.map((r) => ALL_MASKED | r), ALL_MASKED | DAZ, ALL_MASKED | FTZ | RC[1], UNMASKED[0], UNMASKED[5], UNMASKED[1], 0]) {
        const list = mx === ALL_MASKED ? values : sample(values, n(40));
        for (let i = 0; i < list.length; i += lanes) {
          const chunk = list.slice(i, i + lanes);
          b.push(mx, chunk.map(() => randBits(rng, f.bits)), chunk, int(rng, 16));
        }
      }
      break;
    }
    case 'bits': {
      for (let k = 0; k < n(64); k++) {
        b.push(ALL_MASKED, [], [], imm(), (s) => {
          s.x[1] = randomBytes(rng, 16);
          s.x[2] = randomBytes(rng, 16);
          s.x[0] = randomBytes(rng, 16);
          s.rax = BigInt.asIntN(64, randBits(rng, 64));
          s.mem = randomBytes(rng, MEM_BYTES);
          if (rng() < 0.3) s.mxcsr = 0; // moves and shuffles raise nothing, even unmasked
        });
      }
      break;
    }
  }
  return b.out;
}
