import { EACCES, EISDIR, ENOENT, ENOTDIR, ENXIO, EPERM } from '../errno.js';
import type { HostDirEntry, HostFileSystem, Kstat } from '../host.js';
import type { Kernel } from '../kernel.js';
import { DirectoryFile } from './directory-file.js';
import { HostFile } from './host-file.js';
import { O_ACCMODE, O_RDONLY, O_TRUNC, OpenFile, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from './open-file.js';
import { VirtualFile } from './virtual-file.js';

/** One name in a directory listing. */
export interface DirEntry {
  name: string;
  ino: number;
  /** S_IFMT bits of the entry (0 if unknown). */
  type: number;
}

/**
 * A node of the guest's file tree: a host file under the root, or one the kernel
 * provides (/dev, /proc). Path walks (path-walk.ts) go from node to node; nothing but
 * a node's own methods touches the host.
 */
export interface VNode {
  /** S_IFMT bits. */
  readonly type: number;
  /** The host path behind a host node; undefined for the kernel's own. */
  readonly hostPath?: string;
  stat(k: Kernel): Kstat | number;
  /** Directories: the child called `name`, null if there is none. */
  lookup?(k: Kernel, name: string): VNode | null | number;
  /** Directories: their entries, without "." and "..". */
  list?(k: Kernel): DirEntry[] | number;
  /** Symbolic links: the target text. */
  readlink?(k: Kernel): string | number;
  /**
   * A "magic" link (/proc/self/fd/N): when it is the last component and is followed,
   * it stands for this open file itself rather than for the path it reads as.
   */
  magic?(k: Kernel): OpenFile | number;
  /** Opens the node (not a directory: directories open as DirectoryFile). */
  open?(k: Kernel, flags: number, where: string[]): OpenFile | number;
}

/** Joins a host directory and a name. */
export function hostJoin(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** The host path of guest path components (symlink-free) under `root`. */
export function hostPathOf(root: string, components: string[]): string {
  if (components.length === 0) return root;
  return (root === '/' ? '' : root.replace(/\/+$/, '')) + '/' + components.join('/');
}

/** The guest path of components: "/a/b". */
export function guestPathOf(components: string[]): string {
  return '/' + components.join('/');
}

/** A file or directory on the host, under the guest's root. */
export class HostNode implements VNode {
  readonly type: number;
  constructor(
    private readonly fs: HostFileSystem,
    readonly hostPath: string,
    private readonly attrs: Kstat,
  ) {
    this.type = attrs.mode & S_IFMT;
  }

  stat(): Kstat | number {
    // Fresh attributes: the node may have changed since the walk (fstat of an open directory).
    const st = this.fs.lstat(this.hostPath);
    return typeof st === 'number' ? this.attrs : st;
  }

  lookup(_k: Kernel, name: string): VNode | null | number {
    if (this.type !== S_IFDIR) return -ENOTDIR;
    const path = hostJoin(this.hostPath, name);
    const st = this.fs.lstat(path);
    if (st === -ENOENT) return null;
    if (typeof st === 'number') return st;
    return new HostNode(this.fs, path, st);
  }

  list(): DirEntry[] | number {
    const entries = this.fs.readdir(this.hostPath);
    return typeof entries === 'number' ? entries : entries.map((e: HostDirEntry) => ({ name: e.name, ino: e.ino, type: e.type }));
  }

  readlink(): string | number {
    return this.fs.readlink(this.hostPath);
  }

  open(k: Kernel, flags: number, where: string[]): OpenFile | number {
    if (this.type !== S_IFREG) {
      // FIFOs would block the whole emulator in the host's open, sockets cannot be
      // opened, and device nodes stay the host's: the guest's devices are /dev's.
      return this.type === S_IFLNK ? -ENOENT : -ENXIO;
    }
    const handle = this.fs.open(this.hostPath, flags, 0);
    if (handle < 0) return handle;
    return new HostFile(this.fs, handle, flags, where);
  }
}

/** Whether an open with these flags would write to a directory (EISDIR). */
export function writesDirectory(flags: number): boolean {
  return (flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC) !== 0;
}

/** Opens a directory node as a directory file. */
export function openDirectory(node: VNode, parent: VNode, flags: number, where: string[]): OpenFile | number {
  if (writesDirectory(flags)) return -EISDIR;
  return new DirectoryFile(node, parent, flags, where);
}

/** A directory the kernel provides, with a fixed or computed set of children. */
export class VirtualDir implements VNode {
  readonly type = S_IFDIR;
  constructor(
    private readonly attrs: (k: Kernel) => Kstat,
    private readonly children: (k: Kernel) => Array<[string, VNode]>,
  ) {}

  stat(k: Kernel): Kstat {
    return this.attrs(k);
  }

  lookup(k: Kernel, name: string): VNode | null {
    for (const [n, node] of this.children(k)) if (n === name) return node;
    return null;
  }

  list(k: Kernel): DirEntry[] {
    return this.children(k).map(([name, node]) => {
      const st = node.stat(k);
      return { name, ino: typeof st === 'number' ? 1 : st.ino, type: node.type };
    });
  }
}

/** Refusal to change the kernel's own trees (/dev, /proc) as Linux gives it to users. */
export const VIRTUAL_WRITE_ERROR = EACCES;
export const VIRTUAL_REMOVE_ERROR = EPERM;

/** A symbolic link the kernel provides (/proc/self, /proc/self/exe, /dev/stdin ...). */
export class VirtualLink implements VNode {
  readonly type = S_IFLNK;
  constructor(
    private readonly target: (k: Kernel) => string,
    private readonly attrs: (k: Kernel) => Kstat,
    /** For magic links: the open file the link stands for. */
    readonly magic?: (k: Kernel) => OpenFile | number,
  ) {}

  stat(k: Kernel): Kstat {
    return this.attrs(k);
  }

  readlink(k: Kernel): string {
    return this.target(k);
  }
}

/** A file whose contents the kernel generates when it is opened (/proc/self/maps ...). */
export class GeneratedFile implements VNode {
  readonly type = S_IFREG;
  constructor(
    private readonly contents: (k: Kernel) => Uint8Array,
    private readonly attrs: (k: Kernel) => Kstat,
  ) {}

  stat(k: Kernel): Kstat {
    return this.attrs(k);
  }

  open(k: Kernel, flags: number, where: string[]): OpenFile | number {
    if ((flags & O_ACCMODE) !== O_RDONLY || flags & O_TRUNC) return -EACCES;
    return new VirtualFile(guestPathOf(where), this.contents(k), flags, this.attrs(k));
  }
}
