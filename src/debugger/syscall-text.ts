import { ERRNO_NAMES } from '../kernel/errno.js';
import type { EntryPath } from '../kernel/syscalls/types.js';
import type { Machine } from '../machine.js';
import { hexAddr, quoteBytes } from './format.js';
import { readCString, readMemory } from './memory.js';

/**
 * The debugger's own strace-style rendering of a system call, used until the shared
 * formatter (src/debugger/syscall-format.ts, strace's decoding per call) is available:
 * the right number of arguments per call, small integers in decimal, pointers in hex,
 * and the buffers and paths people look for first (write's data, open's path, exit's
 * status) read from guest memory without side effects.
 */

type Kind = 'int' | 'hex' | 'ptr' | 'str' | 'buf' | 'clock' | 'fd';

/** Argument kinds of the calls static programs make most (x86-64 names; ia32 names map onto them). */
const SIGNATURES: Record<string, Kind[]> = {
  read: ['fd', 'ptr', 'int'],
  write: ['fd', 'buf', 'int'],
  open: ['str', 'hex', 'hex'],
  openat: ['fd', 'str', 'hex', 'hex'],
  close: ['fd'],
  fstat: ['fd', 'ptr'],
  newfstatat: ['fd', 'str', 'ptr', 'hex'],
  fstat64: ['fd', 'ptr'],
  lseek: ['fd', 'int', 'int'],
  mmap: ['ptr', 'int', 'hex', 'hex', 'fd', 'hex'],
  mmap2: ['ptr', 'int', 'hex', 'hex', 'fd', 'hex'],
  mprotect: ['ptr', 'int', 'hex'],
  munmap: ['ptr', 'int'],
  mremap: ['ptr', 'int', 'int', 'hex', 'ptr'],
  brk: ['ptr'],
  ioctl: ['fd', 'hex', 'ptr'],
  readv: ['fd', 'ptr', 'int'],
  writev: ['fd', 'ptr', 'int'],
  access: ['str', 'int'],
  getpid: [],
  gettid: [],
  getuid: [],
  geteuid: [],
  getgid: [],
  getegid: [],
  getppid: [],
  exit: ['int'],
  exit_group: ['int'],
  uname: ['ptr'],
  readlink: ['str', 'ptr', 'int'],
  readlinkat: ['fd', 'str', 'ptr', 'int'],
  arch_prctl: ['hex', 'ptr'],
  set_tid_address: ['ptr'],
  set_robust_list: ['ptr', 'int'],
  rseq: ['ptr', 'int', 'hex', 'hex'],
  prlimit64: ['int', 'int', 'ptr', 'ptr'],
  getrandom: ['ptr', 'int', 'hex'],
  clock_gettime: ['clock', 'ptr'],
  clock_gettime64: ['clock', 'ptr'],
  clock_getres: ['clock', 'ptr'],
  clock_getres_time64: ['clock', 'ptr'],
  clock_nanosleep: ['clock', 'hex', 'ptr', 'ptr'],
  gettimeofday: ['ptr', 'ptr'],
  time: ['ptr'],
  getcpu: ['ptr', 'ptr', 'ptr'],
  nanosleep: ['ptr', 'ptr'],
  rt_sigaction: ['int', 'ptr', 'ptr', 'int'],
  rt_sigprocmask: ['int', 'ptr', 'ptr', 'int'],
  sched_getaffinity: ['int', 'int', 'ptr'],
  futex: ['ptr', 'hex', 'int', 'ptr', 'ptr', 'int'],
  tgkill: ['int', 'int', 'int'],
  kill: ['int', 'int'],
  getcwd: ['ptr', 'int'],
  madvise: ['ptr', 'int', 'int'],
  sysinfo: ['ptr'],
  poll: ['ptr', 'int', 'int'],
  dup: ['fd'],
  dup2: ['fd', 'fd'],
  dup3: ['fd', 'fd', 'hex'],
  pipe: ['ptr'],
  pipe2: ['ptr', 'hex'],
  fcntl: ['fd', 'int', 'hex'],
  fcntl64: ['fd', 'int', 'hex'],
  statx: ['fd', 'str', 'hex', 'hex', 'ptr'],
};

const CLOCK_NAMES = ['CLOCK_REALTIME', 'CLOCK_MONOTONIC', 'CLOCK_PROCESS_CPUTIME_ID', 'CLOCK_THREAD_CPUTIME_ID', 'CLOCK_MONOTONIC_RAW',
  'CLOCK_REALTIME_COARSE', 'CLOCK_MONOTONIC_COARSE', 'CLOCK_BOOTTIME', 'CLOCK_REALTIME_ALARM', 'CLOCK_BOOTTIME_ALARM', undefined, 'CLOCK_TAI'];

/** How many arguments a call takes (6 for one we do not know: the registers are shown raw). */
export function syscallArity(name: string): number {
  return SIGNATURES[name]?.length ?? 6;
}

/** `write(1, "Hello\n", 6)`: the call as strace prints it before the result. */
export function formatCall(machine: Machine, path: EntryPath, name: string, args: number[]): string {
  const kinds = SIGNATURES[name] ?? new Array<Kind>(6).fill('hex');
  const ia32 = path !== 'syscall';
  const shown = kinds.map((kind, i) => formatArg(machine, kind, ia32 ? args[i] >>> 0 : args[i], args, i, ia32));
  return `${name}(${shown.join(', ')})`;
}

function formatArg(machine: Machine, kind: Kind, v: number, args: number[], i: number, ia32: boolean): string {
  switch (kind) {
    case 'int':
    case 'fd': {
      const n = ia32 ? v | 0 : v;
      if (kind === 'fd' && n === -100) return 'AT_FDCWD';
      return String(n);
    }
    case 'clock':
      return CLOCK_NAMES[v] ?? String(v | 0);
    case 'hex':
      return v === 0 ? '0' : hexAddr(v);
    case 'ptr':
      return v === 0 ? 'NULL' : hexAddr(v);
    case 'str':
      if (v === 0) return 'NULL';
      try {
        const s = readCString(machine, v, 256);
        return quoteBytes(s.bytes, 256) + (s.truncated ? '...' : '');
      } catch {
        return hexAddr(v);
      }
    case 'buf': {
      if (v === 0) return 'NULL';
      const length = Math.max(0, Math.min(Number(args[i + 1] >>> 0), 4096));
      try {
        return quoteBytes(readMemory(machine, v, Math.min(length, 33)), 32);
      } catch {
        return hexAddr(v);
      }
    }
  }
}

/** ` = 36`, ` = -1 ENOENT (No such file or directory)`, ` = 0x4c9000`. */
export function formatResult(result: number): string {
  if (result < 0 && result >= -4095) {
    const [name, text] = ERRNO_NAMES[-result] ?? [`E${-result}`, 'Unknown error'];
    return `-1 ${name} (${text})`;
  }
  return result >= 0 && result < 0x10000 ? String(result) : hexAddr(result);
}

/** The errno name of a result, or undefined for success. */
export function errnoName(result: number): string | undefined {
  if (result < 0 && result >= -4095) return ERRNO_NAMES[-result]?.[0] ?? `E${-result}`;
  return undefined;
}
