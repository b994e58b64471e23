import type { Cpu } from '../cpu/cpu.js';
import { VEC_PF, VECTOR_NAMES } from '../cpu/cpu-exception.js';
import type { Interpreter } from '../cpu/interpreter.js';
import { RAX } from '../cpu/registers.js';
import type { Mmu } from '../mmu/mmu.js';
import type { PhysicalMemory } from '../mmu/physical-memory.js';
import { PF_I, PF_W } from '../mmu/page-table-entry.js';
import { AddressSpace, FAULT_BUS, FAULT_FIXED, FAULT_MAPERR } from './address-space.js';
import type { Vma } from './address-space.js';
import { bootKernel } from './boot.js';
import { HC_EXCEPTION, HC_INT80, HC_SYSCALL32, HC_SYSCALL64, HC_SYSENTER } from './entry-stubs.js';
import { fixupFastSyscall32, isCompat } from './compat/index.js';
import type { EntryCode } from './entry-stubs.js';
import { EEXIST, EFAULT, ENOMEM, ENOSYS } from './errno.js';
import type { Host } from './host.js';
import type { RandomSource } from './random-source.js';
import { ClockSource, Timekeeper } from './timekeeper.js';
import { VdsoPages } from './vdso-mapping.js';
import { emulateVsyscall, VSYSCALL_ADDR, vsyscallArea, vsyscallPageBytes, VsyscallMode } from './vsyscall.js';
import { TASK_SIZE, USER_CS } from './layout.js';
import { PageTables } from './page-tables.js';
import { Process } from './process.js';
import { PtRegsFrame } from './pt-regs-frame.js';
import { SIGBUS, SIGSEGV } from './signals.js';
import { BUS_ADRERR, exceptionSignal, exitToUser, kernelSignal, pageFaultSignal, SEGV_ACCERR, SEGV_MAPERR } from './signals/index.js';
import { KernelStats } from './stats.js';
import { SYSCALL_NAMES_32, SYSCALL_NAMES_64 } from './syscalls/syscall-names.js';
import { IA32_TABLE, X86_64_TABLE } from './syscalls/tables.js';
import type { EntryPath, SyscallEntry } from './syscalls/types.js';
import { UserMemory } from './user-memory.js';

export interface KernelOptions {
  /** Map a vDSO into processes (Linux's vdso=1). */
  vdso: boolean;
  clock: ClockSource;
  /** Wall-clock start of a `virtual` clock, in ns since the epoch. */
  epochNs?: number;
  /** The legacy vsyscall page's mode (Linux's vsyscall=). */
  vsyscall: VsyscallMode;
  /** The host directory that is the guest's "/" (host.fs paths; default "/"). */
  root?: string;
}

/** Why a debugger asked the kernel to stop the machine. */
export type StopEvent =
  | { kind: 'syscall-entry'; path: EntryPath; nr: number; name: string; args: number[] }
  | { kind: 'syscall-exit'; path: EntryPath; nr: number; name: string; args: number[]; result: number }
  | { kind: 'exception'; vector: number; rip: number; errorCode: number };

/**
 * Debugger hooks: each returns true to stop the machine at that point. An entry or
 * exception stop happens before the kernel acts; the pending work runs on resume.
 */
export interface DebugStops {
  syscallEntry?(path: EntryPath, nr: number, name: string, args: number[]): boolean;
  syscallExit?(path: EntryPath, nr: number, name: string, args: number[], result: number): boolean;
  exception?(vector: number, rip: number, errorCode: number): boolean;
}

/** Observes system calls (strace, the debugger, statistics). */
export interface SyscallObserver {
  onSyscallEntry?(path: EntryPath, nr: number, name: string, args: number[]): void;
  onSyscallExit?(path: EntryPath, nr: number, name: string, args: number[], result: number): void;
  /** An unimplemented system call (answered -ENOSYS). */
  onUnknownSyscall?(path: EntryPath, nr: number, name: string): void;
}

/**
 * The mini-kernel: boots the machine, runs one process, and answers the hypercalls its
 * entry stubs make (system calls through `syscall` and `int 0x80`, exceptions through
 * the IDT). Everything a user program sees of "Linux" is decided here.
 */
