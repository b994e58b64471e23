/**
 * The vvar data area: its pages, and the layout of the time data the kernel's timekeeper
 * writes and the vDSO code reads. Defined once, here, and used by both sides:
 *
 *  - the kernel (TypeScript) writes it through `VvarWriter` (vvar-writer.ts), which takes
 *    every offset from this file;
 *  - the vDSO (assembly text, vdso64.ts) names the same offsets as symbols: `vvarAsmSymbols()`
 *    is passed to the assembler as `symbols`, and the source contains no numeric offset.
 *
 * Model: Linux 6.15+, the generic vDSO data store (LINUX-ABI.md §2 and §3.1).
 *
 *   address (relative to the vDSO image base = AT_SYSINFO_EHDR)
 *   -0x6000  [vvar]        page 0  time data: struct vdso_time_data[2] at offset 0
 *   -0x5000                page 1  time-namespace data (not backed: no time namespaces)
 *   -0x4000                page 2  vdso_rng_data (not backed: no __vdso_getrandom)
 *   -0x3000                page 3  arch data (not backed: x86 has none)
 *   -0x2000  [vvar_vclock] page 4  pvclock page (not backed: no paravirt clock)
 *   -0x1000                page 5  Hyper-V TSC page (not backed)
 *    0x0000  [vdso]        the ELF image (AT_SYSINFO_EHDR)
 *
 * All six data pages are reserved directly below the image exactly as Linux 6.15+ does
 * (`[vvar]` 4 pages, `[vvar_vclock]` 2 pages, both read-only). Only page 0 carries data;
 * on Linux an access to a page that is not backed raises SIGBUS, and the vDSO never touches
 * one. The kernel is free to leave them without a frame (`backed: false` below).
 *
 * The time data is the 6.15 form of `struct vdso_time_data` (formerly `struct vdso_data`):
 * an array of CS_BASES = 2 records of 240 bytes at offset 0 of page 0 (up to 6.14, x86 put
 * it at offset 128 of the vvar page; from 6.16 the per-clocksource part became
 * `struct vdso_clock`, with the same semantics). Record 0 (CS_HRES_COARSE) serves the
 * high-resolution and coarse clocks and holds the timezone and `hrtimer_res`; record 1
 * (CS_RAW) serves CLOCK_MONOTONIC_RAW. There is no `max_cycles` field (no
 * CONFIG_GENERIC_VDSO_OVERFLOW_PROTECT): the vDSO multiplies with a 128-bit product, so a
 * large delta cannot overflow. This layout is private between our kernel and our vDSO, as
 * it is on Linux: user space must never rely on it.
 *
 *   off  size  field             meaning
 *     0  u32   seq               seqlock counter: odd while the kernel writes
 *     4  s32   clock_mode        VDSO_CLOCKMODE_*: NONE makes the vDSO use the syscall
 *     8  u64   cycle_last        TSC value at the last update
 *    16  u64   mask              counter mask (all ones for the TSC)
 *    24  u32   mult              ns = (cycles * mult) >> shift
 *    28  u32   shift
 *    32  16*12 basetime[clk]     {u64 sec, u64 nsec} per clock id; high-resolution ids hold
 *                                nsec << shift, coarse ids hold plain nsec
 *   224  s32   tz_minuteswest    (record 0 only)
 *   228  s32   tz_dsttime        (record 0 only)
 *   232  u32   hrtimer_res       clock_getres() of the high-resolution clocks, ns (record 0)
 *   236  u32   __unused
 */

export const PAGE_SIZE = 4096;

// ---- pages of the data area --------------------------------------------------------------

/** Page numbers within the data area (Linux 6.15+ `VDSO_*_PAGE_OFFSET`). */
export const VDSO_TIME_PAGE = 0;
export const VDSO_TIMENS_PAGE = 1;
export const VDSO_RNG_PAGE = 2;
export const VDSO_ARCH_PAGE = 3;
export const VDSO_PVCLOCK_PAGE = 4;
export const VDSO_HVCLOCK_PAGE = 5;

