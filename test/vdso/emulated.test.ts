/**
 * The vDSO code run by x64emu's own CPU (always on: no compiler, no host). The image and
 * the time page are mapped as the kernel maps them (the other data pages are left
 * unmapped, so a stray access is a page fault), the TSC is a value the test chooses, and
 * the GDT holds a CPUNODE descriptor at 0x7b. Because the TSC is exact here, every result
 * is checked for equality with the formula, and the seqlock's two paths (spin while odd,
 * retry when seq changed during the read) are driven step by step.
 *
 * `syscall` is intercepted before it executes: the test plays the kernel and records the
 * call.
 */
import { describe, expect, it } from 'vitest';
import { RAX, RBP, RBX, RCX, RDI, RDX, RSI, RSP, R11, R12, R13, R14, R15 } from '../../src/cpu/registers.js';
import { buildVdso64 } from '../../src/vdso/image.js';
import {
  CPUNODE_SELECTOR, HIGH_RES_NSEC, LOW_RES_NSEC, PAGE_SIZE, VDSO_CLOCKMODE_NONE, VDSO_DATA_SIZE,
  VDSO_TIME_DATA_PAGE_OFFSET, tscMultShift,
} from '../../src/vdso/vvar-layout.js';
import { readVvar, vdsoClockGettime, vvarMemory, VvarWriter, type VvarMemory, type VvarUpdate } from '../../src/vdso/vvar-writer.js';
import { INTEL_MODEL } from '../../src/cpu/cpu-model.js';
import { getReg, setReg, TestMachine } from '../cpu/test-machine.js';

const NS = 1_000_000_000n;
const DATA = 0x7ff7_c000_0000; // start of the data area ([vvar])
const IMAGE = DATA + VDSO_DATA_SIZE; // AT_SYSINFO_EHDR
const STACK_TOP = 0x7fff_f000_0000;
const OUT = 0x7fff_e000_0000; // a page for the results
const GDT = 0x10_0000;
const RET = 0x4000_0000; // return address: never mapped, never executed

const vdso = buildVdso64();
const { mult, shift } = tscMultShift(INTEL_MODEL.tscHz);
const CYCLE_LAST = 0x1234_5678_9abcn;

const baseState: VvarUpdate = {
  cycleLast: CYCLE_LAST, mult, shift,
  realtime: { sec: 1_700_000_000, nsec: 999_999_000 },
  monotonic: { sec: 5000, snsec: (123n << BigInt(shift)) | 0x7fffffn },
  boottime: { sec: 5100, nsec: 7 },
  tai: { sec: 1_700_000_037, nsec: 999_999_000 },
  raw: { sec: 4990, nsec: 250_000_000 },
  realtimeCoarse: { sec: 1_700_000_000, nsec: 996_000_000 },
  monotonicCoarse: { sec: 5000, nsec: 0 },
};

interface Syscall { nr: number; a0: bigint; a1: bigint }

class VdsoMachine {
  readonly m = new TestMachine(16 << 20);
  readonly vvar: VvarMemory;
  tsc = 0n;
  syscalls: Syscall[] = [];
  syscallResult = 0n;
  steps = 0;

  constructor(cpuNode: number | null = (2 << 12) | 5) {
    const m = this.m;
    const frame = m.map(DATA, { writable: false, nx: true });
    this.vvar = vvarMemory(m.phys.bytes.subarray(frame, frame + PAGE_SIZE), VDSO_TIME_DATA_PAGE_OFFSET);
    for (let o = 0; o < vdso.size; o += PAGE_SIZE) {
      m.map(IMAGE + o, { writable: false });
      m.writeBytes(IMAGE + o, vdso.bytes.subarray(o, o + PAGE_SIZE));
    }
    m.map(STACK_TOP - PAGE_SIZE, { nx: true });
    m.map(OUT, { nx: true });
    m.map(GDT, { user: false, nx: true });
    m.cpu.gdtBase = GDT;
    m.cpu.gdtLimit = 16 * 8 - 1;
    if (cpuNode !== null) {
      // Linux's setup_getcpu(): limit = (node << 12) | cpu, type 5, S, DPL 3, P, D
      const d = GDT + (CPUNODE_SELECTOR & ~7);
      m.writeBytes(d, [cpuNode & 0xff, (cpuNode >> 8) & 0xff, 0, 0, 0, 0xf5, 0x40 | ((cpuNode >> 16) & 0xf), 0]);
    }
    m.cpu.tsc = { read: (cpu) => { cpu.tscLo = Number(this.tsc & 0xffffffffn) | 0; cpu.tscHi = Number(this.tsc >> 32n) | 0; } };
  }

