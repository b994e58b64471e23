/**
 * Differential ISA fuzzer (issue 3, item 5): random sequences of 1-8 instructions drawn
 * from the emulator's opcode table, with random prefixes, ModRM/SIB memory operands inside
 * the golden harness's data window, edge-biased immediates and random register, flag,
 * x87 and SSE inputs, run on the host CPU (tools/golden/golden) and in the emulator
 * (test/golden/emulate.ts: the interpreter, and the JavaScript and WebAssembly block translators), compared with the
 * SDM's undefined flags masked (test/golden/undefined-flags.ts).
 *
 * A mismatch is shrunk (instructions dropped, inputs reset to the defaults while it still
 * mismatches), printed as a reproducer and appended as a golden vector to
 * test/golden/data/fuzz-findings.jsonl.gz, which the always-on golden suite runs.
 *
 * Run through tools/fuzz-isa/run.mjs (`npm run fuzz:isa -- --seconds N --seed S [--translate]`),
 * which builds the harness and bundles this file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AMD_MODEL, cpuid, INTEL_MODEL, MXCSR_MM } from '../../src/cpu/cpu-model.js';
import { disassembleRange } from '../../src/cpu/disassembler.js';
import type { OpcodeDef } from '../../src/cpu/opcode-table.js';
import { D64, F64, LOCKABLE } from '../../src/cpu/opcode-table.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { compare, expected, flagStr, GoldenMachine } from '../../test/golden/emulate.js';
import type { Outcome, Translation } from '../../test/golden/emulate.js';
import { encode, EncodeError, parseKey } from '../../test/golden/encode.js';
import type { InsnSpec, MemOperand, ParsedKey } from '../../test/golden/encode.js';
import {
  CODE_BASE, CODE_SIZE, DATA_BASE, defaultFx, defaultGpr, FX_NAMES, fxGet, fxSet, GS_BASE, hexToBytes, RO_BASE,
} from '../../test/golden/layout.js';
import type { GoldenVector } from '../../test/golden/layout.js';
import { requestLine, runHarness, toRecord } from '../../test/golden/native.js';
import type { NativeInput } from '../../test/golden/native.js';
import { undefinedFlags } from '../../test/golden/undefined-flags.js';
import { mulberry32Output, mulberry32Step } from '../../test/golden/rng.js';

/** A seeded generator (mulberry32 over a seed and a stream number): a run is replayed by its seed. */
class Rng {
  private s: number;
  constructor(seed: number, stream: number) {
    this.s = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream | 0, 0x85ebca6b) ^ Math.floor(seed / 2 ** 32)) >>> 0;
  }
  u32(): number {
    this.s = mulberry32Step(this.s);
    return mulberry32Output(this.s);
  }
  int(n: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
}

// ---- what is fuzzed --------------------------------------------------------------------

/**
 * Never generated. The golden README's "Not recorded" list (CPUID/RDTSC/RDTSCP/RDPID differ
 * by design, SYSCALL/INT are answered by Linux, VMCALL by the hypervisor), the privileged
 * instructions (their #GP at CPL 3 is covered by the golden decode group), and what cannot
 * agree between two implementations: x87 transcendental approximations (only the basic
 * operations must be bit-identical, issue 3 item 2), and the state images that carry
 * FIP/FDP/FOP, which layout.ts declares implementation details.
 */
const EXCLUDED = new Set([
  'cpuid', 'rdtsc', 'rdtscp', 'rdpid', 'syscall', 'sysret', 'sysenter', 'sysexit', 'int', 'int3', 'iret/iretd/iretq', 'vmcall',
  'hlt', 'cli', 'sti', 'rdmsr', 'wrmsr', 'lgdt', 'lidt', 'invlpg', 'swapgs', 'ltr', 'lsl', 'clts', 'wbinvd', 'wbnoinvd',
  'fsin', 'fcos', 'fptan', 'fsincos', 'fpatan', 'f2xm1', 'fyl2x', 'fyl2xp1',
  'fnstenv', 'fldenv', 'fnsave', 'frstor', 'fxsave/fxsave64', 'fxrstor/fxrstor64',
  // Control flow out of the snippet: the return address / target is whatever the inputs hold.
  'ret',
  // POPF of random stack bytes sets TF and AC, which golden.c leaves set in its own code when
  // the snippet faults (an #AC loop); the golden flags group covers POPF.
  'popf',
]);
/** Handlers never generated: CR moves, segment register loads (they read a GDT), indirect branches. */
const EXCLUDED_HANDLERS = new Set(['movCr', 'movSregE', 'callE', 'jmpE']);

/** CPUID feature bits beyond the x86-64 baseline, per mnemonic: [leaf, register, bit]. */
type Feature = [leaf: number, reg: 'ecx' | 'ebx' | 'edx', bit: number, name: string];
const SSE3: Feature = [1, 'ecx', 0, 'sse3'];
const SSSE3: Feature = [1, 'ecx', 9, 'ssse3'];
const SSE41: Feature = [1, 'ecx', 19, 'sse4_1'];
const SSE42: Feature = [1, 'ecx', 20, 'sse4_2'];
const FEATURE_OF = new Map<string, Feature>();
const features = (f: Feature, names: string): void => names.split(' ').forEach((n) => FEATURE_OF.set(n, f));
features(SSE3, 'addsubps addsubpd haddps haddpd hsubps hsubpd movsldup movshdup movddup lddqu fisttp monitor mwait');
features(SSSE3, 'pshufb phaddw phaddd phaddsw phsubw phsubd phsubsw pmaddubsw psignb psignw psignd pmulhrsw pabsb pabsw pabsd palignr');
features(SSE41, 'roundps roundpd roundss roundsd blendps blendpd blendvps blendvpd insertps extractps dpps dppd pblendvb ptest ' +
  'pmovsxbw pmovzxbw pmovsxbd pmovzxbd pmovsxbq pmovzxbq pmovsxwd pmovzxwd pmovsxwq pmovzxwq pmovsxdq pmovzxdq pmuldq pcmpeqq ' +
  'movntdqa packusdw pminsb pminsd pminuw pminud pmaxsb pmaxsd pmaxuw pmaxud pmulld phminposuw pblendw mpsadbw pextrb ' +
  'pextrd/pextrq pinsrb pinsrd/pinsrq');
