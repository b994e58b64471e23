/**
 * The kernel's side of the vvar protocol (Linux `update_vsyscall`, LINUX-ABI.md §3.2), and
 * a TypeScript model of the vDSO's reader (§3.3) for the kernel's own clock syscalls,
 * the debugger and the tests.
 *
 * Every offset comes from vvar-layout.ts. The writer runs on timekeeping updates, never per
 * guest instruction, so it uses BigInt for the 64-bit fields.
 *
 *   const w = new VvarWriter(vvarMemory(timePageBytes));
 *   const { mult, shift } = tscMultShift(cpu.tscHz);
 *   w.update({ cycleLast: tsc, mult, shift, realtime: {sec, nsec}, monotonic: {sec, nsec}, raw: {sec, nsec} });
 *   w.setTimezone(minuteswest, dsttime);   // settimeofday(NULL, tz)
 */

import {
  CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME,
  CLOCK_REALTIME_COARSE, CLOCK_TAI, CS_BASES, CS_HRES_COARSE, CS_RAW, HIGH_RES_NSEC, MAX_CLOCKS,
  NSEC_PER_SEC, VD_BASETIME, VD_CLOCK_MODE, VD_CYCLE_LAST, VD_HRTIMER_RES, VD_MASK, VD_MULT,
  VD_RECORD_SIZE, VD_SEQ, VD_SHIFT, VD_TS_NSEC, VD_TS_SEC, VD_TS_SIZE, VD_TZ_DSTTIME,
  VD_TZ_MINUTESWEST, VDSO_BASES, VDSO_CLOCKMODE_TSC, VDSO_COARSE, VDSO_HRES,
  VDSO_RAW, LOW_RES_NSEC,
} from './vvar-layout.js';

/** 32-bit little-endian access to the time data; offsets are from the start of `struct vdso_time_data`. */
export interface VvarMemory {
  read32(offset: number): number;
  write32(offset: number, value: number): void;
}

/** A VvarMemory over a byte buffer (e.g. the frame of the time page), time data at `base`. */
export function vvarMemory(buf: Uint8Array | DataView, base = 0): VvarMemory {
  const dv = buf instanceof DataView ? buf : new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    read32: (o) => dv.getUint32(base + o, true),
    write32: (o, v) => dv.setUint32(base + o, v >>> 0, true),
  };
}

const U64 = (1n << 64n) - 1n;
const NSEC = BigInt(NSEC_PER_SEC);

function write64(m: VvarMemory, o: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  m.write32(o, Number(u & 0xffffffffn));
  m.write32(o + 4, Number(u >> 32n));
}

function read64(m: VvarMemory, o: number): bigint {
  return BigInt(m.read32(o)) | (BigInt(m.read32(o + 4)) << 32n);
}

/**
 * A time value for one clock id. `nsec` is plain nanoseconds; a caller that keeps
 * sub-nanosecond time like the kernel's timekeeper (`xtime_nsec`, nanoseconds << shift)
 * may give `snsec` instead, for the high-resolution entries. Values are normalized
 * (nsec >= 1e9 carries into sec).
 */
export type VvarTime =
  | { sec: number | bigint; nsec: number | bigint; snsec?: undefined }
  | { sec: number | bigint; snsec: bigint; nsec?: undefined };

export interface VvarUpdate {
  /** TSC value the base times below correspond to. */
  cycleLast: number | bigint;
  /** From `tscMultShift(hz)`. */
  mult: number;
  shift: number;
  /** Default VDSO_CLOCKMODE_TSC. VDSO_CLOCKMODE_NONE sends every counter-based read to the syscall. */
  clockMode?: number;
  /** Default all ones (a 64-bit TSC). */
  mask?: bigint;
  realtime: VvarTime;
  monotonic: VvarTime;
  /** Default: `monotonic` (nothing was suspended). */
  boottime?: VvarTime;
  /** Default: `realtime` (tai_offset 0, as on a Linux boot before NTP sets it). */
  tai?: VvarTime;
  /** CLOCK_MONOTONIC_RAW at cycleLast. */
  raw: VvarTime;
  /** Record 1's counter parameters (tkr_raw); default the same as mult/shift. */
  rawMult?: number;
  rawShift?: number;
  /** The coarse clocks (plain ns). Default: realtime/monotonic truncated to ns, as the kernel does. */
  realtimeCoarse?: VvarTime;
  monotonicCoarse?: VvarTime;
  /** Default HIGH_RES_NSEC (1 ns: high-resolution timers). */
  hrtimerRes?: number;
}

function checkU32(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`vvar: ${what} must be a u32, got ${v}`);
}

