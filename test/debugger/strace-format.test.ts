import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeSyscallEntry, formatSyscallEntry, formatSyscallExit, formatSyscallLine, formatSyscallResult, formatVdsoCall, GuestMemory, peekUser,
  syscallArity,
} from '../../src/debugger/syscall-format.js';
import type { EntryPath } from '../../src/kernel/syscalls/types.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { Machine } from '../../src/machine.js';

/**
 * The formatter, call by call, against lines the host's strace 6.1 printed for the same
 * calls with the same memory (a static test program making each call with syscall(2);
 * strace -qq, default -s 32). Memory is a small fake guest.
 */

/** A guest with 64 KiB of readable memory at 0x7ffc0000 (and nothing else), filled as a test needs. */
class FakeMemory implements GuestMemory {
  static readonly BASE = 0x7ffc0000;
  private readonly bytes = new Uint8Array(0x10000);
  private next = FakeMemory.BASE;

  /** Places bytes at `at` (or the next free spot) and returns the address. */
  put(data: Uint8Array | string | number[], at?: number): number {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data instanceof Uint8Array ? data : Uint8Array.from(data);
    const addr = at ?? this.next;
    if (at === undefined) this.next += Math.ceil((bytes.length + 1) / 16) * 16 + 16;
    this.bytes.set(bytes, addr - FakeMemory.BASE);
    return addr;
  }

  cstr(s: string): number {
    return this.put(s + '\0');
  }

  read(addr: number, length: number): Uint8Array | null {
    const at = addr - FakeMemory.BASE;
    if (at < 0 || at + length > this.bytes.length) return null;
    return this.bytes.slice(at, at + length);
  }
}

function le(...fields: [number | bigint, 2 | 4 | 8][]): Uint8Array {
  const out: number[] = [];
  for (const [v, size] of fields) {
    let b = BigInt.asUintN(size * 8, BigInt(v));
    for (let i = 0; i < size; i++) {
      out.push(Number(b & 0xffn));
      b >>= 8n;
    }
  }
  return Uint8Array.from(out);
}

/** The whole strace line of a call that returned `result`. */
function line(mem: GuestMemory, name: string, args: number[], result: number, path: EntryPath = 'syscall'): string {
  const entry = decodeSyscallEntry(mem, path, 0, name, args);
  return formatSyscallLine(path, formatSyscallExit(mem, path, 0, name, args, result, entry), formatSyscallResult(path, name, args, result), 0);
}

const AT_FDCWD = -100;

