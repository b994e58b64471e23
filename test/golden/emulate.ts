/**
 * Runs golden vectors through the emulator's CPU: the same address layout as the native
 * harness (layout.ts), one snippet at a time, instructions executed directly so an
 * exception comes back as a value instead of going through an IDT.
 */
import { INTEL_MODEL } from '../../src/cpu/cpu-model.js';
import type { CpuModel } from '../../src/cpu/cpu-model.js';
import { decode } from '../../src/cpu/decoder.js';
import { SEGOVR_GS } from '../../src/cpu/insn.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { compileBlock } from '../../src/cpu/translator/compile-block.js';
import { compileWasmBlock } from '../../src/cpu/wasm/compile-wasm-block.js';
import { WasmRuntime } from '../../src/cpu/wasm/wasm-runtime.js';
import { raisedFrom, TestMachine } from '../cpu/test-machine.js';
import {
  bytesToHex, CODE_BASE, COMPARED_FLAGS, DATA_BASE, defaultFx, defaultGpr, FX_NAMES, fxGet, fxSet, GPR_NAMES, GS_BASE,
  GUARD_BASE, hex64, hexToBytes, IF_FLAG, parseWindow, RO_BASE, roByte,
} from './layout.js';
import type { GoldenException, GoldenVector } from './layout.js';
import { undefinedFlags } from './undefined-flags.js';

/** The machine state a vector ends in, in the record's terms. */
export interface Outcome {
  gpr: string[]; //   16 hex64
  flags: number; //   & COMPARED_FLAGS & ~undefined
  mem: string | null; // the window's bytes, hex
  /** x87/SSE state by FX_FIELDS name. */
  fx: Record<string, string>;
  exc: GoldenException | null;
  /** Set when the emulator did something no CPU does (ran off the snippet, threw a JS error). */
  broken?: string;
}

/** Where the emulator-only FXSAVE scratch area lives (the host harness has nothing there). */
const FX_SCRATCH = 0x3000_0000;
const FXRSTOR64_RBX = [0x48, 0x0f, 0xae, 0x0b];
const FXSAVE64_RBX = [0x48, 0x0f, 0xae, 0x03];

export class GoldenMachine {
  readonly m: TestMachine;
  private readonly dataFrames: number[];
  private readonly codeFrames: number[];
  private readonly fxFrame: number;
  /**
   * With FXSAVE/FXRSTOR in the opcode table the x87/SSE state goes in and out through the
   * emulator's own instructions (so the x87 registers are compared too); without them the
   * fields the CPU object has are set directly and ST0-7 cannot be compared.
   */
  readonly fxInstructions = OPCODES.defs.some((d) => d.mnemonic.startsWith('fxrstor')) && OPCODES.defs.some((d) => d.mnemonic.startsWith('fxsave'));

  /**
   * `translate`: run each instruction as a one-instruction block compiled by the block
   * translator (src/cpu/translator) instead of calling its handler, so the vectors check
   * the translator's templates against the host CPU too. `model`: the CPU model of the
   * vendor whose host recorded the vectors (where the vendors differ, the emulator follows it).
   */
  constructor(private readonly translate: Translation = false, model: CpuModel = INTEL_MODEL) {
    const m = (this.m = new TestMachine(4 << 20, model));
    this.codeFrames = [m.map(CODE_BASE), m.map(CODE_BASE + 0x1000)];
    this.dataFrames = [m.map(DATA_BASE, { nx: true }), m.map(DATA_BASE + 0x1000, { nx: true })];
    this.fxFrame = m.map(FX_SCRATCH, { nx: true });
    const ro = m.map(RO_BASE, { writable: false, nx: true });
    for (let k = 0; k < 0x1000; k++) m.phys.bytes[ro + k] = roByte(k);
    void GUARD_BASE; // left unmapped: not present
    // Long mode as Linux runs it: EFER.SCE | LME | LMA | NXE; CR0 PG AM WP NE ET MP PE;
    // CR4 PAE MCE PGE OSFXSR OSXMMEXCPT (so an unmasked SIMD exception is #XM, not #UD).
    m.cpu.efer = 0xd01;
    m.cpu.cr0 = 0x8005_0033 | 0;
    m.cpu.cr4 = 0x6e0;
    m.mmu.nxe = true;
  }

