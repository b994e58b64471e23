import { EBADF, EFAULT, EINVAL, ENOENT, ENOTTY } from '../errno.js';
import type { Kernel } from '../kernel.js';

/** File descriptors 0-2 are the host's standard streams (files come with issue 7). */
function isStdStream(fd: number): boolean {
  return fd === 0 || fd === 1 || fd === 2;
}

/** Largest single transfer, as Linux's MAX_RW_COUNT (INT_MAX rounded down to a page). */
const MAX_RW_COUNT = 0x7ffff000;

/** read(fd, buf, count) */
export function sysRead(k: Kernel, a: number[]): number {
  const fd = a[0] | 0;
  const buf = a[1];
  const count = Math.min(a[2], MAX_RW_COUNT);
  if (!isStdStream(fd)) return -EBADF;
  if (count < 0) return -EINVAL;
  const chunk = new Uint8Array(Math.min(count, 65536));
  const n = k.host.read(fd, chunk);
  if (n <= 0) return n;
  return k.user.write(buf, chunk.subarray(0, n)) ? n : -EFAULT;
}

/** write(fd, buf, count) */
export function sysWrite(k: Kernel, a: number[]): number {
  const fd = a[0] | 0;
  const count = Math.min(a[2], MAX_RW_COUNT);
  if (!isStdStream(fd)) return -EBADF;
  if (count < 0) return -EINVAL;
  const data = k.user.read(a[1], count);
  if (!data) return -EFAULT;
  return k.host.write(fd, data);
}

/** writev(fd, iov, iovcnt): struct iovec { void *base; size_t len; } (16 bytes each). */
export function sysWritev(k: Kernel, a: number[]): number {
  const fd = a[0] | 0;
  const iovcnt = a[2] | 0;
  if (!isStdStream(fd)) return -EBADF;
  if (iovcnt < 0 || iovcnt > 1024) return -EINVAL;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < iovcnt; i++) {
    const base = k.user.readU64(a[1] + i * 16);
    const len = k.user.readU64(a[1] + i * 16 + 8);
    if (base === null || len === null) return -EFAULT;
    const data = k.user.read(base, len);
    if (!data) return -EFAULT;
    parts.push(data);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return total === 0 ? 0 : k.host.write(fd, joined);
}

const TCGETS = 0x5401;
const TIOCGWINSZ = 0x5413;

/** ioctl(fd, request, arg): the terminal queries libc start-up makes (LINUX-ABI.md §7.1-7.2). */
export function sysIoctl(k: Kernel, a: number[]): number {
  const fd = a[0] | 0;
  const request = a[1] >>> 0;
  if (!isStdStream(fd)) return -EBADF;
  if (request !== TCGETS && request !== TIOCGWINSZ) return -ENOTTY;
  if (!k.host.isTerminal(fd)) return -ENOTTY;
  if (request === TIOCGWINSZ) {
    const { rows, columns } = k.host.terminalSize(fd);
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

const S_IFCHR = 0o020000;
const S_IFIFO = 0o010000;

/**
 * struct stat for a standard stream (x86-64 layout, 144 bytes): a character device
 * when the host stream is a terminal, otherwise a pipe — which is what decides stdio's
 * buffering in the guest's libc.
 */
function statStream(k: Kernel, fd: number): Uint8Array {
  const st = new Uint8Array(144);
  const v = new DataView(st.buffer);
  const tty = k.host.isTerminal(fd);
  v.setUint32(0, tty ? 0x16 : 0xd, true); //         st_dev
  v.setUint32(8, 3 + fd, true); //                   st_ino
  v.setUint32(16, 1, true); //                       st_nlink
  v.setUint32(24, tty ? S_IFCHR | 0o620 : S_IFIFO | 0o600, true); // st_mode
  v.setUint32(28, 1000, true); //                    st_uid
  v.setUint32(32, tty ? 5 : 1000, true); //          st_gid
  v.setUint32(40, tty ? 0x8800 : 0, true); //        st_rdev (pts/0)
  v.setUint32(56, tty ? 1024 : 4096, true); //       st_blksize
  return st;
}

/** fstat(fd, statbuf) */
export function sysFstat(k: Kernel, a: number[]): number {
  const fd = a[0] | 0;
  if (!isStdStream(fd)) return -EBADF;
  return k.user.write(a[1], statStream(k, fd)) ? 0 : -EFAULT;
}

const AT_EMPTY_PATH = 0x1000;

/** newfstatat(dirfd, path, statbuf, flags): the AT_EMPTY_PATH form on a stream. */
export function sysNewfstatat(k: Kernel, a: number[]): number {
  const path = k.user.readCString(a[1]);
  if (path === null) return -EFAULT;
  if (path === '' && (a[3] & AT_EMPTY_PATH) !== 0) return sysFstat(k, [a[0], a[2]]);
  return -ENOENT;
}