describe('strings and buffers', () => {
  it('quotes data in C escapes, octal for other bytes (three digits before a digit), 32 bytes then ...', () => {
    const m = new FakeMemory();
    const bin = m.put([0, 1, 1, 0x32, 0xff, 0x61, 0x62, 0x63]);
    expect(line(m, 'write', [2, bin, 8], 8)).toBe('write(2, "\\0\\1\\0012\\377abc", 8) = 8');
    const esc = m.put([0x61, 0x62, 0x1b, 0x5b, 0x30, 0x6d, 0x7f, 0x80]);
    expect(line(m, 'write', [1, esc, 8], 8)).toBe('write(1, "ab\\33[0m\\177\\200", 8) = 8');
    const long = m.put('0123456789012345678901234567890123456789');
    expect(line(m, 'write', [1, long, 40], 40)).toBe('write(1, "01234567890123456789012345678901"..., 40) = 40');
    expect(line(m, 'write', [1, m.put(''), 0], 0)).toBe('write(1, "", 0) = 0');
    expect(line(m, 'write', [2, 1, 8], 8)).toBe('write(2, 0x1, 8) = 8'); // unreadable: the pointer
  });

  it('paths in full, a bad one as its pointer', () => {
    const m = new FakeMemory();
    const p = m.cstr('/a/very/long/path/name/that/goes/beyond/thirty/two/chars');
    expect(line(m, 'openat', [AT_FDCWD, p, 0, 0], -2)).toBe('openat(AT_FDCWD, "/a/very/long/path/name/that/goes/beyond/thirty/two/chars", O_RDONLY) = -1 ENOENT (No such file or directory)');
    expect(line(m, 'open', [m.cstr('/nonexistent\x01\t"x'), 0o1101, 0o644], 3)).toBe('open("/nonexistent\\1\\t\\"x", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3');
    expect(line(m, 'open', [1, 0, 0], -14)).toBe('open(0x1, O_RDONLY) = -1 EFAULT (Bad address)');
    expect(line(m, 'access', [m.cstr('/etc'), 5], 0)).toBe('access("/etc", R_OK|X_OK) = 0');
    expect(line(m, 'access', [m.cstr('/etc'), 0], 0)).toBe('access("/etc", F_OK) = 0');
  });

  it('read-side buffers at exit, as long as the result says; the pointer when the call failed', () => {
    const m = new FakeMemory();
    const buf = m.put('vm\nxxxxxxxx');
    expect(line(m, 'read', [3, buf, 3], 3)).toBe('read(3, "vm\\n", 3) = 3');
    expect(line(m, 'read', [3, buf, 3], -9)).toBe(`read(3, 0x${buf.toString(16)}, 3) = -1 EBADF (Bad file descriptor)`);
    expect(line(m, 'pread64', [3, m.put('m\n'), 4, 1], 2)).toBe('pread64(3, "m\\n", 4, 1) = 2');
    expect(line(m, 'readlinkat', [AT_FDCWD, m.cstr('/proc/self/exe'), m.put('/tmp/stref'), 10], 10)).toBe('readlinkat(AT_FDCWD, "/proc/self/exe", "/tmp/stref", 10) = 10');
    expect(line(m, 'getcwd', [m.put('/tmp/stref\0'), 128], 11)).toBe('getcwd("/tmp/stref", 128) = 11');
    expect(line(m, 'getrandom', [m.put([0x46, 0x9a, 0x5c, 0xe9]), 4, 3], 4)).toBe('getrandom("\\x46\\x9a\\x5c\\xe9", 4, GRND_NONBLOCK|GRND_RANDOM) = 4');
  });

  it('iovecs: writev in full, readv filled up to the result', () => {
    const m = new FakeMemory();
    const a = m.put('Hello, world!');
    const b = m.put('\n');
    const iov = m.put(le([a, 8], [13, 8], [b, 8], [1, 8]));
    expect(line(m, 'writev', [1, iov, 2], 14)).toBe('writev(1, [{iov_base="Hello, world!", iov_len=13}, {iov_base="\\n", iov_len=1}], 2) = 14');
    const nul = m.put(le([a, 8], [13, 8], [0, 8], [0, 8]));
    expect(line(m, 'writev', [1, nul, 2], 13)).toBe('writev(1, [{iov_base="Hello, world!", iov_len=13}, {iov_base=NULL, iov_len=0}], 2) = 13');
    const r = m.put('vm\n');
    const riov = m.put(le([r, 8], [2, 8], [r + 2, 8], [40, 8]));
    expect(line(m, 'readv', [3, riov, 2], 3)).toBe('readv(3, [{iov_base="vm", iov_len=2}, {iov_base="\\n", iov_len=40}], 2) = 3');
  });
});

