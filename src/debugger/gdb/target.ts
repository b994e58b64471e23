import { VEC_AC, VEC_BP, VEC_DB, VEC_DE, VEC_MF, VEC_PF, VEC_UD, VEC_XM } from '../../cpu/cpu-exception.js';
import { RAX } from '../../cpu/registers.js';
import { PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, STACK_LIMIT, FAULT_FIXED } from '../../kernel/address-space.js';
import { renderAuxv } from '../../kernel/files/procfs.js';
import type { DebugStops, StopEvent } from '../../kernel/kernel.js';
import { PT_REGS_SLOT_OF_GPR, PtRegName } from '../../kernel/pt-regs.js';
import { VSYSCALL_ADDR } from '../../kernel/vsyscall.js';
import { SIGBUS, SIGFPE, SIGILL, SIGINT, SIGKILL, SIGSEGV, SIGTRAP } from '../../kernel/signals.js';
import type { Machine, RunOutcome } from '../../machine.js';
import { ACCESS_READ, ACCESS_WRITE } from '../../mmu/page-walker.js';
import { PF_I, PF_W } from '../../mmu/page-table-entry.js';
import { PAGE_SIZE } from '../../mmu/physical-memory.js';
import { GDB_GPR_TO_ENCODING, GDB_SEG_TO_SELECTOR, REG, REGISTER_BYTES, REGISTER_OFFSETS, REGISTERS } from './registers.js';

const TWO_POW_32 = 4294967296;
const CANONICAL_LIMIT = 2 ** 47;

/** Why the target stopped, in the user's terms (signals are Linux numbers). */
export type StopReason =
  /** SIGTRAP: the initial stop, a finished single-step, or a breakpoint. */
  | { kind: 'trap'; breakpoint?: boolean }
  | { kind: 'syscall-entry'; nr: number }
  | { kind: 'syscall-return'; nr: number }
  /** A signal the program received (an interrupt from gdb, a fatal CPU exception). */
  | { kind: 'signal'; signal: number }
  /** The process is gone: `outcome` says how (exited, signaled, or the machine failed). */
  | { kind: 'ended'; outcome: RunOutcome };

/** RFLAGS bits a debugger may change: the status flags, DF and AC (Linux's FLAG_MASK without TF and RF). */
const USER_FLAGS = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800 | 0x40000;

/** Longest walk through the kernel one user-level step may take before it is an emulator bug. */
const STEP_GUARD = 10_000_000;

/** Marks a page that reads as zeros: in an area, readable, never touched (Linux shows the zero page). */
const ZERO_PAGE = -2;

/**
 * The emulated machine as gdb sees a Linux process: only the user's view. When a stop
 * leaves the CPU inside the kernel (a system call stop is taken in the entry stub, at
 * CPL 0), the user's registers are the pt_regs frame the stub saved, and writes go
 * there; memory is read and written through the user's page tables with user
 * permissions, faulting nothing into the guest.
 */
export class MachineTarget {
  /** gdb's software breakpoints (also inserted in the interpreter). */
  private readonly breakpoints = new Set<number>();
  /** Caught system call numbers: null = none, 'all' = every one. */
  private catching: Set<number> | 'all' | null = null;
  /** The kernel stop the machine is in, while it is inside the kernel. */
  private stopEvent: StopEvent | null = null;
  private readonly savedStops: DebugStops | null;
  private readonly stops: DebugStops;

  constructor(readonly machine: Machine) {
    this.savedStops = machine.kernel.debugStops;
    this.stops = {
      syscallEntry: (_path, nr) => this.catches(nr),
      syscallExit: (_path, nr) => this.catches(nr),
      exception: (vector, _rip, errorCode) => this.isFatal(vector, errorCode),
    };
    machine.kernel.debugStops = this.stops;
  }

  /** The thread (and process) id gdb sees. */
  get threadId(): number {
    return this.machine.kernel.process.pid;
  }

  /** True once the process has ended (or was killed). */
  get ended(): boolean {
    return this.machine.kernel.process.exit !== null;
  }

  /** Gives the machine back: breakpoints out, the previous debug hooks in. */
  release(): void {
    for (const a of this.breakpoints) this.machine.interp.removeBreakpoint(a);
    this.breakpoints.clear();
    if (this.machine.kernel.debugStops === this.stops) this.machine.kernel.debugStops = this.savedStops;
  }

  // ---- registers --------------------------------------------------------------------

  /** The user's registers live in the kernel's pt_regs frame (a stop inside the kernel). */
  private get inKernel(): boolean {
    return this.machine.cpu.cpl !== 3;
  }

