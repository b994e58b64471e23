/**
 * Runs SSE integer vectors through the emulator's CPU: the address layout of the native
 * harness (layout.ts) on a bare CPU + MMU, each instruction decoded from the table with
 * `decode(OPCODES, reader)` and executed with `insn.exec(cpu, insn)`, so an exception
 * comes back as a value instead of going through an IDT.
 */
import { decode } from '../../../src/cpu/decoder.js';
import { OPCODES } from '../../../src/cpu/opcodes.js';
import { raisedFrom, TestMachine } from '../test-machine.js';
import {
  bytesToHex, CODE_BASE, COMPARED_FLAGS, DATA_BASE, defaultGpr, defaultXmm, GPR_NAMES, hex64, hexToBytes, IF_FLAG,
  parseWindow, RO_BASE, roByte,
} from './layout.js';
import type { SseIntVector, VectorException } from './layout.js';

/** The machine state a vector ends in, in the record's terms. */
export interface Outcome {
  gpr: string[];
  flags: number;
  mem: string | null;
  xmm: string[];
  exc: VectorException | null;
  /** Set when the emulator did something no CPU does (ran off the snippet, threw a JavaScript error). */
  broken?: string;
}

export class SseIntMachine {
  readonly m = new TestMachine(4 << 20);
  private readonly dataFrames: number[];
  private readonly codeFrames: number[];

  constructor() {
    const m = this.m;
    this.codeFrames = [m.map(CODE_BASE), m.map(CODE_BASE + 0x1000)];
    this.dataFrames = [m.map(DATA_BASE, { nx: true }), m.map(DATA_BASE + 0x1000, { nx: true })];
    const ro = m.map(RO_BASE, { writable: false, nx: true });
    for (let k = 0; k < 0x1000; k++) m.phys.bytes[ro + k] = roByte(k);
    m.mmu.nxe = true;
  }

  run(v: SseIntVector): Outcome {
    const { m } = this;
    const cpu = m.cpu;
    const bytes = m.phys.bytes;
    for (const f of [...this.dataFrames, ...this.codeFrames]) bytes.fill(0, f, f + 0x1000);
    const code = hexToBytes(v.b);
    for (let i = 0; i < code.length; i++) bytes[this.codeFrames[i >> 12] + (i & 0xfff)] = code[i];
    let window: { offset: number; bytes: Uint8Array } | null = null;
    if (v.mem) {
      window = parseWindow(v.mem);
      for (let i = 0; i < window.bytes.length; i++) {
        const off = window.offset + i;
        bytes[this.dataFrames[off >> 12] + (off & 0xfff)] = window.bytes[i];
      }
    }
    for (let r = 0; r < 16; r++) {
      const name = GPR_NAMES[r];
      const val = name in v.in ? BigInt('0x' + v.in[name]) : defaultGpr(r);
      cpu.lo[r] = Number(val & 0xffffffffn) | 0;
      cpu.hi[r] = Number(val >> 32n) | 0;
    }
    for (let x = 0; x < 16; x++) {
      const name = `xmm${x}`;
      cpu.xmmBytes.set(name in v.in ? hexToBytes(v.in[name]) : defaultXmm(x), x * 16);
    }
    cpu.setRflags(v.fl | IF_FLAG);
    cpu.mxcsr = 0x1f80;
    cpu.segBase.fill(0);

    const end = CODE_BASE + code.length;
    let exc: VectorException | null = null;
    let broken: string | undefined;
    let rip = CODE_BASE;
    for (let steps = 0; rip !== end; steps++) {
      if (steps > 100 || rip < CODE_BASE || rip > end) {
        broken = `execution left the snippet (rip = 0x${rip.toString(16)})`;
        break;
      }
      const start = rip;
      try {
        const insn = decode(OPCODES, (o) => m.mmu.bytes[m.mmu.translateExec(start + o)]);
        cpu.rip = start + insn.length;
        insn.exec(cpu, insn);
        rip = cpu.rip;
      } catch (e) {
        let raised;
        try {
          raised = raisedFrom(e);
        } catch {
          broken = `JavaScript exception: ${e instanceof Error ? e.stack : String(e)}`;
          break;
        }
        exc = { v: raised.vector, e: raised.errorCode, r: start - CODE_BASE };
        if (raised.vector === 14) exc.a = (raised.address! < 0 ? raised.address! + 2 ** 64 : raised.address!).toString(16);
        break;
      }
    }

    const gpr: string[] = [];
    for (let r = 0; r < 16; r++) gpr.push(hex64((BigInt(cpu.hi[r] >>> 0) << 32n) | BigInt(cpu.lo[r] >>> 0)));
    const xmm: string[] = [];
    for (let x = 0; x < 16; x++) xmm.push(bytesToHex(cpu.xmmBytes.subarray(x * 16, x * 16 + 16)));
    let mem: string | null = null;
    if (window) {
      const out = new Uint8Array(window.bytes.length);
      for (let i = 0; i < out.length; i++) {
        const off = window.offset + i;
        out[i] = bytes[this.dataFrames[off >> 12] + (off & 0xfff)];
      }
      mem = bytesToHex(out);
    }
    return { gpr, flags: cpu.getRflags() & COMPARED_FLAGS, mem, xmm, exc, broken };
  }
}