features(SSE42, 'pcmpgtq crc32 pcmpestrm pcmpestri pcmpistrm pcmpistri');
features([1, 'ecx', 23, 'popcnt'], 'popcnt');
features([1, 'ecx', 22, 'movbe'], 'movbe');
features([0x80000001, 'ecx', 5, 'abm'], 'lzcnt');
features([7, 'ebx', 3, 'bmi1'], 'tzcnt');
const CX16: Feature = [1, 'ecx', 13, 'cx16'];

function featureOf(d: OpcodeDef, key: ParsedKey): Feature | undefined {
  // PEXTRW's 0F 3A 15 form came with SSE4.1; the 0F C5 form is SSE2.
  if (d.mnemonic === 'pextrw' && key.map === 3) return SSE41;
  return FEATURE_OF.get(d.mnemonic);
}

/** Whether the emulated CPU advertises a feature (CPUID of the model GoldenMachine runs) and the host has it. */
function makeFeatureCheck(machine: GoldenMachine): (f: Feature | undefined) => boolean {
  const host = new Set((/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/));
  const hostName: Record<string, string> = { sse3: 'pni', sse4_1: 'sse4_1', sse4_2: 'sse4_2' };
  const cache = new Map<string, boolean>();
  return (f) => {
    if (!f) return true;
    let ok = cache.get(f[3]);
    if (ok === undefined) {
      const r = cpuid(machine.m.cpu.model, f[0], 0);
      ok = ((r[f[1]] >>> f[2]) & 1) === 1 && host.has(hostName[f[3]] ?? f[3]);
      cache.set(f[3], ok);
    }
    return ok;
  };
}

// ---- flags: which are read, written, left undefined -------------------------------------

const CF = 0x1;
const PF = 0x4;
const AF = 0x10;
const ZF = 0x40;
const SF = 0x80;
const OF = 0x800;
const STATUS = CF | PF | AF | ZF | SF | OF;

interface FlagEffect {
  /** Status flags whose input value the instruction's result depends on. */
  reads: number;
  /** Flags it always writes with a defined value. */
  defines: number;
  /** Flags it may leave undefined (SDM), for any of its runtime counts. */
  undef: number;
}

const bare = (m: string): string => m.split('/')[0];

function flagEffect(s: Slot): FlagEffect {
  const m = bare(s.def.mnemonic);
  const sz = s.size;
  const none = { reads: 0, defines: 0, undef: 0 };
  if (/^(j|set|cmov|fcmov)/.test(m) && m !== 'jmp' && m !== 'jrcxz') return { ...none, reads: STATUS };
  if (m === 'lahf' || m === 'pushf') return { ...none, reads: STATUS };
  if (m === 'loope' || m === 'loopne') return { ...none, reads: ZF };
  if (m === 'adc' || m === 'sbb') return { reads: CF, defines: STATUS, undef: 0 };
  if (m === 'cmc') return { reads: CF, defines: CF, undef: 0 };
  if (/^(add|sub|cmp|neg|xadd|cmpxchg|popcnt|popf|comis[sd]|ucomis[sd]|ptest|pcmp[ei]str[im]|f(u)?comip?)$/.test(m)) return { ...none, defines: STATUS };
  if (m === 'cmps' || m === 'scas') return { ...none, defines: s.rep ? 0 : STATUS };
  if (m === 'and' || m === 'or' || m === 'xor' || m === 'test') return { reads: 0, defines: STATUS & ~AF, undef: AF };
  if (m === 'inc' || m === 'dec') return { ...none, defines: STATUS & ~CF };
  if (m === 'sahf') return { ...none, defines: SF | ZF | AF | PF | CF };
  if (m === 'clc' || m === 'stc') return { ...none, defines: CF };
  if (m === 'cmpxchg8b') return { ...none, defines: ZF };
  const fixed = undefinedFlags(m, sz);
  if (m === 'mul' || m === 'imul') return { reads: 0, defines: CF | OF, undef: fixed };
  if (m === 'div' || m === 'idiv') return { ...none, undef: fixed };
  if (/^bt[src]?$/.test(m)) return { reads: 0, defines: CF, undef: fixed };
  if (m === 'bsf' || m === 'bsr') return { reads: 0, defines: ZF, undef: fixed };
  if (m === 'tzcnt' || m === 'lzcnt') return { reads: 0, defines: CF | ZF, undef: fixed };
  const rotate = /^r(o|c)[lr]$/.test(m);
  if (rotate || /^(shl|sal|shr|sar|shld|shrd)$/.test(m)) {
    const reads = m === 'rcl' || m === 'rcr' ? CF : 0;
    const written = rotate ? CF | OF : STATUS;
    if (s.count === undefined) {
      // A CL count: anything from 0 (flags untouched) up; the union of what the counts leave undefined.
      let u = 0;
      for (const c of [1, 2, sz * 8, sz * 8 + 1]) u |= undefinedFlags(m, sz, c);
      return { reads, defines: 0, undef: u };
    }
    const u = undefinedFlags(m, sz, s.count);
    return { reads, defines: s.count ? written & ~u : 0, undef: u };
  }
  return none;
}

/**
 * Mnemonic, size and count to record a sequence under so that undefined-flags.ts masks at
 * least `u` (the smallest such mask): the golden suite reads one mnemonic per vector.
 */
function maskCarrier(u: number): [string, number, number | undefined] {
  const carriers: Array<[string, number, number | undefined]> = [
    ['mov', 4, undefined], ['and', 4, undefined], ['rol', 4, 2], ['shl', 4, 2], ['shl', 1, 8], ['mul', 4, undefined],
    ['bt', 4, undefined], ['bsf', 4, undefined], ['div', 4, undefined],
  ];
  let best = carriers[carriers.length - 1];
  let bestBits = 99;
  for (const c of carriers) {
    const m = undefinedFlags(c[0], c[1], c[2]);
    const bits = popcount(m);
    if ((m & u) === u && bits < bestBits) {
      best = c;
      bestBits = bits;
    }
  }
  return best;
}

const popcount = (x: number): number => {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
};

// ---- a case ----------------------------------------------------------------------------