  /** Where the user's GS base is while the CPU is in the kernel: SWAPGS moved it for a `syscall` entry. */
  private get gsBaseSwapped(): boolean {
    const e = this.stopEvent;
    return this.inKernel && e !== null && e.kind !== 'exception' && e.path === 'syscall';
  }

  readRegisters(): Uint8Array {
    const out = new Uint8Array(REGISTER_BYTES);
    for (const r of REGISTERS) out.set(this.readRegister(r.regnum)!, REGISTER_OFFSETS[r.regnum]);
    return out;
  }

  /** Writes the whole file (a `G` packet); false if the size is wrong. */
  writeRegisters(bytes: Uint8Array): boolean {
    if (bytes.length !== REGISTER_BYTES) return false;
    for (const r of REGISTERS) this.writeRegister(r.regnum, bytes.subarray(REGISTER_OFFSETS[r.regnum], REGISTER_OFFSETS[r.regnum] + r.size));
    return true;
  }

  /** One register's bytes, little-endian; null for an unknown number. */
  readRegister(regnum: number): Uint8Array | null {
    const info = REGISTERS[regnum];
    if (!info) return null;
    const { cpu, kernel } = this.machine;
    const f = kernel.frame;
    const out = new Uint8Array(info.size);
    const v = new DataView(out.buffer);
    const put64 = (lo: number, hi: number): Uint8Array => {
      v.setInt32(0, lo, true);
      v.setInt32(4, hi, true);
      return out;
    };
    const putNumber = (n: number): Uint8Array => put64(n | 0, Math.floor(n / TWO_POW_32) | 0);
    const slot = (name: PtRegName): number => f.slot(name);
    if (regnum < 16) {
      const enc = GDB_GPR_TO_ENCODING[regnum];
      if (this.inKernel) {
        const s = PT_REGS_SLOT_OF_GPR[enc];
        return put64(f.lo[s], f.hi[s]);
      }
      return put64(cpu.lo[enc], cpu.hi[enc]);
    }
    switch (regnum) {
      case REG.rip:
        return this.inKernel ? put64(f.lo[slot('rip')], f.hi[slot('rip')]) : putNumber(cpu.rip);
      case REG.eflags:
        v.setInt32(0, this.inKernel ? f.lo[slot('eflags')] : cpu.getRflags(), true);
        return out;
      case REG.origRax:
        return this.inKernel ? put64(f.lo[slot('orig_rax')], f.hi[slot('orig_rax')]) : put64(-1, -1);
      case REG.fsBase:
        return putNumber(cpu.segBase[1]);
      case REG.gsBase:
        return putNumber(this.gsBaseSwapped ? cpu.kernelGsBase : cpu.segBase[2]);
      case REG.mxcsr:
        v.setInt32(0, cpu.mxcsr, true);
        return out;
    }
    if (regnum >= REG.cs && regnum <= REG.gs) {
      const k = regnum - REG.cs;
      // CS and SS come from the frame inside the kernel; the data segments are untouched by an entry.
      const value = this.inKernel && k < 2 ? f.lo[slot(k === 0 ? 'cs' : 'ss')] & 0xffff : cpu.selectors[GDB_SEG_TO_SELECTOR[k]];
      v.setUint32(0, value, true);
      return out;
    }
    if (regnum >= REG.st0 && regnum < REG.st0 + 8) {
      const fpu = cpu.fpu;
      const p = fpu.phys(regnum - REG.st0);
      v.setInt32(0, fpu.sigLo[p], true);
      v.setInt32(4, fpu.sigHi[p], true);
      v.setUint16(8, fpu.se[p], true);
      return out;
    }
    if (regnum >= REG.fctrl && regnum <= REG.fop) {
      const fpu = cpu.fpu;
      const values = [fpu.control, fpu.status, fpu.tagWord, 0, fpu.fip, 0, fpu.fdp, fpu.fop];
      v.setUint32(0, values[regnum - REG.fctrl] >>> 0, true);
      return out;
    }
    if (regnum >= REG.xmm0 && regnum < REG.xmm0 + 16) {
      const i = regnum - REG.xmm0;
      out.set(cpu.xmmBytes.subarray(i * 16, i * 16 + 16));
      return out;
    }
    return null;
  }

