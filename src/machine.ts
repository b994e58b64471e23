import { Cpu, EXIT_BUDGET, EXIT_FATAL, EXIT_HALT, EXIT_HYPERCALL } from './cpu/cpu.js';
import { AMD_MODEL, CpuModel, INTEL_MODEL } from './cpu/cpu-model.js';
import { Interpreter } from './cpu/interpreter.js';
import { OPCODES } from './cpu/opcodes.js';
import { AT_HWCAP, AT_MINSIGSTKSZ } from './loader/auxv.js';
import { Mmu } from './mmu/mmu.js';
import { PhysicalMemory } from './mmu/physical-memory.js';
import { hwcap } from './kernel/boot.js';
import { execProgram, ExecResult, NO_RANDOMIZATION } from './kernel/exec.js';
import type { Host } from './kernel/host.js';
import { Kernel } from './kernel/kernel.js';
import type { ExitState } from './kernel/process.js';

export interface MachineOptions {
  host: Host;
  /** Guest physical memory in MiB. */
  memoryMiB?: number;
  cpu?: 'intel' | 'amd';
}

export interface ProgramSpec {
  image: Uint8Array;
  /** Absolute path of the executable (AT_EXECFN, /proc/self/exe). */
  path: string;
  argv: string[];
  envp: string[];
}

export type RunOutcome = ExitState | { kind: 'fatal'; message: string } | { kind: 'limit'; instructions: number };

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

  constructor(options: MachineOptions) {
    const model: CpuModel = options.cpu === 'amd' ? AMD_MODEL : INTEL_MODEL;
    this.phys = new PhysicalMemory((options.memoryMiB ?? 512) * 1024 * 1024);
    this.mmu = new Mmu(this.phys);
    this.cpu = new Cpu(this.mmu, model);
    this.interp = new Interpreter(this.cpu, OPCODES);
    this.kernel = new Kernel(this.cpu, this.mmu, this.phys, this.interp, options.host);
  }

  /** Loads a static ELF program as the process image (throws ElfError on bad input). */
  load(program: ProgramSpec): ExecResult {
    const space = this.kernel.newAddressSpace(program.path);
    const random16 = new Uint8Array(16);
    this.kernel.host.randomBytes(random16);
    const result = execProgram(space, {
      image: program.image,
      path: program.path,
      argv: program.argv,
      envp: program.envp,
      random16,
      // MINSIGSTKSZ for a CPU without XSAVE state is glibc's legacy constant, 2048.
      archAuxv: [
        [AT_MINSIGSTKSZ, 2048],
        [AT_HWCAP, hwcap(this.cpu)],
      ],
      hwcap2: 0,
      layout: NO_RANDOMIZATION,
    });
    const proc = this.kernel.process;
    proc.argv = program.argv;
    proc.envp = program.envp;
    proc.auxv = result.stack.auxv;
    this.kernel.startUser(result.entry, result.stack.rsp);
    this.exec = result;
    return result;
  }

  /** Runs until the process ends, the machine stops, or `maxInstructions` retire. */
  run(maxInstructions = Infinity): RunOutcome {
    const kernel = this.kernel;
    const slice = 1_000_000;
    for (;;) {
      const left = maxInstructions - this.cpu.retired;
      if (left <= 0) return { kind: 'limit', instructions: this.cpu.retired };
      const reason = this.interp.run(Math.min(slice, left));
      if (reason === EXIT_HYPERCALL) {
        kernel.handleHypercall();
        if (kernel.process.exit) return kernel.process.exit;
      } else if (reason === EXIT_FATAL) {
        return { kind: 'fatal', message: this.interp.fatalMessage };
      } else if (reason === EXIT_HALT) {
        return { kind: 'fatal', message: 'the kernel halted' };
      } else if (reason !== EXIT_BUDGET) {
        continue;
      }
    }
  }
}