interface Slot {
  def: OpcodeDef;
  spec: InsnSpec;
  /** Operand size in bytes (4 for instructions without a GPR operand size). */
  size: number;
  /** Immediate shift/rotate count, masked; undefined when the count is in CL. */
  count?: number;
  /** Jb/Jz: index of the instruction the branch lands on (slots.length: the end). */
  jump?: number;
  jumpBytes?: number;
  rep?: boolean;
}

interface Case {
  slots: Slot[];
  gpr: bigint[];
  flags: number;
  fx: Uint8Array;
  /** The memory window: WIN_LO..WIN_HI from DATA_BASE. */
  mem: Uint8Array;
}

/** Memory operands land in [MEM_LO, MEM_HI); the stack grows down from STACK; the compared window covers both. */
const MEM_LO = 0x400;
const MEM_HI = 0x700;
const STACK = DATA_BASE + 0x880;
const WIN_LO = 0x300;
const WIN_HI = 0x900;
const RSP = 4;
const GENERAL = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

function assemble(slots: Slot[]): number[] {
  const parts: number[][] = [];
  const starts: number[] = [];
  let at = 0;
  for (const s of slots) {
    const b = encode(s.spec, at);
    starts.push(at);
    parts.push(b);
    at += b.length;
  }
  starts.push(at);
  slots.forEach((s, i) => {
    if (s.jump === undefined) return;
    const b = parts[i];
    const disp = starts[s.jump] - (starts[i] + b.length);
    for (let k = 0; k < s.jumpBytes!; k++) b[b.length - s.jumpBytes! + k] = (disp >> (8 * k)) & 0xff;
  });
  return parts.flat();
}

/** Status-flag definedness through the sequence: U before each instruction, taking forward branches into account. */
function undefinedThrough(slots: Slot[]): { before: number[]; end: number; conflict: number } {
  const before = new Array<number>(slots.length + 1).fill(0);
  let conflict = -1;
  for (let i = 0; i < slots.length; i++) {
    const e = flagEffect(slots[i]);
    if (e.reads & before[i] && conflict < 0) conflict = i;
    const after = (before[i] & ~e.defines) | e.undef;
    before[i + 1] |= after;
    if (slots[i].jump !== undefined) before[slots[i].jump!] |= after;
  }
  // A fault can end the sequence after any instruction: the flags compared are whatever was
  // undefined at any point.
  return { before, end: before.reduce((a, b) => a | b, 0), conflict };
}

// ---- generation ----------------------------------------------------------------------

const mask = (w: number): bigint => (1n << BigInt(w)) - 1n;

function edges(w: number): bigint[] {
  const m = mask(w);
  const min = 1n << BigInt(w - 1);
  return [0n, 1n, 2n, m, m - 1n, min - 1n, min, min + 1n, 0x7fn & m, 0x80n & m, 0xffn & m, 0x55555555_55555555n & m, 0xaaaaaaaa_aaaaaaaan & m];
}

function value(r: Rng, w: number): bigint {
  const x = r.int(100);
  if (x < 40) return r.pick(edges(w));
  if (x < 55) return BigInt(r.int(40));
  if (x < 65) return BigInt.asUintN(w, -BigInt(r.int(40)));
  return BigInt.asUintN(w, r.u64());
}

/** A register's initial value: edge values of some width, with its upper bits random, zero or sign-extended. */
function regValue(r: Rng): bigint {
  const w = r.pick([8, 16, 32, 64]);
  const v = value(r, w);
  if (w === 64) return v;
  const x = r.int(3);
  if (x === 0) return v;
  if (x === 1) return BigInt.asUintN(64, BigInt.asIntN(w, v));
  return (r.u64() & ~mask(w)) | v;
}

const F32 = [0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0x4b000000, 0x4f000000, 0xcf000000, 0x7f800000, 0xff800000,
  0x7fc00000, 0xffc00000, 0x7fa00001, 0x00000001, 0x007fffff, 0x00800000, 0x7f7fffff];
const F64_SPECIAL = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x3fe0000000000000n, 0x41e0000000000000n,
  0xc1e0000000000000n, 0x43e0000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n,
  0x7ff4000000000001n, 1n, 0x000fffffffffffffn, 0x0010000000000000n, 0x7fefffffffffffffn];

function randXmm(r: Rng): Uint8Array {
  const b = new Uint8Array(16);
  const view = new DataView(b.buffer);
  const kind = r.int(4);
  for (let k = 0; k < 16; k += kind === 0 ? 4 : kind === 1 ? 8 : 1) {
    if (kind === 0) {
      if (r.chance(0.5)) view.setUint32(k, r.pick(F32), true);
      else if (r.chance(0.5)) view.setFloat32(k, (r.int(2001) - 1000) / (1 << r.int(8)), true);
      else view.setUint32(k, r.u32(), true);
    }
    else if (kind === 1) {
      if (r.chance(0.5)) view.setBigUint64(k, r.pick(F64_SPECIAL), true);
      else if (r.chance(0.5)) view.setFloat64(k, (r.int(2001) - 1000) / (1 << r.int(8)), true);
      else view.setBigUint64(k, r.u64(), true);
    } else b[k] = r.chance(0.4) ? r.pick([0, 1, 0x7f, 0x80, 0xff, 0xfe]) : r.u32() & 0xff;
  }
  return b;
}

function randF80(r: Rng): string {
  const specials = ['00000000000000000000', '80000000000000000000', '3fff8000000000000000', 'bfffc000000000000000', '7ffeffffffffffffffff',
    '00018000000000000000', '00000000000000000001', '7fff8000000000000000', 'ffff8000000000000000', '7fffc000000000000000',
    'ffffc000000000000000', '3fff0000000000000001', '4000c90fdaa22168c235'];
  if (r.chance(0.35)) return r.pick(specials);
  const se = (r.chance(0.5) ? 0x8000 : 0) | (0x3fff + r.int(80) - 40);
  const sig = (1n << 63n) | (r.u64() & mask(63));
  return se.toString(16).padStart(4, '0') + sig.toString(16).padStart(16, '0');
}

class Retry extends Error {}