  write(u: VvarUpdate): void { new VvarWriter(this.vvar).update(u); }

  /** Calls `fn` (a name from the image) with up to three arguments; `onStep` runs before each instruction. */
  call(fn: string, args: bigint[], onStep?: (rip: number, n: number) => void, limit = 5000): bigint {
    const cpu = this.m.cpu;
    const off = vdso.symbols.get(fn);
    if (off === undefined) throw new Error(`no ${fn}`);
    [RDI, RSI, RDX].forEach((r, i) => setReg(cpu, r, args[i] ?? 0xdeadn));
    const saved = [RBX, RBP, R12, R13, R14, R15].map((r, i) => { const v = 0x1111_1111_1111_1111n * BigInt(i + 1); setReg(cpu, r, v); return [r, v] as const; });
    setReg(cpu, RSP, BigInt(STACK_TOP - 8));
    this.m.writeBytes(STACK_TOP - 8, le64(BigInt(RET)));
    cpu.rip = IMAGE + off;
    for (this.steps = 0; cpu.rip !== RET; this.steps++) {
      if (this.steps >= limit) throw new Error(`${fn} did not return within ${limit} instructions (rip ${hex(cpu.rip)})`);
      onStep?.(cpu.rip, this.steps);
      const b = this.m.readBytes(cpu.rip, 2);
      if (b[0] === 0x0f && b[1] === 0x05) { // the kernel
        this.syscalls.push({ nr: Number(getReg(cpu, RAX)), a0: getReg(cpu, RDI), a1: getReg(cpu, RSI) });
        setReg(cpu, RCX, BigInt(cpu.rip + 2));
        setReg(cpu, R11, 0x202n);
        setReg(cpu, RAX, BigInt.asUintN(64, this.syscallResult));
        cpu.rip += 2;
        continue;
      }
      const raised = this.m.step();
      if (raised) throw new Error(`${fn}: exception ${raised.vector} at ${hex(cpu.rip)} ${raised.detail ?? ''} ${raised.address !== undefined ? hex(raised.address) : ''}`);
    }
    for (const [r, v] of saved) expect(getReg(cpu, r), `callee-saved register ${r}`).toBe(v);
    expect(getReg(cpu, RSP)).toBe(BigInt(STACK_TOP));
    return getReg(cpu, RAX);
  }

  out64(i: number): bigint {
    const b = this.m.readBytes(OUT + 8 * i, 8);
    return new DataView(b.buffer).getBigUint64(0, true);
  }
  out32(o: number): number { return new DataView(this.m.readBytes(OUT + o, 4).buffer).getInt32(0, true); }
  fillOut(): void { this.m.writeBytes(OUT, new Uint8Array(64).fill(0xa5)); }
}