describe('flags and enumerations', () => {
  const m = new FakeMemory();

  it('open, mmap, mremap, mprotect, madvise', () => {
    const p = m.cstr('/tmp/stref/zz');
    expect(line(m, 'open', [p, 0x300c2 | 0x400, 0o600], -22)).toBe('open("/tmp/stref/zz", O_RDWR|O_CREAT|O_EXCL|O_APPEND|O_NOFOLLOW|O_DIRECTORY, 0600) = -1 EINVAL (Invalid argument)');
    expect(line(m, 'open', [p, 0x40000000 | 0x200000], -2)).toBe('open("/tmp/stref/zz", O_RDONLY|O_PATH|0x40000000) = -1 ENOENT (No such file or directory)');
    expect(line(m, 'openat', [AT_FDCWD, p, 0x80000, 0], 3)).toBe('openat(AT_FDCWD, "/tmp/stref/zz", O_RDONLY|O_CLOEXEC) = 3');
    expect(line(m, 'mmap', [0, 8192, 7, 0x120021, -1, 0], 0)).toBe('mmap(NULL, 8192, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_SHARED|MAP_ANONYMOUS|MAP_STACK|MAP_FIXED_NOREPLACE, -1, 0) = 0');
    expect(line(m, 'mmap', [0, 8192, 0x80, 0x4000000, 5, 0x1000], -9)).toBe('mmap(NULL, 8192, 0x80 /* PROT_??? */, MAP_FILE|1<<MAP_HUGE_SHIFT, 5, 0x1000) = -1 EBADF (Bad file descriptor)');
    expect(line(m, 'mmap', [0, 1081344, 0, 0x22, -1, 0], 0x7f1af844c000)).toBe('mmap(NULL, 1081344, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f1af844c000');
    expect(line(m, 'mremap', [0, 8192, 16384, 1, 0], 0)).toBe('mremap(NULL, 8192, 16384, MREMAP_MAYMOVE) = 0');
    expect(line(m, 'mremap', [0x7f1af8554000, 16384, 16384, 3, 0x7f1af84cc000], 0x7f1af84cc000)).toBe(
      'mremap(0x7f1af8554000, 16384, 16384, MREMAP_MAYMOVE|MREMAP_FIXED, 0x7f1af84cc000) = 0x7f1af84cc000',
    );
    expect(line(m, 'mprotect', [0x4a0000, 16384, 1], 0)).toBe('mprotect(0x4a0000, 16384, PROT_READ) = 0');
    expect(line(m, 'mprotect', [0, 4096, 0], -12)).toBe('mprotect(NULL, 4096, PROT_NONE) = -1 ENOMEM (Cannot allocate memory)');
    expect(line(m, 'madvise', [0, 4096, 4], -12)).toBe('madvise(NULL, 4096, MADV_DONTNEED) = -1 ENOMEM (Cannot allocate memory)');
    expect(line(m, 'munmap', [0, 8192], 0)).toBe('munmap(NULL, 8192) = 0');
    expect(line(m, 'brk', [0], 0x22665000)).toBe('brk(NULL) = 0x22665000');
    expect(line(m, 'brk', [0x22665d00], 0x22665d00)).toBe('brk(0x22665d00) = 0x22665d00');
  });

  it('fd flags, fcntl by command (and its flag results), lseek, dup3', () => {
    expect(line(m, 'pipe2', [m.put(le([4, 4], [5, 4])), 0x80800], 0)).toBe('pipe2([4, 5], O_NONBLOCK|O_CLOEXEC) = 0');
    expect(line(m, 'dup3', [4, 10, 0x80000], 10)).toBe('dup3(4, 10, O_CLOEXEC) = 10');
    expect(line(m, 'fcntl', [10, 1], 1)).toBe('fcntl(10, F_GETFD) = 0x1 (flags FD_CLOEXEC)');
    expect(line(m, 'fcntl', [10, 4, 0x800], 0)).toBe('fcntl(10, F_SETFL, O_RDONLY|O_NONBLOCK) = 0');
    expect(line(m, 'fcntl', [10, 3], 0x800)).toBe('fcntl(10, F_GETFL) = 0x800 (flags O_RDONLY|O_NONBLOCK)');
    expect(line(m, 'fcntl', [10, 1030, 3], 6)).toBe('fcntl(10, F_DUPFD_CLOEXEC, 3) = 6');
    expect(line(m, 'lseek', [3, 0, 0], 0)).toBe('lseek(3, 0, SEEK_SET) = 0');
  });

  it('arch_prctl, rseq, set_robust_list, futex, unknown values', () => {
    expect(line(m, 'arch_prctl', [0x1002, 0x22665380], 0)).toBe('arch_prctl(ARCH_SET_FS, 0x22665380) = 0');
    expect(line(m, 'arch_prctl', [0x1003, m.put(le([0x2b9ea380, 8]))], 0)).toBe('arch_prctl(ARCH_GET_FS, [0x2b9ea380]) = 0');
    expect(line(m, 'arch_prctl', [0x3001, 0], -22)).toBe('arch_prctl(0x3001 /* ARCH_??? */, 0) = -1 EINVAL (Invalid argument)');
    expect(line(m, 'rseq', [0x22665ca0, 0x20, 0, 0x53053053], 0)).toBe('rseq(0x22665ca0, 0x20, 0, 0x53053053) = 0');
    expect(line(m, 'set_robust_list', [0x22665660, 24], 0)).toBe('set_robust_list(0x22665660, 24) = 0');
    expect(line(m, 'set_tid_address', [0x22665650], 17642)).toBe('set_tid_address(0x22665650) = 17642');
    expect(line(m, 'futex', [0x7ffcb5e5a290, 0x81, 1, 0, 0, 0], 0)).toBe('futex(0x7ffcb5e5a290, FUTEX_WAKE_PRIVATE, 1) = 0');
    expect(line(m, 'futex', [0x7ffcb5e5a290, 0x189, 0, 0, 0, -1], 0)).toBe('futex(0x7ffcb5e5a290, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, NULL, FUTEX_BITSET_MATCH_ANY) = 0');
    expect(line(m, 'ioctl', [1, 0x1234, 5], -25)).toBe('ioctl(1, _IOC(_IOC_NONE, 0x12, 0x34, 0), 0x5) = -1 ENOTTY (Inappropriate ioctl for device)');
    expect(line(m, 'getppid', [], 19213)).toBe('getppid() = 19213');
  });
});

