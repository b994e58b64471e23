import { EBADF, EFAULT, EINVAL, ENOENT, ENOTTY } from '../errno.js';
import { openProcFile } from '../files/procfs.js';
import type { Kernel } from '../kernel.js';

/** Largest single transfer, as Linux's MAX_RW_COUNT (INT_MAX rounded down to a page). */
const MAX_RW_COUNT = 0x7ffff000;

/** read(fd, buf, count) */
export function sysRead(k: Kernel, a: number[]): number {
  const file = k.process.fds.get(a[0] | 0);
  if (!file) return -EBADF;
  if (a[2] < 0) return -EINVAL;
  const data = file.read(k, Math.min(a[2], MAX_RW_COUNT));
  if (typeof data === 'number') return data;
  return k.user.write(a[1], data) ? data.length : -EFAULT;
}

/** write(fd, buf, count) */
export function sysWrite(k: Kernel, a: number[]): number {
  const file = k.process.fds.get(a[0] | 0);
  if (!file) return -EBADF;
  if (a[2] < 0) return -EINVAL;
  const data = k.user.read(a[1], Math.min(a[2], MAX_RW_COUNT));
  if (!data) return -EFAULT;
  return file.write(k, data);
}

/** writev(fd, iov, iovcnt): struct iovec { void *base; size_t len; } (16 bytes each). */
export function sysWritev(k: Kernel, a: number[]): number {
  const file = k.process.fds.get(a[0] | 0);
  const iovcnt = a[2] | 0;
  if (!file) return -EBADF;
  if (iovcnt < 0 || iovcnt > 1024) return -EINVAL;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < iovcnt; i++) {
    const base = k.user.readU64(a[1] + i * 16);
    const len = k.user.readU64(a[1] + i * 16 + 8);
    if (base === null || len === null) return -EFAULT;
    const data = k.user.read(base, len);
    if (!data) return -EFAULT;
    parts.push(data);
    total += data.length;
  }
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return file.write(k, joined);
}

/** lseek(fd, offset, whence) */
export function sysLseek(k: Kernel, a: number[]): number {
  const file = k.process.fds.get(a[0] | 0);
  return file ? file.seek(a[1], a[2] | 0) : -EBADF;
}

/** close(fd) */
export function sysClose(k: Kernel, a: number[]): number {
  return k.process.fds.close(a[0] | 0);
}

const O_ACCMODE = 3;
const O_RDONLY = 0;

/**
 * openat(dirfd, path, flags, mode) / open(path, flags, mode). Today the kernel serves
 * its own files (/proc/self/maps, auxv, cmdline); host files arrive with `--root`
 * (issue 7), so other paths are -ENOENT.
 */
export function sysOpenat(k: Kernel, a: number[]): number {
  return openCommon(k, a[1], a[2] | 0);
}

export function sysOpen(k: Kernel, a: number[]): number {
  return openCommon(k, a[0], a[1] | 0);
}

function openCommon(k: Kernel, pathPtr: number, flags: number): number {
  const path = k.user.readCString(pathPtr);
  if (path === null) return -EFAULT;
  const file = openProcFile(k, path);
  if (!file) return -ENOENT;
  if ((flags & O_ACCMODE) !== O_RDONLY) return -EINVAL; // EACCES in Linux for procfs writes; read-only here
  return k.process.fds.install(file);
}

const TCGETS = 0x5401;
const TIOCGWINSZ = 0x5413;

/** ioctl(fd, request, arg): the terminal queries libc start-up makes (LINUX-ABI.md §7.1-7.2). */
export function sysIoctl(k: Kernel, a: number[]): number {
  const file = k.process.fds.get(a[0] | 0);
  const request = a[1] >>> 0;
  if (!file) return -EBADF;
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
  const file = k.process.fds.get(a[0] | 0);
  if (!file) return -EBADF;
  return k.user.write(a[1], file.stat(k)) ? 0 : -EFAULT;
}

const AT_EMPTY_PATH = 0x1000;

/** newfstatat(dirfd, path, statbuf, flags): the AT_EMPTY_PATH form, and the kernel's own files. */
export function sysNewfstatat(k: Kernel, a: number[]): number {
  const path = k.user.readCString(a[1]);
  if (path === null) return -EFAULT;
  if (path === '' && (a[3] & AT_EMPTY_PATH) !== 0) return sysFstat(k, [a[0], a[2]]);
  const file = openProcFile(k, path);
  if (!file) return -ENOENT;
  return k.user.write(a[2], file.stat()) ? 0 : -EFAULT;
}