const le64 = (v: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const hex = (n: number): string => '0x' + n.toString(16);
const int = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** Formula of LINUX-ABI.md §3.3, written out here: basetime.sec * 1e9 + ((delta * mult + nsec) >> shift). */
function expected(vm: VdsoMachine, clk: number, tsc: bigint): bigint {
  const s = readVvar(vm.vvar);
  if (clk === 5 || clk === 6) { const b = s.records[0].basetime[clk]!; return b.sec * NS + b.nsec; }
  const r = s.records[clk === 4 ? 1 : 0];
  const b = r.basetime[clk]!;
  const delta = tsc > r.cycleLast ? tsc - r.cycleLast : 0n;
  return BigInt.asIntN(64, b.sec) * NS + ((delta * BigInt(r.mult) + b.nsec) >> BigInt(r.shift));
}

function clockGettime(vm: VdsoMachine, clk: number | bigint): { ret: number; ns: bigint; sec: bigint; nsec: bigint } {
  vm.fillOut();
  const ret = int(vm.call('__vdso_clock_gettime', [BigInt.asUintN(64, BigInt(clk)), BigInt(OUT)]));
  const sec = BigInt.asIntN(64, vm.out64(0));
  const nsec = vm.out64(1);
  return { ret, sec, nsec, ns: sec * NS + nsec };
}

describe('the vDSO in the emulated CPU', () => {
  it('clock_gettime: HRES, RAW and COARSE clocks equal the formula exactly, for many TSC values', () => {
    const vm = new VdsoMachine();
    vm.write(baseState);
    const deltas = [0n, 1n, 2n, 3n, 1999n, 2_000_000n, 1_999_999_999n, 2n * NS, 123_456_789_012n, 1n << 42n, 1n << 50n, (1n << 62n)];
    for (const d of deltas) {
      vm.tsc = CYCLE_LAST + d;
      for (const clk of [0, 1, 4, 5, 6, 7, 11]) {
        const r = clockGettime(vm, clk);
        expect(r.ret, `clock ${clk} delta ${d}`).toBe(0);
        expect(r.nsec < NS).toBe(true);
        expect(r.ns, `clock ${clk} delta ${d}`).toBe(expected(vm, clk, vm.tsc));
        const model = vdsoClockGettime(readVvar(vm.vvar), clk, vm.tsc)!;
        expect(model.sec * NS + model.nsec).toBe(r.ns);
      }
    }
    expect(vm.syscalls).toEqual([]);
    // 2 GHz: 2e9 cycles are one second
    vm.tsc = CYCLE_LAST + 2n * NS;
    expect(clockGettime(vm, 0).ns - clockGettime(vm, 5).ns).toBe(NS + 3_999_000n);
  });

  it('a TSC behind cycle_last reads as delta 0; a TSC with bit 63 set makes the syscall', () => {
    const vm = new VdsoMachine();
    vm.write(baseState);
    vm.tsc = CYCLE_LAST - 1000n;
    expect(clockGettime(vm, 0).ns).toBe(1_700_000_000n * NS + 999_999_000n);
    vm.tsc = 1n << 63n;
    vm.syscallResult = 0n;
    clockGettime(vm, 1);
    expect(vm.syscalls).toEqual([{ nr: 228, a0: 1n, a1: BigInt(OUT) }]);
  });

  it('every other clock id goes to the kernel with its arguments unchanged, and returns what the kernel returns', () => {
    const vm = new VdsoMachine();
    vm.write(baseState);
    vm.tsc = CYCLE_LAST;
    vm.syscallResult = -22n;
    const ids = [2n, 3n, 8n, 9n, 10n, 12n, 13n, 14n, 15n, 16n, 17n, 100n, 0xffffffffn, 0x80000000n, 0x7fffffffn];
    for (const id of ids) {
      vm.syscalls = [];
      expect(clockGettime(vm, id).ret).toBe(-22);
      expect(vm.syscalls).toEqual([{ nr: 228, a0: id, a1: BigInt(OUT) }]);
    }
    // the id is an int: the upper half of rdi is ignored
    vm.syscalls = [];
    expect(clockGettime(vm, 0xffff_ffff_0000_0001n).ns).toBe(expected(vm, 1, vm.tsc));
    expect(vm.syscalls).toEqual([]);
  });

  it('clock_mode NONE: counter clocks and gettimeofday make the syscall, coarse clocks and time do not', () => {
    const vm = new VdsoMachine();
    vm.write({ ...baseState, clockMode: VDSO_CLOCKMODE_NONE });
    vm.tsc = CYCLE_LAST + 100n;
    for (const clk of [0, 1, 4, 7, 11]) {
      vm.syscalls = [];
      clockGettime(vm, clk);
      expect(vm.syscalls.map((s) => s.nr), `clock ${clk}`).toEqual([228]);
    }
    vm.syscalls = [];
    expect(clockGettime(vm, 5).ns).toBe(1_700_000_000n * NS + 996_000_000n);
    expect(vm.call('__vdso_time', [0n])).toBe(1_700_000_000n);
    vm.call('__vdso_gettimeofday', [BigInt(OUT), 0n]);
    expect(vm.syscalls).toEqual([{ nr: 96, a0: BigInt(OUT), a1: 0n }]);
  });

  it('gettimeofday: microseconds of REALTIME, the timezone, NULL pointers', () => {
    const vm = new VdsoMachine();
    vm.write(baseState);
    new VvarWriter(vm.vvar).setTimezone(-330, 0);
    for (const d of [0n, 1999n, 2000n, 2001n, 4_000_000n]) {
      vm.tsc = CYCLE_LAST + d;
      vm.fillOut();
      expect(vm.call('__vdso_gettimeofday', [BigInt(OUT), BigInt(OUT + 16)])).toBe(0n);
      const ns = expected(vm, 0, vm.tsc);
      expect([vm.out64(0), vm.out64(1)]).toEqual([ns / NS, (ns % NS) / 1000n]);
      expect([vm.out32(16), vm.out32(20)]).toEqual([-330, 0]);
    }
    vm.fillOut();
    expect(vm.call('__vdso_gettimeofday', [0n, BigInt(OUT + 16)])).toBe(0n);
    expect(vm.out64(0)).toBe(0xa5a5a5a5a5a5a5a5n);
    expect(vm.out32(16)).toBe(-330);
    expect(vm.call('__vdso_gettimeofday', [0n, 0n])).toBe(0n);
    expect(vm.syscalls).toEqual([]);
  });

  it('time: one load of basetime[REALTIME].sec', () => {
    const vm = new VdsoMachine();
    vm.write(baseState);
    vm.fillOut();
    expect(vm.call('__vdso_time', [BigInt(OUT)])).toBe(1_700_000_000n);
    expect(vm.out64(0)).toBe(1_700_000_000n);
    expect(vm.call('__vdso_time', [0n])).toBe(1_700_000_000n);
    expect(vm.steps).toBeLessThan(6);
  });

  it('clock_getres: hrtimer_res, LOW_RES_NSEC, NULL res, and the syscall for the rest', () => {
    const vm = new VdsoMachine();
    vm.write({ ...baseState, hrtimerRes: 17 });
    for (let clk = 0; clk < 16; clk++) {
      vm.fillOut();
      vm.syscalls = [];
      vm.syscallResult = -22n;
      const r = int(vm.call('__vdso_clock_getres', [BigInt(clk), BigInt(OUT)]));
      if ([0, 1, 4, 7, 11].includes(clk)) expect([r, vm.out64(0), vm.out64(1)]).toEqual([0, 0n, 17n]);
      else if (clk === 5 || clk === 6) expect([r, vm.out64(0), vm.out64(1)]).toEqual([0, 0n, BigInt(LOW_RES_NSEC)]);
      else expect([r, vm.syscalls]).toEqual([-22, [{ nr: 229, a0: BigInt(clk), a1: BigInt(OUT) }]]);
    }
    vm.syscalls = [];
    expect(vm.call('__vdso_clock_getres', [0n, 0n])).toBe(0n);
    expect(vm.call('__vdso_clock_getres', [6n, 0n])).toBe(0n);
    expect(vm.syscalls).toEqual([]);
    vm.write(baseState);
    vm.call('__vdso_clock_getres', [1n, BigInt(OUT)]);
    expect(vm.out64(1)).toBe(BigInt(HIGH_RES_NSEC));
  });

  it('getcpu: LSL of 0x7b gives cpu and node; NULL pointers are skipped; no descriptor gives 0', () => {
    const vm = new VdsoMachine((3 << 12) | 0x123);
    vm.fillOut();
    expect(vm.call('__vdso_getcpu', [BigInt(OUT), BigInt(OUT + 4), 0n])).toBe(0n);
    expect([vm.out32(0), vm.out32(4)]).toEqual([0x123, 3]);
    vm.fillOut();
    expect(vm.call('__vdso_getcpu', [0n, BigInt(OUT + 4), 0n])).toBe(0n);
    expect([vm.out32(0), vm.out32(4)]).toEqual([int(0xa5a5a5a5n), 3]);
    expect(vm.call('__vdso_getcpu', [0n, 0n, 0n])).toBe(0n);
    const none = new VdsoMachine(null);
    none.fillOut();
    expect(none.call('__vdso_getcpu', [BigInt(OUT), BigInt(OUT + 4), 0n])).toBe(0n);
    expect([none.out32(0), none.out32(4)]).toEqual([0, 0]);
  });

  it('seqlock: spins with pause while seq is odd and reads the data the writer finished', () => {
    const vm = new VdsoMachine();
    vm.write(baseState);
    vm.tsc = CYCLE_LAST + 10n;
    const w = new VvarWriter(vm.vvar);
    w.begin(); // the kernel is in the middle of an update
    const later = { ...baseState, realtime: { sec: 1_800_000_000, nsec: 0 } };
    let pauses = 0;
    const r = vm.call('__vdso_clock_gettime', [0n, BigInt(OUT)], (rip, n) => {
      const b = vm.m.readBytes(rip, 2);
      if (b[0] === 0xf3 && b[1] === 0x90) pauses++;
      if (n === 300) { w.end(); w.update(later); } // (end() makes seq even; update() is a full new write)
    });
    expect(r).toBe(0n);
    expect(pauses).toBeGreaterThan(20);
    expect(vm.out64(0) * NS + vm.out64(1)).toBe(expected(vm, 0, vm.tsc));
    expect(vm.out64(0)).toBe(1_800_000_000n);
    // the coarse path spins too
    w.begin();
    pauses = 0;
    vm.call('__vdso_clock_gettime', [5n, BigInt(OUT)], (rip, n) => {
      if (vm.m.readBytes(rip, 2)[1] === 0x90) pauses++;
      if (n === 100) w.end();
    });
    expect(pauses).toBeGreaterThan(5);
  });

  it('seqlock: a seq that changed during the read makes the reader start again', () => {
    const vm = new VdsoMachine();
    vm.tsc = CYCLE_LAST + 10n;
    const cases = [
      ['__vdso_clock_gettime', [0n, BigInt(OUT)], '.Lcgt.hres', 0],
      ['__vdso_clock_gettime', [4n, BigInt(OUT)], '.Lcgt.hres', 4],
      ['__vdso_clock_gettime', [5n, BigInt(OUT)], '.Lcgt.coarse', 5],
      ['__vdso_gettimeofday', [BigInt(OUT), 0n], '.Lgtod.hres', 0],
    ] as const;
    for (const [fn, args, p, clk] of cases) {
      vm.write(baseState);
      const begin = vdso.labels.get(p === '.Lcgt.coarse' ? p : `${p}.begin`)!;
      const retry = vdso.labels.get(`${p}.retry`)!;
      let loops = 0;
      let seqBefore = -1;
      vm.call(fn, [...args], (rip) => {
        if (rip === IMAGE + begin) loops++;
        // the data was read under the old seq; now a whole update happens "on another CPU"
        if (rip === IMAGE + retry && loops === 1) {
          seqBefore = readVvar(vm.vvar).records[0].seq;
          vm.write({
            ...baseState,
            realtime: { sec: 1_900_000_000, nsec: 0 }, realtimeCoarse: { sec: 1_900_000_000, nsec: 0 }, raw: { sec: 1_900_000_000, nsec: 0 },
          });
        }
      });
      expect(seqBefore % 2, 'seq was even when read').toBe(0);
      expect(loops, `${fn}(${clk}): the read loop ran twice`).toBe(2);
      expect(vm.out64(0), `${fn}(${clk}) returned the new data`).toBe(1_900_000_000n);
    }
  });
});
