import {
  sysCreat, sysLlseek, sysLseek, sysPread64, sysPreadv, sysPwrite64, sysPwritev, sysReadv, sysWritev,
} from './io.js';
import {
  sysDup, sysDup2, sysDup3, sysFcntl, sysFsync, sysFtruncate, sysFtruncate64, sysPipe, sysPipe2,
} from './fd-calls.js';
import {
  sysAccess, sysChdir, sysFaccessat, sysFaccessat2, sysFchdir, sysFstat64, sysFstatat64, sysGetcwd, sysGetdents64,
  sysLstat, sysLstat64, sysMkdir, sysNewfstatat, sysMkdirat, sysReadlink, sysReadlinkat, sysRename, sysRenameat, sysRenameat2, sysRmdir,
  sysStat, sysStat64, sysStatx, sysSymlink, sysSymlinkat, sysTruncate, sysTruncate64, sysUmask, sysUnlink, sysUnlinkat,
} from './fs-calls.js';
import type { SyscallHandler } from './types.js';

/**
 * File system calls (issue 7) by Linux name, merged into the tables in tables.ts.
 * Handlers that read an offset, an iovec or a length check `k.currentPath` for the
 * ia32 ABI's layout themselves, so most serve both tables.
 */
export const FILE_CALLS_COMMON: Partial<Record<string, SyscallHandler>> = {
  creat: sysCreat,
  pread64: sysPread64,
  pwrite64: sysPwrite64,
  readv: sysReadv,
  preadv: sysPreadv,
  pwritev: sysPwritev,
  getdents64: sysGetdents64,
  getcwd: sysGetcwd,
  chdir: sysChdir,
  fchdir: sysFchdir,
  mkdir: sysMkdir,
  mkdirat: sysMkdirat,
  rmdir: sysRmdir,
  unlink: sysUnlink,
  unlinkat: sysUnlinkat,
  rename: sysRename,
  renameat: sysRenameat,
  renameat2: sysRenameat2,
  readlink: sysReadlink,
  readlinkat: sysReadlinkat,
  symlink: sysSymlink,
  symlinkat: sysSymlinkat,
  access: sysAccess,
  faccessat: sysFaccessat,
  faccessat2: sysFaccessat2,
  umask: sysUmask,
  truncate: sysTruncate,
  ftruncate: sysFtruncate,
  fsync: sysFsync,
  fdatasync: sysFsync,
  statx: sysStatx,
  dup: sysDup,
  dup2: sysDup2,
  dup3: sysDup3,
  fcntl: sysFcntl,
  pipe: sysPipe,
  pipe2: sysPipe2,
};

/** x86-64 only: struct stat calls (fstat is in tables.ts). */
export const FILE_CALLS_64: Partial<Record<string, SyscallHandler>> = {
  newfstatat: sysNewfstatat,
  stat: sysStat,
  lstat: sysLstat,
};

/** ia32 only: struct stat64, _llseek, the 64-bit-offset variants, compat writev. */
export const FILE_CALLS_32: Partial<Record<string, SyscallHandler>> = {
  stat64: sysStat64,
  lstat64: sysLstat64,
  fstat64: sysFstat64,
  fstatat64: sysFstatat64,
  _llseek: sysLlseek,
  lseek: sysLseek, // 32-bit off_t
  fcntl64: sysFcntl,
  ftruncate64: sysFtruncate64,
  truncate64: sysTruncate64,
  writev: sysWritev,
};
