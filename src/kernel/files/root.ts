import type { Kstat } from '../host.js';
import type { Kernel } from '../kernel.js';
import { devDirectory } from './devfs.js';
import { makeStat, S_IFDIR } from './open-file.js';
import { procDirectory } from './procfs.js';
import { DirEntry, HostNode, VNode } from './vfs.js';

/**
 * The guest's "/": the host root directory (`--root`), with the kernel's own /dev and
 * /proc mounted over whatever the host has under those names.
 */
class RootNode implements VNode {
  readonly type = S_IFDIR;
  readonly hostPath: string;
  private readonly host: HostNode | null;

  constructor(k: Kernel) {
    this.hostPath = k.options.root ?? '/';
    const st = k.host.fs.lstat(this.hostPath);
    this.host = typeof st === 'number' || (st.mode & 0o170000) !== S_IFDIR ? null : new HostNode(k.host.fs, this.hostPath, st);
  }

  stat(): Kstat | number {
    return this.host ? this.host.stat() : makeStat({ mode: S_IFDIR | 0o755, ino: 2, nlink: 2, uid: 0, gid: 0 });
  }

  lookup(k: Kernel, name: string): VNode | null | number {
    if (name === 'dev') return devDirectory;
    if (name === 'proc') return procDirectory;
    return this.host ? this.host.lookup(k, name) : null;
  }

  list(k: Kernel): DirEntry[] | number {
    const entries = this.host ? this.host.list() : [];
    if (typeof entries === 'number') return entries;
    const own = entries.filter((e) => e.name !== 'dev' && e.name !== 'proc');
    for (const [name, node] of [['dev', devDirectory], ['proc', procDirectory]] as const) {
      const st = node.stat(k);
      own.push({ name, ino: typeof st === 'number' ? 1 : st.ino, type: S_IFDIR });
    }
    return own;
  }
}

/** The root node, looked up afresh for each walk (the host directory may change). */
export function rootNode(k: Kernel): VNode {
  return new RootNode(k);
}
