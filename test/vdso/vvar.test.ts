/**
 * The vvar layout (LINUX-ABI.md §2, §3.1), mult/shift as the kernel picks them, and the
 * writer's encoding (§3.2) against hand-computed bytes.
 */
import { describe, expect, it } from 'vitest';
import { INTEL_MODEL, AMD_MODEL } from '../../src/cpu/cpu-model.js';
import {
  clocksCalcMultShift, clocksourceMultShift, CS_RAW, LOW_RES_NSEC, PAGE_SIZE, TICK_NSEC, tscMultShift,
  VD_BASETIME, VD_CLOCK_MODE, VD_CYCLE_LAST, VD_HRTIMER_RES, VD_MASK, VD_MULT, VD_RECORD_SIZE, VD_SEQ,
  VD_SHIFT, VD_TZ_DSTTIME, VD_TZ_MINUTESWEST, VDSO_COARSE, VDSO_DATA_MAPPINGS, VDSO_DATA_PAGE_LIST,
  VDSO_DATA_SIZE, VDSO_DATA_START, VDSO_HRES, VDSO_RAW, VVAR_FIELDS, VVAR_SIZE, VVAR_TIME_DATA,
  VVAR_VCLOCK_SIZE, VVAR_VCLOCK_START, basetimeOffset, vvarAsmSymbols, vvarRecordOffset,
} from '../../src/vdso/vvar-layout.js';
import { readVvar, vdsoClockGetres, vdsoClockGettime, vvarMemory, VvarWriter, type VvarMemory } from '../../src/vdso/vvar-writer.js';

describe('vvar layout', () => {
  it('has the struct vdso_data offsets of LINUX-ABI.md §3.1', () => {
    expect([VD_SEQ, VD_CLOCK_MODE, VD_CYCLE_LAST, VD_MASK, VD_MULT, VD_SHIFT, VD_BASETIME]).toEqual([0, 4, 8, 16, 24, 28, 32]);
    expect([VD_TZ_MINUTESWEST, VD_TZ_DSTTIME, VD_HRTIMER_RES, VD_RECORD_SIZE]).toEqual([224, 228, 232, 240]);
    expect(basetimeOffset(0)).toBe(32);
    expect(basetimeOffset(11)).toBe(32 + 11 * 16);
    expect(() => basetimeOffset(12)).toThrow(RangeError);
    expect(vvarRecordOffset(CS_RAW, VD_SEQ)).toBe(240);
    // the field table matches the constants and tiles a record without overlap
    let end = 0;
    for (const f of VVAR_FIELDS) {
      expect(f.offset, f.name).toBeGreaterThanOrEqual(end);
      end = f.offset + f.size;
    }
    expect(end).toBeLessThanOrEqual(VD_RECORD_SIZE);
  });

  it('has the clock classes of the generic vDSO', () => {
    expect([VDSO_HRES, VDSO_COARSE, VDSO_RAW]).toEqual([0x883, 0x60, 0x10]);
    expect(TICK_NSEC).toBe(4_000_000); // HZ=250
    expect(LOW_RES_NSEC).toBe(TICK_NSEC);
  });

  it('lays out the data area like Linux 6.15+: [vvar] 4 pages, [vvar_vclock] 2 pages, then [vdso]', () => {
    expect([VDSO_DATA_SIZE, VVAR_SIZE, VVAR_VCLOCK_SIZE]).toEqual([0x6000, 0x4000, 0x2000]);
    expect([VDSO_DATA_START, VVAR_VCLOCK_START, VVAR_TIME_DATA]).toEqual([-0x6000, -0x2000, -0x6000]);
    expect(VDSO_DATA_MAPPINGS).toEqual([
      { name: '[vvar]', offset: -0x6000, size: 0x4000 },
      { name: '[vvar_vclock]', offset: -0x2000, size: 0x2000 },
    ]);
    expect(VDSO_DATA_PAGE_LIST.map((p) => [p.index, p.offset, p.mapping, p.backed])).toEqual([
      [0, -0x6000, '[vvar]', true], [1, -0x5000, '[vvar]', false], [2, -0x4000, '[vvar]', false],
      [3, -0x3000, '[vvar]', false], [4, -0x2000, '[vvar_vclock]', false], [5, -0x1000, '[vvar_vclock]', false],
    ]);
    expect(VVAR_TIME_DATA % PAGE_SIZE === 0).toBe(true);
  });

  it('gives the assembly every constant by name, with the same values', () => {
    const s = vvarAsmSymbols();
    expect(s.VD_SEQ).toBe(VD_SEQ);
    expect(s.VD_BASETIME).toBe(VD_BASETIME);
    expect(s.VVAR_TIME_DATA).toBe(VVAR_TIME_DATA);
    expect(s.VDSO_HRES).toBe(VDSO_HRES);
    for (const [k, v] of Object.entries(s)) expect(Number.isInteger(v), k).toBe(true);
  });
});

