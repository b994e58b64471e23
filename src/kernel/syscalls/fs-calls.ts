import {
  EACCES, EBADF, EBUSY, EEXIST, EFAULT, EINVAL, EISDIR, ENOENT, ENOTDIR, ERANGE, EXDEV,
} from '../errno.js';
import type { Kstat } from '../host.js';
import { encodeStat, encodeStat64, encodeStatx, O_WRONLY, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../files/open-file.js';
import { AT_FDCWD, cwdComponents, MagicNode, walk, walkedComponents, Walked } from '../files/path-walk.js';
import { guestPathOf, hostJoin, VIRTUAL_WRITE_ERROR } from '../files/vfs.js';
import type { Kernel } from '../kernel.js';
import { fileOf, offset64, readPath } from './io.js';

const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_REMOVEDIR = 0x200;
const AT_EACCESS = 0x200;
const AT_NO_AUTOMOUNT = 0x800;
const AT_EMPTY_PATH = 0x1000;
const AT_STATX_SYNC_TYPE = 0x6000;

/** Attributes for the stat family: of `dirfd` itself (AT_EMPTY_PATH with ""), or of the path. */
function statAt(k: Kernel, dirfd: number, pathPtr: number, flags: number, allowed: number): Kstat | number {
  if (flags & ~allowed) return -EINVAL;
  let path = readPath(k, pathPtr);
  if (typeof path === 'number') return path;
  if (path === '' && flags & AT_EMPTY_PATH) {
    if (dirfd !== AT_FDCWD) {
      const file = fileOf(k, dirfd);
      return file ? file.stat(k) : -EBADF;
    }
    path = '.';
  }
  const w = walk(k, dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) === 0);
  if (typeof w === 'number') return w;
  if (!w.node) return -ENOENT;
  if (w.trailingSlash && w.node.type !== S_IFDIR) return -ENOTDIR;
  return w.node.stat(k);
}

function putStat(k: Kernel, st: Kstat | number, buf: number, encode: (s: Kstat) => Uint8Array): number {
  if (typeof st === 'number') return st;
  return k.user.write(buf, encode(st)) ? 0 : -EFAULT;
}

const STAT_FLAGS = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH;

/** stat(path, statbuf) */
export function sysStat(k: Kernel, a: number[]): number {
  return putStat(k, statAt(k, AT_FDCWD, a[0], 0, 0), a[1], encodeStat);
}

/** lstat(path, statbuf) */
export function sysLstat(k: Kernel, a: number[]): number {
  return putStat(k, statAt(k, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW), a[1], encodeStat);
}

/** newfstatat(dirfd, path, statbuf, flags) */
export function sysNewfstatat(k: Kernel, a: number[]): number {
  return putStat(k, statAt(k, a[0] | 0, a[1], a[3] | 0, STAT_FLAGS), a[2], encodeStat);
}

/** stat64 / lstat64 / fstat64 / fstatat64: the ia32 ABI's struct stat64. */
export function sysStat64(k: Kernel, a: number[]): number {
  return putStat(k, statAt(k, AT_FDCWD, a[0], 0, 0), a[1], encodeStat64);
}
export function sysLstat64(k: Kernel, a: number[]): number {
  return putStat(k, statAt(k, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW), a[1], encodeStat64);
}
export function sysFstat64(k: Kernel, a: number[]): number {
  const file = fileOf(k, a[0]);
  return file ? putStat(k, file.stat(k), a[1], encodeStat64) : -EBADF;
}
export function sysFstatat64(k: Kernel, a: number[]): number {
  return putStat(k, statAt(k, a[0] | 0, a[1], a[3] | 0, STAT_FLAGS), a[2], encodeStat64);
}

/** statx(dirfd, path, flags, mask, statxbuf): every basic field is always filled. */
export function sysStatx(k: Kernel, a: number[]): number {
  const flags = a[2] | 0;
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -EINVAL;
  if ((a[3] | 0) & 0x80000000) return -EINVAL; // STATX__RESERVED
  return putStat(k, statAt(k, a[0] | 0, a[1], flags & ~AT_STATX_SYNC_TYPE, STAT_FLAGS), a[4], encodeStatx);
}

