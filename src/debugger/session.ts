import { VECTOR_NAMES } from '../cpu/cpu-exception.js';
import { describeFlags } from '../cpu/flags.js';
import { PROT_EXEC, PROT_READ, PROT_WRITE, STACK_LIMIT } from '../kernel/address-space.js';
import type { StopEvent } from '../kernel/kernel.js';
import { SIGNAL_NAMES } from '../kernel/signals.js';
import { SYSCALL_NAMES_32, SYSCALL_NAMES_64 } from '../kernel/syscalls/syscall-names.js';
import type { Machine, RunOutcome } from '../machine.js';
import { DebugContext } from './context.js';
import { evaluate, evaluateAddress, REGISTER_NAMES, registerValue } from './expr.js';
import { fromU64, hex64, hexAddr, hexBytes, hexSmall, ordinal, plural, quoteBytes, signedOf } from './format.js';
import { commandWords, findCommand, helpAll, helpFor, usageLine } from './help.js';
import { DebugError, readCString, readMemory, readU64, readUpTo, translate } from './memory.js';
import { composeObservers, recordLine, SyscallHistory, SyscallRecord } from './syscall-history.js';
import { formatSyscallEntry, formatSyscallExit, formatSyscallResult, formatVdsoCall, tracePath, type TracePath } from './syscall-format.js';

/** How a system-call stop names its entry. */
const VIA: Record<TracePath, string> = {
  syscall: 'syscall',
  syscall32: 'syscall from compatibility mode',
  syscall64: 'a 64-bit syscall',
  int80: 'int 0x80',
  sysenter: 'sysenter',
};
import {
  auxvView, backtraceView, cpuInfoView, mapsView, pagewalkView, programSummary, registersView, stackView, vdsoView,
} from './views.js';

/**
 * The debugger: commands in, lines of text out. It owns the machine's debug hooks
 * (breakpoints, the kernel's debug stops) and decides, at each stop, what a person
 * needs to see. No `node:` import: the REPL front end (repl-node.ts) feeds it lines and
 * prints what it says; tests do the same with a script.
 */

export interface DebugSessionOptions {
  /** Builds a machine with the program loaded, stopped at its entry point (called again by `run`). */
  start: () => Machine;
  /** Name of the program for messages. */
  name: string;
  /** Receives every line of output. */
  print: (line: string) => void;
  /** An empty line repeats the last stepping command (gdb's habit; for terminals). */
  repeatOnEmpty?: boolean;
  /**
   * Starts a gdb remote stub on a loopback port for `gdbserver PORT` (the front end
   * supplies it: the stub needs a socket, which the core cannot open).
   */
  gdbserver?: GdbServerStarter;
  /** Installed alongside the debugger's own observer on each machine (e.g. --strace). */
  observer?: (machine: Machine) => import('../kernel/kernel.js').SyscallObserver | null;
}

/** How a gdb session handed over with `gdbserver` ended (src/debugger/gdb/stub.ts). */
export type GdbHandBack = { reason: 'exited' | 'killed'; outcome: RunOutcome } | { reason: 'detached' | 'disconnected' };

/** What `gdbserver` needs from the gdb stub: a listener for one session with the machine. */
export type GdbServerStarter = (
  machine: Machine,
  port: number,
) => Promise<{ host: string; port: number; finished: Promise<GdbHandBack>; close(): void }>;

interface PointBase {
  id: number;
  hits: number;
}
interface Breakpoint extends PointBase {
  type: 'break';
  spec: string;
  address: number;
}
interface Watchpoint extends PointBase {
  type: 'watch';
  spec: string;
  address: number;
  length: number;
  value: Uint8Array | null;
}
interface SyscallCatch extends PointBase {
  type: 'catch-syscall';
  names: Set<string> | null;
}
interface VdsoCatch extends PointBase {
  type: 'catch-vdso';
  symbols: Set<string> | null;
}
interface FaultCatch extends PointBase {
  type: 'catch-fault';
  vectors: Set<number> | null;
}
type Point = Breakpoint | Watchpoint | SyscallCatch | VdsoCatch | FaultCatch;

/** A place to stop that is not a user breakpoint (finish, nexti over a call). */
interface Target {
  address: number;
  accept: () => boolean;
}

/** What one executed instruction did, for the step displays. */
interface StepInfo {
  rip: number;
  /** The instruction, disassembled on demand (most steps never need it). */
  readonly text: string;
  readonly mnemonic: string;
  lines: string[];
  fromCpl: number;
  toCpl: number;
}

type Stop =
  | { why: 'breakpoint'; points: Breakpoint[] }
  | { why: 'vdso'; points: VdsoCatch[]; symbol: string }
  | { why: 'kernel'; event: StopEvent; points: Array<SyscallCatch | FaultCatch>; untilSyscall: boolean }
  | { why: 'watch'; point: Watchpoint; old: Uint8Array | null; now: Uint8Array | null; by: StepInfo; calls: SyscallRecord[] }
  | { why: 'done' }
  | { why: 'steps'; count: number }
  | { why: 'ended'; outcome: RunOutcome }
  | { why: 'interrupted' };

/** Instructions per run slice between checks for Ctrl-C. */
const SLICE = 250_000;
/** How often a long run lets the event loop breathe (ms). */
const YIELD_MS = 40;
/** Executed instructions listed by `stepi n` before it only counts. */
const LIST_LIMIT = 64;

const PF_BITS = (code: number): string =>
  [code & 1 ? 'protection' : 'not-present', code & 2 ? 'write' : 'read', code & 4 ? 'user' : 'supervisor', ...(code & 16 ? ['instruction fetch'] : []), ...(code & 8 ? ['reserved bit'] : [])].join(', ');

const VECTOR_TITLES: Record<number, string> = {
  0: 'divide error', 1: 'debug', 3: 'breakpoint (int3)', 4: 'overflow', 5: 'bound range', 6: 'invalid opcode', 7: 'device not available',
  8: 'double fault', 10: 'invalid TSS', 11: 'segment not present', 12: 'stack fault', 13: 'general protection', 14: 'page fault',
  16: 'x87 floating-point error', 17: 'alignment check', 19: 'SIMD floating-point exception',
};

const VECTOR_SIGNALS: Record<number, string> = { 0: 'SIGFPE', 1: 'SIGTRAP', 3: 'SIGTRAP', 4: 'SIGSEGV', 5: 'SIGSEGV', 6: 'SIGILL', 13: 'SIGSEGV', 12: 'SIGBUS', 16: 'SIGFPE', 17: 'SIGBUS', 19: 'SIGFPE' };

const VDSO_PREFIX = '__vdso_';

export class DebugSession {
  readonly ctx: DebugContext;
  private machine: Machine;
  private history!: SyscallHistory;
  private readonly points: Point[] = [];
  private nextId = 1;
  /** Breakpoint addresses currently installed in the interpreter. */
  private installed = new Set<number>();
  private ended: RunOutcome | null = null;
  private untilSyscall = false;
  /** Catchpoints that asked the kernel to stop (set inside the kernel's debugStops calls). */
  private pendingPoints: Array<SyscallCatch | FaultCatch> = [];
  private pendingUntil = false;
  private interrupted = false;
  private lastYield = 0;
  private lastCommand = '';
  private started = false;