/** `[vvar]`: time data, timens, rng, arch. */
export const VVAR_PAGES = 4;
/** `[vvar_vclock]`: pvclock, hvclock. */
export const VVAR_VCLOCK_PAGES = 2;
/** All data pages (`__VDSO_PAGES`). */
export const VDSO_DATA_PAGES = VVAR_PAGES + VVAR_VCLOCK_PAGES;

export const VVAR_SIZE = VVAR_PAGES * PAGE_SIZE;                 // 0x4000
export const VVAR_VCLOCK_SIZE = VVAR_VCLOCK_PAGES * PAGE_SIZE;   // 0x2000
export const VDSO_DATA_SIZE = VDSO_DATA_PAGES * PAGE_SIZE;       // 0x6000

/**
 * Start of the data area relative to the vDSO image base (negative: it lies below). The
 * kernel reserves `VDSO_DATA_SIZE + image.size` and puts the image at `start + VDSO_DATA_SIZE`
 * (Linux's `map_vdso`); `[vvar]` starts at `base + VDSO_DATA_START`, `[vvar_vclock]` at
 * `base + VVAR_VCLOCK_START`.
 */
export const VDSO_DATA_START = -VDSO_DATA_SIZE;                  // -0x6000
export const VVAR_START = VDSO_DATA_START;                       // -0x6000
export const VVAR_VCLOCK_START = VDSO_DATA_START + VVAR_SIZE;    // -0x2000

/** Offset of `struct vdso_time_data` within its page (0 from 6.15 on). */
export const VDSO_TIME_DATA_PAGE_OFFSET = 0;
/** Address of the time data relative to the vDSO image base. */
export const VVAR_TIME_DATA = VDSO_DATA_START + VDSO_TIME_PAGE * PAGE_SIZE + VDSO_TIME_DATA_PAGE_OFFSET; // -0x6000

export interface VdsoDataPage {
  /** Page number within the data area. */
  index: number;
  name: string;
  /** The mapping it belongs to, as named in /proc/self/maps. */
  mapping: '[vvar]' | '[vvar_vclock]';
  /** Offset relative to the vDSO image base (negative). */
  offset: number;
  /** Whether our kernel puts data there. On Linux an unbacked page raises SIGBUS when read. */
  backed: boolean;
}

export const VDSO_DATA_PAGE_LIST: readonly VdsoDataPage[] = [
  { index: VDSO_TIME_PAGE, name: 'time data (struct vdso_time_data[2])', mapping: '[vvar]', backed: true },
  { index: VDSO_TIMENS_PAGE, name: 'time namespace data', mapping: '[vvar]', backed: false },
  { index: VDSO_RNG_PAGE, name: 'vdso_rng_data', mapping: '[vvar]', backed: false },
  { index: VDSO_ARCH_PAGE, name: 'arch data', mapping: '[vvar]', backed: false },
  { index: VDSO_PVCLOCK_PAGE, name: 'pvclock (pvclock_vsyscall_time_info)', mapping: '[vvar_vclock]', backed: false },
  { index: VDSO_HVCLOCK_PAGE, name: 'Hyper-V TSC page', mapping: '[vvar_vclock]', backed: false },
].map((p) => ({ ...p, offset: VDSO_DATA_START + p.index * PAGE_SIZE }) as VdsoDataPage);

/** The two mappings below `[vdso]`, in address order, as the kernel installs them. */
export const VDSO_DATA_MAPPINGS: readonly { name: '[vvar]' | '[vvar_vclock]'; offset: number; size: number }[] = [
  { name: '[vvar]', offset: VVAR_START, size: VVAR_SIZE },
  { name: '[vvar_vclock]', offset: VVAR_VCLOCK_START, size: VVAR_VCLOCK_SIZE },
];

// ---- struct vdso_time_data (one record per clocksource base) ------------------------------

