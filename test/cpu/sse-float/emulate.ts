/** Runs golden vectors through the emulator: a bare CPU over a small MMU (test-machine.ts). */
import { RDI, RDX } from '../../../src/cpu/registers.js';
import { TestMachine } from '../test-machine.js';
import { cloneState, DATA_BASE, MEM_BYTES, STATUS_FLAGS, toHex } from './vector-io.js';
import type { MachineState, Vector } from './vector-io.js';

const CODE_BASE = 0x10000000;
const CR4_OSFXSR = 1 << 9;
const CR4_OSXMMEXCPT = 1 << 10;

export class SseMachine {
  readonly m = new TestMachine();
  private readonly codeFrame: number;
  private readonly dataFrame: number;

  constructor() {
    this.codeFrame = this.m.map(CODE_BASE);
    this.dataFrame = this.m.map(DATA_BASE);
    this.m.cpu.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
  }

  /** Executes the vector's instruction from its input state; returns status and state. */
  run(v: Vector): { status: string; state: MachineState } {
    const { cpu, phys } = this.m;
    const input = v.input;
    phys.bytes.fill(0, this.codeFrame, this.codeFrame + 32);
    phys.bytes.set(v.bytes, this.codeFrame);
    phys.bytes.set(input.mem, this.dataFrame);
    cpu.rip = CODE_BASE;
    cpu.mxcsr = input.mxcsr;
    cpu.setRflags(input.rflags);
    for (let r = 0; r < 4; r++) cpu.xmmBytes.set(input.x[r], r * 16);
    setReg(cpu.lo, cpu.hi, 0, input.rax);
    setReg(cpu.lo, cpu.hi, 1, input.rcx);
    setReg(cpu.lo, cpu.hi, RDX, BigInt(DATA_BASE));
    setReg(cpu.lo, cpu.hi, RDI, BigInt(DATA_BASE));
    const raised = this.m.step();
    const state = cloneState(input);
    state.mxcsr = cpu.mxcsr;
    state.rflags = cpu.getRflags() & STATUS_FLAGS;
    for (let r = 0; r < 4; r++) state.x[r] = cpu.xmmBytes.slice(r * 16, r * 16 + 16);
    state.rax = (BigInt(cpu.hi[0]) << 32n) | BigInt(cpu.lo[0] >>> 0);
    state.rcx = (BigInt(cpu.hi[1]) << 32n) | BigInt(cpu.lo[1] >>> 0);
    state.mem = phys.bytes.slice(this.dataFrame, this.dataFrame + MEM_BYTES);
    return { status: raised ? `trap:${raised.vector}` : 'ok', state };
  }
}

function setReg(lo: Int32Array, hi: Int32Array, r: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  lo[r] = Number(u & 0xffffffffn) | 0;
  hi[r] = Number(u >> 32n) | 0;
}

const hex64 = (v: bigint): string => BigInt.asUintN(64, v).toString(16);

/** Differences between what the host did and what the emulator did, as text lines. */
export function compare(v: Vector, got: { status: string; state: MachineState }): string[] {
  const want = v.output;
  const out: string[] = [];
  if (got.status !== v.status) out.push(`status: host ${v.status}, emulator ${got.status}`);
  if (got.state.mxcsr !== want.mxcsr) out.push(`mxcsr: host ${want.mxcsr.toString(16)}, emulator ${got.state.mxcsr.toString(16)}`);
  if (got.state.rflags !== want.rflags) out.push(`rflags: host ${want.rflags.toString(16)}, emulator ${got.state.rflags.toString(16)}`);
  for (let r = 0; r < 4; r++) {
    const h = toHex(want.x[r]);
    const e = toHex(got.state.x[r]);
    if (h !== e) out.push(`xmm${r}: host ${h}, emulator ${e}`);
  }
  if (got.state.rax !== want.rax) out.push(`rax: host ${hex64(want.rax)}, emulator ${hex64(got.state.rax)}`);
  if (got.state.rcx !== want.rcx) out.push(`rcx: host ${hex64(want.rcx)}, emulator ${hex64(got.state.rcx)}`);
  if (toHex(got.state.mem) !== toHex(want.mem)) out.push(`mem: host ${toHex(want.mem)}, emulator ${toHex(got.state.mem)}`);
  return out;
}

export function describe(v: Vector): string {
  const s = v.input;
  return `${v.form} [${toHex(v.bytes)}] mxcsr=${s.mxcsr.toString(16)} rflags=${s.rflags.toString(16)} x1=${toHex(s.x[1])} x2=${toHex(s.x[2])}` +
    (s.rax ? ` rax=${hex64(s.rax)}` : '') + (toHex(s.mem) !== '0'.repeat(64) ? ` mem=${toHex(s.mem)}` : '');
}
