import type { Kernel } from '../kernel.js';

/**
 * A system call handler: receives the six arguments already taken from the entry's
 * registers (x86-64: rdi rsi rdx r10 r8 r9 as signed 64-bit numbers; ia32: ebx ecx
 * edx esi edi ebp as unsigned 32-bit), returns the result or -errno. Handlers read int
 * arguments with `| 0`, which is right for both conventions.
 */
export type SyscallHandler = (k: Kernel, a: number[]) => number;

export interface SyscallEntry {
  name: string;
  handler: SyscallHandler;
}

/** Entry paths into the kernel, as strace output and statistics name them. */
export type EntryPath = 'syscall' | 'int80' | 'sysenter';
