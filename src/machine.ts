import { Cpu, EXIT_BREAKPOINT, EXIT_FATAL, EXIT_HALT, EXIT_HYPERCALL } from './cpu/cpu.js';
import { AMD_MODEL, CpuModel, INTEL_MODEL, LEGACY_MODEL } from './cpu/cpu-model.js';
import { Interpreter } from './cpu/interpreter.js';
import { OPCODES } from './cpu/opcodes.js';
import { AT_HWCAP, AT_MINSIGSTKSZ } from './loader/auxv.js';
import { Mmu } from './mmu/mmu.js';
import { OutOfPhysicalMemory, PhysicalMemory } from './mmu/physical-memory.js';
import { ElfError } from './loader/elf-error.js';
import { SIGKILL } from './kernel/signals.js';
import { hwcap } from './kernel/boot.js';
import { ExecResult } from './kernel/exec.js';
import { enterCompatMode, execAnyProgram } from './kernel/compat/index.js';
import { chooseLayout } from './kernel/aslr.js';
import { HostRandom, RandomSource, SeededRandom } from './kernel/random-source.js';
import type { Host } from './kernel/host.js';
import { Kernel } from './kernel/kernel.js';
import type { StopEvent } from './kernel/kernel.js';
import type { ExitState } from './kernel/process.js';
import type { ClockSource } from './kernel/timekeeper.js';
import type { VsyscallMode } from './kernel/vsyscall.js';

export interface MachineOptions {
  host: Host;
  /** Guest physical memory in MiB. */
  memoryMiB?: number;
  cpu?: 'intel' | 'amd' | 'legacy';
  /** Address-space layout randomization (default on, as Linux's randomize_va_space = 2). */
  aslr?: boolean;
  /** Seed for every random choice the kernel makes (layout, AT_RANDOM, getrandom). */
  seed?: number;
  /** Map a vDSO (default true; false is Linux's vdso=0). */
  vdso?: boolean;
  /** Where guest time comes from (default 'host'). */
  clock?: ClockSource;
  /** Start of a virtual clock, ns since the epoch. */
  epochNs?: number;
  /** Legacy vsyscall page mode (default xonly, as current kernels). */
  vsyscall?: VsyscallMode;
  /**
   * The host directory (a path in `host.fs`, absolute and without symbolic links) that
   * is the guest's "/": every guest path is resolved inside it (default "/").
   */
  root?: string;
}

export interface ProgramSpec {
  image: Uint8Array;
  /** Absolute path of the executable (/proc/self/exe). */
  path: string;
  /** The path as execve received it (AT_EXECFN); defaults to `path`. */
  execPath?: string;
  argv: string[];
  envp: string[];
}

export type RunOutcome =
  | ExitState
  | { kind: 'fatal'; message: string }
  | { kind: 'limit'; instructions: number }
  /** The wall-clock limit (`timeLimitSeconds`) passed, after `seconds` in `run`. */
  | { kind: 'timeout'; seconds: number; instructions: number }
  /** Stopped before the instruction at `address` (a debugger breakpoint). */
  | { kind: 'breakpoint'; address: number }
  /** A debugger stop the kernel reported (syscall entry/exit, exception). */
  | { kind: 'stopped'; event: StopEvent };

/**
 * The one object a user builds (DESIGN.md): physical memory, MMU, CPU and interpreter,
 * and the kernel, wired together. `load` execs a program; `run` runs it to the end.
 */
export class Machine {
  readonly phys: PhysicalMemory;
  readonly mmu: Mmu;
  readonly cpu: Cpu;
  readonly interp: Interpreter;
  readonly kernel: Kernel;
  exec: ExecResult | null = null;
  /** Wall-clock limit on `run` (all calls together), checked between slices: `--timeout`. */
  timeLimitSeconds = Infinity;