/** (sec, shifted nsec) normalized so that 0 <= snsec < 1e9 << shift. */
function normalize(t: VvarTime, shift: number, shifted: boolean): { sec: bigint; nsec: bigint } {
  let sec = BigInt(t.sec);
  let ns: bigint;
  const unit = shifted ? NSEC << BigInt(shift) : NSEC;
  if (t.snsec !== undefined) {
    ns = shifted ? t.snsec : t.snsec >> BigInt(shift);
  } else {
    const n = BigInt(t.nsec);
    ns = shifted ? n << BigInt(shift) : n;
  }
  // floor division, so that negative nsec borrows from sec
  let carry = ns / unit;
  if (ns % unit < 0n) carry -= 1n;
  sec += carry;
  ns -= carry * unit;
  return { sec, nsec: ns };
}

/**
 * Writes the time data with Linux's protocol: seq of both records + 1 (odd), every field,
 * seq + 1 (even). The guest cannot run while the kernel writes, so the protocol is not
 * needed for atomicity here; it is followed so that the data always looks like Linux's and
 * a reader that catches an odd seq (a debugger, a second CPU one day) does the right thing.
 */
export class VvarWriter {
  constructor(readonly mem: VvarMemory) {}

  private rec(record: number, field: number): number {
    return record * VD_RECORD_SIZE + field;
  }

  /** vdso_write_begin: every record's seq becomes odd. */
  begin(): void {
    for (let r = 0; r < CS_BASES; r++) {
      const o = this.rec(r, VD_SEQ);
      this.mem.write32(o, (this.mem.read32(o) + 1) >>> 0);
    }
  }

  /** vdso_write_end: every record's seq becomes even again. */
  end(): void {
    this.begin();
  }

  /** update_vsyscall(). */
  update(u: VvarUpdate): void {
    checkU32('mult', u.mult);
    checkU32('shift', u.shift);
    if (u.shift > 63) throw new RangeError(`vvar: shift ${u.shift} > 63`);
    const rawMult = u.rawMult ?? u.mult;
    const rawShift = u.rawShift ?? u.shift;
    checkU32('rawMult', rawMult);
    checkU32('rawShift', rawShift);
    const clockMode = u.clockMode ?? VDSO_CLOCKMODE_TSC;
    if (!Number.isInteger(clockMode)) throw new RangeError(`vvar: bad clock mode ${clockMode}`);
    const hrtimerRes = u.hrtimerRes ?? HIGH_RES_NSEC;
    checkU32('hrtimerRes', hrtimerRes);
    const mask = u.mask ?? U64;
    const cycleLast = BigInt(u.cycleLast);

    const m = this.mem;
    const ts = (record: number, clk: number, t: { sec: bigint; nsec: bigint }): void => {
      const o = this.rec(record, VD_BASETIME + clk * VD_TS_SIZE);
      write64(m, o + VD_TS_SEC, t.sec);
      write64(m, o + VD_TS_NSEC, t.nsec);
    };

    this.begin();
    for (const [r, mult, shift] of [[CS_HRES_COARSE, u.mult, u.shift], [CS_RAW, rawMult, rawShift]] as const) {
      m.write32(this.rec(r, VD_CLOCK_MODE), clockMode);
      write64(m, this.rec(r, VD_CYCLE_LAST), cycleLast);
      write64(m, this.rec(r, VD_MASK), mask);
      m.write32(this.rec(r, VD_MULT), mult);
      m.write32(this.rec(r, VD_SHIFT), shift);
    }
    // coarse entries: plain ns
    ts(CS_HRES_COARSE, CLOCK_REALTIME_COARSE, normalize(u.realtimeCoarse ?? u.realtime, u.shift, false));
    ts(CS_HRES_COARSE, CLOCK_MONOTONIC_COARSE, normalize(u.monotonicCoarse ?? u.monotonic, u.shift, false));
    // high-resolution entries: ns << shift
    ts(CS_HRES_COARSE, CLOCK_REALTIME, normalize(u.realtime, u.shift, true));
    ts(CS_HRES_COARSE, CLOCK_MONOTONIC, normalize(u.monotonic, u.shift, true));
    ts(CS_HRES_COARSE, CLOCK_BOOTTIME, normalize(u.boottime ?? u.monotonic, u.shift, true));
    ts(CS_HRES_COARSE, CLOCK_TAI, normalize(u.tai ?? u.realtime, u.shift, true));
    ts(CS_RAW, CLOCK_MONOTONIC_RAW, normalize(u.raw, rawShift, true));
    m.write32(this.rec(CS_HRES_COARSE, VD_HRTIMER_RES), hrtimerRes);
    this.end();
  }

