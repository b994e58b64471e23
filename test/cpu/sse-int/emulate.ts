/**
 * Runs SSE integer vectors through the emulator's CPU: the address layout of the native
 * harness (layout.ts) on a bare CPU + MMU, each instruction decoded from the table with
 * `decode(OPCODES, reader)` and executed with `insn.exec(cpu, insn)`, so an exception
 * comes back as a value instead of going through an IDT. The machinery (loading a snippet,
 * stepping it, reading the state back, comparing) is the golden vectors'
 * (test/golden/emulate.ts); the layout and defaults are this data set's own.
 */
import { compareCpu, compareMem, exceptionOf, execInsn, flagStr, loadGprs, loadSnippet, readGprs, readWindow } from '../../golden/emulate.js';
import type { Translation } from '../../golden/emulate.js';
import { TestMachine } from '../test-machine.js';
import { bytesToHex, CODE_BASE, COMPARED_FLAGS, DATA_BASE, defaultGpr, defaultXmm, GPR_NAMES, hex64, hexToBytes, IF_FLAG, RO_BASE, roByte } from './layout.js';
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

  /** `translate`: each instruction as a block compiled by the translator (its templates), not its handler. */
  run(v: SseIntVector, translate: Translation = false): Outcome {
    const { m } = this;
    const cpu = m.cpu;
    const bytes = m.phys.bytes;
    const { code, window } = loadSnippet(bytes, this.codeFrames, this.dataFrames, v);
    loadGprs(cpu, v.in, defaultGpr);
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
        rip = execInsn(m, start, translate);
      } catch (e) {
        ({ exc, broken } = exceptionOf(e, start - CODE_BASE));
        break;
      }
    }

    const gpr = readGprs(cpu);
    const xmm: string[] = [];
    for (let x = 0; x < 16; x++) xmm.push(bytesToHex(cpu.xmmBytes.subarray(x * 16, x * 16 + 16)));
    const mem = readWindow(bytes, this.dataFrames, window);
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

export { flagStr };

/** Differences between two outcomes, one line each (empty when they agree). */
export function compare(want: Outcome, got: Outcome): string[] {
  const d = compareCpu(want, got);
  for (let x = 0; x < 16; x++) if (want.xmm[x] !== got.xmm[x]) d.push(`xmm${x}: expected ${want.xmm[x]}, got ${got.xmm[x]}`);
  compareMem(d, want, got);
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
