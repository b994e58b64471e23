import {
  decodeSyscallEntry, DecodedEntry, formatSyscallExit, formatSyscallLine, formatSyscallResult, GuestMemory, peekUser,
} from '../debugger/syscall-format.js';
import type { Kernel, SyscallObserver } from '../kernel/kernel.js';
import type { EntryPath } from '../kernel/syscalls/types.js';

/**
 * `--strace`: one line per system call on stderr, as strace prints it
 * (`openat(AT_FDCWD, "/proc/self/maps", O_RDONLY) = 3`,
 * `= -1 ENOENT (No such file or directory)`, `exit_group(0) = ?`), with ` = ` aligned
 * at strace's column 40 and `[int80] ` or `[sysenter] ` in front of a call that did not
 * enter through `syscall`. Inputs are read at entry and outputs at exit, as strace
 * reads them; the line is written when the call returns (exit and exit_group, which
 * never return, at entry). Decoding is src/debugger/syscall-format.ts.
 */
export class StraceWriter implements SyscallObserver {
  private readonly mem: GuestMemory;
  private pending: DecodedEntry | null = null;

  constructor(
    kernel: Kernel,
    private readonly emit: (line: string) => void,
  ) {
    this.mem = peekUser(kernel);
  }

  onSyscallEntry(path: EntryPath, nr: number, name: string, args: number[]): void {
    const entry = decodeSyscallEntry(this.mem, path, nr, name, args);
    if (name === 'exit' || name === 'exit_group') {
      this.pending = null;
      this.emit(formatSyscallLine(path, entry.text, undefined));
      return;
    }
    this.pending = entry;
  }

  onSyscallExit(path: EntryPath, nr: number, name: string, args: number[], result: number): void {
    const entry = this.pending?.args === args ? this.pending : undefined;
    this.pending = null;
    const call = formatSyscallExit(this.mem, path, nr, name, args, result, entry);
    this.emit(formatSyscallLine(path, call, formatSyscallResult(path, name, args, result)));
  }

  onUnknownSyscall(path: EntryPath, nr: number, name: string): void {
    this.emit(`x64emu: unimplemented system call ${name} (${path} #${nr}): returning -ENOSYS`);
  }
}