  constructor(private readonly options: DebugSessionOptions) {
    this.machine = options.start();
    this.ctx = new DebugContext(this.machine);
    this.attach();
  }

  private print(line = ''): void {
    this.options.print(line);
  }

  /** The banner shown when the session opens. */
  greet(): void {
    this.print(`x64emu debugger: ${programSummary(this.ctx, this.options.name)}`);
    this.print('The program is loaded and stopped before its first instruction. Type \'help\' for the commands.');
    this.print(this.ctx.locationLine());
  }

  /** Asks a running command to stop at the next check (Ctrl-C); stops waiting for gdb. */
  interrupt(): void {
    this.interrupted = true;
    this.gdbListener?.close();
  }

  private gdbListener: { close(): void } | null = null;

  /** Command words for tab completion, and symbol and register names for arguments. */
  complete(line: string): string[] {
    const words = line.split(/\s+/);
    if (words.length <= 1) return commandWords().filter((w) => w.startsWith(line));
    const last = words[words.length - 1];
    if (words[0] === 'info' || words[0] === 'i') {
      return ['breakpoints', 'registers', 'cpu', 'auxv', 'maps', 'vdso', 'syscalls', 'symbols'].filter((w) => w.startsWith(last)).map((w) => [...words.slice(0, -1), w].join(' '));
    }
    if (words[0] === 'catch' && words.length === 2) return ['syscall', 'vdso', 'fault'].filter((w) => w.startsWith(last)).map((w) => `catch ${w}`);
    const pool = last.startsWith('$') ? REGISTER_NAMES.map((r) => '$' + r) : this.ctx.symbols.names();
    const prefix = words.slice(0, -1).join(' ');
    return pool.filter((n) => n.startsWith(last)).slice(0, 200).sort().map((n) => `${prefix} ${n}`);
  }

  /** Runs one command line; resolves false when the session should end. */
  async execute(raw: string): Promise<boolean> {
    let line = raw.trim();
    if (line.startsWith('#')) return true;
    if (!line) {
      if (!this.options.repeatOnEmpty || !/^(stepi|si|nexti|ni|continue|c|cont)\b/.test(this.lastCommand)) return true;
      line = this.lastCommand;
    }
    this.lastCommand = line;
    this.interrupted = false;
    const m = /^([^\s/]+)(\/\S*)?\s*(.*)$/.exec(line)!;
    const word = m[1];
    const slash = m[2] ?? '';
    const args = m[3].trim();
    try {
      return await this.dispatch(word, slash, args);
    } catch (e) {
      if (e instanceof DebugError) this.print(e.message);
      else this.print(`internal error in '${word}': ${(e as Error).message} (the session goes on)`);
      return true;
    }
  }

  private async dispatch(word: string, slash: string, args: string): Promise<boolean> {
    const c = findCommand(word);
    if (word === 'x') {
      this.examine(slash, args);
      return true;
    }
    if (slash) throw new DebugError(usageLine(word));
    switch (c?.name) {
      case 'quit':
        return false;
      case 'help':
        for (const l of args ? helpFor(args) : helpAll()) this.print(l);
        return true;
      case 'continue':
        await this.cmdContinue(this.count(args, 'continue'));
        return true;
      case 'run':
        if (args) throw new DebugError('run takes no arguments here: give the program\'s arguments on the command line (x64emu debug prog args...)');
        await this.cmdRun();
        return true;
      case 'stepi':
        await this.cmdStepi(this.count(args, 'stepi'));
        return true;
      case 'nexti':
        await this.cmdNexti(this.count(args, 'nexti'));
        return true;
      case 'finish':
        await this.cmdFinish();
        return true;
      case 'until-syscall':
        await this.cmdUntilSyscall();
        return true;
      case 'break':
        this.cmdBreak(args);
        return true;
      case 'delete':
        this.cmdDelete(args);
        return true;
      case 'watch':
        this.cmdWatch(args);
        return true;
      case 'catch':
        this.cmdCatch(args);
        return true;
      case 'info':
        this.cmdInfo(args);
        return true;
      case 'regs':
        this.cmdRegs(args);
        return true;
      case 'disas':
        this.cmdDisas(args);
        return true;
      case 'bt':
        this.lines(backtraceView(this.ctx));
        return true;
      case 'print':
        this.cmdPrint(args);
        return true;
      case 'maps':
        this.lines(mapsView(this.ctx));
        return true;
      case 'auxv':
        this.lines(auxvView(this.ctx));
        return true;
      case 'stack':
        this.lines(stackView(this.ctx));
        return true;
      case 'vdso':
        this.ctx.refresh();
        this.lines(vdsoView(this.ctx));
        return true;
      case 'pagewalk':
        if (!args) throw new DebugError(usageLine('pagewalk'));
        this.lines(pagewalkView(this.ctx, evaluateAddress(this.ctx, args)));
        return true;
      case 'syscalls':
        this.cmdSyscalls(args);
        return true;
      case 'gdbserver':
        await this.cmdGdbserver(args);
        return true;
      default:
        throw new DebugError(usageLine(word));
    }
  }

  private lines(lines: string[]): void {
    for (const l of lines) this.print(l);
  }

  private count(args: string, command: string): number {
    if (!args) return 1;
    const n = Number(args);
    if (!Number.isInteger(n) || n < 1) throw new DebugError(usageLine(command));
    return n;
  }

  // ---- machine wiring --------------------------------------------------------------------

  /** Installs the debugger's hooks on the current machine. */
  private attach(): void {
    const machine = this.machine;
    const kernel = machine.kernel;
    this.history = new SyscallHistory(machine);
    const extra = this.options.observer?.(machine) ?? null;
    let observer = composeObservers(kernel.observer, this.history);
    if (extra) observer = composeObservers(observer, extra);
    kernel.observer = observer;
    kernel.debugStops = {
      syscallEntry: (_path, _nr, name) => this.kernelStop(this.syscallCatches(name), this.untilSyscall),
      syscallExit: (_path, _nr, name) => this.kernelStop(this.syscallCatches(name), false),
      exception: (vector) => this.kernelStop(this.points.filter((p): p is FaultCatch => p.type === 'catch-fault' && (!p.vectors || p.vectors.has(vector))), false),
    };
    this.installed = new Set();
  }

  private kernelStop(points: Array<SyscallCatch | FaultCatch>, until: boolean): boolean {
    if (!points.length && !until) return false;
    this.pendingPoints = points;
    this.pendingUntil = until;
    return true;
  }

  private syscallCatches(name: string): SyscallCatch[] {
    return this.points.filter((p): p is SyscallCatch => p.type === 'catch-syscall' && (!p.names || p.names.has(name)));
  }

  /** Makes the interpreter's breakpoints match the user's, the vDSO catchpoints' and a target's. */
  private syncBreakpoints(target?: Target): void {
    this.ctx.refresh();
    const want = new Set<number>();
    for (const p of this.points) if (p.type === 'break') want.add(p.address);
    for (const a of this.vdsoCatchAddresses().keys()) want.add(a);
    if (target) want.add(target.address);
    const interp = this.machine.interp;
    for (const a of this.installed) if (!want.has(a)) interp.removeBreakpoint(a);
    for (const a of want) if (!this.installed.has(a)) interp.addBreakpoint(a);
    this.installed = want;
  }