/** Operand sizes an entry supports (the golden generator's rule). */
function sizesOf(d: OpcodeDef): number[] {
  const ops = d.operands;
  if (d.attrs & F64) return [8];
  const byte = d.eByte || d.gByte || ['al', 'Zb', 'Xb', 'Yb', 'Ob'].includes(ops[0] ?? '');
  const wide = ops.some((o) => /^(Gv|Ev|Zv|rAX|Yv|Xv|Ov|Gy|Ey|Ry|My)$/.test(o));
  if (byte && !wide) return [1];
  if (ops.some((o) => /^[GERM]y$/.test(o))) return [4, 8];
  if (d.attrs & D64 && wide) return [2, 8];
  if (!wide) return [4];
  return [2, 4, 8];
}

/** Bytes a memory operand covers (for placing it in the window), by operand code. */
function memBytes(code: string, size: number, d: OpcodeDef): number {
  if (d.mnemonic.startsWith('cmpxchg8b')) return size === 8 ? 16 : 8;
  if (code === 'Mt') return 10;
  if (/(x|dq|ps|pd)$/.test(code)) return 16;
  if (/(sd|q)$/.test(code)) return 8;
  if (/(ss|d)$/.test(code)) return 4;
  if (code.endsWith('w')) return 2;
  if (code.endsWith('b')) return 1;
  if (/[vyM]$/.test(code)) return size;
  return 16;
}

class Builder {
  readonly gpr: bigint[];
  readonly pinned = new Set<number>();
  readonly slots: Slot[] = [];
  fx = defaultFx();
  flags: number;
  readonly mem: Uint8Array;

  /** `mxcsrMask`: the MXCSR bits the model accepts (AMD's adds MM, misaligned SSE mode). */
  constructor(readonly r: Rng, mxcsrMask: number) {
    this.gpr = Array.from({ length: 16 }, (_, n) => (n === RSP ? BigInt(STACK) : regValue(r)));
    this.pinned.add(RSP);
    this.flags = (r.u32() & 0x8d5) | 0x202 | (r.chance(0.15) ? 0x400 : 0);
    this.mem = new Uint8Array(WIN_HI - WIN_LO);
    for (let k = 0; k < this.mem.length; k++) this.mem[k] = r.chance(0.3) ? r.pick([0, 0xff, 0x80, 0x7f, 1]) : r.u32() & 0xff;
    for (let x = 0; x < 16; x++) if (r.chance(0.7)) this.fx.set(randXmm(r), 160 + 16 * x);
    if (r.chance(0.5)) {
      let mx = 0x1f80 | (r.int(4) << 13);
      if (r.chance(0.15)) mx |= 0x8000;
      if (mxcsrMask & MXCSR_MM && r.chance(0.15)) mx |= MXCSR_MM;
      if (r.chance(0.15)) mx |= 0x40;
      if (r.chance(0.2)) mx |= r.int(64);
      if (r.chance(0.1)) mx &= ~(0x80 << r.int(6));
      fxSet(this.fx, 'mxcsr', mx.toString(16));
    }
    if (r.chance(0.6)) {
      fxSet(this.fx, 'fcw', (0x037f | (r.int(16) << 8)).toString(16));
      fxSet(this.fx, 'fsw', (r.int(8) << 11).toString(16));
      fxSet(this.fx, 'ftw', (r.chance(0.6) ? 0xff : r.u32() & 0xff).toString(16));
      for (let k = 0; k < 8; k++) fxSet(this.fx, `st${k}`, randF80(r));
    }
  }

  /** Gives register `reg` the initial value `v`, or fails when another instruction needs it otherwise. */
  pin(reg: number, v: bigint): void {
    v = BigInt.asUintN(64, v);
    if (this.pinned.has(reg) && this.gpr[reg] !== v) throw new Retry();
    this.pinned.add(reg);
    this.gpr[reg] = v;
  }

  /** A memory operand that designates linear address `target` (DATA_BASE-relative window). */
  memOperand(target: number, legacy: number[], avoid: Set<number>): MemOperand {
    const r = this.r;
    const gs = r.chance(0.06);
    if (gs) legacy.push(0x65);
    const ea = BigInt(target - (gs ? GS_BASE : 0));
    const op: MemOperand = { kind: 'mem', base: null, index: null, scale: 1, disp: 0, dispSize: 0, rip: false, target: Number(ea) };
    const mode = r.pick(['base', 'disp8', 'disp32', 'sib', 'sib', 'index', 'abs', 'rip', 'rip', 'a32']);
    if (mode === 'rip') {
      op.rip = true;
      return op;
    }
    if (mode === 'abs') {
      op.disp = Number(ea);
      return op;
    }
    const freeReg = (allowRsp: boolean): number => {
      for (let k = 0; k < 30; k++) {
        const x = r.pick(allowRsp && r.chance(0.2) ? [RSP] : GENERAL);
        if (!avoid.has(x)) return x;
      }
      throw new Retry();
    };
    const fits = (d: bigint, bits: number): boolean => d >= -(1n << BigInt(bits - 1)) && d < 1n << BigInt(bits - 1);
    if (mode === 'a32') {
      legacy.push(0x67);
      const b = freeReg(false);
      if (this.pinned.has(b)) throw new Retry();
      op.base = b;
      op.dispSize = r.pick([0, 1] as const);
      op.disp = op.dispSize ? r.int(256) - 128 : 0;
      this.pin(b, (r.u64() & 0xffffffff00000000n) | BigInt.asUintN(32, ea - BigInt(op.disp)));
      avoid.add(b);
      return op;
    }
    let rest = ea;
    if (mode === 'sib' || mode === 'index') {
      const x = freeReg(false);
      op.index = x;
      op.scale = r.pick([1, 2, 4, 8]);
      if (!this.pinned.has(x)) this.pin(x, BigInt.asUintN(64, BigInt(r.int(64) - 32)));
      rest -= BigInt.asIntN(64, this.gpr[x]) * BigInt(op.scale);
      avoid.add(x);
    }
    if (mode === 'index') {
      if (!fits(rest, 32)) throw new Retry();
      op.disp = Number(rest);
      op.dispSize = 4;
      return op;
    }
    const b = freeReg(true);
    op.base = b;
    avoid.add(b);
    if (this.pinned.has(b)) {
      const d = rest - BigInt.asIntN(64, this.gpr[b]);
      if (!fits(d, 32)) throw new Retry();
      op.disp = Number(d);
      op.dispSize = fits(d, 8) && r.chance(0.7) ? (d === 0n && r.chance(0.5) ? 0 : 1) : 4;
      return op;
    }
    op.dispSize = mode === 'base' ? 0 : mode === 'disp8' ? 1 : r.pick([0, 1, 4] as const);
    op.disp = op.dispSize === 0 ? 0 : op.dispSize === 1 ? r.int(256) - 128 : r.int(0x20000) - 0x10000;
    this.pin(b, rest - BigInt(op.disp));
    return op;
  }

