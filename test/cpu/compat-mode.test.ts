/**
 * Compatibility mode (32-bit code, CS.L = 0): the decoder's 32-bit mode with the compat
 * opcode table, and the 32-bit vDSO's code run by x64emu's own CPU with a chosen TSC
 * (results equal to the formula, as test/vdso/emulated.test.ts does for the 64-bit image).
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../src/cpu/decoder.js';
import { COMPAT_OPCODES } from '../../src/cpu/opcodes32.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { RAX, RBP, RBX, RCX, RDI, RSI, RSP } from '../../src/cpu/registers.js';
import { buildVdso32, patchVdso32 } from '../../src/vdso/image32.js';
import { CPUNODE_SELECTOR, PAGE_SIZE, VDSO_DATA_SIZE, VDSO_TIME_DATA_PAGE_OFFSET, tscMultShift } from '../../src/vdso/vvar-layout.js';
import { readVvar, vvarMemory, VvarWriter, type VvarMemory } from '../../src/vdso/vvar-writer.js';
import { INTEL_MODEL } from '../../src/cpu/cpu-model.js';
import { getReg, raisedFrom, setReg, TestMachine, type Raised } from './test-machine.js';

const dec32 = (bytes: number[]) => decode(COMPAT_OPCODES, (o) => bytes[o]!, true);

describe('the decoder in 32-bit mode', () => {
  it('40-4F are INC/DEC r32, not REX', () => {
    const i = dec32([0x40]);
    expect(i.def!.mnemonic).toBe('inc');
    expect([i.reg, i.opsize, i.length]).toEqual([RAX, 4, 1]);
    expect(dec32([0x4f]).def!.mnemonic).toBe('dec');
    expect(dec32([0x4f]).reg).toBe(RDI);
    // 48 01 d8: dec eax; then add eax, ebx (64-bit mode: add rax, rbx)
    expect(dec32([0x48, 0x01, 0xd8]).length).toBe(1);
    expect(decode(OPCODES, (o) => [0x48, 0x01, 0xd8][o]!).opsize).toBe(8);
  });

  it('32-bit operand and address sizes; mod 00 rm 101 is an absolute disp32', () => {
    const i = dec32([0x8b, 0x05, 0x78, 0x56, 0x34, 0x12]); // mov eax, [0x12345678]
    expect([i.opsize, i.addrsize, i.ripRelative, i.disp]).toEqual([4, 4, false, 0x12345678]);
    expect(dec32([0x50]).opsize).toBe(4); // push eax
    expect(dec32([0x66, 0x50]).opsize).toBe(2);
    expect(dec32([0xe8, 0, 0, 0, 0]).opsize).toBe(4);
    expect(dec32([0xa1, 1, 2, 3, 4]).length).toBe(5); // moffs32
    expect(dec32([0xb8, 1, 2, 3, 4]).length).toBe(5);
    expect(() => dec32([0x63, 0xc0])).toThrow(); // ARPL: #UD
    expect(() => dec32([0x67, 0x8b, 0x00])).toThrow(); // 16-bit addressing: #UD
  });
});

const GDT = 0x10_0000;
const CODE = 0x0804_8000;
const STACK_TOP = 0xbfff_0000;
const OUT = 0x0900_0000;
const RET = 0x4000_0000;

function machine(): TestMachine {
  const m = new TestMachine(16 << 20);
  m.cpu.compat = true;
  m.map(STACK_TOP - PAGE_SIZE, { nx: true });
  m.map(OUT, { nx: true });
  return m;
}

function step32(m: TestMachine): Raised | null {
  const cpu = m.cpu;
  const start = cpu.rip;
  try {
    const insn = decode(COMPAT_OPCODES, (o) => m.mmu.bytes[m.mmu.translateExec(start + o)], true);
    cpu.rip = start + insn.length;
    insn.exec(cpu, insn);
    return null;
  } catch (e) {
    cpu.rip = start;
    return raisedFrom(e);
  }
}

function run32(m: TestMachine, code: number[], until: number, limit = 1000): void {
  m.map(CODE, {});
  m.writeBytes(CODE, code);
  m.cpu.rip = CODE;
  for (let n = 0; m.cpu.rip !== until; n++) {
    if (n >= limit) throw new Error('did not finish');
    const r = step32(m);
    if (r) throw new Error(`exception ${r.vector} at 0x${m.cpu.rip.toString(16)} ${r.detail ?? ''}`);
  }
}

describe('32-bit code in the CPU', () => {
  it('push/pop, call/ret, pusha/popa, inc/dec use 32-bit stack slots', () => {
    const m = machine();
    setReg(m.cpu, RSP, BigInt(STACK_TOP));
    setReg(m.cpu, RAX, 0xffffffffn);
    setReg(m.cpu, RBX, 7n);
    // push eax; call +0 (to pop ecx); pop ecx; inc eax; dec ebx; pusha; mov eax, 5; popa; ret-less end
    const code = [0x50, 0xe8, 0, 0, 0, 0, 0x59, 0x40, 0x4b, 0x60, 0xb8, 5, 0, 0, 0, 0x61, 0x90];
    run32(m, code, CODE + code.length - 1);
    expect(getReg(m.cpu, RCX)).toBe(BigInt(CODE + 6)); // the pushed return address, 4 bytes
    expect(getReg(m.cpu, RAX)).toBe(0n); // inc wrapped, then restored by popa
    expect(getReg(m.cpu, RBX)).toBe(6n);
    expect(getReg(m.cpu, RSP)).toBe(BigInt(STACK_TOP - 4));
    expect([...m.readBytes(STACK_TOP - 4, 4)]).toEqual([0xff, 0xff, 0xff, 0xff]);
  });

  it('ret and call through memory take 32-bit addresses', () => {
    const m = machine();
    setReg(m.cpu, RSP, BigInt(STACK_TOP));
    // call [OUT]; (target: ret)  -- OUT holds CODE + 8
    m.writeBytes(OUT, [(CODE + 8) & 0xff, ((CODE + 8) >> 8) & 0xff, ((CODE + 8) >> 16) & 0xff, (CODE + 8) >>> 24]);
    const o = OUT;
    const code = [0xff, 0x15, o & 0xff, (o >> 8) & 0xff, (o >> 16) & 0xff, o >>> 24, 0x90, 0x90, 0xc3];
    run32(m, code, CODE + 6, 10);
    expect(getReg(m.cpu, RSP)).toBe(BigInt(STACK_TOP));
  });
});

// ---- the vdso32 code, emulated --------------------------------------------------------------

const vdso = buildVdso32();
const DATA = 0x5000_0000;
const IMAGE = DATA + VDSO_DATA_SIZE;
const NS = 1_000_000_000n;
const { mult, shift } = tscMultShift(INTEL_MODEL.tscHz);

class Vdso32Machine {
  readonly m = machine();
  readonly vvar: VvarMemory;
  tsc = 0n;
  traps: number[] = [];
  constructor() {
    const m = this.m;
    const frame = m.map(DATA, { writable: false, nx: true });
    this.vvar = vvarMemory(m.phys.bytes.subarray(frame, frame + PAGE_SIZE), VDSO_TIME_DATA_PAGE_OFFSET);
    const bytes = patchVdso32(vdso, 'int80');
    for (let o = 0; o < vdso.size; o += PAGE_SIZE) { m.map(IMAGE + o, { writable: false }); m.writeBytes(IMAGE + o, bytes.subarray(o, o + PAGE_SIZE)); }
    m.map(GDT, { user: false, nx: true });
    m.cpu.gdtBase = GDT;
    m.cpu.gdtLimit = 16 * 8 - 1;
    const node = (1 << 12) | 3;
    m.writeBytes(GDT + (CPUNODE_SELECTOR & ~7), [node & 0xff, (node >> 8) & 0xff, 0, 0, 0, 0xf5, 0x40 | ((node >> 16) & 0xf), 0]);
    m.cpu.tsc = { read: (cpu) => { cpu.tscLo = Number(this.tsc & 0xffffffffn) | 0; cpu.tscHi = Number(this.tsc >> 32n) | 0; } };
    new VvarWriter(this.vvar).update({
      cycleLast: 1000n, mult, shift,
      realtime: { sec: 1_700_000_000, nsec: 999_999_000 }, monotonic: { sec: 5000, nsec: 1 }, boottime: { sec: 5100, nsec: 7 },
      tai: { sec: 1_700_000_037, nsec: 0 }, raw: { sec: 4990, nsec: 250_000_000 },
      realtimeCoarse: { sec: 1_700_000_000, nsec: 996_000_000 }, monotonicCoarse: { sec: 5000, nsec: 0 },
    });
  }

  /** cdecl call; int 0x80 is played by the test (records eax, returns -38). */
  call(fn: string, args: number[]): number {
    const m = this.m;
    const cpu = m.cpu;
    const off = vdso.symbols.get(fn)!;
    let sp = STACK_TOP - 64;
    const words = [RET, ...args];
    words.forEach((w, k) => m.writeBytes(sp + 4 * k, [w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, (w >>> 24) & 0xff]));
    setReg(cpu, RSP, BigInt(sp));
    const saved = [RBX, RSI, RDI, RBP].map((r, k) => { setReg(cpu, r, BigInt(0x11111111 * (k + 1))); return [r, BigInt(0x11111111 * (k + 1))] as const; });
    cpu.rip = IMAGE + off;
    for (let n = 0; cpu.rip !== RET; n++) {
      if (n > 5000) throw new Error('no return');
      const b = m.readBytes(cpu.rip, 2);
      if (b[0] === 0xcd && b[1] === 0x80) { this.traps.push(Number(getReg(cpu, RAX))); setReg(cpu, RAX, BigInt.asUintN(64, -38n)); cpu.rip += 2; continue; }
      const r = step32(m);
      if (r) throw new Error(`${fn}: exception ${r.vector} at 0x${cpu.rip.toString(16)} ${r.detail ?? ''}`);
    }
    for (const [r, v] of saved) expect(getReg(cpu, r)).toBe(v);
    expect(getReg(cpu, RSP)).toBe(BigInt(sp + 4));
    sp = 0;
    return Number(BigInt.asIntN(32, getReg(cpu, RAX)));
  }
  i32(o: number): number { return new DataView(this.m.readBytes(OUT + o, 4).buffer).getInt32(0, true); }
}

