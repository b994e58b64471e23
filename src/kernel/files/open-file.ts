import type { Kstat } from '../host.js';
import type { Kernel } from '../kernel.js';

/**
 * An open file description: what a file descriptor refers to (Linux's struct file).
 * Descriptors made by dup, fcntl(F_DUPFD) and /proc/self/fd share one, and with it the
 * position and the status flags. The optional methods are what only some kinds of file
 * can do; a missing one answers as Linux does for that kind (ESPIPE, EINVAL, ENOTDIR).
 */
export interface OpenFile {
  /** For strace and /proc/self/fd: the guest path, or "pipe:[ino]" and the like. */
  readonly description: string;
  /** Access mode and status flags (O_ACCMODE | O_APPEND | O_NONBLOCK ...): F_GETFL, F_SETFL. */
  flags: number;
  /** Reads up to `length` bytes; returns the bytes (empty at EOF) or -errno. */
  read(k: Kernel, length: number): Uint8Array | number;
  /** Writes; returns the count written or -errno. */
  write(k: Kernel, data: Uint8Array): number;
  /** lseek; returns the new offset or -errno. */
  seek(offset: number, whence: number): number;
  /** The file's attributes (fstat, statx with AT_EMPTY_PATH), or -errno. */
  stat(k: Kernel): Kstat | number;
  /** Whether the file is a terminal (TCGETS / TIOCGWINSZ answer only then). */
  isTerminal(k: Kernel): boolean;
  /** The host stream behind it, for terminal queries; -1 if none. */
  readonly hostFd: number;
  /** Where the file was opened, as guest path components: a directory can be an *at() dirfd. */
  readonly location?: string[];
  /** Whether it is a directory (dirfd, fchdir, getdents64). */
  readonly isDirectory?: boolean;
  /** pread64: reads at `position` without moving the file position. */
  pread?(k: Kernel, length: number, position: number): Uint8Array | number;
  /** pwrite64: writes at `position` without moving the file position. */
  pwrite?(k: Kernel, data: Uint8Array, position: number): number;
  /** getdents64: as many struct linux_dirent64 records as fit in `size` bytes, or -errno. */
  getdents?(k: Kernel, size: number): Uint8Array | number;
  /** ftruncate. */
  truncate?(k: Kernel, length: number): number;
  /** fsync / fdatasync. */
  sync?(k: Kernel): number;
  /** How mmap maps it: by copying its bytes into private pages, or as zero pages (/dev/zero); absent: -ENODEV. */
  readonly mmap?: 'copy' | 'zero';
  /** Bytes ready to read (ioctl FIONREAD). */
  available?(k: Kernel): number;
  /** The last descriptor referring to it was closed. */
  release?(): void;
}

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

/** open(2) flags, x86-64 values (include/uapi/asm-generic/fcntl.h). */
export const O_ACCMODE = 3;
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const O_ASYNC = 0o20000;
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;
export const O_TMPFILE = 0o20000000 | O_DIRECTORY;

/** Whether an access mode allows reading / writing. */
export function canRead(flags: number): boolean {
  return (flags & O_ACCMODE) === O_RDONLY || (flags & O_ACCMODE) === O_RDWR;
}
export function canWrite(flags: number): boolean {
  return (flags & O_ACCMODE) === O_WRONLY || (flags & O_ACCMODE) === O_RDWR;
}

/** Linux's makedev (glibc encoding, which is also what struct stat carries). */
export function makeDev(major: number, minor: number): number {
  return ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0;
}
export function devMajor(dev: number): number {
  return (dev >>> 8) & 0xfff;
}
export function devMinor(dev: number): number {
  return (dev & 0xff) | ((dev >>> 12) & 0xfff00);
}

const EPOCH = { sec: 0, nsec: 0 };

/** Attributes with defaults for what a kernel-provided file leaves out. */
export function makeStat(fields: Partial<Kstat> & { mode: number }): Kstat {
  const size = fields.size ?? 0;
  return {
    dev: fields.dev ?? 0,
    ino: fields.ino ?? 0,
    mode: fields.mode,
    nlink: fields.nlink ?? 1,
    uid: fields.uid ?? 1000,
    gid: fields.gid ?? 1000,
    rdev: fields.rdev ?? 0,
    size,
    blksize: fields.blksize ?? 4096,
    blocks: fields.blocks ?? Math.ceil(size / 512),
    atime: fields.atime ?? EPOCH,
    mtime: fields.mtime ?? EPOCH,
    ctime: fields.ctime ?? EPOCH,
  };
}

const TWO_POW_32 = 4294967296;

function put64(v: DataView, at: number, n: number): void {
  // Two's complement for negative values (times before 1970).
  const hi = Math.floor(n / TWO_POW_32);
  v.setUint32(at, n - hi * TWO_POW_32, true);
  v.setInt32(at + 4, hi | 0, true);
}