/** getdents64(fd, dirp, count): struct linux_dirent64 records. */
export function sysGetdents64(k: Kernel, a: number[]): number {
  const file = fileOf(k, a[0]);
  if (!file) return -EBADF;
  if (!file.getdents) return file.isDirectory ? -EBADF : -ENOTDIR;
  const size = a[2] < 0 ? 0x7fffffff : Math.min(a[2], 0x7fffffff);
  const records = file.getdents(k, size);
  if (typeof records === 'number') return records;
  return k.user.write(a[1], records) ? records.length : -EFAULT;
}

/** getcwd(buf, size): the path with its NUL; returns its length including the NUL. */
export function sysGetcwd(k: Kernel, a: number[]): number {
  const path = new TextEncoder().encode(guestPathOf(cwdComponents(k)) + '\0');
  if (path.length > (a[1] >>> 0)) return -ERANGE;
  return k.user.write(a[0], path) ? path.length : -EFAULT;
}

/** Where a walk's directory is, for chdir: a magic link stands for its file's place. */
function directoryLocation(w: Walked): string[] | number {
  if (!w.node) return -ENOENT;
  if (w.node.type !== S_IFDIR) return -ENOTDIR;
  if (w.node instanceof MagicNode) return w.node.file.location ?? -ENOTDIR;
  return walkedComponents(w);
}

/** chdir(path) */
export function sysChdir(k: Kernel, a: number[]): number {
  const path = readPath(k, a[0]);
  if (typeof path === 'number') return path;
  const w = walk(k, AT_FDCWD, path, true);
  if (typeof w === 'number') return w;
  const where = directoryLocation(w);
  if (typeof where === 'number') return where;
  k.process.fsState.cwd = where;
  return 0;
}

/** fchdir(fd) */
export function sysFchdir(k: Kernel, a: number[]): number {
  const file = fileOf(k, a[0]);
  if (!file) return -EBADF;
  if (!file.isDirectory || !file.location) return -ENOTDIR;
  k.process.fsState.cwd = [...file.location];
  return 0;
}

/** The walk for calls that make or remove a name: the last component is never followed. */
function walkName(k: Kernel, dirfd: number, pathPtr: number): Walked | number {
  const path = readPath(k, pathPtr);
  if (typeof path === 'number') return path;
  return walk(k, dirfd, path, false);
}

function mkdirCommon(k: Kernel, dirfd: number, pathPtr: number, mode: number): number {
  const w = walkName(k, dirfd, pathPtr);
  if (typeof w === 'number') return w;
  if (w.node || w.name === null) return -EEXIST;
  if (!w.parentNode.hostPath) return -VIRTUAL_WRITE_ERROR;
  return k.host.fs.mkdir(hostJoin(w.parentNode.hostPath, w.name), mode & ~k.process.fsState.umask & 0o7777);
}

/** mkdir(path, mode) */
export function sysMkdir(k: Kernel, a: number[]): number {
  return mkdirCommon(k, AT_FDCWD, a[0], a[1] | 0);
}

/** mkdirat(dirfd, path, mode) */
export function sysMkdirat(k: Kernel, a: number[]): number {
  return mkdirCommon(k, a[0] | 0, a[1], a[2] | 0);
}

