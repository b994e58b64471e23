import { EBADF } from '../errno.js';
import type { Kstat } from '../host.js';
import type { Kernel } from '../kernel.js';
import { OpenFile, S_IFDIR } from './open-file.js';
import { guestPathOf, VNode } from './vfs.js';

/**
 * An O_PATH descriptor: it names a file (or a symbolic link, with O_NOFOLLOW) without
 * opening it. fstat, fchdir, the *at() calls and close work; reading and writing are
 * EBADF, as on Linux.
 */
export class PathFile implements OpenFile {
  readonly hostFd = -1;
  readonly description: string;
  readonly isDirectory: boolean;

  constructor(
    private readonly node: VNode,
    public flags: number,
    readonly location: string[],
  ) {
    this.description = guestPathOf(location);
    this.isDirectory = node.type === S_IFDIR;
  }

  read(): number {
    return -EBADF;
  }
  write(): number {
    return -EBADF;
  }
  seek(): number {
    return -EBADF;
  }
  stat(k: Kernel): Kstat | number {
    return this.node.stat(k);
  }
  isTerminal(): boolean {
    return false;
  }
}
