import { EBADF, EFAULT, EINVAL, EISDIR, ENAMETOOLONG, ENOTTY, EOVERFLOW, EPIPE, ESPIPE } from '../errno.js';
import { HOST_CHUNK } from '../files/host-file.js';
import { O_CLOEXEC, O_CREAT, O_LARGEFILE, O_NONBLOCK, O_PATH, O_TRUNC, O_WRONLY, OpenFile, SEEK_CUR, encodeStat } from '../files/open-file.js';
import { openPath } from '../files/open-path.js';
import { AT_FDCWD } from '../files/path-walk.js';
import type { Kernel } from '../kernel.js';
import { sendSignal, SI_USER } from '../signals/index.js';
import { SIGPIPE } from '../signals.js';

/** Largest single transfer, as Linux's MAX_RW_COUNT (INT_MAX rounded down to a page). */
const MAX_RW_COUNT = 0x7ffff000;
/** UIO_MAXIOV: the most iovecs one readv/writev takes. */
const UIO_MAXIOV = 1024;
const TWO_POW_32 = 4294967296;

/** Reads a path argument: the string, or -EFAULT / -ENAMETOOLONG (no NUL within PATH_MAX). */
export function readPath(k: Kernel, ptr: number): string | number {
  const s = k.user.readCString(ptr, 4096);
  if (s !== null) return s;
  return k.user.read(ptr, 4096) ? -ENAMETOOLONG : -EFAULT;
}

/** The open file behind a descriptor, or undefined (EBADF). */
export function fileOf(k: Kernel, fd: number): OpenFile | undefined {
  return k.process.fds.get(fd | 0);
}

/** A 64-bit file offset from the ia32 ABI's two 32-bit halves. */
export function offset64(lo: number, hi: number): number {
  return (hi | 0) * TWO_POW_32 + (lo >>> 0);
}

/**
 * Moves up to `count` bytes from the file to user memory, in chunks (no host buffer is
 * larger than HOST_CHUNK): a stream returns what one read gives, a seekable file keeps
 * reading until the count is met or the file ends. At `position` when given (pread),
 * else at the file position. Bytes that could not be copied to the user are given
 * back to the file, and a fault after some bytes returns those bytes, as Linux.
 */
export function readToUser(k: Kernel, file: OpenFile, buf: number, count: number, position?: number): number {
  if (file.flags & O_PATH) return -EBADF;
  let done = 0;
  do {
    const want = Math.min(count - done, HOST_CHUNK);
    const data = position === undefined ? file.read(k, want) : file.pread!(k, want, position + done);
    if (typeof data === 'number') return done > 0 ? done : data;
    if (data.length === 0) break;
    if (!k.user.write(buf + done, data)) {
      if (position === undefined && file.pread) file.seek(-data.length, SEEK_CUR);
      return done > 0 ? done : -EFAULT;
    }
    done += data.length;
    if (data.length < want || !file.pread) break;
  } while (done < count);
  return done;
}

/**
 * EPIPE from a write (a pipe with no reader left, a host stream whose reader went
 * away) also sends SIGPIPE, as pipe_write does: by default it ends the process.
 */
function epipe(k: Kernel, r: number): number {
  if (r === -EPIPE) sendSignal(k, { signo: SIGPIPE, code: SI_USER, kind: 'kill', pid: k.process.pid, uid: 1000, reason: 'write to a pipe with no reader' });
  return r;
}

/** Moves up to `count` bytes from user memory to the file, in chunks (see readToUser). */
export function writeFromUser(k: Kernel, file: OpenFile, buf: number, count: number, position?: number): number {
  if (file.flags & O_PATH) return -EBADF;
  let done = 0;
  do {
    const n = Math.min(count - done, HOST_CHUNK);
    const data = k.user.read(buf + done, n);
    if (!data) return done > 0 ? done : -EFAULT;
    const r = position === undefined ? file.write(k, data) : file.pwrite!(k, data, position + done);
    if (r < 0) return done > 0 ? done : epipe(k, r);
    done += r;
    if (r < n) break;
  } while (done < count);
  return done;
}

/** A count argument: size_t, clamped to MAX_RW_COUNT; a "negative" one cannot be a valid buffer (EFAULT). */
function countArg(n: number): number {
  return n < 0 ? -1 : Math.min(n, MAX_RW_COUNT);
}

/** read(fd, buf, count) */
export function sysRead(k: Kernel, a: number[]): number {
  const file = fileOf(k, a[0]);
  if (!file) return -EBADF;
  const count = countArg(a[2]);
  if (count < 0) return -EFAULT;
  return readToUser(k, file, a[1], count);
}

/** write(fd, buf, count) */
export function sysWrite(k: Kernel, a: number[]): number {
  const file = fileOf(k, a[0]);
  if (!file) return -EBADF;
  const count = countArg(a[2]);
  if (count < 0) return -EFAULT;
  return writeFromUser(k, file, a[1], count);
}

/** pread64 / pwrite64 checks: a positional transfer needs a seekable file and a non-negative offset. */
function positional(file: OpenFile, offset: number): number {
  if (file.isDirectory) return -EISDIR;
  if (!file.pread || !file.pwrite) return -ESPIPE;
  return offset < 0 ? -EINVAL : 0;
}