export class Kernel {
  readonly tables: PageTables;
  readonly entry: EntryCode;
  readonly stats = new KernelStats();
  readonly frame = new PtRegsFrame();
  readonly user: UserMemory;
  process!: Process;
  observer: SyscallObserver | null = null;
  /** The entry of the system call being handled (decides where the user's GS base lives). */
  currentPath: EntryPath = 'syscall';
  debugStops: DebugStops | null = null;
  /** Set when a debug stop was requested; the machine returns it to its caller. */
  pendingStop: StopEvent | null = null;
  /** A hypercall stopped before the kernel acted on it: handle it when the machine resumes. */
  deferredHypercall = false;
  private resuming = false;

  constructor(
    readonly cpu: Cpu,
    readonly mmu: Mmu,
    readonly phys: PhysicalMemory,
    readonly interp: Interpreter,
    readonly host: Host,
    readonly random: RandomSource,
    readonly options: KernelOptions,
  ) {
    this.tables = new PageTables(phys, mmu);
    this.entry = bootKernel(cpu, phys, this.tables);
    this.user = new UserMemory(mmu, () => this.process.space);
    this.vdso = new VdsoPages(phys);
    this.time = new Timekeeper(host, cpu, options.clock, this.vdso.timeData, options.epochNs);
    this.countVdsoCalls();
    if (options.vsyscall === 'emulate') {
      const frame = phys.allocFrame();
      phys.bytes.set(vsyscallPageBytes(), frame);
      this.tables.map(VSYSCALL_ADDR, frame, { user: true, writable: false, executable: false, global: true });
    }
  }

  readonly vdso: VdsoPages;
  readonly time: Timekeeper;

  /** Counts calls into each exported vDSO function, wherever the image is mapped. */
  private countVdsoCalls(): void {
    for (const fn of this.vdso.image.functions) {
      const frame = this.vdso.imageFrames[Math.floor(fn.offset / 4096)];
      const name = fn.name;
      this.interp.entryHooks.set(frame + (fn.offset % 4096), () => {
        this.stats.vdsoCalls[name] = (this.stats.vdsoCalls[name] ?? 0) + 1;
        this.vdsoObserver?.(name);
      });
    }
  }

  /** Told of every vDSO call (--trace-vdso, the debugger's catch vdso). */
  vdsoObserver: ((symbol: string) => void) | null = null;

  /**
   * arch_prctl(ARCH_MAP_VDSO_64, hint): maps a vDSO when the process has none, at the
   * hint if that range is free (get_unmapped_area), else top-down. Returns 0 or -errno.
   */
  mapVdsoAt(hint: number): number {
    const space = this.process.space;
    if (VdsoPages.baseIn(space)) return -EEXIST;
    const size = this.vdso.mappingSize;
    const start = hint - (hint % 4096);
    const free = start > 0 && start + size <= TASK_SIZE && !space.vmas.some((v) => v.start < start + size && v.end > start);
    const at = free ? start : space.findFree(size);
    if (!at) return -ENOMEM;
    this.vdso.mapInto(space, at);
    return 0;
  }

  /** Maps the vDSO into a fresh process (unless disabled); returns its base or 0. */
  mapVdso(space: AddressSpace): number {
    if (!this.options.vdso) return 0;
    return this.vdso.mapInto(space, space.findFree(this.vdso.mappingSize));
  }

  newAddressSpace(exePath: string): AddressSpace {
    const space = new AddressSpace(this.phys, this.tables);
    this.process = new Process(space, exePath);
    return space;
  }

  get exited(): boolean {
    return this.process.exit !== null;
  }

