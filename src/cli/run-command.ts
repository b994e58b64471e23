import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { ElfError } from '../loader/elf.js';
import { Machine, RunOutcome } from '../machine.js';
import { NodeHost } from '../host/node-host.js';
import { CORE_SIGNALS, SIGNAL_DESCRIPTIONS, SIGNAL_NAMES } from '../kernel/signals.js';
import { StraceWriter } from './strace.js';

export interface RunOptions {
  strace?: boolean;
  memory?: string;
  cpu?: string;
  maxInsns?: string;
  trace?: string;
  traceRegs?: boolean;
}

/** Exit statuses of the emulator itself, chosen as a shell chooses them. */
export const EXIT_NOT_FOUND = 127;
export const EXIT_CANNOT_EXECUTE = 126;
export const EXIT_INSN_LIMIT = 124; // like timeout(1)
export const EXIT_MACHINE_FAILURE = 70; // EX_SOFTWARE

/** `x64emu run <elf> [args...]`: runs a guest as if the shell had exec'd it. */
export function runCommand(file: string, args: string[], options: RunOptions): number {
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
  const memoryMiB = options.memory ? Number(options.memory) : undefined;
  if (memoryMiB !== undefined && !(memoryMiB >= 16 && memoryMiB <= 2047)) {
    process.stderr.write(`x64emu: --memory must be between 16 and 2047 MiB, got '${options.memory}'\n`);
    return 2;
  }
  if (options.cpu && options.cpu !== 'intel' && options.cpu !== 'amd') {
    process.stderr.write(`x64emu: --cpu must be 'intel' or 'amd', got '${options.cpu}'\n`);
    return 2;
  }
  const host = new NodeHost();
  const machine = new Machine({ host, memoryMiB, cpu: options.cpu as 'intel' | 'amd' | undefined });
  if (options.strace) machine.kernel.observer = new StraceWriter(machine.kernel, (line) => process.stderr.write(line + '\n'));
  try {
    machine.load({ image, path, execPath: file, argv: [file, ...args], envp: Object.entries(process.env).map(([k, v]) => `${k}=${v}`) });
  } catch (e) {
    if (e instanceof ElfError) {
      process.stderr.write(`x64emu: ${file}: ${e.message}\n`);
      return EXIT_CANNOT_EXECUTE;
    }
    throw e;
  }
  const limit = options.maxInsns ? Number(options.maxInsns) : Infinity;
  if (options.trace) {
    const fd = openSync(options.trace, 'w');
    const outcome = machine.trace((line) => writeSync(fd, line + '\n'), options.traceRegs ?? false, limit);
    closeSync(fd);
    return reportOutcome(file, outcome);
  }
  return reportOutcome(file, machine.run(limit));
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
    case 'fatal':
      process.stderr.write(`x64emu: machine stopped: ${outcome.message}\n`);
      return EXIT_MACHINE_FAILURE;
  }
}
