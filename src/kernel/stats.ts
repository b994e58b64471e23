import type { EntryPath } from './syscalls/types.js';

/** Counters the kernel keeps for `--stats` / `--stats-json`. */
export class KernelStats {
  syscallsTotal = 0;
  readonly byPath: Record<EntryPath, number> = { syscall: 0, int80: 0, sysenter: 0 };
  readonly byName: Record<string, number> = {};
  pageFaults = 0;
  exceptions = 0;
  /** Entries into each vDSO function (no kernel entry: counted by the interpreter). */
  readonly vdsoCalls: Record<string, number> = {};

  countSyscall(path: EntryPath, name: string): void {
    this.syscallsTotal++;
    this.byPath[path]++;
    this.byName[name] = (this.byName[name] ?? 0) + 1;
  }
}
