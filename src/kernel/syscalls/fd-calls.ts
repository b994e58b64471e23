import { EBADF, EFAULT, EINVAL, EMFILE } from '../errno.js';
import { MAX_FDS } from '../files/fd-table.js';
import {
  O_APPEND, O_ASYNC, O_CLOEXEC, O_DIRECT, O_NOATIME, O_NONBLOCK, O_PATH,
} from '../files/open-file.js';
import { makePipe, PIPE_CAPACITY, PipeEnd } from '../files/pipe.js';
import type { Kernel } from '../kernel.js';
import { fileOf, offset64 } from './io.js';

/** dup(oldfd): the lowest free descriptor, sharing the open file (FD_CLOEXEC clear). */
export function sysDup(k: Kernel, a: number[]): number {
  const file = fileOf(k, a[0]);
  if (!file) return -EBADF;
  return k.process.fds.install(file);
}

/** dup2(oldfd, newfd): newfd closed first; the same descriptor twice is a no-op. */
export function sysDup2(k: Kernel, a: number[]): number {
  const oldfd = a[0] | 0;
  const newfd = a[1] | 0;
  const file = fileOf(k, oldfd);
  if (!file) return -EBADF;
  if (oldfd === newfd) return newfd;
  return k.process.fds.installAt(newfd, file, false);
}

/** dup3(oldfd, newfd, flags): O_CLOEXEC only; the same descriptor twice is EINVAL. */
export function sysDup3(k: Kernel, a: number[]): number {
  const oldfd = a[0] | 0;
  const newfd = a[1] | 0;
  const flags = a[2] | 0;
  if (flags & ~O_CLOEXEC) return -EINVAL;
  if (oldfd === newfd) return -EINVAL;
  const file = fileOf(k, oldfd);
  if (!file) return -EBADF;
  return k.process.fds.installAt(newfd, file, (flags & O_CLOEXEC) !== 0);
}

const F_DUPFD = 0;
const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const F_GETLK = 5;
const F_SETLK = 6;
const F_SETLKW = 7;
const F_SETOWN = 8;
const F_GETOWN = 9;
const F_GETLK64 = 12; // ia32
const F_SETLK64 = 13;
const F_SETLKW64 = 14;
const F_OFD_GETLK = 36;
const F_OFD_SETLK = 37;
const F_OFD_SETLKW = 38;
const F_DUPFD_CLOEXEC = 1030;
const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;
const FD_CLOEXEC = 1;
const F_UNLCK = 2;

/** The status flags F_SETFL may change (fs/fcntl.c SETFL_MASK). */
const SETFL_MASK = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

/**
 * fcntl(fd, cmd, arg) and the ia32 fcntl64: descriptor duplication, FD_CLOEXEC, the
 * status flags, and record locks, which always succeed (one process: no one to
 * conflict with; F_GETLK reports F_UNLCK).
 */
export function sysFcntl(k: Kernel, a: number[]): number {
  const fd = a[0] | 0;
  const cmd = a[1] | 0;
  const arg = a[2];
  const fds = k.process.fds;
  const file = fileOf(k, fd);
  if (!file) return -EBADF;
  const pathOnly = (file.flags & O_PATH) !== 0;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      const min = arg;
      if (min < 0 || min >= MAX_FDS) return -EINVAL;
      const r = fds.install(file, cmd === F_DUPFD_CLOEXEC, min);
      return r === -EMFILE ? -EMFILE : r;
    }
    case F_GETFD:
      return fds.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
      fds.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
      return 0;
    case F_GETFL:
      return file.flags;
    case F_SETFL:
      if (pathOnly) return -EBADF;
      file.flags = (file.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
      return 0;
    case F_GETLK:
    case F_GETLK64:
    case F_OFD_GETLK: {
      if (pathOnly) return -EBADF;
      const lock = k.user.read(arg, 2);
      if (!lock) return -EFAULT;
      if (lock[0] !== 0 && lock[0] !== 1) return -EINVAL; // F_RDLCK, F_WRLCK
      return k.user.write(arg, Uint8Array.of(F_UNLCK, 0)) ? 0 : -EFAULT;
    }
    case F_SETLK:
    case F_SETLKW:
    case F_SETLK64:
    case F_SETLKW64:
    case F_OFD_SETLK:
    case F_OFD_SETLKW: {
      if (pathOnly) return -EBADF;
      const lock = k.user.read(arg, 2);
      if (!lock) return -EFAULT;
      return lock[0] <= F_UNLCK && lock[1] === 0 ? 0 : -EINVAL;
    }
    case F_GETOWN:
      return 0;
    case F_SETOWN:
      return 0;
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
      return file instanceof PipeEnd ? PIPE_CAPACITY : -EBADF;
    default:
      return -EINVAL;
  }
}

function pipeCommon(k: Kernel, ptr: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) return -EINVAL;
  const ns = k.host.realtimeNs();
  const [reader, writer] = makePipe(flags & (O_NONBLOCK | O_DIRECT), { sec: Math.floor(ns / 1e9), nsec: Math.floor(ns % 1e9) });
  const fds = k.process.fds;
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const r = fds.install(reader, cloexec);
  if (r < 0) return r;
  const w = fds.install(writer, cloexec);
  if (w < 0) {
    fds.close(r);
    return w;
  }
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setInt32(0, r, true);
  v.setInt32(4, w, true);
  if (!k.user.write(ptr, out)) {
    fds.close(r);
    fds.close(w);
    return -EFAULT;
  }
  return 0;
}

/** pipe(fds[2]) */
export function sysPipe(k: Kernel, a: number[]): number {
  return pipeCommon(k, a[0], 0);
}

/** pipe2(fds[2], flags): O_CLOEXEC, O_NONBLOCK, O_DIRECT. */
export function sysPipe2(k: Kernel, a: number[]): number {
  return pipeCommon(k, a[0], a[1] | 0);
}

function ftruncateCommon(k: Kernel, fd: number, length: number): number {
  const file = fileOf(k, fd);
  if (!file || file.flags & O_PATH) return -EBADF;
  if (length < 0) return -EINVAL;
  return file.truncate ? file.truncate(k, length) : -EINVAL;
}

/** ftruncate(fd, length); ia32's off_t is 32-bit. */
export function sysFtruncate(k: Kernel, a: number[]): number {
  return ftruncateCommon(k, a[0], k.currentPath === 'syscall' ? a[1] : a[1] | 0);
}

/** ftruncate64(fd, length_lo, length_hi): ia32. */
export function sysFtruncate64(k: Kernel, a: number[]): number {
  return ftruncateCommon(k, a[0], offset64(a[1], a[2]));
}

/** fsync(fd) and fdatasync(fd): EINVAL for what cannot be synced (pipes, terminals). */
export function sysFsync(k: Kernel, a: number[]): number {
  const file = fileOf(k, a[0]);
  if (!file || file.flags & O_PATH) return -EBADF;
  if (file.sync) return file.sync(k);
  return file.isDirectory || file.location ? 0 : -EINVAL;
}
