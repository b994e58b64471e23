import { closeSync, openSync, readFileSync, realpathSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { ElfError } from '../loader/elf.js';
import { Machine, MachineOptions, RunOutcome } from '../machine.js';
import { NodeHost } from '../host/node-host.js';
import { CORE_SIGNALS, SIGNAL_DESCRIPTIONS, SIGNAL_NAMES } from '../kernel/signals.js';
import { parseGdbAddress } from '../debugger/gdb/address.js';
import { runUnderGdb } from '../debugger/gdb/server.js';
import { collectStats, formatStats } from './stats.js';
import { StraceWriter } from './strace.js';
import { formatVdsoCall } from '../debugger/syscall-format.js';

export interface RunOptions {
  strace?: boolean;
  traceVdso?: boolean;
  memory?: string;
  cpu?: string;
  maxInsns?: string;
  timeout?: string;
  trace?: string;
  traceRegs?: boolean;
  vdso?: boolean;
  aslr?: boolean;
  seed?: string;
  clock?: string;
  epoch?: string;
  vsyscall?: string;
  root?: string;
  stats?: boolean;
  statsJson?: string;
  gdb?: string;
}

/** Exit statuses of the emulator itself, chosen as a shell chooses them. */
export const EXIT_NOT_FOUND = 127;
export const EXIT_CANNOT_EXECUTE = 126;
export const EXIT_INSN_LIMIT = 124; // like timeout(1)
export const EXIT_TIME_LIMIT = 125; // --timeout: distinct from the instruction limit
export const EXIT_MACHINE_FAILURE = 70; // EX_SOFTWARE
export const EXIT_USAGE = 2;

class UsageError extends Error {}

function choice<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}

function integer(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}

/** Machine settings from the command line (shared by `run` and `debug`). */
export function machineOptions(options: RunOptions): Omit<MachineOptions, 'host'> {
  const epoch = options.epoch === undefined ? undefined : Number(options.epoch);
  if (epoch !== undefined && !Number.isFinite(epoch)) throw new UsageError(`--epoch must be seconds since 1970, got '${options.epoch}'`);
  return {
    memoryMiB: integer('memory', options.memory, 16, 2047),
    cpu: choice('cpu', options.cpu, ['intel', 'amd', 'legacy'] as const),
    vdso: options.vdso !== false,
    aslr: options.aslr !== false,
    seed: integer('seed', options.seed, 0, 2 ** 32 - 1),
    clock: choice('clock', options.clock, ['host', 'virtual'] as const),
    epochNs: epoch === undefined ? undefined : epoch * 1e9,
    vsyscall: choice('vsyscall', options.vsyscall, ['xonly', 'emulate', 'none'] as const),
    root: rootDirectory(options.root),
  };
}

/** --root DIR: an existing directory, made absolute and free of symbolic links (the kernel resolves every guest path inside it). */
function rootDirectory(dir: string | undefined): string | undefined {
  if (dir === undefined) return undefined;
  let real: string;
  try {
    real = realpathSync(resolve(dir));
  } catch {
    throw new UsageError(`--root must be an existing directory, got '${dir}'`);
  }
  if (!statSync(real).isDirectory()) throw new UsageError(`--root must be a directory, got '${dir}'`);
  return real;
}

/**
 * `x64emu run <elf> [args...]`: runs a guest as if the shell had exec'd it. With
 * `--gdb` the run waits on gdb, so the status comes later, as a promise.
 */