function removeCommon(k: Kernel, dirfd: number, pathPtr: number, directory: boolean): number {
  const path = readPath(k, pathPtr);
  if (typeof path === 'number') return path;
  const w = walk(k, dirfd, path, false);
  if (typeof w === 'number') return w;
  if (w.name === null) {
    // The path ended in "/", "." or "..": rmdir(".") is EINVAL, "/" and ".." busy or not empty.
    if (!directory) return -EISDIR;
    return /(^|\/)\.\/*$/.test(path) ? -EINVAL : -EBUSY;
  }
  if (!w.node) return -ENOENT;
  const isDir = w.node.type === S_IFDIR;
  if (directory && !isDir) return -ENOTDIR;
  if (!directory && isDir) return -EISDIR;
  if (!directory && w.trailingSlash) return -ENOTDIR;
  if (!w.parentNode.hostPath || !w.node.hostPath) return -VIRTUAL_WRITE_ERROR;
  const target = hostJoin(w.parentNode.hostPath, w.name);
  return directory ? k.host.fs.rmdir(target) : k.host.fs.unlink(target);
}

/** unlink(path) */
export function sysUnlink(k: Kernel, a: number[]): number {
  return removeCommon(k, AT_FDCWD, a[0], false);
}

/** rmdir(path) */
export function sysRmdir(k: Kernel, a: number[]): number {
  return removeCommon(k, AT_FDCWD, a[0], true);
}

/** unlinkat(dirfd, path, flags): AT_REMOVEDIR makes it rmdir. */
export function sysUnlinkat(k: Kernel, a: number[]): number {
  const flags = a[2] | 0;
  if (flags & ~AT_REMOVEDIR) return -EINVAL;
  return removeCommon(k, a[0] | 0, a[1], (flags & AT_REMOVEDIR) !== 0);
}

const RENAME_NOREPLACE = 1;
const RENAME_EXCHANGE = 2;
const RENAME_WHITEOUT = 4;

function renameCommon(k: Kernel, oldDirfd: number, oldPtr: number, newDirfd: number, newPtr: number, flags: number): number {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL;
  if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL; // not supported by the host interface
  const from = walkName(k, oldDirfd, oldPtr);
  if (typeof from === 'number') return from;
  const to = walkName(k, newDirfd, newPtr);
  if (typeof to === 'number') return to;
  if (!from.node) return -ENOENT;
  if (from.name === null || to.name === null) return -EBUSY;
  const movingDir = from.node.type === S_IFDIR;
  if (!movingDir && (from.trailingSlash || to.trailingSlash)) return -ENOTDIR;
  if (to.node && flags & RENAME_NOREPLACE) return -EEXIST;
  const fromDir = from.parentNode.hostPath;
  const toDir = to.parentNode.hostPath;
  if (!fromDir || !from.node.hostPath) return toDir ? -EXDEV : -VIRTUAL_WRITE_ERROR;
  if (!toDir || (to.node && !to.node.hostPath)) return -EXDEV;
  return k.host.fs.rename(hostJoin(fromDir, from.name), hostJoin(toDir, to.name));
}

/** rename(old, new) */
export function sysRename(k: Kernel, a: number[]): number {
  return renameCommon(k, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

/** renameat(olddirfd, old, newdirfd, new) */
export function sysRenameat(k: Kernel, a: number[]): number {
  return renameCommon(k, a[0] | 0, a[1], a[2] | 0, a[3], 0);
}

/** renameat2(olddirfd, old, newdirfd, new, flags): RENAME_NOREPLACE; RENAME_EXCHANGE is EINVAL. */
export function sysRenameat2(k: Kernel, a: number[]): number {
  return renameCommon(k, a[0] | 0, a[1], a[2] | 0, a[3], a[4] | 0);
}

function readlinkCommon(k: Kernel, dirfd: number, pathPtr: number, buf: number, size: number): number {
  if ((size | 0) <= 0) return -EINVAL;
  const path = readPath(k, pathPtr);
  if (typeof path === 'number') return path;
  const w = walk(k, dirfd, path, false);
  if (typeof w === 'number') return w;
  if (!w.node) return -ENOENT;
  if (w.node.type !== S_IFLNK || !w.node.readlink) return -EINVAL;
  const target = w.node.readlink(k);
  if (typeof target === 'number') return target;
  const bytes = new TextEncoder().encode(target);
  const n = Math.min(bytes.length, size | 0); // readlink does not NUL-terminate
  return k.user.write(buf, bytes.subarray(0, n)) ? n : -EFAULT;
}

/** readlink(path, buf, size) */
export function sysReadlink(k: Kernel, a: number[]): number {
  return readlinkCommon(k, AT_FDCWD, a[0], a[1], a[2]);
}

/** readlinkat(dirfd, path, buf, size) */
export function sysReadlinkat(k: Kernel, a: number[]): number {
  return readlinkCommon(k, a[0] | 0, a[1], a[2], a[3]);
}

const F_OK = 0;
const X_OK = 1;
const W_OK = 2;
const R_OK = 4;

function accessCommon(k: Kernel, dirfd: number, pathPtr: number, mode: number, flags: number): number {
  if (mode & ~(R_OK | W_OK | X_OK)) return -EINVAL;
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH)) return -EINVAL;
  const path = readPath(k, pathPtr);
  if (typeof path === 'number') return path;
  const w = walk(k, dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) === 0);
  if (typeof w === 'number') return w;
  const node = w.node;
  if (!node) return -ENOENT;
  if (w.trailingSlash && node.type !== S_IFDIR) return -ENOTDIR;
  if (mode === F_OK) return 0;
  if (node.hostPath && node.type !== S_IFLNK) return k.host.fs.access(node.hostPath, mode);
  // The kernel's own files: the mode bits for the guest's uid (1000) or for others.
  const st = node.stat(k);
  if (typeof st === 'number') return st;
  const bits = st.uid === 1000 ? (st.mode >> 6) & 7 : st.mode & 7;
  return (bits & mode) === mode ? 0 : -EACCES;
}

/** access(path, mode) */
export function sysAccess(k: Kernel, a: number[]): number {
  return accessCommon(k, AT_FDCWD, a[0], a[1] | 0, 0);
}

/** faccessat(dirfd, path, mode) */
export function sysFaccessat(k: Kernel, a: number[]): number {
  return accessCommon(k, a[0] | 0, a[1], a[2] | 0, 0);
}

/** faccessat2(dirfd, path, mode, flags) */
export function sysFaccessat2(k: Kernel, a: number[]): number {
  return accessCommon(k, a[0] | 0, a[1], a[2] | 0, a[3] | 0);
}

function symlinkCommon(k: Kernel, targetPtr: number, dirfd: number, pathPtr: number): number {
  const target = readPath(k, targetPtr);
  if (typeof target === 'number') return target;
  if (target === '') return -ENOENT;
  const w = walkName(k, dirfd, pathPtr);
  if (typeof w === 'number') return w;
  if (w.node || w.name === null) return -EEXIST;
  if (w.trailingSlash) return -ENOENT;
  if (!w.parentNode.hostPath) return -VIRTUAL_WRITE_ERROR;
  // The target is stored as written; it is resolved inside the root when followed.
  return k.host.fs.symlink(target, hostJoin(w.parentNode.hostPath, w.name));
}

/** symlink(target, linkpath) */
export function sysSymlink(k: Kernel, a: number[]): number {
  return symlinkCommon(k, a[0], AT_FDCWD, a[1]);
}

/** symlinkat(target, newdirfd, linkpath) */
export function sysSymlinkat(k: Kernel, a: number[]): number {
  return symlinkCommon(k, a[0], a[1] | 0, a[2]);
}

/** umask(mask): sets the file creation mask, returns the old one. */
export function sysUmask(k: Kernel, a: number[]): number {
  const state = k.process.fsState;
  const old = state.umask;
  state.umask = a[0] & 0o777;
  return old;
}

function truncateCommon(k: Kernel, pathPtr: number, length: number): number {
  if (length < 0) return -EINVAL;
  const path = readPath(k, pathPtr);
  if (typeof path === 'number') return path;
  const w = walk(k, AT_FDCWD, path, true);
  if (typeof w === 'number') return w;
  if (!w.node) return -ENOENT;
  if (w.node.type === S_IFDIR) return -EISDIR;
  if ((w.node.type & S_IFMT) !== S_IFREG || !w.node.hostPath) return -EINVAL;
  const fs = k.host.fs;
  const handle = fs.open(w.node.hostPath, O_WRONLY, 0);
  if (handle < 0) return handle;
  const r = fs.ftruncate(handle, length);
  fs.close(handle);
  return r;
}

/** truncate(path, length) */
export function sysTruncate(k: Kernel, a: number[]): number {
  return truncateCommon(k, a[0], k.currentPath === 'syscall' ? a[1] : a[1] | 0);
}

/** truncate64(path, length_lo, length_hi): ia32. */
export function sysTruncate64(k: Kernel, a: number[]): number {
  return truncateCommon(k, a[0], offset64(a[1], a[2]));
}