  /**
   * The entry stub executed VMCALL: dispatch on EAX, with pt_regs at RSP. `resuming`
   * completes a hypercall a debugger stop deferred.
   */
  handleHypercall(resuming = false): void {
    const cpu = this.cpu;
    const kind = cpu.lo[RAX];
    const frame = this.frame;
    frame.load(this.mmu, cpu.rsp());
    this.resuming = resuming;
    this.deferredHypercall = false;
    let useIret = true;
    if (kind === HC_SYSCALL64) {
      this.syscall('syscall');
      // SYSRET needs RCX = RIP and R11 = RFLAGS, as the CPU left them (LINUX-ABI.md §6);
      // anything else (a handler changed the frame) returns through IRET.
      useIret = frame.get('rcx') !== frame.get('rip') || frame.get('r11') !== frame.get('eflags');
    } else if (kind === HC_INT80) {
      this.syscall('int80');
    } else if (kind === HC_SYSCALL32) {
      // From 32-bit code through CSTAR (compat/entry.ts): ia32 table, IRET to the landing pad.
      this.syscall('syscall', true, !fixupFastSyscall32(this, 'syscall'));
    } else if (kind === HC_SYSENTER && isCompat(this.process)) {
      this.syscall('sysenter', true, !fixupFastSyscall32(this, 'sysenter'));
    } else if (kind === HC_SYSENTER) {
      this.syscall('sysenter');
      // SYSEXIT returns to R10 with stack R11 (entry-stubs.ts); a changed frame needs IRET,
      // and so does a non-canonical stack (SYSEXIT would #GP in the kernel; IRET takes it).
      const rip = frame.get('rip');
      useIret = frame.get('r10') !== rip || frame.get('r11') !== frame.get('rsp') || !canonical(frame.get('rsp'));
      // A non-canonical return address would #GP in the kernel on SYSEXIT or IRET alike:
      // Linux answers a return it cannot make with SIGSEGV (fuzz-found: a KernelPanic).
      if (!this.exited && !canonical(rip)) kernelSignal(this, SIGSEGV, `sysenter return to non-canonical address 0x${hex(rip)}`);
    } else if (kind >= HC_EXCEPTION && kind < HC_EXCEPTION + 32) {
      this.exception(kind - HC_EXCEPTION);
    } else {
      throw new Error(`unknown hypercall ${kind}`);
    }
    // Pending signals are delivered on the way back to user mode (signals/deliver.ts).
    if (!this.exited && !this.deferredHypercall && exitToUser(this, kind < HC_EXCEPTION ? this.currentPath : null)) useIret = true;
    if (this.exited || this.deferredHypercall) return;
    frame.store(this.mmu);
    cpu.lo[RAX] = useIret ? 1 : 0;
    cpu.hi[RAX] = 0;
  }

  /**
   * `ia32`: the ia32 table and argument registers (int 0x80, sysenter, and syscall from
   * compatibility mode); `fault`: the fast 32-bit entry could not read its sixth argument
   * from the user's stack, so the call fails with -EFAULT as in do_fast_syscall_32.
   */
  private syscall(path: EntryPath, ia32 = path !== 'syscall', fault = false): void {
    const f = this.frame;
    this.currentPath = path;
    let nr: number;
    let args: number[];
    let entry: SyscallEntry | undefined;
    let name: string;
    if (!ia32) {
      nr = f.lo[f.slot('orig_rax')]; // the kernel uses the low 32 bits as a signed int
      args = [f.get('rdi'), f.get('rsi'), f.get('rdx'), f.get('r10'), f.get('r8'), f.get('r9')];
      entry = X86_64_TABLE[nr];
      name = SYSCALL_NAMES_64[nr] ?? `syscall_${nr >>> 0}`;
    } else {
      // ia32 ABI: number in eax, arguments in ebx ecx edx esi edi ebp, upper halves ignored.
      nr = f.lo[f.slot('orig_rax')] >>> 0;
      args = ['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp'].map((r) => f.lo[f.slot(r as 'rbx')] >>> 0);
      entry = IA32_TABLE[nr];
      name = SYSCALL_NAMES_32[nr] ?? `syscall_${nr}`;
    }
    if (!this.resuming && this.debugStops?.syscallEntry?.(path, nr, name, args)) {
      this.pendingStop = { kind: 'syscall-entry', path, nr, name, args };
      this.deferredHypercall = true;
      return;
    }
    this.stats.countSyscall(path, name);
    this.observer?.onSyscallEntry?.(path, nr, name, args);
    let result: number;
    if (fault) {
      result = -EFAULT;
    } else if (entry) {
      result = entry.handler(this, args);
    } else {
      this.observer?.onUnknownSyscall?.(path, nr, name);
      result = -ENOSYS;
    }
    if (this.exited) return;
    // A 32-bit entry returns eax sign-extended into rax.
    if (ia32) result = result | 0;
    f.set('rax', result);
    this.observer?.onSyscallExit?.(path, nr, name, args, result);
    if (this.debugStops?.syscallExit?.(path, nr, name, args, result)) {
      this.pendingStop = { kind: 'syscall-exit', path, nr, name, args, result };
    }
  }

