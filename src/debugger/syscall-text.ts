import type { EntryPath } from '../kernel/syscalls/types.js';
import type { Machine } from '../machine.js';
import { hexAddr } from './format.js';
import { errnoText, formatSyscallEntry, syscallArity as arity } from './syscall-format.js';

/**
 * The debugger's strace-style rendering of a system call, on the shared formatter
 * (syscall-format.ts: strace's decoding per call, the same as `--strace`). The call is
 * shown as it stands at entry: inputs decoded (paths, write's data, flags), the
 * buffers the kernel fills shown as their pointers. Memory is read without side effects.
 */

/** How many arguments a call shows (6 for one the formatter does not describe: the registers are shown raw). */
export function syscallArity(name: string, path: EntryPath = 'syscall'): number {
  return arity(name, path);
}

/** `write(1, "Hello\n", 6)`: the call as strace prints it before the result. */
export function formatCall(machine: Machine, path: EntryPath, name: string, args: number[]): string {
  return formatSyscallEntry(machine.kernel, path, -1, name, args);
}

/** ` = 36`, ` = -1 ENOENT (No such file or directory)`, ` = 0x4c9000`. */
export function formatResult(result: number): string {
  if (result < 0 && result >= -4095) {
    const [name, text] = errnoText(-result);
    return `-1 ${name} (${text})`;
  }
  return result >= 0 && result < 0x10000 ? String(result) : hexAddr(result);
}

/** The errno name of a result, or undefined for success. */
export function errnoName(result: number): string | undefined {
  if (result < 0 && result >= -4095) return errnoText(-result)[0];
  return undefined;
}