describe('mult/shift as the kernel chooses them', () => {
  it('clocks_calc_mult_shift, hand-computed', () => {
    // from 2e9, maxsec 600: 600 * 2e9 >> 32 = 279 (9 bits) -> sftacc 23; the first shift whose
    // round(1e9 << s / 2e9) = 2^(s-1) fits in 23 bits is 23.
    expect(clocksCalcMultShift(2_000_000_000, 1_000_000_000, 600)).toEqual({ mult: 0x400000, shift: 23 });
    // 24 MHz, maxsec 600: 600 * 24e6 >> 32 = 3 (2 bits) -> sftacc 30; round(1e9 << 24 / 24e6)
    // = 699050666.67 -> 699050667 < 2^30, and at shift 25 it would not fit.
    expect(clocksCalcMultShift(24_000_000, 1_000_000_000, 600)).toEqual({ mult: 699050667, shift: 24 });
    // 1 GHz: ns = cycles exactly, the largest such shift
    const g = clocksCalcMultShift(1_000_000_000, 1_000_000_000, 600);
    expect(g.mult).toBe(2 ** g.shift);
  });

  it('the TSC of the CPU models (2 GHz, registered in kHz): mult 2^22, shift 23', () => {
    expect(INTEL_MODEL.tscHz).toBe(2_000_000_000);
    expect(tscMultShift(INTEL_MODEL.tscHz)).toEqual({ mult: 0x400000, shift: 23, maxsec: 600 });
    expect(tscMultShift(AMD_MODEL.tscHz)).toEqual({ mult: 0x400000, shift: 23, maxsec: 600 });
    // kHz registration: clocks_calc_mult_shift(2e6, 1e6, 600000)
    expect(clocksourceMultShift(2_000_000, 1000)).toEqual({ mult: 0x400000, shift: 23, maxsec: 600 });
    // an odd frequency: the mult stays below 2^32 / 1.11 and ns/cycle is right to 1e-9
    const f = tscMultShift(2_596_140_000);
    expect(f.mult * 1.11).toBeLessThan(2 ** 32);
    expect(Math.abs((f.mult / 2 ** f.shift) * 2.59614 - 1)).toBeLessThan(1e-6);
  });
});

/** A VvarMemory that logs writes (offset, value) in order. */
function logged(bytes: Uint8Array): { mem: VvarMemory; log: [number, number][] } {
  const inner = vvarMemory(bytes);
  const log: [number, number][] = [];
  return { mem: { read32: inner.read32, write32: (o, v) => { log.push([o, v >>> 0]); inner.write32(o, v); } }, log };
}

const u32 = (b: Uint8Array, o: number): number => new DataView(b.buffer).getUint32(o, true);
const u64 = (b: Uint8Array, o: number): bigint => new DataView(b.buffer).getBigUint64(o, true);