  /** An exception reached the kernel through the IDT. */
  private exception(vector: number): void {
    const f = this.frame;
    const fromUser = (f.lo[f.slot('cs')] & 3) === 3;
    const rip = f.get('rip');
    const errorCode = f.lo[f.slot('orig_rax')];
    if (!this.resuming && fromUser && this.debugStops?.exception?.(vector, rip, errorCode)) {
      this.pendingStop = { kind: 'exception', vector, rip, errorCode };
      this.deferredHypercall = true;
      return;
    }
    this.stats.exceptions++;
    if (!fromUser) {
      const fault = this.interp.lastFault;
      throw new KernelPanic(
        `kernel ${VECTOR_NAMES[vector] ?? `vector ${vector}`} at rip 0x${hex(rip)}${fault?.detail ? ` (${fault.detail})` : ''}`,
      );
    }
    if (vector === VEC_PF) {
      this.stats.pageFaults++;
      const code = f.lo[f.slot('orig_rax')];
      const address = this.cpu.cr2;
      const vsyscall = emulateVsyscall(this, address, code);
      if (vsyscall === FAULT_FIXED) return;
      if (typeof vsyscall === 'string') {
        kernelSignal(this, SIGSEGV, `${vsyscall} at 0x${hex(address)}`); // emulate_vsyscall: force_sig(SIGSEGV)
        return;
      }
      const outcome = this.process.space.handleFault(address, (code & PF_W) !== 0, (code & PF_I) !== 0);
      if (outcome === FAULT_FIXED) return; // IRET retries the instruction
      if (outcome === FAULT_BUS) {
        pageFaultSignal(this, SIGBUS, BUS_ADRERR, address, code, `access to unbacked page 0x${hex(address)} at rip 0x${hex(rip)}`);
        return;
      }
      const access = code & PF_I ? 'executing' : code & PF_W ? 'writing' : 'reading';
      const why = outcome === FAULT_MAPERR ? 'no mapping' : 'permission denied';
      const siCode = outcome === FAULT_MAPERR ? SEGV_MAPERR : SEGV_ACCERR;
      pageFaultSignal(this, SIGSEGV, siCode, address, code, `#PF ${access} 0x${hex(address)} (${why}) at rip 0x${hex(rip)}`);
      return;
    }
    const fault = this.interp.lastFault;
    const detail = fault && fault.rip === rip && fault.detail ? `: ${fault.detail}` : '';
    const what = `${VECTOR_NAMES[vector] ?? `vector ${vector}`} at rip 0x${hex(rip)}${detail}`;
    exceptionSignal(this, vector, errorCode, rip, what); // the signal Linux sends for it (signals/deliver.ts)
  }

  /** The process ends now, killed by `signal` (a fatal signal's default action, SIGKILL). */
  killBySignal(signal: number, reason: string): void {
    this.process.exit = { kind: 'signaled', signal, reason };
    this.process.fds.closeAll(); // do_exit closes the files: host handles are let go
  }

  exitProcess(status: number): void {
    this.process.exit = { kind: 'exited', status: status & 0xff };
    this.process.fds.closeAll();
  }

  /** Areas that are not the process's VMAs but show in its maps ([vsyscall]). */
  extraMaps(): Vma[] {
    return vsyscallArea(this.options.vsyscall);
  }

  /** User GS base: after SWAPGS (the syscall entry) it sits in IA32_KERNEL_GS_BASE. */
  get userGsBase(): number {
    return this.currentPath === 'syscall' ? this.cpu.kernelGsBase : this.cpu.segBase[2];
  }

  set userGsBase(v: number) {
    if (this.currentPath === 'syscall') this.cpu.kernelGsBase = v;
    else this.cpu.segBase[2] = v;
  }

  /** Puts the CPU at the program's entry in user mode (start_thread, LINUX-ABI.md §5). */
  startUser(entry: number, rsp: number): void {
    const cpu = this.cpu;
    cpu.lo.fill(0);
    cpu.hi.fill(0);
    cpu.setRsp(rsp);
    cpu.rip = entry;
    cpu.setRflags(0x202);
    cpu.selectors.fill(0);
    cpu.selectors[1] = USER_CS;
    cpu.selectors[2] = USER_CS - 8;
    cpu.segBase[1] = 0;
    cpu.segBase[2] = 0;
    cpu.mxcsr = 0x1f80;
    cpu.fpuControl = 0x37f;
    cpu.setCpl(3);
  }
}

/** The kernel itself faulted: a bug in x64emu, not in the guest. */
export class KernelPanic extends Error {}

/** Whether a 64-bit address (as a signed number) is canonical on a 48-bit machine. */
function canonical(a: number): boolean {
  return a >= -(2 ** 47) && a < 2 ** 47;
}

export function hex(n: number): string {
  return n < 0 ? (BigInt(n) + (1n << 64n)).toString(16) : n.toString(16);
}