/**
 * struct stat, x86-64 (arch/x86/include/uapi/asm/stat.h), 144 bytes: st_dev 0, st_ino 8,
 * st_nlink 16, st_mode 24, st_uid 28, st_gid 32, st_rdev 40, st_size 48, st_blksize 56,
 * st_blocks 64, st_atim 72, st_mtim 88, st_ctim 104.
 */
export function encodeStat(s: Kstat): Uint8Array {
  const st = new Uint8Array(144);
  const v = new DataView(st.buffer);
  put64(v, 0, s.dev);
  put64(v, 8, s.ino);
  put64(v, 16, s.nlink);
  v.setUint32(24, s.mode, true);
  v.setUint32(28, s.uid, true);
  v.setUint32(32, s.gid, true);
  put64(v, 40, s.rdev);
  put64(v, 48, s.size);
  put64(v, 56, s.blksize);
  put64(v, 64, s.blocks);
  put64(v, 72, s.atime.sec);
  put64(v, 80, s.atime.nsec);
  put64(v, 88, s.mtime.sec);
  put64(v, 96, s.mtime.nsec);
  put64(v, 104, s.ctime.sec);
  put64(v, 112, s.ctime.nsec);
  return st;
}

/**
 * struct stat64, i386 (arch/x86/include/uapi/asm/stat.h), 96 bytes: st_dev 0, __st_ino 12,
 * st_mode 16, st_nlink 20, st_uid 24, st_gid 28, st_rdev 32, st_size 44, st_blksize 52,
 * st_blocks 56, st_atime 64 (nsec 68), st_mtime 72, st_ctime 80, st_ino 88.
 */
export function encodeStat64(s: Kstat): Uint8Array {
  const st = new Uint8Array(96);
  const v = new DataView(st.buffer);
  put64(v, 0, s.dev);
  v.setUint32(12, s.ino >>> 0, true);
  v.setUint32(16, s.mode, true);
  v.setUint32(20, s.nlink, true);
  v.setUint32(24, s.uid, true);
  v.setUint32(28, s.gid, true);
  put64(v, 32, s.rdev);
  put64(v, 44, s.size);
  v.setUint32(52, s.blksize, true);
  put64(v, 56, s.blocks);
  v.setUint32(64, s.atime.sec >>> 0, true);
  v.setUint32(68, s.atime.nsec, true);
  v.setUint32(72, s.mtime.sec >>> 0, true);
  v.setUint32(76, s.mtime.nsec, true);
  v.setUint32(80, s.ctime.sec >>> 0, true);
  v.setUint32(84, s.ctime.nsec, true);
  put64(v, 88, s.ino);
  return st;
}

/** statx's STATX_BASIC_STATS: type, mode, nlink, uid, gid, atime, mtime, ctime, ino, size, blocks. */
export const STATX_BASIC_STATS = 0x7ff;

/**
 * struct statx (include/uapi/linux/stat.h), 256 bytes: stx_mask 0, stx_blksize 4,
 * stx_nlink 16, stx_uid 20, stx_gid 24, stx_mode 28 (u16), stx_ino 32, stx_size 40,
 * stx_blocks 48, timestamps {i64 sec, u32 nsec, pad} at 64 (atime), 80 (btime),
 * 96 (ctime), 112 (mtime), stx_rdev_major 128, _minor 132, stx_dev_major 136, _minor 140.
 */
export function encodeStatx(s: Kstat): Uint8Array {
  const st = new Uint8Array(256);
  const v = new DataView(st.buffer);
  v.setUint32(0, STATX_BASIC_STATS, true);
  v.setUint32(4, s.blksize, true);
  v.setUint32(16, s.nlink, true);
  v.setUint32(20, s.uid, true);
  v.setUint32(24, s.gid, true);
  v.setUint16(28, s.mode & 0xffff, true);
  put64(v, 32, s.ino);
  put64(v, 40, s.size);
  put64(v, 48, s.blocks);
  const time = (at: number, t: { sec: number; nsec: number }): void => {
    put64(v, at, t.sec);
    v.setUint32(at + 8, t.nsec, true);
  };
  time(64, s.atime);
  time(96, s.ctime);
  time(112, s.mtime);
  v.setUint32(128, devMajor(s.rdev), true);
  v.setUint32(132, devMinor(s.rdev), true);
  v.setUint32(136, devMajor(s.dev), true);
  v.setUint32(140, devMinor(s.dev), true);
  return st;
}

/** d_type of struct linux_dirent64 from S_IFMT bits (DT_UNKNOWN 0 when unknown). */
export function direntType(mode: number): number {
  return (mode & S_IFMT) >>> 12;
}
