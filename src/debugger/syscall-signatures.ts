/**
 * Argument types per system call, for the strace-style formatter (syscall-format.ts).
 *
 * One list per call, in argument order, naming how strace shows each argument. The
 * x86-64 table covers the calls static programs make and the ones people look for; the
 * ia32 table (reached through `int 0x80` and `sysenter`) starts from the same entries
 * and overrides the calls whose shape differs in the compat ABI, plus the ia32-only
 * calls (mmap2, _llseek, fstat64, ...). Structure kinds (`timespec`, `iovec`, `stat`,
 * ...) are read in the layout of the entry's ABI: 64-bit fields through `syscall`,
 * compat ones through the 32-bit entries; a `*64` kind is the 64-bit layout on both.
 *
 * A call with no entry is shown with six raw hex arguments.
 */

/** How one argument is shown. Kinds marked "exit" are written by the kernel and decoded after the call. */
export type ArgKind =
  // scalars
  | 'int' // signed 32-bit decimal
  | 'uint' // unsigned 32-bit decimal
  | 'long' // signed long decimal (64-bit through syscall, 32-bit through the ia32 entries)
  | 'ulong' // unsigned long decimal (size_t)
  | 'hex' // %#lx: 0 or 0x...
  | 'ptr' // NULL or 0x...
  | 'fd'
  | 'dirfd' // AT_FDCWD or a descriptor
  | 'mode' // octal, 0644
  | 'signal' // SIGTERM (0 stays 0)
  | 'offset_hex' // mmap's offset: %#lx
  | 'pgoffset' // mmap2's offset in pages: %#lx
  // symbolic flags and enumerations
  | 'open_flags' // O_RDONLY|O_CLOEXEC
  | 'fd_flags' // O_NONBLOCK|O_CLOEXEC for pipe2/dup3 (no access mode)
  | 'open_mode' // octal mode, shown only when the flags (previous argument) create a file
  | 'prot' // PROT_READ|PROT_WRITE
  | 'map_flags' // MAP_PRIVATE|MAP_ANONYMOUS
  | 'mremap_flags'
  | 'mremap_addr' // new_address, shown only with MREMAP_MAYMOVE|MREMAP_FIXED
  | 'at_flags' // AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW
  | 'access_mode' // F_OK, R_OK|X_OK
  | 'grnd_flags' // GRND_NONBLOCK
  | 'clock' // CLOCK_MONOTONIC
  | 'timer_flags' // TIMER_ABSTIME
  | 'arch_code' // ARCH_SET_FS
  | 'arch_addr' // the address of arch_prctl: [0x...] at exit for the GET codes
  | 'ioctl_req' // TCGETS, TIOCGWINSZ, _IOC(...)
  | 'ioctl_arg' // decoded by request at exit (termios, winsize), else a pointer
  | 'rlimit_res' // RLIMIT_STACK
  | 'whence' // SEEK_SET
  | 'sighow' // SIG_BLOCK
  | 'madv' // MADV_DONTNEED
  | 'fcntl_cmd'
  | 'fcntl_arg' // by command: FD_CLOEXEC, O_* flags, an int, or nothing
  | 'rseq_flags'
  | 'wait_options' // WNOHANG|WUNTRACED
  | 'statx_flags' // AT_STATX_SYNC_AS_STAT|AT_EMPTY_PATH
  | 'statx_mask'
  | 'prctl_option'
  | 'futex_op' // FUTEX_WAIT_PRIVATE|FUTEX_CLOCK_REALTIME
  | 'futex_bitset' // FUTEX_BITSET_MATCH_ANY or a number
  // memory read at entry
  | 'path' // "string", not truncated
  | 'wbuf' // "data"..., the length is the next argument, 32 bytes shown
  | 'iovec' // [{iov_base="...", iov_len=N}, ...], the count is the next argument
  | 'timespec' // {tv_sec=1, tv_nsec=0}, native layout of the entry
  | 'timespec64' // 64-bit layout on both entries (clock_*_time64)
  | 'rlimit64' // {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}
  | 'sigset' // [INT TERM]; its size is rt_sigprocmask's last argument, else the next one
  | 'sigaction' // {sa_handler=..., sa_mask=[...], sa_flags=..., sa_restorer=...}
  | 'argv' // ["prog", "arg"]
  | 'envp' // 0x7ffd... /* 4 vars */
  | 'mmap_struct' // ia32 old_mmap: the six arguments read from memory, shown as mmap2 shows its own
  | 'old_sigaction' // ia32 struct old_sigaction: {sa_handler=..., sa_mask=[...], sa_flags=...}
  | 'old_sigaction_out'
  | 'old_sigset' // ia32 old_sigset_t in memory: [HUP USR1]
  | 'old_sigset_out'
  | 'old_sigset_value' // an old_sigset_t passed by value (sigsuspend)
  | 'sighandler' // SIG_DFL, SIG_IGN or an address (signal)
  | 'sigreturn_mask' // not an argument: {mask=[...]} from the frame below the stack pointer
  | 'stack' // stack_t: {ss_sp=0x..., ss_flags=SS_ONSTACK, ss_size=65536}
  | 'stack_out'
  | 'sigpending_out' // a sigset of the size the next argument gives (0: nothing written)
  | 'loff_hi' // _llseek's offset_high: with the next argument, one signed 64-bit offset
  | 'loff_lo' // shown within loff_hi
  | 'user_desc' // {entry_number=-1, base_addr=0x..., limit=0x0fffff, seg_32bit=1, ...} (set_thread_area)
  // memory written by the kernel (exit)
  | 'rbuf' // "data"..., as many bytes as the call returned
  | 'rbuf_hex' // the same, every byte \xNN (getrandom)
  | 'rpath' // a string of the returned length (getcwd)
  | 'riovec' // readv's vector, filled up to the returned length
  | 'timespec_out'
  | 'timespec64_out'
  | 'timeval_out'
  | 'timezone_out'
  | 'stat_out' // {st_mode=S_IFREG|0644, st_size=3, ...}
  | 'stat64_out' // ia32 struct stat64
  | 'statx_out'
  | 'rlimit64_out'
  | 'rlimit_out' // getrlimit: native unsigned longs
  | 'utsname_out' // {sysname="Linux", nodename="x64emu", ...}
  | 'uint_out' // [0]
  | 'time_out' // [1700000000 /* 2023-11-14T22:13:20+0000 */]
  | 'fds_out' // [3, 4]
  | 'sigset_out' // sized as 'sigset'
  | 'sigaction_out'
  | 'cpuset_out' // [0 1], as many bytes as the call returned
  | 'loff_out' // [offset] (_llseek)
  | 'int_out'; // [n]