/** The outcome a vector records, in the same terms as Outcome. */
export function expected(v: SseIntVector): Outcome {
  const gpr: string[] = [];
  for (let r = 0; r < 16; r++) gpr.push(v.out[GPR_NAMES[r]] ?? v.in[GPR_NAMES[r]] ?? hex64(defaultGpr(r)));
  const xmm: string[] = [];
  for (let x = 0; x < 16; x++) xmm.push(v.out[`xmm${x}`] ?? v.in[`xmm${x}`] ?? bytesToHex(defaultXmm(x)));
  const mem = v.mem ? v.omem ?? v.mem.slice(v.mem.indexOf(':') + 1) : null;
  return { gpr, flags: v.ofl, mem, xmm, exc: v.exc ?? null };
}

const FLAG_NAMES: Array<[number, string]> = [[0x800, 'OF'], [0x400, 'DF'], [0x200, 'IF'], [0x80, 'SF'], [0x40, 'ZF'], [0x10, 'AF'], [0x4, 'PF'], [0x1, 'CF']];

export function flagStr(f: number): string {
  return `0x${f.toString(16)} [${FLAG_NAMES.filter(([b]) => f & b).map(([, n]) => n).join(' ')}]`;
}

/** Differences between two outcomes, one line each (empty when they agree). */
export function compare(want: Outcome, got: Outcome): string[] {
  const d: string[] = [];
  if (got.broken) d.push(got.broken);
  const we = want.exc ? JSON.stringify(want.exc) : 'none';
  const ge = got.exc ? JSON.stringify(got.exc) : 'none';
  if (we !== ge) d.push(`exception: expected ${we}, got ${ge}`);
  for (let r = 0; r < 16; r++) if (want.gpr[r] !== got.gpr[r]) d.push(`${GPR_NAMES[r]}: expected ${want.gpr[r]}, got ${got.gpr[r]}`);
  if (want.flags !== got.flags) d.push(`rflags: expected ${flagStr(want.flags)}, got ${flagStr(got.flags)}`);
  for (let x = 0; x < 16; x++) if (want.xmm[x] !== got.xmm[x]) d.push(`xmm${x}: expected ${want.xmm[x]}, got ${got.xmm[x]}`);
  if (want.mem !== got.mem) d.push(`memory: expected ${want.mem}\n          got      ${got.mem}`);
  return d;
}

export function describeVector(v: SseIntVector): string {
  const ins = Object.entries(v.in).map(([k, x]) => `${k}=${x}`).join(' ');
  return [
    `form ${v.f}  bytes ${v.b.replace(/(..)/g, '$1 ').trim()}`,
    `  in: ${ins} rflags=${flagStr(v.fl)}`,
    v.mem ? `  mem: ${v.mem}` : '',
  ].filter(Boolean).join('\n');
}
