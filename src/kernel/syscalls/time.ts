import { EFAULT, EINVAL } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { HIGH_RES_NSEC, LOW_RES_NSEC } from '../../vdso/vvar-layout.js';

/** Clock ids (include/uapi/linux/time.h). */
const CLOCK_PROCESS_CPUTIME_ID = 2;
const CLOCK_THREAD_CPUTIME_ID = 3;
const CLOCK_REALTIME_COARSE = 5;
const CLOCK_MONOTONIC_COARSE = 6;
const CLOCK_REALTIME_ALARM = 8;
const CLOCK_BOOTTIME_ALARM = 9;
const CLOCK_REALTIME = 0;

/** Reads a clock the way the kernel's posix-timers do; null for an invalid id (-EINVAL). */
function readClock(k: Kernel, clock: number): { sec: number; nsec: number } | null {
  if (clock === CLOCK_PROCESS_CPUTIME_ID || clock === CLOCK_THREAD_CPUTIME_ID) return k.time.cpuTime();
  if (clock === CLOCK_REALTIME_ALARM) return k.time.clockGettime(CLOCK_REALTIME);
  if (clock === CLOCK_BOOTTIME_ALARM) return k.time.clockGettime(7);
  return k.time.clockGettime(clock);
}

/** A timespec in one of the two layouts: {s64, s64} (16 bytes) or the compat {s32, s32} (8 bytes). */
function putTimespec(k: Kernel, addr: number, t: { sec: number; nsec: number }, wide: boolean): boolean {
  const v = k.user.staging;
  if (wide) {
    v.setInt32(0, t.sec | 0, true);
    v.setInt32(4, Math.floor(t.sec / 4294967296), true);
    v.setInt32(8, t.nsec, true);
    v.setInt32(12, 0, true); // the upper half of tv_nsec (a long; 0 .. 999,999,999)
  } else {
    v.setInt32(0, t.sec | 0, true);
    v.setInt32(4, t.nsec, true);
  }
  return k.user.writeStaged(addr, wide ? 16 : 8);
}

function clockGettime(k: Kernel, a: number[], wide: boolean): number {
  const t = readClock(k, a[0] | 0);
  if (!t) return -EINVAL;
  return putTimespec(k, a[1], t, wide) ? 0 : -EFAULT;
}

/** clock_gettime(clk, ts) with a 64-bit timespec: x86-64 #228, ia32 clock_gettime64 #403. */
export function sysClockGettime(k: Kernel, a: number[]): number {
  return clockGettime(k, a, true);
}

/** ia32 clock_gettime #265: struct old_timespec32. */
export function sysClockGettime32(k: Kernel, a: number[]): number {
  return clockGettime(k, a, false);
}

function clockGetres(k: Kernel, a: number[], wide: boolean): number {
  const clock = a[0] | 0;
  if (!readClock(k, clock)) return -EINVAL;
  const coarse = clock === CLOCK_REALTIME_COARSE || clock === CLOCK_MONOTONIC_COARSE;
  if (a[1] === 0) return 0;
  return putTimespec(k, a[1], { sec: 0, nsec: coarse ? LOW_RES_NSEC : HIGH_RES_NSEC }, wide) ? 0 : -EFAULT;
}

/** clock_getres: x86-64 #229, ia32 clock_getres_time64 #406. */
export function sysClockGetres(k: Kernel, a: number[]): number {
  return clockGetres(k, a, true);
}

/** ia32 clock_getres #266. */
export function sysClockGetres32(k: Kernel, a: number[]): number {
  return clockGetres(k, a, false);
}

function gettimeofday(k: Kernel, a: number[], wide: boolean): number {
  if (a[0] !== 0) {
    const t = readClock(k, CLOCK_REALTIME)!;
    if (!putTimespec(k, a[0], { sec: t.sec, nsec: Math.floor(t.nsec / 1000) }, wide)) return -EFAULT;
  }
  // struct timezone {int tz_minuteswest; int tz_dsttime;}: UTC.
  if (a[1] !== 0 && !k.user.write(a[1], new Uint8Array(8))) return -EFAULT;
  return 0;
}

/** gettimeofday(tv, tz): x86-64 #96. */
export function sysGettimeofday(k: Kernel, a: number[]): number {
  return gettimeofday(k, a, true);
}

/** ia32 gettimeofday #78: struct old_timeval32. */
export function sysGettimeofday32(k: Kernel, a: number[]): number {
  return gettimeofday(k, a, false);
}

/** time(tloc): x86-64 #201 (64-bit time_t). */
export function sysTime(k: Kernel, a: number[]): number {
  const sec = readClock(k, CLOCK_REALTIME)!.sec;
  if (a[0] !== 0 && !k.user.writeU64(a[0], sec)) return -EFAULT;
  return sec;
}

/** ia32 time #13: a 32-bit time_t. */
export function sysTime32(k: Kernel, a: number[]): number {
  const sec = readClock(k, CLOCK_REALTIME)!.sec;
  if (a[0] !== 0 && !k.user.writeU32(a[0], sec)) return -EFAULT;
  return sec | 0;
}

/** getcpu(cpu, node, cache): one CPU, node 0 (as TSC_AUX and the CPUNODE segment say). */
export function sysGetcpu(k: Kernel, a: number[]): number {
  if (a[0] !== 0 && !k.user.writeU32(a[0], k.cpu.tscAux & 0xfff)) return -EFAULT;
  if (a[1] !== 0 && !k.user.writeU32(a[1], k.cpu.tscAux >>> 12)) return -EFAULT;
  return 0;
}