  /**
   * Writes one register. Segment selectors and fiseg/foseg/fop are read-only (a
   * selector cannot change without a descriptor load); writing them is ignored, as
   * `G` rewrites every register with the values gdb read. False for an unknown number
   * or a wrong size.
   */
  writeRegister(regnum: number, bytes: Uint8Array): boolean {
    const info = REGISTERS[regnum];
    if (!info || bytes.length !== info.size) return false;
    const { cpu, kernel } = this.machine;
    const f = kernel.frame;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const lo = info.size >= 4 ? v.getInt32(0, true) : 0;
    const hi = info.size >= 8 ? v.getInt32(4, true) : 0;
    const asNumber = hi * TWO_POW_32 + (lo >>> 0);
    const inKernel = this.inKernel;
    const setFrame = (name: PtRegName, l: number, h: number): void => {
      const s = f.slot(name);
      f.lo[s] = l;
      f.hi[s] = h;
    };
    let frameChanged = false;
    if (regnum < 16) {
      const enc = GDB_GPR_TO_ENCODING[regnum];
      if (inKernel) {
        const s = PT_REGS_SLOT_OF_GPR[enc];
        f.lo[s] = lo;
        f.hi[s] = hi;
        frameChanged = true;
      } else cpu.setReg64(enc, lo, hi);
    } else if (regnum === REG.rip) {
      if (asNumber < -CANONICAL_LIMIT || asNumber >= CANONICAL_LIMIT) return false;
      if (inKernel) {
        setFrame('rip', lo, hi);
        frameChanged = true;
      } else cpu.rip = asNumber;
    } else if (regnum === REG.eflags) {
      if (inKernel) {
        const s = f.slot('eflags');
        f.lo[s] = (f.lo[s] & ~USER_FLAGS) | (lo & USER_FLAGS);
        frameChanged = true;
      } else cpu.setRflags((cpu.getRflags() & ~USER_FLAGS) | (lo & USER_FLAGS));
    } else if (regnum === REG.origRax) {
      if (inKernel) {
        setFrame('orig_rax', lo, hi);
        frameChanged = true;
      }
    } else if (regnum === REG.fsBase) {
      if (asNumber < -CANONICAL_LIMIT || asNumber >= CANONICAL_LIMIT) return false;
      cpu.segBase[1] = asNumber;
    } else if (regnum === REG.gsBase) {
      if (asNumber < -CANONICAL_LIMIT || asNumber >= CANONICAL_LIMIT) return false;
      if (this.gsBaseSwapped) cpu.kernelGsBase = asNumber;
      else cpu.segBase[2] = asNumber;
    } else if (regnum === REG.mxcsr) {
      cpu.mxcsr = lo & 0xffff;
    } else if (regnum >= REG.st0 && regnum < REG.st0 + 8) {
      const fpu = cpu.fpu;
      const p = fpu.phys(regnum - REG.st0);
      fpu.sigLo[p] = v.getInt32(0, true);
      fpu.sigHi[p] = v.getInt32(4, true);
      fpu.se[p] = v.getUint16(8, true);
    } else if (regnum >= REG.fctrl && regnum <= REG.fop) {
      const fpu = cpu.fpu;
      switch (regnum - REG.fctrl) {
        case 0: fpu.control = lo & 0xffff; break;
        case 1: fpu.status = lo & 0xffff; break;
        case 2: fpu.tagWord = lo & 0xffff; break;
        case 4: fpu.fip = lo >>> 0; break;
        case 6: fpu.fdp = lo >>> 0; break;
      }
    } else if (regnum >= REG.xmm0 && regnum < REG.xmm0 + 16) {
      cpu.xmmBytes.set(bytes, (regnum - REG.xmm0) * 16);
    }
    if (frameChanged) this.storeFrame();
    return true;
  }

  /**
   * Puts an edited frame where the entry stub will pop it. At a system call's exit the
   * kernel already chose SYSRET or IRET; SYSRET (and SYSEXIT) take RIP, RFLAGS and RSP
   * from registers rather than the frame, so after an edit the stub must use IRET.
   */
  private storeFrame(): void {
    const { cpu, kernel } = this.machine;
    kernel.frame.store(this.machine.mmu);
    if (this.stopEvent?.kind === 'syscall-exit') {
      cpu.lo[RAX] = 1;
      cpu.hi[RAX] = 0;
    }
  }

  // ---- memory -----------------------------------------------------------------------