describe('VvarWriter', () => {
  const page = new Uint8Array(PAGE_SIZE);
  const { mem, log } = logged(page);
  const w = new VvarWriter(mem);
  w.update({
    cycleLast: 0x1122334455667788n,
    mult: 0x400000, shift: 23,
    realtime: { sec: 1_700_000_000, nsec: 123_456_789 },
    monotonic: { sec: 100, nsec: 1_500_000_000 }, // normalized: 101 s + 0.5 s
    boottime: { sec: 200, nsec: 0 },
    tai: { sec: 1_700_000_037, snsec: 5n },       // already shifted
    raw: { sec: 90, nsec: -1 },                    // normalized: 89 s + 999999999
    hrtimerRes: 1,
  });
  w.setTimezone(-60, 1);

  it('writes seq odd in both records first, and even in both last', () => {
    expect(log.slice(0, 2)).toEqual([[0, 1], [240, 1]]);
    expect(log.slice(-4, -2)).toEqual([[0, 2], [240, 2]]); // (the last two are the tz, outside the seqlock)
    expect(log.slice(-2)).toEqual([[224, (-60) >>> 0], [228, 1]]);
    expect([u32(page, 0), u32(page, 240)]).toEqual([2, 2]);
  });

  it('encodes every field as hand-computed', () => {
    for (const r of [0, 240]) {
      expect(u32(page, r + 4), 'clock_mode TSC').toBe(1);
      expect(u64(page, r + 8)).toBe(0x1122334455667788n);
      expect(u64(page, r + 16)).toBe(0xffffffffffffffffn);
      expect([u32(page, r + 24), u32(page, r + 28)]).toEqual([0x400000, 23]);
    }
    const bt = (r: number, clk: number): [bigint, bigint] => [u64(page, r + 32 + 16 * clk), u64(page, r + 40 + 16 * clk)];
    // high resolution: nsec << 23. 123456789 * 8388608 = 123456789 * 8e6 + 123456789 * 388608
    //   = 987654312000000 + 47976295859712 = 1035630607859712
    expect(bt(0, 0)).toEqual([1_700_000_000n, 1_035_630_607_859_712n]);
    expect(bt(0, 1)).toEqual([101n, 500_000_000n * 8_388_608n]);
    expect(bt(0, 7)).toEqual([200n, 0n]);
    expect(bt(0, 11)).toEqual([1_700_000_037n, 5n]);
    // coarse: plain ns (defaults: realtime/monotonic truncated to ns)
    expect(bt(0, 5)).toEqual([1_700_000_000n, 123_456_789n]);
    expect(bt(0, 6)).toEqual([101n, 500_000_000n]);
    // raw in record 1, shifted
    expect(bt(240, 4)).toEqual([89n, 999_999_999n * 8_388_608n]);
    // nothing else in basetime
    for (const clk of [2, 3, 4, 8, 9, 10]) expect(bt(0, clk)).toEqual([0n, 0n]);
    for (const clk of [0, 1, 5, 6, 7, 11]) expect(bt(240, clk)).toEqual([0n, 0n]);
    expect(u32(page, 232)).toBe(1);
    expect(new DataView(page.buffer).getInt32(224, true)).toBe(-60);
    expect(u32(page, 228)).toBe(1);
    expect(page.subarray(480).every((b) => b === 0)).toBe(true);
  });

  it('decodes what it wrote, and models the reader', () => {
    const s = readVvar(mem);
    expect(s.records[0].seq).toBe(2);
    expect(s.tzMinuteswest).toBe(-60);
    // 2e9 cycles after cycle_last: one more second
    expect(vdsoClockGettime(s, 0, 0x1122334455667788n + 2_000_000_000n)).toEqual({ sec: 1_700_000_001n, nsec: 123_456_789n });
    expect(vdsoClockGettime(s, 0, 0x1122334455667788n - 5n)).toEqual({ sec: 1_700_000_000n, nsec: 123_456_789n });
    expect(vdsoClockGettime(s, 0, 1n << 63n)).toBeNull();
    expect(vdsoClockGettime(s, 2, 0n)).toBeNull();
    expect(vdsoClockGettime(s, 16, 0n)).toBeNull();
    expect(vdsoClockGettime(s, 5, 0n)).toEqual({ sec: 1_700_000_000n, nsec: 123_456_789n });
    expect([vdsoClockGetres(s, 0), vdsoClockGetres(s, 4), vdsoClockGetres(s, 6), vdsoClockGetres(s, 2)]).toEqual([1, 1, LOW_RES_NSEC, null]);
  });

  it('a second update moves seq to 4; begin/end alone make it odd/even', () => {
    const p = page.slice();
    const w2 = new VvarWriter(vvarMemory(p));
    w2.begin();
    expect([u32(p, 0), u32(p, 240)]).toEqual([3, 3]);
    w2.end();
    expect([u32(p, 0), u32(p, 240)]).toEqual([4, 4]);
  });

  it('rejects bad input', () => {
    const w3 = new VvarWriter(vvarMemory(new Uint8Array(PAGE_SIZE)));
    const base = { cycleLast: 0, mult: 1, shift: 0, realtime: { sec: 0, nsec: 0 }, monotonic: { sec: 0, nsec: 0 }, raw: { sec: 0, nsec: 0 } };
    expect(() => w3.update({ ...base, mult: 2 ** 32 })).toThrow(RangeError);
    expect(() => w3.update({ ...base, shift: 64 })).toThrow(RangeError);
    expect(() => w3.setTimezone(2 ** 31, 0)).toThrow(RangeError);
  });
});