export type Signature = readonly ArgKind[];

/** x86-64 (syscall_64.tbl): the calls static glibc and musl programs make, and their neighbours. */
export const SIGNATURES_64: Record<string, Signature> = {
  read: ['fd', 'rbuf', 'ulong'],
  write: ['fd', 'wbuf', 'ulong'],
  open: ['path', 'open_flags', 'open_mode'],
  close: ['fd'],
  stat: ['path', 'stat_out'],
  fstat: ['fd', 'stat_out'],
  lstat: ['path', 'stat_out'],
  poll: ['ptr', 'uint', 'int'],
  lseek: ['fd', 'long', 'whence'],
  mmap: ['ptr', 'ulong', 'prot', 'map_flags', 'fd', 'offset_hex'],
  mprotect: ['ptr', 'ulong', 'prot'],
  munmap: ['ptr', 'ulong'],
  brk: ['ptr'],
  rt_sigaction: ['signal', 'sigaction', 'sigaction_out', 'ulong'],
  rt_sigprocmask: ['sighow', 'sigset', 'sigset_out', 'ulong'],
  rt_sigreturn: ['sigreturn_mask'],
  ioctl: ['fd', 'ioctl_req', 'ioctl_arg'],
  pread64: ['fd', 'rbuf', 'ulong', 'long'],
  pwrite64: ['fd', 'wbuf', 'ulong', 'long'],
  readv: ['fd', 'riovec', 'int'],
  writev: ['fd', 'iovec', 'int'],
  access: ['path', 'access_mode'],
  pipe: ['fds_out'],
  sched_yield: [],
  mremap: ['ptr', 'ulong', 'ulong', 'mremap_flags', 'mremap_addr'],
  msync: ['ptr', 'ulong', 'hex'],
  madvise: ['ptr', 'ulong', 'madv'],
  dup: ['fd'],
  dup2: ['fd', 'fd'],
  pause: [],
  nanosleep: ['timespec', 'timespec_out'],
  getpid: [],
  exit: ['int'],
  wait4: ['int', 'ptr', 'wait_options', 'ptr'],
  kill: ['int', 'signal'],
  uname: ['utsname_out'],
  fcntl: ['fd', 'fcntl_cmd', 'fcntl_arg'],
  fsync: ['fd'],
  ftruncate: ['fd', 'long'],
  getcwd: ['rpath', 'ulong'],
  chdir: ['path'],
  fchdir: ['fd'],
  rename: ['path', 'path'],
  mkdir: ['path', 'mode'],
  rmdir: ['path'],
  unlink: ['path'],
  readlink: ['path', 'rbuf', 'ulong'],
  chmod: ['path', 'mode'],
  umask: ['mode'],
  gettimeofday: ['timeval_out', 'timezone_out'],
  getrlimit: ['rlimit_res', 'rlimit_out'],
  sysinfo: ['ptr'],
  getuid: [],
  getgid: [],
  geteuid: [],
  getegid: [],
  setpgid: ['int', 'int'],
  getppid: [],
  getpgrp: [],
  setsid: [],
  sigaltstack: ['stack', 'stack_out'],
  rt_sigsuspend: ['sigset', 'ulong'],
  rt_sigpending: ['sigpending_out', 'ulong'],
  arch_prctl: ['arch_code', 'arch_addr'],
  prctl: ['prctl_option', 'hex', 'hex', 'hex', 'hex'],
  gettid: [],
  time: ['time_out'],
  futex: ['ptr', 'futex_op', 'int', 'timespec', 'ptr', 'int'], // shaped by the operation in the formatter
  sched_getaffinity: ['int', 'uint', 'cpuset_out'],
  sched_setaffinity: ['int', 'uint', 'ptr'],
  set_tid_address: ['ptr'],
  clock_gettime: ['clock', 'timespec_out'],
  clock_getres: ['clock', 'timespec_out'],
  clock_nanosleep: ['clock', 'timer_flags', 'timespec', 'timespec_out'],
  exit_group: ['int'],
  tgkill: ['int', 'int', 'signal'],
  tkill: ['int', 'signal'],
  openat: ['dirfd', 'path', 'open_flags', 'open_mode'],
  mkdirat: ['dirfd', 'path', 'mode'],
  newfstatat: ['dirfd', 'path', 'stat_out', 'at_flags'],
  unlinkat: ['dirfd', 'path', 'at_flags'],
  readlinkat: ['dirfd', 'path', 'rbuf', 'ulong'],
  faccessat: ['dirfd', 'path', 'access_mode'],
  faccessat2: ['dirfd', 'path', 'access_mode', 'at_flags'],
  set_robust_list: ['ptr', 'ulong'],
  get_robust_list: ['int', 'ptr', 'ptr'],
  dup3: ['fd', 'fd', 'fd_flags'],
  pipe2: ['fds_out', 'fd_flags'],
  prlimit64: ['int', 'rlimit_res', 'rlimit64', 'rlimit64_out'],
  getrandom: ['rbuf_hex', 'ulong', 'grnd_flags'],
  getcpu: ['uint_out', 'uint_out', 'ptr'],
  rseq: ['ptr', 'hex', 'rseq_flags', 'hex'],
  statx: ['dirfd', 'path', 'statx_flags', 'statx_mask', 'statx_out'],
  execve: ['path', 'argv', 'envp'],
  fork: [],
  vfork: [],
  getdents64: ['fd', 'ptr', 'uint'],
  fadvise64: ['fd', 'long', 'long', 'int'],
  membarrier: ['int', 'uint', 'int'],
};