export function runCommand(file: string, args: string[], options: RunOptions): number | Promise<number> {
  const path = resolve(file);
  let image: Uint8Array;
  try {
    image = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'No such file or directory' : code === 'EISDIR' ? 'Is a directory' : code === 'EACCES' ? 'Permission denied' : String(code);
    process.stderr.write(`x64emu: ${file}: ${why}\n`);
    return code === 'ENOENT' ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
  }
  let machine: Machine;
  let limit = Infinity;
  let gdb: { host: string; port: number } | undefined;
  try {
    machine = new Machine({ host: new NodeHost(), ...machineOptions(options) });
    limit = integer('max-insns', options.maxInsns, 1, Number.MAX_SAFE_INTEGER) ?? Infinity;
    if (options.timeout !== undefined) {
      const seconds = Number(options.timeout);
      if (!(seconds > 0 && seconds <= 1e9)) throw new UsageError(`--timeout must be a positive number of seconds, got '${options.timeout}'`);
      machine.timeLimitSeconds = seconds;
    }
    if (options.gdb !== undefined) {
      const parsed = parseGdbAddress(options.gdb);
      if ('error' in parsed) throw new UsageError(parsed.error);
      if (options.trace) throw new UsageError('--gdb and --trace cannot be used together');
      gdb = parsed;
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`x64emu: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (options.strace) machine.kernel.observer = new StraceWriter(machine.kernel, (line) => process.stderr.write(line + '\n'));
  if (options.traceVdso) machine.kernel.vdsoObserver = (symbol) => process.stderr.write(formatVdsoCall(symbol, machine.cpu) + '\n');
  try {
    machine.load({ image, path, execPath: file, argv: [file, ...args], envp: Object.entries(process.env).map(([k, v]) => `${k}=${v}`) });
  } catch (e) {
    if (e instanceof ElfError) {
      process.stderr.write(`x64emu: ${file}: ${e.message}\n`);
      return EXIT_CANNOT_EXECUTE;
    }
    throw e;
  }
  if (gdb) {
    return runUnderGdb(machine, gdb, (line) => process.stderr.write(line + '\n'), limit).then(
      (outcome) => finishRun(file, machine, outcome, options),
      (e: unknown) => {
        process.stderr.write(`x64emu: --gdb: ${e instanceof Error ? e.message : String(e)}\n`);
        return EXIT_MACHINE_FAILURE;
      },
    );
  }
  let outcome: RunOutcome;
  if (options.trace) {
    const fd = openSync(options.trace, 'w');
    outcome = machine.trace((line) => writeSync(fd, line + '\n'), options.traceRegs ?? false, limit);
    closeSync(fd);
  } else {
    outcome = machine.run(limit);
  }
  return finishRun(file, machine, outcome, options);
}

/** Reports how the run ended and writes the statistics; returns the exit status. */
function finishRun(file: string, machine: Machine, outcome: RunOutcome, options: RunOptions): number {
  const status = reportOutcome(file, outcome);
  if (options.stats || options.statsJson) {
    const stats = collectStats(machine);
    if (options.stats) process.stderr.write(formatStats(stats) + '\n');
    if (options.statsJson) writeFileSync(options.statsJson, JSON.stringify({ ...stats, exitStatus: status }, null, 2) + '\n');
  }
  return status;
}

export function reportOutcome(file: string, outcome: RunOutcome): number {
  switch (outcome.kind) {
    case 'exited':
      return outcome.status;
    case 'signaled': {
      const description = SIGNAL_DESCRIPTIONS[outcome.signal] ?? `Signal ${outcome.signal}`;
      const core = CORE_SIGNALS.has(outcome.signal) ? ' (core dumped)' : '';
      process.stderr.write(`${description}${core} [${SIGNAL_NAMES[outcome.signal]} in ${file}: ${outcome.reason}]\n`);
      return 128 + outcome.signal;
    }
    case 'limit':
      process.stderr.write(`x64emu: stopped ${file} after ${outcome.instructions} instructions (--max-insns)\n`);
      return EXIT_INSN_LIMIT;
    case 'timeout':
      process.stderr.write(`x64emu: stopped ${file} after ${outcome.seconds.toFixed(1)} seconds and ${outcome.instructions} instructions (--timeout)\n`);
      return EXIT_TIME_LIMIT;
    case 'fatal':
      process.stderr.write(`x64emu: machine stopped: ${outcome.message}\n`);
      return EXIT_MACHINE_FAILURE;
    case 'breakpoint':
    case 'stopped':
      // Only a debugger sets breakpoints and stops; `run` never does.
      process.stderr.write(`x64emu: unexpected debugger stop (${outcome.kind})\n`);
      return EXIT_MACHINE_FAILURE;
  }
}
