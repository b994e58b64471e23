import type { Cpu, TscSource } from '../cpu/cpu.js';
import { tscMultShift } from '../vdso/vvar-layout.js';
import { readVvar, vdsoClockGettime, VvarMemory, VvarWriter } from '../vdso/vvar-writer.js';
import type { Host } from './host.js';

const NSEC = 1_000_000_000n;
const TWO_POW_32 = 4294967296;

export type ClockSource = 'host' | 'virtual';

/**
 * The kernel's timekeeper: owns the emulated TSC and publishes the time into vvar for
 * the vDSO, the way Linux's timekeeping core does (kernel/time/timekeeping.c,
 * update_vsyscall): every clock is a base time at a TSC value `cycle_last`, advanced by
 * (tsc - cycle_last) * mult >> shift. System calls read the clock with the same formula
 * (vdsoClockGettime over the same vvar data), so the trap and the vDSO always agree.
 *
 * The TSC ticks at the CPU model's nominal frequency:
 *  - `host`: from the host's monotonic clock, so guest time follows real time;
 *  - `virtual`: from retired instructions (one instruction = one nanosecond), so two
 *    runs of a program see identical times. Wall time then starts at `epochNs`.
 */
export class Timekeeper implements TscSource {
  readonly mult: number;
  readonly shift: number;
  private readonly writer: VvarWriter;
  private readonly hostMonotonicAtBoot: number;
  private cycleLast = 0n;
  /** Clock values at cycleLast in nanoseconds << shift (Linux's xtime_nsec style). */
  private realtimeSnsec: bigint;
  private monotonicSnsec: bigint;
  private rawSnsec: bigint;

  constructor(
    private readonly host: Host,
    private readonly cpu: Cpu,
    readonly source: ClockSource,
    private readonly vvar: VvarMemory,
    epochNs?: number,
  ) {
    const hz = cpu.model.tscHz;
    ({ mult: this.mult, shift: this.shift } = tscMultShift(hz));
    this.writer = new VvarWriter(vvar);
    this.hostMonotonicAtBoot = host.monotonicNs();
    const shift = BigInt(this.shift);
    const realtime = source === 'host' ? BigInt(Math.round(host.realtimeNs())) : BigInt(epochNs ?? 946_684_800 * 1e9);
    // CLOCK_MONOTONIC counts from boot: the host's uptime in host mode, 100 s in virtual mode.
    const monotonic = source === 'host' ? BigInt(Math.round(this.hostMonotonicAtBoot)) : 100n * NSEC;
    this.realtimeSnsec = realtime << shift;
    this.monotonicSnsec = monotonic << shift;
    this.rawSnsec = monotonic << shift;
    cpu.tsc = this;
    this.publish();
  }

  /** The emulated TSC now. */
  tscNow(): number {
    if (this.source === 'virtual') return this.cpu.retired * (this.cpu.model.tscHz / 1e9);
    return Math.floor(((this.host.monotonicNs() - this.hostMonotonicAtBoot) * this.cpu.model.tscHz) / 1e9);
  }

  /** RDTSC / RDTSCP. */
  read(cpu: Cpu): void {
    const t = this.tscNow();
    cpu.tscLo = t | 0;
    cpu.tscHi = Math.floor(t / TWO_POW_32) | 0;
  }

  /**
   * A timekeeping tick: accumulate the time since cycle_last and write vvar (seq odd,
   * fields, seq even). Called at boot and periodically, like Linux's tick.
   */
  publish(): void {
    const now = BigInt(this.tscNow());
    const advance = (now - this.cycleLast) * BigInt(this.mult);
    this.cycleLast = now;
    this.realtimeSnsec += advance;
    this.monotonicSnsec += advance;
    this.rawSnsec += advance;
    const split = (snsec: bigint): { sec: bigint; snsec: bigint } => {
      const unit = NSEC << BigInt(this.shift);
      return { sec: snsec / unit, snsec: snsec % unit };
    };
    this.snapshot = null;
    this.writer.update({
      cycleLast: now,
      mult: this.mult,
      shift: this.shift,
      realtime: split(this.realtimeSnsec),
      monotonic: split(this.monotonicSnsec),
      raw: split(this.rawSnsec),
    });
  }

  /** vvar as last published, read back once per tick rather than once per system call. */
  private snapshot: ReturnType<typeof readVvar> | null = null;

  /** clock_gettime for the clocks vvar describes; null for the others (CPU-time clocks, bad ids). */
  clockGettime(clock: number): { sec: number; nsec: number } | null {
    this.snapshot ??= readVvar(this.vvar);
    const r = vdsoClockGettime(this.snapshot, clock, BigInt(this.tscNow()));
    return r ? { sec: Number(r.sec), nsec: Number(r.nsec) } : null;
  }

  /** Time the process has run, for CLOCK_PROCESS_CPUTIME_ID / THREAD_CPUTIME_ID. */
  cpuTime(): { sec: number; nsec: number } {
    const ns = Number(((BigInt(this.tscNow()) * NSEC) / BigInt(this.cpu.model.tscHz)));
    return { sec: Math.floor(ns / 1e9), nsec: ns % 1e9 };
  }
}
