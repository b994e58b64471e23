import {
  EBADF, EBUSY, EEXIST, EFBIG, EINVAL, EISDIR, ELOOP, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY,
} from '../errno.js';
import type { HostDirEntry, HostFileSystem, Kstat, Timespec } from '../host.js';
import { O_ACCMODE, O_CREAT, O_EXCL, O_RDONLY, O_TRUNC, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from './open-file.js';

/** Limits that keep a guest from filling the host's memory through files. */
const MAX_FILE_SIZE = 32 * 1024 * 1024;
const MAX_TOTAL_BYTES = 128 * 1024 * 1024;

interface Inode {
  ino: number;
  mode: number;
  nlink: number;
  data: Uint8Array;
  size: number;
  children: Map<string, Inode> | null;
  target: string;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
}

/**
 * An in-memory file system with the host interface's semantics, for tests and for
 * hosts without files (a browser): directories, regular files and symbolic links,
 * inode numbers, Linux's errors. It never follows a symbolic link (the kernel does
 * that); a path through one is ENOTDIR. Files are capped at 32 MiB and the whole
 * tree at 128 MiB (EFBIG, ENOSPC), so a guest cannot exhaust the host's memory.
 */
export class MemoryFileSystem implements HostFileSystem {
  private readonly root: Inode;
  private nextIno = 2;
  private readonly handles = new Map<number, { node: Inode; flags: number }>();
  private nextHandle = 3;
  private total = 0;
  private clock = 1_700_000_000;

  /** Creates the tree with the given directories (absolute paths, parents first). */
  constructor(directories: string[] = []) {
    this.root = this.inode(S_IFDIR | 0o755);
    for (const d of directories) this.mkdir(d, 0o1777);
  }

  private now(): Timespec {
    this.clock += 1;
    return { sec: this.clock, nsec: 0 };
  }

  private inode(mode: number): Inode {
    const t = this.now();
    return {
      ino: this.nextIno++,
      mode,
      nlink: (mode & S_IFMT) === S_IFDIR ? 2 : 1,
      data: new Uint8Array(0),
      size: 0,
      children: (mode & S_IFMT) === S_IFDIR ? new Map() : null,
      target: '',
      atime: t,
      mtime: t,
      ctime: t,
    };
  }

  private parts(path: string): string[] {
    return path.split('/').filter((p) => p !== '' && p !== '.');
  }

  /** The inode at `path`, or -errno; intermediate components must be directories. */
  private find(path: string): Inode | number {
    let node = this.root;
    for (const name of this.parts(path)) {
      if (!node.children) return -ENOTDIR;
      const next = node.children.get(name);
      if (!next) return -ENOENT;
      node = next;
    }
    return node;
  }

  /** The parent directory of `path` and the last name. */
  private parentOf(path: string): { dir: Inode; name: string } | number {
    const parts = this.parts(path);
    const name = parts.pop();
    if (name === undefined || name === '..') return -EBUSY;
    const dir = this.find('/' + parts.join('/'));
    if (typeof dir === 'number') return dir;
    if (!dir.children) return -ENOTDIR;
    return { dir, name };
  }

  private attrs(n: Inode): Kstat {
    return {
      dev: 0x2a, ino: n.ino, mode: n.mode, nlink: n.nlink, uid: 1000, gid: 1000, rdev: 0,
      size: (n.mode & S_IFMT) === S_IFLNK ? n.target.length : n.children ? 4096 : n.size,
      blksize: 4096, blocks: Math.ceil(n.size / 4096) * 8,
      atime: n.atime, mtime: n.mtime, ctime: n.ctime,
    };
  }

  cwd(): string {
    return '/';
  }

  open(path: string, flags: number, mode: number): number {
    let node = this.find(path);
    if (node === -ENOENT && flags & O_CREAT) {
      const p = this.parentOf(path);
      if (typeof p === 'number') return p;
      node = this.inode(S_IFREG | (mode & 0o7777));
      p.dir.children!.set(p.name, node);
      p.dir.mtime = p.dir.ctime = this.now();
    } else if (typeof node === 'number') {
      return node;
    } else if (flags & O_CREAT && flags & O_EXCL) {
      return -EEXIST;
    }
    if ((node.mode & S_IFMT) === S_IFLNK) return -ELOOP;
    if (node.children) return -EISDIR;
    const writing = (flags & O_ACCMODE) !== O_RDONLY;
    if (writing && flags & O_TRUNC) this.resize(node, 0);
    const handle = this.nextHandle++;
    this.handles.set(handle, { node, flags });
    return handle;
  }

  close(handle: number): number {
    const h = this.handles.get(handle);
    if (!h) return -EBADF;
    this.handles.delete(handle);
    this.forgetIfGone(h.node);
    return 0;
  }

  /** A file with no name left and no handle open gives its bytes back to the tree's budget. */
  private forgetIfGone(n: Inode): void {
    if (n.children || n.nlink > 0 || [...this.handles.values()].some((h) => h.node === n)) return;
    this.total -= n.size;
    n.size = 0;
    n.data = new Uint8Array(0);
  }

  private file(handle: number): Inode | number {
    const h = this.handles.get(handle);
    return h ? h.node : -EBADF;
  }

  pread(handle: number, into: Uint8Array, position: number): number {
    const n = this.file(handle);
    if (typeof n === 'number') return n;
    if (n.children) return -EISDIR;
    if (position >= n.size) return 0;
    const count = Math.min(into.length, n.size - position);
    into.set(n.data.subarray(position, position + count));
    return count;
  }

  pwrite(handle: number, data: Uint8Array, position: number): number {
    const n = this.file(handle);
    if (typeof n === 'number') return n;
    const end = position + data.length;
    if (end > n.size) {
      const grown = this.resize(n, end);
      if (grown < 0) return grown;
    }
    n.data.set(data, position);
    n.mtime = n.ctime = this.now();
    return data.length;
  }

  private resize(n: Inode, size: number): number {
    if (size > MAX_FILE_SIZE) return -EFBIG;
    if (this.total + size - n.size > MAX_TOTAL_BYTES) return -ENOSPC;
    if (size > n.data.length) {
      const grown = new Uint8Array(Math.min(MAX_FILE_SIZE, Math.max(size, n.data.length * 2, 4096)));
      grown.set(n.data.subarray(0, n.size));
      n.data = grown;
    } else if (size < n.size) {
      n.data.fill(0, size, n.size);
    }
    this.total += size - n.size;
    n.size = size;
    n.mtime = n.ctime = this.now();
    return 0;
  }

  fstat(handle: number): Kstat | number {
    const n = this.file(handle);
    return typeof n === 'number' ? n : this.attrs(n);
  }

  ftruncate(handle: number, length: number): number {
    const n = this.file(handle);
    if (typeof n === 'number') return n;
    if (n.children || length < 0) return -EINVAL;
    return this.resize(n, length);
  }

  fsync(handle: number): number {
    const n = this.file(handle);
    return typeof n === 'number' ? n : 0;
  }

  lstat(path: string): Kstat | number {
    const n = this.find(path);
    return typeof n === 'number' ? n : this.attrs(n);
  }

  readlink(path: string): string | number {
    const n = this.find(path);
    if (typeof n === 'number') return n;
    return (n.mode & S_IFMT) === S_IFLNK ? n.target : -EINVAL;
  }

  readdir(path: string): HostDirEntry[] | number {
    const n = this.find(path);
    if (typeof n === 'number') return n;
    if (!n.children) return -ENOTDIR;
    return [...n.children].map(([name, c]) => ({ name, ino: c.ino, type: c.mode & S_IFMT }));
  }

  private add(path: string, node: Inode): number {
    const p = this.parentOf(path);
    if (typeof p === 'number') return p;
    if (p.dir.children!.has(p.name)) return -EEXIST;
    p.dir.children!.set(p.name, node);
    if (node.children) p.dir.nlink++;
    p.dir.mtime = p.dir.ctime = this.now();
    return 0;
  }

  mkdir(path: string, mode: number): number {
    return this.add(path, this.inode(S_IFDIR | (mode & 0o7777)));
  }

  symlink(target: string, path: string): number {
    const node = this.inode(S_IFLNK | 0o777);
    node.target = target;
    return this.add(path, node);
  }

  private remove(path: string, directory: boolean): number {
    const p = this.parentOf(path);
    if (typeof p === 'number') return p;
    const n = p.dir.children!.get(p.name);
    if (!n) return -ENOENT;
    if (directory && !n.children) return -ENOTDIR;
    if (!directory && n.children) return -EISDIR;
    if (n.children && n.children.size > 0) return -ENOTEMPTY;
    p.dir.children!.delete(p.name);
    if (n.children) p.dir.nlink--;
    n.nlink--;
    this.forgetIfGone(n);
    p.dir.mtime = p.dir.ctime = this.now();
    return 0;
  }

  rmdir(path: string): number {
    return this.remove(path, true);
  }

  unlink(path: string): number {
    return this.remove(path, false);
  }

  rename(from: string, to: string): number {
    const src = this.parentOf(from);
    if (typeof src === 'number') return src;
    const dst = this.parentOf(to);
    if (typeof dst === 'number') return dst;
    const node = src.dir.children!.get(src.name);
    if (!node) return -ENOENT;
    const existing = dst.dir.children!.get(dst.name);
    if (existing === node) return 0;
    // A directory cannot move into itself (paths are symbolic-link free: a prefix test suffices).
    const f = this.parts(from);
    const t = this.parts(to);
    if (node.children && t.length > f.length && f.every((p, i) => t[i] === p)) return -EINVAL;
    if (existing) {
      if (node.children && !existing.children) return -ENOTDIR;
      if (!node.children && existing.children) return -EISDIR;
      if (existing.children && existing.children.size > 0) return -ENOTEMPTY;
      if (existing.children) dst.dir.nlink--;
      existing.nlink--;
      this.forgetIfGone(existing);
    }
    src.dir.children!.delete(src.name);
    if (node.children) src.dir.nlink--;
    dst.dir.children!.set(dst.name, node);
    if (node.children) dst.dir.nlink++;
    src.dir.mtime = dst.dir.mtime = node.ctime = this.now();
    return 0;
  }

  access(path: string): number {
    const n = this.find(path);
    return typeof n === 'number' ? n : 0;
  }
}