  /** Appends one instruction from `d`, or throws Retry/EncodeError. */
  add(d: OpcodeDef, slotsLeft: number): Slot {
    const r = this.r;
    const key = parseKey(d.key);
    const ops = d.operands;
    const size = r.pick(sizesOf(d));
    const m = bare(d.mnemonic);
    const legacy: number[] = [];
    const spec: InsnSpec = { key, legacy };
    const slot: Slot = { def: d, spec, size };
    const hasV = ops.some((o) => /^(Gv|Ev|Zv|rAX|Yv|Xv|Ov|Iv|Iz)$/.test(o)) || (d.attrs & D64 && ops.length > 0);
    const hasY = ops.some((o) => /^[GERM]y$/.test(o));
    if (size === 2 && hasV && key.mandatory === null) legacy.push(0x66);
    if (size === 8 && (hasV || hasY) && !(d.attrs & (D64 | F64))) spec.rexW = true;
    if (m === 'cmpxchg8b' && r.chance(0.5)) spec.rexW = true; // CMPXCHG16B
    if (!hasV && !hasY && !(d.attrs & (D64 | F64)) && r.chance(0.05)) spec.rexW = true; // usually ignored
    if (m === 'bswap' && size === 2) throw new Retry(); // undefined result
    const avoid = new Set<number>([RSP]);
    // ModRM.reg
    const regCode = ops.find((o) => /^[GVS]/.test(o));
    if (key.modrm === null && (key.slashR || regCode) && key.digit === null) {
      if (regCode?.startsWith('G')) {
        let g = r.pick(GENERAL);
        if (d.gByte && r.chance(0.2)) g = 16 + r.int(4); // AH..BH
        spec.reg = g;
        if (d.gByte && g >= 4 && g < 8) spec.forceRex = r.chance(0.7);
      } else spec.reg = r.int(16);
    }
    // ModRM.rm
    const rmCode = ops.find((o) => /^[EMWURN]|^STi$/.test(o));
    const needsRm = key.modrm === null && (key.digit !== null || key.slashR || rmCode !== undefined || key.restriction !== null);
    if (needsRm) {
      const memOk = key.restriction !== 'reg' && !(rmCode && /^[URN]|^STi$/.test(rmCode));
      const regOk = key.restriction !== 'mem' && !d.memOnly;
      const useMem = memOk && (!regOk || r.chance(0.45));
      if (useMem) {
        const bytes = memBytes(rmCode ?? 'M', size, d);
        let t = DATA_BASE + MEM_LO + r.int(MEM_HI - MEM_LO - 16);
        const align = bytes >= 16 ? 16 : bytes;
        if (r.chance(0.8)) t -= t % align;
        if (/^bt[src]?$/.test(m) && ops[1]?.startsWith('G')) {
          // A register bit offset addresses a bit string around the operand: keep it near.
          const g = spec.reg!;
          avoid.add(g);
          if (!this.pinned.has(g)) this.pin(g, BigInt.asUintN(64, BigInt(r.int(1024) - 512)));
        }
        if (spec.reg !== undefined && regCode?.startsWith('G')) avoid.add(spec.reg >= 16 ? spec.reg - 16 : spec.reg);
        spec.rm = this.memOperand(t, legacy, avoid);
        if (d.attrs & LOCKABLE && r.chance(0.3)) legacy.unshift(0xf0);
      } else {
        let x = rmCode?.startsWith('E') || rmCode?.startsWith('R') ? r.pick(GENERAL) : r.int(rmCode === 'STi' ? 8 : 16);
        if (rmCode?.startsWith('E') && r.chance(0.03)) x = RSP;
        if (d.eByte && r.chance(0.2)) x = 16 + r.int(4);
        if (d.eByte && x >= 4 && x < 8) spec.forceRex = r.chance(0.7);
        spec.rm = { kind: 'reg', reg: x };
      }
    }
    if (rmCode === undefined && key.digit !== null && spec.rm === undefined) spec.rm = { kind: 'reg', reg: r.int(16) };
    if (key.plusR) spec.zreg = r.pick(GENERAL);
    if (r.chance(0.02)) legacy.unshift(0xf0); // LOCK where it does not belong: #UD
    if (r.chance(0.04)) legacy.unshift(r.pick([0x2e, 0x3e, 0x26, 0x36])); // ignored in 64-bit mode
    // Implicit operands.
    if (['movs', 'cmps', 'stos', 'lods', 'scas'].includes(m)) {
      const place = (reg: number): void => {
        if (!this.pinned.has(reg)) this.pin(reg, BigInt(DATA_BASE + MEM_LO + 0x40 + r.int(0x180)));
      };
      place(6);
      place(7);
      if (r.chance(0.5)) {
        slot.rep = true;
        legacy.push(r.chance(0.8) ? 0xf3 : 0xf2);
        if (!this.pinned.has(1)) this.pin(1, BigInt(r.int(20)));
        if (r.chance(0.2)) legacy.push(0x67);
      }
    }
    if (m === 'maskmovdqu' && !this.pinned.has(7)) this.pin(7, BigInt(DATA_BASE + MEM_LO + r.int(0x100)));
    if ((m === 'leave' || m === 'enter') && !this.pinned.has(5)) this.pin(5, BigInt(STACK - 0x40 + 8 * r.int(16)));
    // Immediates.
    const imms: Array<[number, bigint]> = [];
    for (const code of d.immediates) {
      if (code === 'Jb' || code === 'Jz') {
        slot.jumpBytes = code === 'Jb' ? 1 : 4;
        slot.jump = this.slots.length + 1 + r.int(slotsLeft);
        imms.push([slot.jumpBytes, 0n]);
      } else if (code === 'Ob' || code === 'Ov') {
        const a32 = r.chance(0.3);
        if (a32) legacy.push(0x67);
        imms.push([a32 ? 4 : 8, BigInt(DATA_BASE + MEM_LO + r.int(MEM_HI - MEM_LO - 8))]);
      } else {
        const bytes = code === 'Ib' ? 1 : code === 'Iw' ? 2 : code === 'Iz' ? (size === 2 ? 2 : 4) : size;
        let v = BigInt.asUintN(bytes * 8, value(r, bytes * 8));
        if (m === 'enter' && code === 'Ib') v = BigInt(r.chance(0.7) ? 0 : r.int(4));
        if (m === 'enter' && code === 'Iw') v = BigInt(r.int(0x80));
        if (/^(shl|sal|shr|sar|rol|ror|rcl|rcr|shld|shrd)$/.test(m) && code === 'Ib' && r.chance(0.7)) v = BigInt(r.pick([0, 1, 2, 7, 8, 15, 16, 31, 32, 33, 63, 64, 255]));
        imms.push([bytes, v]);
      }
    }
    spec.imms = imms;
    // Shift counts.
    if (/^(shl|sal|shr|sar|rol|ror|rcl|rcr|shld|shrd)$/.test(m)) {
      const cm = size === 8 ? 63 : 31;
      const how = ops[ops.length - 1];
      if (how === '1') slot.count = 1;
      else if (how === 'Ib') slot.count = Number(imms[imms.length - 1][1]) & cm;
      else if ((m === 'shld' || m === 'shrd') && this.slots.length === 0) {
        slot.count = Number(this.gpr[1] & 0xffn) & cm;
        this.pin(1, this.gpr[1]); // later instructions must not re-pin RCX to an address
      }
      else if (m === 'shld' || m === 'shrd') throw new Retry(); // a count in CL that may exceed the size: undefined result
      if ((m === 'shld' || m === 'shrd') && slot.count! > size * 8) throw new Retry();
      if (how === 'cl') slot.count = undefined;
    }
    return slot;
  }
}

