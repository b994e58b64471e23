import type { Kernel } from '../kernel.js';

/** An open file description: what a file descriptor refers to (Linux's struct file). */
export interface OpenFile {
  /** For strace and /proc/self/fd. */
  readonly description: string;
  /** Reads up to `length` bytes; returns the bytes (empty at EOF) or -errno. */
  read(k: Kernel, length: number): Uint8Array | number;
  /** Writes; returns the count written or -errno. */
  write(k: Kernel, data: Uint8Array): number;
  /** lseek; returns the new offset or -errno. */
  seek(offset: number, whence: number): number;
  /** struct stat (x86-64 layout, 144 bytes). */
  stat(k: Kernel): Uint8Array;
  /** Whether the file is a terminal (TCGETS / TIOCGWINSZ answer only then). */
  isTerminal(k: Kernel): boolean;
  /** The host stream behind it, for terminal queries; -1 if none. */
  readonly hostFd: number;
}

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_IFDIR = 0o040000;

/** Builds a struct stat (x86-64: st_dev 0, st_ino 8, st_nlink 16, st_mode 24, st_uid 28, st_gid 32, st_rdev 40, st_size 48, st_blksize 56, st_blocks 64). */
export function makeStat(fields: { dev?: number; ino?: number; mode: number; uid?: number; gid?: number; rdev?: number; size?: number; blksize?: number }): Uint8Array {
  const st = new Uint8Array(144);
  const v = new DataView(st.buffer);
  v.setUint32(0, fields.dev ?? 0, true);
  v.setUint32(8, fields.ino ?? 0, true);
  v.setUint32(16, 1, true);
  v.setUint32(24, fields.mode, true);
  v.setUint32(28, fields.uid ?? 1000, true);
  v.setUint32(32, fields.gid ?? 1000, true);
  v.setUint32(40, fields.rdev ?? 0, true);
  const size = fields.size ?? 0;
  v.setUint32(48, size >>> 0, true);
  v.setUint32(52, Math.floor(size / 4294967296), true);
  v.setUint32(56, fields.blksize ?? 4096, true);
  v.setUint32(64, Math.ceil(size / 512), true);
  return st;
}
