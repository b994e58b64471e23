import { ERRNO_NAMES } from '../kernel/errno.js';
import type { Kernel, SyscallObserver } from '../kernel/kernel.js';
import type { EntryPath } from '../kernel/syscalls/types.js';

/**
 * `--strace`: one line per system call on stderr, in strace's shape
 * (`write(1, 0x4a1b20, 14) = 14`, `= -1 ENOENT (No such file or directory)`), marked
 * with the entry path when it is not `syscall`. Arguments are shown raw for now;
 * decoding per call arrives with the debugger work (issue 5).
 */
export class StraceWriter implements SyscallObserver {
  constructor(
    private readonly kernel: Kernel,
    private readonly emit: (line: string) => void,
  ) {}

  onSyscallExit(path: EntryPath, _nr: number, name: string, args: number[], result: number): void {
    this.emit(`${path === 'syscall' ? '' : `[${path}] `}${name}(${args.slice(0, 3).map(formatArg).join(', ')}) = ${formatResult(result)}`);
  }

  onSyscallEntry(path: EntryPath, _nr: number, name: string, args: number[]): void {
    // exit and exit_group never return: strace prints them with "= ?".
    if ((name === 'exit' || name === 'exit_group') && this.kernel) {
      this.emit(`${path === 'syscall' ? '' : `[${path}] `}${name}(${args[0] | 0}) = ?`);
    }
  }

  onUnknownSyscall(path: EntryPath, nr: number, name: string): void {
    this.emit(`x64emu: unimplemented system call ${name} (${path} #${nr}): returning -ENOSYS`);
  }
}

function formatArg(v: number): string {
  return v >= 0 && v < 4096 ? String(v) : v < 0 ? String(v) : `0x${v.toString(16)}`;
}

function formatResult(r: number): string {
  if (r < 0 && r >= -4095) {
    const [name, text] = ERRNO_NAMES[-r] ?? [`E${-r}`, 'Unknown error'];
    return `-1 ${name} (${text})`;
  }
  return r >= 0 && r < 4096 ? String(r) : `0x${r.toString(16)}`;
}