  /**
   * Physical address of a user byte for the debugger, or -1. Like Linux's
   * access_process_vm, pages of an area that were never touched read as zeros (the
   * zero page) and are populated on a write, without a fault in the guest.
   */
  private translate(addr: number, write: boolean): number {
    if (addr < -CANONICAL_LIMIT || addr >= CANONICAL_LIMIT) return -1;
    const { mmu, kernel } = this.machine;
    const p = mmu.probe(addr, write ? ACCESS_WRITE : ACCESS_READ, true);
    if (p >= 0) return p;
    const space = kernel.process.space;
    const vma = space.find(addr);
    if (!vma || vma.prot === PROT_NONE) return -1;
    if (write) {
      if (!(vma.prot & PROT_WRITE)) return -1;
      if (space.handleFault(addr, true, false) !== FAULT_FIXED) return -1;
      return mmu.probe(addr, ACCESS_WRITE, true);
    }
    if (!(vma.prot & PROT_READ)) return -1;
    const page = addr - (((addr % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE);
    if (kernel.tables.lookup(page) >= 0) return -1; // present yet not readable by the user
    if (vma.frames) {
      const frame = vma.frames[(page - vma.start) / PAGE_SIZE];
      return frame ? frame + (addr - page) : -1;
    }
    return ZERO_PAGE;
  }

  /** Reads up to `length` bytes; stops early at the first unreadable page. */
  readMemory(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const bytes = this.machine.phys.bytes;
    let done = 0;
    while (done < length) {
      const a = addr + done;
      const n = Math.min(length - done, PAGE_SIZE - (((a % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE));
      const p = this.translate(a, false);
      if (p === -1) break;
      if (p !== ZERO_PAGE) out.set(bytes.subarray(p, p + n), done);
      done += n;
    }
    return out.subarray(0, done);
  }

  /** Writes bytes into user memory the user could write; false (nothing written past the failure) otherwise. */
  writeMemory(addr: number, data: Uint8Array): boolean {
    const bytes = this.machine.phys.bytes;
    let done = 0;
    while (done < data.length) {
      const a = addr + done;
      const n = Math.min(data.length - done, PAGE_SIZE - (((a % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE));
      const p = this.translate(a, true);
      if (p < 0) return false;
      bytes.set(data.subarray(done, done + n), p);
      done += n;
    }
    return true;
  }

  /** The aux vector as /proc/PID/auxv has it (qXfer:auxv:read). */
  auxv(): Uint8Array {
    return renderAuxv(this.machine.kernel);
  }

  // ---- breakpoints and catchpoints -------------------------------------------------

  insertBreakpoint(addr: number): void {
    if (this.breakpoints.has(addr)) return;
    this.breakpoints.add(addr);
    this.machine.interp.addBreakpoint(addr);
  }

  removeBreakpoint(addr: number): void {
    if (!this.breakpoints.delete(addr)) return;
    this.machine.interp.removeBreakpoint(addr);
  }

  /** QCatchSyscalls: null stops catching, an empty list catches every call. */
  catchSyscalls(numbers: number[] | null): void {
    this.catching = numbers === null ? null : numbers.length === 0 ? 'all' : new Set(numbers);
  }

  private catches(nr: number): boolean {
    return this.catching === 'all' || (this.catching !== null && this.catching.has(nr));
  }

  /**
   * A CPU exception from user mode is about to reach the kernel. Stop (so gdb reports
   * "received signal") only when the kernel will kill the process for it: every vector
   * but #PF, and a #PF the kernel cannot fix by demand paging, stack growth or vsyscall
   * emulation. Faults the kernel's handlers could still turn into a signal (an emulated vsyscall call with a
   * bad pointer) end the process without this stop; gdb then sees how it ended.
   */
  private isFatal(vector: number, errorCode: number): boolean {
    if (vector !== VEC_PF) return true;
    return this.pageFaultSignal(errorCode) !== 0;
  }

  /** The signal a user #PF will kill with (SIGSEGV, SIGBUS), or 0 when the kernel will resolve it. */
  private pageFaultSignal(errorCode: number): number {
    const { cpu, kernel } = this.machine;
    const addr = cpu.cr2;
    const write = (errorCode & PF_W) !== 0;
    const exec = (errorCode & PF_I) !== 0;
    if (addr < 0 || addr >= CANONICAL_LIMIT) {
      // The upper half is the kernel's, but for the legacy vsyscall page, whose calls the
      // kernel emulates unless vsyscall=none (vsyscall.ts). Reads of it fault only where
      // it is not readable (xonly, none).
      if (addr >= VSYSCALL_ADDR && addr < VSYSCALL_ADDR + PAGE_SIZE) {
        if (exec) return kernel.options.vsyscall === 'none' ? SIGSEGV : 0;
        return write || kernel.options.vsyscall !== 'emulate' ? SIGSEGV : 0;
      }
      return SIGSEGV;
    }
    const space = kernel.process.space;
    const vma = space.find(addr);
    if (!vma) {
      const growable = space.vmas.some((v) => v.growsDown && addr < v.start && v.end - addr <= STACK_LIMIT);
      return growable ? 0 : SIGSEGV;
    }
    if (vma.prot === PROT_NONE || (write && !(vma.prot & PROT_WRITE)) || (exec && !(vma.prot & PROT_EXEC))) return SIGSEGV;
    if (vma.frames) {
      const page = addr - (addr % PAGE_SIZE);
      if (!vma.frames[(page - vma.start) / PAGE_SIZE]) return SIGBUS;
    }
    return 0;
  }

  private signalFor(vector: number, errorCode: number): number {
    switch (vector) {
      case VEC_DE:
      case VEC_MF:
      case VEC_XM:
        return SIGFPE;
      case VEC_UD:
        return SIGILL;
      case VEC_DB:
      case VEC_BP:
        return SIGTRAP;
      case VEC_AC:
        return SIGBUS;
      case VEC_PF:
        return this.pageFaultSignal(errorCode) || SIGSEGV;
      default:
        return SIGSEGV;
    }
  }

  // ---- execution --------------------------------------------------------------------

  /** Turns a machine outcome into a stop, remembering a kernel stop for the register view. */
  private settle(outcome: RunOutcome): StopReason | null {
    switch (outcome.kind) {
      case 'limit':
        return null;
      case 'breakpoint':
        return { kind: 'trap', breakpoint: true };
      case 'stopped': {
        const e = outcome.event;
        this.stopEvent = e;
        if (e.kind === 'syscall-entry') return { kind: 'syscall-entry', nr: e.nr };
        if (e.kind === 'syscall-exit') return { kind: 'syscall-return', nr: e.nr };
        return { kind: 'signal', signal: this.signalFor(e.vector, e.errorCode) };
      }
      default:
        return { kind: 'ended', outcome };
    }
  }

  private get deferred(): boolean {
    return this.machine.kernel.deferredHypercall;
  }

  /**
   * One user-level single step: executes the instruction at the user's RIP, including
   * everything the kernel does on its behalf (a `syscall`, a page fault it resolves),
   * and stops at the next user instruction. From a stop inside the kernel it finishes
   * the kernel's work and stops on the way back to user mode. Returns null when the
   * step completed, or the stop that came first.
   */
  step(): StopReason | null {
    const { machine } = this;
    const cpu = machine.cpu;
    const startedInKernel = this.inKernel || this.deferred;
    const before = machine.interp.userRetired;
    this.stopEvent = null;
    for (let n = 0; n < STEP_GUARD; n++) {
      const outcome = machine.step();
      if (outcome) {
        const stop = this.settle(outcome);
        if (stop) return stop;
      }
      if (cpu.cpl === 3 && !this.deferred && (startedInKernel || machine.interp.userRetired !== before)) return null;
    }
    return { kind: 'ended', outcome: { kind: 'fatal', message: 'a single step did not return to user mode' } };
  }

  /**
   * Gets ready to continue: resuming on one of gdb's breakpoints first steps over it,
   * so the instruction runs once without stopping there again. Returns a stop that
   * happened during that step, or null.
   */
  prepareContinue(): StopReason | null {
    if (!this.inKernel && !this.deferred && this.breakpoints.has(this.machine.cpu.rip)) return this.step();
    return null;
  }

  /** Runs for up to `budget` instructions: the stop, or null if still running. */
  runSlice(budget: number): StopReason | null {
    const { machine } = this;
    this.stopEvent = null;
    for (;;) {
      const outcome = machine.run(machine.cpu.retired + budget);
      // A breakpoint that is not gdb's (say, the REPL's) does not stop a gdb session.
      if (outcome.kind === 'breakpoint' && !this.breakpoints.has(outcome.address)) {
        machine.interp.resumeFromBreakpoint();
        continue;
      }
      return this.settle(outcome);
    }
  }

  /**
   * gdb asked to stop (Ctrl-C). The machine may be anywhere, even halfway through the
   * kernel's entry stub: finish the kernel's work first so the stop is at a user
   * instruction. A stop on the way (a caught system call, the end) wins.
   */
  interrupt(): StopReason {
    const { machine } = this;
    this.stopEvent = null;
    for (let n = 0; n < STEP_GUARD && (this.inKernel || this.deferred); n++) {
      const outcome = machine.step();
      const stop = outcome ? this.settle(outcome) : null;
      if (stop) return stop;
    }
    return { kind: 'signal', signal: SIGINT };
  }

  /** `k`: the process dies of SIGKILL, as under gdbserver. */
  kill(): RunOutcome {
    const kernel = this.machine.kernel;
    if (!kernel.process.exit) kernel.killBySignal(SIGKILL, 'killed by gdb');
    return kernel.process.exit!;
  }
}