  run(v: GoldenVector): Outcome {
    const { m } = this;
    const cpu = m.cpu;
    const bytes = m.phys.bytes;
    const { code, window } = loadSnippet(bytes, this.codeFrames, this.dataFrames, v);
    loadGprs(cpu, v.in, defaultGpr);
    const fxIn = defaultFx();
    for (const name of FX_NAMES) if (name in v.in) fxSet(fxIn, name, v.in[name]);
    this.loadFx(fxIn);
    cpu.setRflags(v.fl | IF_FLAG);
    cpu.segBase.fill(0);
    cpu.segBase[SEGOVR_GS] = GS_BASE;
    // The selectors Linux gives a 64-bit process: ES, CS, SS, DS, FS, GS.
    cpu.selectors.set([0, 0x33, 0x2b, 0, 0, 0]);

    const end = CODE_BASE + code.length;
    let exc: GoldenException | null = null;
    let broken: string | undefined;
    let rip = CODE_BASE;
    for (let steps = 0; rip !== end; steps++) {
      // Execution may leave the snippet only to fault (a branch into a data page...).
      if (steps > 200) {
        broken = `no end after 200 instructions (rip = 0x${rip.toString(16)})`;
        break;
      }
      const start = rip;
      try {
        rip = execInsn(m, start, this.translate);
      } catch (e) {
        ({ exc, broken } = exceptionOf(e, start - CODE_BASE));
        break;
      }
    }

    const gpr = readGprs(cpu);
    const fx = this.saveFx();
    const mem = readWindow(bytes, this.dataFrames, window);
    const flags = cpu.getRflags() & COMPARED_FLAGS & ~undefinedFlags(v.m, v.sz, v.k);
    return { gpr, flags, mem, fx, exc, broken };
  }

  private loadFx(image: Uint8Array): void {
    const cpu = this.m.cpu;
    if (this.fxInstructions) {
      this.m.phys.bytes.set(image, this.fxFrame);
      this.execAt(FXRSTOR64_RBX);
      return;
    }
    cpu.fpuControl = parseInt(fxGet(image, 'fcw'), 16);
    cpu.fpuStatus = parseInt(fxGet(image, 'fsw'), 16);
    const ftw = parseInt(fxGet(image, 'ftw'), 16);
    let tag = 0;
    for (let i = 0; i < 8; i++) if (!(ftw & (1 << i))) tag |= 3 << (2 * i); // empty; a used register counts as valid
    cpu.fpuTag = tag;
    cpu.mxcsr = parseInt(fxGet(image, 'mxcsr'), 16);
    cpu.xmmBytes.set(image.subarray(160, 416));
  }

  private saveFx(): Record<string, string> {
    const cpu = this.m.cpu;
    const image = new Uint8Array(512);
    if (this.fxInstructions) {
      this.execAt(FXSAVE64_RBX);
      image.set(this.m.phys.bytes.subarray(this.fxFrame, this.fxFrame + 512));
    } else {
      fxSet(image, 'fcw', cpu.fpuControl.toString(16));
      fxSet(image, 'fsw', cpu.fpuStatus.toString(16));
      let ftw = 0;
      for (let i = 0; i < 8; i++) if (((cpu.fpuTag >> (2 * i)) & 3) !== 3) ftw |= 1 << i;
      fxSet(image, 'ftw', ftw.toString(16));
      fxSet(image, 'mxcsr', (cpu.mxcsr >>> 0).toString(16));
      image.set(cpu.xmmBytes.subarray(0, 256), 160);
    }
    const out: Record<string, string> = {};
    for (const name of FX_NAMES) if (this.fxInstructions || !name.startsWith('st')) out[name] = fxGet(image, name);
    return out;
  }