interface Table {
  defs: OpcodeDef[];
}

function fuzzableDefs(hasFeature: (f: Feature | undefined) => boolean): Table {
  const seen = new Set<string>();
  const defs: OpcodeDef[] = [];
  for (const d of OPCODES.defs) {
    if (seen.has(d.key)) continue;
    seen.add(d.key);
    if (EXCLUDED.has(d.mnemonic) || EXCLUDED_HANDLERS.has(d.exec.name)) continue;
    if (!hasFeature(featureOf(d, parseKey(d.key)))) continue;
    defs.push(d);
  }
  return { defs };
}

function generate(r: Rng, table: Table, hasCx16: boolean, mxcsrMask: number): Case {
  for (;;) {
    const b = new Builder(r, mxcsrMask);
    const n = 1 + (r.chance(0.3) ? 0 : r.int(8));
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      let placed = false;
      for (let attempt = 0; attempt < 40 && !placed; attempt++) {
        const d = r.pick(table.defs);
        const saved = { gpr: [...b.gpr], pinned: new Set(b.pinned) };
        try {
          const s = b.add(d, n - i);
          if (bare(d.mnemonic) === 'cmpxchg8b' && s.spec.rexW && !hasCx16) throw new Retry();
          b.slots.push(s);
          encode(s.spec, 0);
          if (undefinedThrough(b.slots).conflict >= 0) throw new Retry();
          placed = true;
        } catch (e) {
          if (!(e instanceof Retry || e instanceof EncodeError)) throw e;
          if (b.slots.length > i) b.slots.pop();
          b.gpr.splice(0, 16, ...saved.gpr);
          b.pinned.clear();
          for (const x of saved.pinned) b.pinned.add(x);
        }
      }
      ok = placed;
    }
    if (ok) return { slots: b.slots, gpr: b.gpr, flags: b.flags, fx: b.fx, mem: b.mem };
  }
}

// ---- running -------------------------------------------------------------------------

function nativeInput(c: Case, code: number[]): NativeInput {
  return { code, gpr: c.gpr, flags: c.flags, window: { offset: WIN_LO, bytes: c.mem }, fx: c.fx, key: c.slots[0]?.def.key };
}

/** Builds the golden vector of a case from the host's answer, masking what the sequence leaves undefined. */
function toVector(c: Case, code: number[], answer: string): GoldenVector {
  const { end } = undefinedThrough(c.slots);
  let carrier = maskCarrier(end);
  if (c.slots.length === 1) {
    const s = c.slots[0];
    const m = bare(s.def.mnemonic);
    let count = s.count;
    if (count === undefined && /^(shl|sal|shr|sar|rol|ror|rcl|rcr|shld|shrd)$/.test(m)) count = Number(c.gpr[1] & 0xffn) & (s.size === 8 ? 63 : 31);
    if ((undefinedFlags(m, s.size, count) & end) === end) carrier = [m, s.size, count];
  }
  const x = nativeInput(c, code);
  x.k = carrier[2];
  const text = disasm(code).join('; ');
  const rec = toRecord({ id: `fuzz: ${text}`, mnemonic: carrier[0], size: carrier[1] }, x, answer);
  return rec;
}

function disasm(code: ArrayLike<number>): string[] {
  return disassembleRange(Uint8Array.from(code), CODE_BASE).map((l) => l.text);
}

const inLayout = (a: number): boolean => (a >= CODE_BASE && a < CODE_BASE + CODE_SIZE) || (a >= DATA_BASE && a < RO_BASE + 0x1000);

/** Cases whose outcome depends on more than the layout both sides share: a page fault outside it, a host timeout. */
function unreliable(v: GoldenVector, got: Outcome): boolean {
  if (v.exc?.v === 999) return true;
  for (const e of [v.exc, got.exc]) if (e?.v === 14 && !inLayout(parseInt(e.a ?? '0', 16))) return true;
  return false;
}

/**
 * The WebAssembly engine compiles a module per instruction of every other case, hundreds
 * of thousands in a long run. V8 frees a module's code only when a full garbage collection
 * finds it unreachable, and the small JavaScript heap of this tool rarely needs one: a
 * 600 s run exhausted V8's WebAssembly code space ("Commit wasm code space") after 445 s.
 * A full collection every few thousand cases keeps it bounded.
 */
const FULL_GC_EVERY = 4096;
setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as () => void;