export const VD_SEQ = 0;
export const VD_CLOCK_MODE = 4;
export const VD_CYCLE_LAST = 8;
export const VD_MASK = 16;
export const VD_MULT = 24;
export const VD_SHIFT = 28;
export const VD_BASETIME = 32;
/** `struct vdso_timestamp {u64 sec; u64 nsec;}` */
export const VD_TS_SEC = 0;
export const VD_TS_NSEC = 8;
export const VD_TS_SIZE = 16;
/** Entries of basetime[]: VDSO_BASES = CLOCK_TAI + 1. */
export const VDSO_BASES = 12;
export const VD_TZ_MINUTESWEST = VD_BASETIME + VDSO_BASES * VD_TS_SIZE; // 224
export const VD_TZ_DSTTIME = VD_TZ_MINUTESWEST + 4;                    // 228
export const VD_HRTIMER_RES = VD_TZ_DSTTIME + 4;                       // 232
export const VD_UNUSED = VD_HRTIMER_RES + 4;                           // 236
export const VD_RECORD_SIZE = VD_UNUSED + 4;                           // 240

/** Record indices. */
export const CS_HRES_COARSE = 0;
export const CS_RAW = 1;
export const CS_BASES = 2;
/** Size of the whole time data (both records). */
export const VDSO_TIME_DATA_SIZE = CS_BASES * VD_RECORD_SIZE;          // 480

/** `enum vdso_clock_mode` (x86). */
export const VDSO_CLOCKMODE_NONE = 0;
export const VDSO_CLOCKMODE_TSC = 1;
export const VDSO_CLOCKMODE_PVCLOCK = 2;
export const VDSO_CLOCKMODE_HVCLOCK = 3;
export const VDSO_CLOCKMODE_TIMENS = 0x7fffffff;

// ---- clock ids and their classes -----------------------------------------------------------

export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
export const CLOCK_PROCESS_CPUTIME_ID = 2;
export const CLOCK_THREAD_CPUTIME_ID = 3;
export const CLOCK_MONOTONIC_RAW = 4;
export const CLOCK_REALTIME_COARSE = 5;
export const CLOCK_MONOTONIC_COARSE = 6;
export const CLOCK_BOOTTIME = 7;
export const CLOCK_REALTIME_ALARM = 8;
export const CLOCK_BOOTTIME_ALARM = 9;
export const CLOCK_TAI = 11;
export const MAX_CLOCKS = 16;

/** Clock ids served by the vDSO's high-resolution path (record 0): REALTIME, MONOTONIC, BOOTTIME, TAI. */
export const VDSO_HRES = (1 << CLOCK_REALTIME) | (1 << CLOCK_MONOTONIC) | (1 << CLOCK_BOOTTIME) | (1 << CLOCK_TAI); // 0x883
/** Coarse clocks (record 0, no counter read). */
export const VDSO_COARSE = (1 << CLOCK_REALTIME_COARSE) | (1 << CLOCK_MONOTONIC_COARSE); // 0x60
/** CLOCK_MONOTONIC_RAW (record 1). */
export const VDSO_RAW = 1 << CLOCK_MONOTONIC_RAW; // 0x10

// ---- time constants --------------------------------------------------------------------

export const NSEC_PER_SEC = 1_000_000_000;
export const NSEC_PER_USEC = 1_000;
/**
 * The kernel's tick rate. It fixes TICK_NSEC, the resolution the coarse clocks report: the
 * vDSO's `clock_getres` returns LOW_RES_NSEC for them, and the kernel's clock_getres
 * syscall must return the same (CONFIG_HZ_250 is the common distribution choice).
 */
export const HZ = 250;
export const TICK_NSEC = Math.floor((NSEC_PER_SEC + HZ / 2) / HZ); // 4_000_000
export const LOW_RES_NSEC = TICK_NSEC;
/** hrtimer_res with high-resolution timers (the kernel's clock_getres for HRES/RAW clocks). */
export const HIGH_RES_NSEC = 1;

