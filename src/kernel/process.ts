import type { AddressSpace } from './address-space.js';
import { FdTable } from './files/fd-table.js';
import { SignalState } from './signals/state.js';
import { FsState } from './files/fs-state.js';

/** How a process ended: a status from exit, or a fatal signal. */
export type ExitState = { kind: 'exited'; status: number } | { kind: 'signaled'; signal: number; reason: string };

/** The one process this kernel runs (no fork yet). */
export class Process {
  readonly pid = 1000;
  exit: ExitState | null = null;
  /** Address given to set_tid_address (cleared and futex-woken at exit in Linux). */
  clearChildTid = 0;
  /** What the initial stack held, for the debugger's `stack` and /proc/self/auxv. */
  auxv: Array<[number, number]> = [];
  argv: string[] = [];
  envp: string[] = [];
  readonly fds = new FdTable();
  /** Dispositions, mask, pending signals, alternate stack (signals/state.ts). */
  readonly signals = new SignalState();
  /** Current directory and umask. */
  readonly fsState = new FsState();

  constructor(
    readonly space: AddressSpace,
    /** Absolute path of the executable, for /proc/self/exe and AT_EXECFN. */
    readonly exePath: string,
  ) {}
}