  constructor(options: MachineOptions) {
    const model: CpuModel = options.cpu === 'amd' ? AMD_MODEL : options.cpu === 'legacy' ? LEGACY_MODEL : INTEL_MODEL;
    this.phys = new PhysicalMemory((options.memoryMiB ?? 512) * 1024 * 1024);
    this.mmu = new Mmu(this.phys);
    this.cpu = new Cpu(this.mmu, model);
    this.interp = new Interpreter(this.cpu, OPCODES);
    const random: RandomSource = options.seed === undefined ? new HostRandom(options.host) : new SeededRandom(options.seed);
    this.kernel = new Kernel(this.cpu, this.mmu, this.phys, this.interp, options.host, random, {
      vdso: options.vdso ?? true,
      clock: options.clock ?? 'host',
      epochNs: options.epochNs,
      vsyscall: options.vsyscall ?? 'xonly',
      root: options.root ?? '/',
    });
    this.aslr = options.aslr ?? true;
  }

  private readonly aslr: boolean;

  /** Loads a static ELF program as the process image (throws ElfError on bad input or too little memory). */
  load(program: ProgramSpec): ExecResult {
    try {
      const result = this.loadProgram(program);
      // Writable segments and the stack are commitments too: when they do not fit, exec
      // fails (ENOMEM) rather than the program dying at its first touch.
      if (!this.kernel.process.space.canCommit(1)) throw new OutOfPhysicalMemory();
      return result;
    } catch (e) {
      if (e instanceof OutOfPhysicalMemory) {
        throw new ElfError(`Cannot allocate memory: the program does not fit in ${this.phys.size / 1048576} MiB of guest memory (--memory)`);
      }
      throw e;
    }
  }

  private loadProgram(program: ProgramSpec): ExecResult {
    const space = this.kernel.newAddressSpace(program.path);
    const random16 = new Uint8Array(16);
    this.kernel.random.fill(random16);
    const result = execAnyProgram(this.kernel, space, {
      image: program.image,
      path: program.path,
      execPath: program.execPath ?? program.path,
      argv: program.argv,
      envp: program.envp,
      random16,
      // MINSIGSTKSZ for a CPU without XSAVE state is glibc's legacy constant, 2048.
      archAuxv: [
        [AT_MINSIGSTKSZ, 2048],
        [AT_HWCAP, hwcap(this.cpu)],
      ],
      hwcap2: 0,
      layout: chooseLayout(this.kernel.random, this.aslr),
      mapVdso: (s) => this.kernel.mapVdso(s),
    }, this.aslr);
    const proc = this.kernel.process;
    proc.argv = program.argv;
    proc.envp = program.envp;
    proc.auxv = result.stack.auxv;
    this.kernel.startUser(result.entry, result.stack.rsp);
    if (result.elf.elfClass === 32) enterCompatMode(this.cpu);
    this.exec = result;
    return result;
  }