/** pread64(fd, buf, count, offset); the ia32 ABI splits the offset over two arguments. */
export function sysPread64(k: Kernel, a: number[]): number {
  return positionalTransfer(k, a, false);
}

/** pwrite64(fd, buf, count, offset), likewise. */
export function sysPwrite64(k: Kernel, a: number[]): number {
  return positionalTransfer(k, a, true);
}

function positionalTransfer(k: Kernel, a: number[], write: boolean): number {
  const file = fileOf(k, a[0]);
  if (!file) return -EBADF;
  const offset = k.currentPath === 'syscall' ? a[3] : offset64(a[3], a[4]);
  const bad = positional(file, offset);
  if (bad) return bad;
  const count = countArg(a[2]);
  if (count < 0) return -EFAULT;
  return write ? writeFromUser(k, file, a[1], count, offset) : readToUser(k, file, a[1], count, offset);
}

/** struct iovec array: { void *base; size_t len; } (16 bytes; 8 in the ia32 ABI). */
function readIovecs(k: Kernel, iov: number, iovcnt: number): Array<[number, number]> | number {
  if (iovcnt < 0 || iovcnt > UIO_MAXIOV) return -EINVAL;
  const wide = k.currentPath === 'syscall';
  const size = wide ? 16 : 8;
  const raw = k.user.read(iov, iovcnt * size);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer);
  const out: Array<[number, number]> = [];
  let total = 0;
  for (let i = 0; i < iovcnt; i++) {
    const base = wide ? v.getUint32(i * 16 + 4, true) * TWO_POW_32 + v.getUint32(i * 16, true) : v.getUint32(i * 8, true);
    const len = wide ? v.getInt32(i * 16 + 12, true) * TWO_POW_32 + v.getUint32(i * 16 + 8, true) : v.getUint32(i * 8 + 4, true);
    if (len < 0) return -EINVAL;
    // The total is clamped to MAX_RW_COUNT, as rw_copy_check_uvector does.
    const take = Math.min(len, MAX_RW_COUNT - total);
    total += take;
    out.push([base, take]);
  }
  return out;
}

function vectored(k: Kernel, a: number[], write: boolean, position?: number): number {
  const file = fileOf(k, a[0]);
  if (!file) return -EBADF;
  if (position !== undefined) {
    const bad = positional(file, position);
    if (bad) return bad;
  }
  const iovs = readIovecs(k, a[1], a[2] | 0);
  if (typeof iovs === 'number') return iovs;
  const total = iovs.reduce((sum, [, len]) => sum + len, 0);
  if (write && position === undefined && iovs.length > 0 && total <= HOST_CHUNK) {
    // One write for the whole vector, so that a pipe or terminal sees it at once
    // (larger vectors go part by part, in chunks: no host buffer beyond HOST_CHUNK).
    const joined = new Uint8Array(total);
    let at = 0;
    for (const [base, len] of iovs) {
      const data = k.user.read(base, len);
      if (!data) return -EFAULT;
      joined.set(data, at);
      at += len;
    }
    return file.flags & O_PATH ? -EBADF : epipe(k, file.write(k, joined));
  }
  let done = 0;
  for (const [base, len] of iovs) {
    if (len === 0) continue;
    const at = position === undefined ? undefined : position + done;
    const n = write ? writeFromUser(k, file, base, len, at) : readToUser(k, file, base, len, at);
    if (n < 0) return done > 0 ? done : n;
    done += n;
    if (n < len) break;
  }
  return done;
}

/** readv(fd, iov, iovcnt) */
export function sysReadv(k: Kernel, a: number[]): number {
  return vectored(k, a, false);
}

/** writev(fd, iov, iovcnt) */
export function sysWritev(k: Kernel, a: number[]): number {
  return vectored(k, a, true);
}

/** preadv(fd, iov, iovcnt, pos_l, pos_h): on x86-64 pos_l is the whole offset. */
export function sysPreadv(k: Kernel, a: number[]): number {
  return vectored(k, a, false, k.currentPath === 'syscall' ? a[3] : offset64(a[3], a[4]));
}

/** pwritev(fd, iov, iovcnt, pos_l, pos_h) */
export function sysPwritev(k: Kernel, a: number[]): number {
  return vectored(k, a, true, k.currentPath === 'syscall' ? a[3] : offset64(a[3], a[4]));
}

/** lseek(fd, offset, whence); in the ia32 ABI off_t is 32-bit (EOVERFLOW past 2 GiB). */
export function sysLseek(k: Kernel, a: number[]): number {
  const file = fileOf(k, a[0]);
  if (!file) return -EBADF;
  if (file.flags & O_PATH) return -EBADF;
  if (k.currentPath === 'syscall') return file.seek(a[1], a[2] | 0);
  const r = file.seek(a[1] | 0, a[2] | 0);
  return r > 0x7fffffff ? -EOVERFLOW : r;
}

