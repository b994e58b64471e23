import { sysGetrandom, sysSysinfo, sysSysinfo32, sysUname } from './info.js';
import { FILE_CALLS_32, FILE_CALLS_64, FILE_CALLS_COMMON } from './file-table.js';
import { sysClose, sysFstat, sysIoctl, sysLseek, sysOpen, sysOpenat, sysRead, sysWrite, sysWritev } from './io.js';
import {
  sysClockGetres, sysClockGetres32, sysClockGettime, sysClockGettime32, sysGetcpu, sysGettimeofday, sysGettimeofday32,
  sysTime, sysTime32,
} from './time.js';
import { sysBrk, sysMmap, sysMprotect, sysMremap, sysMunmap, sysMmap2 } from './memory.js';
import {
  sysArchPrctl, sysExit, sysGetId, sysGetpid, sysPrlimit64, sysRseq, sysSetRobustList, sysSetTidAddress,
} from './process-calls.js';
import {
  sysKill, sysPause, sysRtSigaction, sysRtSigpending, sysRtSigprocmask, sysRtSigreturn, sysRtSigsuspend, sysSigaltstack,
  sysTgkill, sysTkill,
} from '../signals/syscalls.js';
import { SYSCALL_NAMES_32, SYSCALL_NAMES_64 } from './syscall-names.js';
import { sysOldMmap32, sysSetRobustList32, sysSetThreadArea, sysUgetrlimit } from '../compat/syscalls32.js';
import {
  sysRtSigaction32, sysRtSigreturn32, sysSigaction32, sysSigaltstack32, sysSignal32, sysSigpending32, sysSigprocmask32,
  sysSigreturn32, sysSigsuspend32,
} from '../compat/signal-calls32.js';
import type { SyscallEntry, SyscallHandler } from './types.js';

function table(names: Record<number, string>, handlers: Partial<Record<string, SyscallHandler>>): Record<number, SyscallEntry> {
  const out: Record<number, SyscallEntry> = {};
  for (const [nr, name] of Object.entries(names)) {
    const handler = handlers[name];
    if (handler) out[Number(nr)] = { name, handler };
  }
  const numbered = new Set(Object.values(names));
  for (const name of Object.keys(handlers)) {
    if (!numbered.has(name)) throw new Error(`syscall table: no number for ${name}`);
  }
  return out;
}

/** Handlers by Linux name, shared by both tables where the ABI is the same. */
const COMMON: Partial<Record<string, SyscallHandler>> = {
  ...FILE_CALLS_COMMON,
  read: sysRead,
  close: sysClose,
  open: sysOpen,
  openat: sysOpenat,
  write: sysWrite,
  brk: sysBrk,
  munmap: sysMunmap,
  mremap: sysMremap,
  mprotect: sysMprotect,
  ioctl: sysIoctl,
  uname: sysUname,
  getrandom: sysGetrandom,
  exit: sysExit,
  exit_group: sysExit,
  getpid: sysGetpid,
  gettid: sysGetpid,
  set_tid_address: sysSetTidAddress,
  rseq: sysRseq,
  prlimit64: sysPrlimit64,
  getcpu: sysGetcpu,
  // Signals: scalars and 8-byte sigsets (compat_sigset_t is two u32), the same in the compat ABI.
  kill: sysKill,
  tkill: sysTkill,
  tgkill: sysTgkill,
  rt_sigprocmask: sysRtSigprocmask,
  rt_sigpending: sysRtSigpending,
  rt_sigsuspend: sysRtSigsuspend,
  pause: sysPause,
};

/** The x86-64 table (arch/x86/entry/syscalls/syscall_64.tbl). */
export const X86_64_TABLE = table(SYSCALL_NAMES_64, {
  ...COMMON,
  ...FILE_CALLS_64,
  mmap: sysMmap,
  clock_gettime: sysClockGettime,
  clock_getres: sysClockGetres,
  gettimeofday: sysGettimeofday,
  time: sysTime,
  writev: sysWritev, // struct iovec differs in the compat ABI
  fstat: sysFstat,
  lseek: sysLseek, // off_t is 32-bit in the compat ABI (and _llseek is separate)
  arch_prctl: sysArchPrctl,
  sysinfo: sysSysinfo,
  set_robust_list: sysSetRobustList,
  getuid: sysGetId,
  geteuid: sysGetId,
  getgid: sysGetId,
  getegid: sysGetId,
  // Signals whose structures (sigaction, stack_t, the frame) differ in the compat ABI.
  rt_sigaction: sysRtSigaction,
  rt_sigreturn: sysRtSigreturn,
  sigaltstack: sysSigaltstack,
});

/**
 * The ia32 table (syscall_32.tbl), reached through `int 0x80`. Calls whose structures
 * differ in the compat ABI get their own handlers as they are added; these take only
 * scalars and byte buffers, so the 64-bit handlers serve.
 */
export const IA32_TABLE = table(SYSCALL_NAMES_32, {
  ...COMMON,
  ...FILE_CALLS_32,
  mmap: sysOldMmap32,
  sysinfo: sysSysinfo32,
  mmap2: sysMmap2,
  clock_gettime: sysClockGettime32,
  clock_gettime64: sysClockGettime,
  clock_getres: sysClockGetres32,
  clock_getres_time64: sysClockGetres,
  gettimeofday: sysGettimeofday32,
  time: sysTime32,
  getuid32: sysGetId,
  geteuid32: sysGetId,
  set_thread_area: sysSetThreadArea,
  ugetrlimit: sysUgetrlimit,
  set_robust_list: sysSetRobustList32,
  getgid32: sysGetId,
  getegid32: sysGetId,
  // The 16-bit-id forms (high2lowuid: the ids fit in 16 bits).
  getuid: sysGetId,
  geteuid: sysGetId,
  getgid: sysGetId,
  getegid: sysGetId,
  // Signals with the compat structures and frames (compat/signal-calls32.ts).
  rt_sigaction: sysRtSigaction32,
  rt_sigreturn: sysRtSigreturn32,
  sigaltstack: sysSigaltstack32,
  sigaction: sysSigaction32,
  signal: sysSignal32,
  sigprocmask: sysSigprocmask32,
  sigpending: sysSigpending32,
  sigsuspend: sysSigsuspend32,
  sigreturn: sysSigreturn32,
});