describe('structures', () => {
  const m = new FakeMemory();

  it('struct stat, abbreviated as strace does (devices show st_rdev, files st_size)', () => {
    const stat = (mode: number, rdev: number, size: number) => {
      const b = new Uint8Array(144);
      b.set(le([mode, 4]), 24);
      b.set(le([rdev, 8]), 40);
      b.set(le([size, 8]), 48);
      return m.put(b);
    };
    expect(line(m, 'newfstatat', [AT_FDCWD, m.cstr('/dev/null'), stat(0o20666, 0x103, 0), 0x100], 0)).toBe(
      'newfstatat(AT_FDCWD, "/dev/null", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, AT_SYMLINK_NOFOLLOW) = 0',
    );
    expect(line(m, 'newfstatat', [1, m.cstr(''), stat(0o10600, 0, 0), 0x1000], 0)).toBe('newfstatat(1, "", {st_mode=S_IFIFO|0600, st_size=0, ...}, AT_EMPTY_PATH) = 0');
    expect(line(m, 'fstat', [1, stat(0o20600, 0x8800, 0)], 0)).toBe('fstat(1, {st_mode=S_IFCHR|0600, st_rdev=makedev(0x88, 0), ...}) = 0');
    expect(line(m, 'fstat', [3, stat(0o100755, 0, 3)], 0)).toBe('fstat(3, {st_mode=S_IFREG|0755, st_size=3, ...}) = 0');
  });

  it('rlimits, timespecs, timevals, uname, getcpu, time', () => {
    const rl = m.put(le([1024, 8], [4096, 8]));
    const old = m.put(le([20000, 8], [20000, 8]));
    // strace reads the new limit at entry and the old one at exit: one buffer for both shows each.
    expect(line(m, 'prlimit64', [0, 7, rl, old], 0)).toBe('prlimit64(0, RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=4*1024}, {rlim_cur=20000, rlim_max=20000}) = 0');
    expect(line(m, 'prlimit64', [0, 3, 0, m.put(le([8388608, 8], [-1n, 8]))], 0)).toBe('prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0');
    expect(line(m, 'prlimit64', [0, 99, 0, 0x7ffcb5e5a0a0], -22)).toBe('prlimit64(0, 0x63 /* RLIMIT_??? */, NULL, 0x7ffcb5e5a0a0) = -1 EINVAL (Invalid argument)');
    expect(line(m, 'getrlimit', [4, m.put(le([0, 8], [-1n, 8]))], 0)).toBe('getrlimit(RLIMIT_CORE, {rlim_cur=0, rlim_max=RLIM64_INFINITY}) = 0');
    expect(line(m, 'clock_getres', [0, m.put(le([0, 8], [1, 8]))], 0)).toBe('clock_getres(CLOCK_REALTIME, {tv_sec=0, tv_nsec=1}) = 0');
    expect(line(m, 'clock_gettime', [99, 0x7ffcb5e5a280], -22)).toBe('clock_gettime(0x63 /* CLOCK_??? */, 0x7ffcb5e5a280) = -1 EINVAL (Invalid argument)');
    expect(line(m, 'clock_gettime', [7, 1], -14)).toBe('clock_gettime(CLOCK_BOOTTIME, 0x1) = -1 EFAULT (Bad address)');
    expect(line(m, 'clock_gettime', [1, m.put(le([3142, 8], [103210660, 8]))], 0)).toBe('clock_gettime(CLOCK_MONOTONIC, {tv_sec=3142, tv_nsec=103210660}) = 0');
    expect(line(m, 'gettimeofday', [m.put(le([1795754321, 8], [561306, 8])), 0], 0)).toBe('gettimeofday({tv_sec=1795754321, tv_usec=561306}, NULL) = 0');
    const ts = m.put(le([0, 8], [1000, 8]));
    expect(line(m, 'nanosleep', [ts, 0], 0)).toBe('nanosleep({tv_sec=0, tv_nsec=1000}, NULL) = 0');
    expect(line(m, 'clock_nanosleep', [1, 1, ts, 0], 0)).toBe('clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=0, tv_nsec=1000}, NULL) = 0');
    const uts = new Uint8Array(390);
    uts.set(new TextEncoder().encode('Linux'), 0);
    uts.set(new TextEncoder().encode('vm'), 65);
    expect(line(m, 'uname', [m.put(uts)], 0)).toBe('uname({sysname="Linux", nodename="vm", ...}) = 0');
    expect(line(m, 'getcpu', [m.put(le([0, 4])), m.put(le([0, 4])), 0], 0)).toBe('getcpu([0], [0], NULL) = 0');
    expect(line(m, 'time', [0], 1795754321)).toBe('time(NULL) = 1795754321 (2026-11-27T04:38:41+0000)');
    expect(line(m, 'time', [m.put(le([1795754321, 8]))], 1795754321)).toBe('time([1795754321 /* 2026-11-27T04:38:41+0000 */]) = 1795754321 (2026-11-27T04:38:41+0000)');
    expect(line(m, 'sched_getaffinity', [0, 128, m.put(le([3, 8], [0, 8], [0, 8], [0, 8]))], 32)).toBe('sched_getaffinity(0, 128, [0 1]) = 32');
  });

  it('signal sets (complemented when most signals are in) and sigactions', () => {
    const set = (...sigs: number[]) => m.put(le([sigs.reduce((a, s) => a | (1n << BigInt(s - 1)), 0n), 8]));
    expect(line(m, 'rt_sigprocmask', [0, set(2, 36), set(), 8], 0)).toBe('rt_sigprocmask(SIG_BLOCK, [INT RT_4], [], 8) = 0');
    const some = set(1, 32, 34, 64);
    expect(line(m, 'rt_sigprocmask', [0, some, 0, 8], 0)).toBe('rt_sigprocmask(SIG_BLOCK, [HUP RTMIN RT_2 RT_32], NULL, 8) = 0');
    const all = m.put(le([~(1n << 8n), 8]));
    expect(line(m, 'rt_sigprocmask', [2, all, some, 8], 0)).toBe('rt_sigprocmask(SIG_SETMASK, ~[KILL], [HUP RTMIN RT_2 RT_32], 8) = 0');
    const act = m.put(le([1, 8], [0x14000000, 8], [0x4087e0, 8], [0, 8]));
    const oact = m.put(le([0, 8], [0, 8], [0, 8], [0, 8]));
    expect(line(m, 'rt_sigaction', [2, act, oact, 8], 0)).toBe(
      'rt_sigaction(SIGINT, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x4087e0}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0',
    );
    const info = m.put(le([0x401000, 8], [0x04000004, 8], [0x402000, 8], [0, 8]));
    expect(line(m, 'rt_sigaction', [10, info, 0, 8], 0)).toBe('rt_sigaction(SIGUSR1, {sa_handler=0x401000, sa_mask=[], sa_flags=SA_RESTORER|SA_SIGINFO, sa_restorer=0x402000}, NULL, 8) = 0');
    expect(line(m, 'kill', [0, 0], 0)).toBe('kill(0, 0) = 0');
    expect(line(m, 'kill', [0, 34], 0)).toBe('kill(0, SIGRT_2) = 0');
    expect(line(m, 'tgkill', [1, 1, 15], 0)).toBe('tgkill(1, 1, SIGTERM) = 0');
  });

  it('terminal ioctls, decoded when they succeed', () => {
    const termios = m.put(le([0x500, 4], [0x5, 4], [0xbf, 4], [0x8a3b, 4], [0, 4], [0, 4], [0, 4], [0, 4], [0, 4]));
    expect(line(m, 'ioctl', [1, 0x5401, termios], 0)).toBe(
      'ioctl(1, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}) = 0',
    );
    expect(line(m, 'ioctl', [1, 0x5413, m.put(le([0, 2], [0, 2], [0, 2], [0, 2]))], 0)).toBe('ioctl(1, TIOCGWINSZ, {ws_row=0, ws_col=0, ws_xpixel=0, ws_ypixel=0}) = 0');
    expect(line(m, 'ioctl', [0, 0x5413, 0x7ffcb5e5a290], -25)).toBe('ioctl(0, TIOCGWINSZ, 0x7ffcb5e5a290) = -1 ENOTTY (Inappropriate ioctl for device)');
  });
});