interface Runner {
  harness: string;
  interp: GoldenMachine;
  trans: GoldenMachine;
  wasm: GoldenMachine;
}

const ENGINE_NAMES = new Map<Translation, string>([[false, 'interpreter'], [true, 'block translator'], ['wasm', 'WebAssembly translator']]);

/** Differences of a case in one engine, or null when it cannot be judged. */
function judge(run: Runner, v: GoldenVector, translate: Translation): string[] | null {
  const got = (translate === 'wasm' ? run.wasm : translate ? run.trans : run.interp).run(v);
  if (unreliable(v, got)) return null;
  return compare(expected(v), got);
}

function runOne(run: Runner, c: Case): { v: GoldenVector; code: number[] } | null {
  let code: number[];
  try {
    code = assemble(c.slots);
  } catch (e) {
    if (e instanceof EncodeError) return null;
    throw e;
  }
  const [answer] = runHarness(run.harness, [requestLine(nativeInput(c, code))]);
  return { v: toVector(c, code, answer), code };
}

function stillFails(run: Runner, c: Case, translate: Translation): boolean {
  if (c.slots.length === 0) return false;
  for (const s of c.slots) if (s.jump !== undefined && s.jump > c.slots.length) return false;
  // SHLD/SHRD by CL (generated first only) with a count above the operand size: an undefined result.
  const s0 = c.slots[0];
  if (/^sh[lr]d$/.test(bare(s0.def.mnemonic)) && s0.def.operands[2] === 'cl' && (Number(c.gpr[1] & 0xffn) & (s0.size === 8 ? 63 : 31)) > s0.size * 8) return false;
  const res = runOne(run, c);
  if (!res) return false;
  const d = judge(run, res.v, translate);
  return d !== null && d.length > 0;
}

/** Drops instructions and resets inputs to the defaults while the case still mismatches. */
function shrink(run: Runner, c0: Case, translate: Translation): Case {
  let c: Case = { ...c0, gpr: [...c0.gpr], fx: Uint8Array.from(c0.fx), mem: Uint8Array.from(c0.mem), slots: [...c0.slots] };
  const without = (cs: Case, i: number): Case => ({
    ...cs,
    slots: cs.slots.filter((_, k) => k !== i).map((s) => (s.jump !== undefined && s.jump > i ? { ...s, jump: s.jump - 1 } : s)),
  });
  for (let progress = true; progress; ) {
    progress = false;
    for (let i = c.slots.length - 1; i >= 0 && c.slots.length > 1; i--) {
      const t = without(c, i);
      if (undefinedThrough(t.slots).conflict < 0 && stillFails(run, t, translate)) {
        c = t;
        progress = true;
      }
    }
  }
  const tryWith = (t: Case): void => {
    if (stillFails(run, t, translate)) c = t;
  };
  if (c.flags !== 0x202) tryWith({ ...c, flags: 0x202 });
  for (let reg = 0; reg < 16; reg++) {
    if (c.gpr[reg] === defaultGpr(reg) || reg === RSP) continue;
    const gpr = [...c.gpr];
    gpr[reg] = defaultGpr(reg);
    tryWith({ ...c, gpr });
  }
  const fx0 = defaultFx();
  for (const name of FX_NAMES) {
    if (fxGet(c.fx, name) === fxGet(fx0, name)) continue;
    const fx = Uint8Array.from(c.fx);
    fxSet(fx, name, fxGet(fx0, name));
    tryWith({ ...c, fx });
  }
  if (c.mem.some((x) => x !== 0)) tryWith({ ...c, mem: new Uint8Array(c.mem.length) });
  for (let at = 0; at < c.mem.length; at += 64) {
    if (!c.mem.subarray(at, at + 64).some((x) => x !== 0)) continue;
    const mem = Uint8Array.from(c.mem);
    mem.fill(0, at, at + 64);
    tryWith({ ...c, mem });
  }
  return c;
}

// ---- findings ------------------------------------------------------------------------

function appendFinding(file: string, v: GoldenVector): boolean {
  const lines = existsSync(file) ? gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter((l) => l.length > 0) : [];
  const same = (w: GoldenVector): boolean => w.b === v.b && JSON.stringify(w.in) === JSON.stringify(v.in) && w.fl === v.fl && w.mem === v.mem;
  if (lines.some((l) => same(JSON.parse(l) as GoldenVector))) return false;
  lines.push(JSON.stringify(v));
  writeFileSync(file, gzipSync(lines.join('\n') + '\n', { level: 9 }));
  return true;
}

function describe(v: GoldenVector, code: number[], diff: string[], engine: string): string {
  const ins = Object.entries(v.in).map(([k, x]) => `${k}=${x}`).join(' ');
  const out = [
    `MISMATCH (${engine})`,
    `  bytes: ${v.b.replace(/(..)/g, '$1 ').trim()}`,
    ...disasm(code).map((t) => `    ${t}`),
    `  in: ${ins || '(defaults)'} rflags=${flagStr(v.fl)}`,
  ];
  if (v.mem) {
    // Only the non-zero part of the window.
    const bytes = hexToBytes(v.mem.slice(v.mem.indexOf(':') + 1));
    const nz = [...bytes.keys()].filter((k) => bytes[k] !== 0);
    if (nz.length) out.push(`  mem: window at data+0x${WIN_LO.toString(16)}, non-zero bytes ${nz[0]}..${nz[nz.length - 1]}`);
  }
  out.push(`  host: exc=${v.exc ? JSON.stringify(v.exc) : 'none'} out=${JSON.stringify(v.out)} rflags=${flagStr(v.ofl)}`);
  out.push(...diff.map((l) => `  ${l}`));
  return out.join('\n');
}

/** Mismatches only in which exception was raised group by the two vectors, whatever raised them. */
function exceptionSignature(diff: string[], engine: string): string | undefined {
  if (diff.length !== 1 || !diff[0].startsWith('exception:')) return undefined;
  const [want, got] = [...diff[0].matchAll(/\{[^}]*\}|none/g)].map((x) => (x[0] === 'none' ? null : (JSON.parse(x[0]) as Record<string, unknown>)));
  if (want && got && want.v === got.v) {
    const fields = Object.keys({ ...want, ...got }).filter((k) => want[k] !== got[k]);
    return `exception ${String(want.v)} with another ${fields.join(',')}|${engine}`;
  }
  return `exception ${want ? String(want.v) : 'none'} expected, ${got ? String(got.v) : 'none'} raised|${engine}`;
}