/** _llseek(fd, offset_high, offset_low, loff_t *result, whence): ia32's 64-bit lseek. */
export function sysLlseek(k: Kernel, a: number[]): number {
  const file = fileOf(k, a[0]);
  if (!file) return -EBADF;
  if (file.flags & O_PATH) return -EBADF;
  const r = file.seek(offset64(a[2], a[1]), a[4] | 0);
  if (r < 0) return r;
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setUint32(0, r >>> 0, true);
  v.setUint32(4, Math.floor(r / TWO_POW_32), true);
  return k.user.write(a[3], out) ? 0 : -EFAULT;
}

/** close(fd) */
export function sysClose(k: Kernel, a: number[]): number {
  return k.process.fds.close(a[0] | 0);
}

/** Opens and installs a descriptor (lowest free; O_CLOEXEC sets FD_CLOEXEC). */
function openCommon(k: Kernel, dirfd: number, pathPtr: number, flags: number, mode: number): number {
  const path = readPath(k, pathPtr);
  if (typeof path === 'number') return path;
  // A 64-bit kernel opens everything with O_LARGEFILE (force_o_largefile); F_GETFL shows it.
  if (k.currentPath === 'syscall') flags |= O_LARGEFILE;
  const file = openPath(k, dirfd, path, flags, mode);
  if (typeof file === 'number') return file;
  const fd = k.process.fds.install(file, (flags & O_CLOEXEC) !== 0);
  // EMFILE: let go of a file opened just now (not one shared through /proc/self/fd).
  if (fd < 0 && !k.process.fds.holds(file)) file.release?.();
  return fd;
}

/** openat(dirfd, path, flags, mode) */
export function sysOpenat(k: Kernel, a: number[]): number {
  return openCommon(k, a[0] | 0, a[1], a[2] | 0, a[3] | 0);
}

/** open(path, flags, mode) */
export function sysOpen(k: Kernel, a: number[]): number {
  return openCommon(k, AT_FDCWD, a[0], a[1] | 0, a[2] | 0);
}

/** creat(path, mode): open(path, O_CREAT | O_WRONLY | O_TRUNC, mode). */
export function sysCreat(k: Kernel, a: number[]): number {
  return openCommon(k, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1] | 0);
}

const TCGETS = 0x5401;
const TIOCGWINSZ = 0x5413;
const FIONREAD = 0x541b;
const FIONBIO = 0x5421;
const FIONCLEX = 0x5450;
const FIOCLEX = 0x5451;

/**
 * ioctl(fd, request, arg): the terminal queries libc start-up makes (LINUX-ABI.md
 * §7.1-7.2), and the generic file ones (FIONREAD, FIONBIO, FIOCLEX, FIONCLEX).
 */
export function sysIoctl(k: Kernel, a: number[]): number {
  const fd = a[0] | 0;
  const file = fileOf(k, fd);
  const request = a[1] >>> 0;
  if (!file) return -EBADF;
  if (file.flags & O_PATH) return -EBADF;
  switch (request) {
    case FIOCLEX:
    case FIONCLEX:
      k.process.fds.setCloexec(fd, request === FIOCLEX);
      return 0;
    case FIONBIO: {
      const on = k.user.read(a[2], 4);
      if (!on) return -EFAULT;
      const set = (on[0] | on[1] | on[2] | on[3]) !== 0;
      file.flags = set ? file.flags | O_NONBLOCK : file.flags & ~O_NONBLOCK;
      return 0;
    }
    case FIONREAD: {
      if (file.isDirectory) return -EINVAL;
      const n = file.available ? file.available(k) : file.isTerminal(k) ? 0 : -ENOTTY;
      if (n < 0) return n;
      const out = new Uint8Array(4);
      new DataView(out.buffer).setInt32(0, Math.min(n, 0x7fffffff), true);
      return k.user.write(a[2], out) ? 0 : -EFAULT;
    }
  }
  if ((request !== TCGETS && request !== TIOCGWINSZ) || !file.isTerminal(k)) return -ENOTTY;
  if (request === TIOCGWINSZ) {
    const { rows, columns } = k.host.terminalSize(file.hostFd);
    const ws = new Uint8Array(8);
    const v = new DataView(ws.buffer);
    v.setUint16(0, rows, true);
    v.setUint16(2, columns, true);
    return k.user.write(a[2], ws) ? 0 : -EFAULT;
  }
  // struct termios (kernel layout, 36 bytes): a cooked terminal, B38400, 8 bits.
  const t = new Uint8Array(36);
  const v = new DataView(t.buffer);
  v.setUint32(0, 0x500, true); //  c_iflag: ICRNL | IXON
  v.setUint32(4, 0x5, true); //    c_oflag: OPOST | ONLCR
  v.setUint32(8, 0xbf, true); //   c_cflag: B38400 | CS8 | CREAD
  v.setUint32(12, 0x8a3b, true); // c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
  return k.user.write(a[2], t) ? 0 : -EFAULT;
}

/** fstat(fd, statbuf) */
export function sysFstat(k: Kernel, a: number[]): number {
  const file = fileOf(k, a[0]);
  if (!file) return -EBADF;
  const st = file.stat(k);
  if (typeof st === 'number') return st;
  return k.user.write(a[1], encodeStat(st)) ? 0 : -EFAULT;
}