  /**
   * Runs one instruction at a time and reports each user-mode (CPL 3) instruction
   * before it executes, in the format of ../shared/tools/native-trace.c, so a trace of
   * the same program on the real CPU can be diffed against it (DESIGN.md, lockstep
   * traces). Kernel instructions run but are not reported, as ptrace cannot see them.
   */
  trace(emit: (line: string) => void, withRegisters: boolean, maxUserInstructions = Infinity): RunOutcome {
    const cpu = this.cpu;
    let step = 0;
    const names = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
    const order = [0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15];
    const hex64 = (lo: number, hi: number): string => (hi === 0 ? (lo >>> 0).toString(16) : (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0'));
    const started = this.kernel.host.monotonicNs();
    for (let n = 1; ; n++) {
      if ((n & 0xffff) === 0 && this.timeLimitSeconds !== Infinity) {
        const seconds = (this.kernel.host.monotonicNs() - started) / 1e9;
        if (seconds >= this.timeLimitSeconds) return { kind: 'timeout', seconds, instructions: cpu.retired };
      }
      let line = '';
      if (cpu.cpl === 3) {
        if (step >= maxUserInstructions) return { kind: 'limit', instructions: cpu.retired };
        const rip = cpu.rip.toString(16);
        if (withRegisters) {
          const regs = order.map((r, i) => `${names[i]}=${hex64(cpu.lo[r], cpu.hi[r])}`).join(' ');
          line = `${step} ${rip} ${regs} fl=${cpu.getRflags().toString(16)} fs=${cpu.segBase[1].toString(16)}`;
        } else line = `${step} ${rip}`;
      }
      const userBefore = this.interp.userRetired;
      const outcome = this.step();
      // A faulting instruction (say, a demand-paged page) restarts: report it once, when it retires.
      if (line && this.interp.userRetired !== userBefore) {
        emit(line);
        step++;
      }
      if (outcome) return outcome;
    }
  }

  private lastTick = 0;

  /** Seconds spent in `run`, from the first guest instruction to the end. */
  wallSeconds = 0;

  /** Runs until the process ends, the machine stops, or `maxInstructions` retire. */
  run(maxInstructions = Infinity): RunOutcome {
    const started = this.kernel.host.monotonicNs();
    try {
      return this.runSlices(maxInstructions, started);
    } finally {
      this.wallSeconds += (this.kernel.host.monotonicNs() - started) / 1e9;
    }
  }

  /**
   * Executes one instruction, handling a hypercall it causes (the debugger's stepi).
   * Returns an outcome when the program ended or a debug stop happened, else null.
   */
  step(): RunOutcome | null {
    const pending = this.completeDeferredHypercall();
    if (pending) return pending;
    const reason = this.interp.step();
    return this.afterExit(reason);
  }

  /** Runs on after a breakpoint stop without stopping at the same place again. */
  continue(maxInstructions = Infinity): RunOutcome {
    this.interp.resumeFromBreakpoint();
    return this.run(maxInstructions);
  }

  private completeDeferredHypercall(): RunOutcome | null {
    if (!this.kernel.deferredHypercall) return null;
    return this.hypercall(true);
  }

  /**
   * Lets the kernel answer a hypercall. A page the guest touches (or a page table, or a
   * buffer a system call fills) that finds no free frame is Linux's OOM kill: the
   * process ends with SIGKILL, the host never sees the allocation failure.
   */
  private hypercall(resuming: boolean): RunOutcome | null {
    try {
      this.kernel.handleHypercall(resuming);
    } catch (e) {
      if (!(e instanceof OutOfPhysicalMemory)) throw e;
      this.kernel.deferredHypercall = false;
      this.kernel.pendingStop = null;
      const mib = this.phys.size / 1048576;
      this.kernel.killBySignal(SIGKILL, `out of memory: all ${mib} MiB of guest memory in use (--memory)`);
    }
    return this.kernelOutcome();
  }

  private kernelOutcome(): RunOutcome | null {
    const kernel = this.kernel;
    if (kernel.process.exit) return kernel.process.exit;
    if (kernel.pendingStop) {
      const event = kernel.pendingStop;
      kernel.pendingStop = null;
      return { kind: 'stopped', event };
    }
    return null;
  }

  /** What an interpreter exit means for the caller; null to keep running. */
  private afterExit(reason: number): RunOutcome | null {
    switch (reason) {
      case EXIT_HYPERCALL:
        return this.hypercall(false);
      case EXIT_FATAL:
        return { kind: 'fatal', message: this.interp.fatalMessage };
      case EXIT_HALT:
        return { kind: 'fatal', message: 'the kernel halted' };
      case EXIT_BREAKPOINT:
        return { kind: 'breakpoint', address: this.cpu.rip };
      default:
        return null;
    }
  }

  private runSlices(maxInstructions: number, started: number): RunOutcome {
    const pending = this.completeDeferredHypercall();
    if (pending) return pending;
    const slice = 1_000_000;
    const limited = this.timeLimitSeconds !== Infinity;
    for (;;) {
      const left = maxInstructions - this.cpu.retired;
      if (left <= 0) return { kind: 'limit', instructions: this.cpu.retired };
      if (limited) {
        const seconds = this.wallSeconds + (this.kernel.host.monotonicNs() - started) / 1e9;
        if (seconds >= this.timeLimitSeconds) return { kind: 'timeout', seconds, instructions: this.cpu.retired };
      }
      const reason = this.interp.run(Math.min(slice, left));
      // The timekeeping tick, about once per million instructions (not per system call).
      if (this.cpu.retired - this.lastTick >= slice) {
        this.lastTick = this.cpu.retired;
        this.kernel.time.publish();
      }
      const outcome = this.afterExit(reason);
      if (outcome) return outcome;
    }
  }
}