// ---- main ----------------------------------------------------------------------------

interface Options {
  seconds: number;
  seed: number;
  translate: boolean;
  harness: string;
  findings: string;
  batch: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { seconds: 60, seed: Date.now() % 1_000_000, translate: false, harness: '', findings: '', batch: 256 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--seconds') o.seconds = Number(next());
    else if (a === '--seed') o.seed = Number(next());
    else if (a === '--translate') o.translate = true;
    else if (a === '--harness') o.harness = next();
    else if (a === '--findings') o.findings = next();
    else if (a === '--batch') o.batch = Number(next());
    else throw new Error(`unknown argument ${a} (usage: --seconds N --seed S [--translate])`);
  }
  if (!(o.seconds > 0) || !Number.isFinite(o.seed)) throw new Error('--seconds must be positive and --seed a number');
  return o;
}

function main(): number {
  const o = parseArgs(process.argv.slice(2));
  // Where the vendors differ (exception order, MXCSR.MM), the emulator runs the host's vendor.
  const vendor = /^vendor_id\s*:\s*(\S+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
  const model = vendor === 'AuthenticAMD' ? AMD_MODEL : INTEL_MODEL;
  const run: Runner = { harness: o.harness, interp: new GoldenMachine(false, model), trans: new GoldenMachine(true, model), wasm: new GoldenMachine('wasm', model) };
  const hasFeature = makeFeatureCheck(run.interp);
  const table = fuzzableDefs(hasFeature);
  const hasCx16 = hasFeature(CX16);
  const skipped = OPCODES.defs.filter((d) => !EXCLUDED.has(d.mnemonic) && !EXCLUDED_HANDLERS.has(d.exec.name) && !hasFeature(featureOf(d, parseKey(d.key))));
  console.log(
    `fuzz:isa seed ${o.seed}, ${o.seconds} s, ${model.vendorId} model, ${table.defs.length} opcode table entries` +
      `${skipped.length ? ` (skipping ${new Set(skipped.map((d) => d.mnemonic)).size} mnemonics whose CPUID bit the model does not set)` : ''}, ` +
      `engines: interpreter${o.translate ? ' + block and WebAssembly translators on every case' : ', block and WebAssembly translators on every other case'}`,
  );
  const r = new Rng(o.seed, 0x15a);
  const started = Date.now();
  let cases = 0;
  let discarded = 0;
  let mismatches = 0;
  let recorded = 0;
  const signatures = new Map<string, { names: string[]; count: number }>();
  while ((Date.now() - started) / 1000 < o.seconds) {
    const batch: Array<{ c: Case; code: number[] }> = [];
    while (batch.length < o.batch) {
      const c = generate(r, table, hasCx16, model.mxcsrMask);
      try {
        batch.push({ c, code: assemble(c.slots) });
      } catch (e) {
        if (!(e instanceof EncodeError)) throw e;
      }
    }
    let answers: string[];
    try {
      answers = runHarness(o.harness, batch.map((b) => requestLine(nativeInput(b.c, b.code))));
    } catch (e) {
      // A snippet that took the harness down (it wrote over the harness's own memory): skip the batch.
      console.log(`harness failed on a batch, skipped: ${(e as Error).message.split('\n')[0]}`);
      discarded += batch.length;
      continue;
    }
    for (let i = 0; i < batch.length; i++) {
      const { c, code } = batch[i];
      const v = toVector(c, code, answers[i]);
      cases++;
      if (cases % FULL_GC_EVERY === 0) fullGc();
      const engines: Translation[] = o.translate || cases % 2 === 0 ? [false, true, 'wasm'] : [false];
      for (const translate of engines) {
        const diff = judge(run, v, translate);
        if (diff === null) {
          discarded++;
          break;
        }
        if (diff.length === 0) continue;
        mismatches++;
        const engine = ENGINE_NAMES.get(translate)!;
        // A case holding every mnemonic of a reproducer already found is most likely the same
        // bug again: counted, not shrunk (shrinking costs a harness run per step).
        const names = new Set(c.slots.map((s) => `${bare(s.def.mnemonic)}|${engine}`));
        const exc = exceptionSignature(diff, engine);
        const known = (exc && signatures.get(exc)) || [...signatures.values()].find((k) => k.names.every((x) => names.has(x)));
        if (known) {
          known.count++;
          break;
        }
        const small = shrink(run, c, translate);
        const res = runOne(run, small)!;
        const d2 = judge(run, res.v, translate) ?? diff;
        const smallNames = small.slots.map((s) => `${bare(s.def.mnemonic)}|${engine}`);
        const sig = exceptionSignature(d2, engine) ?? `${smallNames.join(' ')}: ${d2.map((l) => l.split(':')[0]).join(' ')}`;
        const seen = signatures.get(sig);
        if (seen) {
          seen.count++;
          break;
        }
        signatures.set(sig, { names: sig.startsWith('exception') ? ['-'] : [...new Set(smallNames)], count: 1 });
        console.log(describe(res.v, res.code, d2, engine));
        if (appendFinding(o.findings, res.v)) {
          recorded++;
          console.log(`  recorded as a golden vector in ${o.findings}`);
        }
        break;
      }
    }
  }
  const secs = (Date.now() - started) / 1000;
  if (signatures.size) {
    console.log(`distinct mismatches (reproducer mnemonics: fields that differ) and how many cases hit each:`);
    for (const [sig, { count }] of signatures) console.log(`  ${count}x ${sig.replace(/\|[a-zA-Z ]+/g, '')} (${[...ENGINE_NAMES.values()].find((n) => sig.includes(`|${n}`)) ?? 'interpreter'})`);
  }
  console.log(
    `fuzz:isa seed ${o.seed}: ${cases} cases in ${secs.toFixed(1)} s (${(cases / secs).toFixed(0)}/s), ` +
      `${discarded} not comparable (a fault outside the shared layout), ${mismatches} mismatches, ${recorded} new golden vectors`,
  );
  return mismatches ? 1 : 0;
}

process.exitCode = main();