  /** vDSO function addresses some `catch vdso` wants, with the function's name. */
  private vdsoCatchAddresses(): Map<number, string> {
    const out = new Map<number, string>();
    const catches = this.points.filter((p): p is VdsoCatch => p.type === 'catch-vdso');
    const base = this.ctx.vdsoImageBase;
    if (!catches.length || !base) return out;
    for (const f of this.machine.kernel.vdso.image.functions) {
      if (catches.some((c) => !c.symbols || c.symbols.has(f.name))) out.set(base + f.offset, f.name);
    }
    return out;
  }

  // ---- running -----------------------------------------------------------------------------

  private get running(): boolean {
    return this.ended === null;
  }

  private requireRunning(): void {
    if (this.ended) throw new DebugError(`The program is not running (${this.endText(this.ended)}). 'run' starts it again.`);
  }

  private async breathe(): Promise<boolean> {
    const now = performance.now();
    if (now - this.lastYield > YIELD_MS) {
      this.lastYield = now;
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
    return this.interrupted;
  }

  /** Runs at full speed (breakpoints in the interpreter) until something stops it. */
  private async runFast(target?: Target): Promise<Stop> {
    const machine = this.machine;
    this.lastYield = performance.now();
    for (;;) {
      this.syncBreakpoints(target);
      const limit = machine.cpu.retired + SLICE;
      const outcome = this.installed.has(machine.cpu.rip) ? machine.continue(limit) : machine.run(limit);
      switch (outcome.kind) {
        case 'limit':
          if (await this.breathe()) return { why: 'interrupted' };
          continue;
        case 'breakpoint': {
          const stop = this.classifyAddress(outcome.address, target);
          if (stop) return stop;
          continue;
        }
        case 'stopped':
          return this.kernelStopInfo(outcome.event);
        default:
          return { why: 'ended', outcome };
      }
    }
  }

  /** A stop at `addr` from a breakpoint or after a step: the user's, a vDSO catch, the target. */
  private classifyAddress(addr: number, target?: Target): Stop | null {
    if (target && addr === target.address && target.accept()) return { why: 'done' };
    const bps = this.points.filter((p): p is Breakpoint => p.type === 'break' && p.address === addr);
    if (bps.length) {
      for (const b of bps) b.hits++;
      return { why: 'breakpoint', points: bps };
    }
    const fn = this.vdsoCatchAddresses().get(addr);
    if (fn) {
      const points = this.points.filter((p): p is VdsoCatch => p.type === 'catch-vdso' && (!p.symbols || p.symbols.has(fn)));
      for (const p of points) p.hits++;
      return { why: 'vdso', points, symbol: fn };
    }
    return null;
  }

  private kernelStopInfo(event: StopEvent): Stop {
    const points = this.pendingPoints;
    for (const p of points) p.hits++;
    const stop: Stop = { why: 'kernel', event, points, untilSyscall: this.pendingUntil };
    this.pendingPoints = [];
    this.pendingUntil = false;
    return stop;
  }

  /**
   * Runs one instruction at a time, checking watchpoints, breakpoints and `until` after
   * each. `onStep` sees every instruction with what it did at the privilege boundary.
   */
  private async runStepped(opts: {
    maxSteps?: number;
    target?: Target;
    until?: (s: StepInfo) => boolean;
    beforeStep?: (rip: number) => void;
    onStep?: (s: StepInfo) => void;
  }): Promise<Stop> {
    const machine = this.machine;
    const maxSteps = opts.maxSteps ?? Infinity;
    const watches = this.points.filter((p): p is Watchpoint => p.type === 'watch');
    this.ctx.refresh();
    // Addresses worth a closer look after a step (checked with one Set lookup per instruction).
    const stopAt = new Set<number>(this.vdsoCatchAddresses().keys());
    for (const p of this.points) if (p.type === 'break') stopAt.add(p.address);
    if (opts.target) stopAt.add(opts.target.address);
    this.lastYield = performance.now();
    for (let n = 0; ; n++) {
      if (n >= maxSteps) return { why: 'steps', count: n };
      if ((n & 1023) === 1023 && (await this.breathe())) return { why: 'interrupted' };
      const before = this.history.total;
      const pre = this.capture();
      opts.beforeStep?.(pre.rip);
      const outcome = machine.step();
      const info = this.describeStep(pre, before);
      opts.onStep?.(info);
      if (outcome) {
        if (outcome.kind === 'stopped') return this.kernelStopInfo(outcome.event);
        if (outcome.kind !== 'breakpoint' && outcome.kind !== 'limit') return { why: 'ended', outcome };
      }
      for (const w of watches) {
        const now = this.readWatch(w);
        if (!sameBytes(now, w.value)) {
          const old = w.value;
          w.value = now;
          w.hits++;
          return { why: 'watch', point: w, old, now, by: info, calls: this.history.since(before) };
        }
      }
      if (opts.until?.(info)) return { why: 'done' };
      if (stopAt.has(machine.cpu.rip)) {
        const stop = this.classifyAddress(machine.cpu.rip, opts.target);
        if (stop) return stop;
      }
    }
  }

  /** Runs on: stepping when a watchpoint needs it, else at full speed. */
  private resume(target?: Target): Promise<Stop> {
    if (this.points.some((p) => p.type === 'watch')) return this.runStepped({ target });
    return this.runFast(target);
  }

  private capture(): { rip: number; cpl: number; compat: boolean; fault: unknown } {
    const cpu = this.machine.cpu;
    return { rip: cpu.rip, cpl: cpu.cpl, compat: cpu.compat, fault: this.machine.interp.lastFault };
  }

  /** What the instruction just executed did that a learner should see. */
  private describeStep(at: ReturnType<DebugSession['capture']>, historyBefore: number): StepInfo {
    const cpu = this.machine.cpu;
    const lines: string[] = [];
    const ctx = this.ctx;
    let text: string | undefined;
    // Decoded after the fact from the same bytes: code does not change under a step.
    const pre = {
      ...at,
      get text(): string {
        return (text ??= ctx.instructionAt(at.rip)?.text ?? '(bad)');
      },
      get mnemonic(): string {
        return this.text.split(' ')[0];
      },
    };
    const where = (a: number): string => this.ctx.where(a);
    const fault = this.machine.interp.lastFault;
    const rsp = signedOf(cpu.lo[4], cpu.hi[4]);
    const iretFrame = (at: number, withError: boolean): string => {
      try {
        const q = (i: number): number => fromU64(readU64(this.machine, at + i * 8));
        const o = withError ? 1 : 0;
        return `${withError ? `error code ${hexSmall(q(0))}, then ` : ''}RIP ${where(q(o))}, CS ${hexSmall(q(o + 1))}, RFLAGS ${hexSmall(q(o + 2))} ${describeFlags(q(o + 2))}, RSP ${hexAddr(q(o + 3))}, SS ${hexSmall(q(o + 4))}`;
      } catch {
        return '(the frame is not readable)';
      }
    };
    if (pre.cpl === 3 && cpu.cpl === 0) {
      if (fault !== pre.fault && fault) {
        const name = VECTOR_NAMES[fault.vector] ?? `vector ${fault.vector}`;
        lines.push(`   [CPL 3 → 0] ${name} (${VECTOR_TITLES[fault.vector] ?? 'exception'}) at ${where(fault.rip)}: the CPU entered the kernel through IDT vector ${fault.vector}`);
        lines.push(`               and pushed on the kernel stack (TSS.RSP0) at ${hexAddr(rsp)}: ${iretFrame(rsp, fault.vector === 14 || fault.vector === 13 || fault.vector === 12 || fault.vector === 17 || fault.vector === 8 || fault.vector === 10 || fault.vector === 11)}`);
        if (fault.vector === 14) lines.push(`               CR2 = ${hexAddr(cpu.cr2)} (the address it could not access: ${PF_BITS(fault.errorCode)})`);
      } else if (pre.mnemonic === 'syscall') {
        // From compatibility mode SYSCALL takes its target from IA32_CSTAR (AMD; SDM/APM SYSCALL).
        const target = pre.compat ? `IA32_CSTAR ${where(cpu.cstar)}` : `IA32_LSTAR ${where(cpu.lstar)}`;
        lines.push(`   [CPL 3 → 0] syscall entered the kernel: RIP ← ${target}, CS/SS ← IA32_STAR (${hexSmall(cpu.selectors[1])}/${hexSmall(cpu.selectors[2])}), RFLAGS &= ~IA32_FMASK`);
        lines.push(`               it saved RCX = ${where(signedOf(cpu.lo[1], cpu.hi[1]))} (the return address) and R11 = ${hexSmall(cpu.lo[11])} ${describeFlags(cpu.lo[11])} (the user's RFLAGS); RSP is still the user's`);
        if (pre.compat) lines.push(`               (__kernel_vsyscall's convention: ECX was moved to EBP first; the kernel returns to int80_landing_pad through IRET)`);
      } else if (pre.mnemonic === 'sysenter') {
        lines.push(`   [CPL 3 → 0] sysenter entered the kernel: RIP ← IA32_SYSENTER_EIP ${where(cpu.sysenterEip)}, RSP ← IA32_SYSENTER_ESP ${hexAddr(cpu.sysenterEsp)}, CS ← IA32_SYSENTER_CS`);
        if (pre.compat) {
          lines.push(`               the CPU saved nothing: __kernel_vsyscall left the user's ESP in EBP = ${hexAddr(cpu.lo[5] >>> 0)}; the kernel returns to int80_landing_pad through IRET`);
        } else {
          lines.push(`               the CPU saved nothing: by x64emu's convention R10 = ${where(signedOf(cpu.lo[10], cpu.hi[10]))} (return RIP) and R11 = ${hexAddr(signedOf(cpu.lo[11], cpu.hi[11]))} (return RSP)`);
        }
      } else {
        const vector = /^int\s+0x([0-9a-f]+)/.exec(pre.text)?.[1];
        lines.push(`   [CPL 3 → 0] ${pre.text} entered the kernel through IDT vector ${vector ? '0x' + vector : '?'} (a DPL 3 gate), switching to the stack in TSS.RSP0`);
        lines.push(`               the CPU pushed the IRET frame at ${hexAddr(rsp)}: ${iretFrame(rsp, false)}`);
      }
    } else if (pre.cpl === 0 && cpu.cpl === 3) {
      const rflags = cpu.getRflags();
      if (pre.mnemonic.startsWith('sysret')) {
        lines.push(`   [CPL 0 → 3] ${pre.mnemonic} returned to user mode: RIP ← RCX = ${where(cpu.rip)}, RFLAGS ← R11 = ${hexSmall(rflags)} ${describeFlags(rflags)}, CS/SS ← IA32_STAR (${hexSmall(cpu.selectors[1])}/${hexSmall(cpu.selectors[2])})`);
      } else if (pre.mnemonic.startsWith('sysexit')) {
        lines.push(`   [CPL 0 → 3] ${pre.mnemonic} returned to user mode: RIP ← RDX = ${where(cpu.rip)}, RSP ← RCX = ${hexAddr(rsp)}`);
      } else {
        lines.push(`   [CPL 0 → 3] ${pre.mnemonic} returned to user mode, popping RIP ${where(cpu.rip)}, CS ${hexSmall(cpu.selectors[1])}, RFLAGS ${hexSmall(rflags)} ${describeFlags(rflags)}, RSP ${hexAddr(rsp)}, SS ${hexSmall(cpu.selectors[2])}`);
      }
    }
    for (const r of this.history.since(historyBefore)) {
      lines.push(`   [kernel] ${recordLine(r)}   (the kernel's handler ran at the vmcall)`);
    }
    return {
      rip: at.rip,
      get text() {
        return pre.text;
      },
      get mnemonic() {
        return pre.mnemonic;
      },
      lines,
      fromCpl: at.cpl,
      toCpl: cpu.cpl,
    };
  }

  private readWatch(w: Watchpoint): Uint8Array | null {
    try {
      return readMemory(this.machine, w.address, w.length);
    } catch {
      return null;
    }
  }

  // ---- reporting stops ------------------------------------------------------------------------

  private endText(outcome: RunOutcome): string {
    switch (outcome.kind) {
      case 'exited':
        return `it exited with status ${outcome.status}`;
      case 'signaled':
        return `it was killed by ${SIGNAL_NAMES[outcome.signal] ?? `signal ${outcome.signal}`}: ${outcome.reason}`;
      case 'fatal':
        return `the machine stopped: ${outcome.message}`;
      default:
        return outcome.kind;
    }
  }

  private report(stop: Stop): void {
    const machine = this.machine;
    switch (stop.why) {
      case 'ended': {
        this.ended = stop.outcome;
        const k = machine.kernel.stats;
        const vdso = Object.values(k.vdsoCalls).reduce((a, b) => a + b, 0);
        this.print(`Program ended: ${this.endText(stop.outcome)}.`);
        this.print(`   ${plural(machine.cpu.retired, 'instruction')} (${machine.interp.userRetired} in user mode), ${plural(k.syscallsTotal, 'system call')}, ${plural(vdso, 'vDSO call')}, ${plural(k.pageFaults, 'page fault')}`);
        return;
      }
      case 'interrupted':
        this.print('Interrupted.');
        break;
      case 'done':
      case 'steps':
        break;
      case 'breakpoint':
        this.print(`Breakpoint ${stop.points.map((p) => p.id).join(', ')}, ${this.ctx.where(machine.cpu.rip)} (${ordinal(stop.points[0].hits)} hit)`);
        break;
      case 'vdso':
        this.print(`Catchpoint ${stop.points.map((p) => p.id).join(', ')} (vDSO call ${stop.symbol}): user-mode code reading the vvar page; no kernel entry`);
        this.print(`   ${formatVdsoCall(stop.symbol, machine.cpu)}`);
        break;
      case 'watch':
        this.reportWatch(stop);
        break;
      case 'kernel':
        this.reportKernelStop(stop);
        break;
    }
    this.print(this.ctx.locationLine());
  }

  private reportWatch(stop: Extract<Stop, { why: 'watch' }>): void {
    const w = stop.point;
    const show = (b: Uint8Array | null): string => {
      if (!b) return '(not readable)';
      let s = hexBytes(b);
      if (b.length === 1 || b.length === 2 || b.length === 4 || b.length === 8) {
        let v = 0n;
        for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        s += `  (${'0x' + v.toString(16)} = ${v})`;
      }
      return s;
    };
    this.print(`Watchpoint ${w.id}: ${this.ctx.where(w.address)} (${plural(w.length, 'byte')}) changed`);
    this.print(`   old: ${show(stop.old)}`);
    this.print(`   new: ${show(stop.now)}`);
    if (stop.calls.length) {
      for (const r of stop.calls) this.print(`   written by the kernel during ${recordLine(r)}`);
    } else {
      this.print(`   written by ${this.ctx.where(stop.by.rip)}: ${stop.by.text}`);
    }
  }

  private reportKernelStop(stop: Extract<Stop, { why: 'kernel' }>): void {
    const e = stop.event;
    const ids = stop.points.map((p) => p.id).join(', ');
    const frame = this.machine.kernel.frame;
    if (e.kind === 'syscall-entry' || e.kind === 'syscall-exit') {
      const kernel = this.machine.kernel;
      const path = tracePath(kernel, e.path);
      const via = VIA[path];
      const head = stop.points.length ? `Catchpoint ${ids}` : 'System call';
      if (e.kind === 'syscall-entry') {
        const table = path === 'syscall' || path === 'syscall64' ? '' : 'ia32 ';
        this.print(`${head} (call to ${e.name}, ${table}nr ${e.nr}, via ${via}): ${formatSyscallEntry(kernel, path, e.nr, e.name, e.args)}`);
        this.print(`   The kernel has not run the handler yet. The CPU is at CPL 0 in the entry stub, just after its vmcall;`);
        this.print(`   the user's registers are saved in pt_regs at ${hexAddr(frame.address)}, and it will return to ${this.ctx.where(frame.get('rip'))}.`);
      } else {
        // Inputs as they were at entry (the history decoded them then), outputs as the kernel left them.
        const last = this.history.last;
        const entry = last && last.result === e.result && last.name === e.name ? last.decoded : undefined;
        const call = formatSyscallExit(kernel, path, e.nr, e.name, e.args, e.result, entry);
        this.print(`${head} (returned from ${e.name}, via ${via}): ${call} = ${formatSyscallResult(path, e.name, e.args, e.result)}`);
        this.print(`   The result is in pt_regs.rax at ${hexAddr(frame.address + 10 * 8)}; the stub will restore the registers and return to ${this.ctx.where(frame.get('rip'))}.`);
      }
      return;
    }
    const name = VECTOR_NAMES[e.vector] ?? `vector ${e.vector}`;
    const title = VECTOR_TITLES[e.vector] ?? 'exception';
    let head = `Catchpoint ${ids} (fault ${name}, ${title}) at ${this.ctx.where(e.rip)}`;
    if (e.vector === 14) head += `: ${PF_BITS(e.errorCode)} access to ${hexAddr(this.machine.cpu.cr2)}`;
    else if (e.errorCode >= 0 && e.errorCode !== 0xffffffff && e.errorCode !== -1) head += `, error code ${hexSmall(e.errorCode)}`;
    this.print(head);
    this.print(`   ${this.faultOutlook(e.vector, e.errorCode)}`);
  }

  /** What the kernel will do with the exception it is about to handle. */
  private faultOutlook(vector: number, errorCode: number): string {
    if (vector !== 14) return `The kernel has not handled it yet; it will send ${VECTOR_SIGNALS[vector] ?? 'a signal'} to the program.`;
    const addr = this.machine.cpu.cr2;
    const vmas = this.machine.kernel.process.space.vmas;
    const vma = vmas.find((v) => addr >= v.start && addr < v.end);
    const write = (errorCode & 2) !== 0;
    const fetch = (errorCode & 16) !== 0;
    if (vma) {
      const allowed = (vma.prot & PROT_READ) !== 0 && (!write || (vma.prot & PROT_WRITE) !== 0) && (!fetch || (vma.prot & PROT_EXEC) !== 0);
      if (allowed && !(errorCode & 1)) return `${hexAddr(addr)} is in ${vma.name || 'an anonymous mapping'}: the kernel will give it a page (demand paging) and the instruction will run again.`;
      return `${hexAddr(addr)} is in ${vma.name || 'an anonymous mapping'}, which does not allow this access: the kernel will send SIGSEGV (SEGV_ACCERR).`;
    }
    const stack = vmas.find((v) => v.growsDown && addr < v.start && addr >= v.end - STACK_LIMIT);
    if (stack) return `${hexAddr(addr)} is just below the stack: the kernel will grow the stack down to it.`;
    return `No area contains ${hexAddr(addr)}: the kernel will send SIGSEGV (SEGV_MAPERR).`;
  }

  // ---- execution commands ------------------------------------------------------------------------

  private async cmdContinue(n: number): Promise<void> {
    this.requireRunning();
    this.started = true;
    let stop: Stop = { why: 'done' };
    for (let i = 0; i < n; i++) {
      stop = await this.resume();
      if (stop.why === 'ended' || stop.why === 'interrupted') break;
      if (i + 1 < n) this.print(`   (stop ${i + 1} of ${n}: ${this.stopSummary(stop)})`);
    }
    this.report(stop);
  }

  private stopSummary(stop: Stop): string {
    switch (stop.why) {
      case 'breakpoint':
        return `breakpoint ${stop.points[0].id} at ${this.ctx.where(this.machine.cpu.rip)}`;
      case 'vdso':
        return `vDSO call ${stop.symbol}`;
      case 'kernel':
        return stop.event.kind === 'exception' ? `fault ${VECTOR_NAMES[stop.event.vector] ?? stop.event.vector}` : `${stop.event.kind} ${stop.event.name}`;
      case 'watch':
        return `watchpoint ${stop.point.id}`;
      default:
        return stop.why;
    }
  }

  private async cmdRun(): Promise<void> {
    if (this.started || this.ended || this.machine.cpu.retired > 0) this.restart();
    await this.cmdContinue(1);
  }

  /** A fresh machine with the program loaded again; points are kept (symbolic ones re-resolved). */
  private restart(): void {
    this.machine = this.options.start();
    this.ctx.reset(this.machine);
    this.attach();
    this.ended = null;
    this.started = false;
    for (const p of this.points) {
      p.hits = 0;
      if (p.type === 'break' || p.type === 'watch') {
        try {
          p.address = evaluateAddress(this.ctx, p.spec);
        } catch {
          // keep the old address: the spec named a register or memory that is not there yet
        }
        if (p.type === 'watch') p.value = this.readWatch(p);
      }
    }
    this.print(`Starting ${this.options.name} over from its entry point ${this.ctx.where(this.machine.cpu.rip)}.`);
  }

  private async cmdStepi(n: number): Promise<void> {
    this.requireRunning();
    this.started = true;
    let listed = 0;
    const stop = await this.runStepped({
      maxSteps: n,
      beforeStep: (rip) => {
        if (n > 1 && listed < LIST_LIMIT) this.print(`   ${this.ctx.instructionLine(rip)}`);
        listed++;
      },
      onStep: (s) => s.lines.forEach((l) => this.print(l)),
    });
    if (n > 1 && listed > LIST_LIMIT) this.print(`   ... and ${listed - LIST_LIMIT} more instructions`);
    this.report(stop);
  }

  private async cmdNexti(n: number): Promise<void> {
    this.requireRunning();
    this.started = true;
    for (let i = 0; i < n; i++) {
      const cpu = this.machine.cpu;
      const at = this.ctx.instructionAt(cpu.rip);
      const mnemonic = at?.text.split(' ')[0] ?? '';
      let stop: Stop;
      if (at && mnemonic === 'call') {
        const rsp = signedOf(cpu.lo[4], cpu.hi[4]);
        const next = cpu.rip + at.length;
        stop = await this.resume({ address: next, accept: () => signedOf(this.machine.cpu.lo[4], this.machine.cpu.hi[4]) >= rsp });
      } else if (at && cpu.cpl === 3 && (mnemonic === 'syscall' || mnemonic === 'sysenter' || mnemonic.startsWith('int'))) {
        const from = cpu.rip;
        let steps = 0;
        stop = await this.runStepped({
          until: (s) => s.toCpl === 3 && this.machine.cpu.rip !== from,
          onStep: (s) => {
            steps++;
            for (const l of s.lines) if (l.includes('[kernel]')) this.print(l);
          },
        });
        if (stop.why === 'done') this.print(`   (${mnemonic}: CPL 3 → 0 → 3 in ${plural(steps, 'instruction')}; 'stepi' shows the way through the kernel)`);
      } else {
        stop = await this.runStepped({ maxSteps: 1, onStep: (s) => s.lines.forEach((l) => this.print(l)) });
      }
      if (stop.why !== 'done' && stop.why !== 'steps') {
        this.report(stop);
        return;
      }
    }
    this.report({ why: 'done' });
  }

  private async cmdFinish(): Promise<void> {
    this.requireRunning();
    this.started = true;
    const cpu = this.machine.cpu;
    if (cpu.cpl === 0) {
      this.print('Run till the kernel returns to user mode...');
      const stop = await this.runStepped({ until: (s) => s.toCpl === 3, onStep: (s) => s.lines.forEach((l) => this.print(l)) });
      this.report(stop);
      return;
    }
    const rsp = signedOf(cpu.lo[4], cpu.hi[4]);
    const here = this.ctx.symbols.find(cpu.rip);
    let ret: number | undefined;
    let frameTop = rsp;
    if (here && here.offset === 0) {
      ret = fromU64(readU64(this.machine, rsp));
    } else if (here && this.usesFramePointer(here.symbol.address) && here.offset > 4) {
      const rbp = signedOf(cpu.lo[5], cpu.hi[5]);
      ret = fromU64(readU64(this.machine, rbp + 8));
      frameTop = rbp + 8;
    }
    this.print(`Run till exit from ${this.ctx.where(cpu.rip)}...`);
    let stop: Stop;
    if (ret !== undefined) {
      stop = await this.resume({ address: ret, accept: () => signedOf(this.machine.cpu.lo[4], this.machine.cpu.hi[4]) > frameTop });
    } else {
      stop = await this.runStepped({ until: (s) => s.fromCpl === 3 && signedOf(this.machine.cpu.lo[4], this.machine.cpu.hi[4]) > rsp && s.mnemonic.startsWith('ret') });
    }
    if (stop.why === 'done') {
      const rax = hex64(BigInt.asUintN(64, (BigInt(this.machine.cpu.hi[0] >>> 0) << 32n) | BigInt(this.machine.cpu.lo[0] >>> 0)));
      this.print(`Returned to ${this.ctx.where(this.machine.cpu.rip)}; rax = ${rax} (the return value, if it returns one)`);
    }
    this.report(stop);
  }

  /** Whether a function starts with `push rbp; mov rbp,rsp` (so [rbp+8] is its return address). */
  private usesFramePointer(fn: number): boolean {
    const first = this.ctx.instructionAt(fn);
    if (!first) return false;
    let at = fn + first.length;
    let text = first.text;
    if (text === 'endbr64') {
      const next = this.ctx.instructionAt(at);
      if (!next) return false;
      text = next.text;
      at += next.length;
    }
    return text === 'push rbp' && this.ctx.instructionAt(at)?.text === 'mov rbp,rsp';
  }

  private async cmdUntilSyscall(): Promise<void> {
    this.requireRunning();
    this.started = true;
    this.untilSyscall = true;
    try {
      const stop = await this.resume();
      this.report(stop);
    } finally {
      this.untilSyscall = false;
    }
  }

  /**
   * Hands the machine to gdb until it detaches, kills the program or goes away. The
   * stub owns the breakpoints and the kernel's debug stops meanwhile, so the session
   * takes its own out first and puts them back on the next resume.
   */
  private async cmdGdbserver(args: string): Promise<void> {
    this.requireRunning();
    if (!this.options.gdbserver) throw new DebugError('gdbserver is not available in this front end');
    const port = args ? Number(args) : 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DebugError(usageLine('gdbserver'));
    for (const a of this.installed) this.machine.interp.removeBreakpoint(a);
    this.installed = new Set();
    const server = await this.options.gdbserver(this.machine, port);
    this.gdbListener = server;
    this.print(`Waiting for gdb on ${server.host}:${server.port}: in gdb, type  target remote ${server.host}:${server.port}`);
    this.print('(the debugger resumes when gdb detaches, kills the program or disconnects; Ctrl-C stops waiting)');
    let end: GdbHandBack;
    try {
      end = await server.finished;
    } finally {
      this.gdbListener = null;
    }
    this.started = true;
    if (end.reason === 'exited' || end.reason === 'killed') {
      this.print(`gdb ${end.reason === 'killed' ? 'killed the program' : 'ran the program to its end'}.`);
      this.report({ why: 'ended', outcome: end.outcome });
      return;
    }
    this.print(end.reason === 'detached' ? 'gdb detached; the program is stopped where gdb left it.' : 'gdb is gone (no session, or the connection closed); the program is stopped where it was.');
    this.print(this.ctx.locationLine());
  }

  // ---- breakpoints and catchpoints -------------------------------------------------------------

  private cmdBreak(args: string): void {
    const spec = args.replace(/^\*/, '').trim() || '$rip';
    const address = evaluateAddress(this.ctx, spec);
    const t = translate(this.machine, address);
    if (!t.ok && /canonical/.test(t.why)) throw new DebugError(t.why);
    const p: Breakpoint = { id: this.nextId++, hits: 0, type: 'break', spec, address };
    this.points.push(p);
    const note = t.ok ? '' : ' (not mapped yet: it will trigger if code is placed there)';
    this.print(`Breakpoint ${p.id} at ${this.ctx.where(address)}${note}`);
  }

  private cmdWatch(args: string): void {
    const m = /^(.*?)(?:\s+(\d+))?$/.exec(args.trim());
    if (!args.trim() || !m) throw new DebugError(usageLine('watch'));
    const length = m[2] ? Number(m[2]) : 8;
    if (length < 1 || length > 64) throw new DebugError('a watchpoint covers 1 to 64 bytes');
    const spec = m[1].replace(/^\*/, '');
    const address = evaluateAddress(this.ctx, spec);
    const p: Watchpoint = { id: this.nextId++, hits: 0, type: 'watch', spec, address, length, value: null };
    p.value = this.readWatch(p);
    this.points.push(p);
    this.print(`Watchpoint ${p.id}: ${this.ctx.where(address)}, ${plural(length, 'byte')}${p.value ? ` = ${hexBytes(p.value)}` : ' (not readable yet)'}`);
    this.print('   (the program now runs one instruction at a time to check it: slower than usual)');
  }

  private cmdCatch(args: string): void {
    const [kind, ...rest] = args.split(/\s+/).filter(Boolean);
    if (kind === 'syscall') {
      let names: Set<string> | null = null;
      if (rest.length) {
        names = new Set();
        const known = new Set([...Object.values(SYSCALL_NAMES_64), ...Object.values(SYSCALL_NAMES_32)]);
        for (const r of rest) {
          if (/^\d+$/.test(r)) {
            const name = SYSCALL_NAMES_64[Number(r)];
            if (!name) throw new DebugError(`no x86-64 system call number ${r}`);
            names.add(name);
          } else if (known.has(r)) {
            names.add(r);
          } else throw new DebugError(`unknown system call '${r}' (names as in strace: write, openat, clock_gettime, ...)`);
        }
      }
      const p: SyscallCatch = { id: this.nextId++, hits: 0, type: 'catch-syscall', names };
      this.points.push(p);
      this.print(`Catchpoint ${p.id} (syscall ${names ? [...names].map((n) => `'${n}'`).join(' ') : 'any'}): stops when ${names && names.size === 1 ? 'it enters' : 'they enter'} the kernel and when ${names && names.size === 1 ? 'it returns' : 'they return'}`);
      return;
    }
    if (kind === 'vdso') {
      let symbols: Set<string> | null = null;
      if (rest.length) {
        symbols = new Set();
        const fns = this.machine.kernel.vdso.image.functions;
        for (const r of rest) {
          const f = fns.find((x) => x.name === r || x.alias === r || x.name === VDSO_PREFIX + r);
          if (!f) throw new DebugError(`the vDSO has no function '${r}' (it has ${fns.map((x) => x.alias).join(', ')})`);
          symbols.add(f.name);
        }
      }
      const p: VdsoCatch = { id: this.nextId++, hits: 0, type: 'catch-vdso', symbols };
      this.points.push(p);
      const note = this.ctx.vdsoImageBase ? '' : ' (this process has no vDSO now: it will not trigger unless one is mapped)';
      this.print(`Catchpoint ${p.id} (vDSO ${symbols ? [...symbols].join(' ') : 'any function'}): stops at the function's first instruction${note}`);
      return;
    }
    if (kind === 'fault') {
      let vectors: Set<number> | null = null;
      if (rest.length) {
        vectors = new Set();
        for (const r of rest) {
          const name = r.startsWith('#') ? r.toUpperCase() : '#' + r.toUpperCase();
          const entry = Object.entries(VECTOR_NAMES).find(([, n]) => n === name);
          const v = entry ? Number(entry[0]) : /^\d+$/.test(r) ? Number(r) : NaN;
          if (!Number.isInteger(v) || v > 31) throw new DebugError(`unknown exception '${r}' (use #DE #UD #GP #PF ... or a vector number 0-31)`);
          vectors.add(v);
        }
      }
      const p: FaultCatch = { id: this.nextId++, hits: 0, type: 'catch-fault', vectors };
      this.points.push(p);
      this.print(`Catchpoint ${p.id} (fault ${vectors ? [...vectors].map((v) => VECTOR_NAMES[v] ?? v).join(' ') : 'any exception from user mode, page faults included'}): stops before the kernel handles it`);
      return;
    }
    throw new DebugError(usageLine('catch'));
  }

  private cmdDelete(args: string): void {
    if (!args) {
      const n = this.points.length;
      this.points.length = 0;
      this.print(n ? `Deleted ${plural(n, 'breakpoint, watchpoint or catchpoint', 'breakpoints, watchpoints and catchpoints')}.` : 'Nothing to delete.');
      return;
    }
    for (const word of args.split(/[\s,]+/)) {
      const id = Number(word);
      const i = this.points.findIndex((p) => p.id === id);
      if (i < 0) throw new DebugError(`No breakpoint number ${word}. 'info breakpoints' lists them.`);
      this.points.splice(i, 1);
      this.print(`Deleted ${id}.`);
    }
  }

  private describePoint(p: Point): [string, string] {
    switch (p.type) {
      case 'break':
        return ['breakpoint', this.ctx.where(p.address)];
      case 'watch':
        return ['watchpoint', `${this.ctx.where(p.address)}, ${plural(p.length, 'byte')} (writes)`];
      case 'catch-syscall':
        return ['catch', `syscall ${p.names ? [...p.names].join(' ') : 'any'} (entry and return)`];
      case 'catch-vdso':
        return ['catch', `vdso ${p.symbols ? [...p.symbols].join(' ') : 'any function'}`];
      case 'catch-fault':
        return ['catch', `fault ${p.vectors ? [...p.vectors].map((v) => VECTOR_NAMES[v] ?? v).join(' ') : 'any exception'}`];
    }
  }

  private cmdInfo(args: string): void {
    const [what, ...rest] = args.split(/\s+/).filter(Boolean);
    switch (what) {
      case 'b':
      case 'break':
      case 'breakpoints':
      case 'watchpoints': {
        if (!this.points.length) {
          this.print('No breakpoints, watchpoints or catchpoints.');
          return;
        }
        this.print('Num  Type        Hits  What');
        for (const p of this.points) {
          const [type, what2] = this.describePoint(p);
          this.print(`${String(p.id).padEnd(4)} ${type.padEnd(11)} ${String(p.hits).padStart(4)}  ${what2}`);
        }
        return;
      }
      case 'r':
      case 'reg':
      case 'registers':
        this.cmdRegs(rest.join(' '));
        return;
      case 'cpu':
        this.lines(cpuInfoView(this.ctx));
        return;
      case 'auxv':
        this.lines(auxvView(this.ctx));
        return;
      case 'maps':
      case 'mappings':
        this.lines(mapsView(this.ctx));
        return;
      case 'vdso':
        this.ctx.refresh();
        this.lines(vdsoView(this.ctx));
        return;
      case 'syscalls':
        this.cmdSyscalls(rest.join(' '));
        return;
      case 'symbols':
      case 'functions': {
        const pattern = rest.join(' ');
        const names = this.ctx.symbols.names().filter((n) => n.includes(pattern)).sort();
        for (const n of names.slice(0, 60)) this.print(`  ${this.ctx.where(this.ctx.symbols.lookup(n)!.address).padEnd(40)} ${this.ctx.symbols.lookup(n)!.origin}`);
        this.print(names.length > 60 ? `  ... ${names.length - 60} more; narrow the pattern` : `${plural(names.length, 'symbol')}${pattern ? ` containing '${pattern}'` : ''}.`);
        return;
      }
      default:
        throw new DebugError(usageLine('info'));
    }
  }

  // ---- state commands ------------------------------------------------------------------------------

  /** All registers, or the ones named (`regs rip rsp`, `info registers rax`). */
  private cmdRegs(args: string): void {
    if (!args) {
      this.lines(registersView(this.ctx));
      return;
    }
    for (const word of args.split(/[\s,]+/)) {
      const name = word.replace(/^\$/, '');
      const v = registerValue(this.machine.cpu, name);
      if (v === undefined) throw new DebugError(`no register named ${word} (rax..r15, rip, rflags, fs_base, gs_base, kernel_gs_base, cr2, cr3)`);
      const sym = this.ctx.symbols.describe(fromU64(v));
      const flags = name === 'rflags' || name === 'eflags' ? ` ${describeFlags(Number(v))}` : '';
      this.print(`${name.padEnd(6)} ${hex64(v)}${sym ? ` <${sym}>` : ''}${flags}`);
    }
  }

  private cmdPrint(args: string): void {
    if (!args) throw new DebugError(usageLine('print'));
    const v = evaluate(this.ctx, args);
    const signed = BigInt.asIntN(64, v);
    const name = this.ctx.symbols.describe(fromU64(v));
    this.print(`${args} = 0x${v.toString(16)}${name ? ` <${name}>` : ''} (${signed < 0n ? `${v} unsigned, ${signed}` : v})`);
  }

  private cmdDisas(args: string): void {
    const words = args.split(/\s+/).filter(Boolean);
    let count = 10;
    let addrText = '$rip';
    if (words.length) {
      const last = words[words.length - 1];
      if (words.length > 1 && /^\d+$/.test(last)) {
        count = Number(last);
        addrText = words.slice(0, -1).join(' ');
      } else addrText = words.join(' ');
    }
    let addr = evaluateAddress(this.ctx, addrText);
    const sym = this.ctx.symbols.lookup(addrText);
    let end = Infinity;
    if (sym && sym.size > 0 && !(words.length > 1)) {
      end = sym.address + sym.size;
      count = 400;
      this.print(`Dump of ${sym.name} (${sym.size} bytes):`);
    }
    const rip = this.machine.cpu.rip;
    if (!readUpTo(this.machine, addr, 1).length) {
      const t = translate(this.machine, addr);
      throw new DebugError(t.ok ? `cannot read ${hexAddr(addr)}` : t.why);
    }
    const rows: Array<[string, string, string]> = [];
    let tail = '';
    for (let i = 0; i < count && addr < end; i++) {
      const mark = addr === rip ? '=> ' : '   ';
      const line = this.ctx.instructionAt(addr);
      if (!line) {
        const b = readUpTo(this.machine, addr, 1);
        if (!b.length) {
          tail = `   ${hexAddr(addr)}: (memory not readable beyond here)`;
          break;
        }
        rows.push([mark + this.ctx.where(addr) + ':', hexBytes(b), '(bad)']);
        addr += 1;
        continue;
      }
      rows.push([mark + this.ctx.where(addr) + ':', hexBytes(line.bytes), line.text]);
      addr += line.length;
    }
    const width = Math.max(...rows.map((r) => r[0].length));
    for (const [w, b, t] of rows) this.print(`${w.padEnd(width)} ${b.padEnd(21)} ${t}`);
    if (tail) this.print(tail);
  }

  /** x/<n><fmt><size> <addr>: gdb's examine command. */
  private examine(slash: string, args: string): void {
    const m = /^\/(\d*)([xduotcasi]?)([bhwg]?)$/.exec(slash || '/');
    if (!m || !args) throw new DebugError(usageLine('x'));
    const n = m[1] ? Number(m[1]) : 1;
    if (n < 1 || n > 4096) throw new DebugError('x: the count must be 1 to 4096');
    const fmt = m[2] || 'x';
    const size = m[3] || (fmt === 'a' ? 'g' : fmt === 'c' ? 'b' : 'w');
    let addr = evaluateAddress(this.ctx, args);
    if (fmt === 's') {
      for (let i = 0; i < n; i++) {
        const s = readCString(this.machine, addr, 4096);
        this.print(`${this.ctx.where(addr)}: ${quoteBytes(s.bytes, 4096)}${s.truncated ? '...' : ''}`);
        addr += s.bytes.length + 1;
      }
      return;
    }
    if (fmt === 'i') {
      for (let i = 0; i < n; i++) {
        const line = this.ctx.instructionAt(addr);
        if (!line) {
          if (!readUpTo(this.machine, addr, 1).length) throw new DebugError((translate(this.machine, addr) as { why: string }).why ?? `cannot read ${hexAddr(addr)}`);
          this.print(`   ${this.ctx.where(addr)}: (bad)`);
          addr += 1;
          continue;
        }
        this.print(`${addr === this.machine.cpu.rip ? '=> ' : '   '}${this.ctx.where(addr)}: ${line.text}`);
        addr += line.length;
      }
      return;
    }
    const unit = { b: 1, h: 2, w: 4, g: 8 }[size as 'b' | 'h' | 'w' | 'g'];
    const bytes = readMemory(this.machine, addr, n * unit);
    const perLine = unit === 8 ? 2 : unit === 4 ? 4 : 8;
    const view = new DataView(bytes.buffer);
    const value = (i: number): bigint => {
      const o = i * unit;
      return unit === 1 ? BigInt(view.getUint8(o)) : unit === 2 ? BigInt(view.getUint16(o, true)) : unit === 4 ? BigInt(view.getUint32(o, true)) : view.getBigUint64(o, true);
    };
    const bits = BigInt(unit * 8);
    const render = (v: bigint): string => {
      switch (fmt) {
        case 'x':
          return '0x' + v.toString(16).padStart(unit * 2, '0');
        case 'd':
          return BigInt.asIntN(Number(bits), v).toString();
        case 'u':
          return v.toString();
        case 'o':
          return '0' + v.toString(8);
        case 't':
          return v.toString(2).padStart(unit * 8, '0');
        case 'c': {
          const c = Number(v & 0xffn);
          return `${BigInt.asIntN(8, BigInt(c))} ${c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `'\\x${c.toString(16).padStart(2, '0')}'`}`;
        }
        case 'a': {
          const a = fromU64(v);
          const name = this.ctx.symbols.describe(a);
          return `0x${v.toString(16)}${name ? ` <${name}>` : ''}`;
        }
        default:
          return v.toString();
      }
    };
    for (let i = 0; i < n; i += perLine) {
      const cells: string[] = [];
      for (let j = i; j < Math.min(n, i + perLine); j++) cells.push(render(value(j)));
      this.print(`${this.ctx.where(addr + i * unit)}: ${cells.join('  ')}`);
    }
  }

  private cmdSyscalls(args: string): void {
    const h = this.history;
    const k = this.machine.kernel.stats;
    const limit = args === 'all' ? Infinity : args ? Number(args) : 20;
    if (!(limit > 0)) throw new DebugError(usageLine('syscalls'));
    const paths = Object.entries(k.byPath).filter(([, n]) => n > 0).map(([p, n]) => `${p} ${n}`).join(', ');
    this.print(`${plural(h.total, 'system call')} so far${paths ? ` (${paths})` : ''}:`);
    const shown = h.records.slice(Number.isFinite(limit) ? -limit : 0);
    if (shown.length && shown[0].seq > 1) this.print(`   ... ${shown[0].seq - 1} earlier ones not shown ('syscalls all' or 'syscalls N')`);
    for (const r of shown) this.print(`${String(r.seq).padStart(5)}  ${recordLine(r)}`);
    const vdso = Object.entries(k.vdsoCalls).filter(([, n]) => n > 0);
    if (vdso.length) this.print(`vDSO calls, which made no system call: ${vdso.map(([name, n]) => `${name} ${n}`).join(', ')}`);
    else if (this.ctx.vdsoImageBase) this.print('No vDSO calls yet.');
  }

  /** For tests and the front end. */
  get currentMachine(): Machine {
    return this.machine;
  }

  get isRunning(): boolean {
    return this.running;
  }
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (!a || !b) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

