import {
  decodeSyscallEntry, DecodedEntry, formatSyscallExit, formatSyscallLine, formatSyscallResult, GuestMemory, peekUser,
  tracePath,
} from '../debugger/syscall-format.js';
import type { Kernel, SyscallObserver } from '../kernel/kernel.js';
import type { EntryPath } from '../kernel/syscalls/types.js';

/**
 * `--strace`: one line per system call on stderr, as strace prints it
 * (`openat(AT_FDCWD, "/proc/self/maps", O_RDONLY) = 3`,
 * `= -1 ENOENT (No such file or directory)`, `exit_group(0) = ?`), with ` = ` aligned
 * at strace's column 40 and `[int80] `, `[sysenter] `, `[syscall] ` (compatibility mode)
 * or `[syscall64] ` in front of a call that did not enter through a 64-bit task's
 * `syscall` (syscall-format.ts, TracePath). Inputs are read at entry and outputs at exit, as strace
 * reads them; the line is written when the call returns (exit and exit_group, which
 * never return, at entry). Decoding is src/debugger/syscall-format.ts.
 */
export class StraceWriter implements SyscallObserver {
  private readonly mem: GuestMemory;
  private pending: DecodedEntry | null = null;

  constructor(
    private readonly kernel: Kernel,
    private readonly emit: (line: string) => void,
  ) {
    this.mem = peekUser(kernel);
  }

  onSyscallEntry(path: EntryPath, nr: number, name: string, args: number[]): void {
    const entry = decodeSyscallEntry(this.mem, tracePath(this.kernel, path), nr, name, args);
    if (name === 'exit' || name === 'exit_group') {
      this.pending = null;
      this.emit(formatSyscallLine(entry.path, entry.text, undefined));
      return;
    }
    this.pending = entry;
  }

  onSyscallExit(path: EntryPath, nr: number, name: string, args: number[], result: number): void {
    const entry = this.pending?.args === args ? this.pending : undefined;
    this.pending = null;
    const shown = entry?.path ?? tracePath(this.kernel, path);
    const call = formatSyscallExit(this.mem, shown, nr, name, args, result, entry);
    this.emit(formatSyscallLine(shown, call, formatSyscallResult(shown, name, args, result)));
  }

  onUnknownSyscall(path: EntryPath, nr: number, name: string): void {
    this.emit(`x64emu: unimplemented system call ${name} (${tracePath(this.kernel, path)} #${nr}): returning -ENOSYS`);
  }
}