// ---- getcpu ------------------------------------------------------------------------------

/** GDT entry 15, DPL 3: its segment limit is (node << 12) | cpu (LINUX-ABI.md §3.3, §6). */
export const CPUNODE_SELECTOR = 0x7b;
export const VDSO_CPUNODE_BITS = 12;
export const VDSO_CPUNODE_MASK = 0xfff;

// ---- the one table both sides use ---------------------------------------------------------

export interface VvarField {
  name: string;
  /** Offset within a record (add `record * VD_RECORD_SIZE`). */
  offset: number;
  size: number;
  type: 'u32' | 's32' | 'u64' | 'timestamp[12]';
  what: string;
}

/** The fields of one record, for `x64emu vdso info` and tests. */
export const VVAR_FIELDS: readonly VvarField[] = [
  { name: 'seq', offset: VD_SEQ, size: 4, type: 'u32', what: 'seqlock counter, odd while the kernel writes' },
  { name: 'clock_mode', offset: VD_CLOCK_MODE, size: 4, type: 's32', what: '0 NONE (syscall), 1 TSC' },
  { name: 'cycle_last', offset: VD_CYCLE_LAST, size: 8, type: 'u64', what: 'TSC at the last update' },
  { name: 'mask', offset: VD_MASK, size: 8, type: 'u64', what: 'counter mask' },
  { name: 'mult', offset: VD_MULT, size: 4, type: 'u32', what: 'ns = (delta * mult + basetime.nsec) >> shift' },
  { name: 'shift', offset: VD_SHIFT, size: 4, type: 'u32', what: '' },
  { name: 'basetime', offset: VD_BASETIME, size: VDSO_BASES * VD_TS_SIZE, type: 'timestamp[12]', what: '{sec, nsec} per clock id (hres: nsec << shift)' },
  { name: 'tz_minuteswest', offset: VD_TZ_MINUTESWEST, size: 4, type: 's32', what: 'gettimeofday tz (record 0)' },
  { name: 'tz_dsttime', offset: VD_TZ_DSTTIME, size: 4, type: 's32', what: 'gettimeofday tz (record 0)' },
  { name: 'hrtimer_res', offset: VD_HRTIMER_RES, size: 4, type: 'u32', what: 'clock_getres of hres clocks, ns (record 0)' },
];

/** Offset of basetime[clk] (sec; nsec is +8) within a record. */
export function basetimeOffset(clk: number): number {
  if (!Number.isInteger(clk) || clk < 0 || clk >= VDSO_BASES) throw new RangeError(`vvar: no basetime entry for clock id ${clk}`);
  return VD_BASETIME + clk * VD_TS_SIZE;
}

/** Offset of a field of record `record` from the start of the time data. */
export function vvarRecordOffset(record: number, fieldOffset: number): number {
  if (record !== CS_HRES_COARSE && record !== CS_RAW) throw new RangeError(`vvar: no record ${record}`);
  return record * VD_RECORD_SIZE + fieldOffset;
}

/**
 * The constants the vDSO assembly uses, by the names it uses them. Passed as `symbols` to
 * the assembler together with `VDSO_TEXT_OFFSET`. Every offset and constant of the vvar
 * protocol that appears in the vDSO source comes from here.
 */
export function vvarAsmSymbols(): Record<string, number> {
  return {
    VVAR_TIME_DATA,
    VD_SEQ, VD_CLOCK_MODE, VD_CYCLE_LAST, VD_MASK, VD_MULT, VD_SHIFT, VD_BASETIME,
    VD_TS_SEC, VD_TS_NSEC, VD_TS_SIZE, VD_TZ_MINUTESWEST, VD_TZ_DSTTIME, VD_HRTIMER_RES,
    VD_RECORD_SIZE, CS_HRES_COARSE, CS_RAW,
    VDSO_CLOCKMODE_NONE, VDSO_CLOCKMODE_TSC, VDSO_CLOCKMODE_TIMENS,
    CLOCK_REALTIME, MAX_CLOCKS, VDSO_HRES, VDSO_COARSE, VDSO_RAW,
    NSEC_PER_SEC, NSEC_PER_USEC, LOW_RES_NSEC,
    CPUNODE_SELECTOR, VDSO_CPUNODE_BITS, VDSO_CPUNODE_MASK,
  };
}