  /** update_vsyscall_tz(): settimeofday's timezone, written without the seqlock (as Linux does). */
  setTimezone(minuteswest: number, dsttime: number): void {
    for (const [what, v] of [['minuteswest', minuteswest], ['dsttime', dsttime]] as const) {
      if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`vvar: tz ${what} must be an s32, got ${v}`);
    }
    this.mem.write32(this.rec(CS_HRES_COARSE, VD_TZ_MINUTESWEST), minuteswest >>> 0);
    this.mem.write32(this.rec(CS_HRES_COARSE, VD_TZ_DSTTIME), dsttime >>> 0);
  }
}

// ---- reading ---------------------------------------------------------------------------------

export interface VvarRecordSnapshot {
  seq: number;
  clockMode: number;
  cycleLast: bigint;
  mask: bigint;
  mult: number;
  shift: number;
  /** basetime[clk] as stored (hres entries: nsec << shift). */
  basetime: { sec: bigint; nsec: bigint }[];
}

export interface VvarSnapshot {
  records: [VvarRecordSnapshot, VvarRecordSnapshot];
  tzMinuteswest: number;
  tzDsttime: number;
  hrtimerRes: number;
}

/** Decodes the time data (both records). */
export function readVvar(m: VvarMemory): VvarSnapshot {
  const rec = (r: number): VvarRecordSnapshot => {
    const o = r * VD_RECORD_SIZE;
    const basetime = [];
    for (let c = 0; c < VDSO_BASES; c++) {
      const b = o + VD_BASETIME + c * VD_TS_SIZE;
      basetime.push({ sec: read64(m, b + VD_TS_SEC), nsec: read64(m, b + VD_TS_NSEC) });
    }
    return {
      seq: m.read32(o + VD_SEQ),
      clockMode: m.read32(o + VD_CLOCK_MODE) | 0,
      cycleLast: read64(m, o + VD_CYCLE_LAST),
      mask: read64(m, o + VD_MASK),
      mult: m.read32(o + VD_MULT),
      shift: m.read32(o + VD_SHIFT),
      basetime,
    };
  };
  return {
    records: [rec(CS_HRES_COARSE), rec(CS_RAW)],
    tzMinuteswest: m.read32(VD_TZ_MINUTESWEST) | 0,
    tzDsttime: m.read32(VD_TZ_DSTTIME) | 0,
    hrtimerRes: m.read32(VD_HRTIMER_RES),
  };
}

/**
 * What the vDSO's clock_gettime computes from this data at counter value `tsc`
 * (do_hres / do_coarse, with the 128-bit product the assembly uses): { sec, nsec }, or
 * null where the vDSO would make the syscall (ids outside the vDSO classes, clock mode
 * NONE or not TSC, a counter with bit 63 set). sec is signed 64-bit.
 * The kernel's clock_gettime syscall can use it too, so both paths agree to the nanosecond.
 */
export function vdsoClockGettime(s: VvarSnapshot, clk: number, tsc: bigint): { sec: bigint; nsec: bigint } | null {
  if (!Number.isInteger(clk) || clk < 0 || clk >= MAX_CLOCKS) return null;
  const msk = 1 << clk;
  if (msk & VDSO_COARSE) {
    const b = s.records[CS_HRES_COARSE].basetime[clk]!;
    return { sec: BigInt.asIntN(64, b.sec), nsec: b.nsec };
  }
  const r = msk & VDSO_HRES ? s.records[CS_HRES_COARSE] : msk & VDSO_RAW ? s.records[CS_RAW] : null;
  if (!r) return null;
  if (r.clockMode !== VDSO_CLOCKMODE_TSC) return null;
  const cycles = BigInt.asUintN(64, tsc);
  if (cycles >> 63n) return null;
  const delta = cycles > r.cycleLast ? cycles - r.cycleLast : 0n;
  const b = r.basetime[clk]!;
  const ns = ((delta * BigInt(r.mult) + b.nsec) >> BigInt(r.shift)) & U64;
  return { sec: BigInt.asIntN(64, b.sec + ns / NSEC), nsec: ns % NSEC };
}

/** What the vDSO's clock_getres returns: the resolution in ns, or null for the syscall. */
export function vdsoClockGetres(s: VvarSnapshot, clk: number): number | null {
  if (!Number.isInteger(clk) || clk < 0 || clk >= MAX_CLOCKS) return null;
  const msk = 1 << clk;
  if (msk & (VDSO_HRES | VDSO_RAW)) return s.hrtimerRes;
  if (msk & VDSO_COARSE) return LOW_RES_NSEC;
  return null;
}
