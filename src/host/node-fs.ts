import {
  accessSync, closeSync, constants, fstatSync, fsyncSync, ftruncateSync, lstatSync, mkdirSync, openSync, readdirSync,
  readlinkSync, readSync, renameSync, rmdirSync, symlinkSync, unlinkSync, writeSync,
} from 'node:fs';
import type { BigIntStats } from 'node:fs';
import type { HostDirEntry, HostFileSystem, Kstat } from '../kernel/host.js';

/** Linux errno values by the code Node reports (the host's own numbers may differ: macOS). */
const ERRNO: Record<string, number> = {
  EPERM: 1, ENOENT: 2, EIO: 5, ENXIO: 6, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16,
  EEXIST: 17, EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25,
  ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, ERANGE: 34,
  ENAMETOOLONG: 36, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, EOVERFLOW: 75, EOPNOTSUPP: 95, ENOTSUP: 95, EDQUOT: 122,
};

const EIO = 5;
const ENXIO = 6;
const EISDIR = 21;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/** The Linux -errno for an exception from node:fs. */
function fail(e: unknown): number {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (code.startsWith('ERR_')) return -22; // Node's own argument checks: EINVAL
  return -(ERRNO[code] ?? EIO);
}

function attempt<T>(f: () => T): T | number {
  try {
    return f();
  } catch (e) {
    return fail(e);
  }
}

const BILLION = 1_000_000_000n;

function timespec(ns: bigint): { sec: number; nsec: number } {
  let sec = ns / BILLION;
  let nsec = ns % BILLION;
  if (nsec < 0n) {
    nsec += BILLION;
    sec -= 1n;
  }
  return { sec: Number(sec), nsec: Number(nsec) };
}

function kstat(s: BigIntStats): Kstat {
  return {
    dev: Number(s.dev),
    ino: Number(s.ino),
    mode: Number(s.mode),
    nlink: Number(s.nlink),
    uid: Number(s.uid),
    gid: Number(s.gid),
    rdev: Number(s.rdev),
    size: Number(s.size),
    blksize: Number(s.blksize),
    blocks: Number(s.blocks),
    atime: timespec(s.atimeNs),
    mtime: timespec(s.mtimeNs),
    ctime: timespec(s.ctimeNs),
  };
}

/** Linux O_* bits the host interface honours, in the host's own values. */
function hostOpenFlags(flags: number): number {
  const access = flags & 3;
  let out = access === 0 ? constants.O_RDONLY : access === 1 ? constants.O_WRONLY : constants.O_RDWR;
  if (flags & 0o100) out |= constants.O_CREAT;
  if (flags & 0o200) out |= constants.O_EXCL;
  if (flags & 0o1000) out |= constants.O_TRUNC;
  // Never follow a link in the last component (the kernel resolved the path itself) and
  // never block in open (a FIFO swapped in after the kernel looked).
  return out | constants.O_NOFOLLOW | constants.O_NONBLOCK;
}

/**
 * The host interface's files on Node: node:fs calls on host paths, Node's error codes
 * turned into Linux errno values. Handles are host descriptors.
 */
export class NodeFileSystem implements HostFileSystem {
  cwd(): string {
    return process.cwd();
  }

  open(path: string, flags: number, mode: number): number {
    const fd = attempt(() => openSync(path, hostOpenFlags(flags), mode));
    if (typeof fd !== 'number' || fd < 0) return fd;
    const st = attempt(() => fstatSync(fd));
    const type = typeof st === 'number' ? 0 : st.mode & S_IFMT;
    if (type !== S_IFREG) {
      closeSync(fd);
      return type === S_IFDIR ? -EISDIR : -ENXIO;
    }
    return fd;
  }

  close(handle: number): number {
    const r = attempt(() => closeSync(handle));
    return typeof r === 'number' ? r : 0;
  }

  pread(handle: number, into: Uint8Array, position: number): number {
    return attempt(() => readSync(handle, into, 0, into.length, position));
  }

  pwrite(handle: number, data: Uint8Array, position: number): number {
    return attempt(() => {
      let done = 0;
      while (done < data.length) {
        const n = writeSync(handle, data, done, data.length - done, position + done);
        if (n <= 0) break;
        done += n;
      }
      return done;
    });
  }

  fstat(handle: number): Kstat | number {
    const st = attempt(() => fstatSync(handle, { bigint: true }));
    return typeof st === 'number' ? st : kstat(st);
  }

  ftruncate(handle: number, length: number): number {
    const r = attempt(() => ftruncateSync(handle, length));
    return typeof r === 'number' ? r : 0;
  }

  fsync(handle: number): number {
    const r = attempt(() => fsyncSync(handle));
    return typeof r === 'number' ? r : 0;
  }

  lstat(path: string): Kstat | number {
    const st = attempt(() => lstatSync(path, { bigint: true, throwIfNoEntry: false }));
    if (st === undefined) return -ERRNO.ENOENT;
    return typeof st === 'number' ? st : kstat(st);
  }

  readlink(path: string): string | number {
    return attempt(() => readlinkSync(path, 'utf8'));
  }

  readdir(path: string): HostDirEntry[] | number {
    const names = attempt(() => readdirSync(path, 'utf8'));
    if (typeof names === 'number') return names;
    const out: HostDirEntry[] = [];
    for (const name of names) {
      const st = attempt(() => lstatSync(`${path.endsWith('/') ? path : path + '/'}${name}`, { throwIfNoEntry: false }));
      if (st === undefined || typeof st === 'number') continue; // gone since the listing
      out.push({ name, ino: st.ino, type: st.mode & S_IFMT });
    }
    return out;
  }

  mkdir(path: string, mode: number): number {
    const r = attempt(() => mkdirSync(path, { mode }));
    return typeof r === 'number' ? r : 0;
  }

  rmdir(path: string): number {
    const r = attempt(() => rmdirSync(path));
    return typeof r === 'number' ? r : 0;
  }

  unlink(path: string): number {
    const r = attempt(() => unlinkSync(path));
    return typeof r === 'number' ? r : 0;
  }

  rename(from: string, to: string): number {
    const r = attempt(() => renameSync(from, to));
    return typeof r === 'number' ? r : 0;
  }

  symlink(target: string, path: string): number {
    const r = attempt(() => symlinkSync(target, path));
    return typeof r === 'number' ? r : 0;
  }

  access(path: string, mode: number): number {
    const r = attempt(() => accessSync(path, mode));
    return typeof r === 'number' ? r : 0;
  }
}