// ---- mult/shift the way the kernel chooses them -----------------------------------------------

/**
 * `clocks_calc_mult_shift()` (kernel/time/clocksource.c): the largest shift (<= 32) whose
 * mult = round(to << shift / from) still lets `maxsec` seconds of `from`-Hz cycles be
 * multiplied without overflowing 64 bits.
 */
export function clocksCalcMultShift(from: number, to: number, maxsec: number): { mult: number; shift: number } {
  for (const [what, v] of [['from', from], ['to', to], ['maxsec', maxsec]] as const) {
    if (!Number.isInteger(v) || v <= 0 || v > 0xffffffff) throw new RangeError(`clocksCalcMultShift: ${what} must be a u32 > 0, got ${v}`);
  }
  const F = BigInt(from);
  let tmp = (BigInt(maxsec) * F) >> 32n;
  let sftacc = 32n;
  while (tmp) { tmp >>= 1n; sftacc--; }
  let sft = 32n;
  for (; sft > 0n; sft--) {
    tmp = (BigInt(to) << sft) + F / 2n;
    tmp /= F;
    if ((tmp >> sftacc) === 0n) break;
  }
  return { mult: Number(tmp & 0xffffffffn), shift: Number(sft) };
}

/**
 * `__clocksource_update_freq_scale(cs, scale, freq)` for a counter with a 64-bit mask:
 * maxsec = mask / freq / scale, clamped to 600 s (the counter is wider than 32 bits), then
 * clocks_calc_mult_shift(freq, NSEC_PER_SEC / scale, maxsec * scale), then mult is halved
 * (and shift decremented) while mult ± maxadj (11 %) would overflow a u32.
 */
export function clocksourceMultShift(freq: number, scale: 1 | 1000): { mult: number; shift: number; maxsec: number } {
  if (!Number.isInteger(freq) || freq <= 0 || freq > 0xffffffff) throw new RangeError(`clocksource: bad frequency ${freq}`);
  const mask = (1n << 64n) - 1n;
  let sec = Number(mask / BigInt(freq) / BigInt(scale));
  if (sec === 0) sec = 1;
  else if (sec > 600) sec = 600;
  let { mult, shift } = clocksCalcMultShift(freq, NSEC_PER_SEC / scale, sec * scale);
  const maxadj = (m: number): number => Math.floor((m * 11) / 100);
  while (mult + maxadj(mult) > 0xffffffff || mult - maxadj(mult) < 0) {
    mult >>>= 1;
    shift--;
  }
  return { mult, shift, maxsec: sec };
}

/**
 * mult/shift of a TSC of `hz` Hz, chosen as Linux chooses them for its TSC clocksource:
 * `clocksource_register_khz(&clocksource_tsc, tsc_khz)`, i.e. freq = tsc_khz = hz / 1000 at
 * scale 1000. For the CPU model's 2 GHz TSC (INTEL_MODEL.tscHz) this gives
 * mult = 0x400000 = 2^22 and shift = 23, so ns = delta * 2^22 >> 23 = delta / 2, exactly:
 * maxsec 600 -> 600000 * 2000000 >> 32 = 279 (9 bits) leaves 23 bits for mult, and
 * round(10^6 << 23 / 2*10^6) = 2^22 is the first mult below 2^23.
 */
export function tscMultShift(hz: number): { mult: number; shift: number; maxsec: number } {
  if (!Number.isInteger(hz) || hz < 1000 || hz / 1000 > 0xffffffff) throw new RangeError(`tscMultShift: bad frequency ${hz}`);
  return clocksourceMultShift(Math.floor(hz / 1000), 1000);
}