  /** Runs FXSAVE64/FXRSTOR64 [rbx] on the scratch area, keeping RBX and RIP. */
  private execAt(bytes: number[]): void {
    const cpu = this.m.cpu;
    const lo = cpu.lo[3];
    const hi = cpu.hi[3];
    const rip = cpu.rip;
    cpu.lo[3] = FX_SCRATCH;
    cpu.hi[3] = 0;
    const insn = decode(OPCODES, (o) => bytes[o]);
    cpu.rip = CODE_BASE + insn.length;
    insn.exec(cpu, insn);
    cpu.lo[3] = lo;
    cpu.hi[3] = hi;
    cpu.rip = rip;
  }
}

/** The outcome a vector records, in the same terms as Outcome. */
export function expected(v: GoldenVector): Outcome {
  const gpr: string[] = [];
  for (let r = 0; r < 16; r++) {
    const name = GPR_NAMES[r];
    gpr.push(v.out[name] ?? v.in[name] ?? hex64(defaultGpr(r)));
  }
  const fx0 = defaultFx();
  const fx: Record<string, string> = {};
  for (const name of FX_NAMES) fx[name] = v.out[name] ?? v.in[name] ?? fxGet(fx0, name);
  const mem = v.mem ? v.omem ?? v.mem.slice(v.mem.indexOf(':') + 1) : null;
  return { gpr, flags: v.ofl, mem, fx, exc: v.exc ?? null };
}

/** Differences between two outcomes, one line each (empty when they agree). */
export function compare(want: Outcome, got: Outcome): string[] {
  const d = compareCpu(want, got);
  for (const name of FX_NAMES) {
    if (name in got.fx) {
      if (want.fx[name] !== got.fx[name]) d.push(`${name}: expected ${want.fx[name]}, got ${got.fx[name]}`);
    } else if (want.fx[name] !== fxGet(defaultFx(), name)) {
      d.push(`${name}: expected ${want.fx[name]}, but the emulator has no FXSAVE to show its x87 registers`);
    }
  }
  compareMem(d, want, got);
  return d;
}

const FLAG_NAMES: Array<[number, string]> = [[0x800, 'OF'], [0x400, 'DF'], [0x200, 'IF'], [0x80, 'SF'], [0x40, 'ZF'], [0x10, 'AF'], [0x4, 'PF'], [0x1, 'CF']];

export function flagStr(f: number): string {
  return `0x${f.toString(16)} [${FLAG_NAMES.filter(([b]) => f & b).map(([, n]) => n).join(' ')}]`;
}

export { DATA_BASE };

// ---- shared with the SSE integer vectors (test/cpu/sse-int/emulate.ts) ---------------------

type Cpu = TestMachine['cpu'];

/**
 * How execInsn runs an instruction: its handler (false), a one-instruction block compiled
 * to JavaScript (true), or compiled to WebAssembly ('wasm': instructions without a
 * WebAssembly template run their handler, the JavaScript pass covers them).
 */
export type Translation = boolean | 'wasm';

const wasmRuntimes = new WeakMap<Cpu, WasmRuntime>();

/** Decodes the instruction at `start` and runs it as `translate` says. Returns the new RIP. */
export function execInsn(m: TestMachine, start: number, translate: Translation = false): number {
  const cpu = m.cpu;
  const insn = decode(OPCODES, (o) => m.mmu.bytes[m.mmu.translateExec(start + o)]);
  insn.offset = 0;
  insn.nextOffset = insn.length;
  let runtime = wasmRuntimes.get(cpu);
  if (translate === 'wasm' && !runtime) wasmRuntimes.set(cpu, (runtime = new WasmRuntime(cpu, m.phys.memory!)));
  // (The vectors load new code without the MMU's code-write path: no chain may survive one.)
  runtime?.clearChains();
  const wasm = translate === 'wasm' ? compileWasmBlock(runtime!, [insn]) : null;
  if (wasm) {
    // (Freed at once: a fuzzing run compiles hundreds of thousands of these.)
    try {
      wasm.run(cpu, start);
    } finally {
      runtime!.release(wasm.index);
    }
  } else if (translate === true) compileBlock([insn])(cpu, start);
  else {
    cpu.rip = start + insn.length;
    insn.exec(cpu, insn);
  }
  return cpu.rip;
}
type Window = { offset: number; bytes: Uint8Array };

/**
 * Clears a snippet's code and data frames (two pages each, at CODE_BASE and DATA_BASE) and
 * loads a vector's code and input memory window into them.
 */
