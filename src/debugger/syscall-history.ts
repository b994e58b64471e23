import type { SyscallObserver } from '../kernel/kernel.js';
import type { EntryPath } from '../kernel/syscalls/types.js';
import type { Machine } from '../machine.js';
import {
  DecodedEntry, decodeSyscallEntry, formatSyscallExit, formatSyscallLine, formatSyscallResult, tracePath, type TracePath,
} from './syscall-format.js';

/** One system call of the run, as the debugger's `syscalls` view lists it. */
export interface SyscallRecord {
  /** 1-based position in the run. */
  seq: number;
  path: TracePath;
  nr: number;
  name: string;
  args: number[];
  /** What strace's decoding read at entry (inputs before the kernel changed memory). */
  decoded: DecodedEntry;
  /** The call with its arguments: as at entry, then with the outputs decoded at exit. */
  call: string;
  /** The return value; undefined while the call runs (and forever for exit). */
  result?: number;
  /** Where the program resumes (the user RIP saved in pt_regs). */
  returnRip: number;
}

/** How many records the history keeps (a --no-vdso clock loop makes hundreds of thousands). */
const KEEP = 10_000;

/**
 * Records every system call the kernel serves, decoded by the shared strace formatter
 * (syscall-format.ts), as an observer composed with any other (strace keeps working
 * alongside the debugger).
 */
export class SyscallHistory implements SyscallObserver {
  readonly records: SyscallRecord[] = [];
  total = 0;
  private current: SyscallRecord | null = null;

  constructor(private readonly machine: Machine) {}

  onSyscallEntry(path: EntryPath, nr: number, name: string, args: number[]): void {
    const kernel = this.machine.kernel;
    const decoded = decodeSyscallEntry(kernel, tracePath(kernel, path), nr, name, args);
    const record: SyscallRecord = { seq: ++this.total, path: decoded.path, nr, name, args, decoded, call: decoded.text, returnRip: kernel.frame.get('rip') };
    this.records.push(record);
    if (this.records.length > KEEP * 1.5) this.records.splice(0, this.records.length - KEEP);
    this.current = record;
  }

  onSyscallExit(_path: EntryPath, nr: number, name: string, args: number[], result: number): void {
    const r = this.current;
    this.current = null;
    if (!r) return;
    r.result = result;
    r.call = formatSyscallExit(this.machine.kernel, r.path, nr, name, args, result, r.decoded);
  }

  /** The record of the call the kernel is handling or has just handled. */
  get last(): SyscallRecord | undefined {
    return this.records[this.records.length - 1];
  }

  /** Records after the seq number `after`. */
  since(after: number): SyscallRecord[] {
    const out: SyscallRecord[] = [];
    for (let i = this.records.length - 1; i >= 0 && this.records[i].seq > after; i--) out.unshift(this.records[i]);
    return out;
  }
}

/** `write(1, "hi\n", 3) = 3`, with `[int80] ` (etc.) in front of the entries --strace marks. */
export function recordLine(r: SyscallRecord): string {
  return formatSyscallLine(r.path, r.call, r.result === undefined ? undefined : formatSyscallResult(r.path, r.name, r.args, r.result), 0);
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
