import { EBADF, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR } from '../errno.js';
import type { Kstat } from '../host.js';
import type { Kernel } from '../kernel.js';
import { rootNode } from './root.js';
import { S_IFDIR, S_IFLNK, S_IFMT } from './open-file.js';
import type { OpenFile } from './open-file.js';
import type { VNode } from './vfs.js';

/** Linux's MAXSYMLINKS: symbolic links followed in one walk before ELOOP. */
export const MAX_SYMLINKS = 40;
/** NAME_MAX: the longest path component. */
export const NAME_MAX = 255;
/** The *at() calls' "relative to the current directory". */
export const AT_FDCWD = -100;

/** Where a walk ended. */
export interface Walked {
  /** Components of what the path names (or would name, when it does not exist). */
  path: string[];
  /** Components of the directory holding the last component (symbolic-link free). */
  parent: string[];
  parentNode: VNode;
  /**
   * The last component; null when the path ends at a directory through "/", "." or
   * "..", which cannot be created, removed or renamed by that name.
   */
  name: string | null;
  /** What the path names; null when its last component does not exist (creation). */
  node: VNode | null;
  /** The path ended in "/": the last component must be a directory. */
  trailingSlash: boolean;
}

/** The components of what a walk found. */
export function walkedComponents(w: Walked): string[] {
  return w.path;
}

/** A magic link's open file standing in for a node (/proc/self/fd/N followed). */
export class MagicNode implements VNode {
  readonly type: number;
  constructor(
    readonly file: OpenFile,
    attrs: Kstat | number,
  ) {
    this.type = typeof attrs === 'number' ? 0 : attrs.mode & S_IFMT;
    this.attrs = attrs;
  }
  private readonly attrs: Kstat | number;
  stat(): Kstat | number {
    return this.attrs;
  }
}

/** The process's current directory as components (its initial value is computed at first use). */
export function cwdComponents(k: Kernel): string[] {
  const fs = k.process.fsState;
  if (fs.cwd === null) fs.cwd = initialCwd(k.host.fs.cwd(), k.options.root ?? '/');
  return fs.cwd;
}

/** The host's cwd mapped into the root, or "/" when it lies outside. */
export function initialCwd(hostCwd: string, root: string): string[] {
  const split = (p: string): string[] => p.split('/').filter((c) => c !== '' && c !== '.');
  const r = split(root);
  const c = split(hostCwd);
  if (!hostCwd.startsWith('/') || c.includes('..')) return [];
  if (c.length < r.length || r.some((part, i) => c[i] !== part)) return [];
  return c.slice(r.length);
}

/** Looks up components that are known to be symbolic-link free (a cwd, a dirfd's location). */
function nodesAlong(k: Kernel, components: string[]): VNode[] | number {
  const nodes: VNode[] = [rootNode(k)];
  for (const name of components) {
    const next = nodes[nodes.length - 1].lookup?.(k, name);
    if (next === undefined) return -ENOTDIR;
    if (next === null) return -ENOENT;
    if (typeof next === 'number') return next;
    if (next.type !== S_IFDIR) return -ENOTDIR;
    nodes.push(next);
  }
  return nodes;
}

/** The starting directory of a relative path: the cwd (AT_FDCWD) or an open directory. */
function baseOf(k: Kernel, dirfd: number): string[] | number {
  if (dirfd === AT_FDCWD) return cwdComponents(k);
  const file = k.process.fds.get(dirfd);
  if (!file) return -EBADF;
  if (!file.isDirectory || !file.location) return -ENOTDIR;
  return file.location;
}

/**
 * Resolves a guest path the way Linux's path walk does, entirely inside the guest's
 * root: component by component from "/" (absolute) or from `dirfd`, ".." at the root
 * staying at the root, every symbolic link read and followed here (absolute targets
 * from the root again, relative ones from the link's directory), at most MAX_SYMLINKS
 * of them (ELOOP). The last component's link is followed only when `follow` is set or
 * the path ends in "/". The host is only ever asked about one real directory entry at
 * a time, so no name the guest writes can reach outside the root.
 */
export function walk(k: Kernel, dirfd: number, path: string, follow: boolean): Walked | number {
  if (path === '') return -ENOENT;
  if (path.length >= 4096) return -ENAMETOOLONG;
  let start: string[];
  if (path.startsWith('/')) start = [];
  else {
    const base = baseOf(k, dirfd);
    if (typeof base === 'number') return base;
    start = base;
  }
  const along = nodesAlong(k, start);
  if (typeof along === 'number') return along;
  const components = [...start];
  const nodes = along;
  const trailingSlash = /\/\.?$/.test(path) || path === '.';
  let queue = path.split('/').filter((c) => c !== '');
  let links = 0;
  const parentNode = (): VNode => (nodes.length > 1 ? nodes[nodes.length - 2] : nodes[0]);
  const atDirectory = (): Walked => ({
    path: [...components],
    parent: components.slice(0, -1),
    parentNode: parentNode(),
    name: null,
    node: nodes[nodes.length - 1],
    trailingSlash: true,
  });
  if (queue.length === 0) return atDirectory(); // "/" or "///"
  while (queue.length > 0) {
    const name = queue.shift()!;
    const last = queue.length === 0;
    if (name === '.' || name === '..') {
      if (name === '..' && components.length > 0) {
        components.pop();
        nodes.pop();
      }
      if (last) return atDirectory();
      continue;
    }
    if (name.length > NAME_MAX) return -ENAMETOOLONG;
    const dir = nodes[nodes.length - 1];
    const child = dir.lookup?.(k, name);
    if (child === undefined) return -ENOTDIR;
    if (typeof child === 'number') return child;
    if (child === null) {
      if (!last) return -ENOENT;
      return { path: [...components, name], parent: [...components], parentNode: dir, name, node: null, trailingSlash };
    }
    if (child.type === S_IFLNK && (!last || follow || trailingSlash)) {
      if (++links > MAX_SYMLINKS) return -ELOOP;
      if (last && child.magic) {
        const file = child.magic(k);
        if (typeof file === 'number') return file;
        const node = new MagicNode(file, file.stat(k));
        return { path: [...components, name], parent: [...components], parentNode: dir, name, node, trailingSlash };
      }
      const target = child.readlink?.(k);
      if (typeof target === 'number') return target;
      if (!target) return -ENOENT;
      if (target.startsWith('/')) {
        components.length = 0;
        nodes.length = 1;
      }
      const more = target.split('/').filter((c) => c !== '');
      // A link to "/" or ending in "/" names a directory: keep the walk's end a directory.
      if (more.length === 0 || target.endsWith('/')) more.push('.');
      queue = [...more, ...queue];
      continue;
    }
    if (last) {
      return { path: [...components, name], parent: [...components], parentNode: dir, name, node: child, trailingSlash };
    }
    if (child.type !== S_IFDIR) return -ENOTDIR;
    components.push(name);
    nodes.push(child);
  }
  return atDirectory();
}