/** ia32 (syscall_32.tbl): compat layouts and the calls only the 32-bit table has. */
export const SIGNATURES_32: Record<string, Signature> = {
  ...SIGNATURES_64,
  // struct stat (compat, old) vs stat64.
  stat64: ['path', 'stat64_out'],
  lstat64: ['path', 'stat64_out'],
  fstat64: ['fd', 'stat64_out'],
  fstatat64: ['dirfd', 'path', 'stat64_out', 'at_flags'],
  // mmap #90 takes a pointer to its six arguments (old_mmap); mmap2 takes them in registers.
  mmap: ['mmap_struct'],
  mmap2: ['ptr', 'ulong', 'prot', 'map_flags', 'fd', 'pgoffset'],
  _llseek: ['fd', 'loff_hi', 'loff_lo', 'loff_out', 'whence'],
  ugetrlimit: ['rlimit_res', 'rlimit_out'],
  set_thread_area: ['user_desc'],
  // The old signal calls: struct old_sigaction, a 4-byte old_sigset_t.
  signal: ['signal', 'sighandler'],
  sigaction: ['signal', 'old_sigaction', 'old_sigaction_out'],
  sigprocmask: ['sighow', 'old_sigset', 'old_sigset_out'],
  sigpending: ['old_sigset_out'],
  sigsuspend: ['int', 'int', 'old_sigset_value'],
  sigreturn: ['sigreturn_mask'],
  get_thread_area: ['ptr'],
  waitpid: ['int', 'ptr', 'wait_options'],
  getuid32: [],
  getgid32: [],
  geteuid32: [],
  getegid32: [],
  fcntl64: ['fd', 'fcntl_cmd', 'fcntl_arg'],
  clock_gettime64: ['clock', 'timespec64_out'],
  clock_getres_time64: ['clock', 'timespec64_out'],
  clock_nanosleep_time64: ['clock', 'timer_flags', 'timespec64', 'timespec64_out'],
  futex_time64: ['ptr', 'futex_op', 'int', 'timespec64', 'ptr', 'int'],
};

/** The signature of a call on the table of its entry path, or undefined for one not described here. */
export function signatureOf(name: string, ia32: boolean): Signature | undefined {
  const table = ia32 ? SIGNATURES_32 : SIGNATURES_64;
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
