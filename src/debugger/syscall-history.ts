import type { SyscallObserver } from '../kernel/kernel.js';
import type { EntryPath } from '../kernel/syscalls/types.js';
import type { Machine } from '../machine.js';
import { formatCall, formatResult } from './syscall-text.js';

/** One system call of the run, as the debugger's `syscalls` view lists it. */
export interface SyscallRecord {
  /** 1-based position in the run. */
  seq: number;
  path: EntryPath;
  nr: number;
  name: string;
  /** The call with its arguments, rendered at entry (before the kernel changed memory). */
  call: string;
  /** The return value; undefined while the call runs (and forever for exit). */
  result?: number;
  /** Where the program resumes (the user RIP saved in pt_regs). */
  returnRip: number;
}

/** How many records the history keeps (a --no-vdso clock loop makes hundreds of thousands). */
const KEEP = 10_000;

/**
 * Records every system call the kernel serves, as an observer composed with any other
 * (strace keeps working alongside the debugger).
 */
export class SyscallHistory implements SyscallObserver {
  readonly records: SyscallRecord[] = [];
  total = 0;
  private current: SyscallRecord | null = null;

  constructor(private readonly machine: Machine) {}

  onSyscallEntry(path: EntryPath, nr: number, name: string, args: number[]): void {
    const record: SyscallRecord = {
      seq: ++this.total,
      path,
      nr,
      name,
      call: formatCall(this.machine, path, name, args),
      returnRip: this.machine.kernel.frame.get('rip'),
    };
    this.records.push(record);
    if (this.records.length > KEEP * 1.5) this.records.splice(0, this.records.length - KEEP);
    this.current = record;
  }

  onSyscallExit(_path: EntryPath, _nr: number, _name: string, _args: number[], result: number): void {
    if (this.current) this.current.result = result;
    this.current = null;
  }

  /** Records after the seq number `after`. */
  since(after: number): SyscallRecord[] {
    const out: SyscallRecord[] = [];
    for (let i = this.records.length - 1; i >= 0 && this.records[i].seq > after; i--) out.unshift(this.records[i]);
    return out;
  }
}

/** `write(1, "hi\n", 3) = 3`, with `[int80] ` in front for the ia32 entries, as --strace marks them. */
export function recordLine(r: SyscallRecord): string {
  const mark = r.path === 'syscall' ? '' : `[${r.path}] `;
  return `${mark}${r.call} = ${r.result === undefined ? '?' : formatResult(r.result)}`;
}

/** Both observers see every event (the debugger never takes strace's place). */
export function composeObservers(a: SyscallObserver | null, b: SyscallObserver): SyscallObserver {
  if (!a) return b;
  return {
    onSyscallEntry: (...x) => {
      a.onSyscallEntry?.(...x);
      b.onSyscallEntry?.(...x);
    },
    onSyscallExit: (...x) => {
      a.onSyscallExit?.(...x);
      b.onSyscallExit?.(...x);
    },
    onUnknownSyscall: (...x) => {
      a.onUnknownSyscall?.(...x);
      b.onUnknownSyscall?.(...x);
    },
  };
}