describe('lines, entry paths, the ia32 layouts and the API', () => {
  it('aligns "= result" at column 40, marks the entry path, and ends exit_group with "= ?"', () => {
    expect(formatSyscallLine('syscall', 'brk(NULL)', '0x22665000')).toBe('brk(NULL)                               = 0x22665000');
    expect(formatSyscallLine('syscall', 'arch_prctl(ARCH_SET_FS, 0x22665380)', '0')).toBe('arch_prctl(ARCH_SET_FS, 0x22665380)     = 0');
    expect(formatSyscallLine('syscall', 'prlimit64(0, RLIMIT_STACK, NULL, 0x7ffd0000)', '0')).toBe('prlimit64(0, RLIMIT_STACK, NULL, 0x7ffd0000) = 0');
    expect(formatSyscallLine('syscall', 'exit_group(0)', undefined)).toBe('exit_group(0)                           = ?');
    expect(formatSyscallLine('int80', 'exit(7)', undefined)).toBe('[int80] exit(7)                         = ?');
    expect(formatSyscallLine('sysenter', 'exit(9)', undefined, 0)).toBe('[sysenter] exit(9) = ?');
  });

  it('ia32 calls read compat structures: 32-bit timespec and iovec, old_mmap, stat64', () => {
    const m = new FakeMemory();
    const msg = m.put('Hello from int 0x80!\n');
    expect(line(m, 'write', [1, msg, 21], 21, 'int80')).toBe('[int80] write(1, "Hello from int 0x80!\\n", 21) = 21');
    expect(line(m, 'clock_gettime', [1, m.put(le([5, 4], [6, 4]))], 0, 'int80')).toBe('[int80] clock_gettime(CLOCK_MONOTONIC, {tv_sec=5, tv_nsec=6}) = 0');
    expect(line(m, 'clock_gettime64', [1, m.put(le([5, 8], [6, 8]))], 0, 'int80')).toBe('[int80] clock_gettime64(CLOCK_MONOTONIC, {tv_sec=5, tv_nsec=6}) = 0');
    const iov = m.put(le([msg, 4], [5, 4]));
    expect(line(m, 'writev', [1, iov, 1], 5, 'sysenter')).toBe('[sysenter] writev(1, [{iov_base="Hello", iov_len=5}], 1) = 5');
    const args = m.put(le([0, 4], [4096, 4], [3, 4], [0x22, 4], [-1, 4], [0, 4]));
    expect(line(m, 'mmap', [args], 0xf7ff0000, 'int80')).toBe('[int80] mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xf7ff0000');
    expect(line(m, 'mmap2', [0, 4096, 3, 0x22, 0xffffffff, 0], 0xf7ff0000, 'int80')).toBe('[int80] mmap2(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xf7ff0000');
    const st = new Uint8Array(96);
    st.set(le([0o100644, 4]), 16);
    st.set(le([1234, 8]), 44);
    expect(line(m, 'fstat64', [3, m.put(st)], 0, 'int80')).toBe('[int80] fstat64(3, {st_mode=S_IFREG|0644, st_size=1234, ...}) = 0');
    expect(line(m, 'open', [m.cstr('/x'), 0x8000, 0], -2, 'int80')).toBe('[int80] open("/x", O_RDONLY|O_LARGEFILE) = -1 ENOENT (No such file or directory)');
  });

  it('a call it does not describe shows six raw arguments; entry text shows outputs as pointers', () => {
    const m = new FakeMemory();
    expect(line(m, 'syscall_999', [1, 2, 0x7ffd0000, 0, 0, -1], -38)).toBe('syscall_999(0x1, 0x2, 0x7ffd0000, 0, 0, 0xffffffffffffffff) = -1 ENOSYS (Function not implemented)');
    expect(syscallArity('syscall_999')).toBe(6);
    expect(syscallArity('write')).toBe(3);
    expect(syscallArity('mmap', 'int80')).toBe(1);
    const buf = m.put('abc');
    expect(formatSyscallEntry(m, 'syscall', 0, 'read', [3, buf, 1024])).toBe(`read(3, 0x${buf.toString(16)}, 1024)`);
    expect(formatSyscallExit(m, 'syscall', 0, 'read', [3, buf, 1024], 3)).toBe('read(3, "abc", 1024)');
    // A call the kernel will restart (or turn into EINTR): the host's strace prints `= ? ERESTART...`.
    expect(formatSyscallResult('syscall', 'read', [], -512)).toBe('? ERESTARTSYS (To be restarted if SA_RESTART is set)');
    expect(formatSyscallResult('syscall', 'read', [], -4000)).toBe('-1 ERRNO_4000 (Unknown error 4000)');
  });

  it('inputs come from the entry, before the kernel wrote memory', () => {
    const m = new FakeMemory();
    const path = m.put('/proc/self/exe\0');
    const entry = decodeSyscallEntry(m, 'syscall', 89, 'readlink', [path, path, 64]);
    m.put('/bin/true', path); // the kernel writes the link over the path
    expect(formatSyscallExit(m, 'syscall', 89, 'readlink', [path, path, 64], 9, entry)).toBe('readlink("/proc/self/exe", "/bin/true", 64)');
  });

  it('a vDSO call, from RDI/RSI/RDX', () => {
    const lo = new Uint32Array(16);
    const hi = new Uint32Array(16);
    lo[7] = 1;
    lo[6] = 0xfffde550;
    hi[6] = 0x7fff;
    expect(formatVdsoCall('__vdso_clock_gettime', { lo, hi })).toBe('[vdso] __vdso_clock_gettime(CLOCK_MONOTONIC, 0x7ffffffde550)');
    lo[7] = 0;
    lo[6] = 0;
    expect(formatVdsoCall('__vdso_gettimeofday', { lo, hi: new Uint32Array(16) })).toBe('[vdso] __vdso_gettimeofday(NULL, NULL)');
  });

  it("peeks a live process's memory without side effects", () => {
    const fixtures = resolve(__dirname, '../../fixtures');
    const machine = new Machine({ host: new MemoryHost(), aslr: false });
    const path = join(fixtures, 'bin/write-syscall');
    machine.load({ image: readFileSync(path), path, execPath: 'bin/write-syscall', argv: ['bin/write-syscall'], envp: [] });
    const mem = peekUser(machine.kernel);
    expect(new TextDecoder().decode(mem.read(0x402000, 9)!)).toBe('Hello fro');
    expect(mem.read(0x10000, 4)).toBeNull(); // nothing mapped
    expect(mem.read(-0x7f000000, 4)).toBeNull(); // the kernel half
    // A stack page the program has not touched reads as zeros and stays unmapped.
    const stack = machine.kernel.process.space.vmas.find((v) => v.name === '[stack]')!;
    const faults = machine.kernel.stats.pageFaults;
    expect(mem.read(stack.start, 8)).toEqual(new Uint8Array(8));
    expect(machine.mmu.describeWalk(stack.start).result.ok).toBe(false);
    expect(machine.kernel.stats.pageFaults).toBe(faults);
  });
});