export function loadSnippet(bytes: Uint8Array, codeFrames: number[], dataFrames: number[], v: { b: string; mem?: string }): { code: Uint8Array; window: Window | null } {
  for (const f of [...dataFrames, ...codeFrames]) bytes.fill(0, f, f + 0x1000);
  const code = hexToBytes(v.b);
  for (let i = 0; i < code.length; i++) bytes[codeFrames[i >> 12] + (i & 0xfff)] = code[i];
  let window: Window | null = null;
  if (v.mem) {
    window = parseWindow(v.mem);
    for (let i = 0; i < window.bytes.length; i++) {
      const off = window.offset + i;
      bytes[dataFrames[off >> 12] + (off & 0xfff)] = window.bytes[i];
    }
  }
  return { code, window };
}

/** Sets the 16 general registers from a vector's inputs, `defaults(n)` for those it does not name. */
export function loadGprs(cpu: Cpu, inputs: Record<string, string>, defaults: (n: number) => bigint): void {
  for (let r = 0; r < 16; r++) {
    const name = GPR_NAMES[r];
    const val = name in inputs ? BigInt('0x' + inputs[name]) : defaults(r);
    cpu.lo[r] = Number(val & 0xffffffffn) | 0;
    cpu.hi[r] = Number(val >> 32n) | 0;
  }
}

/**
 * What an instruction that threw `e` means: a CPU exception in the record's terms (`offset`:
 * the instruction's offset in the snippet), or a broken emulator.
 */
export function exceptionOf(e: unknown, offset: number): { exc: GoldenException | null; broken?: string } {
  let raised;
  try {
    raised = raisedFrom(e);
  } catch {
    return { exc: null, broken: `JavaScript exception: ${e instanceof Error ? e.stack : String(e)}` };
  }
  const exc: GoldenException = { v: raised.vector, e: raised.errorCode, r: offset };
  if (raised.vector === 14) exc.a = (raised.address! < 0 ? raised.address! + 2 ** 64 : raised.address!).toString(16);
  return { exc };
}

/** The 16 general registers as hex64. */
export function readGprs(cpu: Cpu): string[] {
  const gpr: string[] = [];
  for (let r = 0; r < 16; r++) gpr.push(hex64((BigInt(cpu.hi[r] >>> 0) << 32n) | BigInt(cpu.lo[r] >>> 0)));
  return gpr;
}

/** The bytes of the memory window after the snippet, hex (null without a window). */
export function readWindow(bytes: Uint8Array, dataFrames: number[], window: Window | null): string | null {
  if (!window) return null;
  const out = new Uint8Array(window.bytes.length);
  for (let i = 0; i < out.length; i++) {
    const off = window.offset + i;
    out[i] = bytes[dataFrames[off >> 12] + (off & 0xfff)];
  }
  return bytesToHex(out);
}

/** The state both kinds of outcome have. */
interface CpuOutcome {
  gpr: string[];
  flags: number;
  mem: string | null;
  exc: GoldenException | null;
  broken?: string;
}

/** Differences in the emulator's health, the exception, the general registers and RFLAGS (the first lines of a comparison). */
export function compareCpu(want: CpuOutcome, got: CpuOutcome): string[] {
  const d: string[] = [];
  if (got.broken) d.push(got.broken);
  const we = want.exc ? JSON.stringify(want.exc) : 'none';
  const ge = got.exc ? JSON.stringify(got.exc) : 'none';
  if (we !== ge) d.push(`exception: expected ${we}, got ${ge}`);
  for (let r = 0; r < 16; r++) if (want.gpr[r] !== got.gpr[r]) d.push(`${GPR_NAMES[r]}: expected ${want.gpr[r]}, got ${got.gpr[r]}`);
  if (want.flags !== got.flags) d.push(`rflags: expected ${flagStr(want.flags)}, got ${flagStr(got.flags)}`);
  return d;
}

/** The memory window's difference (the last line of a comparison). */
export function compareMem(d: string[], want: CpuOutcome, got: CpuOutcome): void {
  if (want.mem !== got.mem) d.push(`memory: expected ${want.mem}\n          got      ${got.mem}`);
}