describe('the vdso32 code in compatibility mode', () => {
  it('clock_gettime, clock_gettime64, gettimeofday, time, getres, getcpu: exact results', () => {
    const vm = new Vdso32Machine();
    vm.tsc = 1000n + 2_000_000_000n * 3n + 2001n; // 3 s + 1000.5 ns after cycle_last
    const s = readVvar(vm.vvar);
    const mono = s.records[0].basetime[1]!;
    const want = mono.sec * NS + ((vm.tsc - 1000n) * BigInt(mult) + mono.nsec >> BigInt(shift));
    expect(vm.call('__vdso_clock_gettime', [1, OUT])).toBe(0);
    expect(BigInt(vm.i32(0)) * NS + BigInt(vm.i32(4))).toBe(want);
    expect(vm.call('__vdso_clock_gettime64', [1, OUT])).toBe(0);
    expect(BigInt(vm.i32(0)) * NS + BigInt(vm.i32(8))).toBe(want);
    expect([vm.i32(4), vm.i32(12)]).toEqual([0, 0]);
    expect(vm.call('__vdso_gettimeofday', [OUT, 0])).toBe(0);
    const rt = s.records[0].basetime[0]!;
    const rtNs = rt.sec * NS + ((vm.tsc - 1000n) * BigInt(mult) + rt.nsec >> BigInt(shift));
    expect(BigInt(vm.i32(0)) * 1_000_000n + BigInt(vm.i32(4))).toBe(rtNs / 1000n);
    expect(vm.call('__vdso_time', [OUT])).toBe(1_700_000_000);
    expect(vm.call('__vdso_clock_getres', [6, OUT])).toBe(0);
    expect(vm.i32(4)).toBe(4_000_000);
    expect(vm.call('__vdso_getcpu', [OUT, OUT + 4, 0])).toBe(0);
    expect([vm.i32(0), vm.i32(4)]).toEqual([3, 1]);
    expect(vm.traps).toEqual([]);
    expect(vm.call('__vdso_clock_gettime', [2, OUT])).toBe(-38); // CPU-time clock: the kernel, through __kernel_vsyscall
    expect(vm.traps).toEqual([265]);
  });
});
